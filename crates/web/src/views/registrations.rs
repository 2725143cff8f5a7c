//! The candidate's side of registration (issue 5), public and without an account: the online
//! registration form with its documents and the registration windows' countdown, the
//! confirmation with the tracking code, and the status page where the applicant follows the
//! file, objects to a rejection or withdraws.
//!
//! The pages call the API's use cases (`app::registrations::file`, `app::vetting::take_step`),
//! so a form and a JSON client meet the same rules; a refusal shows the form again with every
//! Persian reason, never a bare error page.

use crate::fmt::kilobytes;
use crate::views::identity::AskView;
use crate::views::vetting::{history_rows, DeadlineView, HistoryRow};
use crate::views::OnPage;
use crate::views::{render, render_status, Choice, Counties, Layout, PageResult, Visit};
use crate::{ApiError, AppState};
use app::registrations::{tracking_input, Fields, NotFiled, PROOF_FIELD};
use askama::Template;
use axum::extract::Multipart;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::Form;
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::election::CouncilKind;
use domain::identity::{IdentityRefusal, Purpose};
use domain::person::Education;
use domain::registration::{
    DocumentKind, Ineligible, MediaType, RegistrationWindow, UploadRefusal,
};
use domain::text::{persian_digits, persian_number};
use domain::vetting::{VettingAction, VettingState};
use domain::DomainError;
use serde::Deserialize;
use std::collections::HashMap;

/// A registration window as the form's header shows it.
pub struct WindowView {
    pub kind: &'static str,
    pub kind_code: &'static str,
    pub days: String,
    pub status: String,
    pub status_code: &'static str,
    pub open: bool,
}

/// A county's city or village councils, as one group of the council select.
pub struct CouncilGroup {
    pub county: String,
    pub label: String,
    pub councils: Vec<Choice>,
}

/// A document's file input with its limits.
pub struct DocumentField {
    pub name: &'static str,
    pub label: &'static str,
    pub accept: &'static str,
    pub limits: String,
    pub who: &'static str,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    windows: Vec<WindowView>,
    counties: Vec<Choice>,
    /// The county the list is narrowed to on the server (`?county=`), if any.
    filtered: Option<String>,
    groups: Vec<CouncilGroup>,
    genders: Vec<Choice>,
    educations: Vec<Choice>,
    documents: Vec<DocumentField>,
    entered: HashMap<String, String>,
    reasons: Vec<String>,
    /// The fields the reasons are about (marked `aria-invalid`).
    invalid: Vec<&'static str>,
    /// The applicant's proof of identity: without one, the page asks for it first.
    proof: Option<String>,
    ask: AskView,
}

impl RegisterPage {
    /// Whether either registration window is open now: otherwise neither the identity step
    /// nor the form is offered (issue 20: the whole form showed with both windows closed).
    fn any_open(&self) -> bool {
        self.windows.iter().any(|w| w.open)
    }
}

impl RegisterPage {
    /// A field's value as entered.
    fn value(&self, name: &str) -> &str {
        self.entered.get(name).map_or("", String::as_str)
    }
    /// A checkbox as entered.
    fn checked(&self, name: &str) -> bool {
        self.entered
            .get(name)
            .is_some_and(|v| matches!(v.trim(), "true" | "1" | "on" | "yes"))
    }
    fn bad(&self, name: &str) -> bool {
        self.invalid.contains(&name)
    }
}

/// A document on the confirmation page.
pub struct FiledDocument {
    pub label: &'static str,
    pub kind: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "register_done.html")]
struct FiledPage {
    layout: Layout,
    tracking_code: String,
    tracking_fa: String,
    name: String,
    national_id_fa: String,
    council: String,
    filed_at: String,
    state: &'static str,
    documents: Vec<FiledDocument>,
}

