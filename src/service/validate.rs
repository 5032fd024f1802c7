//! Field checks shared by every write. Each names the field it refuses, as the client spelled it.

use chrono::{Datelike, NaiveDate, Utc};

use super::{ServiceError, ServiceResult};
use crate::domain::{CountryCode, Slug};

pub fn slug(field: &str, value: &str) -> ServiceResult<()> {
    Slug::parse(value).map(|_| ()).map_err(|m| ServiceError::bad_input(field, m))
}

pub fn country(field: &str, value: &str) -> ServiceResult<()> {
    CountryCode::parse(value).map(|_| ()).map_err(|m| ServiceError::bad_input(field, m))
}

/// Text of `min..=max` characters (after trimming), without control characters other than
/// newlines and tabs.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> ServiceResult<()> {
    let chars = value.trim().chars().count();
    if chars < min {
        return Err(ServiceError::bad_input(field, format!("must have at least {min} characters")));
    }
    if chars > max {
        return Err(ServiceError::bad_input(field, format!("must have at most {max} characters")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(ServiceError::bad_input(field, "must not contain control characters"));
    }
    Ok(())
}

/// One line of text: no control characters at all.
pub fn line(field: &str, value: &str, min: usize, max: usize) -> ServiceResult<()> {
    text(field, value, min, max)?;
    if value.chars().any(char::is_control) {
        return Err(ServiceError::bad_input(field, "must not contain control characters"));
    }
    Ok(())
}

/// A plausible email address (the mail server is the final judge).
pub fn email(field: &str, email: &str) -> ServiceResult<()> {
    line(field, email, 3, 254)?;
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        }
        None => false,
    };
    if !valid || email.chars().any(char::is_whitespace) || email.matches('@').count() != 1 {
        return Err(ServiceError::bad_input(field, "is not an email address"));
    }
    Ok(())
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ServiceResult<()> {
    value.map_or(Ok(()), |v| text(field, v, 1, max))
}

/// An absolute http(s) URL on the public internet, without bidirectional controls.
///
/// Sources are shown as links to every reader and may be fetched by tools downstream, so a URL
/// must not aim at the reader's or the server's own network (loopback, private, link-local or
/// unspecified addresses, `localhost`): that is a request-forgery lever, never a source. Bidi
/// controls make a link read as another address than it goes to (CVE-2021-42574's trick).
pub fn url(field: &str, value: &str) -> ServiceResult<()> {
    text(field, value, 1, 2000)?;
    if value.chars().any(is_bidi_control) {
        return Err(ServiceError::bad_input(field, "must not contain bidirectional control characters"));
    }
    let parsed = match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return Err(ServiceError::bad_input(field, "must be an absolute http or https URL")),
    };
    let public = match parsed.host() {
        None => return Err(ServiceError::bad_input(field, "must be an absolute http or https URL")),
        Some(url::Host::Domain(name)) => !is_local_name(name),
        Some(url::Host::Ipv4(ip)) => is_public_v4(ip),
        Some(url::Host::Ipv6(ip)) => is_public_v6(ip),
    };
    if !public {
        return Err(ServiceError::bad_input(
            field,
            "must not point at a loopback, private, link-local or unspecified address",
        ));
    }
    Ok(())
}

/// The explicit directional formatting characters of Unicode's bidi algorithm (UAX #9).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// `localhost` and its subdomains (RFC 6761 reserves them for loopback), with or without the
/// root's trailing dot. The URL parser has already lowercased the name.
fn is_local_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost" || name.ends_with(".localhost")
}

/// The URL parser reads every spelling of an IPv4 address (`0x7f.1`, `2130706433`) into one.
fn is_public_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let this_network = a == 0;
    let shared = a == 100 && (64..128).contains(&b); // RFC 6598, carrier-grade NAT
    !(ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified() || this_network || shared)
}

fn is_public_v6(ip: std::net::Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let site_local = (ip.segments()[0] & 0xffc0) == 0xfec0; // deprecated, still routed privately
    !(ip.is_loopback() || ip.is_unspecified() || ip.is_unique_local() || ip.is_unicast_link_local() || site_local)
}

pub fn optional_url(field: &str, value: Option<&str>) -> ServiceResult<()> {
    value.map_or(Ok(()), |v| url(field, v))
}

/// Between 1950 (before any model this catalog could hold) and one year from today (an
/// announced release date).
pub fn date(field: &str, value: NaiveDate) -> ServiceResult<()> {
    let earliest = NaiveDate::from_ymd_opt(1950, 1, 1).expect("valid date");
    let today = Utc::now().date_naive();
    let latest = today.with_year(today.year() + 1).unwrap_or(today);
    if value < earliest || value > latest {
        return Err(ServiceError::bad_input(field, format!("must be between {earliest} and {latest}")));
    }
    Ok(())
}

/// A finite number strictly between `low` and `high`.
pub fn between(field: &str, value: Option<f64>, low: f64, high: f64) -> ServiceResult<()> {
    match value {
        Some(v) if !(v.is_finite() && v > low && v < high) => Err(ServiceError::bad_input(
            field,
            format!("must be greater than {} and less than {}", plain(low), plain(high)),
        )),
        _ => Ok(()),
    }
}

/// A bound as a reader writes it: `0`, `100`, `1e16` (not `0e0`).
fn plain(bound: f64) -> String {
    if bound != 0.0 && bound.abs() >= 1e6 { format!("{bound:e}") } else { bound.to_string() }
}

