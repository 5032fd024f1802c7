//! Epoch's CSV columns: which header names (across export versions) carry each field we read,
//! and one row read into plain values. A value that cannot be read is the row's skip reason.

use chrono::NaiveDate;
use csv::StringRecord;
use serde::{Deserialize, Serialize};

/// A field we read, with the header names it has had between export versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Model,
    Organization,
    Country,
    OrganizationCategory,
    PublicationDate,
    Domain,
    Task,
    Parameters,
    ParametersNotes,
    TrainingCompute,
    TrainingComputeNotes,
    TrainingDataset,
    TrainingDatasetSize,
    Confidence,
    Link,
    Reference,
    Accessibility,
    BaseModel,
    TrainingHardware,
    TrainingCost,
    TrainingCostNotes,
    Abstract,
    ParametersLow,
    ParametersHigh,
    TrainingComputeLow,
    TrainingComputeHigh,
    FinetuneCompute,
    PostTrainingCompute,
}

impl Column {
    pub const ALL: [Column; 28] = [
        Column::Model,
        Column::Organization,
        Column::Country,
        Column::OrganizationCategory,
        Column::PublicationDate,
        Column::Domain,
        Column::Task,
        Column::Parameters,
        Column::ParametersNotes,
        Column::TrainingCompute,
        Column::TrainingComputeNotes,
        Column::TrainingDataset,
        Column::TrainingDatasetSize,
        Column::Confidence,
        Column::Link,
        Column::Reference,
        Column::Accessibility,
        Column::BaseModel,
        Column::TrainingHardware,
        Column::TrainingCost,
        Column::TrainingCostNotes,
        Column::Abstract,
        Column::ParametersLow,
        Column::ParametersHigh,
        Column::TrainingComputeLow,
        Column::TrainingComputeHigh,
        Column::FinetuneCompute,
        Column::PostTrainingCompute,
    ];

    /// Header names, current first; compared trimmed and case-insensitively.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Column::Model => &["Model", "System"],
            Column::Organization => &["Organization", "Organization(s)"],
            Column::Country => &["Country (of organization)", "Country (from Organization)", "Country"],
            Column::OrganizationCategory => {
                &["Organization categorization", "Organization categorization (from Organization)"]
            }
            Column::PublicationDate => &["Publication date"],
            Column::Domain => &["Domain"],
            Column::Task => &["Task"],
            Column::Parameters => &["Parameters"],
            Column::ParametersNotes => &["Parameters notes"],
            Column::TrainingCompute => &["Training compute (FLOP)"],
            Column::TrainingComputeNotes => &["Training compute notes"],
            Column::TrainingDataset => &["Training dataset"],
            Column::TrainingDatasetSize => &[
                "Training dataset size (total)",
                "Training dataset size (datapoints)",
                "(DEPRECATED) Training dataset size (datapoints)",
                "Training dataset size",
            ],
            Column::Confidence => &["Confidence"],
            Column::Link => &["Link"],
            Column::Reference => &["Reference"],
            Column::Accessibility => &["Model accessibility"],
            Column::BaseModel => &["Base model"],
            Column::TrainingHardware => &["Training hardware"],
            Column::TrainingCost => &["Training compute cost (2023 USD)"],
            Column::TrainingCostNotes => &["Compute cost notes"],
            Column::Abstract => &["Abstract"],
            // Neither export of 2026-12 has bounds or post-training compute; these are the names
            // Epoch's other exports and its data dictionary use.
            Column::ParametersLow => &["Parameters lower bound", "Parameters (lower bound)"],
            Column::ParametersHigh => &["Parameters upper bound", "Parameters (upper bound)"],
            Column::TrainingComputeLow => &["Training compute lower bound (FLOP)", "Training compute lower bound"],
            Column::TrainingComputeHigh => &["Training compute upper bound (FLOP)", "Training compute upper bound"],
            Column::FinetuneCompute => &["Finetune compute (FLOP)"],
            Column::PostTrainingCompute => &["Post-training compute (FLOP)"],
        }
    }
}

/// Where each of our columns sits in this file's header, if it is there.
pub struct Layout {
    positions: Vec<(Column, usize)>,
    pub width: usize,
}

