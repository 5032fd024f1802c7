//! Exports of the catalog's models for analysts' notebooks: CSV or JSON, written page by page
//! so that a response can stream. Every export begins with the attribution its data needs:
//! Epoch AI's (CC BY 4.0) and, per entry, the entry's own sources.

use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde::Serialize;
use serde_json::json;

use std::borrow::Cow;
use std::sync::LazyLock;

use serde::ser::SerializeMap;
use sha2::{Digest, Sha256};

use super::history::Past;
use super::model_columns::model_columns;
use super::models::ModelOrderField;
use super::models::ModelRow;
use super::{Audience, OrderBy, PageArgs, ServiceError, ServiceResult, filter::ModelFilter, models, relations};
use crate::domain::ModalityDirection;

/// Models per page read from the database.
const PAGE: i32 = 100;

pub const EPOCH_CREDIT: &str = "Includes data from Epoch AI, 'Data on AI Models', https://epoch.ai/data/ai-models, \
                                licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)";
pub const SOURCES_NOTE: &str = "Each model's own sources are listed in its `sources` field";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// One model as exported: its row, and what its relations add.
#[derive(Debug)]
pub struct ExportedModel {
    row: ModelRow,
    organizations: Vec<String>,
    countries: Vec<String>,
    input_modalities: Vec<String>,
    output_modalities: Vec<String>,
    base_model: Option<String>,
    sources: Vec<String>,
}

/// A model's value in one export column.
#[derive(Debug, PartialEq)]
enum Cell<'a> {
    Text(Option<Cow<'a, str>>),
    Number(Option<f64>),
    Flag(bool),
    /// An array in JSON; in CSV, its items joined with the separator.
    List(&'a [String], &'static str),
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(text: &'a String) -> Self {
        Cell::Text(Some(Cow::Borrowed(text)))
    }
}

impl<'a> From<&'a Option<String>> for Cell<'a> {
    fn from(text: &'a Option<String>) -> Self {
        Cell::Text(text.as_deref().map(Cow::Borrowed))
    }
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(text) => text.serialize(serializer),
            Cell::Number(number) => number.serialize(serializer),
            Cell::Flag(flag) => flag.serialize(serializer),
            Cell::List(items, _) => items.serialize(serializer),
        }
    }
}

/// An export column: its CSV header, its JSON key, and the cell a model gives it.
struct Column {
    header: &'static str,
    key: &'static str,
    cell: fn(&ExportedModel) -> Cell<'_>,
}

