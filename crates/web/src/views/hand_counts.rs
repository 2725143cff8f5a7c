//! The paper fallback's page (issue 18 §1): a station's hand counts side by side — the two
//! officials' entries, where they differ, the executive board's resolution and the count that
//! stands (public, printable) — with the forms for who may declare, enter and resolve.

use crate::views::{
    breaks_a_rule_or_names_nothing, page_error, redirect, render, Layout, OnPage, PageResult, Visit,
};
use crate::ApiError;
use app::paper::PaperFile;
use askama::Template;
use axum::extract::{Path, Query};
use domain::access::Action;
use domain::election::council_title;
use domain::results::paper::HandCount;
use domain::text::{ascii_digits, persian_digits, persian_number};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

fn number(n: u64) -> String {
    persian_number(i64::try_from(n).unwrap_or(i64::MAX))
}

/// One figure across the entries: the first, the second, the resolution's, and whether the
/// entries differ on it.
struct FigureRow {
    /// `ballots`, `blank`, `unused_choices`, or a candidate's code.
    field: String,
    label: String,
    first: String,
    second: String,
    resolved: String,
    differs: bool,
}

struct CandidateField {
    code: String,
    code_fa: String,
    name: String,
}

struct CouncilPanel {
    code: String,
    title: String,
    entries: usize,
    rows: Vec<FigureRow>,
    resolution_reason: Option<String>,
    /// `accepted`, `differs`, `waiting` (fewer than two entries).
    state: &'static str,
    state_fa: &'static str,
    candidates: Vec<CandidateField>,
    can_enter: bool,
    can_resolve: bool,
}

#[derive(Template)]
#[template(path = "results_hand_counts.html")]
struct HandCountsPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    paper: bool,
    reason: String,
    closed: bool,
    councils: Vec<CouncilPanel>,
    can_declare: bool,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HandCountsQuery {
    pub done: Option<String>,
}

fn panel(
    visit: &Visit,
    file: &PaperFile,
    council: &domain::election::Council,
    ballot: &[domain::ballot::Candidate],
) -> CouncilPanel {
    let kept = file.paper.as_ref().and_then(|p| p.council(&council.code));
    let entries: Vec<&HandCount> = kept
        .map(|k| k.entries.iter().map(|e| &e.count).collect())
        .unwrap_or_default();
    // Until both entries are in, the first's figures are not shown: the second official counts
    // on their own.
    let both_in = entries.len() == 2;
    let resolution = kept.and_then(|k| k.resolution.as_ref());
    let figure = |count: Option<&HandCount>, field: &str| -> Option<u64> {
        let count = count?;
        Some(match field {
            "ballots" => count.ballots,
            "blank" => count.blank,
            "unused_choices" => count.unused_choices,
            code => count.votes.get(code).copied().unwrap_or(0),
        })
    };
    let shown = |n: Option<u64>| n.map_or_else(|| "—".to_owned(), number);
    let mut fields: Vec<(String, String)> = vec![
        ("ballots".into(), "برگه‌های رأی".into()),
        ("blank".into(), "برگه‌های سفید".into()),
        ("unused_choices".into(), "انتخاب‌های استفاده‌نشده".into()),
    ];
    for candidate in ballot {
        fields.push((
            candidate.code.clone(),
            format!(
                "{} {} ({})",
                candidate.first_name,
                candidate.last_name,
                persian_digits(&candidate.code)
            ),
        ));
    }
    let rows = fields
        .into_iter()
        .map(|(field, label)| {
            let first = figure(entries.first().copied(), &field);
            let second = figure(entries.get(1).copied(), &field);
            FigureRow {
                differs: first.is_some() && second.is_some() && first != second,
                first: if both_in || first.is_none() {
                    shown(first)
                } else {
                    "ثبت شد".to_owned()
                },
                second: shown(second),
                resolved: shown(figure(resolution.map(|r| &r.count), &field)),
                label,
                field,
            }
        })
        .collect();
    let accepted = kept.and_then(store::hand_counts::CouncilHandCount::accepted);
    let differs = kept.is_some_and(|k| !k.differences().is_empty());
    let (state, state_fa) = match (&accepted, differs) {
        (Some(_), _) if resolution.is_some() => ("accepted", "شمارش مصوب هیئت اجرایی شمرده می‌شود."),
        (Some(_), _) => ("accepted", "دو ورود یکسان است: این شمارش شمرده می‌شود."),
        (None, true) => (
            "differs",
            "دو ورود مغایرت دارد: تا هیئت اجرایی شهرستان آن را حل نکند شمرده نمی‌شود.",
        ),
        (None, false) => ("waiting", "در انتظار ورود شمارش به دست دو مسئول جداگانه."),
    };
    let principal = visit.principal();
    let station = &file.station;
    CouncilPanel {
        code: council.code.clone(),
        title: council_title(council.kind, &council.name),
        entries: entries.len(),
        rows,
        resolution_reason: resolution.map(|r| r.reason.clone()),
        state,
        state_fa,
        candidates: ballot
            .iter()
            .map(|c| CandidateField {
                code: c.code.clone(),
                code_fa: persian_digits(&c.code),
                name: format!("{} {}", c.first_name, c.last_name),
            })
            .collect(),
        can_enter: file.paper.is_some()
            && file.closed
            && entries.len() < 2
            && app::allows(
                principal,
                Action::EnterHandCount {
                    county: &station.county_code,
                    station: &station.code,
                },
            ),
        can_resolve: differs
            && resolution.is_none()
            && app::allows(
                principal,
                Action::ResolveHandCount {
                    county: &station.county_code,
                },
            ),
    }
}

