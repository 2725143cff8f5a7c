//! The election-day picture of a county governor's and the province HQ's home pages (issue 20):
//! stations by state (late openings and pauses shown), turnout per station, per council or
//! county and by hour, and the station list, filtered and sorted by the server. The page draws
//! the filters and, inside a poller, the picture; the poller fetches the picture again (a
//! fragment route, guarded like the page) every few seconds and whenever a filter changes,
//! with the filters' current values. The filters sit outside what is replaced, so what the
//! reader typed and chose stays as it is.

use crate::chart::{stacked_bars_if_any, Bar};
use crate::download::{Cell, Sheet};
use crate::fmt::url_encode;
use crate::views::election_day::percent;
use crate::views::{render, Choice, OnPage, PageResult, SortLink, Visit};
use crate::PageError;
use app::election_day::{BoardQuery, BoardSort, StateFilter, StateTally};
use askama::Template;
use axum::extract::{Path, Query};
use domain::calendar::TEHRAN;
use domain::station_day::DayState;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use store::BoardStation;
use time::OffsetDateTime;

/// A late opening, as the picture names it.
const LATE: &str = "تأخیر در گشایش";

/// The most stations the list shows at once; narrowing the filters shows the rest.
const MAX_ROWS: usize = 300;

/// The picture's filters in a page's or the fragment's address (named apart from the county
/// page's own lists' filters).
#[derive(Debug, Default, Deserialize)]
pub struct DayQuery {
    /// A state (`not_opened`, `open`, `paused`, `closed`) or `late`.
    day_state: Option<String>,
    /// On the province's picture: one county's stations.
    day_county: Option<String>,
    /// Words of a station's code, name or council.
    day_q: Option<String>,
    /// A column, `-` before it for descending (`app::election_day::BoardSort`).
    day_sort: Option<String>,
}

impl DayQuery {
    fn text(&self) -> String {
        self.day_q.as_deref().map_or("", str::trim).to_owned()
    }

    fn sort(&self) -> String {
        self.day_sort.clone().unwrap_or_default()
    }

    /// The filters as the use case reads them; an unknown state or sort is none.
    fn board(&self) -> BoardQuery {
        let (sort, descending) = BoardSort::parse(&self.sort());
        BoardQuery {
            state: self.day_state.as_deref().and_then(StateFilter::parse),
            county: self.day_county.clone().filter(|c| !c.is_empty()),
            text: self.text(),
            sort,
            descending,
        }
    }

    /// The page's address with these filters and `sort`.
    /// The station list's download with these filters.
    fn xlsx_link(&self, area: Area<'_>) -> String {
        format!(
            "{}.xlsx?day_state={}&day_county={}&day_q={}&day_sort={}",
            area.fragment(),
            url_encode(self.day_state.as_deref().unwrap_or("")),
            url_encode(self.day_county.as_deref().unwrap_or("")),
            url_encode(&self.text()),
            url_encode(&self.sort())
        )
    }

    fn page_link(&self, page: &str, state: Option<&str>, sort: &str) -> String {
        format!(
            "{page}?day_state={}&day_county={}&day_q={}&day_sort={}#election-day",
            url_encode(state.unwrap_or(self.day_state.as_deref().unwrap_or(""))),
            url_encode(self.day_county.as_deref().unwrap_or("")),
            url_encode(&self.text()),
            url_encode(sort)
        )
    }
}

/// Whose picture: a county's (its governor's page), or the province's (the HQ's).
#[derive(Debug, Clone, Copy)]
pub enum Area<'a> {
    County(&'a str),
    Province,
}

impl Area<'_> {
    fn county(self) -> Option<String> {
        match self {
            Self::County(code) => Some(code.to_owned()),
            Self::Province => None,
        }
    }

    /// The page the picture is on.
    fn page(self) -> String {
        match self {
            Self::County(code) => format!("/counties/{code}"),
            Self::Province => "/".to_owned(),
        }
    }

    /// The fragment route the page's poller reads.
    fn fragment(self) -> String {
        match self {
            Self::County(code) => format!("/counties/{code}/day-board"),
            Self::Province => "/day-board".to_owned(),
        }
    }
}

/// A tally card; a link that filters the list by its state.
pub struct TallyCard {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
    /// Drawn as a warning when not zero: late openings, pauses.
    pub alert: bool,
}

