//! Results' public pages (issue 18): the councils to pick from, and a council's result — its
//! status, the votes with a bar chart, members and alternates, the ties and how they were
//! broken, and every station not in the totals yet or whose count carries a finding. The use
//! cases are `app::results`, as for the API.

use crate::chart::{self, stacked_bars_if_any, Bar};
use crate::views::{page_error, render, Layout, OnPage, PageResult, Pager, Visit};
use askama::Template;
use axum::extract::{Path, Query};
use domain::election::council_title;
use domain::results::count_checks::Severity;
use domain::results::seats::Outcome;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

/// Councils listed a page at a time.
const COUNCILS_PER_PAGE: usize = 50;

fn number(n: u64) -> String {
    persian_number(i64::try_from(n).unwrap_or(i64::MAX))
}

#[derive(Debug, Default, Deserialize)]
pub struct CouncilsQuery {
    county: Option<String>,
    q: Option<String>,
    page: Option<u32>,
}

pub struct CouncilRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub county_fa: String,
    pub seats: String,
    /// With a county chosen: the result's status and stations reported of its stations.
    pub standing: Option<CouncilStanding>,
}

pub struct CouncilStanding {
    pub status: &'static str,
    pub status_fa: &'static str,
    pub reported_fa: String,
    pub ballots_fa: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct CouncilsPage {
    layout: Layout,
    /// A county is chosen: the rows carry their results' standing.
    with_standings: bool,
    county: String,
    q: String,
    rows: Vec<CouncilRow>,
    pager: Pager,
}

/// `GET /results` (public): the councils, by county and name, each a link to its result.
pub async fn index(visit: Visit, OnPage(Query(q)): OnPage<Query<CouncilsQuery>>) -> PageResult {
    let county = q
        .county
        .map(|c| domain::text::ascii_digits(c.trim()))
        .unwrap_or_default();
    let text =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(100)
            .collect::<String>();
    let key = domain::text::search_key(&text);
    let councils = visit.app().cached().councils().await?;
    let found: Vec<_> = councils
        .iter()
        .filter(|c| county.is_empty() || c.county_code == county)
        .filter(|c| key.is_empty() || domain::text::search_key(&c.name).contains(&key))
        .collect();
    // A county's councils come with their results as they stand (the province's would be
    // every station's at once: choose a county).
    let mut standings: std::collections::HashMap<String, CouncilStanding> =
        if county.is_empty() || found.is_empty() {
            // No council matches (an unknown county among them): nothing to count.
            std::collections::HashMap::new()
        } else {
            visit
                .app()
                .results()
                .county(&county)
                .await
                .map_err(|e| page_error(e, "/results"))?
                .into_iter()
                .map(|r| {
                    (
                        r.council.code.clone(),
                        CouncilStanding {
                            status: r.status.as_str(),
                            status_fa: r.status.persian(),
                            reported_fa: format!(
                                "{} از {}",
                                persian_number(r.stations_reported() as i64),
                                persian_number(r.stations_total() as i64)
                            ),
                            ballots_fa: number(r.ballots_cast),
                        },
                    )
                })
                .collect()
        };
    let page = store::Page {
        total: found.len() as i64,
        page: q
            .page
            .unwrap_or(1)
            .clamp(1, found.len().div_ceil(COUNCILS_PER_PAGE).max(1) as u32),
        per_page: COUNCILS_PER_PAGE as u32,
        items: Vec::<()>::new(),
    };
    let rows = found
        .iter()
        .skip((page.page as usize - 1) * COUNCILS_PER_PAGE)
        .take(COUNCILS_PER_PAGE)
        .map(|c| CouncilRow {
            code: c.code.clone(),
            code_fa: persian_digits(&c.code),
            name: council_title(c.kind, &c.name),
            county_fa: persian_digits(&c.county_code),
            seats: format!(
                "{} + {}",
                persian_number(i64::from(c.main_seats)),
                persian_number(i64::from(c.alternate_seats))
            ),
            standing: standings.remove(&c.code),
        })
        .collect();
    let query = format!("county={}&q={}", urlencoding(&county), urlencoding(&text));
    render(&CouncilsPage {
        layout: visit.layout("نتایج انتخابات", "/results"),
        pager: Pager::new(&page, |p| format!("/results?{query}&page={p}")),
        // The fields show what was typed in Persian digits, and take either back.
        county: persian_digits(&county),
        q: persian_digits(&text),
        with_standings: !county.is_empty(),
        rows,
    })
}

/// Percent-encodes a query value (the page's own links).
fn urlencoding(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub struct CandidateRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub votes: u64,
    pub votes_fa: String,
    pub rank_fa: String,
    pub outcome: &'static str,
    pub outcome_fa: &'static str,
}

pub struct TieRow {
    pub votes_fa: String,
    pub candidates: String,
    pub how: String,
    pub awaiting: bool,
}

pub struct FindingRow {
    pub code: &'static str,
    pub error: bool,
    pub detail: &'static str,
}

pub struct StationRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub standing: &'static str,
    pub standing_fa: &'static str,
    pub ballots_fa: String,
    pub findings: Vec<FindingRow>,
    /// The supervision board's reason, when the box is annulled.
    pub annulled: String,
}

