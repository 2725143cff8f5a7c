use thiserror::Error;

/// Every rule violation the domain can report. Each variant has a stable snake_case
/// [`code`](DomainError::code) and a Persian explanation ([`persian`](DomainError::persian)).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid national id: {0}")]
    InvalidNationalId(String),
    #[error("invalid mobile number: {0}")]
    InvalidMobile(String),
    #[error("invalid postal code: {0}")]
    InvalidPostalCode(String),
    #[error("invalid date: {0}")]
    InvalidDate(String),
    #[error("invalid code: {0}")]
    InvalidCode(String),
    #[error("invalid role: {0}")]
    InvalidRole(String),
    #[error("role {role} needs scope {needed}")]
    ScopeMismatch {
        role: &'static str,
        needed: &'static str,
    },
    #[error("invalid seat table: {0}")]
    InvalidSeatTable(String),
    #[error("invalid value for {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("invalid receipt code: {0}")]
    InvalidReceipt(String),
    #[error("invalid pairing code: {0}")]
    InvalidPairingCode(String),
}

impl DomainError {
    /// The stable machine-readable code used in API problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidNationalId(_) => "invalid_national_id",
            Self::InvalidReceipt(_) => "invalid_receipt",
            Self::InvalidPairingCode(_) => "invalid_pairing_code",
            Self::InvalidMobile(_) => "invalid_mobile",
            Self::InvalidPostalCode(_) => "invalid_postal_code",
            Self::InvalidDate(_) => "invalid_date",
            Self::InvalidCode(_) => "invalid_code",
            Self::InvalidRole(_) => "invalid_role",
            Self::ScopeMismatch { .. } => "scope_mismatch",
            Self::InvalidSeatTable(_) => "invalid_seat_table",
            Self::InvalidField { .. } => "invalid_field",
        }
    }

    /// A Persian sentence for the official who made the mistake.
    /// What was typed is repeated in it as a Persian reader reads it
    /// ([`crate::text::echo`]).
    pub fn persian(&self) -> String {
        use crate::text::echo;
        match self {
            Self::InvalidNationalId(v) => format!("کد ملی «{}» معتبر نیست.", echo(v)),
            Self::InvalidReceipt(v) => format!(
                "کد رسید «{}» درست نیست: بیست رقم است و رقم آخر آن بقیه را وارسی می‌کند؛ رقم‌ها را دوباره از روی رسید بخوانید.",
                echo(v)
            ),
            Self::InvalidPairingCode(v) => format!(
                "کد جفت‌سازی «{}» درست نیست: هشت رقمی است که دستگاه رأی‌گیری نشان می‌دهد.",
                echo(v)
            ),
            Self::InvalidMobile(v) => format!("شماره همراه «{}» معتبر نیست.", echo(v)),
            Self::InvalidPostalCode(v) => {
                format!("کد پستی «{}» معتبر نیست؛ کد پستی ۱۰ رقم است.", echo(v))
            }
            Self::InvalidDate(v) => format!("تاریخ «{}» معتبر نیست.", echo(v)),
            Self::InvalidCode(v) => format!("کد «{}» معتبر نیست.", echo(v)),
            Self::InvalidRole(v) => format!("نقش «{v}» شناخته نشد."),
            Self::ScopeMismatch { needed, .. } => {
                format!("این نقش به حوزه دسترسی «{needed}» نیاز دارد.")
            }
            Self::InvalidSeatTable(v) => format!("جدول کرسی‌ها معتبر نیست: {v}"),
            Self::InvalidField { field, reason } => format!("مقدار «{field}» معتبر نیست: {reason}"),
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_typed_is_repeated_with_persian_digits() {
        assert_eq!(
            DomainError::InvalidNationalId("12345".into()).persian(),
            "کد ملی «۱۲۳۴۵» معتبر نیست."
        );
        assert_eq!(
            DomainError::InvalidDate("1404/13/01".into()).persian(),
            "تاریخ «۱۴۰۴/۱۳/۰۱» معتبر نیست."
        );
        // A code with Latin letters is read as it is written.
        assert_eq!(
            DomainError::InvalidCode("AB-12".into()).persian(),
            "کد «AB-12» معتبر نیست."
        );
    }
}
