//! The model fields the workspace's form edits, declared once: the form, the conflict view and the
//! history's diffs read this list. Each field is named as in the API's `UpdateModelInput` and in
//! revisions' `before`/`after`, so an API error that names `input.<field>` lands beside its field.

use std::collections::BTreeMap;

use maud::{Markup, html};
use serde_json::{Map, Value as Json};

use crate::explorer::format;

/// A form's texts, by field name.
pub type Values = BTreeMap<String, String>;

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
    /// Several of the values, one per line (modalities).
    Choices { values: &'static [&'static str] },
    /// Other entries named by their slugs, one per line, in order; sent as their ids.
    Refs(Entry),
    /// Another entry named by its slug; sent as its id.
    Ref(Entry),
    /// One row per line, its columns separated by ` | `; empty trailing columns may be left out.
    Rows(&'static [Column]),
}

/// An entry a field names by slug, and the query that finds its id (`<query>(slug:) { id }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub query: &'static str,
    pub noun: &'static str,
}

pub const ORGANIZATION: Entry = Entry { query: "organization", noun: "organization" };
pub const DATASET: Entry = Entry { query: "dataset", noun: "dataset" };
pub const CAPABILITY: Entry = Entry { query: "capability", noun: "capability" };
pub const BASE_MODEL: Entry = Entry { query: "model", noun: "model" };

/// One column of a `Rows` field: its name in the API's input object, and what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// Free text; empty sends nothing.
    Text,
    /// Required text.
    Required,
    /// One of the values (required).
    Choice(&'static [&'static str]),
    /// An entry's slug (required), sent as its id.
    Ref(Entry),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The API's name, in `UpdateModelInput` and in revisions.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    /// Whether the API requires a value (an empty one is sent as "", so the API names it).
    pub required: bool,
    /// How a query reads it, shaped as the form writes it: the name itself, or a selection whose
    /// answer has the field's name (`organizationIds: organizations { slug }`).
    pub read: &'static str,
}

// The choices are the domain's vocabularies in the API's spelling; they are const data for the
// form tables, and a test checks each against its vocabulary (`choices_are_the_vocabularies`).
const PRECISION: &[&str] = &["DAY", "MONTH", "YEAR"];
const CONFIDENCE: &[&str] = &["CONFIRMED", "LIKELY", "SPECULATIVE", "UNKNOWN"];
pub(super) const SIZE_UNIT: &[&str] =
    &["TOKENS", "WORDS", "IMAGES", "IMAGE_TEXT_PAIRS", "AUDIO_HOURS", "VIDEO_HOURS", "OTHER"];
const ACCESS: &[&str] = &["OPEN_WEIGHTS", "API", "PRODUCT", "RESTRICTED", "UNRELEASED"];

const MODALITY: &[&str] = &["TEXT", "CODE", "IMAGE", "VIDEO", "AUDIO", "SPEECH", "ACTION", "EMBEDDING", "MOLECULE"];
const CAPABILITY_STATUS: &[&str] = &["DEMONSTRATED", "EXTRAPOLATED"];

const fn field(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind, required: false, read: name }
}

const fn required(name: &'static str, label: &'static str, kind: Kind) -> Field {
    Field { name, label, kind, required: true, read: name }
}

/// A list (or link) field read through another selection.
const fn list(name: &'static str, label: &'static str, kind: Kind, read: &'static str) -> Field {
    Field { name, label, kind, required: false, read }
}

const CAPABILITY_COLUMNS: &[Column] = &[
    Column { name: "capabilityId", kind: ColumnKind::Ref(CAPABILITY) },
    Column { name: "status", kind: ColumnKind::Choice(CAPABILITY_STATUS) },
    Column { name: "evidence", kind: ColumnKind::Text },
    Column { name: "sourceUrl", kind: ColumnKind::Text },
];

const SOURCE_COLUMNS: &[Column] =
    &[Column { name: "url", kind: ColumnKind::Required }, Column { name: "title", kind: ColumnKind::Text }];

const fn choice(values: &'static [&'static str], optional: bool) -> Kind {
    Kind::Choice { values, optional }
}

