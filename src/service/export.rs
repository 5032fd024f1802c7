//! Exports of the catalog's models for analysts' notebooks: CSV or JSON, written page by page
//! so that a response can stream. Every export begins with the attribution its data needs:
//! Epoch AI's (CC BY 4.0) and, per entry, the entry's own sources.

use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;

use super::{Audience, OrderBy, PageArgs, ServiceError, ServiceResult, filter::ModelFilter, models, relations};
use crate::domain::{ModalityDirection, ModelOrderField};

/// Models per page read from the database.
const PAGE: i32 = 100;

pub const EPOCH_CREDIT: &str = "Includes data from Epoch AI, 'Data on AI Models', https://epoch.ai/data/ai-models, \
                                licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)";
pub const SOURCES_NOTE: &str = "Each model's own sources are listed in its `sources` field";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// One model as exported: flat, with lists joined for CSV.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedModel {
    pub slug: String,
    pub name: String,
    pub organizations: Vec<String>,
    pub countries: Vec<String>,
    pub announced_on: Option<String>,
    pub announced_precision: String,
    pub input_modalities: Vec<String>,
    pub output_modalities: Vec<String>,
    pub parameters: Option<f64>,
    pub parameters_confidence: String,
    pub training_compute_flop: Option<f64>,
    pub training_compute_confidence: String,
    pub training_dataset: Option<String>,
    pub training_dataset_size: Option<f64>,
    pub training_dataset_size_unit: Option<String>,
    pub hardware: Option<String>,
    pub training_cost_usd: Option<f64>,
    pub access: String,
    pub license: Option<String>,
    pub base_model: Option<String>,
    pub published: bool,
    pub sources: Vec<String>,
}

/// How many `#` lines open a CSV export (`pandas.read_csv(..., skiprows=3)`).
pub const CSV_PREAMBLE_LINES: usize = 3;

/// What goes before the first model.
pub fn preamble(format: Format) -> String {
    let generated = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(vec![]);
            writer.write_record(CSV_COLUMNS.map(|(header, _)| header)).expect("writing to memory");
            let header = String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8");
            format!(
                "# AI Tracker export of models, generated {generated}\n# {EPOCH_CREDIT}\n# {SOURCES_NOTE}\n{header}"
            )
        }
        Format::Json => {
            let attribution = json!({
                "generated": generated,
                "credits": [EPOCH_CREDIT, SOURCES_NOTE],
            });
            format!("{{\"attribution\":{attribution},\"models\":[")
        }
    }
}

/// What closes the export.
pub fn epilogue(format: Format) -> &'static str {
    match format {
        Format::Csv => "",
        Format::Json => "]}\n",
    }
}

fn joined(items: &[String]) -> String {
    items.join("; ")
}

/// The characters that make a spreadsheet (Excel, LibreOffice, Google Sheets) read a cell as a
/// formula, or that it drops before looking for one (OWASP, "CSV Injection").
const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text field as a CSV cell: one a spreadsheet would run as a formula (a model named
/// `=HYPERLINK(...)`) gets a leading `'`, which makes it plain text, as OWASP advises. Numbers
/// are never passed through here, so `-1.5e24` in a numeric column stays a number.
fn text(value: &str) -> String {
    if value.starts_with(FORMULA_LEADS) { format!("'{value}") } else { value.to_owned() }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// How a CSV column writes a model's cell.
type Cell = fn(&ExportedModel) -> String;

/// The CSV's columns, in order: each one's header and its cell, declared together so that a
/// new column is one line here (and one field of `ExportedModel`).
const CSV_COLUMNS: [(&str, Cell); 22] = [
    ("slug", |m| text(&m.slug)),
    ("name", |m| text(&m.name)),
    ("organizations", |m| text(&joined(&m.organizations))),
    ("countries", |m| text(&joined(&m.countries))),
    ("announced_on", |m| text(m.announced_on.as_deref().unwrap_or_default())),
    ("announced_precision", |m| text(&m.announced_precision)),
    ("input_modalities", |m| text(&joined(&m.input_modalities))),
    ("output_modalities", |m| text(&joined(&m.output_modalities))),
    ("parameters", |m| number(m.parameters)),
    ("parameters_confidence", |m| text(&m.parameters_confidence)),
    ("training_compute_flop", |m| number(m.training_compute_flop)),
    ("training_compute_confidence", |m| text(&m.training_compute_confidence)),
    ("training_dataset", |m| text(m.training_dataset.as_deref().unwrap_or_default())),
    ("training_dataset_size", |m| number(m.training_dataset_size)),
    ("training_dataset_size_unit", |m| text(m.training_dataset_size_unit.as_deref().unwrap_or_default())),
    ("hardware", |m| text(m.hardware.as_deref().unwrap_or_default())),
    ("training_cost_usd", |m| number(m.training_cost_usd)),
    ("access", |m| text(&m.access)),
    ("license", |m| text(m.license.as_deref().unwrap_or_default())),
    ("base_model", |m| text(m.base_model.as_deref().unwrap_or_default())),
    ("published", |m| m.published.to_string()),
    ("sources", |m| text(&m.sources.join(" "))),
];

/// The models of one page, as text; `first` says whether any model came before.
pub fn render(format: Format, models: &[ExportedModel], first: bool) -> ServiceResult<String> {
    match format {
        Format::Csv => {
            // Every text field is quoted (numbers stay bare, so spreadsheets still read them as
            // numbers), and a text field that a spreadsheet would run as a formula is defused.
            let mut writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::NonNumeric).from_writer(vec![]);
            for m in models {
                writer.write_record(CSV_COLUMNS.iter().map(|(_, cell)| cell(m))).map_err(ServiceError::internal)?;
            }
            let bytes = writer.into_inner().map_err(|e| ServiceError::internal(anyhow::anyhow!("{e}")))?;
            String::from_utf8(bytes).map_err(ServiceError::internal)
        }
        Format::Json => {
            let mut out = String::new();
            for (i, m) in models.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(m).map_err(ServiceError::internal)?);
            }
            Ok(out)
        }
    }
}

