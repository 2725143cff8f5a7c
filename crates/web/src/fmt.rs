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

/// Only same-site paths may be a post-login destination (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
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
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(url_encode("/audit?x=1"), "/audit%3Fx%3D1");
    }
}
