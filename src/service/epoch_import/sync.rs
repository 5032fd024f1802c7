//! What a sync of Epoch's data writes: the importer's reading and three-way rule, but nothing
//! reaches the public. A row the catalog lacks becomes a draft with an import candidate; changed
//! figures of a published model become a candidate that proposes them; only drafts are updated
//! in place (the three-way rule keeps an editor's changes there too). Editors accept or dismiss
//! candidates (`candidates`). The caller runs the whole sync in one transaction.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::columns::{EpochRow, natural_key};
use super::organizations::Organizations;
use super::{Catalog, EpochFile, SOURCE, Skipped, as_map, free_slug, mapping, merge, order, remember, with_fields};
use crate::domain::{DatePrecision, ImportCandidateKind, ImportCandidateStatus, RevisionAction};
use crate::entity::{import_candidate, import_dismissal};
use crate::service::edits::{self, ModelRecord, Record};
use crate::service::{Actor, ServiceError, ServiceResult};

/// Who the history names for the sync's writes (drafts only).
pub const SYNC: &str = "Epoch AI sync";
const SUMMARY: &str = "from the Epoch AI sync (epoch.ai/data/ai-models, CC BY 4.0)";

/// Which rows of the file the sync considers.
#[derive(Clone, Copy, Debug, Default)]
pub struct Selection {
    /// Rows with at least this much training compute (rows without a figure are left out).
    pub min_compute: Option<f64>,
    /// Rows published on or after this date (rows without a date are left out).
    pub since: Option<NaiveDate>,
}

impl Selection {
    pub fn takes(&self, row: &EpochRow) -> bool {
        self.min_compute.is_none_or(|min| row.training_compute.is_some_and(|c| c >= min))
            && self.since.is_none_or(|since| row.published_on.is_some_and(|d| d >= since))
    }
}

/// One proposed value of one field, as the queue shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The field as `ModelRecord` (and the GraphQL input) spells it.
    pub field: String,
    pub current: Value,
    pub proposed: Value,
    /// The entry's value is an editor's: it differs from what was last taken from the source.
    pub editor_changed: bool,
}

/// What a sync did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    /// The server answered 304 Not Modified: nothing was read or written.
    pub not_modified: bool,
    pub rows: usize,
    /// Readable rows inside the selection.
    pub selected: usize,
    /// Rows brought in as drafts with an import candidate.
    pub new_candidates: usize,
    /// Published models with a new or changed candidate proposing figures.
    pub change_candidates: usize,
    /// Candidate drafts (or editors' drafts) updated in place.
    pub drafts_updated: usize,
    /// Candidates withdrawn because the source no longer proposes anything new for them.
    pub candidates_withdrawn: usize,
    pub unchanged: usize,
    /// Proposed values left out because an editor dismissed exactly that value before.
    pub dismissed_values_skipped: usize,
    pub skipped: Vec<Skipped>,
}

impl std::fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.not_modified {
            return write!(f, "not modified since the last sync: nothing to do");
        }
        writeln!(f, "rows: {} ({} selected)", self.rows, self.selected)?;
        writeln!(f, "new drafts for the editors' queue: {}", self.new_candidates)?;
        writeln!(f, "published models with proposed changes: {}", self.change_candidates)?;
        writeln!(f, "drafts updated: {}", self.drafts_updated)?;
        writeln!(f, "candidates withdrawn: {}", self.candidates_withdrawn)?;
        writeln!(f, "unchanged: {}", self.unchanged)?;
        writeln!(f, "values an editor dismissed, not proposed again: {}", self.dismissed_values_skipped)?;
        write!(f, "skipped: {}", self.skipped.len())?;
        for s in &self.skipped {
            write!(f, "\n  line {}: {:?} {}", s.line, s.name, s.reason)?;
        }
        Ok(())
    }
}

/// The key a dismissal is stored under: SHA-256 of the value's JSON text.
pub(super) fn value_hash(value: &Value) -> String {
    format!("{:x}", Sha256::digest(value.to_string().as_bytes()))
}