#[derive(Template)]
#[template(path = "results_council.html")]
struct CouncilPage {
    layout: Layout,
    code: String,
    title: String,
    status: &'static str,
    status_fa: &'static str,
    seats_fa: String,
    ballots_cast: u64,
    ballots_cast_fa: String,
    reported: usize,
    total: usize,
    reported_fa: String,
    total_fa: String,
    chart: String,
    candidates: Vec<CandidateRow>,
    ties: Vec<TieRow>,
    /// Every station serving the council.
    stations: Vec<StationRow>,
    /// Of them, not in the totals yet or with a finding.
    flagged_fa: String,
    flagged: usize,
    /// The certification's steps, oldest first.
    steps: Vec<StepRow>,
    /// The result changed since its approval: reopen and approve anew.
    changed: bool,
    /// The steps the signed-in official may take, by code and label.
    may: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

pub struct StepRow {
    pub step_fa: &'static str,
    pub reason: String,
    pub at: String,
    pub digest: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CouncilQuery {
    done: Option<String>,
}

/// `GET /results/{council}` (public): a council's result as its stations have reported.
pub async fn council(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(query)): OnPage<Query<CouncilQuery>>,
) -> PageResult {
    let notice = query
        .done
        .as_deref()
        .and_then(domain::results::certification::Step::parse)
        .map(|step| match step {
            domain::results::certification::Step::Reopen => "نتیجه بازگشایی شد.",
            _ => "گام تأیید نتیجه ثبت شد.",
        });
    council_page(&visit, &code, notice, None).await
}

/// A council's result page, with a notice after a step or a refused step's reason.
pub async fn council_page(
    visit: &Visit,
    code: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let here = format!("/results/{code}");
    let result = visit
        .app()
        .results()
        .council(code)
        .await
        .map_err(|e| page_error(e, "/results"))?;
    use domain::results::certification::Step;
    let steps = result
        .certification
        .iter()
        .map(|s| StepRow {
            step_fa: s.step.persian(),
            reason: s.reason.clone().unwrap_or_default(),
            at: domain::calendar::jalali_datetime(s.at),
            digest: s.digest.chars().take(16).collect(),
        })
        .collect();
    let may = Step::ALL
        .into_iter()
        .filter(|step| {
            app::allows(
                visit.principal(),
                domain::access::Action::CertifyResult {
                    county: &result.council.county_code,
                    step: *step,
                },
            )
        })
        .map(|step| (step.as_str(), step.persian()))
        .collect();
    let names: std::collections::HashMap<&str, &str> = result
        .candidates
        .iter()
        .map(|c| (c.code.as_str(), c.name.as_str()))
        .collect();
    let bars: Vec<Bar> = result
        .candidates
        .iter()
        .filter(|c| c.votes > 0)
        .map(|c| {
            let votes = i64::try_from(c.votes).unwrap_or(i64::MAX);
            let part = |o: Outcome| if c.outcome == o { votes } else { 0 };
            Bar {
                // Isolated right to left: the drawing is left to right, and the brackets around
                // the code would otherwise land on the wrong side.
                label: format!("\u{2067}{} ({})\u{2069}", c.name, persian_digits(&c.code)),
                values: vec![
                    part(Outcome::Member),
                    part(Outcome::Alternate),
                    part(Outcome::Undecided),
                    part(Outcome::None),
                ],
                href: None,
            }
        })
        .collect();
    let chart = stacked_bars_if_any(
        "آرای نامزدها",
        &["عضو اصلی", "علی‌البدل", "در انتظار قرعه", "سایر نامزدها"],
        &[chart::GREEN, chart::TEAL, chart::ORANGE, chart::GREY],
        &bars,
    );
    let candidates = result
        .candidates
        .iter()
        .map(|c| CandidateRow {
            code: c.code.clone(),
            code_fa: persian_digits(&c.code),
            name: c.name.clone(),
            votes: c.votes,
            votes_fa: number(c.votes),
            rank_fa: persian_number(i64::from(c.rank)),
            outcome: c.outcome.as_str(),
            outcome_fa: c.outcome.persian(),
        })
        .collect();
    let ties = result
        .ties
        .iter()
        .map(|t| TieRow {
            votes_fa: number(t.votes),
            candidates: t
                .candidates
                .iter()
                .map(|code| {
                    format!(
                        "{} ({})",
                        names.get(code.as_str()).copied().unwrap_or_default(),
                        persian_digits(code)
                    )
                })
                .collect::<Vec<_>>()
                .join("، "),
            how: t
                .broken_by
                .iter()
                .map(|b| b.persian())
                .collect::<Vec<_>>()
                .join("، سپس "),
            awaiting: t.awaiting_lottery,
        })
        .collect();
    let flagged = result.flagged().count();
    let total = result.stations_total();
    let stations = result
        .stations
        .iter()
        .map(|s| StationRow {
            code: s.code.clone(),
            code_fa: persian_digits(&s.code),
            name: s.name.clone(),
            standing: s.standing.as_str(),
            standing_fa: s.standing.persian(),
            ballots_fa: s.ballots.map(number).unwrap_or_default(),
            annulled: s.annulled.clone().unwrap_or_default(),
            findings: s
                .broken
                .iter()
                .map(|rule| FindingRow {
                    code: rule.code(),
                    error: rule.severity() == Severity::Error,
                    detail: rule.persian(),
                })
                .collect(),
        })
        .collect();
    let title = council_title(result.council.kind, &result.council.name);
    let reported = result.stations_reported();
    render(&CouncilPage {
        layout: visit.layout(format!("نتیجه {title}"), &here),
        code: result.council.code.clone(),
        status: result.status.as_str(),
        status_fa: result.status.persian(),
        seats_fa: format!(
            "{} عضو اصلی و {} علی‌البدل",
            persian_number(i64::from(result.council.main_seats)),
            persian_number(i64::from(result.council.alternate_seats))
        ),
        ballots_cast: result.ballots_cast,
        ballots_cast_fa: number(result.ballots_cast),
        reported,
        total,
        reported_fa: persian_number(reported as i64),
        total_fa: persian_number(total as i64),
        chart,
        candidates,
        ties,
        stations,
        flagged_fa: persian_number(flagged as i64),
        flagged,
        title,
        steps,
        changed: result.changed_since_approval,
        may,
        notice,
        error,
    })
}

/// Receipts listed a page at a time on a station's page.
const RECEIPTS_PER_PAGE: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct StationQuery {
    /// Digits of a receipt (Persian or ASCII, dashes or not).
    q: Option<String>,
    page: Option<u32>,
}

pub struct StationCouncilRow {
    pub code: String,
    pub title: String,
    pub ballots_fa: String,
    pub counted: bool,
    pub votes: Vec<StationVoteRow>,
}

pub struct StationVoteRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub votes: u64,
    pub votes_fa: String,
}

