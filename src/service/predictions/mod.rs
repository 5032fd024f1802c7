//! Predictions on the record (issue 17): every extrapolated capability and every near-term risk
//! assessment is a forecast about a 2–10× scaled successor, dated by the revision log, resolved
//! by editors against the successors that ship, and counted.
//!
//! The write path keeps them (`sync`, called by `edits::record_change`); an editor's resolution
//! is an ordinary revision of a `PredictionRecord` (`edits::prediction`).

mod read;
mod record;
mod sync;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Statement,
};

pub use read::{PredictionRow, by_id, of_models, visible};
pub use record::{ForecastCounts, ForecastGroup, ForecastRecord, check_groupings, count, page, record};
pub use sync::{Mode, sync};

use super::edits::{self, PredictionRecord};
use super::{Actor, ServiceError, ServiceResult, begin_write, history};
use crate::domain::{PredictionKind, PredictionOutcome, RevisionAction};
use crate::entity::prediction;

/// What an editor says when resolving a prediction.
pub struct Resolution {
    pub outcome: PredictionOutcome,
    pub successor_id: Option<i32>,
    pub evidence: String,
    pub source_url: String,
}

/// Resolves prediction `id` (at version `expected`); a revision like any other.
pub async fn resolve(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected: i32,
    resolution: Resolution,
    summary: Option<&str>,
) -> ServiceResult<prediction::Model> {
    let tx = begin_write(db).await?;
    let row = resolve_in(&tx, actor, id, expected, resolution, summary).await?;
    tx.commit().await?;
    Ok(row)
}

/// `resolve` inside the caller's transaction (the starter catalog resolves its predictions in
/// the transaction that writes it).
pub async fn resolve_in(
    tx: &DatabaseTransaction,
    actor: &Actor,
    id: i32,
    expected: i32,
    resolution: Resolution,
    summary: Option<&str>,
) -> ServiceResult<prediction::Model> {
    edits::update_in(tx, actor, id, expected, RevisionAction::Update, summary, resolved_as(Some(resolution))).await
}

/// Takes back prediction `id`'s resolution, so that its claim can be edited or it can be
/// resolved again; a revision like any other.
pub async fn reopen(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected: i32,
    summary: Option<&str>,
) -> ServiceResult<prediction::Model> {
    edits::update(db, actor, id, expected, RevisionAction::Update, summary, resolved_as(None)).await
}

/// The change to a prediction's record that resolves it (`Some`) or reopens it (`None`);
/// refused when it is resolved already, or not resolved, respectively.
fn resolved_as(resolution: Option<Resolution>) -> impl FnOnce(&mut PredictionRecord) -> ServiceResult<()> + Send {
    move |record| {
        match (&resolution, record.outcome) {
            (Some(_), Some(_)) => {
                return Err(ServiceError::bad_input("id", "is resolved already: reopen it to change its outcome"));
            }
            (None, None) => return Err(ServiceError::bad_input("id", "is not resolved")),
            _ => {}
        }
        record.outcome = resolution.as_ref().map(|r| r.outcome);
        record.successor_id = resolution.as_ref().and_then(|r| r.successor_id);
        record.evidence = resolution.as_ref().map(|r| r.evidence.trim().to_owned());
        record.source_url = resolution.as_ref().map(|r| r.source_url.trim().to_owned());
        Ok(())
    }
}

/// The prediction that model `model_id` makes about capability `capability_id`, or that
/// assessment `risk_assessment_id` makes.
pub async fn find(
    db: &impl ConnectionTrait,
    model_id: i32,
    capability_id: Option<i32>,
    risk_assessment_id: Option<i32>,
) -> ServiceResult<Option<prediction::Model>> {
    let mut select = prediction::Entity::find();
    select = match (capability_id, risk_assessment_id) {
        (Some(capability), _) => select
            .filter(prediction::Column::ModelId.eq(model_id))
            .filter(prediction::Column::Kind.eq(PredictionKind::Capability))
            .filter(prediction::Column::CapabilityId.eq(capability)),
        (None, Some(assessment)) => select.filter(prediction::Column::RiskAssessmentId.eq(assessment)),
        (None, None) => return Ok(None),
    };
    Ok(select.one(db).await?)
}

/// On the first start after the predictions migration, makes the predictions of the catalog
/// the database holds (and their history) by replaying its revision log, so that each
/// `recorded_at` is the time of the first public revision that held it.
pub async fn backfill_if_pending(db: &DatabaseConnection) -> ServiceResult<bool> {
    let pending = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            r#"SELECT 1 AS "found" FROM "pending_backfill" WHERE "name" = 'predictions'"#,
        ))
        .await?
        .is_some();
    if !pending {
        return Ok(false);
    }
    history::rebuild(db).await?;
    db.execute_unprepared(r#"DELETE FROM "pending_backfill" WHERE "name" = 'predictions'"#).await?;
    Ok(true)
}
