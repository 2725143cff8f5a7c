//! The voting kiosk's screens and the console's kiosk forms (issue 17 §1). A device opens
//! `/kiosk`: until its station's staff pair it, it shows a code to read out; once paired it
//! waits, and shows the ballot the console activates on it (the voting screens are
//! `election_day`'s `/vote` pages), then the tracking code, then clears itself. The station's
//! console pairs kiosks, takes them out of service, and activates a checked-in voter's ballot
//! on one. The use cases are `app::kiosks`, as for the API.

use crate::auth::{kiosk_cookie, ClientIp, KIOSK_COOKIE};
use crate::views::election_day::{console_page, CheckInResult, KIOSK_HOME};
use crate::views::{page_error, redirect, render, Layout, OnPage, PageResult, Visit};
use crate::ApiError;
use askama::Template;
use axum::extract::Path;
use axum::http::{header, HeaderMap};
use axum::Form;
use domain::access::Principal;
use domain::text::persian_digits;
use serde::Deserialize;

/// What the kiosk's screen shows.
pub enum KioskScreen {
    /// Not a kiosk (yet, or any more): the way to ask for a pairing code.
    Start { retired: bool },
    /// A browser signed in as a user: it is not made a kiosk.
    SignedIn,
    /// Waiting for the station's staff to type the code.
    Pairing { code: String },
    /// Paired, waiting for a ballot.
    Ready { number: String, station: String },
}

#[derive(Template)]
#[template(path = "kiosk.html")]
struct KioskPage {
    layout: Layout,
    screen: KioskScreen,
    error: Option<String>,
}

/// How often a waiting kiosk looks again, in seconds.
const POLL_SECONDS: u32 = 3;

/// `GET /kiosk`: the kiosk's screen — its pairing code, its waiting screen, or the ballot
/// activated on it.
pub async fn screen(visit: Visit, headers: HeaderMap) -> PageResult {
    let principal = visit.principal();
    if principal.is_some_and(Principal::is_kiosk) {
        let live = visit
            .app()
            .kiosks()
            .current(principal, None)
            .await
            .map_err(|e| page_error(e, KIOSK_HOME))?;
        if let Some(live) = live {
            return crate::views::election_day::kiosk_ballot(&visit, live).await;
        }
        let (number, station) = kiosk_place(&visit).await?;
        return kiosk_page(
            visit
                .layout("دستگاه رأی‌گیری", KIOSK_HOME)
                .kiosk()
                .refresh(POLL_SECONDS, None),
            KioskScreen::Ready { number, station },
            None,
        );
    }
    let layout = visit.layout("دستگاه رأی‌گیری", KIOSK_HOME).kiosk();
    if principal.is_some() {
        return kiosk_page(
            visit.layout("دستگاه رأی‌گیری", KIOSK_HOME),
            KioskScreen::SignedIn,
            None,
        );
    }
    let kiosk = match crate::auth::cookie_value(&headers, KIOSK_COOKIE) {
        Some(secret) => visit
            .app()
            .kiosks()
            .by_secret(&secret)
            .await
            .map_err(|e| page_error(e, KIOSK_HOME))?,
        None => None,
    };
    let now = visit.state.now();
    match kiosk {
        Some(k) if k.paired.is_none() && domain::kiosk::pairing_live(k.requested_at, now) => {
            let code = k
                .pairing_code
                .as_deref()
                .and_then(|c| domain::kiosk::PairingCode::parse(c).ok())
                .map(|c| c.shown())
                .unwrap_or_default();
            kiosk_page(
                layout.refresh(POLL_SECONDS, None),
                KioskScreen::Pairing { code },
                None,
            )
        }
        Some(k) => kiosk_page(
            layout,
            KioskScreen::Start {
                retired: k.retired_at.is_some(),
            },
            None,
        ),
        None => kiosk_page(layout, KioskScreen::Start { retired: false }, None),
    }
}

fn kiosk_page(layout: Layout, screen: KioskScreen, error: Option<String>) -> PageResult {
    render(&KioskPage {
        layout,
        screen,
        error,
    })
}

/// The calling kiosk's number and its station, as its waiting screen says them.
async fn kiosk_place(visit: &Visit) -> Result<(String, String), crate::PageError> {
    let principal = visit.principal();
    let station = principal
        .and_then(|p| p.scope.station())
        .unwrap_or_default()
        .to_owned();
    let number = visit
        .app()
        .kiosks()
        .own(principal)
        .await
        .map_err(|e| page_error(e, KIOSK_HOME))?
        .and_then(|k| k.paired)
        .map_or(0, |p| p.number);
    Ok((
        persian_digits(&number.to_string()),
        persian_digits(&station),
    ))
}

