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

/// What a person typed, repeated in a Persian sentence («کد ملی «۱۲۳۴۵» معتبر نیست»): its
/// digits in Persian, unless it holds Latin letters, a code that is read as it is written.
pub fn echo(typed: &str) -> String {
    if typed.chars().any(|c| c.is_ascii_alphabetic()) {
        typed.to_owned()
    } else {
        persian_digits(typed)
    }
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

/// Formats a decimal number with Persian digits, `places` digits after the Persian decimal
/// separator («٫», never «.», which a Persian reader takes for a thousands mark or a full
/// stop) and «٬» between thousands: `persian_decimal(1234.56, 1)` is «۱٬۲۳۴٫۶».
pub fn persian_decimal(value: f64, places: usize) -> String {
    let fixed = format!("{:.*}", places, value.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    // «-۰٫۰» would say a share is below nothing: a value that rounds to zero has no sign.
    let negative = value < 0.0 && fixed.bytes().any(|b| matches!(b, b'1'..=b'9'));
    let mut out = persian_number(whole.parse::<i64>().unwrap_or(0));
    if negative {
        out.insert(0, '-');
    }
    if !fraction.is_empty() {
        out.push('٫');
        out.push_str(&persian_digits(fraction));
    }
    out
}

/// A percentage as [`persian_decimal`] writes it, with the Persian percent sign: «۱۲٫۵٪».
pub fn persian_percent(value: f64, places: usize) -> String {
    format!("{}٪", persian_decimal(value, places))
}

/// Letters that never join the letter after them: a ZWNJ after one of them changes nothing
/// on screen, and a compound's second part may follow them directly («نصرآباد»).
fn joins_forward(c: char) -> bool {
    is_letter(c)
        && !matches!(
            c,
            'ا' | 'آ' | 'أ' | 'إ' | 'د' | 'ذ' | 'ر' | 'ز' | 'ژ' | 'و' | 'ؤ' | 'ء' | 'ۀ'
        )
}

fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

/// Words written as the second part of the word before them («کتاب‌ها», «بزرگ‌ترین»,
/// «حسین‌آباد»). «تر» is not among them: on its own it is a word too («لباس تر»).
const SUFFIXES: [&str; 4] = ["آباد", "ها", "های", "ترین"];

/// Parts that end a name glued to the word before it («حسینآباد», «نجفشهر»), which need a ZWNJ
/// after a letter that joins forward to be read as two parts.
const GLUED_ENDINGS: [&str; 2] = ["آباد", "شهر"];

/// Words written as the first part of the word after them («می‌خواهد», «نمی‌شود»).
const PREFIXES: [&str; 2] = ["می", "نمی"];

/// Joins `second` to `first` as a compound's parts: with a ZWNJ after a letter that joins
/// forward, directly after one that does not («حسین‌آباد», «نصرآباد»).
fn join_parts(first: &mut String, second: &str) {
    if first.chars().last().is_some_and(joins_forward) {
        first.push(ZWNJ);
    }
    first.push_str(second);
}

/// A word ending in one of [`GLUED_ENDINGS`] right after a letter that joins forward, with a
/// ZWNJ put between («ابراهیمآباد» becomes «ابراهیم‌آباد»).
fn unglue(word: &str) -> String {
    for ending in GLUED_ENDINGS {
        if let Some(stem) = word.strip_suffix(ending) {
            if stem.chars().last().is_some_and(joins_forward) {
                return format!("{stem}{ZWNJ}{ending}");
            }
        }
    }
    word.to_owned()
}

/// Normalises a personal or place name (and short free text): Arabic ي/ى/ك/ة/ٱ become Persian
/// ی/ک/ه/ا, diacritics, kashida and direction marks go, digits become Persian, runs of spaces
/// collapse, zero-width non-joiners that do not sit between two letters (a common copy-paste
/// error) or follow a letter that never joins are dropped, and the parts of a compound are kept
/// apart by a ZWNJ: «حسین آباد» and «حسینآباد» become «حسین‌آباد», «کتاب ها» «کتاب‌ها», «خانه ی»
/// «خانه‌ی», «می خواهد» «می‌خواهد». Only those few parts are joined: a name's other spaces
/// are the writer's to choose.
pub fn normalize_name(input: &str) -> String {
    let mapped: Vec<char> = input
        .chars()
        .filter_map(|c| match c {
            'ي' | 'ى' => Some('ی'),
            'ك' => Some('ک'),
            'ة' => Some('ه'),
            'ٱ' => Some('ا'),
            '\u{00A0}' | '\t' | '\n' | '\r' => Some(' '),
            // Kashida, harakat and the superscript alef (a registry writes names without them),
            // direction marks and the byte-order mark (invisible leftovers of copying).
            '\u{0640}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0670}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{FEFF}' => None,
            _ => Some(c),
        })
        .collect();
    let mut out = String::with_capacity(input.len());
    for (i, &c) in mapped.iter().enumerate() {
        if c == ZWNJ {
            let prev = i.checked_sub(1).and_then(|p| mapped.get(p));
            let next = mapped.get(i + 1);
            let joins =
                matches!((prev, next), (Some(p), Some(n)) if joins_forward(*p) && is_letter(*n));
            if !joins || out.ends_with(ZWNJ) {
                continue;
            }
        }
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    let mut words: Vec<String> = Vec::new();
    for word in out.split(' ').filter(|w| !w.is_empty()) {
        let starts_with_letter = word.chars().next().is_some_and(is_letter);
        match words.last_mut() {
            Some(last)
                if last.chars().last().is_some_and(is_letter)
                    && (SUFFIXES.contains(&word) || (word == "ی" && last.ends_with('ه'))) =>
            {
                join_parts(last, word);
            }
            Some(last) if PREFIXES.contains(&last.as_str()) && starts_with_letter => {
                join_parts(last, word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    let joined: Vec<String> = words.iter().map(|w| unglue(w)).collect();
    // Digits inside Persian text are written in Persian, one canonical form for search.
    persian_digits(&ascii_digits(&joined.join(" ")))
}

/// The form in which a search compares text: [`normalize_name`]'s (Persian letters and
/// digits), without spaces and ZWNJs, so that «حسین آباد», «حسین‌آباد» and «حسینآباد», «12»
/// and «۱۲», «علي» and «علی» all find each other. A search normalises what was typed and what
/// it looks in with this one function; a store that searches in SQL strips the spaces and ZWNJs
/// of its (already normalised) columns the same way (`SEARCH_STRIPPED`).
pub fn search_key(input: &str) -> String {
    normalize_name(input)
        .chars()
        .filter(|c| !SEARCH_STRIPPED.contains(c))
        .collect()
}

/// The characters a search ignores, after normalisation: the space and the ZWNJ.
pub const SEARCH_STRIPPED: [char; 2] = [' ', ZWNJ];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_ignore_scripts_spaces_and_letter_variants() {
        let key = search_key("ابراهیم‌آباد ۱۲");
        assert_eq!(key, search_key("ابراهیم آباد 12"));
        assert_eq!(key, search_key("ابراهيم\u{200C}آباد ١٢"));
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
        assert_eq!(normalize_name("فاطمة"), "فاطمه");
        assert_eq!(normalize_name("محمّد"), "محمد");
        assert_eq!(normalize_name("کرمــان\u{200F}"), "کرمان");
    }

    #[test]
    fn compounds_keep_their_parts_apart_with_a_zwnj() {
        let zwnj = |s: &str| s.replace('|', "\u{200C}");
        // Three spellings of one village, one name.
        for typed in ["حسین آباد", "حسینآباد", "حسین\u{200C}آباد", "حسين  آباد"]
        {
            assert_eq!(normalize_name(typed), zwnj("حسین|آباد"), "{typed}");
        }
        assert_eq!(normalize_name("ابراهیمآباد"), zwnj("ابراهیم|آباد"));
        assert_eq!(
            normalize_name("قلعه کهنه ابراهیمآباد علیا"),
            zwnj("قلعه کهنه ابراهیم|آباد علیا")
        );
        // After a letter that never joins, the parts meet without one.
        assert_eq!(normalize_name("نصر آباد"), "نصرآباد");
        assert_eq!(normalize_name("نصر\u{200C}آباد"), "نصرآباد");
        assert_eq!(normalize_name("نجفشهر"), zwnj("نجف|شهر"));
        assert_eq!(normalize_name("هماشهر"), "هماشهر");
        assert_eq!(normalize_name("کتاب ها"), zwnj("کتاب|ها"));
        assert_eq!(normalize_name("بزرگ ترین"), zwnj("بزرگ|ترین"));
        assert_eq!(normalize_name("خانه ی ما"), zwnj("خانه|ی ما"));
        assert_eq!(normalize_name("نمی شود"), zwnj("نمی|شود"));
        // «شهر», «آبادی» and «تر» on their own are words, not parts.
        assert_eq!(
            normalize_name("شورای اسلامی شهر کرمان"),
            "شورای اسلامی شهر کرمان"
        );
        assert_eq!(normalize_name("آبادی حسین"), "آبادی حسین");
        assert_eq!(normalize_name("لباس تر"), "لباس تر");
        assert_eq!(normalize_name("میثم میرزایی"), "میثم میرزایی");
    }

    #[test]
    fn decimals_use_the_persian_separator() {
        assert_eq!(persian_decimal(12.25, 1), "۱۲٫۲");
        assert_eq!(persian_decimal(1234.56, 1), "۱٬۲۳۴٫۶");
        assert_eq!(persian_decimal(0.04, 1), "۰٫۰");
        assert_eq!(persian_decimal(-0.04, 1), "۰٫۰");
        assert_eq!(persian_decimal(-2.5, 2), "-۲٫۵۰");
        assert_eq!(persian_decimal(7.0, 0), "۷");
        assert_eq!(persian_percent(33.333, 1), "۳۳٫۳٪");
    }

    #[test]
    fn searches_ignore_scripts_spaces_and_zwnj() {
        let stored = normalize_name("حسین‌آباد ۱۲");
        for typed in [
            "حسین آباد 12",
            "حسینآباد",
            "حسين\u{200C}آباد",
            "آباد۱۲",
            "سین آ",
        ] {
            let key = search_key(typed);
            let haystack = search_key(&stored);
            assert!(haystack.contains(&key), "{typed} → {key} in {haystack}");
        }
        assert!(!search_key(&stored).contains(&search_key("حسن")));
        assert_eq!(search_key("علي كريمي"), "علیکریمی");
    }

    proptest! {
        #[test]
        fn normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once.clone());
            prop_assert!(!once.contains('ي') && !once.contains('ك'));
        }

        /// Persian words, parts and separators in any order: the compound rules settle at once.
        #[test]
        fn compound_rules_are_idempotent(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "حسین", "نصر", "آباد", "شهر", "ها", "های", "ترین", "ی", "می", "نمی",
                    "خانه", "ه", "ر", " ", "  ", "\u{200C}", "1", "ۀ", "آبادی",
                ]),
                0..12,
            )
        ) {
            let s: String = parts.concat();
            let once = normalize_name(&s);
            prop_assert_eq!(normalize_name(&once), once.clone(), "{:?}", s);
            prop_assert_eq!(search_key(&once), search_key(&s));
        }

        #[test]
        fn persian_digits_parse_back(n in 0i64..10_000_000_000) {
            prop_assert_eq!(parse_number(&persian_number(n)), Some(n));
        }
    }
}