/// The model's fields, in the order the form shows them, with its lists edited in place: each
/// list is a textarea with one entry per line, so a browser without JavaScript can add, remove
/// and reorder entries by editing text, and the API's error for a list lands beside it.
pub const MODEL: &[Field] = &[
    required("name", "Name", Kind::Line),
    field("aliases", "Aliases (one per line)", Kind::List),
    list(
        "organizationIds",
        "Organizations (slugs, one per line, lead first)",
        Kind::Refs(ORGANIZATION),
        "organizationIds: organizations { slug }",
    ),
    field("inputModalities", "Input modalities (one per line)", Kind::Choices { values: MODALITY }),
    field("outputModalities", "Output modalities (one per line)", Kind::Choices { values: MODALITY }),
    list("baseModelId", "Base model (slug)", Kind::Ref(BASE_MODEL), "baseModelId: baseModel { slug }"),
    required("announcedOn", "Announced on", Kind::Date),
    required("announcedPrecision", "Precision of the date", choice(PRECISION, false)),
    field("parameters", "Parameters", Kind::Number),
    field("parametersLow", "Parameters: 90% interval, low", Kind::Number),
    field("parametersHigh", "Parameters: 90% interval, high", Kind::Number),
    required("parametersConfidence", "Parameters: confidence", choice(CONFIDENCE, false)),
    field("parametersNote", "Parameters: note", Kind::Text),
    field("trainingComputeFlop", "Training compute (FLOP)", Kind::Number),
    field("trainingComputeFlopLow", "Training compute: 90% interval, low", Kind::Number),
    field("trainingComputeFlopHigh", "Training compute: 90% interval, high", Kind::Number),
    field("finetuneComputeFlop", "Fine-tuning compute (FLOP, not included above)", Kind::Number),
    field("postTrainingComputeFlop", "Post-training compute (FLOP)", Kind::Number),
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
    list("datasetIds", "Datasets (slugs, one per line)", Kind::Refs(DATASET), "datasetIds: datasets { slug }"),
    list(
        "capabilities",
        "Capabilities: capability slug | DEMONSTRATED or EXTRAPOLATED | evidence | source URL, one per line",
        Kind::Rows(CAPABILITY_COLUMNS),
        "capabilities { capabilityId: capability { slug } status evidence sourceUrl }",
    ),
    list("sources", "Sources: URL | title, one per line", Kind::Rows(SOURCE_COLUMNS), "sources { url title }"),
    required("description", "Description (Markdown)", Kind::Text),
    required("industryContext", "Industry context (Markdown)", Kind::Text),
];

const HORIZON: &[&str] = &["IMMEDIATE", "NEAR_TERM"];
const CAUSE: &[&str] = &["ACCIDENTAL", "MALICIOUS", "STRUCTURAL"];
const RISK_CATEGORY: &[&str] = &[
    "DISINFORMATION",
    "CYBER_OFFENSE",
    "BIO_CHEM",
    "FRAUD_IMPERSONATION",
    "PRIVACY",
    "BIAS_HARMFUL_CONTENT",
    "AUTONOMY_LOSS_OF_CONTROL",
    "LABOR_ECONOMIC",
    "CONCENTRATION_OF_POWER",
    "OVERRELIANCE",
];
const SEVERITY: &[&str] = &["LOW", "MEDIUM", "HIGH", "CRITICAL"];
const LIKELIHOOD: &[&str] = &["LOW", "MEDIUM", "HIGH"];
/// The MIT AI Risk Repository's 24 subdomains, in their order (1.1 to 7.6).
const MIT_SUBDOMAIN: &[&str] = &[
    "DISCRIMINATION_MISREPRESENTATION",
    "TOXIC_CONTENT",
    "UNEQUAL_PERFORMANCE",
    "PRIVACY_COMPROMISE",
    "AI_SECURITY_VULNERABILITIES",
    "FALSE_INFORMATION",
    "INFORMATION_ECOSYSTEM_POLLUTION",
    "DISINFORMATION_SURVEILLANCE_INFLUENCE",
    "CYBERATTACKS_WEAPONS_MASS_HARM",
    "FRAUD_SCAMS_MANIPULATION",
    "OVERRELIANCE_UNSAFE_USE",
    "LOSS_OF_HUMAN_AGENCY",
    "POWER_CENTRALIZATION",
    "INEQUALITY_EMPLOYMENT_QUALITY",
    "DEVALUATION_OF_HUMAN_EFFORT",
    "COMPETITIVE_DYNAMICS",
    "GOVERNANCE_FAILURE",
    "ENVIRONMENTAL_HARM",
    "MISALIGNED_GOALS",
    "DANGEROUS_CAPABILITIES",
    "LACK_OF_ROBUSTNESS",
    "LACK_OF_TRANSPARENCY",
    "AI_WELFARE_AND_RIGHTS",
    "MULTI_AGENT_RISKS",
];
const MIT_ENTITY: &[&str] = &["HUMAN", "AI", "OTHER"];
const MIT_INTENT: &[&str] = &["INTENTIONAL", "UNINTENTIONAL", "OTHER"];
const MIT_TIMING: &[&str] = &["PRE_DEPLOYMENT", "POST_DEPLOYMENT", "OTHER"];

