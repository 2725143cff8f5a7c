use crate::chart::{self, stacked_bars, Bar};
use crate::views::{redirect, render, Card, Layout, OnPage, PageResult, Visit};
use crate::PageError;
use askama::Template;
use axum::extract::Query;
use domain::access::{Action, Scope};
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::text::persian_number;

pub struct Cell {
    pub raw: i64,
    pub shown: String,
}

pub struct CountyRow {
    pub code: String,
    pub name: String,
    pub cells: Vec<Cell>,
}

pub struct CoverageRow {
    pub code: String,
    pub name: String,
    pub stations: String,
    pub shares: Vec<crate::views::staffing::Share>,
}

pub struct MilestoneRow {
    pub name: String,
    pub starts: String,
    pub ends: String,
    pub current: bool,
    pub state: &'static str,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    layout: Layout,
    election_name: Option<String>,
    election_day: String,
    cards: Vec<Card>,
    chart: String,
    coverage_chart: String,
    coverage_rows: Vec<CoverageRow>,
    coverage_headers: [&'static str; 4],
    rows: Vec<CountyRow>,
    totals: Vec<Cell>,
    milestones: Vec<MilestoneRow>,
    /// The timeline's outlook (`views::readiness::outlook_panel`).
    outlook: String,
    /// On polling day, the election-day picture (`views::day_board`).
    day_picture: Option<String>,
}

/// `/`: the province HQ dashboard; others go to their own county or station.
pub async fn home(
    visit: Visit,
    OnPage(Query(day)): OnPage<Query<crate::views::day_board::DayQuery>>,
) -> PageResult {
    // A kiosk has no home but its screen (the policy refuses it everything else).
    if visit.principal().is_some() {
        visit.require(Action::ViewElection, "/")?;
    }
    match visit.principal().map(|p| p.scope.clone()) {
        None => {
            return Err(PageError {
                error: crate::ApiError::unauthenticated(),
                next: Some("/".into()),
            })
        }
        Some(Scope::County { county }) => return Ok(redirect(&format!("/counties/{county}"))),
        // On its polling day a station's home is its console (check-ins first); before and
        // after, its facts.
        Some(Scope::Station { station, .. }) => {
            let polling = crate::views::day_board::polling_day(&visit)
                .await?
                .is_some();
            let home = if polling {
                format!("/stations/{station}/day")
            } else {
                format!("/stations/{station}")
            };
            return Ok(redirect(&home));
        }
        Some(Scope::Province) => {}
    }
    visit.require(Action::ViewProvince, "/")?;
    let day_picture =
        crate::views::day_board::section(&visit, crate::views::day_board::Area::Province, &day)
            .await?;
    let lookups = visit.app().lookups();
    let counties = lookups.counties(visit.principal()).await?;
    let election = lookups.election(visit.principal()).await?;
    let now = visit.state.now();

    let figures = |c: &store::CountySummary| {
        [
            c.districts,
            c.cities,
            c.villages,
            c.city_councils,
            c.village_councils,
            c.main_seats,
            c.alternate_seats,
            c.stations,
            c.urban_stations,
            c.rural_stations,
            c.mobile_stations,
        ]
    };
    let mut sums = [0i64; 11];
    let rows: Vec<CountyRow> = counties
        .iter()
        .map(|c| {
            let values = figures(c);
            for (s, v) in sums.iter_mut().zip(values) {
                *s += v;
            }
            CountyRow {
                code: c.county.code.clone(),
                name: c.county.name.clone(),
                cells: values
                    .iter()
                    .map(|v| Cell {
                        raw: *v,
                        shown: persian_number(*v),
                    })
                    .collect(),
            }
        })
        .collect();
    let totals: Vec<Cell> = sums
        .iter()
        .map(|v| Cell {
            raw: *v,
            shown: persian_number(*v),
        })
        .collect();
    let cards = vec![
        Card::new(counties.len() as i64, "شهرستان"),
        Card::new(sums[1], "شهر"),
        Card::new(sums[2], "روستا"),
        Card::new(sums[3], "شورای شهر"),
        Card::new(sums[4], "شورای روستا"),
        Card::new(sums[5], "کرسی اصلی"),
        Card::new(sums[6], "کرسی علی‌البدل"),
        Card::new(sums[7], "شعبه اخذ رأی"),
        Card::new(sums[10], "شعبه سیار"),
    ];
    let mut by_stations: Vec<&store::CountySummary> = counties.iter().collect();
    by_stations.sort_by_key(|c| std::cmp::Reverse(c.stations));
    let bars: Vec<Bar> = by_stations
        .iter()
        .map(|c| Bar {
            label: c.county.name.clone(),
            values: vec![c.urban_stations, c.rural_stations],
            href: Some(format!("/counties/{}", c.county.code)),
        })
        .collect();
    let chart = stacked_bars(
        "شعب اخذ رأی به تفکیک شهرستان",
        &["شهری", "روستایی"],
        &[chart::TEAL, chart::GREY],
        &bars,
    );
    let coverage = visit.app().cached().coverage(None).await?;
    let coverage_bars: Vec<Bar> = coverage
        .iter()
        .map(|c| Bar {
            label: c.name.clone(),
            values: vec![c.fully_staffed, c.stations - c.fully_staffed],
            href: Some(format!("/counties/{}#gaps", c.county)),
        })
        .collect();
    let coverage_chart = stacked_bars(
        "پوشش عوامل شعب به تفکیک شهرستان",
        &["شعب با همه ۷ سمت", "شعب دارای کمبود"],
        &[chart::GREEN, chart::ORANGE],
        &coverage_bars,
    );
    let coverage_rows = coverage
        .iter()
        .map(|c| CoverageRow {
            code: c.county.clone(),
            name: c.name.clone(),
            stations: persian_number(c.stations),
            shares: crate::views::staffing::shares(c),
        })
        .collect();
    let milestones = election
        .as_ref()
        .map(|e| {
            e.milestones
                .iter()
                .map(|m| MilestoneRow {
                    name: m.name.clone(),
                    starts: jalali_datetime(m.starts_at),
                    ends: jalali_datetime(m.ends_at),
                    current: domain::timeline::state(m, now)
                        == domain::timeline::MilestoneState::Due,
                    state: domain::timeline::state(m, now).persian(),
                })
                .collect()
        })
        .unwrap_or_default();
    let outlook = crate::views::readiness::outlook_panel(&visit).await?;
    render(&Dashboard {
        outlook,
        layout: visit.layout("داشبورد استان", "/"),
        election_name: election.as_ref().map(|e| e.name.clone()),
        election_day: election
            .as_ref()
            .map(|e| jalali_numeric(e.election_day))
            .unwrap_or_default(),
        cards,
        chart,
        coverage_chart,
        coverage_rows,
        coverage_headers: [
            "با هر ۵ عضو",
            "با نماینده فرماندار",
            "با بازرس",
            "کامل (۷ سمت)",
        ],
        rows,
        totals,
        milestones,
        day_picture,
    })
}
