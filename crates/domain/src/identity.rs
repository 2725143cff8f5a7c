//! Proving who one is without an account, as Iranian online services do: the national id must
//! be in the people registry with the birth date and father's name given, and a one-time code
//! goes to the mobile number on file there (never to one typed in). Whoever enters the code
//! holds a proof of that national id for a while, good for one filing or one step on one's own
//! file.
//!
//! These are the rules: what matches, how often a code may be asked for (per national id and
//! per client address, counting the failed look-ups too, so the registry cannot be searched by
//! guessing), how long a code and a proof last, and how many wrong codes end a challenge. The
//! codes themselves, their hashes and the sending are the use cases'.

use crate::ids::{MobileNumber, NationalId};
use crate::person::Person;
use crate::text::{normalize_name, persian_digits, persian_number};
use time::{Date, Duration, OffsetDateTime};

/// What a proof of identity is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Filing a candidacy in one's own name.
    Register,
    /// Acting on the filings in one's name: finding them, objecting, withdrawing.
    Applicant,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Self::Register, Self::Applicant];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Applicant => "applicant",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Register => "ثبت‌نام داوطلب",
            Self::Applicant => "پیگیری، اعتراض یا انصراف",
        }
    }
}

/// How codes are rationed and how long they last (the defaults are the deployment's unless it
/// says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a code may be entered after it is sent.
    pub code_lifetime: Duration,
    /// How long a proof (an entered code) may be used.
    pub proof_lifetime: Duration,
    /// Wrong codes a challenge takes before it is closed.
    pub max_attempts: u32,
    /// Codes (and failed look-ups) per national id per hour.
    pub per_person_per_hour: usize,
    /// The shortest wait before another code for the same national id.
    pub resend_after: Duration,
    /// Codes (and failed look-ups) per client address per hour.
    pub per_address_per_hour: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            code_lifetime: Duration::minutes(5),
            proof_lifetime: Duration::minutes(60),
            max_attempts: 5,
            per_person_per_hour: 5,
            resend_after: Duration::seconds(60),
            per_address_per_hour: 30,
        }
    }
}

/// The window the hourly limits count in.
pub const WINDOW: Duration = Duration::hours(1);

/// How long a challenge is kept (for the limits, and for the audit's sake no longer).
pub const KEPT_FOR: Duration = Duration::days(1);

/// Why a code or a proof was refused. Each has a stable code and Persian words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityRefusal {
    /// No one in the registry with this national id, birth date and father's name (which of
    /// the three is wrong is not told).
    Mismatch,
    /// The registry has no mobile number for this person.
    NoMobileOnFile,
    /// A code was sent a moment ago.
    TooSoon { wait: Duration },
    /// Too many codes for this national id, or from this address, in the last hour.
    TooManyCodes,
    /// No such challenge (or one long gone).
    UnknownChallenge,
    /// The code's time is up.
    CodeExpired,
    /// Not the code sent.
    WrongCode { attempts_left: u32 },
    /// Too many wrong codes: the challenge is closed.
    TooManyAttempts,
    /// The code was not entered (the filing or the step needs it).
    NotVerified,
    /// The proof was used, or its time is up.
    ProofSpent,
    /// A proof of another person, or for another purpose.
    WrongProof,
}

