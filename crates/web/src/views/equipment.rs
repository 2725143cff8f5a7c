//! Equipment tests in the browser (issue 16 §6): a station's test page (its standing, its
//! runs and their differences, the run going on with the next deck ballot to enter, the
//! county's override) and test mode's voting screens — the election day's own ballot and
//! review screens, marked as a test on every page and posting to the test's routes. The use
//! cases are `app::equipment`, as for the API.

use crate::views::{
    answer_form, breaks_a_rule, page_error, render_status, Card, Layout, OnPage, PageResult,
    Refused, Visit,
};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::access::Action;
use domain::calendar::jalali_datetime;
use domain::station_day::DayState;
use domain::test_deck::{EquipmentStanding, RunOutcome, TestRun};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

/// A run as the page lists it.
pub struct RunLine {
    pub id: String,
    pub started: String,
    pub started_by: String,
    pub outcome: &'static str,
    pub outcome_code: &'static str,
    pub cast: String,
    pub finished: String,
    /// Council, figure, expected, counted: each in Persian.
    pub differences: Vec<[String; 4]>,
}

impl RunLine {
    fn of(run: &TestRun) -> Self {
        let (total, cast) = run.progress();
        Self {
            id: persian_number(run.id),
            started: jalali_datetime(run.started_at),
            started_by: persian_digits(&run.started_by),
            outcome: run.outcome.persian(),
            outcome_code: run.outcome.as_str(),
            cast: format!(
                "{} از {}",
                persian_number(i64::try_from(cast).unwrap_or(i64::MAX)),
                persian_number(i64::try_from(total).unwrap_or(i64::MAX))
            ),
            finished: run.finished_at.map(jalali_datetime).unwrap_or_default(),
            differences: run
                .differences
                .iter()
                .map(|d| {
                    let figure = match d.figure.as_str() {
                        "ballots" => "شمار برگه‌ها".to_owned(),
                        "blank" => "برگه‌های سفید".to_owned(),
                        code => format!("نامزد {}", persian_digits(code)),
                    };
                    [
                        persian_digits(&d.council),
                        figure,
                        persian_number(i64::try_from(d.expected).unwrap_or(i64::MAX)),
                        persian_number(i64::try_from(d.counted).unwrap_or(i64::MAX)),
                    ]
                })
                .collect(),
        }
    }
}

/// The next deck ballot to enter: its council, its number, and what to mark.
pub struct NextBallot {
    pub council: String,
    pub council_fa: String,
    pub number_fa: String,
    pub of_fa: String,
    /// The candidate codes to mark, in Persian digits; empty for the blank ballot.
    pub marks: Vec<String>,
}

#[derive(Template)]
#[template(path = "equipment_test.html")]
#[allow(clippy::struct_excessive_bools)] // the template's switches, one per action it offers
struct TestPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    standing: &'static str,
    standing_code: &'static str,
    day_state: &'static str,
    cards: Vec<Card>,
    running: Option<RunLine>,
    next: Option<NextBallot>,
    runs: Vec<RunLine>,
    /// Each council's deck: council, ballots, and per candidate its expected marks.
    decks: Vec<(String, String, String)>,
    overridden: Option<String>,
    /// The station's kiosks in service: id, number (Persian), and whether a ballot is live on
    /// it.
    kiosks: Vec<(String, String, bool)>,
    can_start: bool,
    can_enter: bool,
    can_override: bool,
    notice: Option<String>,
    error: Option<String>,
}

/// What a test page was sent back with: what was done.
#[derive(Debug, Default, Deserialize)]
pub struct TestQuery {
    pub done: Option<String>,
}

fn notice_of(done: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "start" => "آزمون آغاز شد: برگه‌های آزمایشی را یکی‌یکی روی دستگاه رأی‌گیری فعال و ثبت کنید.",
            "activated" => "برگه آزمایشی روی دستگاه رأی‌گیری فعال شد: آن را همان‌گونه که دسته آزمون می‌گوید علامت بزنید و ثبت کنید.",
            "finish" => "آزمون به پایان رسید و داوری شد.",
            "override" => "مجوز گشایش شعبه ثبت شد.",
            _ => return None,
        }
        .to_owned(),
    )
}

/// `GET /stations/{code}/equipment-test`: the station's test page.
pub async fn page(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<TestQuery>>,
) -> PageResult {
    test_page(&visit, &code, notice_of(q.done.as_deref()), None).await
}

