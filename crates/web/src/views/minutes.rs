//! Station minutes (issue 18 §2): the printable sheet every observer can check — the counts, the
//! signatures and refusals, the fingerprint and the QR code — with, for the officials, drawing
//! up, correcting, signing (in the browser, with the key it keeps) and refusing; and the page
//! where officials register their signing keys and the governor confirms them.

use crate::views::{
    breaks_a_rule, page_error, redirect, render, Layout, Letterhead, OnPage, PageResult, Visit,
};
use crate::ApiError;
use app::minutes::{MarkRequest, MinutesFile};
use askama::Template;
use axum::extract::{Path, Query};
use domain::access::Action;
use domain::calendar::jalali_datetime;
use domain::election::council_title;
use domain::results::minutes::{qr_payload, Mark};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use store::minutes::{KeptMinutes, KeyState, SigningKey};

fn number(n: u64) -> String {
    persian_number(i64::try_from(n).unwrap_or(i64::MAX))
}

/// The QR code of a payload, as an SVG element; `None` when it is too long for one code.
fn qr_svg(payload: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .or_else(|_| {
            qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::L)
        })
        .ok()?;
    Some(
        code.render::<svg::Color<'_>>()
            .min_dimensions(320, 320)
            .quiet_zone(true)
            .dark_color(svg::Color("#000"))
            .light_color(svg::Color("#fff"))
            .build(),
    )
}

struct VoteRow {
    code: String,
    code_fa: String,
    name: String,
    votes: u64,
    votes_fa: String,
}

struct CouncilRow {
    code: String,
    title: String,
    ballots: u64,
    ballots_fa: String,
    votes: Vec<VoteRow>,
}

struct SignerRow {
    post: &'static str,
    post_code: &'static str,
    holder: String,
    /// `signed`, `refused` or `waiting`.
    state: &'static str,
    state_fa: String,
    reason: String,
    /// The first characters of the signer's public key, to compare with the published keys.
    key: String,
}

struct VersionLink {
    number: u32,
    number_fa: String,
    drawn_at: String,
    reason: String,
    current: bool,
    shown: bool,
}

/// The version shown, as the sheet prints it.
struct Sheet {
    version: u32,
    version_fa: String,
    current: bool,
    reason: String,
    opened: String,
    closed: String,
    check_ins_fa: String,
    walkouts_fa: String,
    remarks: String,
    councils: Vec<CouncilRow>,
    signers: Vec<SignerRow>,
    fully_signed: bool,
    digest: String,
    text: String,
    qr: Option<String>,
    qr_text: String,
}

#[derive(Template)]
#[template(path = "results_minutes.html")]
struct MinutesPage {
    layout: Layout,
    letterhead: Letterhead,
    code: String,
    code_fa: String,
    name: String,
    /// `None` until the minutes are drawn up.
    sheet: Option<Sheet>,
    versions: Vec<VersionLink>,
    can_draw: bool,
    /// The signed-in user may sign the version shown (the current one) as a post there.
    can_sign: bool,
    notice: Option<&'static str>,
    error: Option<String>,
    remarks_typed: String,
    username: String,
}

#[derive(Debug, Deserialize)]
pub struct MinutesQuery {
    pub version: Option<u32>,
    pub done: Option<String>,
}

async fn councils(
    visit: &Visit,
    kept: &KeptMinutes,
    here: &str,
) -> Result<Vec<CouncilRow>, crate::views::PageError> {
    let mut rows = Vec::new();
    for council in &kept.minutes.councils {
        let (found, candidates) = visit
            .app()
            .candidates()
            .on_ballot(&council.council)
            .await
            .map_err(|e| page_error(e, here))?;
        let names: std::collections::HashMap<&str, String> = candidates
            .iter()
            .map(|c| (c.code.as_str(), format!("{} {}", c.first_name, c.last_name)))
            .collect();
        rows.push(CouncilRow {
            code: council.council.clone(),
            title: council_title(found.kind, &found.name),
            ballots: council.ballots,
            ballots_fa: number(council.ballots),
            votes: council
                .votes
                .iter()
                .map(|v| VoteRow {
                    code: v.candidate.clone(),
                    code_fa: persian_digits(&v.candidate),
                    name: names.get(v.candidate.as_str()).cloned().unwrap_or_default(),
                    votes: v.votes,
                    votes_fa: number(v.votes),
                })
                .collect(),
        });
    }
    Ok(rows)
}

fn signers(file: &MinutesFile, kept: &KeptMinutes) -> Vec<SignerRow> {
    let mut rows = Vec::new();
    for post in domain::results::minutes::SIGNING_POSTS {
        let holder = file.holders.iter().find(|h| h.post == post);
        let mark = kept.marks.iter().find(|m| m.post == post);
        if holder.is_none() && mark.is_none() {
            continue;
        }
        let holder_name = holder.map_or_else(
            || "—".into(),
            |h| format!("{} {}", h.first_name, h.last_name),
        );
        let (state, state_fa, reason, key) = match mark.map(|m| (&m.mark, m.at)) {
            Some((Mark::Signed { key, .. }, at)) => (
                "signed",
                format!("امضا شد — {}", jalali_datetime(at)),
                String::new(),
                domain::results::minutes::encode(key)
                    .chars()
                    .take(12)
                    .collect(),
            ),
            Some((Mark::Refused { reason }, at)) => (
                "refused",
                format!("از امضا خودداری کرد — {}", jalali_datetime(at)),
                reason.clone(),
                String::new(),
            ),
            None => (
                "waiting",
                "در انتظار امضا".to_owned(),
                String::new(),
                String::new(),
            ),
        };
        rows.push(SignerRow {
            post: post.persian(),
            post_code: post.as_str(),
            holder: holder_name,
            state,
            state_fa,
            reason,
            key,
        });
    }
    rows
}