impl IdentityRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Mismatch => "identity_mismatch",
            Self::NoMobileOnFile => "no_mobile_on_file",
            Self::TooSoon { .. } => "code_requested_too_soon",
            Self::TooManyCodes => "too_many_codes",
            Self::UnknownChallenge => "unknown_challenge",
            Self::CodeExpired => "code_expired",
            Self::WrongCode { .. } => "wrong_code",
            Self::TooManyAttempts => "too_many_attempts",
            Self::NotVerified => "identity_not_verified",
            Self::ProofSpent => "proof_spent",
            Self::WrongProof => "wrong_proof",
        }
    }

    /// Whether asking again later may succeed (the API answers 429).
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, Self::TooSoon { .. } | Self::TooManyCodes)
    }

    pub fn persian(&self) -> String {
        match self {
            Self::Mismatch => "کد ملی، تاریخ تولد و نام پدر با اطلاعات ثبت‌شده همخوان نیست."
                .into(),
            Self::NoMobileOnFile => {
                "برای این کد ملی شماره همراهی ثبت نشده است؛ به فرمانداری مراجعه کنید.".into()
            }
            Self::TooSoon { wait } => format!(
                "کد تأیید همین حالا فرستاده شد؛ {} ثانیه دیگر دوباره درخواست کنید.",
                persian_number(wait.whole_seconds().max(1))
            ),
            Self::TooManyCodes => {
                "درخواست کد تأیید در این ساعت بیش از حد مجاز بوده است؛ ساعتی دیگر دوباره تلاش کنید."
                    .into()
            }
            Self::UnknownChallenge => "درخواست کد تأیید پیدا نشد؛ کد تازه‌ای بگیرید.".into(),
            Self::CodeExpired => "مهلت کد تأیید گذشته است؛ کد تازه‌ای بگیرید.".into(),
            Self::WrongCode { attempts_left } => format!(
                "کد تأیید درست نیست؛ {} بار دیگر می‌توانید امتحان کنید.",
                persian_number(i64::from(*attempts_left))
            ),
            Self::TooManyAttempts => {
                "کد تأیید چند بار نادرست وارد شد؛ کد تازه‌ای بگیرید.".into()
            }
            Self::NotVerified => {
                "هویت شما هنوز تأیید نشده است: کد تأییدی را که به تلفن همراه شما فرستاده شد وارد کنید."
                    .into()
            }
            Self::ProofSpent => {
                "تأیید هویت شما به کار رفته یا مهلتش گذشته است؛ دوباره کد تأیید بگیرید.".into()
            }
            Self::WrongProof => "تأیید هویت برای این کد ملی یا این کار نیست.".into(),
        }
    }
}

/// What the registry holds of a person that proves them: their mobile on file, when the birth
/// date and father's name given are theirs (names compared as names are stored: Arabic ي/ك
/// as Persian, spaces and half-spaces tidied).
pub fn match_registry<'p>(
    person: Option<&'p Person>,
    birth_date: Date,
    father_name: &str,
) -> Result<&'p MobileNumber, IdentityRefusal> {
    let person = person
        .filter(|p| registry_holds(p, birth_date, father_name))
        .ok_or(IdentityRefusal::Mismatch)?;
    person
        .mobile
        .as_ref()
        .ok_or(IdentityRefusal::NoMobileOnFile)
}

/// Whether the registry's entry has this birth date and father's name.
pub fn registry_holds(person: &Person, birth_date: Date, father_name: &str) -> bool {
    person.birth_date == birth_date
        && normalize_name(&person.father_name) == normalize_name(father_name)
}

/// The codes asked for recently: for the national id (when each was asked) and from the
/// client's address (how many), both within the last [`WINDOW`].
#[derive(Debug, Clone, Default)]
pub struct Recent {
    pub for_person: Vec<OffsetDateTime>,
    pub from_address: usize,
}

/// Whether another code may be asked for now (a failed look-up counts as one).
pub fn may_ask(
    limits: &Limits,
    recent: &Recent,
    now: OffsetDateTime,
) -> Result<(), IdentityRefusal> {
    let in_window = |t: &&OffsetDateTime| now - **t < WINDOW;
    if recent.from_address >= limits.per_address_per_hour
        || recent.for_person.iter().filter(in_window).count() >= limits.per_person_per_hour
    {
        return Err(IdentityRefusal::TooManyCodes);
    }
    if let Some(last) = recent.for_person.iter().max() {
        // Never longer than the gap itself, should the clock have been set back.
        let wait = (limits.resend_after - (now - *last)).min(limits.resend_after);
        if wait.is_positive() {
            return Err(IdentityRefusal::TooSoon { wait });
        }
    }
    Ok(())
}

/// A challenge as kept: whose, for what, and how far it has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub national_id: NationalId,
    pub purpose: Purpose,
    /// `false` for a failed look-up, kept only for the limits.
    pub sent: bool,
    pub created_at: OffsetDateTime,
    pub attempts: u32,
    pub verified_at: Option<OffsetDateTime>,
    pub spent_at: Option<OffsetDateTime>,
}

/// What entering a code does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// The right code: the challenge becomes a proof.
    Verified,
    /// A wrong code, counted; `attempts_left` more may be tried.
    Wrong { attempts_left: u32 },
}