/// A risk assessment's fields (its model is the page's), as `CreateRiskAssessmentInput` names them.
pub const RISK_ASSESSMENT: &[Field] = &[
    required("horizon", "Horizon", choice(HORIZON, false)),
    required("cause", "Cause", choice(CAUSE, false)),
    required("category", "Category", choice(RISK_CATEGORY, false)),
    required("severity", "Severity", choice(SEVERITY, false)),
    required("likelihood", "Likelihood", choice(LIKELIHOOD, false)),
    required("summary", "Summary (one or two sentences)", Kind::Line),
    required("rationale", "Rationale (Markdown: the reasoning and the evidence)", Kind::Text),
    required("confidence", "Confidence", choice(CONFIDENCE, false)),
    required("assessedOn", "Assessed on", Kind::Date),
    required("sourceUrl", "Source (the URL of the evidence the rationale cites)", Kind::Line),
    required("mitSubdomain", "MIT AI Risk Repository: subdomain", choice(MIT_SUBDOMAIN, false)),
    required("mitEntity", "MIT causal taxonomy: entity", choice(MIT_ENTITY, false)),
    required("mitIntent", "MIT causal taxonomy: intent", choice(MIT_INTENT, false)),
    required("mitTiming", "MIT causal taxonomy: timing", choice(MIT_TIMING, false)),
    field("author", "Assessed by (if not you)", Kind::Line),
];

/// A compute threshold's fields, as `CreateComputeThresholdInput` names them.
pub const THRESHOLD: &[Field] = &[
    required("slug", "Slug (lower case and hyphens, e.g. eu-ai-act)", Kind::Line),
    required("name", "Name", Kind::Line),
    Field { name: "flop", label: "Training compute (FLOP)", kind: Kind::Number, required: true, read: "flop" },
    field("description", "Description (Markdown)", Kind::Text),
    field("sourceUrl", "Source URL", Kind::Line),
];

/// The model's field named `name`.
pub fn named(name: &str) -> Option<&'static Field> {
    named_in(MODEL, name)
}