/// From the table of model columns (`service::model_columns`): each one's export column, named
/// by its field in CSV and by its API name in JSON.
macro_rules! model_columns_exported {
    ({} $($(#[$doc:meta])* $field:ident $api:literal : $variant:ident, $kind:ident $(<$vocabulary:ty>)?;)*) => {
        const MODEL_COLUMNS: &[Column] = &[
            $(Column { header: stringify!($field), key: $api, cell: |m| export_cell!($kind m.row.$field) },)*
        ];
    };
}

/// The cell of a column of this kind.
macro_rules! export_cell {
    (name $value:expr) => {
        Cell::from(&$value)
    };
    (text $value:expr) => {
        Cell::from(&$value)
    };
    (number $value:expr) => {
        Cell::Number($value)
    };
    (date $value:expr) => {
        Cell::Text($value.map(|d| Cow::Owned(d.to_string())))
    };
    (vocabulary $value:expr) => {
        Cell::Text(Some(Cow::Borrowed($value.as_str())))
    };
}

model_columns! { model_columns_exported {} }

/// Where a column of the export comes from.
enum Part {
    /// The model's own column with this CSV header, from `MODEL_COLUMNS`.
    Model(&'static str),
    /// A column the relations (or a field outside the table) fill.
    Other(Column),
}

/// The export's columns in the order they have always had. A column added to the table of model
/// columns later is appended after these, so that readers who go by position keep working.
const LAYOUT: [Part; 22] = [
    Part::Model("slug"),
    Part::Model("name"),
    Part::Other(Column { header: "organizations", key: "organizations", cell: |m| Cell::List(&m.organizations, "; ") }),
    Part::Other(Column { header: "countries", key: "countries", cell: |m| Cell::List(&m.countries, "; ") }),
    Part::Model("announced_on"),
    Part::Model("announced_precision"),
    Part::Other(Column {
        header: "input_modalities",
        key: "inputModalities",
        cell: |m| Cell::List(&m.input_modalities, "; "),
    }),
    Part::Other(Column {
        header: "output_modalities",
        key: "outputModalities",
        cell: |m| Cell::List(&m.output_modalities, "; "),
    }),
    Part::Model("parameters"),
    Part::Model("parameters_confidence"),
    Part::Model("training_compute_flop"),
    Part::Model("training_compute_confidence"),
    Part::Model("training_dataset"),
    Part::Model("training_dataset_size"),
    Part::Other(Column {
        header: "training_dataset_size_unit",
        key: "trainingDatasetSizeUnit",
        cell: |m| Cell::Text(m.row.training_dataset_size_unit.map(|u| Cow::Borrowed(u.as_str()))),
    }),
    Part::Model("hardware"),
    Part::Model("training_cost_usd"),
    Part::Model("access"),
    Part::Model("license"),
    Part::Other(Column { header: "base_model", key: "baseModel", cell: |m| Cell::from(&m.base_model) }),
    Part::Other(Column { header: "published", key: "published", cell: |m| Cell::Flag(m.row.published) }),
    Part::Other(Column { header: "sources", key: "sources", cell: |m| Cell::List(&m.sources, " ") }),
];

/// Every column of the export, in order: `LAYOUT`, then the model columns it does not name.
static COLUMNS: LazyLock<Vec<&'static Column>> = LazyLock::new(|| {
    let model = |header: &str| MODEL_COLUMNS.iter().find(|c| c.header == header);
    let named = LAYOUT.iter().filter_map(|part| match part {
        Part::Model(header) => model(header),
        Part::Other(column) => Some(column),
    });
    let rest = MODEL_COLUMNS
        .iter()
        .filter(|c| !LAYOUT.iter().any(|part| matches!(part, Part::Model(header) if *header == c.header)));
    named.chain(rest).collect()
});

/// A model as a JSON object, its keys in the columns' order.
impl Serialize for ExportedModel {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(COLUMNS.len()))?;
        for column in COLUMNS.iter() {
            map.serialize_entry(column.key, &(column.cell)(self))?;
        }
        map.end()
    }
}

/// How many `#` lines open a CSV export (`pandas.read_csv(..., skiprows=3)`), now and past.
pub const CSV_PREAMBLE_LINES: usize = 3;

/// What goes before the first model of an export of the present.
pub fn preamble(format: Format) -> String {
    let generated = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    match format {
        Format::Csv => {
            format!("# AI Tracker export of models, generated {generated}\n# {EPOCH_CREDIT}\n# {SOURCES_NOTE}\n")
                + &body_start(format)
        }
        Format::Json => {
            let attribution = json!({
                "generated": generated,
                "credits": [EPOCH_CREDIT, SOURCES_NOTE],
            });
            format!("{{\"attribution\":{attribution},") + &body_start(format)
        }
    }
}

/// The start of the body: what comes after the attribution and before the first model (the
/// CSV's column names; in JSON, the `models` key and the array's opening bracket).
pub fn body_start(format: Format) -> String {
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(vec![]);
            writer.write_record(COLUMNS.iter().map(|c| c.header)).expect("writing to memory");
            String::from_utf8(writer.into_inner().expect("writing to memory")).expect("UTF-8")
        }
        Format::Json => "\"models\":[".to_owned(),
    }
}

