//! Following the catalog: which changes a follower wants to hear of, for `/feed.atom` and the
//! `catalogChanged` subscription alike. A `ChangeFilter` is the explorer's filter (the same
//! parameters, the same meaning), a model, and the kinds of news (`ChangeKind`) wanted.
//!
//! Why the explorer's filter and not the API's whole `ModelFilter`: a change matches when the
//! model it touches matched *before or after* it, and the state before a change survives only as
//! the record in its revision. The explorer's few conditions can be judged exactly on such a
//! record (see `matching`); the whole `ModelFilter` runs as SQL on the tables as they are now.

mod kinds;
mod matching;

pub use kinds::{classify, crosses_threshold};
pub use matching::{FOLLOWED, Follower, MAX_SCANNED, States, latest_public};

use crate::domain::{Access, ChangeKind, Modality, Vocabulary};
use crate::service::{ServiceError, ServiceResult};

/// The parameters `/feed.atom` takes, in the order its canonical URL lists them.
pub const PARAMETERS: [&str; 10] =
    ["q", "org", "country", "access", "modality", "from", "to", "minCompute", "model", "kind"];

/// The longest text a text condition may hold (as in the explorer).
const MAX_TEXT: usize = 100;

/// Which changes a follower wants: every condition given must hold (none given: every change).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeFilter {
    /// The slug of the one model followed.
    pub model: Option<String>,
    /// Part of the model's name.
    pub q: Option<String>,
    /// Part of one of its organizations' names.
    pub org: Option<String>,
    /// The country (ISO 3166-1 alpha-2) of one of its organizations.
    pub country: Option<String>,
    pub access: Option<Access>,
    /// An input or output modality.
    pub modality: Option<Modality>,
    /// Announced in or after this year.
    pub from: Option<i32>,
    /// Announced in or before this year.
    pub to: Option<i32>,
    /// Training compute at least this many FLOP.
    pub min_compute: Option<f64>,
    /// The change is of at least one of these kinds (empty: of any kind or none).
    pub kinds: Vec<ChangeKind>,
}

impl ChangeFilter {
    /// The filter a query string gives, naming the first parameter that is unknown, repeated or
    /// has a value the feed cannot use. An empty value is an absent one (as a form sends it).
    pub fn from_query<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> ServiceResult<Self> {
        let mut filter = ChangeFilter::default();
        let mut seen = Vec::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            let Some(known) = PARAMETERS.iter().find(|p| **p == key) else {
                let name: String = key.chars().take(40).collect();
                return Err(ServiceError::bad_input(
                    name,
                    format!("the feed takes no such parameter; it takes {}", PARAMETERS.join(", ")),
                ));
            };
            if seen.contains(known) {
                return Err(ServiceError::bad_input(*known, "given more than once"));
            }
            seen.push(*known);
            if value.is_empty() {
                continue;
            }
            let text = || Some(value.to_owned());
            match *known {
                "q" => filter.q = text(),
                "org" => filter.org = text(),
                "country" => filter.country = text(),
                "model" => filter.model = text(),
                "access" => filter.access = Some(vocabulary(known, value, Access::parse, Access::ALL)?),
                "modality" => filter.modality = Some(vocabulary(known, value, Modality::parse, Modality::ALL)?),
                "from" => filter.from = Some(year(known, value)?),
                "to" => filter.to = Some(year(known, value)?),
                "minCompute" => {
                    filter.min_compute = Some(
                        value
                            .parse()
                            .map_err(|_| ServiceError::bad_input("minCompute", "a number of FLOP such as 1e25"))?,
                    )
                }
                _ => {
                    for kind in value.split(',').map(str::trim) {
                        let kind = ChangeKind::parse(kind).ok_or_else(|| {
                            let known = ChangeKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ");
                            ServiceError::bad_input("kind", format!("`{kind}` is not one of {known}"))
                        })?;
                        filter.kinds.push(kind);
                    }
                }
            }
        }
        filter.check("")?;
        Ok(filter)
    }

    /// Refuses what no model could match or what is too long to compare, naming the field
    /// (`prefix` then the parameter's name); brings country codes to upper case and the kinds
    /// into their canonical order.
    pub fn check(&mut self, prefix: &str) -> ServiceResult<()> {
        let bad = |field: &str, message: &str| ServiceError::bad_input(format!("{prefix}{field}"), message);
        for (field, text) in [("q", &self.q), ("org", &self.org), ("model", &self.model)] {
            if let Some(text) = text
                && (text.chars().count() > MAX_TEXT || text.contains('\0'))
            {
                return Err(bad(field, "at most 100 characters, and no NUL"));
            }
        }
        if let Some(country) = &mut self.country {
            if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(bad("country", "a two-letter country code such as US"));
            }
            country.make_ascii_uppercase();
        }
        for (field, year) in [("from", self.from), ("to", self.to)] {
            if year.is_some_and(|y| !(1900..=2200).contains(&y)) {
                return Err(bad(field, "a year between 1900 and 2200"));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(bad("to", "a year no earlier than `from`"));
        }
        if self.min_compute.is_some_and(|f| !f.is_finite() || f < 0.0) {
            return Err(bad("minCompute", "a number of FLOP such as 1e25"));
        }
        self.kinds.sort();
        self.kinds.dedup();
        Ok(())
    }

    /// Whether it lets every change through.
    pub fn is_everything(&self) -> bool {
        *self == ChangeFilter::default()
    }

    /// Whether it has a condition on the model a change touches.
    fn has_model_conditions(&self) -> bool {
        ChangeFilter { kinds: vec![], ..self.clone() } != ChangeFilter::default()
    }

    /// Its query-string pairs in the canonical order (`PARAMETERS`'), values in their canonical
    /// spelling: the same filter always gives the same pairs, so the same feed URL and id.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let upper = |s: &str| s.to_ascii_uppercase();
        let values = [
            self.q.clone(),
            self.org.clone(),
            self.country.clone(),
            self.access.map(|a| upper(a.as_str())),
            self.modality.map(|m| upper(m.as_str())),
            self.from.map(|y| y.to_string()),
            self.to.map(|y| y.to_string()),
            self.min_compute.map(|f| format!("{f:e}")),
            self.model.clone(),
            (!self.kinds.is_empty()).then(|| self.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")),
        ];
        PARAMETERS.into_iter().zip(values).filter_map(|(key, value)| Some((key, value?))).collect()
    }
}

