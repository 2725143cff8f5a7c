//! County, council and station pages.

use crate::download::{Cell, Sheet};
use crate::fmt::url_encode;
use crate::views::OnPage;
use crate::views::{
    answer_form, breaks_a_rule, page_error, render, render_status, Card, DoneQuery, Layout,
    PageResult, Pager, Refused, SortLink, Visit,
};
use app::stations::{number, postal_code};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::access::Action;
use domain::election::CouncilKind;
use domain::station::Station;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use store::{CouncilFilter, PageRequest, StationFilter, StationSortKey};

pub struct CouncilRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub kind: &'static str,
    pub population: String,
    pub main_seats: String,
    pub alternate_seats: String,
}

pub struct StationRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub area: &'static str,
    pub mobility: &'static str,
    pub expected_voters: String,
}

impl From<&Station> for StationRow {
    fn from(s: &Station) -> Self {
        Self {
            code: s.code.clone(),
            code_fa: persian_digits(&s.code),
            name: s.name.clone(),
            area: s.area.persian(),
            mobility: if s.mobile { "سیار" } else { "ثابت" },
            expected_voters: persian_number(s.expected_voters),
        }
    }
}

pub struct Header {
    pub label: &'static str,
    pub href: Option<String>,
    pub arrow: &'static str,
    pub numeric: bool,
}