/// An export as recorded at a past instant (a citable snapshot): the public catalog after
/// revision `past.revision`, whose body (every byte after the header) has SHA-256 `sha256`
/// (lower-case hex). Its bytes never change, so a citation can give the instant and the digest
/// and anyone can check a copy:
///
/// - CSV: the header is the 3 `#` lines; the body is the lines after them (column names first),
///   i.e. `tail -n +4 models.csv | sha256sum`.
/// - JSON: the header is the first line, `{"attribution":{...},` (`asRecordedAt`, `revision`,
///   `sha256`, `credits`); the body is every byte after it, `"models":[...]}` and the final
///   newline, i.e. `tail -n +2 models.json | sha256sum`. (Strings are escaped, so the only
///   line breaks are the one after the header and the last one.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub past: Past,
    pub sha256: String,
}

impl Snapshot {
    /// The instant as the header states it: RFC 3339 in UTC, with the fraction of a second it
    /// was given with.
    pub fn instant(&self) -> String {
        self.past.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    }

    /// The header (attribution, instant, revision and the body's digest), before the body.
    pub fn header(&self, format: Format) -> String {
        let (at, revision, sha256) = (self.instant(), self.past.revision, &self.sha256);
        match format {
            Format::Csv => format!(
                "# AI Tracker export of models as recorded at {at} (revision {revision}); \
                 sha256 of the lines after these {CSV_PREAMBLE_LINES}: {sha256}\n# {EPOCH_CREDIT}\n# {SOURCES_NOTE}\n"
            ),
            Format::Json => {
                let attribution = json!({
                    "asRecordedAt": at,
                    "revision": revision,
                    "sha256": sha256,
                    "credits": [EPOCH_CREDIT, SOURCES_NOTE],
                });
                format!("{{\"attribution\":{attribution},\n")
            }
        }
    }

    /// A strong entity tag for the snapshot's bytes: the SHA-256 of its header, which names the
    /// instant, the revision and the body's own SHA-256, so it changes whenever any byte would.
    pub fn etag(&self, format: Format) -> String {
        format!("\"sha256-{:x}\"", Sha256::digest(self.header(format).as_bytes()))
    }
}

/// Every page of the public catalog as of `db` (a past reader) that passes `filter`, rendered
/// in `format`, handed to `write` in order: the body of an export from the column names (the
/// `models` key in JSON) to its end. Returns how many models were written. One page (100
/// models) in memory at a time.
pub async fn write_body(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&ModelFilter>,
    format: Format,
    mut write: impl FnMut(&[u8]) -> ServiceResult<()>,
) -> ServiceResult<usize> {
    write(body_start(format).as_bytes())?;
    let (mut after, mut first, mut rows) = (None, true, 0);
    loop {
        let (models, next) = page(db, audience, filter, after).await?;
        write(render(format, &models, first)?.as_bytes())?;
        first &= models.is_empty();
        rows += models.len();
        match next {
            Some(cursor) => after = Some(cursor),
            None => break,
        }
    }
    write(epilogue(format).as_bytes())?;
    Ok(rows)
}

/// The snapshot of the public catalog as of `past`, read through `db` (a reader of that past):
/// a first pass over the export that hashes its body and keeps none of it. Returns it and the
/// rows that pass read.
pub async fn snapshot(
    db: &impl ConnectionTrait,
    past: Past,
    filter: Option<&ModelFilter>,
    format: Format,
) -> ServiceResult<(Snapshot, usize)> {
    let mut hasher = Sha256::new();
    let rows = write_body(db, Audience::Public, filter, format, |bytes| {
        hasher.update(bytes);
        Ok(())
    })
    .await?;
    Ok((Snapshot { past, sha256: format!("{:x}", hasher.finalize()) }, rows))
}

/// The body digests of recent snapshots by format, filter (as JSON text) and revision, so that
/// a snapshot asked for again (a citation checked, a 304) is not read twice more. A digest is
/// 64 bytes; the cache holds at most `DIGESTS_KEPT`. The past of a revision never changes, so
/// nothing is ever stale (`ai-tracker rebuild-history` rewrites it only as it was).
#[derive(Clone)]
pub struct SnapshotDigests(moka::future::Cache<(Format, Option<String>, i32), String>);

const DIGESTS_KEPT: u64 = 4096;

impl Default for SnapshotDigests {
    fn default() -> Self {
        SnapshotDigests(moka::future::Cache::new(DIGESTS_KEPT))
    }
}

