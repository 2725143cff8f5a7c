//! Candidate registration (issue 5), public and without an account: filing the form with its
//! documents (every field, every upload and every eligibility rule decided before anything is
//! written), and the applicant's file found by its tracking code and national id.

use crate::{Context, Error, Result};
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Education, Gender};
use domain::registration::{
    check_application, check_upload, Application, DocumentKind, Ineligible, OfficialPost,
    RegistrationWindow, WindowStatus,
};
use domain::vetting::VettingState;
use std::collections::HashMap;
use store::{Actor, CandidacyStore, NewRegistration, Registration, StoredDocument, VettingEvent};

/// The largest registration request: the form and every document at its largest.
pub const MAX_REGISTRATION_BYTES: usize = 24 * 1024 * 1024;

/// The actor name of steps the applicant takes (filing, objecting, withdrawing).
pub const APPLICANT: &str = "applicant";

/// The longest text field a registration form may carry, in characters.
pub const MAX_FIELD_CHARS: usize = 1_000;

#[derive(Clone, Copy)]
pub struct Registrations<'a> {
    pub(crate) candidacy: &'a dyn CandidacyStore,
    pub(crate) ctx: Context<'a>,
}

/// A registration with its history.
pub type File = (Registration, Vec<VettingEvent>);

/// A registration filed: its tracking code (with the national id, it shows the file).
#[derive(Debug, Clone)]
pub struct Filed {
    pub tracking_code: String,
    pub state: VettingState,
}

/// A file as the public may see it: each step's taker is its board
/// (`domain::vetting::step_taker`), not a member's account.
fn public((registration, mut history): File) -> File {
    for event in &mut history {
        event.by = domain::vetting::step_taker(&event.step).to_owned();
    }
    (registration, history)
}

/// A tracking code: twelve random digits.
fn new_tracking_code() -> String {
    let bytes = crate::random::random_bytes::<12>();
    bytes.iter().map(|b| char::from(b'0' + b % 10)).collect()
}

/// The form's text fields, by name.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub HashMap<String, String>);