impl Layout {
    /// `None` when the header has no model-name column: then the file is not such an export.
    pub fn from_header(header: &StringRecord) -> Option<Layout> {
        let names: Vec<String> =
            header.iter().map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase()).collect();
        let positions: Vec<(Column, usize)> = Column::ALL
            .iter()
            .filter_map(|&column| {
                column
                    .headers()
                    .iter()
                    .find_map(|h| names.iter().position(|n| *n == h.to_lowercase()))
                    .map(|i| (column, i))
            })
            .collect();
        positions.iter().any(|(c, _)| *c == Column::Model).then_some(Layout { positions, width: header.len() })
    }

    pub fn has(&self, column: Column) -> bool {
        self.positions.iter().any(|(c, _)| *c == column)
    }

    /// The cell, trimmed; `None` when the column is absent or the cell empty.
    pub fn get<'r>(&self, record: &'r StringRecord, column: Column) -> Option<&'r str> {
        let (_, i) = self.positions.iter().find(|(c, _)| *c == column)?;
        record.get(*i).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// One row as plain values; the mapping onto our model is `mapping`'s job. Serialized, it is
/// the source row an import candidate shows editors.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EpochRow {
    pub line: u64,
    /// The name with surrounding whitespace dropped and inner runs of whitespace made one space.
    pub name: String,
    pub organizations: Vec<String>,
    pub countries: Vec<String>,
    pub organization_categories: Vec<String>,
    pub published_on: Option<NaiveDate>,
    pub domains: Vec<String>,
    pub tasks: Vec<String>,
    pub parameters: Option<f64>,
    pub parameters_notes: Option<String>,
    pub training_compute: Option<f64>,
    pub training_compute_notes: Option<String>,
    pub training_dataset: Option<String>,
    pub training_dataset_size: Option<f64>,
    pub confidence: Option<String>,
    pub links: Vec<String>,
    pub reference: Option<String>,
    pub accessibility: Option<String>,
    pub base_model: Option<String>,
    pub training_hardware: Option<String>,
    pub training_cost: Option<f64>,
    pub training_cost_notes: Option<String>,
    pub abstract_text: Option<String>,
    // The fields below came later: candidates stored before them read them as empty.
    #[serde(default)]
    pub parameters_low: Option<f64>,
    #[serde(default)]
    pub parameters_high: Option<f64>,
    #[serde(default)]
    pub training_compute_low: Option<f64>,
    #[serde(default)]
    pub training_compute_high: Option<f64>,
    #[serde(default)]
    pub finetune_compute: Option<f64>,
    #[serde(default)]
    pub post_training_compute: Option<f64>,
    /// What was left out of the row and why (a figure that cannot be read, among those that
    /// came later: such a cell is left empty rather than costing the row).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The natural key of an Epoch entry: its name as `EpochRow::name` has it, in lower case.
/// Punctuation and `+` are kept, so "PointNet" and "PointNet++" stay apart.
pub fn natural_key(name: &str) -> String {
    collapse_whitespace(name).to_lowercase()
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Epoch separates list items with a bare comma; a comma followed by a space is part of a
/// name ("NERSC, Lawrence Berkeley National Laboratory").
fn list(cell: Option<&str>) -> Vec<String> {
    let Some(cell) = cell else { return vec![] };
    let mut items = vec![];
    let mut current = String::new();
    let mut chars = cell.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ',' && !chars.peek().is_some_and(|n| n.is_whitespace()) {
            items.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    items.push(current);
    items.into_iter().map(|i| collapse_whitespace(&i)).filter(|i| i.chars().any(char::is_alphanumeric)).collect()
}

/// A figure, with the float noise of spreadsheet exports (`5.0000000000001e+26`) rounded away
/// at 12 significant digits.
fn figure(column: &str, cell: Option<&str>) -> Result<Option<f64>, String> {
    let Some(cell) = cell else { return Ok(None) };
    let value: f64 = cell.parse().map_err(|_| format!("{column} is not a number"))?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("{column} is not a positive number"));
    }
    Ok(Some(format!("{value:.11e}").parse().expect("a formatted float parses")))
}

