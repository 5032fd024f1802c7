//! The model fields the workspace's form edits, declared once: the form, the conflict view and the
//! history's diffs read this list. Each field is named as in the API's `UpdateModelInput` and in
//! revisions' `before`/`after`, so an API error that names `input.<field>` lands beside its field.

use serde_json::Value as Json;

/// How a field is entered and sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One line of text; empty sends null (or "" for a required field, which the API refuses).
    Line,
    /// Several lines of Markdown or prose.
    Text,
    /// A number, written as `2.1e25` or `21000000000000000000000000`.
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// One line per item.
    List,
    /// One of the values, in the API's spelling; `optional` choices may be left empty.
    Choice { values: &'static [&'static str], optional: bool },
}

#[derive(Debug, PartialEq, Eq)]
pub struct Field {
    /// The API's name, in `UpdateModelInput` and in revisions.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Whether the API requires a value (an empty one is sent as "", so the API names it).
    pub required: bool,
}

const PRECISION: &[&str] = &["DAY", "MONTH", "YEAR"];
const CONFIDENCE: &[&str] = &["CONFIRMED", "LIKELY", "SPECULATIVE", "UNKNOWN"];
const SIZE_UNIT: &[&str] = &["TOKENS", "WORDS", "IMAGES", "IMAGE_TEXT_PAIRS", "AUDIO_HOURS", "VIDEO_HOURS", "OTHER"];
const ACCESS: &[&str] = &["OPEN_WEIGHTS", "API", "PRODUCT", "RESTRICTED", "UNRELEASED"];

const fn field(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind, required: false }
}

const fn required(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind, required: true }
}

const fn choice(values: &'static [&'static str], optional: bool) -> Kind {
    Kind::Choice { values, optional }
}

/// The model's own fields, in the order the form shows them. Lists of other entries
/// (organizations, capabilities, sources, datasets, lineage) are not among them.
pub const MODEL: &[Field] = &[
    required("name", "Name", Kind::Line),
    field("aliases", "Aliases (one per line)", Kind::List),
    required("announcedOn", "Announced on", Kind::Date),
    required("announcedPrecision", "Precision of the date", choice(PRECISION, false)),
    field("parameters", "Parameters", Kind::Number),
    required("parametersConfidence", "Parameters: confidence", choice(CONFIDENCE, false)),
    field("parametersNote", "Parameters: note", Kind::Text),
    field("trainingComputeFlop", "Training compute (FLOP)", Kind::Number),
    required("trainingComputeConfidence", "Training compute: confidence", choice(CONFIDENCE, false)),
    field("trainingComputeNote", "Training compute: note", Kind::Text),
    field("trainingDataset", "Training data", Kind::Text),
    field("trainingDatasetSize", "Training data size", Kind::Number),
    field("trainingDatasetSizeUnit", "Training data size: unit", choice(SIZE_UNIT, true)),
    field("hardware", "Hardware", Kind::Line),
    field("trainingCostUsd", "Training cost (US dollars)", Kind::Number),
    field("trainingCostNote", "Training cost: note", Kind::Text),
    required("access", "Access", choice(ACCESS, false)),
    field("license", "Licence", Kind::Line),
    required("description", "Description (Markdown)", Kind::Text),
    required("industryContext", "Industry context (Markdown)", Kind::Text),
];

/// The field named `name`.
pub fn named(name: &str) -> Option<&'static Field> {
    MODEL.iter().find(|f| f.name == name)
}

/// A value from the API (a query's answer, or a revision's `before`/`after`, where vocabularies
/// are in lower case) as the form writes it.
pub fn shown(kind: Kind, value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => match kind {
            Kind::Choice { .. } => s.to_uppercase(),
            _ => s.clone(),
        },
        Json::Number(n) => match n.as_f64() {
            Some(f) if f.abs() >= 1e6 => format!("{f:e}"),
            _ => n.to_string(),
        },
        Json::Array(items) => items.iter().map(|i| shown(kind, i)).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

/// What the form's text for `field` sends to the API, or why it cannot be sent.
pub fn sent(field: &Field, text: &str) -> Result<Json, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return match field.kind {
            Kind::List => Ok(Json::Array(Vec::new())),
            Kind::Line | Kind::Text if field.required => Ok(Json::String(String::new())),
            _ if field.required => Err("is required"),
            _ => Ok(Json::Null),
        };
    }
    Ok(match field.kind {
        Kind::Number => {
            let number: f64 = text.replace([',', '_'], "").parse().map_err(|_| "is not a number")?;
            serde_json::Number::from_f64(number).map(Json::Number).ok_or("is not a finite number")?
        }
        Kind::List => Json::Array(
            text.lines().map(str::trim).filter(|l| !l.is_empty()).map(|l| Json::String(l.to_owned())).collect(),
        ),
        Kind::Choice { values, .. } => {
            let value = text.to_uppercase();
            if !values.contains(&value.as_str()) {
                return Err("is not one of the choices");
            }
            Json::String(value)
        }
        Kind::Line | Kind::Text | Kind::Date => Json::String(text.to_owned()),
    })
}

/// Whether two of the form's texts for `field` say the same (line endings and the spelling of a
/// number aside).
pub fn same(field: &Field, a: &str, b: &str) -> bool {
    match (sent(field, a), sent(field, b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a.trim() == b.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_through_the_form() {
        let flop = named("trainingComputeFlop").unwrap();
        let text = shown(flop.kind, &serde_json::json!(2.1e25));
        assert_eq!(text, "2.1e25");
        assert_eq!(sent(flop, &text).unwrap(), serde_json::json!(2.1e25));
        assert!(same(flop, "2.1e25", "21000000000000000000000000"));
        assert_eq!(sent(flop, "lots"), Err("is not a number"));
        assert_eq!(sent(flop, " "), Ok(Json::Null));
    }

    #[test]
    fn required_fields_send_empty_text_so_the_api_names_them() {
        assert_eq!(sent(named("name").unwrap(), ""), Ok(Json::String(String::new())));
        assert_eq!(sent(named("access").unwrap(), "open_weights"), Ok(Json::String("OPEN_WEIGHTS".into())));
        assert_eq!(sent(named("aliases").unwrap(), "a\n\n b \n"), Ok(serde_json::json!(["a", "b"])));
    }
}