/// A vocabulary's value, spelled as the API spells it (`OPEN_WEIGHTS`) or as it is stored.
fn vocabulary<T: Vocabulary>(field: &str, value: &str, parse: fn(&str) -> Option<T>, all: &[T]) -> ServiceResult<T> {
    parse(&value.to_ascii_lowercase()).ok_or_else(|| {
        let names: Vec<String> = all.iter().map(|v| v.as_str().to_ascii_uppercase()).collect();
        ServiceError::bad_input(field, format!("one of {}", names.join(", ")))
    })
}

fn year(field: &str, value: &str) -> ServiceResult<i32> {
    value.parse().map_err(|_| ServiceError::bad_input(field, "a year between 1900 and 2200"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> ServiceResult<ChangeFilter> {
        ChangeFilter::from_query(url::form_urlencoded::parse(query.as_bytes()))
    }

    fn field_of(query: &str) -> String {
        match parse(query) {
            Err(ServiceError::BadInput { field, .. }) => field,
            other => panic!("{query}: {other:?}"),
        }
    }

    #[test]
    fn the_same_filter_gives_the_same_canonical_pairs() {
        let a = parse("kind=risk-assessed,model-added&minCompute=10000000000000000000000000&country=cn").unwrap();
        let b = parse("country=CN&minCompute=1e25&kind=model-added,risk-assessed,model-added&q=").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.pairs(),
            [("country", "CN".into()), ("minCompute", "1e25".into()), ("kind", "model-added,risk-assessed".into())]
        );
        assert_eq!(
            parse(&url::form_urlencoded::Serializer::new(String::new()).extend_pairs(a.pairs()).finish()).unwrap(),
            a
        );
        assert!(parse("").unwrap().is_everything());
    }

    #[test]
    fn names_the_parameter_it_cannot_use() {
        for (query, field) in [
            ("colour=red", "colour"),
            ("kind=everything", "kind"),
            ("kind=model-added,nonsense", "kind"),
            ("access=free", "access"),
            ("country=USA", "country"),
            ("minCompute=lots", "minCompute"),
            ("from=2024&to=2020", "to"),
            ("q=a&q=b", "q"),
        ] {
            assert_eq!(field_of(query), field, "{query}");
        }
        assert_eq!(parse("access=open_weights&modality=TEXT").unwrap().access, Some(Access::OpenWeights));
        assert_eq!(parse("kind=prediction-resolved").unwrap().kinds, [ChangeKind::PredictionResolved]);
    }
}
