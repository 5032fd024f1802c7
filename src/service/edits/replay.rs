//! Replaying the revision log: each revision's recorded state written again, without its
//! checks or a new revision, so that a scratch database passes through every state the catalog
//! had (see `history::backfill`). Only the history of that scratch copy is kept.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};

use super::{
    CapabilityRecord, DatasetRecord, ModelRecord, OrganizationRecord, PredictionRecord, Record, RiskAssessmentRecord,
    ThresholdRecord, forecasting, over_current,
};
use crate::domain::EntityType;
use crate::service::revisions::RevisionRow;
use crate::service::{ServiceError, ServiceResult, former_slugs, predictions};

/// Writes the state revision `revision` recorded; returns whether slugs moved.
pub async fn replay(tx: &DatabaseTransaction, revision: &RevisionRow) -> ServiceResult<bool> {
    with_record!(revision.entity_type, |R| {
        let moved = apply::<R>(tx, revision).await?;
        // The predictions follow, as the write path's own `record_change` has them follow.
        let state = |json: &Option<serde_json::Value>| json.clone().and_then(|j| serde_json::from_value::<R>(j).ok());
        let (before, after) = (state(&revision.before), state(&revision.after));
        for model_id in forecasting::<R>(revision.entity_id, before.as_ref(), after.as_ref()) {
            predictions::sync(tx, model_id, revision, predictions::Mode::Replay, "input").await?;
        }
        Ok(moved)
    }, private => Ok(false))
}

async fn apply<R: Record>(tx: &DatabaseTransaction, revision: &RevisionRow) -> ServiceResult<bool> {
    let id = revision.entity_id;
    let current = R::load(tx, id).await?;
    let old_slug = current.as_ref().and_then(|c| c.record.slug().map(str::to_owned));
    let new_slug = match (&revision.after, current) {
        (Some(state), None) => {
            let record: R = serde_json::from_value(state.clone()).map_err(ServiceError::internal)?;
            record.insert(tx, Some(id)).await?;
            stamp(tx, R::TYPE, id, revision.created_at, true).await?;
            if let Some(slug) = record.slug() {
                former_slugs::taken(tx, R::TYPE, slug).await?;
            }
            record.slug().map(str::to_owned)
        }
        (Some(state), Some(current)) => {
            let record = over_current(&current.record, state.clone())?;
            record.update(tx, id, current.version).await?;
            stamp(tx, R::TYPE, id, revision.created_at, false).await?;
            if let (Some(old), Some(new)) = (&old_slug, record.slug())
                && old != new
            {
                former_slugs::renamed(tx, R::TYPE, id, old, new).await?;
            }
            record.slug().map(str::to_owned)
        }
        (None, Some(current)) => {
            R::delete(tx, id, current.version).await?;
            None
        }
        (None, None) => old_slug.clone(),
    };
    Ok(old_slug != new_slug)
}

/// Gives the replayed row the times the revision recorded, not the replay's.
async fn stamp(
    tx: &DatabaseTransaction,
    kind: EntityType,
    id: i32,
    at: DateTime<Utc>,
    created: bool,
) -> ServiceResult<()> {
    let table = match kind {
        EntityType::Model => "model",
        EntityType::Organization => "organization",
        EntityType::Capability => "capability",
        EntityType::Dataset => "dataset",
        EntityType::RiskAssessment => "risk_assessment",
        _ => return Ok(()),
    };
    let set = if created { r#""created_at" = $1, "updated_at" = $1"# } else { r#""updated_at" = $1"# };
    let sql = format!(r#"UPDATE "{table}" SET {set} WHERE "id" = $2"#);
    let backend = tx.get_database_backend();
    tx.execute_raw(Statement::from_sql_and_values(backend, sql, [at.into(), id.into()])).await?;
    Ok(())
}
