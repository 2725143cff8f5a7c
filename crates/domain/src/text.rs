//! Persian text: digits in both scripts, Arabic-to-Persian letter normalisation, name clean-up.

const PERSIAN_DIGITS: [char; 10] = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];
const ZWNJ: char = '\u{200C}';

/// Maps Persian (U+06F0..) and Arabic-Indic (U+0660..) digits to ASCII; other characters pass.
pub fn ascii_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            _ => c,
        })
        .collect()
}

/// Writes ASCII digits as Persian digits, for display.
pub fn persian_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '0'..='9' => PERSIAN_DIGITS[(c as u8 - b'0') as usize],
            _ => c,
        })
        .collect()
}

/// Formats an integer with Persian digits and the Persian thousands separator (٬).
pub fn persian_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('٬');
        }
        out.push(c);
    }
    persian_digits(&out)
}

/// Parses a number typed with Persian, Arabic-Indic or ASCII digits.
pub fn parse_number(input: &str) -> Option<i64> {
    let ascii: String = ascii_digits(input.trim())
        .chars()
        .filter(|c| *c != ',' && *c != '٬')
        .collect();
    ascii.parse().ok()
}

/// Normalises a personal or place name: Arabic ي/ى/ك become Persian ی/ک, digits become
/// Persian, runs of spaces collapse, and zero-width non-joiners that do not sit between two
/// letters (a common copy-paste error) are dropped.
pub fn normalize_name(input: &str) -> String {
    let mapped: Vec<char> = input
        .chars()
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            '\u{00A0}' | '\t' | '\n' | '\r' => ' ',
            _ => c,
        })
        .collect();
    let mut out = String::with_capacity(input.len());
    for (i, &c) in mapped.iter().enumerate() {
        if c == ZWNJ {
            let prev = i.checked_sub(1).and_then(|p| mapped.get(p));
            let next = mapped.get(i + 1);
            let joins = matches!((prev, next), (Some(p), Some(n)) if p.is_alphabetic() && n.is_alphabetic());
            if !joins || out.ends_with(ZWNJ) {
                continue;
            }
        }
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    // Digits inside Persian text are written in Persian, one canonical form for search.
    persian_digits(&ascii_digits(out.trim_end()))
}

/// A text as a search compares it: digits of any script as ASCII, Arabic letter variants as
/// the Persian ones, no spaces, zero-width non-joiners or tatweels, lower case; so that
/// «ابراهیم آباد ۱۲», «ابراهیم‌آباد 12» and «ابراهيم آباد ١٢» find each other.
pub fn search_key(input: &str) -> String {
    ascii_digits(input)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(*c, ZWNJ | '\u{200D}' | 'ـ'))
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            'ة' | 'ۀ' => 'ه',
            'أ' | 'إ' => 'ا',
            'ؤ' => 'و',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_ignore_scripts_spaces_and_letter_variants() {
        let key = search_key("ابراهیم‌آباد ۱۲");
        assert_eq!(key, search_key("ابراهیم آباد 12"));
        assert_eq!(key, search_key("ابراهيم\u{200C}آباد ١٢"));
        assert_eq!(search_key("Kerman"), "kerman");
        assert_ne!(search_key("کرمان"), search_key("کرمانشاه"));
    }
    use proptest::prelude::*;

    #[test]
    fn digits_round_trip() {
        assert_eq!(ascii_digits("۰۰۱۸۴۶۵۹۸۶"), "0018465986");
        assert_eq!(ascii_digits("٠١٢٣"), "0123");
        assert_eq!(persian_digits("1404/10/21"), "۱۴۰۴/۱۰/۲۱");
        assert_eq!(persian_number(1_234_567), "۱٬۲۳۴٬۵۶۷");
        assert_eq!(persian_number(85), "۸۵");
        assert_eq!(parse_number("۳٬۰۰۳"), Some(3003));
        assert_eq!(parse_number("abc"), None);
    }

    #[test]
    fn arabic_letters_become_persian() {
        assert_eq!(normalize_name("علي كريمي"), "علی کریمی");
        assert_eq!(normalize_name("  مهدی   رضایی "), "مهدی رضایی");
        // A ZWNJ between letters stays, a stray one at a word edge goes.
        assert_eq!(normalize_name("می\u{200C}خواهم"), "می\u{200C}خواهم");
        assert_eq!(normalize_name("\u{200C}زهرا \u{200C}"), "زهرا");
        assert_eq!(normalize_name("شعبه 12"), "شعبه ۱۲");
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once.clone());
            prop_assert!(!once.contains('ي') && !once.contains('ك'));
        }

        #[test]
        fn persian_digits_parse_back(n in 0i64..10_000_000_000) {
            prop_assert_eq!(parse_number(&persian_number(n)), Some(n));
        }
    }
}
