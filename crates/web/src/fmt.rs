//! Display helpers for the views: Persian numbers and Jalali dates (stored UTC, shown at the edge).

use domain::text::persian_number;

/// An integer with Persian digits and separators.
pub fn fa(n: i64) -> String {
    persian_number(n)
}

/// A stored instant (microseconds, UTC) as a Jalali date and Tehran time.
pub fn jalali_us(us: i64) -> String {
    domain::calendar::jalali_datetime(domain::clock::from_micros(us))
}

/// A file's size in whole kilobytes, rounded up (at least one), in Persian.
pub fn kilobytes(bytes: i64) -> String {
    format!(
        "{} کیلوبایت",
        persian_number(((bytes + 1023) / 1024).max(1))
    )
}

/// A person's sort key, surname then first name: official lists go by surname. The space
/// between them collates before every letter, so «احمدی علی» still precedes «احمدی‌نژاد بهرام».
pub fn surname_first(first_name: &str, last_name: &str) -> String {
    format!("{} {}", last_name.trim(), first_name.trim())
}

/// Percent-encodes a string for use in a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only a path of this site may be a post-login destination (no open redirects): it starts
/// with one `/`, holds visible ASCII only (browsers drop tabs and line breaks from a URL, so
/// `/\t/evil.example` would become `//evil.example`; a line break would also break the
/// `Location` header), no `\` (read as `/` by browsers), and parses as a path and query.
pub fn safe_next(next: Option<&str>) -> String {
    let same_site_path = |n: &str| {
        n.starts_with('/')
            && !n.starts_with("//")
            && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
            && n.parse::<axum::http::uri::PathAndQuery>().is_ok()
    };
    match next {
        Some(n) if same_site_path(n) => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_same_site_only() {
        assert_eq!(safe_next(Some("/counties/11")), "/counties/11");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
        for sneaky in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\\evil.example",
            "/ /evil.example",
            "/\u{0}",
            "/شهرستان",
        ] {
            assert_eq!(safe_next(Some(sneaky)), "/", "{sneaky:?}");
        }
        assert_eq!(safe_next(Some("/audit?page=2&to=x")), "/audit?page=2&to=x");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(url_encode("/audit?x=1"), "/audit%3Fx%3D1");
    }
}