pub struct StationLine {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub council: String,
    pub county: String,
    pub state_code: &'static str,
    pub state: &'static str,
    /// How late it opened, or is still not open.
    pub late: Option<String>,
    /// While paused: the reason and how long it has lasted.
    pub pause: Option<String>,
    pub opened_at: String,
    pub closes_at: String,
    pub checkins: String,
    pub turnout: String,
}

/// A county's line on the province's picture, or a council's on a county's.
pub struct AreaLine {
    pub code: String,
    pub name: String,
    pub href: String,
    /// The county's stations by state (the province's picture only).
    pub tally: Option<[String; 5]>,
    pub eligible: String,
    pub checked_in: String,
    pub percent: String,
}

#[derive(Template)]
#[template(path = "day_board.html")]
pub struct DayBoard {
    cards: Vec<TallyCard>,
    chart: String,
    area_label: &'static str,
    areas: Vec<AreaLine>,
    /// The province's picture: counties, each with its stations by state.
    by_county: bool,
    headers: Vec<SortLink>,
    rows: Vec<StationLine>,
    shown: String,
    capped: Option<String>,
    updated: String,
    /// The whole station list as filtered and sorted, as an Excel file.
    xlsx_href: String,
}

#[derive(Template)]
#[template(path = "day_section.html")]
pub struct DaySection {
    page: String,
    fragment: String,
    refresh_seconds: u64,
    refresh_fa: String,
    polls: String,
    states: Vec<Choice>,
    counties: Vec<Choice>,
    text: String,
    sort: String,
    board: String,
}

/// A time of day in Tehran, in Persian digits (`۰۸:۰۵`).
fn clock_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(TEHRAN);
    persian_digits(&format!("{:02}:{:02}", local.hour(), local.minute()))
}

/// The polls' hours when `now` is in the election's polling day
/// (`domain::station_day::on_polling_day`); `None` on any other day.
pub async fn polling_day(
    visit: &Visit,
) -> Result<Option<(OffsetDateTime, OffsetDateTime)>, PageError> {
    let election = visit.app().cached().election().await?;
    Ok(
        store::election_day::polls(&election).filter(|(open, close)| {
            domain::station_day::on_polling_day(visit.state.now(), *open, *close)
        }),
    )
}