/// Text with control characters other than line breaks and tabs dropped (some abstracts carry
/// stray ones from PDF extraction).
fn text(cell: Option<&str>) -> Option<String> {
    cell.map(|t| t.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t' | '\r')).collect())
}

impl EpochRow {
    pub fn read(layout: &Layout, record: &StringRecord, line: u64) -> Result<EpochRow, String> {
        let get = |c| layout.get(record, c);
        let name = collapse_whitespace(get(Column::Model).ok_or("the model has no name")?);
        let published_on = get(Column::PublicationDate)
            .map(|d| {
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .or_else(|_| NaiveDate::parse_from_str(d, "%Y/%m/%d"))
                    .map_err(|_| "Publication date is not a date (YYYY-MM-DD)".to_owned())
            })
            .transpose()?;
        let mut warnings = vec![];
        let mut lenient = |column: Column| {
            let name = column.headers()[0];
            figure(name, get(column)).unwrap_or_else(|reason| {
                warnings.push(format!("{reason}: left empty"));
                None
            })
        };
        let parameters_low = lenient(Column::ParametersLow);
        let parameters_high = lenient(Column::ParametersHigh);
        let training_compute_low = lenient(Column::TrainingComputeLow);
        let training_compute_high = lenient(Column::TrainingComputeHigh);
        let finetune_compute = lenient(Column::FinetuneCompute);
        let post_training_compute = lenient(Column::PostTrainingCompute);
        let links = get(Column::Link)
            .map(|l| {
                l.split(|c: char| c.is_whitespace() || c == ',').filter(|u| !u.is_empty()).map(str::to_owned).collect()
            })
            .unwrap_or_default();
        Ok(EpochRow {
            line,
            name,
            organizations: list(get(Column::Organization)),
            countries: list(get(Column::Country)),
            organization_categories: list(get(Column::OrganizationCategory)),
            published_on,
            domains: list(get(Column::Domain)),
            tasks: list(get(Column::Task)),
            parameters: figure("Parameters", get(Column::Parameters))?,
            parameters_notes: text(get(Column::ParametersNotes)),
            training_compute: figure("Training compute (FLOP)", get(Column::TrainingCompute))?,
            training_compute_notes: text(get(Column::TrainingComputeNotes)),
            training_dataset: text(get(Column::TrainingDataset)),
            training_dataset_size: figure("Training dataset size", get(Column::TrainingDatasetSize))?,
            confidence: text(get(Column::Confidence)),
            links,
            reference: text(get(Column::Reference)).map(|r| collapse_whitespace(&r)),
            accessibility: text(get(Column::Accessibility)),
            base_model: list(get(Column::BaseModel)).into_iter().next(),
            training_hardware: text(get(Column::TrainingHardware)),
            training_cost: figure("Training compute cost", get(Column::TrainingCost))?,
            training_cost_notes: text(get(Column::TrainingCostNotes)),
            abstract_text: text(get(Column::Abstract)),
            parameters_low,
            parameters_high,
            training_compute_low,
            training_compute_high,
            finetune_compute,
            post_training_compute,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_split_on_bare_commas_only() {
        assert_eq!(list(Some("NVIDIA,NERSC, Lawrence Berkeley,MIT")), ["NVIDIA", "NERSC, Lawrence Berkeley", "MIT"]);
        assert!(list(Some(" , ")).is_empty());
    }

    #[test]
    fn float_noise_is_rounded_away() {
        assert_eq!(figure("x", Some("5.0000000000001e+26")).unwrap(), Some(5e26));
        assert_eq!(figure("x", Some("1.845e+24")).unwrap(), Some(1.845e24));
        assert!(figure("x", Some("lots")).is_err());
        assert!(figure("x", Some("-3")).is_err());
    }

    #[test]
    fn keys_keep_punctuation() {
        assert_ne!(natural_key("PointNet"), natural_key("PointNet++"));
        assert_eq!(natural_key("GPT-3.5 (davinci-002)\n"), natural_key("gpt-3.5  (davinci-002)"));
    }
}
