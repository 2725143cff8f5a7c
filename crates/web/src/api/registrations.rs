//! Candidate registration and vetting (issue 5): the public online registration with its
//! uploads, the applicant's status by tracking code, and the boards' vetting steps.

use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::cache::election_code;
use crate::{ApiError, AppState};
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use domain::access::{vetting_reviewer, Action};
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Education, Gender};
use domain::registration::{
    check_application, check_upload, Application, DocumentKind, Ineligible, OfficialPost,
    RegistrationWindow, WindowStatus,
};
use domain::vetting::{Reviewer, VettingAction, VettingState};
use domain::DomainError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use store::{Actor, NewRegistration, Registration, RegistrationFilter, StoredDocument};

/// The largest registration request: the form and every document at its largest.
pub const MAX_REGISTRATION_BYTES: usize = 24 * 1024 * 1024;

/// The actor name of steps the applicant takes (filing, objecting, withdrawing).
pub const APPLICANT: &str = "applicant";

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Filed {
    /// Keep it: with the national id it shows the registration's status.
    pub tracking_code: String,
    #[schema(value_type = String)]
    pub state: VettingState,
}

/// A tracking code: twelve random digits.
fn new_tracking_code() -> String {
    let bytes = crate::auth::random_bytes::<12>();
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

fn invalid(field: &'static str, reason: &str) -> ApiError {
    ApiError::Domain(DomainError::InvalidField {
        field,
        reason: reason.into(),
    })
}

/// The form's text fields, by name.
pub(crate) struct Fields(HashMap<String, String>);

/// Keeps a field's value, or its error for the list of everything wrong with the form.
fn keep<T>(errors: &mut Vec<ApiError>, result: Result<T, ApiError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

impl Fields {
    /// A field as it was entered (empty when absent), for showing the form again.
    pub(crate) fn value(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
    fn get(&self, name: &'static str) -> Result<&str, ApiError> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid(name, "این خانه را پر کنید"))
    }
    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
    /// A checkbox: `true`, `1`, `on` or `yes` (absent is false).
    fn flag(&self, name: &str) -> bool {
        self.optional(name)
            .is_some_and(|v| matches!(v, "true" | "1" | "on" | "yes"))
    }

    /// The application, or every field that is wrong, in the form's order.
    fn application(&self) -> Result<Application, Vec<ApiError>> {
        let date = |name: &'static str| -> Result<time::Date, ApiError> {
            domain::calendar::parse_date(self.get(name)?)
                .map_err(|_| invalid(name, "تاریخ را به صورت ۱۳۶۵/۰۱/۳۱ یا 1986-04-20 بنویسید"))
        };
        let text = |name: &'static str| self.get(name).map(str::to_owned);
        let mut errors = Vec::new();
        let e = &mut errors;
        let national_id = keep(
            e,
            self.get("national_id")
                .and_then(|v| NationalId::parse(v).map_err(ApiError::from)),
        );
        let first_name = keep(e, text("first_name"));
        let last_name = keep(e, text("last_name"));
        let father_name = keep(e, text("father_name"));
        let birth_date = keep(e, date("birth_date"));
        let gender = keep(
            e,
            self.get("gender")
                .and_then(|v| Gender::parse(v).ok_or_else(|| invalid("gender", "female یا male"))),
        );
        let mobile = keep(
            e,
            self.get("mobile")
                .and_then(|v| MobileNumber::parse(v).map_err(ApiError::from)),
        );
        let residence = keep(e, text("residence"));
        let council = keep(e, text("council"));
        let education = keep(
            e,
            self.get("education").and_then(|v| {
                Education::parse(v).ok_or_else(|| {
                    invalid(
                        "education",
                        "literate، diploma، associate، bachelor، master یا doctorate",
                    )
                })
            }),
        );
        let occupation = keep(e, text("occupation"));
        let official = match self.optional("official_title") {
            Some(title) => {
                let resigned_on = match self.optional("resigned_on") {
                    Some(_) => keep(e, date("resigned_on").map(Some)),
                    None => Some(None),
                };
                resigned_on.map(|resigned_on| {
                    Some(OfficialPost {
                        title: title.to_owned(),
                        resigned_on,
                    })
                })
            }
            None => Some(None),
        };
        let (
            Some(national_id),
            Some(first_name),
            Some(last_name),
            Some(father_name),
            Some(birth_date),
            Some(gender),
            Some(mobile),
            Some(residence),
            Some(council),
            Some(education),
            Some(occupation),
            Some(official),
        ) = (
            national_id,
            first_name,
            last_name,
            father_name,
            birth_date,
            gender,
            mobile,
            residence,
            council,
            education,
            occupation,
            official,
        )
        else {
            return Err(errors);
        };
        Application {
            national_id,
            first_name,
            last_name,
            father_name,
            birth_date,
            gender,
            mobile,
            residence,
            council,
            education,
            former_member: self.flag("former_member"),
            occupation,
            official,
            veteran_family: self.flag("veteran_family"),
        }
        .normalized()
        .map_err(|e| vec![ApiError::from(e)])
    }
}

/// An upload as received: its kind, its declared type and its bytes.
struct Upload {
    kind: DocumentKind,
    declared: Option<String>,
    bytes: axum::body::Bytes,
}

/// Why a registration's body could not be read to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unreadable {
    TooLarge,
    Broken,
    DocumentTwice,
    FieldTooLong,
}

impl Unreadable {
    fn error(self) -> ApiError {
        match self {
            Self::TooLarge => ApiError::PayloadTooLarge,
            Self::Broken => invalid("multipart", "فرم ارسالی خوانا نیست"),
            Self::DocumentTwice => invalid("documents", "هر مدرک را یک بار بارگذاری کنید"),
            Self::FieldTooLong => invalid("multipart", "یکی از خانه‌ها بیش از اندازه بلند است"),
        }
    }
}

/// A registration form as read from its `multipart/form-data` body. What was read before a
/// failure is kept, so that a page can show the applicant's entries again.
pub(crate) struct RegistrationForm {
    pub(crate) fields: Fields,
    uploads: Vec<Upload>,
    unreadable: Option<Unreadable>,
}

impl RegistrationForm {
    /// The kinds of the documents attached (each once).
    fn document_kinds(&self) -> Vec<DocumentKind> {
        self.uploads.iter().map(|u| u.kind).collect()
    }
}

/// Reads the form's fields and files; never fails, see [`RegistrationForm`].
pub(crate) async fn read_form(mut multipart: Multipart) -> RegistrationForm {
    let mut form = RegistrationForm {
        fields: Fields(HashMap::new()),
        uploads: Vec::new(),
        unreadable: None,
    };
    let broken = |e: &axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Unreadable::TooLarge
        } else {
            Unreadable::Broken
        }
    };
    loop {
        let part = match multipart.next_field().await {
            Ok(Some(part)) => part,
            Ok(None) => break,
            Err(e) => {
                form.unreadable = Some(broken(&e));
                break;
            }
        };
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(kind) = DocumentKind::parse(&name) {
            let declared = part.content_type().map(str::to_owned);
            let unnamed = part.file_name().is_none_or(str::is_empty);
            let bytes = match part.bytes().await {
                Ok(bytes) => bytes,
                Err(e) => {
                    form.unreadable = Some(broken(&e));
                    break;
                }
            };
            // A file input left empty: browsers send it with no file name and no bytes.
            if bytes.is_empty() && (declared.is_none() || unnamed) {
                continue;
            }
            if form.uploads.iter().any(|u| u.kind == kind) {
                form.unreadable = Some(Unreadable::DocumentTwice);
                break;
            }
            form.uploads.push(Upload {
                kind,
                declared,
                bytes,
            });
        } else {
            let value = match part.text().await {
                Ok(value) => value,
                Err(e) => {
                    form.unreadable = Some(broken(&e));
                    break;
                }
            };
            if value.chars().count() > 1_000 {
                form.unreadable = Some(Unreadable::FieldTooLong);
                break;
            }
            form.fields.0.insert(name, value);
        }
    }
    form
}