/// The picture of `area` as `q` filters it, with the counties' names (the province's picture).
async fn board(visit: &Visit, area: Area<'_>, q: &DayQuery) -> Result<DayBoard, PageError> {
    let picture = visit
        .app()
        .election_day()
        .picture(visit.principal(), area.county().as_deref())
        .await
        .map_err(|e| crate::views::page_error(e, &area.page()))?;
    let page = area.page();
    let by_county = matches!(area, Area::Province);
    let names = if by_county {
        Some(crate::views::Counties::read(&visit.state).await?)
    } else {
        None
    };
    let county_name = |code: &str| {
        names
            .as_ref()
            .and_then(|n| n.name(code))
            .map_or_else(|| persian_digits(code), str::to_owned)
    };
    let all = picture.tally(&picture.stations);
    let state_href = |key: &str| Some(q.page_link(&page, Some(key), &q.sort()));
    let mut cards: Vec<TallyCard> = DayState::ALL
        .into_iter()
        .map(|state| TallyCard {
            key: state.as_str(),
            label: state.persian(),
            value: persian_number(all.in_state(state)),
            href: state_href(state.as_str()),
            alert: state == DayState::Paused && all.paused > 0,
        })
        .collect();
    cards.insert(
        1,
        TallyCard {
            key: "late",
            label: LATE,
            value: persian_number(all.late),
            href: state_href("late"),
            alert: all.late > 0,
        },
    );
    cards.extend([
        TallyCard {
            key: "checkins",
            label: "رأی‌دهندگان (احراز هویت)",
            value: persian_number(picture.turnout.checked_in),
            href: None,
            alert: false,
        },
        TallyCard {
            key: "turnout",
            label: "درصد مشارکت",
            value: percent(picture.turnout.checked_in, picture.turnout.eligible).0,
            href: None,
            alert: false,
        },
    ]);
    // Cumulative check-ins at the end of each hour.
    let mut running = 0;
    let bars: Vec<Bar> = picture
        .turnout
        .hourly
        .iter()
        .map(|h| {
            running += h.checked_in;
            Bar {
                label: format!("تا {}", clock_time(h.hour + time::Duration::HOUR)),
                values: vec![running],
                href: None,
            }
        })
        .collect();
    let chart = stacked_bars_if_any(
        "مشارکت تجمعی ساعت به ساعت",
        &["رأی‌دهندگان از آغاز رأی‌گیری"],
        &["#2f6f4f"],
        &bars,
    );
    let tallies = picture.tally_by_county();
    let tally_of =
        |t: &StateTally| [t.not_opened, t.late, t.open, t.paused, t.closed].map(persian_number);
    let areas = picture
        .turnout
        .areas
        .iter()
        .map(|a| AreaLine {
            code: a.code.clone(),
            name: a.name.clone(),
            href: if by_county {
                let scoped = DayQuery {
                    day_county: Some(a.code.clone()),
                    day_state: q.day_state.clone(),
                    day_q: q.day_q.clone(),
                    day_sort: q.day_sort.clone(),
                };
                scoped.page_link(&page, None, &q.sort())
            } else {
                format!("/councils/{}", a.code)
            },
            tally: by_county.then(|| tally_of(&tallies.get(&a.code).copied().unwrap_or_default())),
            eligible: a.eligible.map_or("—".into(), persian_number),
            checked_in: persian_number(a.checked_in),
            percent: a
                .eligible
                .map_or("—".into(), |e| percent(a.checked_in, e).0),
        })
        .collect();
    let query = q.board();
    let chosen = picture.select(&query);
    let line = |s: &BoardStation| StationLine {
        code: s.code.clone(),
        code_fa: persian_digits(&s.code),
        name: s.name.clone(),
        council: s.council_name.clone(),
        county: county_name(&s.county),
        state_code: s.day.state.as_str(),
        state: s.day.state.persian(),
        late: picture
            .opening_delay(s)
            .map(|d| domain::registration::countdown(picture.now - d, picture.now)),
        pause: s
            .day
            .pause
            .as_ref()
            .filter(|_| s.day.state == DayState::Paused)
            .map(|p| {
                format!(
                    "{} · از {} ({})",
                    p.persian(),
                    clock_time(p.since),
                    domain::registration::countdown(p.since, picture.now.max(p.since))
                )
            }),
        opened_at: s.day.opened_at.map(clock_time).unwrap_or_default(),
        closes_at: clock_time(s.day.closes_at),
        checkins: persian_number(s.checkins),
        turnout: if s.expected_voters > 0 {
            percent(s.checkins, s.expected_voters).0
        } else {
            "—".into()
        },
    };
    let mut columns = vec![
        (BoardSort::Code, "کد", false),
        (BoardSort::Name, "شعبه", false),
        (BoardSort::Council, "حوزه (شورا)", false),
    ];
    if by_county {
        columns.push((BoardSort::County, "شهرستان", false));
    }
    columns.extend([
        (BoardSort::State, "وضعیت", false),
        (BoardSort::Checkins, "احراز هویت", true),
        (BoardSort::Turnout, "مشارکت (از پیش‌بینی)", true),
    ]);
    let headers = SortLink::headers(
        columns,
        BoardSort::as_str,
        query.sort,
        query.descending,
        |next| q.page_link(&page, None, next),
    );
    let rows: Vec<StationLine> = chosen.iter().take(MAX_ROWS).map(|s| line(s)).collect();
    let capped = (chosen.len() > MAX_ROWS).then(|| {
        format!(
            "{} شعبه از {} نمایش داده شد؛ برای دیدن بقیه، فهرست را پالایش کنید.",
            persian_number(MAX_ROWS as i64),
            persian_number(chosen.len() as i64)
        )
    });
    Ok(DayBoard {
        cards,
        chart,
        area_label: if by_county {
            "شهرستان"
        } else {
            "حوزه (شورا)"
        },
        areas,
        by_county,
        headers,
        shown: persian_number(chosen.len() as i64),
        rows,
        capped,
        updated: clock_time(picture.now),
        xlsx_href: q.xlsx_link(area),
    })
}

