//! Readiness and the timeline in Persian (issue 16): the province's and a county's readiness
//! picture with charts and overdue lists, a station's declaration form, the telecom company's
//! file, the timeline with the HQ's edits, and the outlook panel every dashboard shows.

use crate::chart::{self, stacked_bars, stacked_bars_if_any, Bar};
use crate::views::{
    answer_form, breaks_a_rule, page_error, redirect, render_status, Card, Choice, DoneQuery,
    Layout, OnPage, PageResult, Pager, Refused, Visit,
};
use crate::PageError;
use app::readiness::{AssessedStation, OwnedOutlook, Picture, TimelineEntry};
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query};
use domain::access::{Action, Role};
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::readiness::{Link, Readiness, Weights};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

/// A line of the outlook panel.
pub struct OutlookLine {
    pub name: String,
    pub owner: &'static str,
    pub ends: String,
    pub countdown: String,
}

impl OutlookLine {
    fn of(e: &TimelineEntry) -> Self {
        Self {
            name: e.milestone.name.clone(),
            owner: e.milestone.owner.map_or("", Role::persian),
            ends: jalali_datetime(e.milestone.ends_at),
            countdown: e.countdown.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "outlook.html")]
struct OutlookPanel {
    due: Vec<OutlookLine>,
    overdue: Vec<OutlookLine>,
    next: Option<OutlookLine>,
    /// What needs acting on in the visitor's scope, each with its count and where it is
    /// listed: sensitive stations without an approved plan, stations with something overdue,
    /// stations that would not open (equipment test), incidents past their deadline.
    flags: Vec<Flag>,
}

/// A count on the outlook that needs acting on, and where it is listed.
pub struct Flag {
    pub id: &'static str,
    pub count: String,
    pub label: &'static str,
    pub href: String,
}

/// The flags of the visitor's scope: from the readiness picture (for whoever may see it) and
/// the incidents past their deadline (for whoever may see the scope's incidents). Zero counts
/// are left out.
async fn flags(visit: &Visit) -> Result<Vec<Flag>, PageError> {
    let Some(p) = visit.principal() else {
        return Ok(Vec::new());
    };
    let county = p.scope.county();
    let mut out = Vec::new();
    let mut flag = |id, count: u64, label, href: String| {
        if count > 0 {
            out.push(Flag {
                id,
                count: persian_number(i64::try_from(count).unwrap_or(i64::MAX)),
                label,
                href,
            });
        }
    };
    if app::allows(Some(p), Action::ViewReadiness { county }) {
        let picture = visit
            .app()
            .readiness()
            .own_picture(Some(p))
            .await
            .map_err(|e| page_error(e, "/"))?;
        let page = county.map_or_else(
            || "/readiness".to_owned(),
            |c| format!("/counties/{c}/readiness"),
        );
        flag(
            "flag-sensitive",
            picture.summary.sensitive_without_plan,
            "شعبه حساس بی طرح امنیتی مصوب",
            "/security".to_owned(),
        );
        flag(
            "flag-overdue",
            picture.summary.overdue,
            "شعبه با سررسید گذشته",
            format!("{page}#overdue"),
        );
        flag(
            "flag-equipment",
            picture.equipment.blocked(),
            "شعبه بی آزمون تجهیزات قبول",
            format!("{page}#equipment"),
        );
    }
    let may_see_incidents = match county {
        Some(c) => app::allows(
            Some(p),
            Action::ViewIncidents {
                county: c,
                station: p.scope.station(),
            },
        ),
        None => app::allows(Some(p), Action::ViewAllIncidents),
    };
    if may_see_incidents {
        let late = visit
            .app()
            .incidents()
            .list(
                Some(p),
                &app::incidents::ListQuery {
                    overdue: true,
                    ..app::incidents::ListQuery::default()
                },
                app::page_request(Some(1), Some(1)),
            )
            .await
            .map_err(|e| page_error(e, "/"))?;
        flag(
            "flag-incidents",
            u64::try_from(late.total).unwrap_or(0),
            "رخداد گذشته از مهلت رسیدگی",
            "/incidents?overdue=1".to_owned(),
        );
    }
    Ok(out)
}

/// The timeline's outlook for the visitor's role, as a dashboard's panel: what is overdue,
/// what is due, what comes next, each with its countdown.
pub async fn outlook_panel(visit: &Visit) -> Result<String, PageError> {
    let OwnedOutlook { due, overdue, next } = visit
        .app()
        .readiness()
        .outlook(visit.principal())
        .await
        .map_err(|e| page_error(e, "/"))?;
    let panel = OutlookPanel {
        due: due.iter().map(OutlookLine::of).collect(),
        overdue: overdue.iter().map(OutlookLine::of).collect(),
        next: next.as_ref().map(OutlookLine::of),
        flags: flags(visit).await?,
    };
    panel
        .render()
        .map_err(|e| page_error(crate::ApiError::Internal(e.to_string()), "/"))
}

/// A station row of the pages' tables.
pub struct StationLine {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub council: String,
    pub county: String,
    pub link: &'static str,
    pub link_code: &'static str,
    pub score: u32,
    pub score_fa: String,
    pub ready: bool,
    pub sensitive: bool,
    pub plan_missing: bool,
    pub overdue: Vec<&'static str>,
    pub overdue_codes: String,
    pub declared_at: String,
    /// The equipment test's standing (issue 16 §6).
    pub equipment: &'static str,
    pub equipment_code: &'static str,
    /// The tag's class: `now` when it may open, `warn` otherwise.
    pub equipment_class: &'static str,
}

impl StationLine {
    fn of(a: &AssessedStation) -> Self {
        let s = &a.station;
        let declared = s.declared.as_ref();
        Self {
            code: s.station.clone(),
            code_fa: persian_digits(&s.station),
            name: s.name.clone(),
            council: s.council_name.clone(),
            county: s.county_name.clone(),
            link: declared.map_or("اعلام نشده", |d| d.readiness.link.persian()),
            link_code: declared.map_or("undeclared", |d| d.readiness.link.as_str()),
            score: a.assessment.score,
            score_fa: persian_number(i64::from(a.assessment.score)),
            ready: declared.is_some_and(|d| d.readiness.ready),
            sensitive: s.sensitive,
            plan_missing: s.security().needs_plan(),
            overdue: a.assessment.overdue.iter().map(|o| o.persian()).collect(),
            overdue_codes: a
                .assessment
                .overdue
                .iter()
                .map(|o| o.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            declared_at: declared.map_or_else(String::new, |d| jalali_datetime(d.declared_at)),
            equipment: a.equipment.persian(),
            equipment_code: a.equipment.as_str(),
            equipment_class: if a.equipment.allows_opening() {
                "now"
            } else {
                "warn"
            },
        }
    }
}

/// A group's row (a county, a council), worst first.
pub struct GroupLine {
    pub code: String,
    pub name: String,
    pub href: Option<String>,
    pub stations: String,
    pub undeclared: String,
    pub no_link: String,
    pub planned_late: String,
    pub overdue: String,
    pub overdue_raw: u64,
    pub ready: String,
    pub mean_score: String,
    pub mean_score_raw: u32,
}

fn group_line(g: &app::readiness::GroupTally, href: Option<String>) -> GroupLine {
    let n = |v: u64| persian_number(i64::try_from(v).unwrap_or(i64::MAX));
    GroupLine {
        code: g.code.clone(),
        name: g.name.clone(),
        href,
        stations: n(g.tally.stations),
        undeclared: n(g.tally.undeclared),
        no_link: n(g.no_link),
        planned_late: n(g.tally.planned_late),
        overdue: n(g.tally.overdue),
        overdue_raw: g.tally.overdue,
        ready: n(g.tally.ready),
        mean_score: persian_number(i64::from(g.mean_score)),
        mean_score_raw: g.mean_score,
    }
}

/// Colours of the link types, in [`Link::ALL`]'s order, then «not declared».
const LINK_COLORS: [&str; 6] = [
    chart::GREEN,
    chart::TEAL,
    chart::PURPLE,
    chart::GREY,
    chart::RED,
    chart::ORANGE,
];

fn link_series() -> Vec<&'static str> {
    Link::ALL
        .iter()
        .map(|l| l.persian())
        .chain(std::iter::once("اعلام نشده"))
        .collect()
}

fn link_values(t: &domain::readiness::Tally) -> Vec<i64> {
    Link::ALL
        .iter()
        .map(|l| t.with_link(*l))
        .chain(std::iter::once(t.undeclared))
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        .collect()
}

/// The chart of stations by link type: one bar per link type.
fn by_link_chart(picture: &Picture) -> String {
    let values = link_values(&picture.summary);
    let bars: Vec<Bar> = link_series()
        .into_iter()
        .zip(values)
        .map(|(label, value)| Bar {
            label: label.to_owned(),
            values: vec![value],
            href: None,
        })
        .collect();
    stacked_bars("شعب به تفکیک نوع اتصال", &["شعبه"], &[chart::TEAL], &bars)
}

#[derive(Template)]
#[template(path = "readiness.html")]
struct ReadinessPage {
    layout: Layout,
    title: String,
    county: Option<String>,
    outlook: String,
    cards: Vec<Card>,
    link_chart: String,
    groups_chart: String,
    groups_title: &'static str,
    groups: Vec<GroupLine>,
    overdue: Vec<StationLine>,
    overdue_pager: Pager,
    /// Stations that would not open today: their equipment test not passed, no override.
    untested: Vec<StationLine>,
    untested_pager: Pager,
    stations: Vec<StationLine>,
    stations_pager: Pager,
    can_declare: bool,
    is_hq: bool,
    export_href: String,
    notice: Option<String>,
    rows_refused: Vec<(String, String)>,
    weights: Vec<(&'static str, &'static str, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReadinessQuery {
    page: Option<u32>,
    overdue_page: Option<u32>,
    equipment_page: Option<u32>,
    done: Option<String>,
}

/// Rows of a page of 100 (`page`, 1-based), and its pager.
fn paged<T>(all: Vec<T>, page: Option<u32>, link: impl Fn(u32) -> String) -> (Vec<T>, Pager) {
    const PER_PAGE: u32 = 100;
    let total = all.len() as i64;
    let pages = u32::try_from((total + i64::from(PER_PAGE) - 1) / i64::from(PER_PAGE))
        .unwrap_or(1)
        .max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
    let items: Vec<T> = all
        .into_iter()
        .skip(((page - 1) * PER_PAGE) as usize)
        .take(PER_PAGE as usize)
        .collect();
    let listed = store::Page {
        items: Vec::<()>::new(),
        total,
        page,
        per_page: PER_PAGE,
    };
    (items, Pager::new(&listed, link))
}

async fn readiness_page(
    visit: &Visit,
    county: Option<&str>,
    q: &ReadinessQuery,
    refused: Option<(Refused, Vec<(String, String)>)>,
) -> PageResult {
    let here = county.map_or_else(
        || "/readiness".to_owned(),
        |c| format!("/counties/{c}/readiness"),
    );
    let picture = visit
        .app()
        .readiness()
        .picture(visit.principal(), county)
        .await
        .map_err(|e| page_error(e, &here))?;
    let title = match (county, picture.stations.first()) {
        (Some(_), Some(first)) => format!("آمادگی شعب شهرستان {}", first.station.county_name),
        (Some(c), None) => format!("آمادگی شعب شهرستان {}", persian_digits(c)),
        (None, _) => "آمادگی شعب استان".to_owned(),
    };
    let summary = &picture.summary;
    let count = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    let cards = vec![
        Card::new(count(summary.stations), "شعبه"),
        Card::new(
            count(summary.with_link(Link::FibreConnected)),
            "فیبر نوری متصل",
        ),
        Card::new(
            count(summary.with_link(Link::FibrePlanned)),
            "فیبر در دست اتصال",
        ),
        Card::new(count(summary.no_link()), "بدون اتصال"),
        Card::new(count(summary.undeclared), "اعلام‌نشده"),
        Card::new(count(summary.planned_late), "تاریخ اتصال گذشته"),
        Card::new(count(summary.sensitive_without_plan), "حساس بی طرح مصوب"),
        Card::new(count(summary.ready), "آماده"),
        Card::new(count(summary.overdue), "دارای سررسید گذشته"),
        Card::new(count(picture.equipment.passed), "قبول در آزمون تجهیزات"),
        Card::new(count(picture.equipment.blocked()), "بی آزمون قبول"),
        Card::new(i64::from(picture.mean_score), "میانگین امتیاز آمادگی"),
    ];
    let (groups_title, group_rows, groups_chart) = match county {
        None => {
            let bars: Vec<Bar> = picture
                .counties
                .iter()
                .map(|g| Bar {
                    label: g.name.clone(),
                    values: link_values(&g.tally),
                    href: Some(format!("/counties/{}/readiness", g.code)),
                })
                .collect();
            (
                "شهرستان‌ها (بدترین در آغاز)",
                picture
                    .counties
                    .iter()
                    .map(|g| group_line(g, Some(format!("/counties/{}/readiness", g.code))))
                    .collect::<Vec<_>>(),
                stacked_bars_if_any(
                    "نوع اتصال شعب به تفکیک شهرستان",
                    &link_series(),
                    &LINK_COLORS,
                    &bars,
                ),
            )
        }
        Some(_) => (
            "شوراها (بدترین در آغاز)",
            picture
                .councils
                .iter()
                .take(50)
                .map(|g| group_line(g, Some(format!("/councils/{}", g.code))))
                .collect(),
            String::new(),
        ),
    };
    let lines = |keep: &dyn Fn(&AssessedStation) -> bool| -> Vec<StationLine> {
        picture
            .stations
            .iter()
            .filter(|a| keep(a))
            .map(StationLine::of)
            .collect()
    };
    let overdue_all = lines(&|a| !a.assessment.overdue.is_empty());
    let (overdue, overdue_pager) = paged(overdue_all, q.overdue_page, |p| {
        format!("{here}?overdue_page={p}#overdue")
    });
    let (untested, untested_pager) = paged(
        lines(&|a| !a.equipment.allows_opening()),
        q.equipment_page,
        |p| format!("{here}?equipment_page={p}#equipment"),
    );
    let (stations, stations_pager) = if county.is_some() {
        paged(lines(&|_| true), q.page, |p| {
            format!("{here}?page={p}#stations")
        })
    } else {
        paged(Vec::new(), None, |_| String::new())
    };
    let outlook = outlook_panel(visit).await?;
    let w = picture.weights;
    let (status, reason) = match refused {
        Some((r, rows)) => (r.status, Some((r.reason, rows))),
        None => (axum::http::StatusCode::OK, None),
    };
    let notice = match (&reason, q.done.as_deref()) {
        (Some((r, _)), _) => Some(r.clone()),
        (None, Some("weights")) => Some("وزن شاخص‌های آمادگی به‌روز شد.".to_owned()),
        (None, Some(n)) => Some(format!(
            "پرونده پذیرفته شد؛ وضعیت {} شعبه به‌روز شد.",
            persian_digits(n)
        )),
        _ => None,
    };
    let page = ReadinessPage {
        layout: visit.layout(title.clone(), &here),
        title,
        county: county.map(str::to_owned),
        outlook,
        cards,
        link_chart: by_link_chart(&picture),
        groups_chart,
        groups_title,
        groups: group_rows,
        overdue,
        overdue_pager,
        untested,
        untested_pager,
        stations,
        stations_pager,
        can_declare: app::allows(visit.principal(), Action::DeclareReadiness { county }),
        is_hq: app::allows(visit.principal(), Action::ManageElection),
        export_href: county.map_or_else(
            || "/readiness.csv".to_owned(),
            |c| format!("/readiness.csv?county={c}"),
        ),
        notice,
        rows_refused: reason.map(|(_, rows)| rows).unwrap_or_default(),
        weights: weight_fields(&w),
    };
    render_status(status, &page)
}

/// The weights' form fields: (name, Persian label, value).
fn weight_fields(w: &Weights) -> Vec<(&'static str, &'static str, String)> {
    [
        ("link", "اتصال به شبکه", w.link),
        ("cctv_installed", "دوربین نصب‌شده", w.cctv_installed),
        ("cctv_monitored", "پایش پیوسته دوربین", w.cctv_monitored),
        ("power_backup", "برق پشتیبان", w.power_backup),
        ("devices_installed", "دستگاه‌های نصب‌شده", w.devices_installed),
        ("devices_tested", "دستگاه‌های آزمایش‌شده", w.devices_tested),
        ("step_free", "دسترسی بی‌پله", w.step_free),
    ]
    .into_iter()
    .map(|(name, label, value)| (name, label, persian_number(i64::from(value))))
    .collect()
}

/// `/readiness`: the province's picture (a county's visitor has their county's, linked from
/// their menu).
pub async fn province(visit: Visit, OnPage(Query(q)): OnPage<Query<ReadinessQuery>>) -> PageResult {
    readiness_page(&visit, None, &q, None).await
}

/// `/counties/{code}/readiness`: a county's picture, its stations and what is overdue.
pub async fn county(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<ReadinessQuery>>,
) -> PageResult {
    readiness_page(&visit, Some(&code), &q, None).await
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    county: Option<String>,
}

/// `/readiness.csv`: the picture's stations as CSV for Excel, the columns the import reads.
pub async fn csv(visit: Visit, OnPage(Query(q)): OnPage<Query<CsvQuery>>) -> PageResult {
    let county = q.county.or_else(|| {
        visit
            .principal()
            .and_then(|p| p.scope.county())
            .map(str::to_owned)
    });
    let text = visit
        .app()
        .readiness()
        .export_csv(visit.principal(), county.as_deref())
        .await
        .map_err(|e| page_error(e, "/readiness"))?;
    let name = format!("readiness-{}.csv", county.as_deref().unwrap_or("province"));
    Ok(crate::download::attachment(
        "text/csv; charset=utf-8",
        &name,
        text,
    ))
}

/// `POST /readiness/import` (`multipart/form-data`, the file as `file`): the telecom
/// company's list or an edited export, all or nothing; the page again with every bad row.
pub async fn import(
    visit: Visit,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let county = visit
        .principal()
        .and_then(|p| p.scope.county())
        .map(str::to_owned);
    let here = county.as_deref().map_or_else(
        || "/readiness".to_owned(),
        |c| format!("/counties/{c}/readiness"),
    );
    let text = match read_file(multipart).await {
        Ok(text) => text,
        Err(reason) => {
            let refused = Refused {
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                reason,
            };
            return readiness_page(
                &visit,
                county.as_deref(),
                &ReadinessQuery::default(),
                Some((refused, Vec::new())),
            )
            .await;
        }
    };
    match visit
        .app()
        .readiness()
        .import_csv(visit.principal(), &text)
        .await
    {
        Ok(n) => Ok(redirect(&format!("{here}?done={n}"))),
        Err(app::Error::Rows(rows)) => {
            let refused = Refused {
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                reason: "پرونده پذیرفته نشد و هیچ شعبه‌ای تغییر نکرد؛ سطرهای نادرست:".into(),
            };
            let rows = rows
                .into_iter()
                .map(|r| {
                    (
                        persian_number(i64::try_from(r.line).unwrap_or(0)),
                        r.message,
                    )
                })
                .collect();
            readiness_page(
                &visit,
                county.as_deref(),
                &ReadinessQuery::default(),
                Some((refused, rows)),
            )
            .await
        }
        Err(e) => {
            let refused = crate::views::refusal(e, &here, breaks_a_rule)?;
            readiness_page(
                &visit,
                county.as_deref(),
                &ReadinessQuery::default(),
                Some((refused, Vec::new())),
            )
            .await
        }
    }
}

/// The uploaded file's text, or why there is none (in Persian).
async fn read_file(
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<String, String> {
    let unreadable = || "فرم ارسالی خوانا نیست.".to_owned();
    let mut multipart = multipart.map_err(|_| unreadable())?;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            if bytes.is_empty() {
                return Err("پرونده‌ای برگزیده نشده است.".into());
            }
            return String::from_utf8(bytes.to_vec()).map_err(|_| {
                "پرونده باید CSV با نویسه‌گذاری UTF-8 باشد (از اکسل: CSV UTF-8).".into()
            });
        }
    }
    Err("پرونده‌ای برگزیده نشده است.".into())
}

#[derive(Template)]
#[template(path = "readiness_station.html")]
struct StationPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    council: String,
    county: String,
    line: StationLine,
    missing: Vec<&'static str>,
    links: Vec<Choice>,
    form: ReadinessForm,
    can_declare: bool,
    declared_by: String,
    notice: Option<String>,
    error: Option<String>,
}

/// The declaration form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ReadinessForm {
    #[serde(default)]
    link: String,
    #[serde(default)]
    fibre_planned_on: String,
    cctv_installed: Option<String>,
    cctv_monitored: Option<String>,
    power_backup: Option<String>,
    devices_installed: Option<String>,
    devices_tested: Option<String>,
    step_free: Option<String>,
    ready: Option<String>,
    #[serde(default)]
    note: String,
}