/// Why a registration was not filed.
pub(crate) enum NotFiled {
    /// The applicant's to put right: every problem found, in the form's order (the body, the
    /// fields, the uploads, then the eligibility rules in one [`ApiError::Ineligible`]).
    Refused(Vec<ApiError>),
    /// The system's (the store, the disk).
    Failed(ApiError),
}

impl From<ApiError> for NotFiled {
    fn from(e: ApiError) -> Self {
        Self::Failed(e)
    }
}

impl From<store::StoreError> for NotFiled {
    fn from(e: store::StoreError) -> Self {
        Self::Failed(ApiError::Store(e))
    }
}

impl From<NotFiled> for ApiError {
    /// The API answers with the first problem (an `Ineligible` lists its rules in `reasons`).
    fn from(n: NotFiled) -> Self {
        match n {
            NotFiled::Refused(problems) => problems
                .into_iter()
                .next()
                .unwrap_or_else(|| ApiError::Internal("a refusal without a reason".into())),
            NotFiled::Failed(e) => e,
        }
    }
}

/// Files a registration: the API's `POST /api/v1/registrations` and the public `/register`
/// page both come here. Checks every field, every upload and every eligibility rule, and
/// writes nothing unless all pass.
pub(crate) async fn file_registration(
    state: &AppState,
    form: &RegistrationForm,
) -> Result<Filed, NotFiled> {
    if let Some(unreadable) = form.unreadable {
        return Err(NotFiled::Refused(vec![unreadable.error()]));
    }
    let now = state.now();
    let mut problems = Vec::new();
    let application = match form.fields.application() {
        Ok(a) => Some(a),
        Err(errors) => {
            problems.extend(errors);
            None
        }
    };
    let mut checked = Vec::with_capacity(form.uploads.len());
    for upload in &form.uploads {
        match check_upload(upload.kind, upload.declared.as_deref(), &upload.bytes) {
            Ok(media) => checked.push((upload.kind, media)),
            Err(refusal) => problems.push(ApiError::UploadRefused(refusal)),
        }
    }
    let Some(application) = application else {
        return Err(NotFiled::Refused(problems));
    };
    let code = election_code(state).await?;
    let election = state
        .store
        .election(Some(code))
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Election))?;
    let Some(place) = state.store.council_place(&application.council).await? else {
        problems.push(invalid("council", "شورای برگزیده در این انتخابات نیست"));
        return Err(NotFiled::Refused(problems));
    };
    // A refused upload is reported as such, not as missing too.
    let kinds = form.document_kinds();
    let broken = match RegistrationWindow::of(&election, place.kind) {
        Some(window) => check_application(&application, &place, &window, &kinds, now).err(),
        None => Some(vec![Ineligible::RegistrationClosed {
            status: WindowStatus::Over { closed_at: now },
        }]),
    };
    if let Some(broken) = broken {
        problems.push(ApiError::Ineligible(broken, now));
    }
    if !problems.is_empty() {
        return Err(NotFiled::Refused(problems));
    }

    // The documents go to disk first (content-addressed, synced); a refused registration
    // below leaves them unreferenced, never half-written.
    let files = state.files.clone();
    let contents: Vec<axum::body::Bytes> = form.uploads.iter().map(|u| u.bytes.clone()).collect();
    let hashes = tokio::task::spawn_blocking(move || {
        contents
            .iter()
            .map(|b| files.put(b))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::from)?;
    let documents = checked
        .iter()
        .zip(&form.uploads)
        .zip(hashes)
        .map(|(((kind, media), upload), sha256)| StoredDocument {
            kind: *kind,
            media_type: *media,
            size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
            sha256,
        })
        .collect();
    let registration = NewRegistration {
        election_code: code.to_owned(),
        tracking_code: new_tracking_code(),
        application,
        documents,
    };
    match state
        .store
        .register(&registration, &Actor::new(APPLICANT, now))
        .await
    {
        Ok(()) => Ok(Filed {
            tracking_code: registration.tracking_code,
            state: VettingState::Submitted,
        }),
        Err(store::StoreError::Duplicate {
            entity: store::Entity::Registration,
            ..
        }) => Err(NotFiled::Refused(vec![ApiError::Ineligible(
            vec![Ineligible::AlreadyRegistered],
            now,
        )])),
        Err(other) => Err(NotFiled::Failed(ApiError::Store(other))),
    }
}

