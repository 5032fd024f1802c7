//! The filter state the catalog, the plots and their shared URLs carry in the query string, and
//! its translation into the API's `ModelFilter`. Every parameter is optional; an empty one is
//! absent (what an untouched form field sends).

use serde::Deserialize;
use serde_json::{Value as Json, json};
use url::form_urlencoded;

use super::api::PageError;

pub const ACCESS: [&str; 5] = ["OPEN_WEIGHTS", "API", "PRODUCT", "RESTRICTED", "UNRELEASED"];
pub const MODALITIES: [&str; 9] =
    ["TEXT", "CODE", "IMAGE", "VIDEO", "AUDIO", "SPEECH", "ACTION", "EMBEDDING", "MOLECULE"];

/// The query string as the browser sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawFilter {
    pub q: Option<String>,
    pub org: Option<String>,
    pub country: Option<String>,
    pub access: Option<String>,
    pub modality: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub min_compute: Option<String>,
    pub as_recorded_at: Option<String>,
}

/// A checked filter.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filter {
    /// Part of the model's name.
    pub q: Option<String>,
    /// Part of an organization's name.
    pub org: Option<String>,
    /// An ISO 3166-1 alpha-2 code, upper case.
    pub country: Option<String>,
    pub access: Option<&'static str>,
    /// An input or output modality.
    pub modality: Option<&'static str>,
    /// Announced in or after this year.
    pub from: Option<i32>,
    /// Announced in or before this year.
    pub to: Option<i32>,
    /// Training compute at least this many FLOP.
    pub min_compute: Option<f64>,
    /// The instant of a past view (RFC 3339, UTC): not a filter of the models but of the
    /// catalog, which every address the view links to keeps.
    pub as_recorded_at: Option<String>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn text(value: &Option<String>, field: &str) -> Result<Option<String>, PageError> {
    match present(value) {
        Some(v) if v.chars().count() > 100 => Err(PageError::bad_input(field, "at most 100 characters")),
        Some(v) if v.contains('\0') => Err(PageError::bad_input(field, "no NUL character")),
        v => Ok(v.map(str::to_owned)),
    }
}

fn one_of(value: &Option<String>, field: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, PageError> {
    let Some(v) = present(value) else { return Ok(None) };
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(v))
        .copied()
        .map(Some)
        .ok_or_else(|| PageError::bad_input(field, format!("one of {}", allowed.join(", "))))
}

fn year(value: &Option<String>, field: &str) -> Result<Option<i32>, PageError> {
    let Some(v) = present(value) else { return Ok(None) };
    match v.parse::<i32>() {
        Ok(y) if (1900..=2200).contains(&y) => Ok(Some(y)),
        _ => Err(PageError::bad_input(field, "a year between 1900 and 2200")),
    }
}

impl RawFilter {
    pub fn check(&self) -> Result<Filter, PageError> {
        let country = match present(&self.country) {
            None => None,
            Some(c) if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => Some(c.to_ascii_uppercase()),
            Some(_) => return Err(PageError::bad_input("country", "a two-letter country code such as US")),
        };
        let min_compute = match present(&self.min_compute) {
            None => None,
            Some(v) => match v.parse::<f64>() {
                Ok(f) if f.is_finite() && f >= 0.0 => Some(f),
                _ => return Err(PageError::bad_input("minCompute", "a number of FLOP such as 1e24")),
            },
        };
        let filter = Filter {
            q: text(&self.q, "q")?,
            org: text(&self.org, "org")?,
            country,
            access: one_of(&self.access, "access", &ACCESS)?,
            modality: one_of(&self.modality, "modality", &MODALITIES)?,
            from: year(&self.from, "from")?,
            to: year(&self.to, "to")?,
            min_compute,
            as_recorded_at: super::past::instant(self.as_recorded_at.as_deref(), "asRecordedAt")?,
        };
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(PageError::bad_input("to", "a year no earlier than `from`"));
        }
        Ok(filter)
    }
}

