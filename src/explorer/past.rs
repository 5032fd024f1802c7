//! The explorer's past views (issue 18): the catalog, a model and the plots as recorded at an
//! instant (`?asRecordedAt=`), each saying so in a banner that links to the present.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use maud::{Markup, html};

use super::api::PageError;

/// The instant a query-string parameter `field` names, as the API takes it (RFC 3339, UTC);
/// absent when the parameter is. Besides RFC 3339 it takes what a `datetime-local` field sends
/// (`2025-01-31T12:00`) and a plain date, both read as UTC; a date is its first instant.
pub fn instant(value: Option<&str>, field: &str) -> Result<Option<String>, PageError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(None) };
    let parsed = DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.and_utc()))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()))
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y-%m-%d").map(|d| d.and_time(Default::default()).and_utc()));
    match parsed {
        Ok(t) if value.len() <= 40 => Ok(Some(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))),
        _ => Err(PageError::bad_input(field, "a time such as 2025-01-31T12:00:00Z (or a date, 2025-01-31)")),
    }
}

/// An instant (as [`instant`] gives it) for readers: "2025-01-31 12:00:00 UTC".
pub fn readable(at: &str) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

/// The instant in a `time` element (whose `datetime` takes at most milliseconds).
pub fn time(at: &str) -> Markup {
    let machine = DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc).to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_else(|_| at.to_owned());
    html! { time datetime=(machine) { (readable(at)) } }
}

/// The banner of a past view: what the page shows, and the same page now at `now_url`.
pub fn banner(at: &str, now_url: &str) -> Markup {
    html! {
        div.notice.past role="note" aria-label="Past view" {
            strong { "Past view. " }
            "You are viewing the catalog as recorded at " (time(at)) " — "
            a href=(now_url) { "see it now" } "."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_local_times_and_dates_as_utc() {
        let read = |v: &str| instant(Some(v), "asRecordedAt").unwrap().unwrap();
        assert_eq!(read("2025-01-31T13:00:00+01:00"), "2025-01-31T12:00:00Z");
        assert_eq!(read("2025-01-31T12:00"), "2025-01-31T12:00:00Z");
        assert_eq!(read("2025-01-31"), "2025-01-31T00:00:00Z");
        assert_eq!(instant(Some(" "), "asRecordedAt").unwrap(), None);
        match instant(Some("yesterday"), "asRecordedAt") {
            Err(PageError::BadInput { field, .. }) => assert_eq!(field, "asRecordedAt"),
            other => panic!("{other:?}"),
        }
    }
}
