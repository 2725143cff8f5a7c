//! The voting device (issue 17 §1, DESIGN §4): a kiosk is a principal of its own, paired to one
//! station by that station's staff, which shows a ballot only while the staff console has
//! activated it for a checked-in voter. Its rules: the pairing code it shows, how long a code
//! and an activation live, and how long its screens wait before they clear themselves.

use crate::DomainError;
use time::{Duration, OffsetDateTime};

/// How long a kiosk's pairing code waits for the staff's approval.
pub const PAIRING_TTL: Duration = Duration::minutes(10);
/// How long a ballot activation waits for the voter to cast (or challenge and cast).
pub const ACTIVATION_TTL: Duration = Duration::minutes(10);
/// A voting screen left alone goes back to the kiosk's waiting screen after this long,
/// forgetting the choices on it.
pub const SCREEN_TIMEOUT_SECONDS: u32 = 180;
/// How long the tracking code stays on the kiosk after a cast.
pub const RECEIPT_SECONDS: u32 = 60;
/// At most this many kiosks wait for pairing at once in an election (each request is
/// anonymous): more are refused until some are paired or expire.
pub const MAX_PENDING: u32 = 500;

/// The code a kiosk shows until its station's staff approve it: eight digits, read aloud or
/// typed on the console in Persian or ASCII digits, with or without spaces and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PairingCode(String);

impl PairingCode {
    pub const DIGITS: usize = 8;

    /// The code of a random number (its last eight decimal digits).
    pub fn from_number(n: u64) -> Self {
        Self(format!("{:08}", n % 100_000_000))
    }

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let digits: String = crate::text::ascii_digits(text)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{200c}'))
            .collect();
        if digits.len() == Self::DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(DomainError::InvalidPairingCode(
                text.chars().take(40).collect(),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as the kiosk shows it: Persian digits in two groups of four.
    pub fn shown(&self) -> String {
        let (a, b) = self.0.split_at(Self::DIGITS / 2);
        crate::text::persian_digits(&format!("{a} {b}"))
    }
}

/// Whether a pairing requested at `requested_at` may still be approved at `now`.
pub fn pairing_live(requested_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now < requested_at + PAIRING_TTL
}

/// When an activation made at `at` expires.
pub fn activation_expires(at: OffsetDateTime) -> OffsetDateTime {
    at + ACTIVATION_TTL
}

/// The name a kiosk acts under, in the audit log and the ballots' kiosk chains.
pub fn kiosk_username(kiosk_id: &str) -> String {
    format!("kiosk:{kiosk_id}")
}

/// A kiosk's id from the name it acts under.
pub fn kiosk_of(username: &str) -> Option<&str> {
    username.strip_prefix("kiosk:")
}

/// Why a kiosk's pairing or ballot is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KioskRefusal {
    /// No kiosk waits with this pairing code (never shown, paired already, or expired).
    PairingUnknown,
    /// Too many kiosks wait for pairing in the election ([`MAX_PENDING`]).
    TooManyPending,
    /// The kiosk holds another voter's live ballot: it is activated again only once that
    /// ballot is cast, or its activation expires.
    Busy,
    /// The ballot token is another station's: a station's kiosks show its own voters' ballots.
    OtherStation,
    /// The kiosk has no live ballot: none activated, cast already, or expired.
    NoBallot,
    /// A browser signed in as a user is not paired as a kiosk: the staff keep their console
    /// on their own device.
    SignedIn,
}

impl KioskRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::PairingUnknown => "pairing_code_unknown",
            Self::TooManyPending => "too_many_pending_kiosks",
            Self::Busy => "kiosk_busy",
            Self::OtherStation => "ballot_of_other_station",
            Self::NoBallot => "no_ballot_activated",
            Self::SignedIn => "signed_in_device",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::PairingUnknown => "دستگاهی با این کد جفت‌سازی در انتظار نیست؛ کد ده دقیقه اعتبار دارد. کد تازه‌ای را که دستگاه نشان می‌دهد بنویسید.",
            Self::TooManyPending => "دستگاه‌های بسیاری در انتظار جفت‌شدن‌اند؛ چند دقیقه دیگر دوباره بکوشید.",
            Self::Busy => "این دستگاه برگه رأی‌دهنده دیگری را نشان می‌دهد؛ پس از ثبت رأی او یا پایان اعتبار برگه، دوباره فعال کنید.",
            Self::OtherStation => "این برگه از آنِ احراز هویتی در شعبه دیگری است؛ دستگاه‌های هر شعبه تنها برگه رأی‌دهندگان همان شعبه را نشان می‌دهند.",
            Self::NoBallot => "برگه‌ای روی این دستگاه فعال نیست (یا ثبت شده یا اعتبارش پایان یافته است). از عوامل شعبه بخواهید برگه را فعال کنند.",
            Self::SignedIn => "این مرورگر با حساب کاربری وارد شده است و دستگاه رأی‌گیری نمی‌شود؛ نخست از حساب خارج شوید. عوامل شعبه میز کار خود را روی دستگاه خودشان نگه می‌دارند.",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_pairing_code_is_read_as_typed_in_either_digits() {
        let code = PairingCode::parse("۱۲۳۴ ۵۶۷۸").unwrap();
        assert_eq!(code.as_str(), "12345678");
        assert_eq!(PairingCode::parse("1234-5678").unwrap(), code);
        assert_eq!(code.shown(), "۱۲۳۴ ۵۶۷۸");
        for bad in ["1234567", "123456789", "1234567a", "", "12 34 56 7"] {
            let refused = PairingCode::parse(bad).unwrap_err();
            assert_eq!(refused.code(), "invalid_pairing_code", "{bad:?}");
        }
        assert_eq!(PairingCode::from_number(7).as_str(), "00000007");
        assert_eq!(PairingCode::from_number(1_234_567_890).as_str(), "34567890");
    }

    #[test]
    fn a_pairing_and_an_activation_expire() {
        let at = datetime!(2026-06-19 08:00 UTC);
        assert!(pairing_live(at, at + Duration::minutes(9)));
        assert!(!pairing_live(at, at + PAIRING_TTL));
        assert_eq!(activation_expires(at) - at, ACTIVATION_TTL);
        assert_eq!(kiosk_of(&kiosk_username("k1")), Some("k1"));
        assert_eq!(kiosk_of("someone"), None);
    }
}
