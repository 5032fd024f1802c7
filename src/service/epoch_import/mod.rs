//! `ai-tracker import epoch FILE.csv`: loads an export of Epoch AI's models database
//! (<https://epoch.ai/data/ai-models>, CC BY 4.0) through the same validated, versioned writes
//! as an editor's, each change a revision by the importer.
//!
//! An Epoch entry's natural key is its name with whitespace collapsed, in lower case
//! (`columns::natural_key`): punctuation and `+` are kept. The `import_entry` table remembers,
//! per key, the model it became and the fields the importer last wrote there, so that a later run
//! writes what the file changed, leaves alone what an editor changed (a conflict, reported), and a
//! second run of the same file writes nothing. An entry the importer did not create (from the
//! starter catalog, say) is linked by name or alias; then only its empty fields are filled and
//! every other difference is a conflict.

pub mod candidates;
mod columns;
mod limit;
mod mapping;
pub(crate) mod merge;
mod organizations;
pub mod sync;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::{Map, Value};

pub use self::limit::{DEFAULT_MAX_FIELD_BYTES, preview};

use self::columns::{EpochRow, Layout, natural_key};
use self::limit::{FieldLimit, FieldTooLong};
use self::organizations::{Organizations, slugify};
use super::edits::{self, ModelRecord, Record};
use super::{Actor, ServiceError, ServiceResult, begin_write};
use crate::domain::{DatePrecision, RevisionAction};
use crate::entity::{import_entry, model, model_alias};

/// `import_entry.source` of Epoch's entries.
const SOURCE: &str = "epoch";
/// Who the history names for the importer's changes.
pub const IMPORTER: &str = "Epoch AI importer";
const SUMMARY: &str = "imported from Epoch AI (epoch.ai/data/ai-models, CC BY 4.0)";

/// A file read as an Epoch export: its rows, or why each could not be read.
pub struct EpochFile {
    layout: Layout,
    rows: Vec<Result<EpochRow, Skipped>>,
}

impl EpochFile {
    /// Reads the file as it streams in. Fails when it is not such an export at all (no header
    /// with a model column), or when a field is longer than `max_field_bytes` (the read stops
    /// there, so a huge field is never held in memory).
    pub fn read(file: impl std::io::Read, max_field_bytes: usize) -> Result<EpochFile, String> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(FieldLimit::new(file, max_field_bytes));
        let header = reader
            .headers()
            .map_err(|e| too_long(&e).unwrap_or_else(|| format!("the file has no CSV header: {e}")))?
            .clone();
        let layout = Layout::from_header(&header)
            .ok_or("the header has no `Model` column: this is not an export of Epoch AI's models database")?;
        let mut rows = vec![];
        for record in reader.records() {
            let row = match record {
                Ok(record) => {
                    let line = record.position().map_or(0, |p| p.line());
                    if record.len() != layout.width {
                        Err(Skipped::new(
                            line,
                            record.get(0),
                            format!(
                                "has a different number of fields than the header ({}, not {})",
                                record.len(),
                                layout.width
                            ),
                        ))
                    } else {
                        EpochRow::read(&layout, &record, line)
                            .map_err(|reason| Skipped::new(line, record.get(0), reason))
                    }
                }
                Err(error) => {
                    if let Some(message) = too_long(&error) {
                        return Err(message);
                    }
                    let line = error.position().map_or(0, |p| p.line());
                    Err(Skipped::new(line, None, "cannot be read as CSV (not UTF-8?)".into()))
                }
            };
            rows.push(row);
        }
        Ok(EpochFile { layout, rows })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub line: u64,
    pub name: String,
    pub reason: String,
}

/// The message of a read stopped by `FieldLimit`, if that is what stopped it.
fn too_long(error: &csv::Error) -> Option<String> {
    match error.kind() {
        csv::ErrorKind::Io(e) => e.get_ref().and_then(|e| e.downcast_ref::<FieldTooLong>()).map(|e| e.to_string()),
        _ => None,
    }
}