/// `POST /kiosk/pairing`: the device asks for a pairing code and keeps its secret as a cookie.
pub async fn start_pairing(visit: Visit, client: ClientIp) -> PageResult {
    match crate::auth::request_kiosk(&visit.state, &visit.auth, client).await {
        Ok(requested) => {
            let mut response = redirect(KIOSK_HOME);
            let cookie = kiosk_cookie(&requested.secret, visit.state.config.secure_cookies);
            if let Ok(value) = cookie.parse() {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Ok(response)
        }
        Err(e) => {
            let (status, _, _, reason) = e.parts();
            let signed_in = visit.principal().is_some();
            let screen = if signed_in {
                KioskScreen::SignedIn
            } else {
                KioskScreen::Start { retired: false }
            };
            let mut layout = visit.layout("دستگاه رأی‌گیری", KIOSK_HOME);
            if !signed_in {
                layout = layout.kiosk();
            }
            let mut response = kiosk_page(layout, screen, Some(reason))?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PairForm {
    pairing_code: String,
}

/// `POST /stations/{code}/kiosks`: the console pairs the kiosk showing the code typed.
pub async fn pair(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<PairForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    crate::auth::pairing_allowed(&visit.state, visit.principal())
        .map_err(|e| page_error(e, &here))?;
    let outcome = visit
        .app()
        .kiosks()
        .pair(visit.principal(), &code, &form.pairing_code)
        .await;
    match outcome {
        Ok(_) => Ok(redirect(&format!("{here}?done=kiosk_paired"))),
        Err(e) => console_refusal(&visit, &code, e, None).await,
    }
}

/// `POST /stations/{code}/kiosks/{kiosk}/retire`: the console takes a kiosk out of service.
pub async fn retire(
    visit: Visit,
    OnPage(Path((code, kiosk))): OnPage<Path<(String, String)>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    match visit
        .app()
        .kiosks()
        .retire(visit.principal(), &code, &kiosk)
        .await
    {
        Ok(()) => {
            visit
                .state
                .sessions
                .forget_user(&domain::kiosk::kiosk_username(&kiosk), None);
            Ok(redirect(&format!("{here}?done=kiosk_retired")))
        }
        Err(e) => console_refusal(&visit, &code, e, None).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct ActivateForm {
    /// The check-in's token, or (from the list of those yet to vote) the voter's national id.
    #[serde(default)]
    ballot_token: String,
    #[serde(default)]
    national_id: String,
    /// The check-in's council, shown again with the kiosks if the activation is refused.
    #[serde(default)]
    council: String,
    #[serde(default)]
    council_name: String,
}

/// `POST /stations/{code}/kiosks/{kiosk}/activate`: the console activates a checked-in voter's
/// ballot on one of its kiosks. A refusal shows the check-in again, so the ballot can go to
/// another kiosk.
pub async fn activate(
    visit: Visit,
    OnPage(Path((code, kiosk))): OnPage<Path<(String, String)>>,
    OnPage(Form(form)): OnPage<Form<ActivateForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/day");
    let ballot = if form.ballot_token.is_empty() {
        app::kiosks::VoterBallot::Voter(&form.national_id)
    } else {
        app::kiosks::VoterBallot::Token(&form.ballot_token)
    };
    match visit
        .app()
        .kiosks()
        .activate(visit.principal(), &code, &kiosk, ballot)
        .await
    {
        Ok(_) => {
            let number = visit
                .app()
                .kiosks()
                .of_station(visit.principal(), &code)
                .await
                .ok()
                .and_then(|all| {
                    all.into_iter()
                        .find(|k| k.kiosk.kiosk_id == kiosk)
                        .and_then(|k| k.kiosk.paired.map(|p| p.number))
                })
                .unwrap_or_default();
            Ok(redirect(&format!("{here}?done=activated&kiosk={number}")))
        }
        Err(e) => {
            let again = (!form.ballot_token.is_empty()).then_some(CheckInResult::Accepted {
                token: form.ballot_token,
                council_code: form.council,
                council_name: form.council_name,
            });
            console_refusal(&visit, &code, e, again).await
        }
    }
}

/// The console again with a kiosk form's refusal (an error page for a caller refused access).
async fn console_refusal(
    visit: &Visit,
    code: &str,
    error: app::Error,
    result: Option<CheckInResult>,
) -> PageResult {
    let shown = match &error {
        app::Error::Unauthenticated | app::Error::Forbidden => false,
        app::Error::Store(e) => matches!(
            e,
            store::StoreError::Refused(_) | store::StoreError::NotFound { .. }
        ),
        _ => true,
    };
    if !shown {
        return Err(page_error(error, &format!("/stations/{code}/day")));
    }
    let (_, _, _, reason) = ApiError::from(error).parts();
    console_page(visit, code, None, Some(reason), result).await
}