async fn minutes_page(
    visit: &Visit,
    code: &str,
    query: &MinutesQuery,
    error: Option<String>,
    remarks_typed: String,
) -> PageResult {
    let here = format!("/results/stations/{code}/minutes");
    let file = visit
        .app()
        .minutes()
        .file(code)
        .await
        .map_err(|e| page_error(e, "/results"))?;
    let station = &file.station;
    let letterhead = Letterhead::new(visit, Some(&station.county_code))
        .await
        .map_err(|e| page_error(e, &here))?;
    let current_version = file.current().map_or(0, |k| k.minutes.version);
    let shown = query
        .version
        .and_then(|v| file.versions.iter().find(|k| k.minutes.version == v))
        .or_else(|| file.current());
    let principal = visit.principal();
    let can_draw = app::allows(
        principal,
        Action::DrawMinutes {
            county: &station.county_code,
            station: &station.code,
        },
    );
    let can_sign = app::allows(
        principal,
        Action::SignMinutes {
            county: &station.county_code,
            station: &station.code,
        },
    );
    let versions = file
        .versions
        .iter()
        .map(|k| VersionLink {
            number: k.minutes.version,
            number_fa: persian_number(i64::from(k.minutes.version)),
            drawn_at: jalali_datetime(k.drawn_at),
            reason: k.reason.clone().unwrap_or_default(),
            current: k.minutes.version == current_version,
            shown: shown.is_some_and(|s| s.minutes.version == k.minutes.version),
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some("drawn") => Some("صورتجلسه تنظیم شد؛ اکنون امضاکنندگان آن را امضا می‌کنند."),
        Some("refused") => Some("خودداری شما از امضا با دلیل آن ثبت شد."),
        Some("signed") => Some("امضای شما ثبت شد."),
        _ => None,
    };
    let title = format!("صورتجلسه شمارش آرای شعبه {}", persian_digits(&station.code));
    let sheet = match shown {
        None => None,
        Some(kept) => {
            let m = &kept.minutes;
            let qr_text = qr_payload(m, &kept.marks());
            let instant =
                |at: Option<time::OffsetDateTime>| at.map_or_else(|| "—".into(), jalali_datetime);
            Some(Sheet {
                version: m.version,
                version_fa: persian_number(i64::from(m.version)),
                current: m.version == current_version,
                reason: kept.reason.clone().unwrap_or_default(),
                opened: instant(m.opened_at),
                closed: instant(m.closed_at),
                check_ins_fa: number(m.check_ins),
                walkouts_fa: number(m.walkouts),
                remarks: m.remarks.clone(),
                councils: councils(visit, kept, &here).await?,
                signers: signers(&file, kept),
                fully_signed: kept.state().fully_signed(),
                digest: m.digest(),
                text: m.canonical(),
                qr: qr_svg(&qr_text),
                qr_text,
            })
        }
    };
    let remarks_typed = match (&sheet, remarks_typed.is_empty()) {
        (Some(sheet), true) => sheet.remarks.clone(),
        _ => remarks_typed,
    };
    render(&MinutesPage {
        layout: visit.layout(title, &here),
        letterhead,
        code: station.code.clone(),
        code_fa: persian_digits(&station.code),
        name: station.name.clone(),
        can_sign: can_sign && sheet.as_ref().is_some_and(|s| s.current),
        sheet,
        versions,
        can_draw,
        notice,
        error,
        remarks_typed,
        username: principal.map(|p| p.username.clone()).unwrap_or_default(),
    })
}

/// `GET /results/stations/{code}/minutes`: the station's minutes as posted (public), any
/// version with `?version=N`.
pub async fn show(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(query)): OnPage<Query<MinutesQuery>>,
) -> PageResult {
    minutes_page(&visit, &code, &query, None, String::new()).await
}

#[derive(Debug, Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    pub remarks: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /stations/{code}/minutes`: draws up the minutes, or a corrected version with a reason.
pub async fn draw(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<DrawForm>>,
) -> PageResult {
    let here = format!("/results/stations/{code}/minutes");
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    match visit
        .app()
        .minutes()
        .draw(visit.principal(), &code, &form.remarks, reason)
        .await
    {
        Ok(_) => Ok(redirect(&format!("{here}?done=drawn"))),
        Err(e) => refused_on_page(&visit, &code, e, form.remarks).await,
    }
}

