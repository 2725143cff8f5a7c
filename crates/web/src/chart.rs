//! Server-rendered SVG charts: no script, no external library, prints as it shows.

use domain::text::persian_number;

// Series colours. Each stands out at least 3:1 from the white page (WCAG 2.1, 1.4.11 non-text
// contrast); segments are outlined in white, so neighbouring segments need not contrast.
pub const TEAL: &str = "#1f6f8b";
pub const GREY: &str = "#76858f";
pub const GREEN: &str = "#2f6f4f";
pub const ORANGE: &str = "#b86a1b";
pub const PURPLE: &str = "#6a4c93";
pub const RED: &str = "#b3261e";

/// Label size in the drawing's units; a chart is never drawn narrower than its own width (it
/// scrolls in its panel on a phone instead), so labels never shrink below this many pixels.
const FONT_SIZE: usize = 14;

/// One bar: a label and its stacked values (one per series).
pub struct Bar {
    pub label: String,
    pub values: Vec<i64>,
    pub href: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// [`stacked_bars`], or nothing at all when there is no bar to draw (a page shows no empty
/// chart).
pub fn stacked_bars_if_any(title: &str, series: &[&str], colors: &[&str], bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    stacked_bars(title, series, colors, bars)
}

/// A horizontal stacked bar chart laid out right to left: labels on the right, bars growing
/// leftwards. `series` names the stacked parts; `colors` gives one CSS color per series.
pub fn stacked_bars(title: &str, series: &[&str], colors: &[&str], bars: &[Bar]) -> String {
    let row = 26;
    let label_width = 150;
    let bar_area = 520;
    let width = label_width + bar_area + 70;
    // Legend entries right to left, wrapping onto another line when a line is full.
    let mut legend = Vec::new();
    let (mut x, mut line) = (width - 10, 0usize);
    for (i, name) in series.iter().enumerate() {
        let entry = 26 + name.chars().count() * FONT_SIZE * 3 / 5 + 14;
        if x < entry + 10 && x != width - 10 {
            x = width - 10;
            line += 1;
        }
        legend.push((i, name, x, 8 + line * 20));
        x = x.saturating_sub(entry);
    }
    let top = 34 + line * 20;
    let height = top + bars.len() * row + 10;
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    // An image's content is hidden from assistive technology, links included: a chart whose
    // labels link somewhere is a named group instead, so its links can be reached.
    let role = if bars.iter().any(|b| b.href.is_some()) {
        "group"
    } else {
        "img"
    };
    let mut svg = format!(
        r#"<svg class="chart" role="{role}" aria-label="{t}" direction="ltr" viewBox="0 0 {width} {height}" style="min-width: {width}px" xmlns="http://www.w3.org/2000/svg" font-family="Vazirmatn, sans-serif" font-size="{FONT_SIZE}"><title>{t}</title>"#,
        t = escape(title)
    );
    for (i, name, x, y) in legend {
        let color = colors.get(i).copied().unwrap_or("#888");
        svg.push_str(&format!(
            r#"<rect x="{}" y="{y}" width="14" height="14" fill="{color}"/>"#,
            x - 14
        ));
        svg.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            x - 18,
            y + 12,
            escape(name)
        ));
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + i * row;
        let label_x = width - 6;
        let label = format!(
            r#"<text x="{label_x}" y="{}" text-anchor="end">{}</text>"#,
            y + 18,
            escape(&bar.label)
        );
        match &bar.href {
            Some(href) => svg.push_str(&format!(r#"<a href="{}">{label}</a>"#, escape(href))),
            None => svg.push_str(&label),
        }
        let mut right = (width - label_width) as f64;
        for (s, value) in bar.values.iter().enumerate() {
            let w = (*value as f64) * (bar_area as f64) / (max as f64);
            let color = colors.get(s).copied().unwrap_or("#888");
            svg.push_str(&format!(
                r#"<rect x="{:.1}" y="{}" width="{:.1}" height="20" fill="{color}" stroke="white"><title>{}: {}</title></rect>"#,
                right - w,
                y + 3,
                w,
                escape(series.get(s).copied().unwrap_or("")),
                persian_number(*value)
            ));
            right -= w;
        }
        let total: i64 = bar.values.iter().sum();
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}" text-anchor="end">{}</text>"#,
            right - 4.0,
            y + 18,
            persian_number(total)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let bars = vec![
            Bar {
                label: "کرمان <1>".into(),
                values: vec![300, 100],
                href: Some("/counties/11".into()),
            },
            Bar {
                label: "بم".into(),
                values: vec![100, 100],
                href: None,
            },
        ];
        let svg = stacked_bars("شعب", &["شهری", "روستایی"], &[TEAL, GREY], &bars);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("کرمان &lt;1&gt;"));
        assert!(svg.contains("۴۰۰"), "total in Persian digits");
        assert!(
            svg.contains(r#"width="390.0""#),
            "300 of max 400 over 520px"
        );
        assert!(svg.contains(r#"href="/counties/11""#));
        assert!(svg.contains(r#"role="group""#), "its links stay reachable");
        let unlinked = stacked_bars(
            "شعب",
            &["شهری"],
            &[TEAL],
            &[Bar {
                label: "بم".into(),
                values: vec![1],
                href: None,
            }],
        );
        assert!(unlinked.contains(r#"role="img""#), "{unlinked}");
    }

    /// WCAG 2.1's contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn series_colours_stand_out_from_the_page() {
        assert!(contrast("#ffffff", "#000000") > 20.9, "the formula itself");
        for colour in [TEAL, GREY, GREEN, ORANGE] {
            let ratio = contrast(colour, "#ffffff");
            assert!(ratio >= 3.0, "{colour}: {ratio:.2}:1 against white");
        }
    }
}
