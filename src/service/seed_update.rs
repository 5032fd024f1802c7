//! `ai-tracker seed --update`: writes the compiled-in starter catalog into an existing database
//! as the starter catalog, by the Epoch importer's three-way rule (`epoch_import::merge`). What
//! the starter catalog last wrote to an entry is remembered in `import_entry` (source `seed`,
//! key `kind:slug`; its `model_id` column holds the entry's id, whatever its kind); a database
//! seeded before this existed falls back on the loader's creation revision, which holds exactly
//! what it wrote. Then a field the starter catalog changed and no editor did is updated, a field
//! an editor changed is kept (and reported when the starter catalog changed it too), new entries
//! are added, and an entry an editor deleted stays deleted. All in one transaction.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::edits::{
    self, CapabilityRecord, DatasetRecord, ModelRecord, OrganizationRecord, Record, RiskAssessmentRecord,
};
use super::epoch_import::merge;
use super::seed::{self, LOADER, create, lineage_order, starter_catalog};
use super::{Actor, ServiceError, ServiceResult, begin_write, predictions, revisions};
use crate::domain::{EntityType, RevisionAction};
use crate::entity::{capability, dataset, import_entry, model, organization, revision, risk_assessment};

const SOURCE: &str = "seed";
const SUMMARY: &str = "starter catalog update";

/// What an update did.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateSummary {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    /// Entries whose fields an editor changed and the starter catalog changed too (kept), and
    /// entries an editor deleted (not added back).
    pub left_for_editor: Vec<String>,
    pub unchanged: usize,
}

impl std::fmt::Display for UpdateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "added: {}", self.added.len())?;
        for a in &self.added {
            writeln!(f, "  {a}")?;
        }
        writeln!(f, "updated: {}", self.updated.len())?;
        for u in &self.updated {
            writeln!(f, "  {u}")?;
        }
        writeln!(f, "left for an editor: {}", self.left_for_editor.len())?;
        for l in &self.left_for_editor {
            writeln!(f, "  {l}")?;
        }
        write!(f, "unchanged: {}", self.unchanged)
    }
}

fn to_map<R: Serialize>(record: &R) -> ServiceResult<Map<String, Value>> {
    match serde_json::to_value(record).map_err(ServiceError::internal)? {
        Value::Object(map) => Ok(map),
        _ => Err(ServiceError::internal(anyhow::anyhow!("a record is not a JSON object"))),
    }
}

/// What the starter catalog wrote: remembered entries, and the loader's creation revisions.
struct Seeded {
    remembered: HashMap<String, Map<String, Value>>,
    /// (kind, id) -> the record the loader created.
    created: HashMap<(EntityType, i32), Map<String, Value>>,
}

impl Seeded {
    async fn load(tx: &DatabaseTransaction) -> ServiceResult<Seeded> {
        let remembered = import_entry::Entity::find()
            .filter(import_entry::Column::Source.eq(SOURCE))
            .all(tx)
            .await?
            .into_iter()
            .map(|e| (e.natural_key, e.imported.as_object().cloned().unwrap_or_default()))
            .collect();
        let created = revision::Entity::find()
            .filter(revision::Column::AuthorName.eq(LOADER))
            .filter(revision::Column::Action.eq(RevisionAction::Create))
            .filter(revision::Column::EditorId.is_null())
            .all(tx)
            .await?
            .into_iter()
            .filter_map(|r| Some(((r.entity_type, r.entity_id), r.after?.as_object()?.clone())))
            .collect();
        Ok(Seeded { remembered, created })
    }

    fn last(&self, key: &str, kind: EntityType, id: i32) -> Option<&Map<String, Value>> {
        self.remembered.get(key).or_else(|| self.created.get(&(kind, id)))
    }

    /// Whether the loader created an entry of `kind` with this slug that no longer exists.
    fn deleted(&self, kind: EntityType, slug: &str, exists: impl Fn(i32) -> bool) -> bool {
        self.created
            .iter()
            .any(|((k, id), after)| *k == kind && after.get("slug") == Some(&json_str(slug)) && !exists(*id))
    }
}

fn json_str(s: &str) -> Value {
    Value::String(s.to_owned())
}

struct Updater<'a> {
    tx: &'a DatabaseTransaction,
    actor: Actor,
    seeded: Seeded,
    summary: UpdateSummary,
}