/// The Persian label of a form field, for the reasons list.
fn field_label(field: &str) -> &'static str {
    match field {
        "national_id" => "کد ملی",
        "first_name" => "نام",
        "last_name" => "نام خانوادگی",
        "father_name" => "نام پدر",
        "birth_date" => "تاریخ تولد",
        "gender" => "جنسیت",
        "mobile" => "تلفن همراه",
        "residence" => "نشانی محل سکونت",
        "council" => "شورای مورد نظر",
        "education" => "مدرک تحصیلی",
        "occupation" => "شغل",
        "official" | "official_title" => "عنوان سمت",
        "resigned_on" => "تاریخ استعفا",
        "documents" => "مدارک",
        _ => "فرم",
    }
}

fn upload_document(refusal: &UploadRefusal) -> DocumentKind {
    match refusal {
        UploadRefusal::EmptyFile { document }
        | UploadRefusal::FileTooLarge { document, .. }
        | UploadRefusal::UnrecognisedContent { document }
        | UploadRefusal::ContentMismatch { document, .. }
        | UploadRefusal::TypeNotAccepted { document, .. } => *document,
    }
}

/// Every Persian reason of a refusal, and the fields they are about.
fn explain(problems: &[ApiError]) -> (Vec<String>, Vec<&'static str>) {
    let mut reasons = Vec::new();
    let mut fields = Vec::new();
    for problem in problems {
        match problem.app() {
            Some(app::Error::Ineligible(broken, now)) => {
                for rule in broken {
                    reasons.push(rule.persian(*now));
                    fields.push(match rule {
                        Ineligible::RegistrationClosed { .. } => "council",
                        Ineligible::TooYoung { .. } => "birth_date",
                        Ineligible::EducationBelowMinimum { .. } => "education",
                        Ineligible::NotResigned | Ineligible::ResignedTooLate { .. } => {
                            "resigned_on"
                        }
                        Ineligible::MissingDocument { document } => document.as_str(),
                        Ineligible::AlreadyRegistered => "national_id",
                    });
                }
            }
            Some(app::Error::UploadRefused(refusal)) => {
                reasons.push(refusal.persian());
                fields.push(upload_document(refusal).as_str());
            }
            Some(app::Error::Domain(DomainError::InvalidField { field, reason })) => {
                reasons.push(format!("{}: {reason}", field_label(field)));
                fields.push(if *field == "official" {
                    "official_title"
                } else {
                    field
                });
            }
            Some(app::Error::Domain(e @ DomainError::InvalidNationalId(_))) => {
                reasons.push(e.persian());
                fields.push("national_id");
            }
            Some(app::Error::Domain(e @ DomainError::InvalidMobile(_))) => {
                reasons.push(e.persian());
                fields.push("mobile");
            }
            Some(app::Error::Identity(refusal)) => {
                reasons.push(refusal.persian());
                fields.push(match refusal {
                    IdentityRefusal::Mismatch => "birth_date",
                    _ => "national_id",
                });
            }
            _ => reasons.push(problem.parts().3),
        }
    }
    (reasons, fields)
}

fn clock(t: time::Time) -> String {
    persian_digits(&format!("{:02}:{:02}", t.hour(), t.minute()))
}

fn window_views(
    election: &domain::election::Election,
    now: time::OffsetDateTime,
) -> Vec<WindowView> {
    [
        (CouncilKind::City, "شوراهای اسلامی شهر"),
        (CouncilKind::Village, "شوراهای اسلامی روستا"),
    ]
    .into_iter()
    .filter_map(|(kind, label)| {
        let window = RegistrationWindow::of(election, kind)?;
        let status = window.status(now);
        Some(WindowView {
            kind: label,
            kind_code: kind.as_str(),
            days: format!(
                "{} تا {}، هر روز از ساعت {} تا {}",
                jalali_numeric(window.first_day),
                jalali_numeric(window.last_day),
                clock(window.daily_opens),
                clock(window.daily_closes)
            ),
            status: status.persian(now),
            status_code: status.code(),
            open: status.is_open(),
        })
    })
    .collect()
}