impl Filter {
    /// The API's `ModelFilter` for this state (null when nothing is set).
    pub fn to_model_filter(&self) -> Json {
        let mut all = Vec::new();
        if let Some(q) = &self.q {
            all.push(json!({ "name": { "contains": q } }));
        }
        if let Some(org) = &self.org {
            all.push(json!({ "organizations": { "name": { "contains": org } } }));
        }
        if let Some(country) = &self.country {
            all.push(json!({ "organizations": { "country": { "eq": country } } }));
        }
        if let Some(access) = self.access {
            all.push(json!({ "access": { "eq": access } }));
        }
        if let Some(m) = self.modality {
            all.push(json!({ "or": [
                { "inputModalities": { "anyOf": [m] } },
                { "outputModalities": { "anyOf": [m] } },
            ] }));
        }
        if let Some(from) = self.from {
            all.push(json!({ "announcedOn": { "gte": format!("{from:04}-01-01") } }));
        }
        if let Some(to) = self.to {
            all.push(json!({ "announcedOn": { "lte": format!("{to:04}-12-31") } }));
        }
        if let Some(min) = self.min_compute {
            all.push(json!({ "trainingComputeFlop": { "gte": min } }));
        }
        if all.is_empty() { Json::Null } else { json!({ "and": all }) }
    }

    /// Whether no filter of the models is set (a past view filters none).
    pub fn is_empty(&self) -> bool {
        self.now() == Filter::default()
    }

    /// The same filter over the catalog as it is now.
    pub fn now(&self) -> Filter {
        Filter { as_recorded_at: None, ..self.clone() }
    }

    /// The filter's query-string pairs, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut add = |key, value: Option<String>| {
            if let Some(v) = value {
                pairs.push((key, v));
            }
        };
        add("q", self.q.clone());
        add("org", self.org.clone());
        add("country", self.country.clone());
        add("access", self.access.map(str::to_owned));
        add("modality", self.modality.map(str::to_owned));
        add("from", self.from.map(|y| y.to_string()));
        add("to", self.to.map(|y| y.to_string()));
        add("minCompute", self.min_compute.map(|f| format!("{f:e}")));
        add("asRecordedAt", self.as_recorded_at.clone());
        pairs
    }

    /// `path` with this filter and `extra` pairs as its query string.
    pub fn url(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            query.append_pair(k, &v);
        }
        for (k, v) in extra {
            query.append_pair(k, v);
        }
        let query = query.finish();
        if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &str) -> RawFilter {
        serde_urlencoded_like(pairs)
    }

    fn serde_urlencoded_like(pairs: &str) -> RawFilter {
        let mut f = RawFilter::default();
        for (k, v) in form_urlencoded::parse(pairs.as_bytes()) {
            let v = Some(v.into_owned());
            match &*k {
                "q" => f.q = v,
                "country" => f.country = v,
                "access" => f.access = v,
                "from" => f.from = v,
                "to" => f.to = v,
                "minCompute" => f.min_compute = v,
                "asRecordedAt" => f.as_recorded_at = v,
                _ => {}
            }
        }
        f
    }

    #[test]
    fn round_trips_through_the_query_string() {
        let filter = raw(
            "q=gpt&country=us&access=open_weights&from=2020&to=2024&minCompute=1e24&asRecordedAt=2025-01-31T12:00:00Z",
        )
        .check()
        .unwrap();
        assert_eq!(filter.as_recorded_at.as_deref(), Some("2025-01-31T12:00:00Z"));
        assert_eq!(filter.country.as_deref(), Some("US"));
        assert_eq!(filter.access, Some("OPEN_WEIGHTS"));
        let again = raw(filter.url("/", &[]).trim_start_matches("/?")).check().unwrap();
        assert_eq!(again, filter);
    }

    #[test]
    fn names_the_bad_parameter() {
        for (query, field) in [
            ("country=USA", "country"),
            ("access=free", "access"),
            ("from=20x", "from"),
            ("from=2024&to=2020", "to"),
            ("asRecordedAt=soon", "asRecordedAt"),
        ] {
            match raw(query).check() {
                Err(PageError::BadInput { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
    }

    #[test]
    fn empty_parameters_are_absent() {
        assert!(raw("q=&country=&access=").check().unwrap().is_empty());
        assert_eq!(Filter::default().to_model_filter(), Json::Null);
    }
}
