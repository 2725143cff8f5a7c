//! Certification and complaints' pages (issue 18 §5): the step forms on a council's result
//! page, and the complaints page — every complaint with where it stands (public), the
//! candidate's forms to complain and to object, and the boards' forms to decide and to hear.
//! The use cases are `app::results::certify` and `app::complaints`, as for the API.

use crate::views::{
    breaks_a_rule_or_names_nothing, page_error, redirect, render, Layout, OnPage, PageResult, Visit,
};
use crate::ApiError;
use app::complaints::{Complaints, Filing};
use askama::Template;
use axum::extract::{Path, Query};
use domain::access::Action;
use domain::calendar::jalali_datetime;
use domain::results::certification::Step;
use domain::results::complaints::{Hearing, Outcome};
use domain::text::persian_digits;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct StepForm {
    pub step: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /results/{council}/certification`: a certification step.
pub async fn certify(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<StepForm>>,
) -> PageResult {
    let Some(step) = Step::parse(&form.step) else {
        return crate::views::results::council_page(
            &visit,
            &code,
            None,
            Some("این گام شناخته نیست.".into()),
        )
        .await;
    };
    match visit
        .app()
        .results()
        .certify(visit.principal(), &code, step, &form.reason)
        .await
    {
        Ok(_) => Ok(redirect(&format!("/results/{code}?done={}", step.as_str()))),
        Err(e) if breaks_a_rule_or_names_nothing(&e) => {
            let (_, _, _, reason) = ApiError::from(e).parts();
            crate::views::results::council_page(&visit, &code, None, Some(reason)).await
        }
        Err(e) => Err(page_error(e, &format!("/results/{code}"))),
    }
}

struct ComplaintRow {
    id: i64,
    id_fa: String,
    council: String,
    council_fa: String,
    station: String,
    station_fa: String,
    candidate_fa: String,
    /// Shown to the boards that rule on it only.
    text: Option<String>,
    filed_at: String,
    pending: bool,
    decision: Option<(&'static str, String)>,
    objected: bool,
    hearing: Option<(&'static str, String)>,
    /// The board's form the signed-in official may use here: `decide`, `hear`, or none.
    form: &'static str,
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ComplaintsPage {
    layout: Layout,
    council: String,
    council_fa: String,
    rows: Vec<ComplaintRow>,
    outcomes: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ComplaintsQuery {
    council: Option<String>,
    done: Option<String>,
}

async fn complaints_page(
    visit: &Visit,
    council: &str,
    notice: Option<&'static str>,
    error: Option<String>,
) -> PageResult {
    let here = "/results/complaints";
    let complaints = visit
        .app()
        .complaints()
        .list()
        .await
        .map_err(|e| page_error(e, here))?;
    let principal = visit.principal();
    let mut rows = Vec::new();
    for c in complaints
        .into_iter()
        .filter(|c| council.is_empty() || c.council == council)
    {
        let county = visit
            .app()
            .lookups()
            .council(&c.council)
            .await
            .map_err(|e| page_error(e, here))?
            .county_code;
        let state = c.state();
        rows.push(ComplaintRow {
            id: c.id,
            id_fa: domain::text::persian_number(c.id),
            council_fa: persian_digits(&c.council),
            station_fa: c.station.as_deref().map(persian_digits).unwrap_or_default(),
            station: c.station.clone().unwrap_or_default(),
            candidate_fa: persian_digits(&c.candidate),
            text: Complaints::may_read_text(principal, &county).then(|| c.text.clone()),
            filed_at: jalali_datetime(c.filed_at),
            pending: state.pending(),
            decision: c
                .decision
                .as_ref()
                .map(|d| (d.what.persian(), d.reason.clone())),
            objected: c.objection.is_some(),
            hearing: c
                .hearing
                .as_ref()
                .map(|h| (h.what.persian(), h.reason.clone())),
            form: if c.decision.is_none()
                && app::allows(principal, Action::DecideComplaint { county: &county })
            {
                "decide"
            } else if state.objected
                && !state.heard
                && app::allows(principal, Action::HearObjection)
            {
                "hear"
            } else {
                ""
            },
            council: c.council,
        });
    }
    render(&ComplaintsPage {
        layout: visit.layout("شکایت از نتایج", here),
        council: council.to_owned(),
        council_fa: persian_digits(council),
        rows,
        outcomes: Outcome::ALL
            .into_iter()
            .map(|o| (o.as_str(), o.persian()))
            .collect(),
        notice,
        error,
    })
}

/// `GET /results/complaints` (public): every complaint, newest first (`?council=` one council's).
pub async fn complaints(
    visit: Visit,
    OnPage(Query(query)): OnPage<Query<ComplaintsQuery>>,
) -> PageResult {
    let council = query
        .council
        .map(|c| domain::text::ascii_digits(c.trim()))
        .unwrap_or_default();
    let notice = match query.done.as_deref() {
        Some("filed") => Some("شکایت شما ثبت شد؛ هیئت نظارت شهرستان به آن رسیدگی می‌کند."),
        Some("objected") => Some("اعتراض شما ثبت شد؛ هیئت نظارت استان به آن رسیدگی می‌کند."),
        Some("decided") => Some("تصمیم هیئت ثبت شد."),
        Some("heard") => Some("نتیجهٔ رسیدگی به اعتراض ثبت شد."),
        _ => None,
    };
    complaints_page(&visit, &council, notice, None).await
}

/// After a write: back to the list, or the list again with the rule's Persian reason.
async fn after(
    visit: &Visit,
    done: &str,
    outcome: app::Result<store::complaints::Complaint>,
) -> PageResult {
    match outcome {
        Ok(_) => Ok(redirect(&format!("/results/complaints?done={done}"))),
        Err(e) if breaks_a_rule_or_names_nothing(&e) || matches!(e, app::Error::Domain(_)) => {
            let (_, _, _, reason) = ApiError::from(e).parts();
            complaints_page(visit, "", None, Some(reason)).await
        }
        Err(e) => Err(page_error(e, "/results/complaints")),
    }
}

#[derive(Debug, Deserialize)]
pub struct FilingForm {
    #[serde(default)]
    pub tracking_code: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub council: String,
    #[serde(default)]
    pub station: String,
    #[serde(default)]
    pub text: String,
}

/// `POST /results/complaints` (public): a candidate's complaint.
pub async fn file(
    visit: Visit,
    client: crate::auth::ClientIp,
    OnPage(axum::Form(form)): OnPage<axum::Form<FilingForm>>,
) -> PageResult {
    let digits = |s: &str| domain::text::ascii_digits(s.trim());
    crate::auth::allow_candidate_act(&visit.state, &client, &digits(&form.tracking_code))?;
    let station = Some(digits(&form.station)).filter(|s| !s.is_empty());
    let outcome = visit
        .app()
        .complaints()
        .file(&Filing {
            tracking_code: digits(&form.tracking_code),
            national_id: digits(&form.national_id),
            council: digits(&form.council),
            station,
            text: form.text,
        })
        .await;
    after(&visit, "filed", outcome).await
}

#[derive(Debug, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    pub tracking_code: String,
    #[serde(default)]
    pub national_id: String,
    #[serde(default)]
    pub text: String,
}

/// `POST /results/complaints/{id}/objection` (public): the candidate's objection.
pub async fn object(
    visit: Visit,
    client: crate::auth::ClientIp,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<ObjectionForm>>,
) -> PageResult {
    let digits = |s: &str| domain::text::ascii_digits(s.trim());
    crate::auth::allow_candidate_act(&visit.state, &client, &digits(&form.tracking_code))?;
    let outcome = visit
        .app()
        .complaints()
        .object(
            id,
            (&digits(&form.tracking_code), &digits(&form.national_id)),
            &form.text,
        )
        .await;
    after(&visit, "objected", outcome).await
}

#[derive(Debug, Deserialize)]
pub struct RulingForm {
    #[serde(default)]
    pub ruling: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /results/complaints/{id}/decision`: the county supervision board's decision.
pub async fn decide(
    visit: Visit,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<RulingForm>>,
) -> PageResult {
    let Some(outcome) = Outcome::parse(&form.ruling) else {
        return complaints_page(&visit, "", None, Some("تصمیم را انتخاب کنید.".into())).await;
    };
    let outcome = visit
        .app()
        .complaints()
        .decide(visit.principal(), id, outcome, &form.reason)
        .await;
    after(&visit, "decided", outcome).await
}

/// `POST /results/complaints/{id}/hearing`: the province supervision board's hearing.
pub async fn hear(
    visit: Visit,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(axum::Form(form)): OnPage<axum::Form<RulingForm>>,
) -> PageResult {
    let Some(hearing) = Hearing::parse(&form.ruling) else {
        return complaints_page(
            &visit,
            "",
            None,
            Some("نتیجهٔ رسیدگی را انتخاب کنید.".into()),
        )
        .await;
    };
    let outcome = visit
        .app()
        .complaints()
        .hear(visit.principal(), id, hearing, &form.reason)
        .await;
    after(&visit, "heard", outcome).await
}