impl Skipped {
    /// A skipped row, named by the start of its name only (a bad row's name may be anything).
    fn new(line: u64, name: Option<&str>, reason: String) -> Self {
        Skipped {
            line,
            name: name.map(|n| preview(&n.split_whitespace().collect::<Vec<_>>().join(" "))).unwrap_or_default(),
            reason,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub line: u64,
    pub name: String,
    pub model_slug: String,
    /// Our field names, as `ModelRecord` (and GraphQL) spell them.
    pub fields: Vec<String>,
}

/// Part of a row left out while the rest was imported (a figure that cannot be read, an
/// interval that does not contain its estimate).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    pub line: u64,
    pub name: String,
    pub message: String,
}

/// What an import did (or, in a dry run, would have done).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    pub dry_run: bool,
    pub rows: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: Vec<Skipped>,
    pub skipped_by_reason: BTreeMap<String, usize>,
    pub conflicts: Vec<Conflict>,
    pub organizations_created: usize,
    /// Rows whose organization and country lists have different lengths.
    pub misaligned_country_lists: usize,
    /// Organizations left off a model: new, and no country could be told for them.
    pub organizations_without_country: usize,
    /// Base models named that are neither in the file nor in the catalog.
    pub base_models_not_found: usize,
    pub links_dropped: usize,
    pub texts_truncated: usize,
    /// Parts of imported rows left out, each with its reason.
    pub warnings: Vec<Warning>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        writeln!(f, "rows: {}", self.rows)?;
        writeln!(f, "inserted: {}", self.inserted)?;
        writeln!(f, "updated: {}", self.updated)?;
        writeln!(f, "unchanged: {}", self.unchanged)?;
        writeln!(f, "skipped: {}", self.skipped.len())?;
        for (reason, count) in &self.skipped_by_reason {
            writeln!(f, "  {count} {reason}")?;
        }
        for s in &self.skipped {
            writeln!(f, "  line {}: {:?} {}", s.line, s.name, s.reason)?;
        }
        writeln!(f, "conflicts: {}", self.conflicts.len())?;
        for c in &self.conflicts {
            writeln!(
                f,
                "  line {}: {:?} ({}) kept the editor's {}",
                c.line,
                c.name,
                c.model_slug,
                c.fields.join(", ")
            )?;
        }
        writeln!(f, "organizations created: {}", self.organizations_created)?;
        writeln!(f, "rows with misaligned organization/country lists: {}", self.misaligned_country_lists)?;
        writeln!(f, "organizations left off for want of a country: {}", self.organizations_without_country)?;
        writeln!(f, "base models not found: {}", self.base_models_not_found)?;
        writeln!(f, "links dropped (not http(s) URLs): {}", self.links_dropped)?;
        writeln!(f, "texts cut to our length limits: {}", self.texts_truncated)?;
        write!(f, "warnings (parts of rows left out): {}", self.warnings.len())?;
        for w in &self.warnings {
            write!(f, "\n  line {}: {:?} {}", w.line, w.name, w.message)?;
        }
        Ok(())
    }
}

impl ImportSummary {
    fn skip(&mut self, skipped: Skipped) {
        let reason = generic(&skipped.reason);
        *self.skipped_by_reason.entry(reason).or_default() += 1;
        self.skipped.push(skipped);
    }
}

/// A reason without the row's particulars, for counting.
fn generic(reason: &str) -> String {
    let cut = reason.find(|c: char| c.is_ascii_digit() || c == '(').unwrap_or(reason.len());
    reason[..cut].trim().to_owned()
}

/// Which models names and earlier imports point at.
struct Catalog {
    /// Natural key -> (model, what the importer last wrote there).
    imported: HashMap<String, (i32, Map<String, Value>)>,
    /// Natural key of a name or alias -> model. A model an import entry claims keeps its
    /// names here too, so that another row naming it (an alias for another version of the same
    /// model) is seen as that model on every run, and skipped, not brought in as a new one.
    by_name: HashMap<String, i32>,
    claimed: HashSet<i32>,
}

impl Catalog {
    async fn load(tx: &DatabaseTransaction) -> ServiceResult<Catalog> {
        let mut imported = HashMap::new();
        let mut claimed = HashSet::new();
        for entry in import_entry::Entity::find().filter(import_entry::Column::Source.eq(SOURCE)).all(tx).await? {
            let fields = entry.imported.as_object().cloned().unwrap_or_default();
            claimed.insert(entry.model_id);
            imported.insert(entry.natural_key, (entry.model_id, fields));
        }
        let mut by_name = HashMap::new();
        let names = model::Entity::find().all(tx).await?.into_iter().map(|m| (m.id, m.name));
        let aliases = model_alias::Entity::find().all(tx).await?.into_iter().map(|a| (a.model_id, a.alias));
        for (id, name) in names.chain(aliases) {
            by_name.entry(natural_key(&name)).or_insert(id);
        }
        Ok(Catalog { imported, by_name, claimed })
    }

    fn model_for(&self, key: &str) -> Option<i32> {
        self.imported.get(key).map(|(id, _)| *id).or_else(|| self.by_name.get(key).copied())
    }
}

