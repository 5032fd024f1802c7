//! How numbers, dates and the API's enum values read on a page.

/// `OPEN_WEIGHTS` → "Open weights".
pub fn label(value: &str) -> String {
    if value == "API" {
        return value.to_owned();
    }
    let lower = value.replace('_', " ").to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A FLOP count as "2.1e25".
pub fn flop(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1e}")).unwrap_or_else(|| "—".into())
}

/// A parameter count as "175B" / "7.1M".
pub fn count(value: Option<f64>) -> String {
    let Some(v) = value else { return "—".into() };
    let (scaled, suffix) = match v {
        v if v >= 1e12 => (v / 1e12, "T"),
        v if v >= 1e9 => (v / 1e9, "B"),
        v if v >= 1e6 => (v / 1e6, "M"),
        v if v >= 1e3 => (v / 1e3, "K"),
        v => (v, ""),
    };
    let digits = if scaled >= 100.0 || scaled.fract() == 0.0 { 0 } else { 1 };
    format!("{scaled:.digits$}{suffix}")
}

/// A date at the precision it is known to: "2023-03-14", "2023-03", "2023".
pub fn date(value: Option<&str>, precision: &str) -> String {
    let Some(d) = value else { return "—".into() };
    match precision {
        "YEAR" => d.get(..4).unwrap_or(d).to_owned(),
        "MONTH" => d.get(..7).unwrap_or(d).to_owned(),
        _ => d.to_owned(),
    }
}

/// US dollars as "$4.6M".
pub fn dollars(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("${}", count(Some(v))),
        None => "—".into(),
    }
}

/// An RFC 3339 time as its day, "2026-12-03".
pub fn short_date(value: &str) -> &str {
    value.get(..10).unwrap_or(value)
}

/// The first `max` characters of a long text, cut at a character boundary, with an ellipsis.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_well() {
        assert_eq!(label("OPEN_WEIGHTS"), "Open weights");
        assert_eq!(flop(Some(2.1e25)), "2.1e25");
        assert_eq!(count(Some(175e9)), "175B");
        assert_eq!(count(Some(7.1e6)), "7.1M");
        assert_eq!(date(Some("2023-03-14"), "MONTH"), "2023-03");
        assert_eq!(count(None), "—");
    }
}