/// What the sync knows before it reads rows: dismissals and open candidates by natural key.
struct Queue {
    dismissed: HashSet<(String, String, String)>,
    open: HashMap<String, import_candidate::Model>,
}

impl Queue {
    async fn load(tx: &DatabaseTransaction) -> ServiceResult<Queue> {
        let dismissed = import_dismissal::Entity::find()
            .filter(import_dismissal::Column::Source.eq(SOURCE))
            .all(tx)
            .await?
            .into_iter()
            .map(|d| (d.natural_key, d.field, d.value_hash))
            .collect();
        let open = import_candidate::Entity::find()
            .filter(import_candidate::Column::Source.eq(SOURCE))
            .filter(import_candidate::Column::Status.eq(ImportCandidateStatus::Open))
            .all(tx)
            .await?
            .into_iter()
            .map(|c| (c.natural_key.clone(), c))
            .collect();
        Ok(Queue { dismissed, open })
    }

    fn is_dismissed(&self, key: &str, change: &Change) -> bool {
        self.dismissed.contains(&(key.to_owned(), change.field.clone(), value_hash(&change.proposed)))
    }
}

enum Outcome {
    New(i32, Map<String, Value>),
    Proposed(i32, Option<Map<String, Value>>),
    DraftUpdated(i32, Map<String, Value>),
    Withdrawn(i32, Option<Map<String, Value>>),
    Unchanged(i32, Option<Map<String, Value>>),
    Dismissed,
}