impl ReadinessForm {
    fn of(r: &Readiness) -> Self {
        let on = |b: bool| b.then(|| "on".to_owned());
        Self {
            link: r.link.as_str().to_owned(),
            fibre_planned_on: r
                .fibre_planned_on
                .map(|d| persian_digits(&jalali_numeric(d)))
                .unwrap_or_default(),
            cctv_installed: on(r.cctv_installed),
            cctv_monitored: on(r.cctv_monitored),
            power_backup: on(r.power_backup),
            devices_installed: on(r.devices_installed),
            devices_tested: on(r.devices_tested),
            step_free: on(r.step_free),
            ready: on(r.ready),
            note: r.note.clone(),
        }
    }

    fn readiness(&self) -> app::Result<Readiness> {
        let link = Link::parse(&self.link)
            .ok_or_else(|| app::Error::invalid("link", "نوع اتصال را انتخاب کنید"))?;
        let date = self.fibre_planned_on.trim();
        Ok(Readiness {
            link,
            fibre_planned_on: if date.is_empty() {
                None
            } else {
                Some(domain::calendar::parse_date(date)?)
            },
            cctv_installed: self.cctv_installed.is_some(),
            cctv_monitored: self.cctv_monitored.is_some(),
            power_backup: self.power_backup.is_some(),
            devices_installed: self.devices_installed.is_some(),
            devices_tested: self.devices_tested.is_some(),
            step_free: self.step_free.is_some(),
            ready: self.ready.is_some(),
            note: domain::text::normalize_name(&self.note),
        })
    }
}

