//! Server-rendered SVG charts: no script, no external library, prints as it shows.

use domain::text::persian_number;

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
    let row = 22;
    let label_width = 130;
    let bar_area = 520;
    let top = 34;
    let width = label_width + bar_area + 70;
    let height = top + bars.len() * row + 10;
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{t}" direction="ltr" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" font-family="Vazirmatn, sans-serif" font-size="12"><title>{t}</title>"#,
        t = escape(title)
    );
    // Legend.
    let mut x = width - 10;
    for (i, name) in series.iter().enumerate() {
        let color = colors.get(i).copied().unwrap_or("#888");
        svg.push_str(&format!(
            r#"<rect x="{}" y="8" width="12" height="12" fill="{color}"/>"#,
            x - 12
        ));
        svg.push_str(&format!(
            r#"<text x="{}" y="18" text-anchor="end">{}</text>"#,
            x - 16,
            escape(name)
        ));
        x -= 24 + name.chars().count() * 7 + 12;
    }
    for (i, bar) in bars.iter().enumerate() {
        let y = top + i * row;
        let label_x = width - 6;
        let label = format!(
            r#"<text x="{label_x}" y="{}" text-anchor="end">{}</text>"#,
            y + 15,
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
                r#"<rect x="{:.1}" y="{}" width="{:.1}" height="16" fill="{color}"><title>{}: {}</title></rect>"#,
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
            y + 15,
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
        let svg = stacked_bars("شعب", &["شهری", "روستایی"], &["#1f6f8b", "#99a8b2"], &bars);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("کرمان &lt;1&gt;"));
        assert!(svg.contains("۴۰۰"), "total in Persian digits");
        assert!(
            svg.contains(r#"width="390.0""#),
            "300 of max 400 over 520px"
        );
        assert!(svg.contains(r#"href="/counties/11""#));
    }
}