fn documents() -> Vec<DocumentField> {
    DocumentKind::ALL
        .into_iter()
        .map(|kind| {
            let pdf = kind.accepts(MediaType::Pdf);
            DocumentField {
                name: kind.as_str(),
                label: kind.persian(),
                accept: if pdf {
                    "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
                } else {
                    "image/jpeg,image/png,.jpg,.jpeg,.png"
                },
                limits: format!(
                    "{}، حداکثر {} مگابایت",
                    if pdf {
                        "JPEG، PNG یا PDF"
                    } else {
                        "JPEG یا PNG"
                    },
                    persian_number((kind.max_bytes() / (1024 * 1024)) as i64)
                ),
                who: match kind {
                    DocumentKind::Photo => "برای همه",
                    DocumentKind::Degree => "جز برای «سواد خواندن و نوشتن»",
                    DocumentKind::MilitaryCard => "ویژه آقایان",
                    DocumentKind::ResignationCertificate => "ویژه دارندگان سمت‌های مذکور در قانون",
                    DocumentKind::CriminalRecord => "برای همه؛ صادرشده در سه ماه گذشته",
                },
                required: matches!(kind, DocumentKind::Photo | DocumentKind::CriminalRecord),
            }
        })
        .collect()
}

/// Builds the form, with what was entered and why it was refused.
async fn register_page(
    visit: &Visit,
    county: Option<String>,
    entered: HashMap<String, String>,
    reasons: Vec<String>,
    invalid: Vec<&'static str>,
    proof: Option<String>,
) -> PageResult {
    let cached = visit.app().cached();
    let election = cached.election().await?;
    let now = visit.state.now();
    let councils = cached.councils().await?;
    let counties = Counties::read(&visit.state).await?;
    let chosen = entered.get("council").map_or("", |c| c.trim());
    // The county shown: the one asked for, else the chosen council's.
    let county = county.filter(|c| !c.is_empty());
    let selected_county = county.clone().or_else(|| {
        councils
            .iter()
            .find(|c| c.code == chosen)
            .map(|c| c.county_code.clone())
    });
    let mut groups = Vec::new();
    for k in counties.all() {
        if county.as_ref().is_some_and(|c| *c != k.county.code) {
            continue;
        }
        for (kind, what) in [
            (CouncilKind::City, "شهرها"),
            (CouncilKind::Village, "روستاها"),
        ] {
            let mut members: Vec<&domain::election::Council> = councils
                .iter()
                .filter(|c| c.county_code == k.county.code && c.kind == kind)
                .collect();
            if members.is_empty() {
                continue;
            }
            members.sort_by(|a, b| a.name.cmp(&b.name));
            groups.push(CouncilGroup {
                county: k.county.code.clone(),
                label: format!("شهرستان {} · {what}", k.county.name),
                councils: members
                    .into_iter()
                    .map(|c| Choice::new(c.code.as_str(), c.name.as_str(), c.code == chosen))
                    .collect(),
            });
        }
    }
    let pick = |name: &str, value: &str| entered.get(name).is_some_and(|v| v == value);
    let page = RegisterPage {
        layout: visit.layout("ثبت‌نام داوطلبان شوراها", "/register"),
        windows: window_views(&election, now),
        counties: counties.choices(selected_county.as_deref()),
        filtered: county,
        groups,
        genders: [("female", "زن"), ("male", "مرد")]
            .into_iter()
            .map(|(value, label)| Choice::new(value, label, pick("gender", value)))
            .collect(),
        educations: Education::ALL
            .into_iter()
            .map(|e| Choice::new(e.as_str(), e.persian(), pick("education", e.as_str())))
            .collect(),
        documents: documents(),
        entered,
        reasons,
        invalid,
        proof,
        ask: AskView::new(visit, Purpose::Register).await?,
    };
    let status = if page.reasons.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, &page)
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterQuery {
    county: Option<String>,
}