pub fn parameters(field: &str, value: Option<f64>) -> ServiceResult<()> {
    between(field, value, 0.0, 1e16)
}

pub fn flop(field: &str, value: Option<f64>) -> ServiceResult<()> {
    between(field, value, 0.0, 1e32)
}

/// The bounds of a 90% interval around an estimate, each a number `check` accepts: each bound
/// is named as the estimate's field with `Low` or `High` after it. A bound needs the estimate
/// it surrounds, the low bound is at most the high one, and the bounds contain the estimate.
/// Either bound may stand alone (a one-sided interval).
pub fn interval(
    estimate_field: &str,
    estimate: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
    check: fn(&str, Option<f64>) -> ServiceResult<()>,
) -> ServiceResult<()> {
    let (low_field, high_field) = (format!("{estimate_field}Low"), format!("{estimate_field}High"));
    check(&low_field, low)?;
    check(&high_field, high)?;
    let name = estimate_field.rsplit('.').next().unwrap_or(estimate_field);
    let Some(estimate) = estimate else {
        let field = if low.is_some() { low_field } else { high_field };
        return match (low, high) {
            (None, None) => Ok(()),
            _ => Err(ServiceError::bad_input(
                field,
                format!("is a bound of an interval around {name}, which has no estimate: give {name} too, or no bound"),
            )),
        };
    };
    if let (Some(l), Some(h)) = (low, high)
        && l > h
    {
        return Err(ServiceError::bad_input(
            low_field,
            format!("must not be above the high bound ({}): the interval is low to high", plain(h)),
        ));
    }
    if low.is_some_and(|l| l > estimate) {
        return Err(ServiceError::bad_input(
            low_field,
            format!("must not be above the estimate {name} = {}: the interval must contain it", plain(estimate)),
        ));
    }
    if high.is_some_and(|h| h < estimate) {
        return Err(ServiceError::bad_input(
            high_field,
            format!("must not be below the estimate {name} = {}: the interval must contain it", plain(estimate)),
        ));
    }
    Ok(())
}

/// A list without repeats, of at most `max` items.
pub fn distinct<T: PartialEq>(field: &str, items: &[T], max: usize) -> ServiceResult<()> {
    if items.len() > max {
        return Err(ServiceError::bad_input(field, format!("may list at most {max} items")));
    }
    if items.iter().enumerate().any(|(i, a)| items[..i].contains(a)) {
        return Err(ServiceError::bad_input(field, "lists an item twice"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field_it_refuses() {
        let Err(ServiceError::BadInput { field, .. }) = flop("input.trainingComputeFlop", Some(f64::NAN)) else {
            panic!("NaN accepted")
        };
        assert_eq!(field, "input.trainingComputeFlop");
        let Err(ServiceError::BadInput { message, .. }) = between("input.trainingCostUsd", Some(-5.0), 0.0, 1e13)
        else {
            panic!("a negative cost accepted")
        };
        assert_eq!(message, "must be greater than 0 and less than 1e13");
        assert!(flop("f", Some(1e32)).is_err() && flop("f", Some(0.0)).is_err() && flop("f", Some(3e23)).is_ok());
        assert!(url("u", "javascript:alert(1)").is_err() && url("u", "https://example.org/x").is_ok());
        for private in ["http://0x7f.1/", "http://[::ffff:10.0.0.1]/", "http://LOCALHOST./", "http://[fe80::1]/"] {
            assert!(url("u", private).is_err(), "{private} accepted");
        }
        assert!(url("u", "https://8.8.8.8/").is_ok() && url("u", "https://[2001:db8::1]/").is_ok());
        assert!(text("t", "a\u{0}b", 1, 10).is_err() && text("t", "  ", 1, 10).is_err());
        assert!(date("d", NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()).is_err());
    }

    #[test]
    fn an_interval_needs_its_estimate_and_contains_it() {
        let refused = |estimate, low, high| match interval("input.trainingComputeFlop", estimate, low, high, flop) {
            Err(ServiceError::BadInput { field, message }) => Some((field, message)),
            Err(other) => panic!("{other:?}"),
            Ok(()) => None,
        };
        assert_eq!(refused(Some(2e25), Some(8.2e24), Some(4.4e25)), None);
        assert_eq!(refused(Some(2e25), None, Some(2e25)), None);
        assert_eq!(refused(None, None, None), None);
        let (field, message) = refused(None, None, Some(1e25)).unwrap();
        assert_eq!(field, "input.trainingComputeFlopHigh");
        assert!(message.contains("no estimate"), "{message}");
        let (field, message) = refused(Some(2e25), Some(3e25), Some(4e25)).unwrap();
        assert_eq!(
            (field.as_str(), message.as_str()),
            (
                "input.trainingComputeFlopLow",
                "must not be above the estimate trainingComputeFlop = 2e25: the interval must contain it"
            )
        );
        assert_eq!(refused(Some(2e25), Some(1e25), Some(1.5e25)).unwrap().0, "input.trainingComputeFlopHigh");
        assert_eq!(refused(Some(2e25), Some(5e25), Some(1e25)).unwrap().0, "input.trainingComputeFlopLow");
        assert_eq!(refused(Some(2e25), Some(-1.0), None).unwrap().0, "input.trainingComputeFlopLow");
        assert_eq!(refused(Some(2e25), None, Some(f64::INFINITY)).unwrap().0, "input.trainingComputeFlopHigh");
    }
}