/// Keeps a field's value, or its error for the list of everything wrong with the form.
fn keep<T>(errors: &mut Vec<Error>, result: Result<T>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

impl Fields {
    /// A field as it was entered (empty when absent), for showing the form again.
    pub fn value(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }
    fn get(&self, name: &'static str) -> Result<&str> {
        self.0
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::invalid(name, "این خانه را پر کنید"))
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
    fn application(&self) -> std::result::Result<Application, Vec<Error>> {
        let date = |name: &'static str| -> Result<time::Date> {
            domain::calendar::parse_date(self.get(name)?).map_err(|_| {
                Error::invalid(name, "تاریخ را به صورت ۱۳۶۵/۰۱/۳۱ یا 1986-04-20 بنویسید")
            })
        };
        let text = |name: &'static str| self.get(name).map(str::to_owned);
        let mut errors = Vec::new();
        let e = &mut errors;
        let national_id = keep(
            e,
            self.get("national_id")
                .and_then(|v| NationalId::parse(v).map_err(Error::from)),
        );
        let first_name = keep(e, text("first_name"));
        let last_name = keep(e, text("last_name"));
        let father_name = keep(e, text("father_name"));
        let birth_date = keep(e, date("birth_date"));
        let gender = keep(
            e,
            self.get("gender").and_then(|v| {
                Gender::parse(v).ok_or_else(|| Error::invalid("gender", "female یا male"))
            }),
        );
        let mobile = keep(
            e,
            self.get("mobile")
                .and_then(|v| MobileNumber::parse(v).map_err(Error::from)),
        );
        let residence = keep(e, text("residence"));
        let council = keep(e, text("council"));
        let education = keep(
            e,
            self.get("education").and_then(|v| {
                Education::parse(v).ok_or_else(|| {
                    Error::invalid(
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
        // Every field was read above, each error kept; the application needs them all.
        let complete = || {
            Some(Application {
                national_id: national_id?,
                first_name: first_name?,
                last_name: last_name?,
                father_name: father_name?,
                birth_date: birth_date?,
                gender: gender?,
                mobile: mobile?,
                residence: residence?,
                council: council?,
                education: education?,
                former_member: self.flag("former_member"),
                occupation: occupation?,
                official: official?,
                veteran_family: self.flag("veteran_family"),
            })
        };
        let Some(application) = complete() else {
            return Err(errors);
        };
        application.normalized().map_err(|e| vec![Error::from(e)])
    }
}

/// A document as uploaded: its kind, its declared type and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub kind: DocumentKind,
    pub declared: Option<String>,
    pub bytes: bytes::Bytes,
}

/// A registration form as received: its fields and its documents (each kind once).
#[derive(Debug, Clone, Default)]
pub struct RegistrationForm {
    pub fields: Fields,
    pub uploads: Vec<Upload>,
}

impl RegistrationForm {
    /// The kinds of the documents attached.
    fn document_kinds(&self) -> Vec<DocumentKind> {
        self.uploads.iter().map(|u| u.kind).collect()
    }
}

/// Why a registration was not filed.
#[derive(Debug)]
pub enum NotFiled {
    /// The applicant's to put right: every problem found, in the form's order (the fields,
    /// the uploads, then the eligibility rules). Nothing was written.
    Refused(Vec<Error>),
    /// The system's (the store, the disk).
    Failed(Error),
}

impl From<Error> for NotFiled {
    fn from(e: Error) -> Self {
        Self::Failed(e)
    }
}

impl From<store::StoreError> for NotFiled {
    fn from(e: store::StoreError) -> Self {
        Self::Failed(Error::Store(e))
    }
}

impl From<NotFiled> for Error {
    /// The first problem (an `Ineligible` lists all its rules).
    fn from(n: NotFiled) -> Self {
        match n {
            NotFiled::Refused(problems) => problems
                .into_iter()
                .next()
                .unwrap_or_else(|| Error::Internal("a refusal without a reason".into())),
            NotFiled::Failed(e) => e,
        }
    }
}

/// A tracking code as typed: Persian or ASCII digits, spaces and dashes ignored.
pub fn tracking_input(s: &str) -> String {
    domain::text::ascii_digits(s)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

impl Registrations<'_> {
    /// Files a registration, public (`registration.submit`): checks every field, every upload
    /// and every eligibility rule, and writes nothing unless all pass; then the documents go
    /// to disk (content-addressed, synced) and the registration to the store.
    pub async fn file(self, form: &RegistrationForm) -> std::result::Result<Filed, NotFiled> {
        let now = self.ctx.clock.now();
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
                Err(refusal) => problems.push(Error::UploadRefused(refusal)),
            }
        }
        let Some(application) = application else {
            return Err(NotFiled::Refused(problems));
        };
        let election = self.ctx.cached().election().await?;
        let Some(place) = self
            .ctx
            .lookups
            .geography
            .council_place(&application.council)
            .await?
        else {
            problems.push(Error::invalid(
                "council",
                "شورای برگزیده در این انتخابات نیست",
            ));
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
            problems.push(Error::Ineligible(broken, now));
        }
        if !problems.is_empty() {
            return Err(NotFiled::Refused(problems));
        }

        // The documents go to disk first (content-addressed, synced); a refused registration
        // below leaves them unreferenced, never half-written.
        let files = self.ctx.files.clone();
        let contents: Vec<bytes::Bytes> = form.uploads.iter().map(|u| u.bytes.clone()).collect();
        let hashes = tokio::task::spawn_blocking(move || {
            contents
                .iter()
                .map(|b| files.put(b))
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .await
        .map_err(Error::from)??;
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
            election_code: election.code,
            tracking_code: new_tracking_code(),
            application,
            documents,
        };
        match self
            .candidacy
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
            }) => Err(NotFiled::Refused(vec![Error::Ineligible(
                vec![Ineligible::AlreadyRegistered],
                now,
            )])),
            Err(other) => Err(NotFiled::Failed(Error::Store(other))),
        }
    }

    /// When vetting opens for the election's executive boards (the timeline's milestone).
    pub async fn vetting_opens(self) -> Result<Option<time::OffsetDateTime>> {
        Ok(self
            .ctx
            .cached()
            .election()
            .await?
            .milestones
            .iter()
            .find(|m| m.key == "executive_vetting")
            .map(|m| m.starts_at))
    }

    /// A registration and its history, public with the applicant's national id: a wrong one
    /// is answered as not found. Each step names its board, not the member who took it.
    pub async fn applicants_file(self, tracking_code: &str, national_id: &str) -> Result<File> {
        let id = NationalId::parse(national_id)?;
        let file = self.by_tracking_code(tracking_code).await?;
        if file.0.application.national_id != id {
            return Err(Error::NotFound(store::Entity::Registration));
        }
        Ok(public(file))
    }

    /// A registration just filed, for its confirmation page (the tracking code was just
    /// handed to whoever filed it).
    pub async fn filed(self, filed: &Filed) -> Result<File> {
        Ok(public(self.by_tracking_code(&filed.tracking_code).await?))
    }

    /// A registration by tracking code (`NotFound` when there is none), unchecked: for the
    /// use cases that have checked who asks.
    pub(crate) async fn by_tracking_code(self, tracking_code: &str) -> Result<File> {
        let election = self.ctx.cached().election_code().await?;
        self.candidacy
            .registration(election, tracking_code.trim())
            .await?
            .ok_or(Error::NotFound(store::Entity::Registration))
    }
}