/// The order to import rows in: a base model before the models built on it.
fn order(rows: &[&EpochRow]) -> Vec<usize> {
    let index: HashMap<String, usize> = rows.iter().enumerate().rev().map(|(i, r)| (natural_key(&r.name), i)).collect();
    let mut state = vec![false; rows.len()];
    let mut out = Vec::with_capacity(rows.len());
    fn visit(i: usize, rows: &[&EpochRow], index: &HashMap<String, usize>, seen: &mut [bool], out: &mut Vec<usize>) {
        if seen[i] {
            return;
        }
        seen[i] = true;
        if let Some(&j) = rows[i].base_model.as_deref().and_then(|b| index.get(&natural_key(b))) {
            visit(j, rows, index, seen, out);
        }
        out.push(i);
    }
    for i in 0..rows.len() {
        visit(i, rows, &index, &mut state, &mut out);
    }
    out
}

enum Outcome {
    Inserted,
    Updated,
    Unchanged,
}

/// What one row did, to fold into the summary once its transaction commits.
struct RowResult {
    outcome: Outcome,
    model_id: i32,
    imported: Map<String, Value>,
    conflicts: Vec<String>,
    slug: String,
}

/// Rows written per transaction: one commit per row is most of the time an import takes on
/// Postgres; a long single transaction would hold SQLite's write lock throughout.
const BATCH: usize = 100;

