//! The one error type of the use cases. The web layer maps it to HTTP once
//! (`web::error`): a refusal of access, a thing not found, a rule broken (the domain's, the
//! store's, election day's, registration's), or a failure of the system.

use domain::DomainError;
use store::{Entity, StoreError};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// No principal where the policy needs one.
    #[error("authentication required")]
    Unauthenticated,
    /// A principal the policy refuses.
    #[error("forbidden")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(Entity),
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A refused file: every bad row, by line. Nothing was written.
    #[error("{} rows refused", .0.len())]
    Rows(Vec<domain::csv_io::RowError>),
    /// A second check-in: where and when the person checked in.
    #[error("already voted at {station}")]
    AlreadyVoted {
        station: String,
        at: time::OffsetDateTime,
    },
    #[error("not eligible: {}", .0.code())]
    NotEligible(domain::roll::NotEligible),
    #[error("station not open")]
    StationNotOpen(domain::station_day::DayState),
    #[error("unknown or spent ballot token")]
    BallotTokenInvalid,
    #[error("ballot refused: {}", .0.code())]
    BallotRefused(domain::ballot::BallotRefusal),
    /// A registration that breaks the rules: every broken rule, and when it was judged.
    #[error("registration refused: {}", .0.first().map_or("", domain::registration::Ineligible::code))]
    Ineligible(Vec<domain::registration::Ineligible>, time::OffsetDateTime),
    #[error("upload refused: {}", .0.code())]
    UploadRefused(domain::registration::UploadRefusal),
    /// A one-time code or a proof of identity refused (`domain::identity`).
    #[error("identity refused: {}", .0.code())]
    Identity(domain::identity::IdentityRefusal),
    /// The text-message gateway did not take a code (the code is not sent; ask again).
    #[error("text message not sent: {0}")]
    SmsUnavailable(String),
    /// A wrong password, an unknown username or a disabled account, told apart to no one.
    #[error("wrong username or password")]
    InvalidCredentials,
    /// Too many passwords are being checked already (`sessions::Hashing`): try again soon.
    #[error("busy: too many password checks at once")]
    Busy,
    /// A key, a share, a ballot or a record refused by `ballot_crypto` (issue 17).
    #[error("refused: {0}")]
    Crypto(ballot_crypto::CryptoError),
    /// A failure of the system that is not the store's (a task that did not finish).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A field of the request that is wrong, with its Persian reason.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Domain(DomainError::InvalidField {
            field,
            reason: reason.into(),
        })
    }
}

impl From<domain::access::Denied> for Error {
    fn from(d: domain::access::Denied) -> Self {
        match d {
            domain::access::Denied::Unauthenticated => Self::Unauthenticated,
            domain::access::Denied::Forbidden => Self::Forbidden,
        }
    }
}

impl From<store::import::ImportError> for Error {
    fn from(e: store::import::ImportError) -> Self {
        match e {
            store::import::ImportError::Rows(rows) => Self::Rows(rows),
            store::import::ImportError::Store(s) => Self::Store(s),
        }
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(e.to_string())
    }
}