impl SnapshotDigests {
    /// The snapshot of `past` for `filter` (whose JSON text is `filter_key`), from the cache or
    /// from a first pass over `db`; and the rows that pass read (0 from the cache).
    pub async fn snapshot(
        &self,
        db: &impl ConnectionTrait,
        past: Past,
        filter: Option<&ModelFilter>,
        filter_key: Option<String>,
        format: Format,
    ) -> ServiceResult<(Snapshot, usize)> {
        let key = (format, filter_key, past.revision);
        if let Some(sha256) = self.0.get(&key).await {
            return Ok((Snapshot { past, sha256 }, 0));
        }
        let (snapshot, rows) = snapshot(db, past, filter, format).await?;
        self.0.insert(key, snapshot.sha256.clone()).await;
        Ok((snapshot, rows))
    }
}

/// What closes the export.
pub fn epilogue(format: Format) -> &'static str {
    match format {
        Format::Csv => "",
        Format::Json => "]}\n",
    }
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

/// A cell as CSV text: every text defused, numbers and flags as they are.
fn csv_cell(cell: Cell) -> String {
    match cell {
        Cell::Text(value) => text(value.as_deref().unwrap_or_default()),
        Cell::Number(value) => number(value),
        Cell::Flag(flag) => flag.to_string(),
        Cell::List(items, separator) => text(&items.join(separator)),
    }
}

/// The models of one page, as text; `first` says whether any model came before.
pub fn render(format: Format, models: &[ExportedModel], first: bool) -> ServiceResult<String> {
    match format {
        Format::Csv => {
            // Every text field is quoted (numbers stay bare, so spreadsheets still read them as
            // numbers), and a text field that a spreadsheet would run as a formula is defused.
            let mut writer = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::NonNumeric).from_writer(vec![]);
            for m in models {
                writer.write_record(COLUMNS.iter().map(|c| csv_cell((c.cell)(m)))).map_err(ServiceError::internal)?;
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
    let mut lists = relations::lists_of_models(db, &ids).await?;
    let base_ids: Vec<i32> = rows.iter().filter_map(|r| r.base_model_id).collect();
    let bases = relations::models_by_ids(db, audience, &base_ids).await?;
    let exported = rows
        .into_iter()
        .map(|row| {
            let orgs = orgs.remove(&row.id).unwrap_or_default();
            let lists = lists.remove(&row.id).unwrap_or_default();
            let (mut input, mut output) = (vec![], vec![]);
            for m in lists.modalities {
                let text = m.modality.as_str().to_owned();
                if m.direction == ModalityDirection::Input { input.push(text) } else { output.push(text) }
            }
            // By their text, as the export always listed them (not in the vocabulary's order).
            input.sort();
            output.sort();
            ExportedModel {
                organizations: orgs.iter().map(|o| o.name.clone()).collect(),
                countries: orgs.iter().map(|o| o.country.clone()).collect(),
                input_modalities: input,
                output_modalities: output,
                base_model: row.base_model_id.and_then(|id| bases.get(&id)).map(|b| b.slug.clone()),
                sources: lists.sources.into_iter().map(|s| s.url).collect(),
                row,
            }
        })
        .collect();
    Ok((exported, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The export keeps the columns it has always had, in their order, and holds every model
    /// column of the table once.
    #[test]
    fn the_columns_keep_their_order_and_each_model_column_is_exported_once() {
        let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
        assert_eq!(
            headers[..22],
            [
                "slug",
                "name",
                "organizations",
                "countries",
                "announced_on",
                "announced_precision",
                "input_modalities",
                "output_modalities",
                "parameters",
                "parameters_confidence",
                "training_compute_flop",
                "training_compute_confidence",
                "training_dataset",
                "training_dataset_size",
                "training_dataset_size_unit",
                "hardware",
                "training_cost_usd",
                "access",
                "license",
                "base_model",
                "published",
                "sources",
            ]
        );
        for column in MODEL_COLUMNS {
            assert_eq!(headers.iter().filter(|h| **h == column.header).count(), 1, "{}", column.header);
        }
    }
}