/// Applies the selected rows of `file` inside `tx`. A row that fails a check is rolled back to
/// its savepoint and reported; any other failure fails the sync (and the caller rolls it back).
pub async fn apply(tx: &DatabaseTransaction, file: &EpochFile, selection: &Selection) -> ServiceResult<SyncSummary> {
    let actor = Actor::system(SYNC);
    let mut summary = SyncSummary { rows: file.rows.len(), ..Default::default() };
    let mut catalog = Catalog::load(tx).await?;
    let orgs = Organizations::load(tx, HashMap::new()).await?;
    let mut queue = Queue::load(tx).await?;
    let mut readable = vec![];
    for row in &file.rows {
        match row {
            Ok(row) if selection.takes(row) => readable.push(row),
            Ok(_) => {}
            Err(skipped) => summary.skipped.push(skipped.clone()),
        }
    }
    summary.selected = readable.len();
    let mut seen = HashSet::new();
    for i in order(&readable) {
        let row = readable[i];
        let key = natural_key(&row.name);
        if !seen.insert(key.clone()) {
            summary.skipped.push(Skipped::new(
                row.line,
                Some(&row.name),
                "repeats the model of an earlier line".into(),
            ));
            continue;
        }
        if let Some(id) = catalog.model_for(&key)
            && !catalog.imported.contains_key(&key)
            && catalog.claimed.contains(&id)
        {
            summary.skipped.push(Skipped::new(
                row.line,
                Some(&row.name),
                "names the same catalog model as another row".into(),
            ));
            continue;
        }
        let savepoint = tx.begin().await?;
        match sync_row(&savepoint, &actor, file, row, &key, &catalog, &orgs, &mut queue, &mut summary).await {
            Ok(outcome) => {
                savepoint.commit().await?;
                let (id, remembered) = match outcome {
                    Outcome::New(id, fields) => {
                        summary.new_candidates += 1;
                        (id, Some(fields))
                    }
                    Outcome::Proposed(id, fields) => {
                        summary.change_candidates += 1;
                        (id, fields)
                    }
                    Outcome::DraftUpdated(id, fields) => {
                        summary.drafts_updated += 1;
                        (id, Some(fields))
                    }
                    Outcome::Withdrawn(id, fields) => {
                        summary.candidates_withdrawn += 1;
                        (id, fields)
                    }
                    Outcome::Unchanged(id, fields) => {
                        summary.unchanged += 1;
                        (id, fields)
                    }
                    Outcome::Dismissed => continue,
                };
                catalog.claimed.insert(id);
                if let Some(fields) = remembered {
                    catalog.imported.insert(key, (id, fields));
                }
            }
            Err(
                error @ (ServiceError::BadInput { .. } | ServiceError::Conflict { .. } | ServiceError::NotFound(_)),
            ) => {
                savepoint.rollback().await?;
                summary.skipped.push(Skipped::new(row.line, Some(&row.name), error.to_string()));
            }
            Err(error) => return Err(error),
        }
    }
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
async fn sync_row(
    tx: &DatabaseTransaction,
    actor: &Actor,
    file: &EpochFile,
    row: &EpochRow,
    key: &str,
    catalog: &Catalog,
    orgs: &Organizations,
    queue: &mut Queue,
    summary: &mut SyncSummary,
) -> ServiceResult<Outcome> {
    let (organization_ids, missing_organizations) = orgs.matching(&row.organizations);
    let base_model_id = row.base_model.as_deref().and_then(|b| catalog.model_for(&natural_key(b)));
    let mut fields = mapping::model_fields(&file.layout, row, &organization_ids, base_model_id).fields;
    let source_row = serde_json::to_value(row).map_err(ServiceError::internal)?;

    let Some(id) = catalog.model_for(key) else {
        let changes = new_row_changes(&fields);
        if !changes.is_empty() && changes.iter().all(|c| queue.is_dismissed(key, c)) {
            summary.dismissed_values_skipped += changes.len();
            return Ok(Outcome::Dismissed);
        }
        let mut record = ModelRecord::new(free_slug(tx, &row.name).await?, row.name.clone());
        record.announced_precision = DatePrecision::Day;
        let mut record = with_fields(&record, &fields)?;
        record.published = false;
        let written = edits::create_in(tx, actor, record, Some(SUMMARY)).await?;
        remember(tx, key, written.id, &fields).await?;
        insert_candidate(tx, key, ImportCandidateKind::NewModel, written.id, &changes, source_row).await?;
        return Ok(Outcome::New(written.id, fields));
    };

    if !missing_organizations.is_empty() {
        // The row names organizations we do not have: its list cannot be compared with ours.
        fields.remove("organizationIds");
    }
    let current = ModelRecord::load(tx, id).await?.ok_or_else(|| {
        ServiceError::bad_input("model", "was imported before and has since been deleted by an editor")
    })?;
    let current_fields = as_map(&current.record)?;
    let last = catalog.imported.get(key).map(|(_, fields)| fields);
    let merged = merge::merge(last, &current_fields, &fields);

    if !current.record.published {
        // A draft is the editors' alone: the importer's rule applies to it as it stands.
        let updated = !merged.writes.is_empty();
        if updated {
            let next = with_fields(&current.record, &merged.writes)?;
            edits::update_in::<ModelRecord>(
                tx,
                actor,
                id,
                current.version,
                RevisionAction::Update,
                Some(SUMMARY),
                |r| {
                    *r = next;
                    Ok(())
                },
            )
            .await?;
        }
        if last != Some(&merged.imported) {
            remember(tx, key, id, &merged.imported).await?;
        }
        let changes = serde_json::to_value(new_row_changes(&fields)).map_err(ServiceError::internal)?;
        if let Some(open) = queue.open.get(key).filter(|c| c.model_id == id && c.kind == ImportCandidateKind::NewModel)
            && (open.source_row != source_row || open.changes != changes)
        {
            let mut open = open.clone().into_active_model();
            open.source_row = Set(source_row);
            open.changes = Set(changes);
            open.updated_at = Set(Utc::now());
            open.update(tx).await?;
        }
        return Ok(if updated {
            Outcome::DraftUpdated(id, merged.imported)
        } else {
            Outcome::Unchanged(id, Some(merged.imported))
        });
    }

    // A published model: what the three-way rule would write, and the source's changes to
    // fields an editor changed too, are proposed; nothing is written to the model.
    let mut proposals: Vec<Change> = merged
        .writes
        .iter()
        .map(|(f, v)| Change {
            field: f.clone(),
            current: current_fields.get(f).cloned().unwrap_or(Value::Null),
            proposed: v.clone(),
            editor_changed: false,
        })
        .collect();
    for field in &merged.conflicts {
        if let Some(before) = last.and_then(|l| l.get(field))
            && Some(before) != fields.get(field)
        {
            proposals.push(Change {
                field: field.clone(),
                current: current_fields.get(field).cloned().unwrap_or(Value::Null),
                proposed: fields[field].clone(),
                editor_changed: true,
            });
        }
    }
    let before = proposals.len();
    proposals.retain(|c| !queue.is_dismissed(key, c));
    summary.dismissed_values_skipped += before - proposals.len();
    proposals.sort_by(|a, b| a.field.cmp(&b.field));

    // What the entry agrees with, and (the first time the sync meets an entry it did not
    // create) the source's value of a field whose difference it does not propose: a later
    // change of that value is then told apart from this one.
    let mut remembered = last.cloned().unwrap_or_default();
    for (field, value) in &fields {
        let first_sight = last.is_none_or(|l| !l.contains_key(field));
        if current_fields.get(field) == Some(value) || (first_sight && merged.conflicts.contains(field)) {
            remembered.insert(field.clone(), value.clone());
        }
    }
    let remembered = if last != Some(&remembered) {
        remember(tx, key, id, &remembered).await?;
        Some(remembered)
    } else {
        None
    };

    let open = queue.open.get(key).filter(|c| c.model_id == id && c.kind == ImportCandidateKind::Change).cloned();
    let outcome = match (proposals.is_empty(), open) {
        (true, None) => Outcome::Unchanged(id, remembered),
        (true, Some(open)) => {
            import_candidate::Entity::delete_by_id(open.id).exec(tx).await?;
            queue.open.remove(key);
            Outcome::Withdrawn(id, remembered)
        }
        (false, Some(open)) => {
            let proposed = |changes: &[Change]| -> Vec<(String, Value)> {
                changes.iter().map(|c| (c.field.clone(), c.proposed.clone())).collect()
            };
            let was: Vec<Change> = serde_json::from_value(open.changes.clone()).unwrap_or_default();
            if proposed(&was) == proposed(&proposals) {
                Outcome::Unchanged(id, remembered)
            } else {
                let mut open = open.into_active_model();
                open.changes = Set(serde_json::to_value(&proposals).map_err(ServiceError::internal)?);
                open.source_row = Set(source_row);
                open.updated_at = Set(Utc::now());
                open.update(tx).await?;
                Outcome::Proposed(id, remembered)
            }
        }
        (false, None) => {
            insert_candidate(tx, key, ImportCandidateKind::Change, id, &proposals, source_row).await?;
            Outcome::Proposed(id, remembered)
        }
    };
    Ok(outcome)
}

/// What a new row proposes: every field it sets.
fn new_row_changes(fields: &Map<String, Value>) -> Vec<Change> {
    fields
        .iter()
        .filter(|(_, v)| !merge::is_empty(v))
        .map(|(f, v)| Change { field: f.clone(), current: Value::Null, proposed: v.clone(), editor_changed: false })
        .collect()
}

async fn insert_candidate(
    tx: &DatabaseTransaction,
    key: &str,
    kind: ImportCandidateKind,
    model_id: i32,
    changes: &[Change],
    source_row: Value,
) -> ServiceResult<()> {
    let now = Utc::now();
    import_candidate::ActiveModel {
        source: Set(SOURCE.into()),
        natural_key: Set(key.into()),
        kind: Set(kind),
        model_id: Set(model_id),
        status: Set(ImportCandidateStatus::Open),
        changes: Set(serde_json::to_value(changes).map_err(ServiceError::internal)?),
        source_row: Set(source_row),
        created_at: Set(now),
        updated_at: Set(now),
        resolved_at: Set(None),
        resolved_by: Set(None),
        ..Default::default()
    }
    .insert(tx)
    .await?;
    Ok(())
}