/// `GET /register`: the registration form, public, under the registration windows' status and
/// countdown; `?county=` narrows the council list on the server (for browsers without script).
pub async fn show(visit: Visit, OnPage(Query(q)): OnPage<Query<RegisterQuery>>) -> PageResult {
    register_page(
        &visit,
        q.county,
        HashMap::new(),
        Vec::new(),
        Vec::new(),
        None,
    )
    .await
}

/// The form after the applicant proved who they are: the proof in a hidden field, and what
/// the registry holds of them filled in (the national id, birth date and father's name fixed).
pub async fn register_with_proof(visit: &Visit, proven: &app::identity::Proven) -> PageResult {
    proven_form(visit, &proven.national_id, &proven.proof, None).await
}

async fn proven_form(
    visit: &Visit,
    national_id: &domain::ids::NationalId,
    proof: &str,
    county: Option<String>,
) -> PageResult {
    let mut entered = HashMap::new();
    entered.insert("national_id".to_owned(), national_id.as_str().to_owned());
    if let Some(person) = visit.app().identity().registry_entry(national_id).await? {
        for (name, value) in [
            ("first_name", person.first_name),
            ("last_name", person.last_name),
            ("father_name", person.father_name),
            ("birth_date", jalali_numeric(person.birth_date)),
            ("gender", person.gender.as_str().to_owned()),
        ] {
            entered.insert(name.to_owned(), value);
        }
        if let Some(mobile) = person.mobile {
            entered.insert("mobile".to_owned(), mobile.as_str().to_owned());
        }
    }
    let proof = Some(proof.trim().to_owned());
    register_page(visit, county, entered, Vec::new(), Vec::new(), proof).await
}

#[derive(Debug, Default, Deserialize)]
pub struct CountyForm {
    #[serde(default)]
    identity_proof: String,
    #[serde(default)]
    county: String,
}