/// The station list of `area`'s picture as `q` filters and sorts it, every station of it (not
/// the page's first 300), as an Excel file.
async fn board_xlsx(visit: &Visit, area: Area<'_>, q: &DayQuery) -> PageResult {
    let picture = visit
        .app()
        .election_day()
        .picture(visit.principal(), area.county().as_deref())
        .await
        .map_err(|e| crate::views::page_error(e, &area.page()))?;
    let chosen = picture.select(&q.board());
    if chosen.len() > crate::download::MAX_ROWS {
        return Err(crate::ApiError::ExportTooLarge {
            rows: i64::try_from(chosen.len()).unwrap_or(i64::MAX),
            limit: crate::download::MAX_ROWS,
        }
        .into());
    }
    let names = crate::views::Counties::read(&visit.state).await?;
    let rows = chosen
        .iter()
        .map(|s| {
            vec![
                Cell::code(&s.code),
                Cell::text(s.name.as_str()),
                Cell::text(s.council_name.as_str()),
                Cell::text(names.name(&s.county).unwrap_or(&s.county)),
                Cell::text(s.day.state.persian()),
                s.day
                    .opened_at
                    .map_or(Cell::Empty, |t| Cell::text(clock_time(t))),
                Cell::text(clock_time(s.day.closes_at)),
                Cell::Number(s.checkins),
                Cell::Number(s.expected_voters),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "شعب روز رأی‌گیری",
        header: &[
            "کد شعبه",
            "شعبه",
            "حوزه (شورا)",
            "شهرستان",
            "وضعیت",
            "گشایش",
            "پایان",
            "احراز هویت",
            "رأی‌دهندگان پیش‌بینی‌شده",
        ],
        rows,
    };
    let name = match area {
        Area::County(code) => format!("day-board-{code}"),
        Area::Province => "day-board".to_owned(),
    };
    Ok(sheet.download(&name)?)
}

/// `/counties/{code}/day-board.xlsx`: the county picture's station list as Excel.
pub async fn county_xlsx(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DayQuery>>,
) -> PageResult {
    board_xlsx(&visit, Area::County(&code), &q).await
}

/// `/day-board.xlsx`: the province picture's station list as Excel.
pub async fn province_xlsx(visit: Visit, OnPage(Query(q)): OnPage<Query<DayQuery>>) -> PageResult {
    board_xlsx(&visit, Area::Province, &q).await
}

/// The picture's section of a home page, on polling day only: `None` on any other day.
pub async fn section(
    visit: &Visit,
    area: Area<'_>,
    q: &DayQuery,
) -> Result<Option<String>, PageError> {
    let Some((polls_open, polls_close)) = polling_day(visit).await? else {
        return Ok(None);
    };
    let board = board(visit, area, q).await?;
    let selected_state = q.day_state.as_deref().unwrap_or("");
    let states = [("", "همه"), ("late", LATE)]
        .into_iter()
        .chain(DayState::ALL.map(|s| (s.as_str(), s.persian())))
        .map(|(value, label)| Choice::new(value, label, value == selected_state))
        .collect();
    let counties = match area {
        Area::Province => crate::views::Counties::read(&visit.state)
            .await?
            .choices(q.day_county.as_deref()),
        Area::County(_) => Vec::new(),
    };
    let refresh_seconds = visit.state.config.live_refresh.as_secs().max(1);
    let section = DaySection {
        page: area.page(),
        fragment: area.fragment(),
        refresh_seconds,
        refresh_fa: persian_number(i64::try_from(refresh_seconds).unwrap_or(i64::MAX)),
        polls: format!("{} تا {}", clock_time(polls_open), clock_time(polls_close)),
        states,
        counties,
        text: domain::text::echo(&q.text()),
        sort: q.sort(),
        board: board
            .render()
            .map_err(|e| crate::ApiError::Internal(e.to_string()))?,
    };
    Ok(Some(
        section
            .render()
            .map_err(|e| crate::ApiError::Internal(e.to_string()))?,
    ))
}

/// `/counties/{code}/day-board`: the county's picture alone, for its page's poller
/// (`ViewCounty`).
pub async fn county_fragment(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DayQuery>>,
) -> PageResult {
    let board = board(&visit, Area::County(&code), &q).await?;
    render(&board)
}

/// `/day-board`: the province's picture alone, for the HQ dashboard's poller
/// (`ViewProvince`).
pub async fn province_fragment(
    visit: Visit,
    OnPage(Query(q)): OnPage<Query<DayQuery>>,
) -> PageResult {
    let board = board(&visit, Area::Province, &q).await?;
    render(&board)
}