async fn station_page(
    visit: &Visit,
    code: &str,
    notice: Option<String>,
    refused: Option<(Refused, ReadinessForm)>,
) -> PageResult {
    let here = format!("/stations/{code}/readiness");
    let found = visit
        .app()
        .readiness()
        .station(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let declared = found.station.declared.as_ref();
    let (status, error, form) = match refused {
        Some((r, form)) => (r.status, Some(r.reason), form),
        None => (
            axum::http::StatusCode::OK,
            None,
            declared.map_or_else(ReadinessForm::default, |d| ReadinessForm::of(&d.readiness)),
        ),
    };
    let links = Link::ALL
        .iter()
        .map(|l| Choice::new(l.as_str(), l.persian(), form.link == l.as_str()))
        .collect();
    render_status(
        status,
        &StationPage {
            layout: visit.layout(format!("آمادگی شعبه {}", persian_digits(code)), &here),
            code: code.to_owned(),
            code_fa: persian_digits(code),
            name: found.station.name.clone(),
            council: found.station.council_name.clone(),
            missing: found
                .assessment
                .missing
                .iter()
                .map(|m| m.persian())
                .collect(),
            line: StationLine::of(&found),
            county: found.station.county_name.clone(),
            links,
            form,
            can_declare: app::allows(
                visit.principal(),
                Action::DeclareReadiness {
                    county: Some(&found.station.county),
                },
            ),
            declared_by: declared.map(|d| d.declared_by.clone()).unwrap_or_default(),
            notice,
            error,
        },
    )
}

/// `/stations/{code}/readiness`: a station's readiness and, for its governor, the form.
pub async fn station(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    let notice = q.done.map(|_| "وضعیت آمادگی شعبه ثبت شد.".to_owned());
    station_page(&visit, &code, notice, None).await
}

/// `POST /stations/{code}/readiness`: declares the station's readiness.
pub async fn declare(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<ReadinessForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/readiness");
    let outcome = match form.readiness() {
        Ok(readiness) => {
            visit
                .app()
                .readiness()
                .declare(visit.principal(), &code, &readiness)
                .await
        }
        Err(e) => Err(e),
    };
    let done = |_| format!("{here}?done=1");
    let again = |refused| station_page(&visit, &code, None, Some((refused, form.clone())));
    answer_form(outcome, &here, breaks_a_rule, done, again).await
}

/// A milestone's row on the timeline page.
pub struct MilestoneLine {
    pub key: String,
    pub name: String,
    pub starts: String,
    pub ends: String,
    pub owner: &'static str,
    pub owner_code: &'static str,
    pub state: &'static str,
    pub state_code: &'static str,
    pub countdown: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    layout: Layout,
    milestones: Vec<MilestoneLine>,
    owners: Vec<Choice>,
    can_edit: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn timeline_page(
    visit: &Visit,
    notice: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let entries = visit
        .app()
        .readiness()
        .timeline(visit.principal())
        .await
        .map_err(|e| page_error(e, "/timeline"))?;
    let milestones = entries
        .iter()
        .map(|e| MilestoneLine {
            key: e.milestone.key.clone(),
            name: e.milestone.name.clone(),
            starts: persian_digits(&jalali_time(e.milestone.starts_at)),
            ends: persian_digits(&jalali_time(e.milestone.ends_at)),
            owner: e.milestone.owner.map_or("—", Role::persian),
            owner_code: e.milestone.owner.map_or("", Role::as_str),
            state: e.state.persian(),
            state_code: e.state.as_str(),
            countdown: e.countdown.clone(),
            done: e.milestone.done_at.is_some(),
        })
        .collect();
    let owners = Role::ALL
        .iter()
        .map(|r| Choice::new(r.as_str(), r.persian(), false))
        .collect();
    let (status, error) = Refused::shown(refused);
    render_status(
        status,
        &TimelinePage {
            layout: visit.layout("گاه‌شمار انتخابات", "/timeline"),
            milestones,
            owners,
            can_edit: app::allows(visit.principal(), Action::ManageElection),
            notice,
            error,
        },
    )
}

/// A moment as the timeline's form takes it back: `1404/12/01 09:00` (Tehran).
fn jalali_time(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(domain::calendar::TEHRAN);
    format!(
        "{} {:02}:{:02}",
        jalali_numeric(local.date()),
        local.hour(),
        local.minute()
    )
}

/// `/timeline`: every milestone with its owner, state and countdown; the HQ edits them.
pub async fn timeline(visit: Visit, OnPage(Query(q)): OnPage<Query<DoneQuery>>) -> PageResult {
    visit.require(Action::ViewElection, "/timeline")?;
    let notice = q.done.map(|_| "گاه‌شمار به‌روز شد.".to_owned());
    timeline_page(&visit, notice, None).await
}

#[derive(Debug, Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    owner: String,
    done: Option<String>,
}

/// `POST /timeline/{key}`: writes a milestone (the province HQ); a new key adds one.
pub async fn set_milestone(
    visit: Visit,
    OnPage(Path(key)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<MilestoneForm>>,
) -> PageResult {
    let here = "/timeline";
    let cases = visit.app().readiness();
    let outcome = async {
        let now = visit.state.now();
        let existing = cases
            .timeline(visit.principal())
            .await?
            .into_iter()
            .find(|e| e.milestone.key == key)
            .map(|e| e.milestone);
        let owner = if form.owner.is_empty() {
            None
        } else {
            Some(Role::parse(&form.owner)?)
        };
        let milestone = domain::election::Milestone {
            key: key.clone(),
            name: domain::text::normalize_name(&form.name),
            starts_at: domain::calendar::parse_instant(&form.starts)?,
            ends_at: domain::calendar::parse_instant(&form.ends)?,
            owner,
            // Marked done keeps when it was first marked; unmarked clears it.
            done_at: form
                .done
                .as_ref()
                .map(|_| existing.and_then(|m| m.done_at).unwrap_or(now)),
        };
        cases.set_milestone(visit.principal(), &milestone).await
    }
    .await;
    let done = |()| format!("{here}?done=1");
    let again = |refused| timeline_page(&visit, None, Some(refused));
    answer_form(outcome, here, breaks_a_rule, done, again).await
}

#[derive(Debug, Deserialize)]
pub struct WeightsForm {
    link: String,
    cctv_installed: String,
    cctv_monitored: String,
    power_backup: String,
    devices_installed: String,
    devices_tested: String,
    step_free: String,
}

/// `POST /readiness/weights`: the score's weights (the province HQ).
pub async fn set_weights(
    visit: Visit,
    OnPage(Form(form)): OnPage<Form<WeightsForm>>,
) -> PageResult {
    let here = "/readiness";
    let weight = |field: &'static str, text: &str| -> app::Result<u32> {
        domain::text::parse_number(text)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| app::Error::invalid(field, "وزن باید عددی میان ۰ و ۱۰۰ باشد"))
    };
    let outcome = async {
        let weights = Weights {
            link: weight("link", &form.link)?,
            cctv_installed: weight("cctv_installed", &form.cctv_installed)?,
            cctv_monitored: weight("cctv_monitored", &form.cctv_monitored)?,
            power_backup: weight("power_backup", &form.power_backup)?,
            devices_installed: weight("devices_installed", &form.devices_installed)?,
            devices_tested: weight("devices_tested", &form.devices_tested)?,
            step_free: weight("step_free", &form.step_free)?,
        };
        visit
            .app()
            .readiness()
            .set_weights(visit.principal(), &weights)
            .await
    }
    .await;
    let done = |()| format!("{here}?done=weights#weights");
    let fresh = ReadinessQuery::default();
    let again = |refused| readiness_page(&visit, None, &fresh, Some((refused, Vec::new())));
    answer_form(outcome, here, breaks_a_rule, done, again).await
}
