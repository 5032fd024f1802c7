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

/// An absolute http(s) URL.
pub fn url(field: &str, value: &str) -> ServiceResult<()> {
    text(field, value, 1, 2000)?;
    match url::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(ServiceError::bad_input(field, "must be an absolute http or https URL")),
    }
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
        Some(v) if !(v.is_finite() && v > low && v < high) => {
            Err(ServiceError::bad_input(field, format!("must be greater than {low:e} and less than {high:e}")))
        }
        _ => Ok(()),
    }
}

pub fn parameters(field: &str, value: Option<f64>) -> ServiceResult<()> {
    between(field, value, 0.0, 1e16)
}

pub fn flop(field: &str, value: Option<f64>) -> ServiceResult<()> {
    between(field, value, 0.0, 1e32)
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
        assert!(flop("f", Some(1e32)).is_err() && flop("f", Some(0.0)).is_err() && flop("f", Some(3e23)).is_ok());
        assert!(url("u", "javascript:alert(1)").is_err() && url("u", "https://example.org/x").is_ok());
        assert!(text("t", "a\u{0}b", 1, 10).is_err() && text("t", "  ", 1, 10).is_err());
        assert!(date("d", NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()).is_err());
    }
}