/// Models in slug order, so that an export is stable.
const ORDER: [OrderBy<ModelOrderField>; 1] = [OrderBy { field: ModelOrderField::Slug, descending: false }];

/// One page of the export after `after` (a cursor from the previous page); returns the models
/// and the cursor to continue from, `None` at the end. Fails with BAD_USER_INPUT naming the field
/// of `filter` (given as the argument `filter`) that is refused.
pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&ModelFilter>,
    after: Option<String>,
) -> ServiceResult<(Vec<ExportedModel>, Option<String>)> {
    let args = PageArgs { first: Some(PAGE), after, ..Default::default() };
    let page = models::page(db, audience, filter, &ORDER, &args).await?;
    let next = if page.has_next_page { page.rows.last().map(|(cursor, _)| cursor.clone()) } else { None };
    let rows: Vec<_> = page.rows.into_iter().map(|(_, row)| row).collect();
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let mut orgs = relations::organizations_of_models(db, &ids).await?;
    let mut modalities = relations::modalities(db, &ids).await?;
    let mut sources = relations::sources(db, &ids).await?;
    let base_ids: Vec<i32> = rows.iter().filter_map(|r| r.base_model_id).collect();
    let bases = relations::models_by_ids(db, audience, &base_ids).await?;
    let exported = rows
        .into_iter()
        .map(|row| {
            let orgs = orgs.remove(&row.id).unwrap_or_default();
            let (mut input, mut output) = (vec![], vec![]);
            for m in modalities.remove(&row.id).unwrap_or_default() {
                let text = m.modality.as_str().to_owned();
                if m.direction == ModalityDirection::Input { input.push(text) } else { output.push(text) }
            }
            // By their text, as the export always listed them (not in the vocabulary's order).
            input.sort();
            output.sort();
            ExportedModel {
                organizations: orgs.iter().map(|o| o.name.clone()).collect(),
                countries: orgs.iter().map(|o| o.country.clone()).collect(),
                announced_on: row.announced_on.map(|d| d.to_string()),
                input_modalities: input,
                output_modalities: output,
                base_model: row.base_model_id.and_then(|id| bases.get(&id)).map(|b| b.slug.clone()),
                sources: sources.remove(&row.id).unwrap_or_default().into_iter().map(|s| s.url).collect(),
                slug: row.slug,
                name: row.name,
                announced_precision: row.announced_precision.as_str().into(),
                parameters: row.parameters,
                parameters_confidence: row.parameters_confidence.as_str().into(),
                training_compute_flop: row.training_compute_flop,
                training_compute_confidence: row.training_compute_confidence.as_str().into(),
                training_dataset: row.training_dataset,
                training_dataset_size: row.training_dataset_size,
                training_dataset_size_unit: row.training_dataset_size_unit.map(|u| u.as_str().into()),
                hardware: row.hardware,
                training_cost_usd: row.training_cost_usd,
                access: row.access.as_str().into(),
                license: row.license,
                published: row.published,
            }
        })
        .collect();
    Ok((exported, next))
}