/// Files a candidate's registration, public: the form's fields and its documents as
/// `multipart/form-data` (`photo`, `degree`, `military_card`, `resignation_certificate`,
/// `criminal_record`; each checked by its content). Refused with the first failed rule's code
/// and every failed rule in `reasons`; nothing is stored on refusal.
#[utoipa::path(post, path = "/api/v1/registrations", tag = "candidates", security(()),
    request_body(content_type = "multipart/form-data", description = "Fields: national_id, first_name, last_name, father_name, birth_date (Jalali or ISO), gender (female|male), mobile, residence, council (code), education (literate|diploma|associate|bachelor|master|doctorate), former_member, occupation, official_title, resigned_on, veteran_family; files: photo, degree, military_card, resignation_certificate, criminal_record"),
    responses((status = 201, body = Filed),
        (status = 409, description = "`already_registered`", body = crate::error::Problem),
        (status = 422, description = "`registration_closed`, `too_young`, `education_below_minimum`, `not_resigned`, `resigned_too_late`, `missing_document`, `content_mismatch`, `unrecognised_content`, `type_not_accepted`, `file_too_large`, `empty_file`, `invalid_field`, `invalid_national_id`, `invalid_mobile`", body = crate::error::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Filed>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::UnsupportedMediaType)?;
    let form = read_form(multipart).await;
    let filed = file_registration(&state, &form).await?;
    Ok((StatusCode::CREATED, Json(filed)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ApplicantQuery {
    /// The applicant's national id: the tracking code alone shows nothing.
    pub national_id: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    pub at: String,
    pub step: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    /// The state in Persian.
    pub state_persian: String,
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Status {
    pub tracking_code: String,
    pub council: String,
    pub council_name: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    pub state_persian: String,
    /// When the awaited step is due (a board's decision, or the applicant's objection).
    pub deadline: Option<String>,
    pub overdue: bool,
    pub candidate_code: Option<String>,
    pub history: Vec<HistoryEntry>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// When vetting opens for the election's executive boards (the timeline's milestone).
pub(crate) async fn vetting_opens(
    state: &AppState,
) -> Result<Option<time::OffsetDateTime>, ApiError> {
    let code = election_code(state).await?;
    Ok(state.store.election(Some(code)).await?.and_then(|e| {
        e.milestones
            .iter()
            .find(|m| m.key == "executive_vetting")
            .map(|m| m.starts_at)
    }))
}

/// A registration and its history, if the national id is the applicant's.
pub(crate) async fn applicants_file(
    state: &AppState,
    tracking_code: &str,
    national_id: &str,
) -> Result<(Registration, Vec<store::VettingEvent>), ApiError> {
    let id = NationalId::parse(national_id)?;
    let code = election_code(state).await?;
    state
        .store
        .registration(code, tracking_code.trim())
        .await?
        .filter(|(r, _)| r.application.national_id == id)
        .ok_or(ApiError::NotFound(store::Entity::Registration))
}

async fn status_of(
    state: &AppState,
    registration: &Registration,
    history: &[store::VettingEvent],
) -> Result<Status, ApiError> {
    let opens = vetting_opens(state).await?;
    let v = &registration.vetting;
    Ok(Status {
        tracking_code: registration.tracking_code.clone(),
        council: registration.application.council.clone(),
        council_name: registration.council_name.clone(),
        state: v.state,
        state_persian: v.state.persian().into(),
        deadline: v.deadline(opens).map(rfc3339),
        overdue: v.is_overdue(opens, state.now()),
        candidate_code: registration.candidate_code.clone(),
        history: history
            .iter()
            .map(|e| HistoryEntry {
                at: rfc3339(e.at),
                step: e.step.clone(),
                state: e.state,
                state_persian: e.state.persian().into(),
                by: e.by.clone(),
                reason: e.reason.clone(),
            })
            .collect(),
    })
}

/// A registration's status and history, public with the applicant's national id (a wrong one
/// is answered as not found).
#[utoipa::path(get, path = "/api/v1/registrations/{tracking_code}", tag = "candidates", security(()),
    params(("tracking_code" = String, Path, description = "The tracking code given on filing"), ApplicantQuery),
    responses((status = 200, body = Status), (status = 404, body = crate::error::Problem)))]
pub async fn status(
    State(state): State<AppState>,
    Path(tracking_code): Path<String>,
    ApiQuery(query): ApiQuery<ApplicantQuery>,
) -> Result<Json<Status>, ApiError> {
    let (registration, history) =
        applicants_file(&state, &tracking_code, &query.national_id).await?;
    Ok(Json(status_of(&state, &registration, &history).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StepRequest {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub action: VettingAction,
    /// For the applicant's own steps (`object`, `withdraw`): their national id.
    pub national_id: Option<String>,
}

/// Takes a vetting step. The applicant objects or withdraws with their national id, without an
/// account; the boards sign in: a county's executive board reviews, its supervision board
/// decides and hears the first objection, the province's supervision board the second.
#[utoipa::path(post, path = "/api/v1/registrations/{tracking_code}/steps", tag = "candidates",
    params(("tracking_code" = String, Path, description = "The registration's tracking code")),
    request_body = StepRequest,
    responses((status = 200, body = Status),
        (status = 409, description = "`illegal_transition`, `wrong_reviewer`, `objection_too_late`", body = crate::error::Problem),
        (status = 422, description = "`reason_required`", body = crate::error::Problem)))]
pub async fn step(
    State(state): State<AppState>,
    auth: Auth,
    Path(tracking_code): Path<String>,
    ApiJson(body): ApiJson<StepRequest>,
) -> Result<Json<Status>, ApiError> {
    let (registration, history) = take_step(
        &state,
        &auth,
        &tracking_code,
        &body.action,
        body.national_id.as_deref(),
    )
    .await?;
    Ok(Json(status_of(&state, &registration, &history).await?))
}

/// Takes a vetting step and returns the file after it: the API's
/// `POST /api/v1/registrations/{tracking_code}/steps` and the status page's objection and
/// withdrawal forms both come here. The applicant's own steps (`object`, `withdraw`) need
/// their national id and no account; the boards' steps need a board member of the county.
pub(crate) async fn take_step(
    state: &AppState,
    auth: &Auth,
    tracking_code: &str,
    action: &VettingAction,
    national_id: Option<&str>,
) -> Result<(Registration, Vec<store::VettingEvent>), ApiError> {
    let code = election_code(state).await?;
    let now = state.now();
    let tracking_code = tracking_code.trim();
    let applicant_step = matches!(
        action,
        VettingAction::Object { .. } | VettingAction::Withdraw { .. }
    );
    let (reviewer, actor) = if applicant_step {
        let national_id =
            national_id.ok_or_else(|| invalid("national_id", "کد ملی داوطلب را وارد کنید"))?;
        applicants_file(state, tracking_code, national_id).await?;
        (Reviewer::Applicant, Actor::new(APPLICANT, now))
    } else {
        let principal = auth.principal().ok_or(ApiError::Unauthenticated)?;
        let (registration, _) = state
            .store
            .registration(code, tracking_code)
            .await?
            .ok_or(ApiError::NotFound(store::Entity::Registration))?;
        let reviewer =
            vetting_reviewer(principal, &registration.county_code).ok_or(ApiError::Forbidden)?;
        (reviewer, Actor::new(principal.username.clone(), now))
    };
    state
        .store
        .vet(code, tracking_code, action, reviewer, &actor)
        .await?;
    state
        .store
        .registration(code, tracking_code)
        .await?
        .ok_or(ApiError::NotFound(store::Entity::Registration))
}

/// The county a registrations list or figure is confined to: the one asked for (if the user
/// may see it), else a county-scoped user's own; `None` is the whole province, for the HQ and
/// the province's supervision board only. The one rule for the API, the worklist and the
/// participation figures.
pub(crate) fn registrations_scope(
    auth: &Auth,
    asked: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let principal = auth.principal().ok_or(ApiError::Unauthenticated)?;
    let county = asked
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| principal.scope.county().map(str::to_owned));
    if let Some(c) = &county {
        auth.require(Action::ViewRegistrations { county: c })?;
    } else {
        auth.require(Action::ViewProvince)?;
        if !matches!(
            principal.role,
            domain::access::Role::ProvinceHq | domain::access::Role::SupervisionBoard
        ) {
            return Err(ApiError::Forbidden);
        }
    }
    Ok(county)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    pub county: Option<String>,
    pub council: Option<String>,
    /// A vetting state (`submitted`, `approved`, …).
    pub state: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListedRegistration {
    pub tracking_code: String,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub council: String,
    pub council_name: String,
    pub county: String,
    #[schema(value_type = String)]
    pub state: VettingState,
    pub state_persian: String,
    pub submitted_at: String,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub candidate_code: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegistrationPage {
    pub items: Vec<ListedRegistration>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

/// Registrations in filing order, for the boards, the governors and the HQ: a county-scoped
/// user sees their county's only.
#[utoipa::path(get, path = "/api/v1/registrations", tag = "candidates", params(ListQuery),
    responses((status = 200, body = RegistrationPage), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<RegistrationPage>, ApiError> {
    let county = registrations_scope(&auth, query.county.as_deref())?;
    let filter = RegistrationFilter {
        county,
        council: query.council,
        state: match query.state.as_deref() {
            Some(s) => {
                Some(VettingState::parse(s).ok_or_else(|| ApiError::InvalidQuery(s.to_owned()))?)
            }
            None => None,
        },
    };
    let code = election_code(&state).await?;
    let opens = vetting_opens(&state).await?;
    let now = state.now();
    let page = state
        .store
        .registrations(
            code,
            &filter,
            crate::api::page_request(query.page, query.per_page),
        )
        .await?;
    Ok(Json(RegistrationPage {
        items: page
            .items
            .iter()
            .map(|r| ListedRegistration {
                tracking_code: r.tracking_code.clone(),
                national_id: r.application.national_id.to_string(),
                first_name: r.application.first_name.clone(),
                last_name: r.application.last_name.clone(),
                council: r.application.council.clone(),
                council_name: r.council_name.clone(),
                county: r.county_code.clone(),
                state: r.vetting.state,
                state_persian: r.vetting.state.persian().into(),
                submitted_at: rfc3339(r.vetting.submitted_at),
                deadline: r.vetting.deadline(opens).map(rfc3339),
                overdue: r.vetting.is_overdue(opens, now),
                candidate_code: r.candidate_code.clone(),
            })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}
