//! Participation in candidate registration, for the information committee (issue 5): filings per
//! day, per county and council kind, women and under-40s, education, vetting states, and the
//! councils short of candidates, with charts. The figures are `domain::participation`'s.

use crate::chart::{self, stacked_bars_if_any, Bar};
use crate::views::OnPage;
use crate::views::{page_error, render, Card, Choice, Counties, Layout, PageResult, Visit};
use askama::Template;
use axum::extract::Query;
use domain::participation::Participation;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ScopeQuery {
    /// Only this county (a county-scoped user always sees their own).
    pub county: Option<String>,
}

pub struct ShortRow {
    pub code_fa: String,
    pub name: String,
    pub kind: &'static str,
    pub seats: String,
    pub standing: String,
    pub standing_raw: i64,
    pub approved: String,
    pub shortage: &'static str,
    pub severe: bool,
    pub href: String,
}

pub struct CountRow {
    pub label: String,
    pub count: String,
    pub count_raw: i64,
    pub share: String,
}

#[derive(Template)]
#[template(path = "participation.html")]
struct ParticipationPage {
    layout: Layout,
    scope: String,
    counties: Vec<Choice>,
    can_choose: bool,
    cards: Vec<Card>,
    women: String,
    young: String,
    per_day_chart: String,
    per_county_chart: String,
    education: Vec<CountRow>,
    states: Vec<CountRow>,
    short: Vec<ShortRow>,
}

fn percent(p: &Participation, part: i64) -> String {
    domain::text::persian_percent(p.share(part), 1)
}

/// `GET /candidates/participation`.
pub async fn page(visit: Visit, OnPage(Query(q)): OnPage<Query<ScopeQuery>>) -> PageResult {
    let (p, county) = visit
        .app()
        .candidates()
        .participation(visit.principal(), q.county.as_deref())
        .await
        .map_err(|e| page_error(e, "/candidates/participation"))?;
    let counties = Counties::read(&visit.state).await?;
    let name_of = |code: &str| counties.name(code).unwrap_or(code).to_owned();
    let can_choose = visit
        .auth
        .principal()
        .is_some_and(|pr| pr.scope.county().is_none());
    let approved = p
        .by_state
        .iter()
        .find(|(s, _)| *s == domain::vetting::VettingState::Approved)
        .map_or(0, |(_, n)| *n);
    let per_day: Vec<Bar> = p
        .per_day
        .iter()
        .map(|(day, n)| Bar {
            label: domain::calendar::jalali_numeric(*day),
            values: vec![*n],
            href: None,
        })
        .collect();
    let per_county: Vec<Bar> = p
        .per_county
        .iter()
        .map(|row| Bar {
            label: name_of(&row.county),
            values: vec![row.city, row.village],
            href: can_choose.then(|| format!("/candidates/participation?county={}", row.county)),
        })
        .collect();
    let rows = |items: Vec<(String, i64)>| -> Vec<CountRow> {
        items
            .into_iter()
            .map(|(label, n)| CountRow {
                label,
                count: persian_number(n),
                count_raw: n,
                share: percent(&p, n),
            })
            .collect()
    };
    let page = ParticipationPage {
        layout: visit.layout("مشارکت در ثبت‌نام داوطلبان", "/candidates/participation"),
        scope: county.as_deref().map_or_else(
            || "استان کرمان".to_owned(),
            |c| format!("شهرستان {}", name_of(c)),
        ),
        counties: counties.choices(county.as_deref()),
        can_choose,
        cards: vec![
            Card::new(p.total, "ثبت‌نام"),
            Card::new(approved, "تأیید صلاحیت"),
            Card::new(i64::try_from(p.short.len()).unwrap_or(0), "شورای کم‌نامزد"),
        ],
        women: percent(&p, p.women),
        young: percent(&p, p.under_40),
        per_day_chart: stacked_bars_if_any(
            "ثبت‌نام در هر روز",
            &["ثبت‌نام"],
            &[chart::GREEN],
            &per_day,
        ),
        per_county_chart: stacked_bars_if_any(
            "ثبت‌نام به تفکیک شهرستان",
            &["شورای شهر", "شورای روستا"],
            &[chart::GREEN, chart::ORANGE],
            &per_county,
        ),
        education: rows(
            p.by_education
                .iter()
                .map(|(e, n)| (e.persian().to_owned(), *n))
                .collect(),
        ),
        states: rows(
            p.by_state
                .iter()
                .map(|(s, n)| (s.persian().to_owned(), *n))
                .collect(),
        ),
        short: p
            .short
            .iter()
            .map(|s| ShortRow {
                code_fa: persian_digits(&s.council),
                name: domain::election::council_title(s.kind, &s.name),
                kind: s.kind.persian(),
                seats: persian_number(i64::from(s.seats)),
                standing: persian_number(s.standing),
                standing_raw: s.standing,
                approved: persian_number(s.approved),
                shortage: s.shortage.persian(),
                severe: s.shortage == domain::participation::Shortage::FewerThanSeats,
                href: format!("/candidates?council={}", s.council),
            })
            .collect(),
    };
    render(&page)
}
