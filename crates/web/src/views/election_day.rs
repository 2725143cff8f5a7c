//! Election day in the browser: the station's console (its day and voter check-in), the
//! voting screens of the station's device, and the public turnout page. The use cases are
//! `app::election_day`, as for the API.

use crate::chart::{stacked_bars_if_any, Bar};
use crate::fmt::url_encode;
use crate::views::candidates::{hue, initials, photo_href};
use crate::views::{
    answer_form, page_error, render, Card, DoneQuery, Layout, PageResult, Refused, Visit,
};
use crate::views::{OnPage, SortLink};
use crate::{ApiError, AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use axum::Form;
use domain::access::Action;
use domain::ballot::Candidate;
use domain::calendar::jalali_datetime;
use domain::station_day::{DayAction, DayState, PauseReason, Presence, Walkout, WalkoutReason};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use std::collections::HashMap;

/// What the console shows after a check-in.
pub enum CheckInResult {
    Accepted {
        token: String,
        council_code: String,
        council_name: String,
    },
    Refused {
        code: &'static str,
        detail: String,
    },
}

#[derive(Template)]
#[template(path = "station_day.html")]
#[allow(clippy::struct_excessive_bools)] // the template's switches, one per action it offers
struct StationDayPage {
    layout: Layout,
    /// The station's e-voting devices, whose zero reports the opening shows.
    devices_fa: String,
    code: String,
    code_fa: String,
    name: String,
    state: &'static str,
    state_code: &'static str,
    opened_at: Option<String>,
    /// While paused: the reason and notes, since when, and how long it has lasted.
    pause: Option<String>,
    /// The pause form's reasons: code and Persian name.
    pause_reasons: Vec<(&'static str, &'static str)>,
    closes_at: String,
    closes_at_input: String,
    cards: Vec<Card>,
    operates: bool,
    accepts: bool,
    can_open: bool,
    can_pause: bool,
    can_resume: bool,
    can_extend: bool,
    /// The county's governor (or the HQ) may keep the station open past its own bounds.
    can_approve: bool,
    can_close: bool,
    /// The opening's minutes, once open.
    opening_record: Option<String>,
    /// After the close: where the count's minutes stand (Persian, and a code).
    count_minutes: Option<(String, &'static str)>,
    /// The opening form's posts.
    opening_posts: Vec<OpeningPost>,
    /// What closing will record, for the head to confirm.
    close_summary: String,
    /// Checked-in voters yet to vote, for the head to resolve a walk-out (staff only).
    pending: Vec<PendingRow>,
    walkout_reasons: Vec<(&'static str, &'static str)>,
    /// Whether the station has a governor's representative to countersign a walk-out.
    rep_assigned: bool,
    notice: Option<String>,
    error: Option<String>,
    result: Option<CheckInResult>,
    /// The station's open incidents, and the way to file one (issue 16).
    incidents: Vec<crate::views::incidents::IncidentRow>,
    incident_file_href: Option<String>,
    /// The station's kiosks in service (its staff only).
    kiosks: Vec<KioskRow>,
    /// Before the opening: where the station's equipment test stands (Persian, its code), for
    /// the staff to see why an opening would be refused (issue 16 §6).
    equipment: Option<(&'static str, &'static str)>,
}

/// A kiosk of the station as the console lists it.
pub struct KioskRow {
    pub id: String,
    pub number_fa: String,
    pub paired_at: String,
    /// Until when a voter's ballot is live on it, if one is.
    pub busy_until: Option<String>,
}

/// One of the opening's posts as the opening form offers it: only a post with a holder can be
/// ticked present.
pub struct OpeningPost {
    pub field: &'static str,
    pub label: &'static str,
    pub holder: Option<String>,
}

/// The opening's posts (head, governor's representative, inspector) and their holders.
fn opening_posts(staff: &[store::StaffAssignment]) -> Vec<OpeningPost> {
    use domain::staffing::Post;
    [
        ("head", Post::Head),
        ("governor_rep", Post::GovernorRep),
        ("inspector", Post::Inspector),
    ]
    .into_iter()
    .map(|(field, post)| OpeningPost {
        field,
        label: post.persian(),
        holder: holder_of(staff, post),
    })
    .collect()
}

fn holder_of(staff: &[store::StaffAssignment], post: domain::staffing::Post) -> Option<String> {
    staff
        .iter()
        .find(|s| s.post == post)
        .map(|s| format!("{} {}", s.first_name, s.last_name))
}

/// When the polls open (the election's `election_day` milestone), if the election has them.
async fn polls_open(visit: &Visit) -> app::Result<Option<time::OffsetDateTime>> {
    Ok(visit
        .app()
        .lookups()
        .election(visit.principal())
        .await?
        .as_ref()
        .and_then(store::election_day::polls)
        .map(|(open, _)| open))
}

/// The opening's record as the minutes say it (issue 20): when, who of the posts was present
/// (by name), who was absent, which posts were vacant, the empty box, the zero reports of the
/// station's `devices` e-voting devices, the voter forms received, and a late opening.
fn opening_record(
    day: &domain::station_day::StationDay,
    staff: &[store::StaffAssignment],
    devices: u32,
    polls_open: Option<time::OffsetDateTime>,
) -> Option<String> {
    use domain::staffing::Post;
    let opened_at = day.opened_at?;
    let mut text = format!("شعبه در {} گشوده شد.", jalali_datetime(opened_at));
    if let Some(delay) = polls_open.and_then(|open| day.opening_delay(opened_at, open)) {
        text.push_str(&format!(
            " تأخیر در گشایش: {} دقیقه.",
            persian_number(delay.whole_minutes())
        ));
    }
    if let Some(presence) = day.presence {
        let (mut present, mut absent, mut vacant) = (Vec::new(), Vec::new(), Vec::new());
        for (post, was) in [
            (Post::Head, presence.head),
            (Post::GovernorRep, presence.governor_rep),
            (Post::Inspector, presence.inspector),
        ] {
            match (holder_of(staff, post), was) {
                (Some(name), true) => present.push(format!("{} ({name})", post.persian())),
                (Some(name), false) => absent.push(format!("{} ({name})", post.persian())),
                (None, _) => vacant.push(format!("{}: پست خالی", post.persian())),
            }
        }
        if !present.is_empty() {
            text.push_str(&format!(" حاضران: {}.", present.join("، ")));
        }
        if !absent.is_empty() {
            text.push_str(&format!(" غایبان: {}.", absent.join("، ")));
        }
        if !vacant.is_empty() {
            text.push_str(&format!(" {}.", vacant.join("؛ ")));
        }
    }
    text.push_str(" صندوق خالی به حاضران نشان داده شد.");
    // A day opened before the forms were counted recorded neither them nor the zero reports.
    if let Some(forms) = day.forms_received {
        text.push_str(&format!(
            " گزارش صفر {} دستگاه رأی‌گیری الکترونیکی چاپ و به حاضران نشان داده شد. تعرفه‌های دریافتی: {} برگ.",
            persian_number(i64::from(devices)),
            persian_number(i64::from(forms))
        ));
    }
    Some(text)
}

/// A checked-in voter yet to vote, as the console lists them.
pub struct PendingRow {
    pub national_id: String,
    pub masked: String,
    pub checked_in_at: String,
}

/// What a close-out records: check-ins, ballots, walk-outs and those still to vote.
fn close_summary(counts: &store::StationCounts) -> String {
    format!(
        "احراز هویت‌شده: {} · رأی در صندوق: {} · خروج بدون رأی: {} · در انتظار رأی: {}",
        persian_number(counts.checkins),
        persian_number(counts.ballots),
        persian_number(counts.walkouts),
        persian_number(counts.outstanding),
    )
}

/// `/stations/{code}/day`: the station's day, its figures and (for its staff) the actions and
/// the check-in form.
pub async fn console(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    let notice = q.done.as_deref().map(|d| {
        match d {
            "open" => "شعبه گشوده شد.",
            "pause" => "رأی‌گیری متوقف شد.",
            "resume" => "رأی‌گیری از سر گرفته شد.",
            "extend" => "زمان رأی‌گیری تمدید شد.",
            "approve_extension" => "تمدید با تأیید فرماندار ثبت شد.",
            "close" => "رأی‌گیری پایان یافت و صندوق بسته شد؛ رأی‌ها و خروج‌های بدون رأی با احراز هویت‌ها برابر است.",
            "walkout" => "خروج بدون رأی ثبت شد؛ این شخص دیگر نمی‌تواند رأی دهد.",
            "kiosk_paired" => "دستگاه رأی‌گیری به شعبه جفت شد.",
            "kiosk_retired" => "دستگاه رأی‌گیری کنار گذاشته شد.",
            "activated" => "برگه رأی روی دستگاه فعال شد؛ رأی‌دهنده را به آن دستگاه راهنمایی کنید.",
            _ => "انجام شد.",
        }
        .to_owned()
    });
    console_page(&visit, &code, notice, None, None).await
}

pub(crate) async fn console_page(
    visit: &Visit,
    code: &str,
    notice: Option<String>,
    error: Option<String>,
    result: Option<CheckInResult>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    let app::election_day::Day {
        station,
        day,
        counts,
    } = visit
        .app()
        .election_day()
        .day(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let operates = app::allows(
        visit.principal(),
        Action::OperateStation {
            station: &station.code,
        },
    );
    let now = visit.state.now();
    let live = matches!(day.state, DayState::Open | DayState::Paused);
    let county_code = station.county_code.clone();
    let (_, staff) = visit
        .app()
        .staffing()
        .station_staff(visit.principal(), &station.code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let pending = if operates && live {
        visit
            .app()
            .election_day()
            .pending(visit.principal(), &station.code)
            .await
            .map_err(|e| page_error(e, &here))?
    } else {
        Vec::new()
    };
    let rep_assigned = staff
        .iter()
        .any(|s| s.post == domain::staffing::Post::GovernorRep);
    let polls_open = polls_open(visit).await.map_err(|e| page_error(e, &here))?;
    let opening_record =
        opening_record(&day, &staff, station.facilities.evoting_devices, polls_open);
    let opening_posts = opening_posts(&staff);
    let (incidents, incident_file_href) =
        crate::views::incidents::console_section(visit, &county_code, &station.code)
            .await
            .map_err(|e| page_error(e, &here))?;
    // Read only before the opening: on the day itself the console stays as light as it was.
    let equipment = if day.state == DayState::NotOpened {
        let standing = visit
            .app()
            .equipment()
            .station(visit.principal(), &station.code)
            .await
            .map_err(|e| page_error(e, &here))?
            .standing;
        Some((standing.persian(), standing.as_str()))
    } else {
        None
    };
    let kiosks = if operates {
        visit
            .app()
            .kiosks()
            .of_station(visit.principal(), &station.code)
            .await
            .map_err(|e| page_error(e, &here))?
            .into_iter()
            .map(|k| KioskRow {
                number_fa: persian_number(i64::from(
                    k.kiosk.paired.as_ref().map_or(0, |p| p.number),
                )),
                paired_at: k
                    .kiosk
                    .paired
                    .as_ref()
                    .map(|p| jalali_datetime(p.at))
                    .unwrap_or_default(),
                busy_until: k.live.map(|a| domain::calendar::tehran_time(a.expires_at)),
                id: k.kiosk.kiosk_id,
            })
            .collect()
    } else {
        Vec::new()
    };
    // Once the box is closed: where its count and its minutes stand (issue 18 §2).
    let count_minutes = if domain::tally::decryptable(day.state) {
        let file = visit
            .app()
            .minutes()
            .file(&station.code)
            .await
            .map_err(|e| page_error(e, &here))?;
        Some(match file.state() {
            None => (
                "صورتجلسه شمارش هنوز تنظیم نشده است (پس از رمزگشایی آرا به دست امینان تنظیم می‌شود)."
                    .to_owned(),
                "not_drawn",
            ),
            Some(state) if state.fully_signed() => (
                "صورتجلسه شمارش امضا شده و شعبه در نتایج گزارش شده است.".to_owned(),
                "signed",
            ),
            Some(state) => (
                format!(
                    "صورتجلسه شمارش در انتظار امضای {} است.",
                    state
                        .missing
                        .iter()
                        .map(|p| p.persian())
                        .collect::<Vec<_>>()
                        .join("، ")
                ),
                "awaiting",
            ),
        })
    } else {
        None
    };
    render(&StationDayPage {
        count_minutes,
        kiosks,
        equipment,
        layout: visit.layout(format!("روز رأی‌گیری {}", station.name), &here),
        code_fa: persian_digits(&station.code),
        code: station.code,
        name: station.name,
        state: day.state.persian(),
        state_code: day.state.as_str(),
        opened_at: day.opened_at.map(jalali_datetime),
        pause: day
            .pause
            .as_ref()
            .filter(|_| day.state == DayState::Paused)
            .map(|p| {
                format!(
                    "{} · از {} · {}",
                    p.persian(),
                    jalali_datetime(p.since),
                    domain::registration::countdown(p.since, now.max(p.since))
                )
            }),
        pause_reasons: PauseReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.persian()))
            .collect(),
        closes_at: jalali_datetime(day.closes_at),
        closes_at_input: jalali_datetime(day.closes_at + time::Duration::hours(1)),
        cards: vec![
            Card::new(counts.checkins, "احراز هویت‌شده"),
            Card::new(counts.ballots, "رأی در صندوق"),
            Card::new(counts.walkouts, "خروج بدون رأی"),
            Card::new(counts.outstanding, "در انتظار رأی"),
        ],
        close_summary: close_summary(&counts),
        opening_record,
        opening_posts,
        devices_fa: persian_number(i64::from(station.facilities.evoting_devices)),
        pending: pending
            .into_iter()
            .map(|p| PendingRow {
                masked: persian_digits(&domain::ids::masked_national_id(&p.national_id)),
                national_id: p.national_id,
                checked_in_at: domain::calendar::tehran_time(p.checked_in_at),
            })
            .collect(),
        walkout_reasons: WalkoutReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.persian()))
            .collect(),
        rep_assigned,
        accepts: day.accepts_voters(now),
        can_open: operates && day.state == DayState::NotOpened,
        can_pause: operates && day.state == DayState::Open,
        can_resume: operates && day.state == DayState::Paused,
        can_extend: operates && live,
        can_approve: live
            && app::allows(
                visit.principal(),
                Action::ApproveExtension {
                    county: &county_code,
                },
            ),
        can_close: operates && live,
        operates,
        notice,
        error,
        result,
        incidents,
        incident_file_href,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    head: Option<String>,
    governor_rep: Option<String>,
    inspector: Option<String>,
    empty_box_shown: Option<String>,
    zero_reports_shown: Option<String>,
    /// The voter forms received, as typed (Persian or Latin digits).
    forms_received: Option<String>,
    reason: Option<String>,
    /// A pause's notes.
    notes: Option<String>,
    until: Option<String>,
    /// The head confirmed the close-out counts.
    confirm_counts: Option<String>,
}

/// The console's action buttons: open, pause, resume, extend, close; and the governor's
/// approval of a longer day. A refusal shows its Persian reason on the console.
pub async fn act(
    visit: Visit,
    OnPage(Path((code, action))): OnPage<Path<(String, String)>>,
    OnPage(Form(form)): OnPage<Form<ActionForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    // Who may act is asked before the form is read (the console shows a bad form's reason):
    // the station's staff, or for a longer extension the county's governor (asked by the use
    // case, which finds the station's county).
    if action != "approve_extension" {
        app::authorize(visit.principal(), Action::OperateStation { station: &code })
            .map_err(|e| page_error(e, &here))?;
    }
    let action = match action.as_str() {
        "open" => DayAction::open(
            Presence {
                head: form.head.is_some(),
                governor_rep: form.governor_rep.is_some(),
                inspector: form.inspector.is_some(),
            },
            domain::station_day::Shown {
                empty_box: form.empty_box_shown.is_some(),
                zero_reports: form.zero_reports_shown.is_some(),
            },
            // What is not a count is refused by the rules with their Persian reason.
            form.forms_received
                .as_deref()
                .and_then(|typed| domain::text::ascii_digits(typed.trim()).parse().ok()),
        ),
        "pause" => DayAction::pause(
            form.reason.as_deref().unwrap_or_default(),
            form.notes.as_deref().unwrap_or_default(),
        ),
        "resume" => DayAction::Resume,
        "extend" => {
            match domain::calendar::parse_instant(form.until.as_deref().unwrap_or_default()) {
                Ok(until) => DayAction::extend(until),
                Err(e) => return console_page(&visit, &code, None, Some(e.persian()), None).await,
            }
        }
        "approve_extension" => {
            match domain::calendar::parse_instant(form.until.as_deref().unwrap_or_default()) {
                Ok(until) => DayAction::ApproveExtension {
                    until,
                    reason: domain::text::normalize_name(
                        form.reason.as_deref().unwrap_or_default(),
                    ),
                },
                Err(e) => return console_page(&visit, &code, None, Some(e.persian()), None).await,
            }
        }
        "close" if form.confirm_counts.is_none() => {
            let error = "پیش از بستن صندوق، شمار احراز هویت‌ها، رأی‌ها و خروج‌های بدون رأی را بررسی و تأیید کنید.";
            return console_page(&visit, &code, None, Some(error.to_owned()), None).await;
        }
        "close" => DayAction::Close,
        _ => return Err(ApiError::not_found(store::Entity::Page).into()),
    };
    let name = match &action {
        DayAction::Open { .. } => "open",
        DayAction::Pause { .. } => "pause",
        DayAction::Resume => "resume",
        DayAction::Extend { .. } => "extend",
        DayAction::ApproveExtension { .. } => "approve_extension",
        DayAction::Close => "close",
    };
    let day = visit.app().election_day();
    let outcome = day.act(visit.principal(), &code, &action).await;
    let done = |_| format!("{here}?done={name}");
    let again = |refused: Refused| console_page(&visit, &code, None, Some(refused.reason), None);
    answer_form(outcome, &here, shown_on_console, done, again).await
}

/// The console shows why an action failed, but for a principal it does not let through.
fn shown_on_console(error: &app::Error) -> bool {
    !matches!(error, app::Error::Unauthenticated | app::Error::Forbidden)
}

#[derive(Debug, Deserialize)]
pub struct WalkoutForm {
    national_id: String,
    reason: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    countersigned_by: String,
}

/// The console's «خروج بدون رأی» form for a pending voter: the reason from the list and the
/// governor's representative's national id; a refusal shows on the console.
pub async fn walkout(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<WalkoutForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    app::authorize(visit.principal(), Action::OperateStation { station: &code })
        .map_err(|e| page_error(e, &here))?;
    let Some(reason) = WalkoutReason::parse(&form.reason) else {
        let error = "علت خروج را از فهرست انتخاب کنید.".to_owned();
        return console_page(&visit, &code, None, Some(error), None).await;
    };
    let parsed = domain::ids::NationalId::parse(&form.national_id).and_then(|national_id| {
        let countersigned_by = Some(form.countersigned_by.trim())
            .filter(|id| !id.is_empty())
            .map(domain::ids::NationalId::parse)
            .transpose()?;
        Ok(Walkout {
            national_id,
            reason,
            notes: form.notes,
            countersigned_by,
        })
    });
    let walkout = match parsed {
        Ok(w) => w,
        Err(e) => return console_page(&visit, &code, None, Some(e.persian()), None).await,
    };
    let outcome = visit
        .app()
        .election_day()
        .walkout(visit.principal(), &code, &walkout)
        .await;
    let done = |_| format!("{here}?done=walkout");
    let again = |refused: Refused| console_page(&visit, &code, None, Some(refused.reason), None);
    answer_form(outcome, &here, shown_on_console, done, again).await
}

#[derive(Debug, Deserialize)]
pub struct CheckInForm {
    national_id: String,
}

/// The console's check-in form: the result shows on the console, with the way to the voting
/// screen when the voter is checked in.
pub async fn check_in(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<CheckInForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    let refused = |e: app::Error| {
        let (_, code, _, detail) = ApiError::from(e).parts();
        CheckInResult::Refused { code, detail }
    };
    let result = match visit
        .app()
        .election_day()
        .check_in(visit.principal(), &code, &form.national_id)
        .await
    {
        Ok(app::election_day::CheckedIn {
            ballot_token,
            council,
        }) => {
            // The voter is checked in: whatever happens now, the desk must see the token.
            let council_name = match visit.app().lookups().council(&council).await {
                Ok(found) => found.name,
                Err(e) => {
                    tracing::warn!(council, error = %e, "council name not read after a check-in");
                    council.clone()
                }
            };
            CheckInResult::Accepted {
                token: ballot_token,
                council_code: council,
                council_name,
            }
        }
        Err(e @ (app::Error::Unauthenticated | app::Error::Forbidden)) => {
            return Err(page_error(e, &here))
        }
        Err(e @ app::Error::Store(_)) => return Err(e.into()),
        Err(e) => refused(e),
    };
    console_page(&visit, &code, None, None, Some(result)).await
}

pub struct CandidateCard {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub initials: String,
    pub details: String,
    pub checked: bool,
    pub hue: u32,
    /// The photo filed with the candidate's registration, if any (else the initials show).
    pub photo: Option<String>,
}

fn cards(candidates: &[Candidate], picked: &[String]) -> Vec<CandidateCard> {
    candidates
        .iter()
        .map(|c| CandidateCard {
            code: c.code.clone(),
            code_fa: persian_digits(&c.code),
            name: format!("{} {}", c.first_name, c.last_name),
            initials: initials(c),
            details: [
                c.education
                    .map(domain::person::Education::persian)
                    .unwrap_or_default(),
                c.occupation.as_str(),
            ]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
            checked: picked.contains(&c.code),
            hue: hue(&c.code),
            photo: None,
        })
        .collect()
}

/// The cards with the candidates' photos, where their registrations filed one.
async fn with_photos(
    state: &AppState,
    mut cards: Vec<CandidateCard>,
) -> Result<Vec<CandidateCard>, ApiError> {
    for card in &mut cards {
        card.photo = photo_href(state, &card.code).await?;
    }
    Ok(cards)
}

#[derive(Template)]
#[template(path = "ballot.html")]
struct BallotPage {
    layout: Layout,
    mode: VotingMode,
    token: String,
    council: String,
    seats: u32,
    seats_fa: String,
    candidates: Vec<CandidateCard>,
    typed: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "ballot_review.html")]
struct ReviewPage {
    layout: Layout,
    mode: VotingMode,
    token: String,
    council: String,
    chosen: Vec<CandidateCard>,
    chosen_fa: String,
    choices: String,
    seats_fa: String,
}

/// A challenged ballot's opening, for the voter (and an observer's tool) to check.
#[derive(Template)]
#[template(path = "ballot_challenge.html")]
struct ChallengePage {
    layout: Layout,
    token: String,
    council: String,
    chosen: Vec<CandidateCard>,
    tracking_code: String,
    /// Each ciphertext's randomness (base64), in the ballot's candidate order.
    randomness: Vec<String>,
    /// The encrypted ballot as kept (JSON), to check the randomness against.
    ballot: String,
}

/// A test ballot cast on the kiosk (issue 17 §6).
#[derive(Template)]
#[template(path = "test_ballot_cast.html")]
struct TestCastPage {
    layout: Layout,
    banner: String,
    council_fa: String,
    cast_fa: String,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    layout: Layout,
    receipt: String,
    /// The code in Persian digits, as the voter copies it.
    receipt_fa: String,
    /// The ballot's tracking code (hex) as the election record publishes it.
    tracking_code: String,
    station_fa: String,
}

/// Whether the kiosk's voting screens show an equipment test's ballot (issue 17 §6): the same
/// screens, marked as a test on every page.
pub struct VotingMode {
    /// The test's banner; none for a real ballot.
    pub test: Option<String>,
}

impl VotingMode {
    fn of(form: &VoteForm) -> Self {
        Self {
            test: form.test.then(|| {
                "آزمون تجهیزات: این برگه رأی نیست، به صندوق نمی‌رود و در مشارکت و شمارش آرا نمی‌آید."
                    .to_owned()
            }),
        }
    }
}

/// The voting screens are a paired kiosk's, and show the ballot live on it: the one its
/// station's console activated, while its screen names that activation, the voter has not
/// cast and it has not expired (issue 17 §1). Anything else — a screen sent again by back or
/// resubmit, an expired or cast ballot — goes back to the kiosk's waiting screen; a caller
/// that is not a kiosk is refused. The ballot's council is the activation's, never the form's.
async fn device(visit: &Visit, form: &mut VoteForm) -> Result<Option<Response>, PageError> {
    match visit
        .app()
        .election_day()
        .open_ballot(visit.principal(), &form.activation)
        .await
    {
        Ok(Some(live)) => {
            form.council = live.council;
            form.test = live.test_run.is_some();
            Ok(None)
        }
        Ok(None) => Ok(Some(crate::views::redirect(KIOSK_HOME))),
        Err(e) => Err(page_error(e, KIOSK_HOME)),
    }
}

/// The kiosk's waiting screen.
pub(crate) const KIOSK_HOME: &str = "/kiosk";

/// A kiosk's voting screen: the kiosk's frame, back to its waiting screen (the choices on it
/// forgotten) when left alone.
fn kiosk_screen(visit: &Visit, title: &str) -> Layout {
    visit
        .layout(title, "/vote")
        .kiosk()
        .refresh(domain::kiosk::SCREEN_TIMEOUT_SECONDS, Some(KIOSK_HOME))
}

/// The ballot's council and candidates, from the token's station: the store knows the token by
/// its hash only, so the device asks for the council the check-in named.
async fn ballot_context(
    state: &AppState,
    council: &str,
) -> Result<(domain::election::Council, Vec<Candidate>), PageError> {
    Ok(state.app.candidates().on_ballot(council).await?)
}

/// The voting form: the token, the council, the boxes ticked and the codes typed.
#[derive(Debug, Deserialize)]
pub struct VoteForm {
    /// The kiosk's activation its screens show; none on the equipment test's screens.
    #[serde(default)]
    pub(crate) activation: String,
    pub(crate) council: String,
    #[serde(default)]
    typed: String,
    /// On the review screen: the choices carried over, comma-separated.
    #[serde(default)]
    choices: String,
    #[serde(flatten)]
    ticked: HashMap<String, String>,
    /// Whether the ballot live on the kiosk is an equipment test's (from the activation,
    /// never the form).
    #[serde(skip)]
    pub(crate) test: bool,
}

impl VoteForm {
    /// Ticked boxes (`c_<code>`), typed codes and carried-over choices, in that order, each once.
    pub(crate) fn picked(&self) -> Vec<String> {
        let mut ticked: Vec<String> = self
            .ticked
            .keys()
            .filter_map(|k| k.strip_prefix("c_"))
            .map(str::to_owned)
            .collect();
        ticked.sort();
        let typed = domain::text::ascii_digits(&self.typed);
        let mut out: Vec<String> = Vec::new();
        for code in ticked.into_iter().chain(
            typed
                .split(|c: char| !c.is_ascii_digit())
                .chain(self.choices.split(','))
                .map(str::to_owned),
        ) {
            if !code.is_empty() && !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }
}

/// The ballot live on the kiosk, as its screen first shows it (`GET /kiosk`).
pub(crate) async fn kiosk_ballot(visit: &Visit, live: app::kiosks::LiveBallot) -> PageResult {
    let form = VoteForm {
        activation: live.activation,
        council: live.council,
        typed: String::new(),
        choices: String::new(),
        ticked: HashMap::new(),
        test: live.test_run.is_some(),
    };
    ballot_page(visit, &form, &[], None).await
}

/// `POST /vote`: the ballot for the checked-in voter's council.
pub async fn ballot(visit: Visit, OnPage(Form(mut form)): OnPage<Form<VoteForm>>) -> PageResult {
    if let Some(away) = device(&visit, &mut form).await? {
        return Ok(away);
    }
    let picked = form.picked();
    ballot_page(&visit, &form, &picked, None).await
}

/// The ballot screen of `form`'s council with `picked` ticked, and the reason a choice was
/// refused, in `mode`.
pub(crate) async fn ballot_page(
    visit: &Visit,
    form: &VoteForm,
    picked: &[String],
    error: Option<String>,
) -> PageResult {
    let mode = VotingMode::of(form);
    let (council, candidates) = ballot_context(&visit.state, &form.council).await?;
    let title = if mode.test.is_some() {
        "برگه رأی آزمایشی"
    } else {
        "برگه رأی"
    };
    render(&BallotPage {
        layout: kiosk_screen(visit, title),
        mode,
        token: form.activation.clone(),
        council: council.code.clone(),
        seats: council.main_seats,
        seats_fa: persian_number(i64::from(council.main_seats)),
        candidates: with_photos(&visit.state, cards(&candidates, picked)).await?,
        typed: String::new(),
        error: error.map(|e| format!("{e} ({})", council.name)),
    })
}

/// `POST /vote/review`: the confirm screen, or the ballot again with the reason when the
/// choices break a rule.
pub async fn review(visit: Visit, OnPage(Form(mut form)): OnPage<Form<VoteForm>>) -> PageResult {
    if let Some(away) = device(&visit, &mut form).await? {
        return Ok(away);
    }
    review_page(&visit, &form).await
}

/// The confirm screen of `form`'s choices in `mode`, or the ballot again with the reason
/// when they break a rule.
async fn review_page(visit: &Visit, form: &VoteForm) -> PageResult {
    let mode = VotingMode::of(form);
    let picked = form.picked();
    let (council, candidates) = ballot_context(&visit.state, &form.council).await?;
    let approved: Vec<&str> = candidates.iter().map(|c| c.code.as_str()).collect();
    match domain::ballot::check_ballot(&picked, &approved, council.main_seats) {
        Err(refusal) => {
            let keep: Vec<String> = picked
                .into_iter()
                .filter(|c| approved.contains(&c.as_str()))
                .collect();
            ballot_page(visit, form, &keep, Some(refusal.persian())).await
        }
        Ok(choices) => {
            let chosen = with_photos(
                &visit.state,
                cards(&candidates, &choices)
                    .into_iter()
                    .filter(|c| c.checked)
                    .collect(),
            )
            .await?;
            render(&ReviewPage {
                layout: kiosk_screen(visit, "تأیید رأی"),
                mode,
                token: form.activation.clone(),
                council: council.code,
                chosen_fa: persian_number(i64::try_from(chosen.len()).unwrap_or(i64::MAX)),
                chosen,
                choices: choices.join(","),
                seats_fa: persian_number(i64::from(council.main_seats)),
            })
        }
    }
}

/// `POST /vote/challenge`: the voter challenges the ballot shown instead of casting it: its
/// encryption is opened on screen and kept, never counted, and the voter votes again.
pub async fn challenge(visit: Visit, OnPage(Form(mut form)): OnPage<Form<VoteForm>>) -> PageResult {
    if let Some(away) = device(&visit, &mut form).await? {
        return Ok(away);
    }
    match visit
        .app()
        .election_day()
        .challenge(visit.principal(), &form.activation, form.picked())
        .await
    {
        Ok(done) => {
            let (_, candidates) = ballot_context(&visit.state, &done.council).await?;
            let chosen = cards(&candidates, &done.chosen)
                .into_iter()
                .filter(|c| c.checked)
                .collect();
            render(&ChallengePage {
                layout: kiosk_screen(&visit, "بازبینی رمزنگاری برگه"),
                token: form.activation.clone(),
                council: done.council,
                chosen,
                tracking_code: done.tracking_code,
                randomness: done.randomness,
                ballot: done.ballot,
            })
        }
        Err(app::Error::BallotRefused(r)) => {
            ballot_page(&visit, &form, &[], Some(r.persian())).await
        }
        Err(e) => Err(page_error(e, KIOSK_HOME)),
    }
}

/// `POST /vote/cast`: puts the confirmed ballot in the box and shows the receipt.
pub async fn cast(visit: Visit, OnPage(Form(mut form)): OnPage<Form<VoteForm>>) -> PageResult {
    if let Some(away) = device(&visit, &mut form).await? {
        return Ok(away);
    }
    match visit
        .app()
        .election_day()
        .cast(visit.principal(), &form.activation, form.picked())
        .await
    {
        Ok(app::election_day::Casting::Test { council, run, .. }) => render(&TestCastPage {
            layout: visit
                .layout("برگه آزمایشی", "/vote")
                .kiosk()
                .refresh(domain::kiosk::RECEIPT_SECONDS, Some(KIOSK_HOME)),
            banner: VotingMode::of(&form).test.unwrap_or_default(),
            council_fa: persian_digits(&council),
            cast_fa: persian_number(i64::try_from(run.progress().1).unwrap_or(i64::MAX)),
        }),
        Err(app::Error::Store(store::StoreError::Refused(store::Refusal::Equipment(r))))
            if r.is_invalid_input() =>
        {
            ballot_page(&visit, &form, &[], Some(r.persian())).await
        }
        Ok(app::election_day::Casting::Ballot(app::election_day::Cast {
            receipt,
            tracking_code,
            station,
        })) => render(&ReceiptPage {
            station_fa: persian_digits(&station),
            // The receipt stays a minute, then the kiosk clears itself for the next voter.
            layout: visit
                .layout("رسید رأی", "/vote")
                .kiosk()
                .refresh(domain::kiosk::RECEIPT_SECONDS, Some(KIOSK_HOME)),
            receipt_fa: persian_digits(&receipt),
            receipt,
            tracking_code,
        }),
        Err(app::Error::BallotRefused(r)) => {
            ballot_page(&visit, &form, &[], Some(r.persian())).await
        }
        Err(e) => Err(page_error(e, KIOSK_HOME)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReceiptQuery {
    #[serde(default)]
    code: String,
}

/// What the receipt lookup found.
pub enum ReceiptFound {
    /// The ballot is in the box of this station (its code in Persian digits).
    Counted { station: String },
    /// No ballot in any box has this receipt.
    Unknown,
}

#[derive(Template)]
#[template(path = "receipt_lookup.html")]
struct ReceiptLookupPage {
    layout: Layout,
    code: String,
    found: Option<ReceiptFound>,
    error: Option<String>,
}

/// `GET /receipts?code=…` (public): a voter finds the ballot of their receipt among those in
/// the box — the station it is in, never how it was marked.
pub async fn receipt_lookup(
    visit: Visit,
    OnPage(Query(q)): OnPage<Query<ReceiptQuery>>,
) -> PageResult {
    let typed = q.code.trim().chars().take(100).collect::<String>();
    let (found, error) = if typed.is_empty() {
        (None, None)
    } else {
        match visit.app().election_day().receipt(&typed).await {
            Ok((_, Some(station))) => (
                Some(ReceiptFound::Counted {
                    station: persian_digits(&station),
                }),
                None,
            ),
            Ok((_, None)) => (Some(ReceiptFound::Unknown), None),
            Err(e @ app::Error::Domain(_)) => (None, Some(ApiError::from(e).parts().3)),
            Err(e) => return Err(page_error(e, "/receipts")),
        }
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    crate::views::render_status(
        status,
        &ReceiptLookupPage {
            layout: visit.layout("پیگیری رسید رأی", "/receipts"),
            code: typed,
            found,
            error,
        },
    )
}

pub struct AreaRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub href: Option<String>,
    pub eligible: String,
    pub checked_in: String,
    pub percent: String,
}

/// What `/turnout` refreshes in place: the figures, the hourly chart and the areas' table.
#[derive(Template)]
#[template(path = "turnout_live.html")]
struct TurnoutLive {
    cards: Vec<Card>,
    percent: String,
    chart: String,
    area_label: &'static str,
    headers: Vec<SortLink>,
    areas: Vec<AreaRow>,
    updated: String,
}

#[derive(Template)]
#[template(path = "turnout.html")]
struct TurnoutPage {
    layout: Layout,
    scope: String,
    up: Option<(String, String)>,
    area_label: &'static str,
    county: Option<String>,
    council: Option<String>,
    text: String,
    sort: String,
    refresh_seconds: u64,
    refresh_fa: String,
    live: String,
}

/// A share as a Persian percentage with one decimal («۴۲٫۵٪»), and its raw per-mille.
pub(crate) fn percent(part: i64, whole: i64) -> (String, i64) {
    if whole <= 0 {
        return ("—".into(), 0);
    }
    let permille = part * 1000 / whole;
    (
        persian_digits(&format!("{}٫{}٪", permille / 10, permille % 10)),
        permille,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct TurnoutQuery {
    county: Option<String>,
    council: Option<String>,
    /// Words of an area's code or name.
    q: Option<String>,
    /// A column (`app::election_day::AreaSort`), `-` before it for descending.
    sort: Option<String>,
}

impl TurnoutQuery {
    /// A council's page is the council's alone: its county is the way back up.
    fn council(&self) -> Option<&str> {
        self.council.as_deref().filter(|c| !c.is_empty())
    }

    fn county(&self) -> Option<&str> {
        self.county
            .as_deref()
            .filter(|c| !c.is_empty() && self.council().is_none())
    }

    fn text(&self) -> String {
        self.q.as_deref().map_or("", str::trim).to_owned()
    }

    /// `/turnout` with these areas and words, sorted by `sort`.
    fn link(&self, sort: &str) -> String {
        format!(
            "/turnout?county={}&council={}&q={}&sort={}",
            url_encode(self.county().unwrap_or("")),
            url_encode(self.council().unwrap_or("")),
            url_encode(&self.text()),
            url_encode(sort)
        )
    }
}

/// The turnout of the area `q` names, its title, the way up, and the live part drawn.
async fn turnout_live(
    visit: &Visit,
    q: &TurnoutQuery,
) -> Result<(String, Option<(String, String)>, &'static str, String), PageError> {
    let turnout = visit
        .app()
        .election_day()
        .turnout(q.county(), q.council())
        .await?;
    let (county, council) = (&turnout.county, &turnout.council);
    let (scope, up, area_label) = match (council, county) {
        (Some(c), _) => (
            domain::election::council_title(c.kind, &c.name),
            Some((
                format!("/turnout?county={}", url_encode(&c.county_code)),
                "شهرستان".to_owned(),
            )),
            "شعبه",
        ),
        (None, Some(k)) => (
            format!("شهرستان {}", k.name),
            Some(("/turnout".to_owned(), "استان".to_owned())),
            "شورا",
        ),
        (None, None) => ("استان کرمان".to_owned(), None, "شهرستان"),
    };
    let (sort, descending) =
        app::election_day::AreaSort::parse(q.sort.as_deref().unwrap_or_default());
    let areas = turnout
        .areas(&q.text(), sort, descending)
        .into_iter()
        .map(|a| AreaRow {
            code: a.code.clone(),
            code_fa: persian_digits(&a.code),
            name: a.name.clone(),
            href: match (council, county) {
                (Some(_), _) => None,
                (None, Some(_)) => Some(format!("/turnout?council={}", url_encode(&a.code))),
                (None, None) => Some(format!("/turnout?county={}", url_encode(&a.code))),
            },
            eligible: a.eligible.map_or("—".into(), persian_number),
            checked_in: persian_number(a.checked_in),
            percent: a
                .eligible
                .map_or_else(|| "—".into(), |e| percent(a.checked_in, e).0),
        })
        .collect();
    use app::election_day::AreaSort;
    let headers = SortLink::headers(
        vec![
            (AreaSort::Code, "کد", false),
            (AreaSort::Name, area_label, false),
            (AreaSort::Eligible, "واجدان شرایط", true),
            (AreaSort::CheckedIn, "رأی‌دهندگان", true),
            (AreaSort::Percent, "مشارکت", true),
        ],
        AreaSort::as_str,
        sort,
        descending,
        |next| q.link(next),
    );
    let t = &turnout.figures;
    let bars: Vec<Bar> = t
        .hourly
        .iter()
        .map(|h| Bar {
            label: persian_digits(&format!(
                "{:02}:۰۰",
                h.hour.to_offset(domain::calendar::TEHRAN).hour()
            )),
            values: vec![h.checked_in],
            href: None,
        })
        .collect();
    let chart = stacked_bars_if_any(
        "احراز هویت در هر ساعت",
        &["احراز هویت"],
        &["#2f6f4f"],
        &bars,
    );
    let live = TurnoutLive {
        cards: vec![
            Card::new(t.eligible, "واجدان شرایط"),
            Card::new(t.checked_in, "رأی‌دهندگان"),
        ],
        percent: percent(t.checked_in, t.eligible).0,
        chart,
        area_label,
        headers,
        areas,
        updated: jalali_datetime(visit.state.now()),
    }
    .render()
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((scope, up, area_label, live))
}

/// `/turnout`: public live turnout, drilling down from the province to a council's stations;
/// its figures and table refresh in place (`/turnout/live`), keeping the words and the order
/// the reader chose.
pub async fn turnout(visit: Visit, OnPage(Query(q)): OnPage<Query<TurnoutQuery>>) -> PageResult {
    let (scope, up, area_label, live) = turnout_live(&visit, &q).await?;
    let refresh_seconds = visit.state.config.live_refresh.as_secs().max(1);
    render(&TurnoutPage {
        layout: visit.layout("مشارکت", "/turnout"),
        scope,
        up,
        area_label,
        county: q.county().map(str::to_owned),
        council: q.council().map(str::to_owned),
        // What was typed, shown as the page writes digits (the search reads either).
        text: domain::text::echo(&q.text()),
        sort: q.sort.clone().unwrap_or_default(),
        refresh_seconds,
        refresh_fa: persian_number(i64::try_from(refresh_seconds).unwrap_or(i64::MAX)),
        live,
    })
}

/// A signature line of the station's minutes: the post, its holder (or vacant).
pub struct SignatureLine {
    pub post: &'static str,
    pub holder: Option<String>,
}

/// A walk-out as the minutes list it.
pub struct WalkoutLine {
    pub number: String,
    pub at: String,
    pub masked: String,
    pub reason: &'static str,
    pub notes: String,
    pub countersign: String,
}

#[derive(Template)]
#[template(path = "station_minutes.html")]
struct StationMinutesPage {
    layout: Layout,
    letterhead: crate::views::Letterhead,
    code: String,
    code_fa: String,
    name: String,
    council: String,
    state: &'static str,
    closed: bool,
    opening_record: Option<String>,
    closes_at: String,
    closed_at: Option<String>,
    checkins: String,
    ballots: String,
    walkouts: String,
    outstanding: String,
    walkout_lines: Vec<WalkoutLine>,
    signatures: Vec<SignatureLine>,
}

/// `/stations/{code}/minutes`: the station's minutes of the day (صورتجلسه رأی‌گیری و بستن
/// صندوق), to print and sign: the opening, the hours, the counts and the walk-outs, and a
/// signature line for every post.
pub async fn minutes(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/stations/{code}/minutes");
    let fail = |e| page_error(e, &here);
    let (day, walkouts) = visit
        .app()
        .election_day()
        .minutes(visit.principal(), &code)
        .await
        .map_err(fail)?;
    let app::election_day::Day {
        station,
        day,
        counts,
    } = day;
    let (_, staff) = visit
        .app()
        .staffing()
        .station_staff(visit.principal(), &station.code)
        .await
        .map_err(fail)?;
    let polls_open = polls_open(&visit).await.map_err(fail)?;
    let rep = staff
        .iter()
        .find(|s| s.post == domain::staffing::Post::GovernorRep);
    let council = visit
        .app()
        .lookups()
        .council(&station.council_code)
        .await
        .map_err(fail)?
        .name;
    let letterhead = crate::views::Letterhead::for_county(&visit, &station.county_code)
        .await
        .map_err(fail)?;
    let walkout_lines = walkouts
        .iter()
        .enumerate()
        .map(|(i, w)| WalkoutLine {
            number: persian_number(i as i64 + 1),
            at: domain::calendar::tehran_time(w.at),
            masked: persian_digits(&domain::ids::masked_national_id(&w.national_id)),
            reason: w.reason.persian(),
            notes: w.notes.clone(),
            countersign: match (&w.countersigned_by, rep) {
                (Some(by), Some(r)) if *by == r.national_id => {
                    format!("{} {}", r.first_name, r.last_name)
                }
                (Some(by), _) => persian_digits(&domain::ids::masked_national_id(by)),
                (None, _) => "پست نماینده فرماندار خالی بود".to_owned(),
            },
        })
        .collect();
    render(&StationMinutesPage {
        layout: visit.layout(format!("صورتجلسه شعبه {}", station.name), &here),
        letterhead,
        code_fa: persian_digits(&station.code),
        code: station.code,
        name: station.name,
        council,
        state: day.state.persian(),
        closed: day.state == DayState::Closed,
        opening_record: opening_record(
            &day,
            &staff,
            station.facilities.evoting_devices,
            polls_open,
        ),
        closes_at: jalali_datetime(day.closes_at),
        closed_at: day.closed_at.map(jalali_datetime),
        checkins: persian_number(counts.checkins),
        ballots: persian_number(counts.ballots),
        walkouts: persian_number(counts.walkouts),
        outstanding: persian_number(counts.outstanding),
        walkout_lines,
        signatures: domain::staffing::Post::ALL
            .iter()
            .map(|&post| SignatureLine {
                post: post.persian(),
                holder: holder_of(&staff, post),
            })
            .collect(),
    })
}

/// `/turnout/live`: the live part of `/turnout` alone, for its poller (public, as the page).
pub async fn turnout_fragment(
    visit: Visit,
    OnPage(Query(q)): OnPage<Query<TurnoutQuery>>,
) -> PageResult {
    let (_, _, _, live) = turnout_live(&visit, &q).await?;
    Ok(axum::response::Html(live).into_response())
}