/// Judges a code entered for `challenge` (`right` says whether it is the code sent): a wrong
/// one is counted, and the challenge closes after [`Limits::max_attempts`] of them.
pub fn attempt(
    limits: &Limits,
    challenge: &Challenge,
    right: bool,
    now: OffsetDateTime,
) -> Result<Attempt, IdentityRefusal> {
    if !challenge.sent {
        return Err(IdentityRefusal::UnknownChallenge);
    }
    if challenge.verified_at.is_some() || challenge.spent_at.is_some() {
        return Err(IdentityRefusal::ProofSpent);
    }
    if challenge.attempts >= limits.max_attempts {
        return Err(IdentityRefusal::TooManyAttempts);
    }
    if now - challenge.created_at >= limits.code_lifetime {
        return Err(IdentityRefusal::CodeExpired);
    }
    if right {
        Ok(Attempt::Verified)
    } else {
        Ok(Attempt::Wrong {
            attempts_left: limits.max_attempts - challenge.attempts - 1,
        })
    }
}

/// Whether `challenge` proves `national_id` for `purpose` now: its code was entered, it has
/// not been used, and its time is not up.
pub fn check_proof(
    limits: &Limits,
    challenge: &Challenge,
    national_id: &NationalId,
    purpose: Purpose,
    now: OffsetDateTime,
) -> Result<(), IdentityRefusal> {
    let Some(verified_at) = challenge.verified_at.filter(|_| challenge.sent) else {
        return Err(IdentityRefusal::NotVerified);
    };
    if &challenge.national_id != national_id || challenge.purpose != purpose {
        return Err(IdentityRefusal::WrongProof);
    }
    if challenge.spent_at.is_some() || now - verified_at >= limits.proof_lifetime {
        return Err(IdentityRefusal::ProofSpent);
    }
    Ok(())
}

/// A mobile number as it may be shown to whoever asked for the code: the operator's prefix
/// and the last two digits (`0913•••••67`).
pub fn masked_mobile(mobile: &MobileNumber) -> String {
    let digits = mobile.as_str();
    let (head, tail) = (
        &digits[..4.min(digits.len())],
        &digits[digits.len().saturating_sub(2)..],
    );
    format!("{head}{}{tail}", "•".repeat(digits.len().saturating_sub(6)))
}

