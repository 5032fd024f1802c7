//! Every change to the catalog goes through here: validate, write with the version check inside
//! the `UPDATE ... WHERE version = ?` itself, and record the revision, all in one transaction.
//! Each kind of entry is a `Record`: its full editable state, which is also what a revision
//! stores before and after, so that reverting and restoring are ordinary writes of a record.

mod capability;
mod dataset;
mod model;
mod organization;
mod prediction;
mod risk_assessment;
mod rows;
mod threshold;

use std::future::Future;

use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, SqlErr};
use serde::{Serialize, de::DeserializeOwned};

use super::revisions::{self, NewRevision};
use super::{Actor, ServiceError, ServiceResult, begin_write, former_slugs, history, predictions};
use crate::domain::{EntityType, RevisionAction};

pub use capability::CapabilityRecord;
pub use dataset::DatasetRecord;
pub use model::{CapabilityLink, ModelRecord, SourceRecord};
pub use organization::OrganizationRecord;
pub use prediction::PredictionRecord;
pub use risk_assessment::RiskAssessmentRecord;
pub use threshold::ThresholdRecord;

/// Runs `$body` with `$R` standing for the `Record` type of catalog kind `$kind`, or `$private`
/// for the kinds that are not catalog entries: the one place that pairs each kind with its record.
macro_rules! with_record {
    ($kind:expr, |$R:ident| $body:expr, private => $private:expr) => {
        match $kind {
            EntityType::Model => {
                type $R = ModelRecord;
                $body
            }
            EntityType::Organization => {
                type $R = OrganizationRecord;
                $body
            }
            EntityType::Capability => {
                type $R = CapabilityRecord;
                $body
            }
            EntityType::Dataset => {
                type $R = DatasetRecord;
                $body
            }
            EntityType::RiskAssessment => {
                type $R = RiskAssessmentRecord;
                $body
            }
            EntityType::ComputeThreshold => {
                type $R = ThresholdRecord;
                $body
            }
            EntityType::Prediction => {
                type $R = PredictionRecord;
                $body
            }
            EntityType::Editor | EntityType::Feedback | EntityType::ImportCandidate => $private,
        }
    };
}

mod replay;
pub use replay::replay;

/// A record with the version it was read at, and the row it was read from.
pub struct Versioned<R: Record> {
    pub record: R,
    pub version: i32,
    pub row: R::Row,
}

pub trait Record: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    const TYPE: EntityType;
    /// The entry's own table row, as writes return it.
    type Row: Send + Sync;
    /// How error messages name one, e.g. "model".
    const NOUN: &'static str;

    /// The entry as it stands now, or `None` if there is none.
    fn load(db: &DatabaseTransaction, id: i32) -> impl Future<Output = ServiceResult<Option<Versioned<Self>>>> + Send;

    /// Every check: fields first, then what needs the database (references, free slugs, cycles).
    /// `id` is the entry's own id when it exists already.
    fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> impl Future<Output = ServiceResult<()>> + Send;

    /// Inserts the entry (with `id` when restoring one) and returns its id.
    fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> impl Future<Output = ServiceResult<i32>> + Send;

    /// Writes the entry if it is still at version `expected`; false if it is not.
    fn update(
        &self,
        db: &DatabaseTransaction,
        id: i32,
        expected: i32,
    ) -> impl Future<Output = ServiceResult<bool>> + Send;

    /// Deletes the entry if it is still at version `expected` (false if it is not); refuses
    /// when other entries depend on it.
    fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> impl Future<Output = ServiceResult<bool>> + Send;

    /// Whether the public sees it.
    fn published(&self, db: &DatabaseTransaction) -> impl Future<Output = ServiceResult<bool>> + Send;

    fn slug(&self) -> Option<&str> {
        None
    }

    /// The model whose predictions this entry states (`service::predictions`): a model its
    /// own, an assessment its model's.
    fn forecasts_of(&self, _id: i32) -> Option<i32> {
        None
    }
}

/// An edit summary is optional, and short.
fn check_summary(summary: Option<&str>) -> ServiceResult<()> {
    super::validate::optional_text("summary", summary, 1_000)
}

fn to_json<R: Record>(record: &R) -> ServiceResult<serde_json::Value> {
    serde_json::to_value(record).map_err(ServiceError::internal)
}