#[derive(Template)]
#[template(path = "results_station.html")]
struct StationPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    state_fa: &'static str,
    closed: bool,
    check_ins_fa: String,
    walkouts_fa: String,
    councils: Vec<StationCouncilRow>,
    q: String,
    receipts: Vec<String>,
    receipts_total_fa: String,
    found_fa: String,
    searched: bool,
    pager: Pager,
}

/// `GET /results/stations/{code}` (public): a station's count per council and the receipts of
/// the ballots in its box, searchable, so a voter finds theirs.
pub async fn station(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(query)): OnPage<Query<StationQuery>>,
) -> PageResult {
    let here = format!("/results/stations/{code}");
    let result = visit
        .app()
        .results()
        .station(&code)
        .await
        .map_err(|e| page_error(e, "/results"))?;
    let mut councils = Vec::new();
    for (council, tally) in &result.councils {
        let (found, candidates) = visit
            .app()
            .candidates()
            .on_ballot(council)
            .await
            .map_err(|e| page_error(e, &here))?;
        let names: std::collections::HashMap<&str, String> = candidates
            .iter()
            .map(|c| (c.code.as_str(), format!("{} {}", c.first_name, c.last_name)))
            .collect();
        councils.push(StationCouncilRow {
            code: council.clone(),
            title: council_title(found.kind, &found.name),
            ballots_fa: number(tally.ballots),
            counted: tally.votes.is_some(),
            votes: tally
                .votes
                .iter()
                .flatten()
                .map(|(code, votes)| StationVoteRow {
                    code: code.clone(),
                    code_fa: persian_digits(code),
                    name: names.get(code.as_str()).cloned().unwrap_or_default(),
                    votes: *votes,
                    votes_fa: number(*votes),
                })
                .collect(),
        });
    }
    let typed: String = query.q.unwrap_or_default().chars().take(40).collect();
    let digits: String = domain::text::ascii_digits(&typed)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let found: Vec<&String> = result
        .receipts
        .iter()
        .filter(|r| {
            digits.is_empty()
                || r.chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
                    .contains(&digits)
        })
        .collect();
    let page = store::Page {
        total: found.len() as i64,
        page: query
            .page
            .unwrap_or(1)
            .clamp(1, found.len().div_ceil(RECEIPTS_PER_PAGE).max(1) as u32),
        per_page: RECEIPTS_PER_PAGE as u32,
        items: Vec::<()>::new(),
    };
    let receipts = found
        .iter()
        .skip((page.page as usize - 1) * RECEIPTS_PER_PAGE)
        .take(RECEIPTS_PER_PAGE)
        .map(|r| persian_digits(r))
        .collect();
    let query_part = format!("q={}", urlencoding(&digits));
    render(&StationPage {
        layout: visit.layout(
            format!("نتیجه شعبه {}", persian_digits(&result.station.code)),
            &here,
        ),
        code: result.station.code.clone(),
        code_fa: persian_digits(&result.station.code),
        name: result.station.name.clone(),
        state_fa: result.state.persian(),
        closed: domain::tally::decryptable(result.state),
        check_ins_fa: result
            .voters
            .map(|v| number(v.check_ins))
            .unwrap_or_default(),
        walkouts_fa: result
            .voters
            .map(|v| number(v.walkouts))
            .unwrap_or_default(),
        councils,
        q: persian_digits(&typed),
        receipts,
        receipts_total_fa: number(result.receipts.len() as u64),
        found_fa: number(found.len() as u64),
        searched: !digits.is_empty(),
        pager: Pager::new(&page, |p| format!("{here}?{query_part}&page={p}")),
    })
}