async fn hand_counts_page(
    visit: &Visit,
    code: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let file = visit
        .app()
        .paper()
        .file(code)
        .await
        .map_err(|e| page_error(e, "/results"))?;
    let here = format!("/results/stations/{code}/hand-counts");
    let councils = file
        .ballots
        .iter()
        .map(|(council, ballot)| panel(visit, &file, council, ballot))
        .collect();
    let station = &file.station;
    render(&HandCountsPage {
        layout: visit.layout(
            format!("شمارش دستی شعبه {}", persian_digits(&station.code)),
            &here,
        ),
        code: station.code.clone(),
        code_fa: persian_digits(&station.code),
        name: station.name.clone(),
        paper: file.paper.is_some(),
        reason: file
            .paper
            .as_ref()
            .map(|p| p.reason.clone())
            .unwrap_or_default(),
        closed: file.closed,
        can_declare: file.paper.is_none()
            && app::allows(
                visit.principal(),
                Action::DeclarePaperFallback {
                    county: &station.county_code,
                },
            ),
        councils,
        notice,
        error,
    })
}

/// `GET /results/stations/{code}/hand-counts` (public).
pub async fn show(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(query)): OnPage<Query<HandCountsQuery>>,
) -> PageResult {
    let notice = match query.done.as_deref() {
        Some("declared") => Some("رأی‌گیری کاغذی این شعبه اعلام شد."),
        Some("entered") => Some("شمارش شما ثبت شد."),
        Some("resolved") => Some("شمارش مصوب هیئت اجرایی ثبت شد."),
        _ => None,
    };
    hand_counts_page(&visit, &code, notice, None).await
}

/// A refused write: the page again with the rule's Persian reason.
async fn refused_on_page(visit: &Visit, code: &str, error: app::Error) -> PageResult {
    if !breaks_a_rule_or_names_nothing(&error) {
        return Err(page_error(
            error,
            &format!("/results/stations/{code}/hand-counts"),
        ));
    }
    let (_, _, _, reason) = ApiError::from(error).parts();
    hand_counts_page(visit, code, None, Some(reason)).await
}

#[derive(Debug, Deserialize)]
pub struct DeclareForm {
    #[serde(default)]
    pub reason: String,
}

/// `POST /stations/{code}/paper-fallback`.
pub async fn declare(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<DeclareForm>>,
) -> PageResult {
    match visit
        .app()
        .paper()
        .declare(visit.principal(), &code, &form.reason)
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/results/stations/{code}/hand-counts?done=declared"
        ))),
        Err(e) => refused_on_page(&visit, &code, e).await,
    }
}

/// The count a form holds: `ballots`, `blank`, `unused_choices` and `vote_<code>` per
/// candidate, in Persian or Latin digits. `None` names the first field that is not a number.
fn form_count(council: &str, form: &HashMap<String, String>) -> Result<HandCount, String> {
    let read = |name: &str, label: &str| -> Result<u64, String> {
        let typed = form
            .get(name)
            .map(|v| ascii_digits(v.trim()))
            .unwrap_or_default();
        typed
            .parse::<u64>()
            .map_err(|_| format!("«{label}» باید عددی درست و نامنفی باشد."))
    };
    let mut votes = BTreeMap::new();
    for (name, _) in form.iter().filter(|(n, _)| n.starts_with("vote_")) {
        let code = &name["vote_".len()..];
        votes.insert(
            code.to_owned(),
            read(name, &format!("رأی نامزد {}", persian_digits(code)))?,
        );
    }
    Ok(HandCount {
        council: council.to_owned(),
        ballots: read("ballots", "برگه‌های رأی")?,
        blank: read("blank", "برگه‌های سفید")?,
        unused_choices: read("unused_choices", "انتخاب‌های استفاده‌نشده")?,
        votes,
    })
}

/// A hand count from a page's form, entered (`resolve`: as the board's resolution, with the
/// form's reason); the page again with the reason when refused.
async fn write_count(
    visit: &Visit,
    (code, council): (&str, &str),
    fields: Vec<(String, String)>,
    resolve: bool,
) -> PageResult {
    let form: HashMap<String, String> = fields.into_iter().collect();
    let count = match form_count(council, &form) {
        Ok(count) => count,
        Err(message) => return hand_counts_page(visit, code, None, Some(message)).await,
    };
    let paper = visit.app().paper();
    let (written, done) = if resolve {
        let reason = form.get("reason").cloned().unwrap_or_default();
        (
            paper
                .resolve(visit.principal(), code, &count, &reason)
                .await,
            "resolved",
        )
    } else {
        (
            paper.enter(visit.principal(), code, &count).await,
            "entered",
        )
    };
    match written {
        Ok(_) => Ok(redirect(&format!(
            "/results/stations/{code}/hand-counts?done={done}"
        ))),
        Err(e) => refused_on_page(visit, code, e).await,
    }
}

/// `POST /stations/{code}/hand-counts/{council}`: one official's entry.
pub async fn enter(
    visit: Visit,
    OnPage(Path((code, council))): OnPage<Path<(String, String)>>,
    OnPage(axum::Form(fields)): OnPage<axum::Form<Vec<(String, String)>>>,
) -> PageResult {
    write_count(&visit, (&code, &council), fields, false).await
}

/// `POST /stations/{code}/hand-counts/{council}/resolution`: the executive board's count.
pub async fn resolve(
    visit: Visit,
    OnPage(Path((code, council))): OnPage<Path<(String, String)>>,
    OnPage(axum::Form(fields)): OnPage<axum::Form<Vec<(String, String)>>>,
) -> PageResult {
    write_count(&visit, (&code, &council), fields, true).await
}
