//! Candidate registration (issue 5), public and without an account: filing the form with its
//! documents (every field, every upload and every eligibility rule decided before anything is
//! written), and the applicant's file found by its tracking code and national id.

use crate::{Context, Error, Result};
use domain::identity::{IdentityRefusal, Purpose};
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
    /// For the sweep: incidents' photos are uploads too.
    pub(crate) incidents: &'a dyn store::IncidentStore,
    pub(crate) identity: crate::identity::Identity<'a>,
    pub(crate) ctx: Context<'a>,
}

/// The form field carrying the applicant's proof of identity (`identity::Proven::proof`).
pub const PROOF_FIELD: &str = "identity_proof";

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
    pub(crate) fn optional(&self, name: &str) -> Option<&str> {
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
    /// Files a registration, public (`registration.submit`): only with a proof of the
    /// applicant's national id (a one-time code sent to the registry's mobile number and
    /// entered, `identity`), and with the registry's birth date and father's name. Checks
    /// every field, every upload and every eligibility rule, and writes nothing unless all
    /// pass; then the proof is spent, the documents go to disk (content-addressed, synced)
    /// and the registration to the store.
    pub async fn file(self, form: &RegistrationForm) -> std::result::Result<Filed, NotFiled> {
        let now = self.ctx.clock.now();
        let mut problems = Vec::new();
        // Nothing else is looked at without a live proof: a stranger's form costs no work.
        let proof = form.fields.optional(PROOF_FIELD).unwrap_or_default();
        let proven = if proof.is_empty() {
            Err(Error::Identity(IdentityRefusal::NotVerified))
        } else {
            self.identity.proven(proof, Purpose::Register).await
        };
        let proven = match proven {
            Ok(id) => id,
            Err(e @ Error::Identity(_)) => return Err(NotFiled::Refused(vec![e])),
            Err(e) => return Err(NotFiled::Failed(e)),
        };
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
        if application.national_id != proven {
            return Err(NotFiled::Refused(vec![Error::Identity(
                IdentityRefusal::WrongProof,
            )]));
        }
        if !self
            .identity
            .registry_agrees(&proven, application.birth_date, &application.father_name)
            .await?
        {
            problems.push(Error::Identity(IdentityRefusal::Mismatch));
        }
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
                "شورای انتخاب‌شده در این انتخابات نیست",
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
        // A second filing is refused before its proof is spent or its documents written (the
        // store still refuses one that races past this).
        if self.filed_by(&election.code, &proven).await? {
            return Err(NotFiled::Refused(vec![Error::Ineligible(
                vec![Ineligible::AlreadyRegistered],
                now,
            )]));
        }
        // One filing per proof: spent before anything is written. A person may file once per
        // election, so one proof is all the uploads a verified national id can leave.
        match self.identity.spend(proof, &proven, Purpose::Register).await {
            Ok(()) => {}
            Err(e @ Error::Identity(_)) => return Err(NotFiled::Refused(vec![e])),
            Err(e) => return Err(NotFiled::Failed(e)),
        }

        // The documents go to disk first (content-addressed, synced); a registration the store
        // refuses below leaves them unreferenced, never half-written, until the next sweep
        // (`sweep_orphans`).
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

    /// Removes the uploaded files no registration (nor incident) holds that were last written more than
    /// `older_than` ago (a filing the store refused after its documents were written, a
    /// crash's temporary file); a filing under way is younger. How many went.
    pub async fn sweep_orphans(self, older_than: time::Duration) -> Result<usize> {
        let mut held = self.candidacy.document_hashes().await?;
        held.extend(self.incidents.incident_photo_hashes().await?);
        let cutoff: std::time::SystemTime = (self.ctx.clock.now() - older_than).into();
        let files = self.ctx.files.clone();
        let removed = tokio::task::spawn_blocking(move || {
            let mut removed = 0;
            for stored in files.stored()? {
                let orphan = stored.sha256.as_ref().is_none_or(|sha| !held.contains(sha));
                if orphan && stored.modified < cutoff {
                    files.remove(&stored)?;
                    removed += 1;
                }
            }
            Ok::<_, store::StoreError>(removed)
        })
        .await??;
        Ok(removed)
    }

    /// Whether `national_id` has filed in this election.
    async fn filed_by(self, election: &str, national_id: &NationalId) -> Result<bool> {
        let filter = store::RegistrationFilter {
            national_id: Some(national_id.as_str().to_owned()),
            ..store::RegistrationFilter::default()
        };
        let page = self
            .candidacy
            .registrations(election, &filter, store::PageRequest::new(1, 1))
            .await?;
        Ok(page.total > 0)
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

    /// When withdrawals close: the polls' opening (the election's `election_day` milestone).
    pub async fn withdrawals_close(self) -> Result<Option<time::OffsetDateTime>> {
        let election = self.ctx.cached().election().await?;
        Ok(store::election_day::polls(&election).map(|(open, _)| open))
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

    /// The filings in the name of whoever holds a proof of identity (purpose `applicant`),
    /// with their histories: so a person finds, and may withdraw or dispute, a filing made in
    /// their name without its tracking code. The proof is not spent by looking.
    pub async fn mine(self, proof: &str) -> Result<(NationalId, Vec<File>)> {
        let national_id = self.identity.proven(proof, Purpose::Applicant).await?;
        let election = self.ctx.cached().election_code().await?;
        let filter = store::RegistrationFilter {
            national_id: Some(national_id.as_str().to_owned()),
            ..store::RegistrationFilter::default()
        };
        let page = self
            .candidacy
            .registrations(election, &filter, store::PageRequest::new(1, 10))
            .await?;
        let mut files = Vec::with_capacity(page.items.len());
        for registration in page.items {
            files.push(public(
                self.by_tracking_code(&registration.tracking_code).await?,
            ));
        }
        Ok((national_id, files))
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