/// Records a change to entry `id` of `R`'s type. The public may read it if the entry was
/// published before or after the change.
async fn record_change<R: Record>(
    tx: &DatabaseTransaction,
    actor: &Actor,
    summary: Option<&str>,
    id: i32,
    action: RevisionAction,
    before: Option<&R>,
    after: Option<&R>,
) -> ServiceResult<()> {
    let mut public = false;
    for state in [before, after].into_iter().flatten() {
        public |= state.published(tx).await?;
    }
    let new = NewRevision {
        entity_type: R::TYPE,
        entity_id: id,
        action,
        actor,
        summary,
        before: before.map(to_json).transpose()?,
        after: after.map(to_json).transpose()?,
        public,
    };
    let revision = revisions::record(tx, new).await?;
    let field = match (R::TYPE, action) {
        (_, RevisionAction::Delete) => "id",
        (EntityType::Model, _) => "input.capabilities",
        _ => "input",
    };
    for model_id in forecasting::<R>(id, before, after) {
        predictions::sync(tx, model_id, &revision, predictions::Mode::Strict, field).await?;
    }
    let slugs_changed = before.and_then(Record::slug) != after.and_then(Record::slug);
    history::snapshot(tx, R::TYPE, id, revision.id, slugs_changed).await
}

/// The models whose predictions a change of entry `id` from `before` to `after` may move.
fn forecasting<R: Record>(id: i32, before: Option<&R>, after: Option<&R>) -> Vec<i32> {
    let mut models: Vec<i32> = [before, after].into_iter().flatten().filter_map(|r| r.forecasts_of(id)).collect();
    models.dedup();
    models
}

fn not_found<R: Record>() -> ServiceError {
    ServiceError::NotFound(R::NOUN.into())
}

/// A constraint the database caught (a concurrent write slipped past validation) said as the
/// client's mistake, not an internal error.
pub(crate) fn constraint(error: DbErr, field: &str) -> ServiceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ServiceError::bad_input(field, "is already taken"),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            ServiceError::bad_input(field, "refers to an entry that does not exist (any more)")
        }
        _ => ServiceError::from(error),
    }
}

async fn conflict<R: Record>(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceError {
    match R::load(db, id).await {
        Ok(Some(current)) => ServiceError::Conflict { what: R::NOUN.into(), expected, current: current.version },
        Ok(None) => not_found::<R>(),
        Err(error) => error,
    }
}

/// Adds an entry; returns its row as written.
pub async fn create<R: Record>(
    db: &DatabaseConnection,
    actor: &Actor,
    record: R,
    summary: Option<&str>,
) -> ServiceResult<R::Row> {
    let tx = begin_write(db).await?;
    let row = create_in(&tx, actor, record, summary).await?;
    tx.commit().await?;
    Ok(row)
}

/// `create` inside the caller's transaction (a bulk import runs each entry in a savepoint of
/// one transaction, so that a dry run can roll everything back).
pub async fn create_in<R: Record>(
    tx: &DatabaseTransaction,
    actor: &Actor,
    record: R,
    summary: Option<&str>,
) -> ServiceResult<R::Row> {
    check_summary(summary)?;
    record.validate(tx, None).await?;
    let id = record.insert(tx, None).await?;
    if let Some(slug) = record.slug() {
        former_slugs::taken(tx, R::TYPE, slug).await?;
    }
    let after = R::load(tx, id).await?.ok_or_else(not_found::<R>)?;
    record_change(tx, actor, summary, id, RevisionAction::Create, None, Some(&after.record)).await?;
    Ok(after.row)
}

/// Applies `change` to the entry at version `expected` and records it as `action`; returns the
/// row as this write left it.
pub async fn update<R: Record>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected: i32,
    action: RevisionAction,
    summary: Option<&str>,
    change: impl FnOnce(&mut R) -> ServiceResult<()> + Send,
) -> ServiceResult<R::Row> {
    let tx = begin_write(db).await?;
    let row = update_in(&tx, actor, id, expected, action, summary, change).await?;
    tx.commit().await?;
    Ok(row)
}

/// `update` inside the caller's transaction.
pub async fn update_in<R: Record>(
    tx: &DatabaseTransaction,
    actor: &Actor,
    id: i32,
    expected: i32,
    action: RevisionAction,
    summary: Option<&str>,
    change: impl FnOnce(&mut R) -> ServiceResult<()> + Send,
) -> ServiceResult<R::Row> {
    check_summary(summary)?;
    let before = R::load(tx, id).await?.ok_or_else(not_found::<R>)?;
    if before.version != expected {
        return Err(ServiceError::Conflict { what: R::NOUN.into(), expected, current: before.version });
    }
    let mut next = before.record.clone();
    change(&mut next)?;
    next.validate(tx, Some(id)).await?;
    if !next.update(tx, id, expected).await? {
        return Err(conflict::<R>(tx, id, expected).await);
    }
    if let (Some(old), Some(new)) = (before.record.slug(), next.slug())
        && old != new
    {
        former_slugs::renamed(tx, R::TYPE, id, old, new).await?;
    }
    let after = R::load(tx, id).await?.ok_or_else(not_found::<R>)?;
    record_change(tx, actor, summary, id, action, Some(&before.record), Some(&after.record)).await?;
    Ok(after.row)
}