/// A refused write: the sheet again with the rule's Persian reason (and what was typed), or
/// the error page for anything else.
async fn refused_on_page(
    visit: &Visit,
    code: &str,
    error: app::Error,
    remarks_typed: String,
) -> PageResult {
    if !breaks_a_rule(&error) {
        return Err(page_error(
            error,
            &format!("/results/stations/{code}/minutes"),
        ));
    }
    let (_, _, _, reason) = ApiError::from(error).parts();
    let current = MinutesQuery {
        version: None,
        done: None,
    };
    minutes_page(visit, code, &current, Some(reason), remarks_typed).await
}

#[derive(Debug, Deserialize)]
pub struct RefuseForm {
    #[serde(default)]
    pub reason: String,
}

/// `POST /stations/{code}/minutes/{version}/refusals`: the signer refuses, with a reason.
pub async fn refuse(
    visit: Visit,
    OnPage(Path((code, version))): OnPage<Path<(String, u32)>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<RefuseForm>>,
) -> PageResult {
    let here = format!("/results/stations/{code}/minutes");
    match visit
        .app()
        .minutes()
        .mark(
            visit.principal(),
            &code,
            version,
            &MarkRequest::Refuse(form.reason),
        )
        .await
    {
        Ok(_) => Ok(redirect(&format!("{here}?done=refused"))),
        Err(e) => refused_on_page(&visit, &code, e, String::new()).await,
    }
}

struct KeyRow {
    id: i64,
    id_fa: String,
    username: String,
    person: String,
    county: String,
    key: String,
    registered: String,
    state: &'static str,
    state_fa: &'static str,
    pending: bool,
    live: bool,
}

fn key_row(key: &SigningKey) -> KeyRow {
    let state = key.state();
    KeyRow {
        id: key.id,
        id_fa: persian_number(key.id),
        username: key.username.clone(),
        person: persian_digits(&key.national_id),
        county: persian_digits(&key.county),
        key: domain::results::minutes::encode(&key.public_key),
        registered: jalali_datetime(key.registered_at),
        state: state.as_str(),
        state_fa: state.persian(),
        pending: state == KeyState::Pending,
        live: state != KeyState::Revoked,
    }
}

#[derive(Template)]
#[template(path = "signing_keys.html")]
struct KeysPage {
    layout: Layout,
    can_register: bool,
    username: String,
    own: Vec<KeyRow>,
    can_manage: bool,
    county: String,
    managed: Vec<KeyRow>,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct KeysQuery {
    pub done: Option<String>,
}

async fn keys_page(visit: &Visit, done: Option<&str>, error: Option<String>) -> PageResult {
    let here = "/signing-keys";
    let principal = visit.principal();
    let minutes = visit.app().minutes();
    let can_register = app::allows(principal, Action::RegisterSigningKey);
    let own = if can_register {
        minutes
            .own_keys(principal)
            .await
            .map_err(|e| page_error(e, here))?
    } else {
        Vec::new()
    };
    let county = principal.and_then(|p| p.scope.county()).map(str::to_owned);
    let can_manage = app::allows(
        principal,
        Action::ManageSigningKeys {
            county: county.as_deref(),
        },
    );
    let managed = if can_manage {
        minutes
            .keys(principal, county.as_deref())
            .await
            .map_err(|e| page_error(e, here))?
    } else {
        Vec::new()
    };
    if !can_register && !can_manage {
        return Err(page_error(app::Error::Forbidden, here));
    }
    let notice = match done {
        Some("confirm") => Some("کلید تأیید شد."),
        Some("revoke") => Some("کلید باطل شد."),
        _ => None,
    };
    render(&KeysPage {
        layout: visit.layout("کلیدهای امضای صورتجلسه", here),
        can_register,
        username: principal.map(|p| p.username.clone()).unwrap_or_default(),
        own: own.iter().map(key_row).collect(),
        can_manage,
        county: county.map(|c| persian_digits(&c)).unwrap_or_default(),
        managed: managed.iter().map(key_row).collect(),
        notice,
        error,
    })
}

/// `GET /signing-keys`: an official's own keys and the way to make one; the governor's list of
/// the county's keys to confirm or revoke.
pub async fn keys(visit: Visit, OnPage(Query(q)): OnPage<Query<KeysQuery>>) -> PageResult {
    keys_page(&visit, q.done.as_deref(), None).await
}

/// `POST /signing-keys/{id}/{action}`: confirms or revokes a key (`confirm`, `revoke`).
pub async fn step_key(
    visit: Visit,
    OnPage(Path((id, action))): OnPage<Path<(i64, String)>>,
) -> PageResult {
    let confirm = match action.as_str() {
        "confirm" => true,
        "revoke" => false,
        _ => {
            return Err(page_error(
                app::Error::NotFound(store::Entity::Page),
                "/signing-keys",
            ))
        }
    };
    match visit
        .app()
        .minutes()
        .step_key(visit.principal(), id, confirm)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/signing-keys?done={action}"))),
        Err(e) if breaks_a_rule(&e) => {
            let (_, _, _, reason) = ApiError::from(e).parts();
            keys_page(&visit, None, Some(reason)).await
        }
        Err(e) => Err(page_error(e, "/signing-keys")),
    }
}