/// The field of `form` named `name`.
pub fn named_in(form: &'static [Field], name: &str) -> Option<&'static Field> {
    form.iter().find(|f| f.name == name)
}

/// A value from the API (a query's answer, or a revision's `before`/`after`, where vocabularies
/// are in lower case) as the form writes it.
pub fn shown(kind: Kind, value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => match kind {
            Kind::Choice { .. } | Kind::Choices { .. } => s.to_uppercase(),
            _ => s.clone(),
        },
        Json::Object(row) => match kind {
            Kind::Rows(columns) => {
                let cells: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        let cell = row.get(c.name).unwrap_or(&Json::Null);
                        match c.kind {
                            ColumnKind::Choice(_) => shown(Kind::Choices { values: &[] }, cell),
                            _ => shown(Kind::Line, cell),
                        }
                    })
                    .collect();
                let kept = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
                cells[..kept].join(" | ")
            }
            // A linked entry, read as `{ slug }`.
            _ => row.get("slug").map_or_else(|| Json::Object(row.clone()).to_string(), |s| shown(Kind::Line, s)),
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
            Kind::List | Kind::Choices { .. } | Kind::Refs(_) | Kind::Rows(_) => Ok(Json::Array(Vec::new())),
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
        Kind::List | Kind::Refs(_) => Json::Array(lines(text).map(|l| Json::String(l.to_owned())).collect()),
        Kind::Choices { values } => Json::Array(
            lines(text)
                .map(|l| {
                    let value = l.to_uppercase();
                    if values.contains(&value.as_str()) {
                        Ok(Json::String(value))
                    } else {
                        Err("has a line that is not one of the choices")
                    }
                })
                .collect::<Result<_, _>>()?,
        ),
        Kind::Rows(columns) => Json::Array(lines(text).map(|l| row(columns, l)).collect::<Result<_, _>>()?),
        Kind::Ref(_) => Json::String(text.to_owned()),
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

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

/// One line of a `Rows` field as the API's input object (a `Ref` column still holds the slug).
fn row(columns: &[Column], line: &str) -> Result<Json, &'static str> {
    let cells: Vec<&str> = line.splitn(columns.len(), '|').map(str::trim).collect();
    let mut object = serde_json::Map::new();
    for (i, column) in columns.iter().enumerate() {
        let cell = cells.get(i).copied().unwrap_or("");
        let value = match column.kind {
            ColumnKind::Text if cell.is_empty() => continue,
            ColumnKind::Text => Json::String(cell.to_owned()),
            _ if cell.is_empty() => return Err("has a line with a required column left empty"),
            ColumnKind::Choice(values) => {
                let value = cell.to_uppercase();
                if !values.contains(&value.as_str()) {
                    return Err("has a line whose choice column is not one of the choices");
                }
                Json::String(value)
            }
            ColumnKind::Required | ColumnKind::Ref(_) => Json::String(cell.to_owned()),
        };
        object.insert(column.name.to_owned(), value);
    }
    Ok(Json::Object(object))
}

