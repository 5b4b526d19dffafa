//! Charts drawn on the server as SVG: readable without script, printable, and the same in a page and
//! (later) a PDF. Labels and values come formatted in the reader's digits; everything is escaped.

/// One bar: its label, its value, and the value as the reader reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub shown: String,
}

/// A bar chart's SVG inside a figure with its caption; empty when every bar is zero (nothing to see).
/// `max_shown` is the largest value as the reader reads it, written at the top of the scale.
pub fn bar_chart(title: &str, bars: &[Bar], max_shown: &str) -> String {
    if bars.iter().all(|b| b.value == 0) {
        return String::new();
    }
    let (width, height, top, bottom) = (640.0_f64, 220.0_f64, 24.0_f64, 40.0_f64);
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let step = width / bars.len() as f64;
    let bar_width = (step * 0.7).max(1.0);
    let mut shapes = String::new();
    let label_every = (bars.len() / 12).max(1);
    for (i, bar) in bars.iter().enumerate() {
        let h = (bar.value.max(0) as f64 / max) * (height - top - bottom);
        let x = i as f64 * step + (step - bar_width) / 2.0;
        let y = height - bottom - h;
        shapes.push_str(&format!(
            r##"<rect x="{x:.1}" y="{y:.1}" width="{bar_width:.1}" height="{h:.1}" fill="#1f6b4a"><title>{} {}</title></rect>"##,
            escape(&bar.label),
            escape(&bar.shown)
        ));
        if i % label_every == 0 {
            shapes.push_str(&format!(
                r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
                x + bar_width / 2.0,
                height - bottom + 16.0,
                escape(&bar.label)
            ));
        }
    }
    format!(
        r##"<figure class="chart"><figcaption>{title}</figcaption><svg viewBox="0 0 {width} {height}" role="img" aria-label="{title}" direction="ltr" font-family="Vazirmatn, sans-serif">
<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#888"/><text x="4" y="14" font-size="11">{max_label}</text>{shapes}</svg></figure>"##,
        title = escape(title),
        base = height - bottom,
        max_label = escape(max_shown),
    )
}

/// Text for XML (and so for SVG inside HTML): the five specials escaped, bidirectional controls
/// dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if domain::text::is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar { label: label.into(), value, shown: value.to_string() }
    }

    #[test]
    fn bars_are_drawn_to_scale_with_escaped_labels() {
        let svg = bar_chart("<b>", &[bar("فروردین", 10), bar("<x>", 5)], "10");
        assert!(svg.starts_with(r#"<figure class="chart"><figcaption>&lt;b&gt;</figcaption>"#), "{svg}");
        assert!(svg.contains(r#"height="156.0""#) && svg.contains(r#"height="78.0""#), "{svg}");
        assert!(svg.contains("&lt;x&gt;") && !svg.contains("<x>"));
    }

    #[test]
    fn a_chart_of_zeros_is_not_drawn() {
        assert_eq!(bar_chart("t", &[bar("a", 0)], "0"), "");
    }
}