pub async fn delete<R: Record>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected: i32,
    summary: Option<&str>,
) -> ServiceResult<()> {
    let tx = begin_write(db).await?;
    delete_in::<R>(&tx, actor, id, expected, summary).await?;
    tx.commit().await?;
    Ok(())
}

/// `delete` inside the caller's transaction.
pub async fn delete_in<R: Record>(
    tx: &DatabaseTransaction,
    actor: &Actor,
    id: i32,
    expected: i32,
    summary: Option<&str>,
) -> ServiceResult<()> {
    check_summary(summary)?;
    let before = R::load(tx, id).await?.ok_or_else(not_found::<R>)?;
    if before.version != expected {
        return Err(ServiceError::Conflict { what: R::NOUN.into(), expected, current: before.version });
    }
    if !R::delete(tx, id, expected).await? {
        return Err(conflict::<R>(tx, id, expected).await);
    }
    record_change(tx, actor, summary, id, RevisionAction::Delete, Some(&before.record), None).await
}

/// Sets an entry back to its state right after revision `revision_id`; a new revision.
pub async fn revert(
    db: &DatabaseConnection,
    actor: &Actor,
    revision_id: i32,
    expected: i32,
    summary: Option<&str>,
) -> ServiceResult<(EntityType, i32)> {
    check_summary(summary)?;
    let revision = revisions::by_id(db, super::Audience::Editor, revision_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("revision".into()))?;
    let kind = revision.entity_type;
    let Some(state) = revision.after else {
        return Err(ServiceError::bad_input("revisionId", "is a deletion: restore the entry instead"));
    };
    let id = revision.entity_id;
    with_record!(kind, |R| {
        update::<R>(db, actor, id, expected, RevisionAction::Revert, summary, |r| {
            *r = over_current::<R>(r, state)?;
            Ok(())
        })
        .await?;
    }, private => return Err(ServiceError::bad_input("revisionId", "is not a revision of the catalog")));
    Ok((kind, id))
}

/// The state a revision recorded, laid over the entry's current state: a field the revision
/// does not name (it was written before the field existed) keeps its current value.
fn over_current<R: Record>(current: &R, state: serde_json::Value) -> ServiceResult<R> {
    let mut merged = to_json(current)?;
    match (&mut merged, state) {
        (serde_json::Value::Object(now), serde_json::Value::Object(then)) => now.extend(then),
        (_, other) => merged = other,
    }
    serde_json::from_value(merged).map_err(ServiceError::internal)
}

/// Brings back the entry that revision `revision_id` deleted, under its old id; a new revision.
pub async fn restore(
    db: &DatabaseConnection,
    actor: &Actor,
    revision_id: i32,
    summary: Option<&str>,
) -> ServiceResult<(EntityType, i32)> {
    check_summary(summary)?;
    let revision = revisions::by_id(db, super::Audience::Editor, revision_id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("revision".into()))?;
    let kind = Some(revision.entity_type).filter(|k| k.is_catalog());
    let (Some(kind), Some(state), None) = (kind, revision.before, revision.after) else {
        return Err(ServiceError::bad_input("revisionId", "is not the deletion of a catalog entry"));
    };
    let latest = revisions::latest(db, kind, revision.entity_id).await?;
    if latest.map(|r| r.id) != Some(revision_id) {
        return Err(ServiceError::bad_input("revisionId", "is not the entry's latest change: it was restored since"));
    }
    with_record!(kind, |R| {
        let record: R = serde_json::from_value(state).map_err(ServiceError::internal)?;
        restore_record(db, actor, revision.entity_id, record, summary).await?
    }, private => return Err(ServiceError::bad_input("revisionId", "is not the deletion of a catalog entry")));
    Ok((kind, revision.entity_id))
}

async fn restore_record<R: Record>(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    record: R,
    summary: Option<&str>,
) -> ServiceResult<()> {
    let tx = begin_write(db).await?;
    if R::load(&tx, id).await?.is_some() {
        return Err(ServiceError::bad_input("revisionId", format!("the {} exists: it was restored already", R::NOUN)));
    }
    record.validate(&tx, None).await?;
    record.insert(&tx, Some(id)).await?;
    if let Some(slug) = record.slug() {
        former_slugs::taken(&tx, R::TYPE, slug).await?;
    }
    let after = R::load(&tx, id).await?.ok_or_else(not_found::<R>)?;
    record_change(&tx, actor, summary, id, RevisionAction::Restore, None, Some(&after.record)).await?;
    tx.commit().await?;
    Ok(())
}