/// `POST /register/county`: the proven form with its council list narrowed to a county on the
/// server (for browsers without script), the proof carried in the body, never in an address.
pub async fn narrow(visit: Visit, OnPage(Form(form)): OnPage<Form<CountyForm>>) -> PageResult {
    match visit
        .app()
        .identity()
        .proven(&form.identity_proof, Purpose::Register)
        .await
    {
        Ok(national_id) => {
            let county = Some(form.county.trim().to_owned());
            proven_form(&visit, &national_id, &form.identity_proof, county).await
        }
        Err(e @ app::Error::Identity(_)) => {
            let (reasons, _) = explain(&[ApiError::from(e)]);
            register_page(&visit, None, HashMap::new(), reasons, Vec::new(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn entered(fields: &Fields) -> HashMap<String, String> {
    [
        "national_id",
        "first_name",
        "last_name",
        "father_name",
        "birth_date",
        "gender",
        "mobile",
        "residence",
        "council",
        "education",
        "former_member",
        "occupation",
        "official_title",
        "resigned_on",
        "veteran_family",
    ]
    .into_iter()
    .map(|name| (name.to_owned(), fields.value(name).to_owned()))
    .collect()
}

/// `POST /register` (`multipart/form-data`): files the registration through the API's code and
/// shows the tracking code, or the form again with the entries kept and every reason (422).
pub async fn submit(
    visit: Visit,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let Ok(multipart) = multipart else {
        let (reasons, _) = explain(&[ApiError::UnsupportedMediaType]);
        return register_page(&visit, None, HashMap::new(), reasons, Vec::new(), None).await;
    };
    let read = crate::upload::read_registration(multipart).await;
    let outcome = match read.unreadable {
        Some(unreadable) => Err(vec![unreadable.error()]),
        None => match visit.app().registrations().file(&read.form).await {
            Ok(filed) => Ok(filed),
            Err(NotFiled::Refused(problems)) => {
                Err(problems.into_iter().map(ApiError::from).collect())
            }
            Err(NotFiled::Failed(e)) => return Err(ApiError::from(e).into()),
        },
    };
    match outcome {
        Ok(filed) => filed_page(&visit, &filed).await,
        Err(problems) => {
            let (reasons, invalid) = explain(&problems);
            let entered = entered(&read.form.fields);
            // The proof is kept for another try unless it is what was refused.
            let proof_refused = problems
                .iter()
                .any(|p| matches!(p.app(), Some(app::Error::Identity(r)) if r != &IdentityRefusal::Mismatch));
            let proof = Some(read.form.fields.value(PROOF_FIELD).trim().to_owned())
                .filter(|p| !p.is_empty() && !proof_refused);
            register_page(&visit, None, entered, reasons, invalid, proof).await
        }
    }
}

/// The confirmation: the tracking code in large Persian digits, what was filed, and a print
/// button.
async fn filed_page(visit: &Visit, filed: &app::registrations::Filed) -> PageResult {
    let tracking_code = filed.tracking_code.as_str();
    let (registration, history) = visit.app().registrations().filed(filed).await?;
    let a = &registration.application;
    let grouped: Vec<String> = tracking_code
        .as_bytes()
        .chunks(4)
        .map(|chunk| persian_digits(&String::from_utf8_lossy(chunk)))
        .collect();
    render(&FiledPage {
        layout: visit.layout("ثبت‌نام انجام شد", "/register"),
        tracking_code: tracking_code.to_owned(),
        tracking_fa: grouped.join(" "),
        name: format!("{} {}", a.first_name, a.last_name),
        national_id_fa: persian_digits(a.national_id.as_str()),
        council: registration.council_name.clone(),
        filed_at: jalali_datetime(
            history
                .first()
                .map_or(registration.vetting.submitted_at, |e| e.at),
        ),
        state: registration.vetting.state.persian(),
        documents: registration
            .documents
            .iter()
            .map(|d| FiledDocument {
                label: d.kind.persian(),
                kind: d.media_type.extension().to_ascii_uppercase(),
                size: kilobytes(d.size),
            })
            .collect(),
    })
}

/// A registration as its applicant sees it.
pub struct FileView {
    pub tracking_code: String,
    pub tracking_fa: String,
    pub national_id: String,
    pub name: String,
    pub council: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub deadline: Option<DeadlineView>,
    pub candidate_code: Option<String>,
    pub history: Vec<HistoryRow>,
    /// The body an objection goes to, when the applicant may object now.
    pub object_to: Option<&'static str>,
    pub can_withdraw: bool,
}

#[derive(Template)]
#[template(path = "registration_status.html")]
struct StatusPage {
    layout: Layout,
    tracking_code: String,
    national_id: String,
    files: Vec<FileView>,
    /// The applicant's proof of identity, which the step forms carry; without one the file
    /// is shown and its steps lead to proving one's identity first.
    proof: Option<String>,
    /// The filings in the proven applicant's name (not a look-up by tracking code).
    mine: bool,
    notice: Option<String>,
    error: Option<String>,
}

async fn file_view(
    state: &AppState,
    registration: &store::Registration,
    history: &[store::VettingEvent],
) -> Result<FileView, ApiError> {
    let opens = state.app.registrations().vetting_opens().await?;
    let polls_open = state.app.registrations().withdrawals_close().await?;
    let now = state.now();
    let v = &registration.vetting;
    let deadline = DeadlineView::of(v, opens, now, "مهلت اعتراض شما");
    let objection_open = deadline.as_ref().is_some_and(|d| !d.lapsed);
    let object_to = match v.state {
        VettingState::Rejected if objection_open => Some("هیأت نظارت شهرستان"),
        VettingState::RejectedOnObjection if objection_open => Some("هیأت نظارت استان"),
        _ => None,
    };
    let a = &registration.application;
    Ok(FileView {
        tracking_code: registration.tracking_code.clone(),
        tracking_fa: persian_digits(&registration.tracking_code),
        national_id: a.national_id.as_str().to_owned(),
        name: format!("{} {}", a.first_name, a.last_name),
        council: registration.council_name.clone(),
        state: v.state.persian(),
        state_code: v.state.as_str(),
        deadline,
        candidate_code: registration.candidate_code.as_deref().map(persian_digits),
        // The applicant's file names the boards by kind only (`domain::vetting::step_taker`).
        history: history_rows(history, |_| None),
        object_to,
        can_withdraw: domain::vetting::may_withdraw(v.state, now, polls_open).is_ok(),
    })
}

/// A refusal as the status page shows it: its status and Persian reason.
fn refusal(e: app::Error) -> (StatusCode, String) {
    match e {
        app::Error::NotFound(_) | app::Error::Store(store::StoreError::NotFound { .. }) => (
            StatusCode::NOT_FOUND,
            "پرونده‌ای با این کد رهگیری و کد ملی پیدا نشد؛ هر دو را دوباره بررسی کنید.".into(),
        ),
        e => {
            let (status, _, _, detail) = ApiError::from(e).parts();
            (status, detail)
        }
    }
}

/// The applicant's errors a page shows; the others (the store's, the system's) make an
/// error page.
fn is_refusal(e: &app::Error) -> bool {
    matches!(
        e,
        app::Error::NotFound(_)
            | app::Error::Identity(_)
            | app::Error::Domain(_)
            | app::Error::Store(
                store::StoreError::Refused(store::Refusal::Vetting(_))
                    | store::StoreError::NotFound { .. }
            )
    )
}

async fn status_page(
    visit: &Visit,
    tracking_code: &str,
    national_id: &str,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let (mut status, mut error) = match error {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    };
    let mut files = Vec::new();
    if !tracking_code.is_empty() && !national_id.trim().is_empty() {
        match visit
            .app()
            .registrations()
            .applicants_file(tracking_code, national_id)
            .await
        {
            Ok((registration, history)) => {
                files.push(file_view(&visit.state, &registration, &history).await?);
            }
            Err(e) if is_refusal(&e) => {
                let (s, text) = refusal(e);
                status = s;
                error = Some(text);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = StatusPage {
        layout: visit.layout("پیگیری ثبت‌نام", "/registration-status"),
        tracking_code: persian_digits(tracking_code),
        national_id: persian_digits(national_id.trim()),
        files,
        proof: None,
        mine: false,
        notice,
        error,
    };
    render_status(status, &page)
}

/// The filings in the name of whoever holds `proof` (purpose `applicant`), each with its
/// objection and withdrawal forms carrying the proof; a proof no longer good sends them back
/// to prove who they are.
pub async fn mine_page(
    visit: &Visit,
    proof: &str,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> PageResult {
    let (mut status, mut error) = match error {
        Some((status, text)) => (status, Some(text)),
        None => (StatusCode::OK, None),
    };
    let mut files = Vec::new();
    let mut live_proof = None;
    let mut national_id = String::new();
    match visit.app().registrations().mine(proof).await {
        Ok((id, found)) => {
            for (registration, history) in &found {
                files.push(file_view(&visit.state, registration, history).await?);
            }
            if found.is_empty() && notice.is_none() {
                error.get_or_insert_with(|| {
                    "در این انتخابات پرونده‌ای به نام شما ثبت نشده است.".to_owned()
                });
            }
            national_id = persian_digits(id.as_str());
            live_proof = Some(proof.trim().to_owned());
        }
        Err(e @ app::Error::Identity(_)) => {
            let (s, _, _, detail) = ApiError::from(e).parts();
            status = s;
            error = Some(detail);
        }
        Err(e) => return Err(e.into()),
    }
    let page = StatusPage {
        layout: visit.layout("پرونده‌های ثبت‌نام به نام من", "/my-filings"),
        tracking_code: String::new(),
        national_id,
        files,
        proof: live_proof,
        mine: true,
        notice,
        error,
    };
    render_status(status, &page)
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    tracking_code: String,
    #[serde(default)]
    national_id: String,
}

/// What the look-up form may be filled in with from its address: the tracking code only. A
/// national id is never read from an address (issue 15: addresses end up in logs and
/// histories); the file shows only after the form is posted.
#[derive(Debug, Deserialize)]
pub struct LookupQuery {
    #[serde(default)]
    tracking_code: String,
}

/// `GET /registration-status`: the look-up form (a `?tracking_code=` fills it in).
pub async fn status(visit: Visit, OnPage(Query(q)): OnPage<Query<LookupQuery>>) -> PageResult {
    let tracking = tracking_input(&q.tracking_code);
    status_page(&visit, &tracking, "", None, None).await
}

/// `POST /registration-status`: looks the file up by its tracking code and the applicant's
/// national id (posted, so the national id stays out of addresses and logs).
pub async fn lookup(visit: Visit, OnPage(Form(form)): OnPage<Form<LookupForm>>) -> PageResult {
    let tracking = tracking_input(&form.tracking_code);
    if tracking.is_empty() || form.national_id.trim().is_empty() {
        let missing = (
            StatusCode::UNPROCESSABLE_ENTITY,
            "کد رهگیری و کد ملی را بنویسید.".to_owned(),
        );
        return status_page(&visit, &tracking, "", None, Some(missing)).await;
    }
    status_page(&visit, &tracking, &form.national_id, None, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    tracking_code: String,
    #[serde(default)]
    identity_proof: String,
    /// `object` or `withdraw`.
    #[serde(default)]
    step: String,
    #[serde(default)]
    reason: String,
    /// The withdrawal's confirmation box.
    confirm: Option<String>,
}

/// `POST /registration-status/steps`: the applicant objects or withdraws with a proof of their
/// national id (carried by the forms of `mine_page`), through the same code as
/// `POST /api/v1/registrations/{tracking_code}/steps`; a refused step shows its Persian
/// reason with the filings.
pub async fn step(visit: Visit, OnPage(Form(form)): OnPage<Form<StepForm>>) -> PageResult {
    let tracking = tracking_input(&form.tracking_code);
    let reason = domain::text::normalize_name(&form.reason);
    let action = match form.step.as_str() {
        "object" => VettingAction::Object { reason },
        "withdraw" if form.confirm.is_some() => VettingAction::Withdraw { reason },
        "withdraw" => {
            let unconfirmed = (
                StatusCode::UNPROCESSABLE_ENTITY,
                "برای انصراف، خانه تأیید را علامت بزنید.".to_owned(),
            );
            return mine_page(&visit, &form.identity_proof, None, Some(unconfirmed)).await;
        }
        _ => return Err(ApiError::not_found(store::Entity::Page).into()),
    };
    // The applicant's step: `take_step` acts as the applicant, whoever is signed in.
    match visit
        .app()
        .vetting()
        .take_step(None, &tracking, &action, Some(&form.identity_proof))
        .await
    {
        Ok((registration, history)) => {
            let notice = match action {
                VettingAction::Object { .. } => "اعتراض شما ثبت شد.",
                _ => "انصراف شما ثبت شد.",
            };
            // The proof is spent: the file is shown without its forms.
            let page = StatusPage {
                layout: visit.layout("پرونده‌های ثبت‌نام به نام من", "/my-filings"),
                tracking_code: persian_digits(&tracking),
                national_id: String::new(),
                files: vec![file_view(&visit.state, &registration, &history).await?],
                proof: None,
                mine: true,
                notice: Some(notice.into()),
                error: None,
            };
            render(&page)
        }
        Err(e) if is_refusal(&e) => {
            let refused = refusal(e);
            mine_page(&visit, &form.identity_proof, None, Some(refused)).await
        }
        Err(e) => Err(e.into()),
    }
}
