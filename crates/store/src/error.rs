//! The one error type of the store, and the refusals it carries.
//!
//! A backend reports what it found in typed form; the Persian a user reads and the stable code a
//! program matches are written here, once, so that both backends say the same thing in the same
//! words. No backend text (an SQL message, a constraint name) ever reaches a user: a database
//! failure keeps its cause as the error's source, for the logs.

use domain::text::persian_digits;
use thiserror::Error;

/// The causes of a database failure, kept for the logs.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The kinds of record the store names in its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Province,
    County,
    Council,
    Station,
    Election,
    Person,
    Relative,
    User,
    Session,
    Board,
    BoardMember,
    Meeting,
    Registration,
    Document,
    Candidate,
    Voter,
    Assignment,
    Ballot,
    Receipt,
    /// A one-time code asked for (`domain::identity`).
    Challenge,
    /// A page of the web UI (for its 404).
    Page,
    Incident,
    /// The guardians' election key (issue 17).
    ElectionKey,
    /// A voting device (issue 17 §1).
    Kiosk,
    /// A station's count minutes (issue 18 §2).
    Minutes,
    /// An official's key for signing the minutes.
    SigningKey,
    /// A complaint about a council's result (issue 18 §5).
    Complaint,
}

impl Entity {
    /// The English word, for logs and error messages in English.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::County => "county",
            Self::Council => "council",
            Self::Station => "station",
            Self::Election => "election",
            Self::Person => "person",
            Self::Relative => "relative",
            Self::User => "user",
            Self::Session => "session",
            Self::Board => "board",
            Self::BoardMember => "board member",
            Self::Meeting => "meeting",
            Self::Registration => "registration",
            Self::Document => "document",
            Self::Candidate => "candidate",
            Self::Voter => "voter",
            Self::Assignment => "assignment",
            Self::Ballot => "ballot",
            Self::Receipt => "receipt",
            Self::Challenge => "challenge",
            Self::Page => "page",
            Self::Incident => "incident",
            Self::ElectionKey => "election key",
            Self::Kiosk => "kiosk",
            Self::Minutes => "minutes",
            Self::SigningKey => "signing key",
            Self::Complaint => "complaint",
        }
    }

    /// The Persian noun.
    pub fn persian(self) -> &'static str {
        match self {
            Self::Province => "استان",
            Self::County => "شهرستان",
            Self::Council => "شورا",
            Self::Station => "شعبه",
            Self::Election => "انتخابات",
            Self::Person => "شخص",
            Self::Relative => "خویشاوند",
            Self::User => "کاربر",
            Self::Session => "نشست",
            Self::Board => "هیأت",
            Self::BoardMember => "عضو هیأت",
            Self::Meeting => "جلسه",
            Self::Registration => "پرونده ثبت‌نام",
            Self::Document => "مدرک",
            Self::Candidate => "نامزد",
            Self::Voter => "رأی‌دهنده",
            Self::Assignment => "سمت",
            Self::Ballot => "برگه رأی",
            Self::Receipt => "رسید",
            Self::Challenge => "درخواست کد تأیید",
            Self::Page => "صفحه",
            Self::Incident => "رخداد",
            Self::ElectionKey => "کلید انتخابات",
            Self::Kiosk => "دستگاه رأی‌گیری",
            Self::Minutes => "صورتجلسه شمارش آرا",
            Self::SigningKey => "کلید امضا",
            Self::Complaint => "شکایت",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong with a station's record or with what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StationProblem {
    /// The record itself (`Station::validate`).
    Invalid(domain::DomainError),
    /// Its election does not exist.
    UnknownElection { election: String },
    /// Its council, or a route stop's, does not exist.
    UnknownCouncil { council: String },
    /// Its council, or a route stop's, lies in another county.
    CouncilElsewhere { council: String },
    /// The same station code twice in one batch.
    Repeated,
}