#[derive(Template)]
#[template(path = "county.html")]
struct CountyPage {
    layout: Layout,
    /// The timeline's outlook for the visitor (`views::readiness::outlook_panel`).
    outlook: String,
    code: String,
    name: String,
    centre: String,
    population: Option<String>,
    cards: Vec<Card>,
    kind: String,
    name_filter: String,
    sort: String,
    council_headers: Vec<Header>,
    councils: Vec<CouncilRow>,
    councils_pager: Pager,
    stations: Vec<StationRow>,
    stations_pager: Pager,
    stype: String,
    sname: String,
    /// The station list's order, kept by its filter form.
    ssort: String,
    /// The station list's sortable headers: code, name, expected voters.
    station_headers: Vec<SortLink>,
    /// The station list as filtered, as an Excel file.
    stations_xlsx: String,
    shares: Vec<crate::views::staffing::Share>,
    gaps: Vec<crate::views::staffing::GapRow>,
    gaps_total: String,
    gaps_pager: Pager,
    gaps_back: String,
    notice: Option<String>,
    boards: Vec<BoardStatus>,
    /// Station, station shown, post, holder, reason.
    conflicts: Vec<(String, String, &'static str, String, String)>,
    /// On polling day, the election-day picture (`views::day_board`).
    day_picture: Option<String>,
}

/// A board's line on the county page.
pub struct BoardStatus {
    pub code: String,
    pub name: &'static str,
    pub members: String,
    pub complete: bool,
    pub missing: String,
}

fn board_statuses(boards: &[store::BoardWithMembers]) -> Vec<BoardStatus> {
    boards
        .iter()
        .map(|b| {
            let vacancies = domain::boards::vacancies(b.board.kind, &b.members);
            let full = b
                .members
                .iter()
                .filter(|m| m.role != domain::boards::BoardRole::Alternate)
                .count();
            BoardStatus {
                code: b.board.code.clone(),
                name: b.board.kind.persian(),
                members: format!(
                    "{} از {}",
                    persian_number(full as i64),
                    persian_number(b.board.kind.size() as i64)
                ),
                complete: vacancies.is_empty(),
                missing: format!(
                    "{} کرسی خالی",
                    persian_number(vacancies.iter().map(|(_, n)| *n as i64).sum())
                ),
            }
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct CountyQuery {
    kind: Option<String>,
    name: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
    spage: Option<u32>,
    /// Station list: `urban`, `rural`, `mobile`, `fixed` or `closed`.
    stype: Option<String>,
    /// Station list: part of the name.
    sname: Option<String>,
    /// Station list: its order (`name`, `-expected_voters`, …).
    ssort: Option<String>,
    /// Page of the gap list.
    gpage: Option<u32>,
    /// Set after a gap was filled from this page.
    done: Option<String>,
}

/// The county page's station filter (`stype`, `sname`), with the type and name as typed.
fn station_filter(code: &str, q: &CountyQuery) -> (StationFilter, String, String) {
    let stype = q.stype.clone().unwrap_or_default();
    let sname = q
        .sname
        .as_deref()
        .map(domain::text::normalize_name)
        .unwrap_or_default();
    let mut filter = StationFilter {
        county: Some(code.to_owned()),
        name: Some(sname.clone()).filter(|n| !n.is_empty()),
        // An unknown order is the default one, as the councils' is.
        sort: q
            .ssort
            .as_deref()
            .and_then(store::Sort::parse)
            .unwrap_or_default(),
        ..Default::default()
    };
    match stype.as_str() {
        "urban" => filter.area = Some(domain::station::Area::Urban),
        "rural" => filter.area = Some(domain::station::Area::Rural),
        "mobile" => filter.mobile = Some(true),
        "fixed" => filter.mobile = Some(false),
        "closed" => filter.closed = Some(true),
        _ => {}
    }
    (filter, stype, sname)
}

/// `GET /counties/{code}/stations.xlsx`: the county page's station list, filtered as the page
/// is (type, name), every page of it, as an Excel file; for those who see the county.
pub async fn stations_xlsx(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<CountyQuery>>,
) -> PageResult {
    let here = format!("/counties/{code}");
    visit.require(Action::ViewCounty(&code), &here)?;
    let (filter, _, _) = station_filter(&code, &q);
    let (lookups, principal, filter) = (visit.app().lookups(), visit.principal(), &filter);
    let stations = crate::download::every_page(|page| async move {
        lookups.stations(principal, filter.clone(), page).await
    })
    .await
    .map_err(|e| page_error(e, &here))?;
    let councils = visit.app().cached().councils().await?;
    let council_name = |c: &str| {
        councils
            .iter()
            .find(|k| k.code == c)
            .map(|k| domain::election::council_title(k.kind, &k.name))
            .unwrap_or_default()
    };
    let rows = stations
        .iter()
        .map(|s| {
            vec![
                Cell::code(&s.code),
                Cell::text(s.name.as_str()),
                Cell::code(&s.council_code),
                Cell::text(council_name(&s.council_code)),
                Cell::text(s.area.persian()),
                Cell::text(if s.mobile { "سیار" } else { "ثابت" }),
                Cell::Number(s.expected_voters),
                Cell::text(s.address.as_str()),
                Cell::opt_code(s.postal_code.as_ref().map(domain::ids::PostalCode::as_str)),
                Cell::text(if s.closed { "بسته" } else { "" }),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "شعب اخذ رأی",
        header: &[
            "کد شعبه",
            "نام شعبه",
            "کد شورا",
            "شورا",
            "نوع",
            "ثابت/سیار",
            "رأی‌دهندگان پیش‌بینی‌شده",
            "نشانی",
            "کد پستی",
            "وضعیت",
        ],
        rows,
    };
    Ok(sheet.download(&format!("stations-{code}"))?)
}

pub async fn county(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<CountyQuery>>,
    OnPage(Query(day)): OnPage<Query<crate::views::day_board::DayQuery>>,
) -> PageResult {
    let here = format!("/counties/{code}");
    visit.require(Action::ViewCounty(&code), &here)?;
    let day_picture = crate::views::day_board::section(
        &visit,
        crate::views::day_board::Area::County(&code),
        &day,
    )
    .await?;
    let summary = visit.app().lookups().county(&code).await?;
    let kind_text = q.kind.clone().unwrap_or_default();
    let kind = match kind_text.as_str() {
        "" => None,
        k => Some(CouncilKind::parse(k)?),
    };
    let name_filter = q
        .name
        .as_deref()
        .map(domain::text::normalize_name)
        .unwrap_or_default();
    let sort = q.sort.clone().unwrap_or_else(|| "code".into());
    let filter = CouncilFilter {
        county: Some(code.clone()),
        kind,
        name: Some(name_filter.clone()).filter(|n| !n.is_empty()),
        sort: store::Sort::parse(&sort).unwrap_or_default(),
    };
    let lookups = visit.app().lookups();
    let councils = lookups
        .councils(
            visit.principal(),
            filter,
            PageRequest::new(q.page.unwrap_or(1), 25),
        )
        .await?;
    let (station_filter, stype, sname) = station_filter(&code, &q);
    let station_sort = station_filter.sort;
    let stations = lookups
        .stations(
            visit.principal(),
            station_filter,
            PageRequest::new(q.spage.unwrap_or(1), 25),
        )
        .await?;
    let ssort = station_sort.as_param();
    let query_sorted = |page: u32, spage: u32, sort: &str, ssort: &str| {
        format!(
            "{here}?kind={}&name={}&sort={}&page={page}&spage={spage}&stype={}&sname={}&ssort={}",
            url_encode(&kind_text),
            url_encode(&name_filter),
            url_encode(sort),
            url_encode(&stype),
            url_encode(&sname),
            url_encode(ssort)
        )
    };
    let query = |page: u32, spage: u32, sort: &str| query_sorted(page, spage, sort, &ssort);
    let spage = stations.page;
    let council_headers = [
        ("code", "کد", false),
        ("name", "نام شورا", false),
        ("", "نوع", false),
        ("population", "جمعیت", true),
        ("seats", "اعضای اصلی", true),
        ("", "علی‌البدل", true),
    ]
    .into_iter()
    .map(|(key, label, numeric)| {
        if key.is_empty() {
            return Header {
                label,
                href: None,
                arrow: "",
                numeric,
            };
        }
        let (next, arrow) = if sort == key {
            (format!("-{key}"), " ▲")
        } else if sort == format!("-{key}") {
            (key.to_owned(), " ▼")
        } else {
            (key.to_owned(), "")
        };
        Header {
            label,
            href: Some(format!("{}#councils", query(1, spage, &next))),
            arrow,
            numeric,
        }
    })
    .collect();
    let c = &summary;
    let cards = vec![
        Card::new(c.districts, "بخش"),
        Card::new(c.cities, "شهر"),
        Card::new(c.villages, "روستا"),
        Card::new(c.city_councils, "شورای شهر"),
        Card::new(c.village_councils, "شورای روستا"),
        Card::new(c.main_seats, "کرسی اصلی"),
        Card::new(c.stations, "شعبه"),
        Card::new(c.urban_stations, "شعبه شهری"),
        Card::new(c.rural_stations, "شعبه روستایی"),
        Card::new(c.stations - c.mobile_stations, "شعبه ثابت"),
        Card::new(c.mobile_stations, "شعبه سیار"),
    ];
    let councils_pager = Pager::new(&councils, |p| {
        format!("{}#councils", query(p, spage, &sort))
    });
    let cpage = councils.page;
    let stations_pager = Pager::new(&stations, |p| {
        format!("{}#stations", query(cpage, p, &sort))
    });
    let station_headers = SortLink::headers(
        vec![
            (StationSortKey::Code, "کد", false),
            (StationSortKey::Name, "نام", false),
            (
                StationSortKey::ExpectedVoters,
                "رأی‌دهندگان پیش‌بینی‌شده",
                true,
            ),
        ],
        |k: StationSortKey| store::SortKey::as_str(k),
        station_sort.key,
        station_sort.descending,
        |next| format!("{}#stations", query_sorted(cpage, 1, &sort, next)),
    );
    let boards = visit.app().boards();
    let boards = board_statuses(&boards.list(visit.principal(), Some(code.clone())).await?);
    let conflicts = visit
        .app()
        .cached()
        .conflicts(Some(&code))
        .await?
        .into_iter()
        .map(|c| {
            let a = c.assignment;
            (
                a.station.clone(),
                persian_digits(&a.station),
                a.post.persian(),
                format!("{} {}", a.first_name, a.last_name),
                c.reason,
            )
        })
        .collect();
    let coverage = visit.app().cached().coverage(Some(&code)).await?.pop();
    let shares = coverage
        .as_ref()
        .map(crate::views::staffing::shares)
        .unwrap_or_default();
    let gpage = q.gpage.unwrap_or(1);
    let (gaps, gap_page) = crate::views::staffing::gap_rows(&visit, &code, gpage).await?;
    let gaps_pager = Pager::new(&gap_page, |p| {
        crate::views::staffing::county_gaps_link(&code, p)
    });
    let outlook = crate::views::readiness::outlook_panel(&visit).await?;
    render(&CountyPage {
        outlook,
        layout: visit.layout(format!("شهرستان {}", c.county.name), &here),
        code: code.clone(),
        name: c.county.name.clone(),
        centre: c.county.centre.clone(),
        population: c.county.population.map(persian_number),
        cards,
        kind: kind_text,
        name_filter,
        sort,
        council_headers,
        councils: councils
            .items
            .iter()
            .map(|k| CouncilRow {
                code: k.code.clone(),
                code_fa: persian_digits(&k.code),
                name: k.name.clone(),
                kind: k.kind.persian(),
                population: persian_number(k.population),
                main_seats: persian_number(i64::from(k.main_seats)),
                alternate_seats: persian_number(i64::from(k.alternate_seats)),
            })
            .collect(),
        councils_pager,
        stations: stations.items.iter().map(StationRow::from).collect(),
        stations_pager,
        shares,
        gaps,
        gaps_total: persian_number(gap_page.total),
        gaps_back: crate::views::staffing::county_gaps_link(&code, gpage),
        gaps_pager,
        boards,
        conflicts,
        day_picture,
        stations_xlsx: format!(
            "{here}/stations.xlsx?stype={}&sname={}&ssort={}",
            url_encode(&stype),
            url_encode(&sname),
            url_encode(&ssort)
        ),
        station_headers,
        ssort,
        stype,
        sname,
        notice: q
            .done
            .as_deref()
            .map(|_| "سمت با موفقیت تعیین شد؛ پوشش به‌روز شد.".to_owned()),
    })
}

#[derive(Template)]
#[template(path = "council.html")]
struct CouncilPage {
    layout: Layout,
    code_fa: String,
    name: String,
    kind: &'static str,
    county_code: String,
    county_name: String,
    population: String,
    main_seats: String,
    alternate_seats: String,
    stations: Vec<StationRow>,
    stations_pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageNumber {
    page: Option<u32>,
}

pub async fn council(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<PageNumber>>,
) -> PageResult {
    let here = format!("/councils/{code}");
    let council = visit
        .app()
        .lookups()
        .visible_council(visit.principal(), &code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let lookups = visit.app().lookups();
    let county_name = lookups.county(&council.county_code).await?.county.name;
    let stations = lookups
        .stations(
            visit.principal(),
            StationFilter {
                council: Some(code.clone()),
                ..Default::default()
            },
            PageRequest::new(q.page.unwrap_or(1), 50),
        )
        .await?;
    render(&CouncilPage {
        layout: visit.layout(council.name.clone(), &here),
        stations_pager: Pager::new(&stations, |p| format!("{here}?page={p}")),
        stations: stations.items.iter().map(StationRow::from).collect(),
        code_fa: persian_digits(&council.code),
        name: council.name,
        kind: council.kind.persian(),
        county_code: council.county_code,
        county_name,
        population: persian_number(council.population),
        main_seats: persian_number(i64::from(council.main_seats)),
        alternate_seats: persian_number(i64::from(council.alternate_seats)),
    })
}

#[derive(Template)]
#[template(path = "station.html")]
struct StationPage {
    layout: Layout,
    station: StationRow,
    raw: Station,
    council_name: String,
    council_href: Option<String>,
    hard_to_reach: &'static str,
    address: String,
    postal_code: String,
    location: String,
    facilities: Vec<(&'static str, String)>,
    route: Vec<(String, String, String)>,
    links: Vec<(&'static str, &'static str)>,
    can_edit: bool,
    /// The station's other pages the visitor may open (readiness, security): path and label.
    more: Vec<(String, &'static str)>,
    error: Option<String>,
    notice: Option<String>,
}

pub async fn station(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    let notice = q.done.map(|_| "تغییرات شعبه ثبت شد.".to_owned());
    station_page(&visit, &code, notice, None).await
}

/// The station's page, with a notice after its form succeeded or the reason it was refused.
async fn station_page(
    visit: &Visit,
    code: &str,
    notice: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let here = format!("/stations/{code}");
    let (status, error) = Refused::shown(refused);
    let station = visit.visible_station(code, &here).await?;
    let council = visit.app().lookups().council(&station.council_code).await?;
    // A station's staff may not open the whole council page; link it only for those who may.
    let council_href = visit
        .auth
        .require(Action::ViewCounty(&station.county_code))
        .ok()
        .map(|_| format!("/councils/{}", station.council_code));
    let yes_no = |b: bool| {
        if b {
            "بله".to_owned()
        } else {
            "خیر".to_owned()
        }
    };
    let f = &station.facilities;
    let page = StationPage {
        layout: visit.layout(station.name.clone(), &here),
        station: StationRow::from(&station),
        council_name: council.name,
        council_href,
        hard_to_reach: if station.hard_to_reach {
            "بله"
        } else {
            "خیر"
        },
        address: station.address.clone(),
        postal_code: station
            .postal_code
            .as_ref()
            .map(|p| persian_digits(p.as_str()))
            .unwrap_or_default(),
        location: station
            .location
            .map(|l| {
                format!(
                    "{}، {}",
                    domain::text::persian_decimal(l.lat, 5),
                    domain::text::persian_decimal(l.lon, 5)
                )
            })
            .unwrap_or_default(),
        facilities: vec![
            (
                "دستگاه رأی‌گیری الکترونیکی",
                persian_number(i64::from(f.evoting_devices)),
            ),
            (
                "دستگاه احراز هویت",
                persian_number(i64::from(f.identity_devices)),
            ),
            ("برق اضطراری", yes_no(f.power_backup)),
            ("دوربین مداربسته", yes_no(f.cctv)),
            ("ارتباط", f.link.persian().to_owned()),
        ],
        route: station
            .route
            .iter()
            .map(|r| {
                (
                    persian_digits(&r.council),
                    domain::calendar::jalali_datetime(r.arrives_at),
                    domain::calendar::jalali_datetime(r.leaves_at),
                )
            })
            .collect(),
        links: domain::station::LinkType::ALL
            .iter()
            .map(|l| (l.as_str(), l.persian()))
            .collect(),
        can_edit: app::allows(
            visit.principal(),
            Action::ManageStations {
                county: &station.county_code,
            },
        ),
        more: [
            (
                Action::ViewReadiness {
                    county: Some(&station.county_code),
                },
                "readiness",
                "آمادگی",
            ),
            (
                Action::ViewSecurity {
                    county: Some(&station.county_code),
                },
                "security",
                "امنیت",
            ),
        ]
        .into_iter()
        .filter(|(action, _, _)| app::allows(visit.principal(), *action))
        .map(|(_, page, label)| (format!("/stations/{}/{page}", station.code), label))
        .collect(),
        raw: station,
        error,
        notice,
    };
    render_status(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct StationForm {
    name: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    postal_code: String,
    expected_voters: String,
    evoting_devices: String,
    identity_devices: String,
    link: String,
    power_backup: Option<String>,
    cctv: Option<String>,
    hard_to_reach: Option<String>,
    closed: Option<String>,
}

/// The station edit form (governor or province HQ); a refusal shows its Persian reason.
pub async fn edit_station(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<StationForm>>,
) -> PageResult {
    let here = format!("/stations/{code}");
    let edit = |station: &mut Station| -> app::Result<()> {
        station.name = domain::text::normalize_name(&form.name);
        station.address = domain::text::normalize_name(&form.address);
        station.postal_code = postal_code(Some(&form.postal_code))?;
        station.expected_voters = number("expected_voters", &form.expected_voters)?;
        station.facilities.evoting_devices =
            u32::try_from(number("evoting_devices", &form.evoting_devices)?).unwrap_or(u32::MAX);
        station.facilities.identity_devices =
            u32::try_from(number("identity_devices", &form.identity_devices)?).unwrap_or(u32::MAX);
        station.facilities.link = domain::station::LinkType::parse(&form.link).unwrap_or_default();
        station.facilities.power_backup = form.power_backup.is_some();
        station.facilities.cctv = form.cctv.is_some();
        station.hard_to_reach = form.hard_to_reach.is_some();
        station.closed = form.closed.is_some();
        Ok(())
    };
    let stations = visit.app().stations();
    let outcome = stations.update(visit.principal(), &code, edit).await;
    let done = |_| format!("{here}?done=1");
    let again = |refused| station_page(&visit, &code, None, Some(refused));
    answer_form(outcome, &here, breaks_a_rule, done, again).await
}