/// Imports `file`. Each row is a savepoint of a transaction that is committed every `BATCH` rows
/// (rolled back, in a dry run); a row that fails validation is rolled back and skipped with the
/// reason.
pub async fn import(
    db: &DatabaseConnection,
    file: &EpochFile,
    dry_run: bool,
    progress: impl Fn(),
) -> ServiceResult<ImportSummary> {
    let actor = Actor::system(IMPORTER);
    let mut summary = ImportSummary { dry_run, rows: file.rows.len(), ..Default::default() };
    let mut outer = begin_write(db).await?;
    let mut in_batch = 0;
    let countries =
        organizations::known_countries(file.rows.iter().flatten().map(|r| (&r.organizations[..], &r.countries[..])));
    let mut catalog = Catalog::load(&outer).await?;
    let mut orgs = Organizations::load(&outer, countries).await?;
    let mut readable = vec![];
    for row in &file.rows {
        match row {
            Ok(row) => readable.push(row),
            Err(skipped) => {
                summary.skip(skipped.clone());
                progress();
            }
        }
    }
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for i in order(&readable) {
        let row = readable[i];
        progress();
        let key = natural_key(&row.name);
        if let Some(line) = first_line.get(&key) {
            summary.skip(Skipped::new(row.line, Some(&row.name), format!("repeats the model of line {line}")));
            continue;
        }
        first_line.insert(key.clone(), row.line);
        let existing = catalog.model_for(&key);
        if let Some(id) = existing
            && !catalog.imported.contains_key(&key)
            && catalog.claimed.contains(&id)
        {
            summary.skip(Skipped::new(row.line, Some(&row.name), "names the same catalog model as another row".into()));
            continue;
        }
        if !dry_run && in_batch == BATCH {
            outer.commit().await?;
            outer = begin_write(db).await?;
            in_batch = 0;
        }
        in_batch += 1;
        let tx = outer.begin().await?;
        let mut created = vec![];
        let result = import_row(&tx, &actor, file, row, &key, &catalog, &mut orgs, &mut created, &mut summary).await;
        match result {
            Ok(done) => {
                tx.commit().await?;
                summary.organizations_created += created.len();
                match done.outcome {
                    Outcome::Inserted => summary.inserted += 1,
                    Outcome::Updated => summary.updated += 1,
                    Outcome::Unchanged => summary.unchanged += 1,
                }
                if !done.conflicts.is_empty() {
                    summary.conflicts.push(Conflict {
                        line: row.line,
                        name: preview(&row.name),
                        model_slug: done.slug,
                        fields: done.conflicts,
                    });
                }
                catalog.claimed.insert(done.model_id);
                catalog.imported.insert(key, (done.model_id, done.imported));
            }
            Err(
                error @ (ServiceError::BadInput { .. } | ServiceError::Conflict { .. } | ServiceError::NotFound(_)),
            ) => {
                tx.rollback().await?;
                orgs.forget(&created);
                summary.skip(Skipped::new(row.line, Some(&row.name), error.to_string()));
            }
            Err(error) => return Err(error),
        }
    }
    if dry_run {
        outer.rollback().await?;
    } else {
        outer.commit().await?;
    }
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn import_row(
    tx: &DatabaseTransaction,
    actor: &Actor,
    file: &EpochFile,
    row: &EpochRow,
    key: &str,
    catalog: &Catalog,
    orgs: &mut Organizations,
    created: &mut Vec<(String, i32)>,
    summary: &mut ImportSummary,
) -> ServiceResult<RowResult> {
    let resolved = orgs.resolve(tx, actor, &row.organizations, &row.countries, &row.organization_categories).await;
    let resolved = match resolved {
        Ok(r) => r,
        Err(e) => return Err(e),
    };
    created.extend(resolved.created.iter().cloned());
    summary.misaligned_country_lists += usize::from(resolved.misaligned);
    summary.organizations_without_country += resolved.without_country.len();
    let base_model_id = row.base_model.as_deref().and_then(|b| catalog.model_for(&natural_key(b)));
    if row.base_model.is_some() && base_model_id.is_none() {
        summary.base_models_not_found += 1;
    }
    let mapped = mapping::model_fields(&file.layout, row, &resolved.ids, base_model_id);
    summary.texts_truncated += usize::from(mapped.truncated);
    summary.links_dropped += mapped.links_dropped;
    let warnings =
        mapped.warnings.into_iter().map(|message| Warning { line: row.line, name: preview(&row.name), message });
    summary.warnings.extend(warnings);
    let fields = mapped.fields;

    let Some(id) = catalog.model_for(key) else {
        let mut record = ModelRecord::new(free_slug(tx, &row.name).await?, row.name.clone());
        record.announced_precision = DatePrecision::Day;
        record.published = true;
        let record = with_fields(&record, &fields)?;
        let written = edits::create_in(tx, actor, record, Some(SUMMARY)).await?;
        remember(tx, key, written.id, &fields).await?;
        return Ok(RowResult {
            outcome: Outcome::Inserted,
            model_id: written.id,
            imported: fields,
            conflicts: vec![],
            slug: written.slug,
        });
    };
    let current = ModelRecord::load(tx, id).await?.ok_or_else(|| {
        ServiceError::bad_input("model", "was imported before and has since been deleted by an editor")
    })?;
    let current_fields = as_map(&current.record)?;
    let last = catalog.imported.get(key).map(|(_, fields)| fields);
    let merged = merge::merge(last, &current_fields, &fields);
    let outcome = if merged.writes.is_empty() {
        Outcome::Unchanged
    } else {
        let next = with_fields(&current.record, &merged.writes)?;
        edits::update_in::<ModelRecord>(tx, actor, id, current.version, RevisionAction::Update, Some(SUMMARY), |r| {
            *r = next;
            Ok(())
        })
        .await?;
        Outcome::Updated
    };
    if last != Some(&merged.imported) {
        remember(tx, key, id, &merged.imported).await?;
    }
    Ok(RowResult {
        outcome,
        model_id: id,
        imported: merged.imported,
        conflicts: merged.conflicts,
        slug: current.record.slug,
    })
}

fn as_map(record: &ModelRecord) -> ServiceResult<Map<String, Value>> {
    match serde_json::to_value(record).map_err(ServiceError::internal)? {
        Value::Object(map) => Ok(map),
        _ => Err(ServiceError::internal(anyhow::anyhow!("a model record is not a JSON object"))),
    }
}

fn with_fields(record: &ModelRecord, fields: &Map<String, Value>) -> ServiceResult<ModelRecord> {
    let mut map = as_map(record)?;
    map.extend(fields.clone());
    serde_json::from_value(Value::Object(map)).map_err(ServiceError::internal)
}

async fn free_slug(tx: &DatabaseTransaction, name: &str) -> ServiceResult<String> {
    let base = slugify(name);
    let mut slug = base.clone();
    for n in 2.. {
        if model::Entity::find().filter(model::Column::Slug.eq(&slug)).count(tx).await? == 0 {
            break;
        }
        slug = format!("{base}-{n}");
    }
    Ok(slug)
}

async fn remember(
    tx: &DatabaseTransaction,
    key: &str,
    model_id: i32,
    fields: &Map<String, Value>,
) -> ServiceResult<()> {
    import_entry::Entity::delete_many()
        .filter(import_entry::Column::Source.eq(SOURCE))
        .filter(import_entry::Column::NaturalKey.eq(key))
        .exec(tx)
        .await?;
    import_entry::Entity::insert(import_entry::ActiveModel {
        source: Set(SOURCE.into()),
        natural_key: Set(key.into()),
        model_id: Set(model_id),
        imported: Set(Value::Object(fields.clone())),
        imported_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(tx)
    .await?;
    Ok(())
}