/// The text message carrying a code: the code in Latin digits (which phones offer to fill
/// in), what it is for and how long it lasts, and a warning not to pass it on.
pub fn message(code: &str, purpose: Purpose, limits: &Limits) -> String {
    format!(
        "سامانه انتخابات شوراها\nکد تأیید {}: {code}\nاین کد {} دقیقه اعتبار دارد. آن را به هیچ‌کس ندهید.",
        purpose.persian(),
        persian_digits(&limits.code_lifetime.whole_minutes().to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::Gender;
    use time::macros::{date, datetime};

    const NOW: OffsetDateTime = datetime!(2026-01-12 06:00 UTC);

    fn person(mobile: Option<&str>) -> Person {
        Person {
            national_id: NationalId::parse("0018465986").unwrap(),
            first_name: "علی".into(),
            last_name: "کرمانی".into(),
            father_name: "حسین علی".into(),
            gender: Gender::Male,
            birth_date: date!(1981 - 08 - 03),
            mobile: mobile.map(|m| MobileNumber::parse(m).unwrap()),
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        }
    }

    fn challenge() -> Challenge {
        Challenge {
            national_id: NationalId::parse("0018465986").unwrap(),
            purpose: Purpose::Register,
            sent: true,
            created_at: NOW,
            attempts: 0,
            verified_at: None,
            spent_at: None,
        }
    }

    #[test]
    fn the_registry_must_hold_the_birth_date_and_the_fathers_name() {
        let p = person(Some("09131234567"));
        let born = date!(1981 - 08 - 03);
        assert_eq!(
            match_registry(Some(&p), born, "حسين  علي").map(MobileNumber::as_str),
            Ok("09131234567"),
            "Arabic yeh and doubled spaces are the same name"
        );
        assert_eq!(
            match_registry(Some(&p), date!(1981 - 08 - 04), "حسین علی"),
            Err(IdentityRefusal::Mismatch)
        );
        assert_eq!(
            match_registry(Some(&p), born, "حسن"),
            Err(IdentityRefusal::Mismatch)
        );
        assert_eq!(
            match_registry(None, born, "حسین علی"),
            Err(IdentityRefusal::Mismatch)
        );
        assert_eq!(
            match_registry(Some(&person(None)), born, "حسین علی"),
            Err(IdentityRefusal::NoMobileOnFile)
        );
    }

    #[test]
    fn codes_are_rationed_per_person_and_per_address() {
        let limits = Limits::default();
        assert_eq!(may_ask(&limits, &Recent::default(), NOW), Ok(()));
        let just_now = Recent {
            for_person: vec![NOW - Duration::seconds(20)],
            from_address: 1,
        };
        assert_eq!(
            may_ask(&limits, &just_now, NOW),
            Err(IdentityRefusal::TooSoon {
                wait: Duration::seconds(40)
            })
        );
        let set_back = Recent {
            for_person: vec![NOW + Duration::days(4)],
            from_address: 0,
        };
        assert_eq!(
            may_ask(&limits, &set_back, NOW),
            Err(IdentityRefusal::TooSoon {
                wait: limits.resend_after
            }),
            "a clock set back does not make the wait longer than the gap"
        );
        let spaced: Vec<_> = (1..=5).map(|m| NOW - Duration::minutes(m * 10)).collect();
        assert_eq!(
            may_ask(
                &limits,
                &Recent {
                    for_person: spaced.clone(),
                    from_address: 5
                },
                NOW
            ),
            Err(IdentityRefusal::TooManyCodes)
        );
        // An hour on, the oldest no longer counts.
        assert_eq!(
            may_ask(
                &limits,
                &Recent {
                    for_person: spaced,
                    from_address: 0
                },
                NOW + Duration::minutes(11)
            ),
            Ok(())
        );
        assert_eq!(
            may_ask(
                &limits,
                &Recent {
                    for_person: Vec::new(),
                    from_address: limits.per_address_per_hour
                },
                NOW
            ),
            Err(IdentityRefusal::TooManyCodes)
        );
    }

    #[test]
    fn a_code_is_right_once_in_time_and_a_few_wrong_ones_close_it() {
        let limits = Limits::default();
        let c = challenge();
        assert_eq!(attempt(&limits, &c, true, NOW), Ok(Attempt::Verified));
        assert_eq!(
            attempt(&limits, &c, false, NOW),
            Ok(Attempt::Wrong { attempts_left: 4 })
        );
        let late = NOW + limits.code_lifetime;
        assert_eq!(
            attempt(&limits, &c, true, late),
            Err(IdentityRefusal::CodeExpired)
        );
        let tried = Challenge {
            attempts: limits.max_attempts,
            ..c.clone()
        };
        assert_eq!(
            attempt(&limits, &tried, true, NOW),
            Err(IdentityRefusal::TooManyAttempts)
        );
        let verified = Challenge {
            verified_at: Some(NOW),
            ..c.clone()
        };
        assert_eq!(
            attempt(&limits, &verified, true, NOW),
            Err(IdentityRefusal::ProofSpent),
            "a code is entered once"
        );
        let lookup = Challenge { sent: false, ..c };
        assert_eq!(
            attempt(&limits, &lookup, true, NOW),
            Err(IdentityRefusal::UnknownChallenge)
        );
    }

    #[test]
    fn a_proof_is_of_one_person_for_one_purpose_used_once_in_time() {
        let limits = Limits::default();
        let id = NationalId::parse("0018465986").unwrap();
        let other = NationalId::parse("0084575948").unwrap();
        let c = challenge();
        assert_eq!(
            check_proof(&limits, &c, &id, Purpose::Register, NOW),
            Err(IdentityRefusal::NotVerified)
        );
        let proof = Challenge {
            verified_at: Some(NOW),
            ..c
        };
        assert_eq!(
            check_proof(&limits, &proof, &id, Purpose::Register, NOW),
            Ok(())
        );
        assert_eq!(
            check_proof(&limits, &proof, &other, Purpose::Register, NOW),
            Err(IdentityRefusal::WrongProof)
        );
        assert_eq!(
            check_proof(&limits, &proof, &id, Purpose::Applicant, NOW),
            Err(IdentityRefusal::WrongProof)
        );
        assert_eq!(
            check_proof(
                &limits,
                &proof,
                &id,
                Purpose::Register,
                NOW + limits.proof_lifetime
            ),
            Err(IdentityRefusal::ProofSpent)
        );
        let spent = Challenge {
            spent_at: Some(NOW),
            ..proof
        };
        assert_eq!(
            check_proof(&limits, &spent, &id, Purpose::Register, NOW),
            Err(IdentityRefusal::ProofSpent)
        );
    }

    #[test]
    fn only_the_prefix_and_the_last_digits_of_a_mobile_are_shown() {
        let m = MobileNumber::parse("09131234567").unwrap();
        assert_eq!(masked_mobile(&m), "0913•••••67");
        let text = message("123456", Purpose::Register, &Limits::default());
        assert!(
            text.contains("123456") && text.contains("۵ دقیقه"),
            "{text}"
        );
    }
}
