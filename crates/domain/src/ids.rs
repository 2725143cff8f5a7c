//! Identifiers of people and places, parsed once at the edge (parse, don't validate).

use crate::text::ascii_digits;
use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An Iranian national id (کد ملی): ten digits with a mod-11 check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NationalId(String);

impl NationalId {
    /// Accepts Persian or ASCII digits and surrounding spaces or dashes.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits: String = ascii_digits(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if Self::is_valid_digits(&digits) {
            Ok(Self(digits))
        } else {
            Err(DomainError::InvalidNationalId(input.trim().to_owned()))
        }
    }

    fn is_valid_digits(d: &str) -> bool {
        let bytes = d.as_bytes();
        if bytes.len() != 10 || !bytes.iter().all(u8::is_ascii_digit) {
            return false;
        }
        if bytes.iter().all(|b| *b == bytes[0]) {
            return false;
        }
        let digit = |i: usize| u32::from(bytes[i] - b'0');
        let sum: u32 = (0..9).map(|i| digit(i) * (10 - i as u32)).sum();
        let r = sum % 11;
        let check = digit(9);
        if r < 2 {
            check == r
        } else {
            check == 11 - r
        }
    }

    /// Completes nine leading digits with their check digit; `None` if the result would be
    /// ten equal digits. Used to make synthetic ids.
    pub fn with_check_digit(first_nine: u32) -> Option<Self> {
        let body = format!("{:09}", first_nine % 1_000_000_000);
        let sum: u32 = body
            .bytes()
            .enumerate()
            .map(|(i, b)| u32::from(b - b'0') * (10 - i as u32))
            .sum();
        let r = sum % 11;
        let check = if r < 2 { r } else { 11 - r };
        Self::parse(&format!("{body}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A ballot receipt's code: the voter's readable form of their ballot's tracking code (issue 17;
/// issue 20: the old Latin letters had look-alikes). Nineteen digits taken from the tracking
/// code and a Luhn check digit, in five groups of four (`1234-5678-9012-3456-7894`), shown in
/// Persian digits. Digits only, so nothing looks like anything else; the check digit catches
/// any one mistyped digit and any two swapped neighbours but 0/9, so a voter who copies it
/// wrong is told so instead of being told the ballot is not counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// The code of nineteen digits drawn from `number` (its value modulo 10^19): the first
    /// 64 bits of a tracking code (`ballot_crypto::TrackingCode::short_number`).
    pub fn from_number(number: u64) -> Self {
        let body = format!("{:019}", number % 10_000_000_000_000_000_000);
        let digits = format!("{body}{}", luhn_check_digit(&body));
        Self::grouped(&digits)
    }

    /// Reads a code as a voter types it: Persian or ASCII digits, with or without dashes or
    /// spaces; refused unless twenty digits whose last checks the rest.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits: String = ascii_digits(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{200c}'))
            .collect();
        let bad = || DomainError::InvalidReceipt(input.trim().to_owned());
        if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (body, check) = digits.split_at(19);
        if luhn_check_digit(body).to_string() != check {
            return Err(bad());
        }
        Ok(Self::grouped(&digits))
    }

    fn grouped(digits: &str) -> Self {
        let groups: Vec<&str> = (0..5)
            .filter_map(|i| digits.get(i * 4..i * 4 + 4))
            .collect();
        Self(groups.join("-"))
    }

    /// The stored form: ASCII digits in five dashed groups.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The Luhn check digit of a string of ASCII digits.
fn luhn_check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A national id as a list may show it to those who need only tell people apart: the first
/// three and last three digits (`001••••986`). Anything not ten characters is hidden whole.
pub fn masked_national_id(id: &str) -> String {
    match (id.get(..3), id.get(7..)) {
        (Some(head), Some(tail)) if id.len() == 10 => format!("{head}••••{tail}"),
        _ => "••••••••••".to_owned(),
    }
}

impl TryFrom<String> for NationalId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<NationalId> for String {
    fn from(value: NationalId) -> Self {
        value.0
    }
}
impl fmt::Display for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Iranian mobile number, stored as `09XXXXXXXXX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MobileNumber(String);

impl MobileNumber {
    /// Accepts `+98`, `0098`, `98` or `0` before the `9`, Persian digits and spaces.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let compact: String = ascii_digits(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        let rest = compact
            .strip_prefix("+98")
            .or_else(|| compact.strip_prefix("0098"))
            .or_else(|| {
                if compact.len() == 12 {
                    compact.strip_prefix("98")
                } else {
                    None
                }
            })
            .or_else(|| compact.strip_prefix('0'))
            .unwrap_or(&compact);
        if rest.len() == 10 && rest.starts_with('9') && rest.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(format!("0{rest}")))
        } else {
            Err(DomainError::InvalidMobile(input.trim().to_owned()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for MobileNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<MobileNumber> for String {
    fn from(value: MobileNumber) -> Self {
        value.0
    }
}

/// A ten-digit Iranian postal code (no check digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let digits: String = ascii_digits(input)
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        if digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(DomainError::InvalidPostalCode(input.trim().to_owned()))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
impl TryFrom<String> for PostalCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<PostalCode> for String {
    fn from(value: PostalCode) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn design_test_vectors() {
        for valid in ["0018465986", "0499370899", "0084575948"] {
            assert!(NationalId::parse(valid).is_ok(), "{valid} should be valid");
        }
        for invalid in [
            "0499370890",
            "1111111111",
            "123",
            "00184659861",
            "001846598a",
            "",
        ] {
            assert!(
                NationalId::parse(invalid).is_err(),
                "{invalid} should be invalid"
            );
        }
    }

    #[test]
    fn persian_digits_are_accepted() {
        assert_eq!(
            NationalId::parse("۰۰۱۸۴۶۵۹۸۶").unwrap().as_str(),
            "0018465986"
        );
        assert_eq!(
            NationalId::parse(" 001-846598-6 ").unwrap().as_str(),
            "0018465986"
        );
    }

    #[test]
    fn mobile_forms() {
        for ok in [
            "09121234567",
            "+989121234567",
            "00989121234567",
            "989121234567",
            "9121234567",
            "۰۹۱۲ ۱۲۳ ۴۵۶۷",
        ] {
            assert_eq!(
                MobileNumber::parse(ok).unwrap().as_str(),
                "09121234567",
                "{ok}"
            );
        }
        for bad in ["0812345678", "0912123456", "+9891212345678", "abc"] {
            assert!(MobileNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn postal_code() {
        assert_eq!(
            PostalCode::parse("۷۶۱۷۸-۴۵۶۷۸").unwrap().as_str(),
            "7617845678"
        );
        assert!(PostalCode::parse("761784567").is_err());
    }

    proptest! {
        #[test]
        fn generated_ids_are_valid(n in 0u32..1_000_000_000) {
            if let Some(id) = NationalId::with_check_digit(n) {
                prop_assert!(NationalId::parse(id.as_str()).is_ok());
                prop_assert_eq!(&id.as_str()[..9], format!("{n:09}"));
            }
        }

        #[test]
        fn a_changed_check_digit_is_caught(n in 0u32..1_000_000_000, delta in 1u8..10) {
            if let Some(id) = NationalId::with_check_digit(n) {
                let mut bytes = id.as_str().as_bytes().to_vec();
                bytes[9] = b'0' + (bytes[9] - b'0' + delta) % 10;
                let changed = String::from_utf8(bytes).unwrap();
                prop_assert!(NationalId::parse(&changed).is_err());
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = NationalId::parse(&s);
            let _ = MobileNumber::parse(&s);
            let _ = PostalCode::parse(&s);
        }
    }

    #[test]
    fn a_masked_national_id_keeps_three_digits_each_end() {
        assert_eq!(super::masked_national_id("0018465986"), "001••••986");
        assert_eq!(super::masked_national_id("12345"), "••••••••••");
        assert_eq!(super::masked_national_id("۰۰۱۸۴۶۵۹۸۶"), "••••••••••");
    }

    #[test]
    fn receipt_codes_are_twenty_digits_that_check_themselves() {
        let code = super::ReceiptCode::from_number(1_234_567_890_123_456_789);
        assert_eq!(code.as_str(), "1234-5678-9012-3456-7894");
        assert_eq!(
            super::ReceiptCode::from_number(123_456_789_012_345).as_str(),
            "0000-1234-5678-9012-3452"
        );
        for typed in [
            "12345678901234567894",
            "۱۲۳۴-۵۶۷۸-۹۰۱۲-۳۴۵۶-۷۸۹۴",
            " 1234 5678 9012 3456 7894 ",
        ] {
            assert_eq!(super::ReceiptCode::parse(typed).unwrap(), code, "{typed}");
        }
        // One digit wrong, two neighbours swapped, too short, letters: refused.
        for typed in [
            "1234-5678-9012-3456-7895",
            "1234-5678-9012-3465-7894",
            "1234-5678-9012-3456",
            "VMBG-0HW8-BWC5-1234-5678",
        ] {
            assert!(
                matches!(
                    super::ReceiptCode::parse(typed),
                    Err(DomainError::InvalidReceipt(_))
                ),
                "{typed}"
            );
        }
        // Every single-digit error is caught.
        let digits: Vec<char> = "12345678901234567894".chars().collect();
        for i in 0..20 {
            for d in '0'..='9' {
                if digits[i] == d {
                    continue;
                }
                let mut typo = digits.clone();
                typo[i] = d;
                let typo: String = typo.into_iter().collect();
                assert!(super::ReceiptCode::parse(&typo).is_err(), "{typo}");
            }
        }
        assert_eq!(super::ReceiptCode::from_number(7).as_str().len(), 24);
        assert_eq!(super::ReceiptCode::from_number(u64::MAX).as_str().len(), 24);
    }
}