async fn test_page(
    visit: &Visit,
    code: &str,
    notice: Option<String>,
    refused: Option<Refused>,
) -> PageResult {
    let here = format!("/stations/{code}/equipment-test");
    let found = visit
        .app()
        .equipment()
        .station(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let station = visit.visible_station(code, &here).await?;
    let day = visit
        .app()
        .election_day()
        .day(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?
        .day;
    let before_opening = day.state == DayState::NotOpened;
    let operates = app::allows(visit.principal(), Action::OperateStation { station: code });
    let running = found.running();
    let next = running.and_then(|run| {
        run.next_ballot().map(|(deck, n)| NextBallot {
            council: deck.council.clone(),
            council_fa: persian_digits(&deck.council),
            number_fa: persian_number(i64::try_from(n + 1).unwrap_or(i64::MAX)),
            of_fa: persian_number(i64::try_from(deck.ballots.len()).unwrap_or(i64::MAX)),
            marks: deck
                .ballots
                .get(n)
                .map(|b| b.iter().map(|c| persian_digits(c)).collect())
                .unwrap_or_default(),
        })
    });
    let kiosks = if operates && running.is_some() {
        visit
            .app()
            .kiosks()
            .of_station(visit.principal(), code)
            .await
            .map_err(|e| page_error(e, &here))?
            .into_iter()
            .map(|k| {
                let number = k.kiosk.paired.as_ref().map_or(0, |p| p.number);
                (
                    k.kiosk.kiosk_id,
                    persian_number(i64::from(number)),
                    k.live.is_some(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let latest_decks = found
        .runs
        .first()
        .map(|r| r.decks.clone())
        .unwrap_or_default();
    let decks = latest_decks
        .iter()
        .map(|d| {
            let expected = d.expected();
            let marks = expected
                .candidates
                .iter()
                .map(|(c, n)| {
                    format!(
                        "{}: {}",
                        persian_digits(c),
                        persian_number(i64::try_from(*n).unwrap_or(i64::MAX))
                    )
                })
                .collect::<Vec<_>>()
                .join("، ");
            (
                persian_digits(&d.council),
                persian_number(i64::try_from(d.ballots.len()).unwrap_or(i64::MAX)),
                marks,
            )
        })
        .collect();
    let passed = found
        .runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Passed)
        .count();
    let failed = found
        .runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Failed)
        .count();
    let (status, error) = Refused::shown(refused);
    render_status(
        status,
        &TestPage {
            layout: visit.layout(
                format!("آزمون تجهیزات شعبه {}", persian_digits(code)),
                &here,
            ),
            code: code.to_owned(),
            code_fa: persian_digits(code),
            name: station.name.clone(),
            standing: found.standing.persian(),
            standing_code: found.standing.as_str(),
            day_state: day.state.persian(),
            cards: vec![
                Card::new(i64::try_from(found.runs.len()).unwrap_or(i64::MAX), "آزمون"),
                Card::new(i64::try_from(passed).unwrap_or(i64::MAX), "قبول"),
                Card::new(i64::try_from(failed).unwrap_or(i64::MAX), "مردود"),
            ],
            running: running.map(RunLine::of),
            next,
            runs: found
                .runs
                .iter()
                .filter(|r| r.outcome != RunOutcome::Running)
                .map(RunLine::of)
                .collect(),
            decks,
            overridden: found.overridden.as_ref().map(|o| {
                format!(
                    "{} — {} ({})",
                    o.reason,
                    jalali_datetime(o.at),
                    persian_digits(&o.by)
                )
            }),
            kiosks,
            can_start: operates && before_opening && running.is_none(),
            can_enter: operates && before_opening && running.is_some(),
            can_override: before_opening
                && found.standing != EquipmentStanding::Passed
                && app::allows(
                    visit.principal(),
                    Action::OverrideEquipmentTest {
                        county: &station.county_code,
                    },
                ),
            notice,
            error,
        },
    )
}

/// `POST /stations/{code}/equipment-test/start`: starts a run.
pub async fn start(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/stations/{code}/equipment-test");
    let outcome = visit
        .app()
        .equipment()
        .start(visit.principal(), &code)
        .await;
    answer_form(
        outcome,
        &here,
        breaks_a_rule,
        |_| format!("{here}?done=start"),
        |r| test_page(&visit, &code, None, Some(r)),
    )
    .await
}

/// `POST /stations/{code}/equipment-test/finish`: finishes and judges the run.
pub async fn finish(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/stations/{code}/equipment-test");
    let outcome = visit
        .app()
        .equipment()
        .finish(visit.principal(), &code)
        .await;
    answer_form(
        outcome,
        &here,
        breaks_a_rule,
        |_| format!("{here}?done=finish"),
        |r| test_page(&visit, &code, None, Some(r)),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    reason: String,
}

/// `POST /stations/{code}/equipment-test/override`: the county's override, with its reason.
pub async fn override_test(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<OverrideForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/equipment-test");
    let outcome = visit
        .app()
        .equipment()
        .override_test(visit.principal(), &code, &form.reason)
        .await;
    answer_form(
        outcome,
        &here,
        breaks_a_rule,
        |_| format!("{here}?done=override"),
        |r| test_page(&visit, &code, None, Some(r)),
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    council: String,
}

/// `POST /stations/{code}/equipment-test/kiosks/{kiosk}/activate`: the next test ballot (of the
/// council named) goes to one of the station's kiosks, where the tester marks it as the deck
/// says and casts it, encrypted under the test key as a real ballot is under the election's.
pub async fn activate(
    visit: Visit,
    OnPage(Path((code, kiosk))): OnPage<Path<(String, String)>>,
    OnPage(Form(form)): OnPage<Form<ActivateForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/equipment-test");
    let outcome = visit
        .app()
        .equipment()
        .activate(visit.principal(), &code, &kiosk, Some(&form.council))
        .await;
    answer_form(
        outcome,
        &here,
        |e| breaks_a_rule(e) || matches!(e, app::Error::Store(store::StoreError::NotFound { .. })),
        |_| format!("{here}?done=activated"),
        |r| test_page(&visit, &code, None, Some(r)),
    )
    .await
}
