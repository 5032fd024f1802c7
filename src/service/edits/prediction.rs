use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    DatabaseTransaction, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::{EntityType, PredictionOutcome};
use crate::entity::{model, prediction};
use crate::service::{ServiceError, ServiceResult, validate};

/// What an editor sets on a prediction: its resolution. What it predicts follows its model's
/// extrapolated capabilities and near-term assessments (`service::predictions`), and when it
/// was recorded is the log's to say, so neither is part of the record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PredictionRecord {
    pub model_id: i32,
    pub outcome: Option<PredictionOutcome>,
    pub successor_id: Option<i32>,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
}

impl PredictionRecord {
    fn active_model(&self) -> prediction::ActiveModel {
        prediction::ActiveModel {
            outcome: Set(self.outcome),
            successor_id: Set(self.successor_id),
            evidence: Set(self.evidence.clone()),
            source_url: Set(self.source_url.clone()),
            resolved_at: Set(self.outcome.map(|_| Utc::now())),
            version: NotSet,
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
    }

    /// The checks of a resolution: what it needs, and a successor that can be one.
    async fn check_resolution(&self, db: &DatabaseTransaction, row: &prediction::Model) -> ServiceResult<()> {
        let Some(outcome) = self.outcome else {
            return Ok(());
        };
        if row.withdrawn {
            return Err(ServiceError::bad_input("id", "is withdrawn: a withdrawn prediction is not resolved"));
        }
        if row.recorded_at.is_none() {
            return Err(ServiceError::bad_input("id", "is not recorded yet: its model is a draft"));
        }
        validate::text("evidence", self.evidence.as_deref().unwrap_or_default(), 20, 2_000)?;
        validate::url("sourceUrl", self.source_url.as_deref().unwrap_or_default())?;
        let Some(successor_id) = self.successor_id else {
            if outcome == PredictionOutcome::Unresolvable {
                return Ok(());
            }
            return Err(ServiceError::bad_input(
                "successorId",
                format!("is needed for the outcome {}: name the successor it was judged on", outcome.as_str()),
            ));
        };
        if successor_id == row.model_id {
            return Err(ServiceError::bad_input("successorId", "is the prediction's own model"));
        }
        let successor = model::Entity::find_by_id(successor_id).one(db).await?;
        let Some(successor) = successor.filter(|m| m.published) else {
            return Err(ServiceError::bad_input("successorId", "names no published model"));
        };
        let subject = model::Entity::find_by_id(row.model_id).one(db).await?;
        let (Some(then), Some(later)) = (subject.and_then(|m| m.announced_on), successor.announced_on) else {
            return Err(ServiceError::bad_input(
                "successorId",
                "has no announcement date, or the prediction's model has none: a successor must be announced after it",
            ));
        };
        if later <= then {
            return Err(ServiceError::bad_input(
                "successorId",
                format!("was announced on {later}, not after the prediction's model ({then})"),
            ));
        }
        Ok(())
    }
}

impl Record for PredictionRecord {
    const TYPE: EntityType = EntityType::Prediction;
    type Row = prediction::Model;
    const NOUN: &'static str = "prediction";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(row) = prediction::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let record = PredictionRecord {
            model_id: row.model_id,
            outcome: row.outcome,
            successor_id: row.successor_id,
            evidence: row.evidence.clone(),
            source_url: row.source_url.clone(),
        };
        Ok(Some(Versioned { record, version: row.version, row }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        let row = match id {
            Some(id) => prediction::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        let Some(row) = row else {
            return Err(ServiceError::NotFound("prediction".into()));
        };
        if self.outcome.is_none()
            && (self.successor_id.is_some() || self.evidence.is_some() || self.source_url.is_some())
        {
            return Err(ServiceError::bad_input("outcome", "is needed with a successor, evidence or source"));
        }
        validate::optional_url("sourceUrl", self.source_url.as_deref())?;
        self.check_resolution(db, &row).await
    }

    async fn insert(&self, _db: &DatabaseTransaction, _id: Option<i32>) -> ServiceResult<i32> {
        Err(never_by_hand())
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<prediction::Entity>(db, self.active_model(), id, expected, "successorId").await
    }

    async fn delete(_db: &DatabaseTransaction, _id: i32, _expected: i32) -> ServiceResult<bool> {
        Err(never_by_hand())
    }

    /// As public as the model it is about.
    async fn published(&self, db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(model::Entity::find_by_id(self.model_id).one(db).await?.is_some_and(|m| m.published))
    }
}

fn never_by_hand() -> ServiceError {
    ServiceError::bad_input(
        "id",
        "predictions come from models' extrapolated capabilities and near-term assessments, and are never deleted",
    )
}