/// Why the store refused a change. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A value the domain's rules refuse (a seat table, a national id, a meeting's record).
    Invalid(domain::DomainError),
    /// The staffing rules (`domain::staffing::check_assignment`).
    Staffing(domain::staffing::Refusal),
    /// The boards' rules (`domain::boards::check_membership`).
    Board(domain::boards::BoardRefusal),
    /// The station-day rules (`domain::station_day::decide`).
    Day(domain::station_day::DayRefusal),
    /// The vetting rules (`domain::vetting::apply`).
    Vetting(domain::vetting::VettingRefusal),
    /// The one-time code rules (`domain::identity`).
    Identity(domain::identity::IdentityRefusal),
    /// A station, named when it is one of many in a batch.
    Station {
        station: Option<String>,
        problem: StationProblem,
    },
    /// A council that is not the election's.
    CouncilNotInElection { council: String, election: String },
    /// The election has no `election_day` milestone, so no polling hours.
    NoPollingHours,
    /// Someone has checked in: the roll stays as it is.
    RollLockedByVoting,
    /// A roll row whose council is not the election's.
    RollCouncilUnknown {
        national_id: String,
        council: String,
    },
    /// The roll's sender found bad rows and stopped the import (its own Persian reason).
    RollAborted { reason: String },
    /// The same national id twice in one list (a meeting's attendance, a person's relatives).
    Repeated { entity: Entity, national_id: String },
    /// A board code that names no board.
    UnknownBoard { board: String },
    /// The account rules (`domain::accounts`): one's own account, the last HQ account.
    Account(domain::accounts::AccountRefusal),
    /// The readiness rules (`domain::readiness::check_declaration`, `Weights::validate`).
    Readiness(domain::readiness::ReadinessRefusal),
    /// The timeline's rules (`domain::timeline::check_milestone`).
    Timeline(domain::timeline::TimelineRefusal),
    /// A file refused row by row; nothing was written.
    Rows(Vec<domain::csv_io::RowError>),
    /// The sensitive stations' rules (`domain::security`, issue 16).
    Security(domain::security::SecurityRefusal),
    /// The incidents' rules (`domain::incident`).
    Incident(domain::incident::IncidentRefusal),
    /// The equipment tests' rules (`domain::test_deck`, issue 16 §6).
    Equipment(domain::test_deck::EquipmentRefusal),
    /// The election already has its key of this purpose: a key ceremony is held once.
    ElectionKeyExists,
    /// The voting devices' rules (`domain::kiosk`, issue 17 §1).
    Kiosk(domain::kiosk::KioskRefusal),
    /// The count's rules (`domain::tally`, issue 17 §4).
    Tally(domain::tally::TallyRefusal),
    /// The station minutes' rules (`domain::results::minutes`, issue 18 §2).
    Minutes(domain::results::minutes::MinutesRefusal),
    /// The annulment rules (`domain::results::annulment`, issue 18 §5).
    Annulment(domain::results::annulment::AnnulmentRefusal),
    /// The paper fallback's hand-count rules (`domain::results::paper`, issue 18 §1).
    Paper(domain::results::paper::PaperRefusal),
    /// The certification's rules (`domain::results::certification`, issue 18 §5).
    Certification(domain::results::certification::CertificationRefusal),
    /// The complaints' rules (`domain::results::complaints`, issue 18 §5).
    Complaint(domain::results::complaints::ComplaintRefusal),
}

/// Whether a refusal is about the request's content (422) or about the state it meets (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Invalid,
    Conflict,
}

impl StationProblem {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.code(),
            Self::UnknownElection { .. } => "unknown_election",
            Self::UnknownCouncil { .. } => "unknown_council",
            Self::CouncilElsewhere { .. } => "council_in_other_county",
            Self::Repeated => "repeated_station",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::Invalid(e) => e.persian(),
            Self::UnknownElection { election } => format!("انتخابات «{election}» وجود ندارد."),
            Self::UnknownCouncil { council } => format!("شورای «{council}» وجود ندارد."),
            Self::CouncilElsewhere { council } => {
                format!("شورای «{council}» در شهرستان این شعبه نیست.")
            }
            Self::Repeated => "این شعبه بیش از یک بار آمده است.".into(),
        }
    }
}