impl Updater<'_> {
    /// Adds `record` as `key` when `existing` is `None`; otherwise merges it into the entry.
    /// Returns the entry's id.
    async fn upsert<R: Record>(
        &mut self,
        key: String,
        at: &str,
        existing: Option<i32>,
        record: R,
        id_of: impl Fn(&R::Row) -> i32,
    ) -> ServiceResult<i32> {
        let new = to_map(&record)?;
        let Some(id) = existing else {
            let row = create(self.tx, at, record).await?;
            let id = id_of(&row);
            self.remember(&key, id, &new).await?;
            self.summary.added.push(key);
            return Ok(id);
        };
        let current = R::load(self.tx, id).await?.ok_or_else(|| ServiceError::NotFound(R::NOUN.into()))?;
        let now = to_map(&current.record)?;
        let last = self.seeded.last(&key, R::TYPE, id).cloned();
        let merged = merge::merge(last.as_ref(), &now, &new);
        if merged.writes.is_empty() {
            self.summary.unchanged += 1;
        } else {
            let mut next = now.clone();
            next.extend(merged.writes.clone());
            let next: R = serde_json::from_value(Value::Object(next)).map_err(ServiceError::internal)?;
            edits::update_in::<R>(
                self.tx,
                &self.actor,
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
            let fields: Vec<&str> = merged.writes.keys().map(String::as_str).collect();
            self.summary.updated.push(format!("{key} ({})", fields.join(", ")));
        }
        if !merged.conflicts.is_empty() {
            self.summary.left_for_editor.push(format!("{key} ({})", merged.conflicts.join(", ")));
        }
        if last.as_ref() != Some(&merged.imported) {
            self.remember(&key, id, &merged.imported).await?;
        }
        Ok(id)
    }

    async fn remember(&self, key: &str, id: i32, fields: &Map<String, Value>) -> ServiceResult<()> {
        import_entry::Entity::delete_many()
            .filter(import_entry::Column::Source.eq(SOURCE))
            .filter(import_entry::Column::NaturalKey.eq(key))
            .exec(self.tx)
            .await?;
        import_entry::Entity::insert(import_entry::ActiveModel {
            source: Set(SOURCE.into()),
            natural_key: Set(key.into()),
            model_id: Set(id),
            imported: Set(Value::Object(fields.clone())),
            imported_at: Set(Utc::now()),
            ..Default::default()
        })
        .exec(self.tx)
        .await?;
        Ok(())
    }

    /// An entry the loader created and an editor deleted: left deleted, and reported.
    fn left_deleted(&mut self, kind: EntityType, key: &str, slug: &str, ids: &HashMap<String, i32>) -> bool {
        let exists = |id: i32| ids.values().any(|v| *v == id);
        if self.seeded.deleted(kind, slug, exists) {
            self.summary.left_for_editor.push(format!("{key} (deleted by an editor: not added back)"));
            return true;
        }
        false
    }
}

async fn slugs<E: EntityTrait>(
    tx: &DatabaseTransaction,
    slug: E::Column,
    id: E::Column,
) -> ServiceResult<HashMap<String, i32>> {
    Ok(E::find()
        .select_only()
        .column(slug)
        .column(id)
        .into_tuple::<(String, i32)>()
        .all(tx)
        .await?
        .into_iter()
        .collect())
}

