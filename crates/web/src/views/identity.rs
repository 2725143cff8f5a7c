//! Proving one's national id on the pages, as the API does (`app::identity`): the national id,
//! birth date and father's name; a one-time code to the registry's mobile number; the code
//! entered. Then the registration form (purpose `register`) or the filings in one's name
//! (`applicant`) carry the proof in a hidden field, to be spent on the filing or the step.
//! The demo keeps its text messages in an outbox shown at `/demo/outbox`.

use crate::auth::ClientIp;
use crate::views::registrations::{mine_page, register_with_proof};
use crate::views::{render, render_status, Layout, OnPage, PageResult, Visit};
use crate::ApiError;
use askama::Template;
use axum::extract::Form;
use axum::http::StatusCode;
use domain::calendar::jalali_datetime;
use domain::identity::Purpose;
use serde::Deserialize;

/// The look-up form as entered.
#[derive(Debug, Default)]
pub struct AskView {
    pub purpose: &'static str,
    pub national_id: String,
    pub birth_date: String,
    pub father_name: String,
    /// In the demo: whom to try it with.
    pub demo_hint: Option<String>,
}

impl AskView {
    pub async fn new(visit: &Visit, purpose: Purpose) -> Result<Self, ApiError> {
        Ok(Self {
            purpose: purpose.as_str(),
            demo_hint: demo_hint(visit).await?,
            ..Self::default()
        })
    }
}

/// A code sent, as its page shows it.
pub struct CodeView {
    pub challenge: String,
    pub sent_to: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "identity.html")]
struct IdentityPage {
    layout: Layout,
    heading: &'static str,
    ask: AskView,
    code: Option<CodeView>,
    error: Option<String>,
    /// Where to ask for a code again.
    again: &'static str,
}

fn heading(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Register => "ثبت‌نام داوطلبان: تأیید هویت",
        Purpose::Applicant => "پرونده‌های ثبت‌نام به نام من",
    }
}

fn start_of(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Register => "/register",
        Purpose::Applicant => "/my-filings",
    }
}

/// In the demo, someone of the registry to prove oneself as, and where their codes show.
pub async fn demo_hint(visit: &Visit) -> Result<Option<String>, ApiError> {
    if !visit.state.config.demo {
        return Ok(None);
    }
    let Some(person) = visit.app().identity().demo_applicant().await? else {
        return Ok(None);
    };
    Ok(Some(format!(
        "نسخه نمایشی: برای آزمودن، کد ملی {}، تاریخ تولد {} و نام پدر «{}» را بنویسید.",
        domain::text::persian_digits(person.national_id.as_str()),
        domain::calendar::jalali_numeric(person.birth_date),
        person.father_name
    )))
}

fn identity_page(
    visit: &Visit,
    purpose: Purpose,
    ask: AskView,
    code: Option<CodeView>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let (status, error) = match error {
        Some((s, e)) => (s, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = IdentityPage {
        layout: visit.layout(heading(purpose), start_of(purpose)),
        heading: heading(purpose),
        ask,
        code,
        error,
        again: start_of(purpose),
    };
    render_status(status, &page)
}

/// A refusal as the page shows it: its status and Persian words; the system's own errors
/// make an error page.
fn refusal(e: app::Error) -> Result<(StatusCode, String), ApiError> {
    match e {
        e @ (app::Error::Identity(_) | app::Error::Domain(_) | app::Error::SmsUnavailable(_)) => {
            let (status, _, _, detail) = ApiError::from(e).parts();
            Ok((status, detail))
        }
        e => Err(e.into()),
    }
}

/// `GET /my-filings`: the look-up that leads to the filings in one's name.
pub async fn mine(visit: Visit) -> PageResult {
    let ask = AskView::new(&visit, Purpose::Applicant).await?;
    identity_page(&visit, Purpose::Applicant, ask, None, None)
}

#[derive(Debug, Default, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    national_id: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    father_name: String,
}

/// `POST /identity/codes`: sends the code, and asks for it; or the look-up again with why not.
pub async fn ask(
    visit: Visit,
    client: ClientIp,
    OnPage(Form(form)): OnPage<Form<AskForm>>,
) -> PageResult {
    let purpose = Purpose::parse(&form.purpose).unwrap_or(Purpose::Register);
    let request = app::identity::CodeRequest {
        national_id: form.national_id.clone(),
        birth_date: form.birth_date.clone(),
        father_name: form.father_name.clone(),
        purpose: Some(purpose),
    };
    let mut ask = AskView {
        purpose: purpose.as_str(),
        national_id: form.national_id,
        birth_date: form.birth_date,
        father_name: form.father_name,
        demo_hint: demo_hint(&visit).await?,
    };
    match visit
        .app()
        .identity()
        .send_code(&request, &client.network())
        .await
    {
        Ok(sent) => {
            let code = CodeView {
                challenge: sent.challenge,
                sent_to: domain::text::persian_digits(&sent.sent_to),
                expires: jalali_datetime(sent.expires_at),
            };
            identity_page(&visit, purpose, ask, Some(code), None)
        }
        Err(e) => {
            let refused = refusal(e)?;
            // The form comes back as typed, with Persian digits (it reads either).
            ask.national_id = domain::text::echo(ask.national_id.trim());
            ask.birth_date = domain::text::echo(ask.birth_date.trim());
            identity_page(&visit, purpose, ask, None, Some(refused))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ProveForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
}

/// `POST /identity/proofs`: the code entered; then the registration form or the filings in
/// one's name, carrying the proof; or the code asked for again with why not.
pub async fn prove(visit: Visit, OnPage(Form(form)): OnPage<Form<ProveForm>>) -> PageResult {
    let identity = visit.app().identity();
    match identity.verify(&form.challenge, &form.code).await {
        Ok(proven) => match proven.purpose {
            Purpose::Register => register_with_proof(&visit, &proven).await,
            Purpose::Applicant => mine_page(&visit, &proven.proof, None, None).await,
        },
        Err(e) => {
            let refused = refusal(e)?;
            // A wrong code may be tried again on the same challenge; a closed one may not.
            let pending = identity.pending(&form.challenge).await?;
            let purpose = pending.as_ref().map_or(Purpose::Register, |p| p.purpose);
            let ask = AskView::new(&visit, purpose).await?;
            let code = pending.filter(|p| p.open).map(|p| CodeView {
                challenge: form.challenge.trim().to_owned(),
                sent_to: String::new(),
                expires: jalali_datetime(p.expires_at),
            });
            identity_page(&visit, purpose, ask, code, Some(refused))
        }
    }
}

/// A message as the outbox page shows it.
pub struct MessageRow {
    pub at: String,
    pub to: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "sms_outbox.html")]
struct OutboxPage {
    layout: Layout,
    hint: Option<String>,
    messages: Vec<MessageRow>,
}

/// `GET /demo/outbox`: the demo's text messages (its one-time codes), newest first. Only a
/// demo shows it; elsewhere there is no such page, even when the codes go to a file.
pub async fn outbox(visit: Visit) -> PageResult {
    let kept = visit.app().sms().kept().cloned();
    let Some(outbox) = kept.filter(|_| visit.state.config.demo) else {
        return Err(ApiError::not_found(store::Entity::Page).into());
    };
    let page = OutboxPage {
        layout: visit.layout("صندوق پیامک نسخه نمایشی", "/demo/outbox"),
        hint: demo_hint(&visit).await?,
        messages: outbox
            .messages()
            .into_iter()
            .map(|m| MessageRow {
                at: jalali_datetime(m.at),
                to: domain::text::persian_digits(&m.to),
                text: m.text,
            })
            .collect(),
    };
    render(&page)
}