/// The line (from 1) of a `Rows` field's text, as `shown` writes `value`, where a row starts
/// that one line cannot hold: a cell with a line break, or a `|` in a column before the last
/// (reading it back would split the row there). `None` when every row reads back as it is.
pub fn unlisted_row(kind: Kind, value: &Json) -> Option<usize> {
    let Kind::Rows(columns) = kind else { return None };
    value.as_array()?.iter().zip(1..).find_map(|(row, line)| {
        let breaks = columns.iter().enumerate().any(|(i, column)| {
            let cell = row.get(column.name).and_then(Json::as_str).unwrap_or("");
            cell.contains(['\n', '\r']) || (i + 1 < columns.len() && cell.contains('|'))
        });
        breaks.then_some(line)
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

/// The API input of the `changed` fields of `values`, or the reason each refused one cannot be
/// sent, by field name (shown beside it).
pub fn input_of(changed: &[&'static Field], values: &Values) -> Result<Map<String, Json>, Values> {
    let mut input = Map::new();
    let mut errors = BTreeMap::new();
    for field in changed {
        match sent(field, values.get(field.name).map(String::as_str).unwrap_or("")) {
            Ok(value) => {
                input.insert(field.name.to_owned(), value);
            }
            Err(reason) => {
                errors.insert(field.name.to_owned(), reason.to_owned());
            }
        }
    }
    if errors.is_empty() { Ok(input) } else { Err(errors) }
}

/// Someone saved an entry after this editor opened it: what each side changed, for the conflict
/// view every edit form shows.
pub struct Conflict<'a> {
    /// The entry, as the heading names it ("model").
    pub noun: &'a str,
    pub fields: &'static [Field],
    /// The values and version the editor opened.
    pub opened: &'a Values,
    pub opened_version: i64,
    /// The values and version saved since, and who saved them when.
    pub current: &'a Values,
    pub current_version: i64,
    pub last_author: Option<&'a (String, String)>,
    /// The editor's values, and the fields they changed.
    pub yours: &'a Values,
    pub changed: &'a [&'static Field],
}

impl Conflict<'_> {
    /// A table of their change and yours, field by field.
    pub fn notice(&self) -> Markup {
        let opened = |f: &Field| self.opened.get(f.name).map(String::as_str).unwrap_or("");
        let value = |values: &Values, f: &Field| values.get(f.name).cloned().unwrap_or_default();
        let theirs: Vec<&Field> = self.fields.iter().filter(|f| !same(f, &value(self.current, f), opened(f))).collect();
        let shown: Vec<&Field> =
            self.fields.iter().filter(|f| theirs.contains(f) || self.changed.contains(f)).collect();
        let who = self.last_author.map_or_else(|| "Another editor".to_owned(), |(a, _)| a.clone());
        html! {
            section.conflict aria-labelledby="conflict-title" {
                h2 #conflict-title { "Someone saved this " (self.noun) " first" }
                p.notice.error role="alert" {
                    (who) " saved version " (self.current_version)
                    @if let Some((_, at)) = self.last_author { " on " (format::short_date(at)) }
                    " after you opened version " (self.opened_version) ". Nothing of yours was saved yet. "
                    "Compare below; the form now holds the current version with your changes on top. Save to apply them."
                }
                table {
                    thead { tr { th scope="col" { "Field" } th scope="col" { "When you opened it" } th scope="col" { "Saved by " (who) } th scope="col" { "Yours" } } }
                    tbody {
                        @for f in &shown {
                            tr {
                                th scope="row" { (f.label) }
                                td { (opened(f)) }
                                td { @if theirs.contains(f) { (value(self.current, f)) } @else { "(unchanged)" } }
                                td { @if self.changed.contains(f) { (value(self.yours, f)) } @else { "(unchanged)" } }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The form's values now: the current version with the editor's changes on top.
    pub fn merged(&self) -> Values {
        let mut values = self.current.clone();
        for field in self.changed {
            values.insert(field.name.to_owned(), self.yours.get(field.name).cloned().unwrap_or_default());
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::resolver_utils::EnumType;

    use super::*;
    use crate::domain::*;

    /// A vocabulary's values as the API spells them.
    fn api_names<T: EnumType>() -> Vec<&'static str> {
        T::items().iter().map(|item| item.name).collect()
    }

    #[test]
    fn choices_are_the_vocabularies() {
        let lists: [(&[&str], Vec<&str>); 17] = [
            (PRECISION, api_names::<DatePrecision>()),
            (CONFIDENCE, api_names::<Confidence>()),
            (SIZE_UNIT, api_names::<SizeUnit>()),
            (ACCESS, api_names::<Access>()),
            (MODALITY, api_names::<Modality>()),
            (CAPABILITY_STATUS, api_names::<CapabilityStatus>()),
            (HORIZON, api_names::<RiskHorizon>()),
            (CAUSE, api_names::<RiskCause>()),
            (RISK_CATEGORY, api_names::<RiskCategory>()),
            (SEVERITY, api_names::<Severity>()),
            (LIKELIHOOD, api_names::<Likelihood>()),
            (MIT_SUBDOMAIN, api_names::<MitSubdomain>()),
            (MIT_ENTITY, api_names::<MitEntity>()),
            (MIT_INTENT, api_names::<MitIntent>()),
            (MIT_TIMING, api_names::<MitTiming>()),
            (super::super::entries::ORGANIZATION_KIND, api_names::<OrganizationKind>()),
            (super::super::entries::CAPABILITY_CATEGORY, api_names::<CapabilityCategory>()),
        ];
        for (choices, vocabulary) in lists {
            assert_eq!(choices, vocabulary.as_slice());
        }
    }

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
    fn a_row_that_one_line_cannot_hold_is_found_by_its_line() {
        let capabilities = named("capabilities").unwrap().kind;
        let row =
            |evidence: &str| serde_json::json!({ "capabilityId": "c", "status": "demonstrated", "evidence": evidence });
        let fine = serde_json::json!([row("plain"), row("also plain")]);
        assert_eq!(unlisted_row(capabilities, &fine), None);
        assert_eq!(unlisted_row(capabilities, &serde_json::json!([row("ok"), row("a | b")])), Some(2));
        assert_eq!(unlisted_row(capabilities, &serde_json::json!([row("two\nlines")])), Some(1));
        // The last column takes the rest of the line, so a `|` there reads back.
        let sources = named("sources").unwrap().kind;
        assert_eq!(unlisted_row(sources, &serde_json::json!([{ "url": "https://e.org", "title": "a | b" }])), None);
    }

    #[test]
    fn required_fields_send_empty_text_so_the_api_names_them() {
        assert_eq!(sent(named("name").unwrap(), ""), Ok(Json::String(String::new())));
        assert_eq!(sent(named("access").unwrap(), "open_weights"), Ok(Json::String("OPEN_WEIGHTS".into())));
        assert_eq!(sent(named("aliases").unwrap(), "a\n\n b \n"), Ok(serde_json::json!(["a", "b"])));
    }
}