/// Writes the compiled-in starter catalog into the database (see the module's comment).
pub async fn update(db: &DatabaseConnection) -> ServiceResult<UpdateSummary> {
    let catalog = starter_catalog()?;
    let tx = begin_write(db).await?;
    let seeded = Seeded::load(&tx).await?;
    let mut up = Updater { tx: &tx, actor: Actor::system(LOADER), seeded, summary: UpdateSummary::default() };

    let existing = slugs::<organization::Entity>(&tx, organization::Column::Slug, organization::Column::Id).await?;
    let mut organizations = HashMap::new();
    for o in &catalog.organization {
        let key = format!("organization:{}", o.slug);
        let found = existing.get(&o.slug).copied();
        if found.is_none() && up.left_deleted(EntityType::Organization, &key, &o.slug, &existing) {
            continue;
        }
        let at = super::seed::at(&o.file, "organization", &o.slug);
        let id = up.upsert::<OrganizationRecord>(key, &at, found, o.record(), |r| r.id).await?;
        organizations.insert(o.slug.as_str(), id);
    }
    let existing = slugs::<capability::Entity>(&tx, capability::Column::Slug, capability::Column::Id).await?;
    let mut capabilities = HashMap::new();
    for c in &catalog.capability {
        let key = format!("capability:{}", c.slug);
        let found = existing.get(&c.slug).copied();
        if found.is_none() && up.left_deleted(EntityType::Capability, &key, &c.slug, &existing) {
            continue;
        }
        let at = super::seed::at(&c.file, "capability", &c.slug);
        let id = up.upsert::<CapabilityRecord>(key, &at, found, c.record(), |r| r.id).await?;
        capabilities.insert(c.slug.as_str(), id);
    }
    let existing = slugs::<dataset::Entity>(&tx, dataset::Column::Slug, dataset::Column::Id).await?;
    let mut datasets = HashMap::new();
    for d in &catalog.dataset {
        let key = format!("dataset:{}", d.slug);
        let found = existing.get(&d.slug).copied();
        if found.is_none() && up.left_deleted(EntityType::Dataset, &key, &d.slug, &existing) {
            continue;
        }
        let at = super::seed::at(&d.file, "dataset", &d.slug);
        let id = up.upsert::<DatasetRecord>(key, &at, found, d.record(), |r| r.id).await?;
        datasets.insert(d.slug.as_str(), id);
    }
    let existing = slugs::<model::Entity>(&tx, model::Column::Slug, model::Column::Id).await?;
    let mut models = HashMap::new();
    for m in lineage_order(&catalog.model)? {
        let key = format!("model:{}", m.slug);
        let found = existing.get(&m.slug).copied();
        if found.is_none() && up.left_deleted(EntityType::Model, &key, &m.slug, &existing) {
            continue;
        }
        let mut record = m.record(&organizations, &capabilities, &datasets, &models)?;
        // In the order a model's lists are read back (and so stored in its revisions).
        record.input_modalities.sort();
        record.output_modalities.sort();
        record.dataset_ids.sort();
        record.capabilities.sort_by_key(|c| c.capability_id);
        let id = up.upsert::<ModelRecord>(key, &m.at(), found, record, |r| r.id).await?;
        models.insert(m.slug.as_str(), id);
    }
    // Risk assessments have no slug: one is the same as a seeded one of its model with the same
    // horizon, cause, category and summary.
    let assessments = risk_assessment::Entity::find().all(&tx).await?;
    let mut resolutions = Vec::new();
    for m in &catalog.model {
        let Some(&model_id) = models.get(m.slug.as_str()) else { continue };
        for (i, c) in m.capabilities.iter().enumerate() {
            if let (Some(resolution), Some(&capability_id)) = (&c.resolution, capabilities.get(c.capability.as_str())) {
                let at = format!("{}, capabilities[{i}].resolution", m.at());
                resolutions.push((at, model_id, Some(capability_id), None, resolution));
            }
        }
        for (i, r) in m.risk_assessments.iter().enumerate() {
            let record = r.record(model_id);
            let same = assessments.iter().find(|a| {
                a.model_id == model_id
                    && a.horizon == record.horizon
                    && a.cause == record.cause
                    && a.category == record.category
                    && a.summary == record.summary
            });
            let key = format!("risk_assessment:{}:{}", m.slug, same.map_or(format!("new-{i}"), |a| a.id.to_string()));
            let at = format!("{}, risk_assessments[{i}]", m.at());
            let id = up.upsert::<RiskAssessmentRecord>(key.clone(), &at, same.map(|a| a.id), record, |r| r.id).await?;
            if let Some(resolution) = &r.resolution {
                resolutions.push((format!("{at}.resolution"), model_id, None, Some(id), resolution));
            }
            if same.is_none() {
                // Remember it under its id, as a later run finds it.
                let new_key = format!("risk_assessment:{}:{id}", m.slug);
                import_entry::Entity::update_many()
                    .col_expr(import_entry::Column::NaturalKey, sea_orm::sea_query::Expr::value(new_key))
                    .filter(import_entry::Column::Source.eq(SOURCE))
                    .filter(import_entry::Column::NaturalKey.eq(key))
                    .exec(&tx)
                    .await?;
            }
        }
    }
    // The starter catalog's resolutions, of the predictions still open: one an editor resolved,
    // reopened or saw withdrawn is theirs.
    for (at, model_id, capability_id, risk_assessment_id, resolution) in resolutions {
        let Some(row) = predictions::find(&tx, model_id, capability_id, risk_assessment_id).await? else { continue };
        let touched = revisions::latest(&tx, EntityType::Prediction, row.id).await?.is_some();
        if row.outcome.is_some() || row.withdrawn || row.recorded_at.is_none() || touched {
            continue;
        }
        seed::resolve(&tx, &at, &models, model_id, capability_id, risk_assessment_id, resolution).await?;
        up.summary.updated.push(at);
    }
    let summary = up.summary;
    tx.commit().await?;
    Ok(summary)
}