impl Refusal {
    /// The stable snake_case code of the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(e) => e.code(),
            Self::Staffing(r) => r.code(),
            Self::Board(r) => r.code(),
            Self::Day(r) => r.code(),
            Self::Vetting(r) => r.code(),
            Self::Identity(r) => r.code(),
            Self::Station { problem, .. } => problem.code(),
            Self::CouncilNotInElection { .. } => "council_not_in_election",
            Self::NoPollingHours => "no_polling_hours",
            Self::RollLockedByVoting => "roll_locked",
            Self::RollCouncilUnknown { .. } => "unknown_council",
            Self::RollAborted { .. } | Self::Rows(_) => "invalid_rows",
            Self::Repeated { .. } => "repeated",
            Self::UnknownBoard { .. } => "unknown_board",
            Self::Account(r) => r.code(),
            Self::Readiness(r) => r.code(),
            Self::Timeline(r) => r.code(),
            Self::Security(r) => r.code(),
            Self::Incident(r) => r.code(),
            Self::Equipment(r) => r.code(),
            Self::ElectionKeyExists => "election_key_exists",
            Self::Kiosk(r) => r.code(),
            Self::Tally(r) => r.code(),
            Self::Minutes(r) => r.code(),
            Self::Annulment(r) => r.code(),
            Self::Paper(r) => r.code(),
            Self::Certification(r) => r.code(),
            Self::Complaint(r) => r.code(),
        }
    }

    /// The Persian sentence for the person at the keyboard.
    pub fn persian(&self) -> String {
        match self {
            Self::Invalid(e) => e.persian(),
            Self::Staffing(r) => r.persian(),
            Self::Board(r) => r.persian(),
            Self::Day(r) => r.persian(),
            Self::Vetting(r) => r.persian(),
            Self::Identity(r) => r.persian(),
            Self::Station {
                station: Some(code),
                problem,
            } => format!("شعبه {}: {}", persian_digits(code), problem.persian()),
            Self::Station {
                station: None,
                problem,
            } => problem.persian(),
            Self::CouncilNotInElection { council, election } => {
                format!("شورای «{council}» در انتخابات «{election}» نیست.")
            }
            Self::NoPollingHours => {
                "زمان رأی‌گیری (مرحله روز رأی‌گیری) برای این انتخابات تعیین نشده است.".into()
            }
            Self::RollLockedByVoting => {
                "رأی‌گیری آغاز شده است؛ فهرست واجدان شرایط دیگر جایگزین نمی‌شود.".into()
            }
            Self::RollCouncilUnknown {
                national_id,
                council,
            } => format!(
                "کد ملی {}: شورای «{council}» در این انتخابات نیست.",
                persian_digits(national_id)
            ),
            Self::RollAborted { reason } => reason.clone(),
            Self::Repeated {
                entity,
                national_id,
            } => format!(
                "{} با کد ملی {} بیش از یک بار آمده است.",
                entity.persian(),
                persian_digits(national_id)
            ),
            Self::UnknownBoard { board } => format!("هیأت «{board}» شناخته نیست."),
            Self::Account(r) => r.persian(),
            Self::Readiness(r) => r.persian(),
            Self::Timeline(r) => r.persian(),
            Self::Rows(rows) => rows
                .iter()
                .map(|r| format!("سطر {}: {}", persian_digits(&r.line.to_string()), r.message))
                .collect::<Vec<_>>()
                .join("\n"),
            Self::Security(r) => r.persian(),
            Self::Incident(r) => r.persian(),
            Self::Equipment(r) => r.persian(),
            Self::ElectionKeyExists => {
                "این انتخابات کلید خود را دارد؛ مراسم کلید یک بار برگزار می‌شود.".into()
            }
            Self::Kiosk(r) => r.persian(),
            Self::Tally(r) => r.persian(),
            Self::Minutes(r) => r.persian(),
            Self::Annulment(r) => r.persian(),
            Self::Paper(r) => r.persian(),
            Self::Certification(r) => r.persian(),
            Self::Complaint(r) => r.persian(),
        }
    }

    pub fn kind(&self) -> RefusalKind {
        match self {
            Self::Staffing(_)
            | Self::Day(_)
            | Self::RollLockedByVoting
            | Self::NoPollingHours
            | Self::ElectionKeyExists
            | Self::Kiosk(_)
            | Self::Account(_) => RefusalKind::Conflict,
            Self::Board(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Vetting(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Readiness(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Security(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Incident(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Equipment(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Tally(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Minutes(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Annulment(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Paper(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Certification(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            Self::Complaint(r) if !r.is_invalid_input() => RefusalKind::Conflict,
            _ => RefusalKind::Invalid,
        }
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: Entity },
    /// A unique key already taken: `key` is the record's own key (a code, a national id, a
    /// username), never a constraint's name.
    #[error("{entity} {key:?} already exists")]
    Duplicate { entity: Entity, key: String },
    #[error("refused: {}", .0.code())]
    Refused(Refusal),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database failed; the cause is the source, for the logs.
    #[error("database error")]
    Database(#[source] Cause),
    /// Stored data that cannot be what it claims (a row that does not parse, an impossible
    /// state on an integrity path): never defaulted, always an error.
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    /// A database failure with its cause.
    pub fn database(cause: impl Into<Cause>) -> Self {
        Self::Database(cause.into())
    }

    pub fn not_found(entity: Entity) -> Self {
        Self::NotFound { entity }
    }

    /// The stable code of the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Duplicate { entity, .. } => match entity {
                Entity::Person => "duplicate_person",
                Entity::Station => "duplicate_station",
                Entity::User => "duplicate_user",
                Entity::Registration => "duplicate_registration",
                Entity::Voter => "duplicate_voter",
                _ => "conflict",
            },
            Self::Refused(r) => r.code(),
            Self::UnsupportedUrl(_) => "unsupported_database_url",
            Self::Database(_) | Self::Corrupt(_) => "internal_error",
        }
    }

    /// The Persian sentence for the person at the keyboard; failures of the system say only
    /// that they were recorded.
    pub fn persian(&self) -> String {
        match self {
            Self::NotFound { entity } => format!("{} پیدا نشد.", entity.persian()),
            Self::Duplicate { entity, .. } => format!("{} از پیش وجود دارد.", entity.persian()),
            Self::Refused(r) => r.persian(),
            Self::UnsupportedUrl(_) => {
                "نشانی پایگاه داده پشتیبانی نمی‌شود؛ sqlite:PATH یا postgres://… به کار ببرید."
                    .into()
            }
            Self::Database(_) | Self::Corrupt(_) => "خطای داخلی سامانه؛ رخداد ثبت شد.".into(),
        }
    }

    /// The refusal inside, if this is one.
    pub fn refusal(&self) -> Option<&Refusal> {
        match self {
            Self::Refused(r) => Some(r),
            _ => None,
        }
    }
}

impl From<Refusal> for StoreError {
    fn from(r: Refusal) -> Self {
        Self::Refused(r)
    }
}

impl From<domain::staffing::Refusal> for StoreError {
    fn from(r: domain::staffing::Refusal) -> Self {
        Self::Refused(Refusal::Staffing(r))
    }
}

impl From<domain::boards::BoardRefusal> for StoreError {
    fn from(r: domain::boards::BoardRefusal) -> Self {
        Self::Refused(Refusal::Board(r))
    }
}

impl From<domain::station_day::DayRefusal> for StoreError {
    fn from(r: domain::station_day::DayRefusal) -> Self {
        Self::Refused(Refusal::Day(r))
    }
}

impl From<domain::vetting::VettingRefusal> for StoreError {
    fn from(r: domain::vetting::VettingRefusal) -> Self {
        Self::Refused(Refusal::Vetting(r))
    }
}

impl From<domain::identity::IdentityRefusal> for StoreError {
    fn from(r: domain::identity::IdentityRefusal) -> Self {
        Self::Refused(Refusal::Identity(r))
    }
}

impl From<domain::readiness::ReadinessRefusal> for StoreError {
    fn from(r: domain::readiness::ReadinessRefusal) -> Self {
        Self::Refused(Refusal::Readiness(r))
    }
}

impl From<domain::timeline::TimelineRefusal> for StoreError {
    fn from(r: domain::timeline::TimelineRefusal) -> Self {
        Self::Refused(Refusal::Timeline(r))
    }
}

impl From<domain::security::SecurityRefusal> for StoreError {
    fn from(r: domain::security::SecurityRefusal) -> Self {
        Self::Refused(Refusal::Security(r))
    }
}

impl From<domain::results::annulment::AnnulmentRefusal> for StoreError {
    fn from(r: domain::results::annulment::AnnulmentRefusal) -> Self {
        Self::Refused(Refusal::Annulment(r))
    }
}

impl From<domain::results::certification::CertificationRefusal> for StoreError {
    fn from(r: domain::results::certification::CertificationRefusal) -> Self {
        Self::Refused(Refusal::Certification(r))
    }
}

impl From<domain::results::complaints::ComplaintRefusal> for StoreError {
    fn from(r: domain::results::complaints::ComplaintRefusal) -> Self {
        Self::Refused(Refusal::Complaint(r))
    }
}

impl From<domain::results::paper::PaperRefusal> for StoreError {
    fn from(r: domain::results::paper::PaperRefusal) -> Self {
        Self::Refused(Refusal::Paper(r))
    }
}

impl From<domain::results::minutes::MinutesRefusal> for StoreError {
    fn from(r: domain::results::minutes::MinutesRefusal) -> Self {
        Self::Refused(Refusal::Minutes(r))
    }
}

impl From<domain::incident::IncidentRefusal> for StoreError {
    fn from(r: domain::incident::IncidentRefusal) -> Self {
        Self::Refused(Refusal::Incident(r))
    }
}

impl From<domain::test_deck::EquipmentRefusal> for StoreError {
    fn from(r: domain::test_deck::EquipmentRefusal) -> Self {
        Self::Refused(Refusal::Equipment(r))
    }
}

impl From<domain::DomainError> for StoreError {
    fn from(e: domain::DomainError) -> Self {
        Self::Refused(Refusal::Invalid(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_a_code_and_persian_words() {
        let refusals = [
            Refusal::NoPollingHours,
            Refusal::RollLockedByVoting,
            Refusal::Station {
                station: Some("0100001".into()),
                problem: StationProblem::UnknownCouncil {
                    council: "C-1".into(),
                },
            },
            Refusal::Repeated {
                entity: Entity::Relative,
                national_id: "0018465986".into(),
            },
            Refusal::Security(domain::security::SecurityRefusal::NoApprovedPlan),
            Refusal::Security(domain::security::SecurityRefusal::DateInPast),
        ];
        for r in refusals {
            assert!(!r.code().is_empty());
            let text = r.persian();
            assert!(
                text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{text}"
            );
            assert!(!text.is_ascii());
        }
        // A station in a batch is named, in Persian digits.
        let named = Refusal::Station {
            station: Some("0100001".into()),
            problem: StationProblem::Repeated,
        };
        assert!(
            named.persian().starts_with("شعبه ۰۱۰۰۰۰۱:"),
            "{}",
            named.persian()
        );
    }

    #[test]
    fn failures_of_the_system_keep_their_cause_and_show_none_of_it() {
        let cause = std::io::Error::other("disk on fire at /var/lib/x");
        let e = StoreError::database(cause);
        assert_eq!(e.code(), "internal_error");
        assert!(!e.persian().contains("disk"));
        let source = std::error::Error::source(&e).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("disk on fire at /var/lib/x"));
    }
}
