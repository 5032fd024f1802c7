use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::{
    Confidence, EntityType, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming, RiskCategory, RiskCause,
    RiskHorizon, Severity,
};
use crate::entity::{model, risk_assessment};
use crate::service::{ServiceError, ServiceResult, relations::MAX_MODEL_LIST, validate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RiskAssessmentRecord {
    pub model_id: i32,
    pub horizon: RiskHorizon,
    pub cause: RiskCause,
    pub category: RiskCategory,
    pub severity: Severity,
    pub likelihood: Likelihood,
    pub summary: String,
    pub rationale: String,
    pub confidence: Confidence,
    pub assessed_on: NaiveDate,
    pub author: Option<String>,
    /// The MIT AI Risk Repository's classification (issue 19). Revisions written before these
    /// fields existed lack them: they read as null, and a revert to one keeps the current
    /// values (see `edits::revert`).
    #[serde(default)]
    pub mit_subdomain: Option<MitSubdomain>,
    #[serde(default)]
    pub mit_entity: Option<MitEntity>,
    #[serde(default)]
    pub mit_intent: Option<MitIntent>,
    #[serde(default)]
    pub mit_timing: Option<MitTiming>,
    /// The evidence the rationale cites.
    #[serde(default)]
    pub source_url: Option<String>,
}

impl RiskAssessmentRecord {
    fn active_model(&self) -> risk_assessment::ActiveModel {
        risk_assessment::ActiveModel {
            id: NotSet,
            model_id: Set(self.model_id),
            horizon: Set(self.horizon),
            cause: Set(self.cause),
            category: Set(self.category),
            severity: Set(self.severity),
            likelihood: Set(self.likelihood),
            summary: Set(self.summary.clone()),
            rationale: Set(self.rationale.clone()),
            confidence: Set(self.confidence),
            assessed_on: Set(self.assessed_on),
            author: Set(self.author.clone()),
            mit_subdomain: Set(self.mit_subdomain),
            mit_entity: Set(self.mit_entity),
            mit_intent: Set(self.mit_intent),
            mit_timing: Set(self.mit_timing),
            source_url: Set(self.source_url.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for RiskAssessmentRecord {
    const TYPE: EntityType = EntityType::RiskAssessment;
    type Row = risk_assessment::Model;
    const NOUN: &'static str = "risk assessment";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = risk_assessment::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let row = found.clone();
        let record = RiskAssessmentRecord {
            model_id: row.model_id,
            horizon: row.horizon,
            cause: row.cause,
            category: row.category,
            severity: row.severity,
            likelihood: row.likelihood,
            confidence: row.confidence,
            summary: row.summary,
            rationale: row.rationale,
            assessed_on: row.assessed_on,
            author: row.author,
            mit_subdomain: row.mit_subdomain,
            mit_entity: row.mit_entity,
            mit_intent: row.mit_intent,
            mit_timing: row.mit_timing,
            source_url: row.source_url,
        };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::text("input.summary", &self.summary, 10, 2_000)?;
        validate::text("input.rationale", &self.rationale, 10, 50_000)?;
        validate::date("input.assessedOn", self.assessed_on)?;
        validate::optional_text("input.author", self.author.as_deref(), 200)?;
        validate::optional_url("input.sourceUrl", self.source_url.as_deref())?;
        if model::Entity::find_by_id(self.model_id).one(db).await?.is_none() {
            return Err(ServiceError::bad_input("input.modelId", "names no model"));
        }
        // A model's assessments are one of its lists, which the API's cost estimate charges
        // at their maximum.
        let mut others = risk_assessment::Entity::find().filter(risk_assessment::Column::ModelId.eq(self.model_id));
        if let Some(id) = id {
            others = others.filter(risk_assessment::Column::Id.ne(id));
        }
        if others.count(db).await? >= MAX_MODEL_LIST as u64 {
            return Err(ServiceError::bad_input(
                "input.modelId",
                format!("the model already has {MAX_MODEL_LIST} risk assessments, the most it may have"),
            ));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        rows::insert::<risk_assessment::Entity>(db, self.active_model(), id, "input.modelId").await
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<risk_assessment::Entity>(db, self.active_model(), id, expected, "input.modelId").await
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::delete::<risk_assessment::Entity>(db, id, expected).await
    }

    fn forecasts_of(&self, _id: i32) -> Option<i32> {
        Some(self.model_id)
    }

    /// As public as the model it assesses.
    async fn published(&self, db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(model::Entity::find_by_id(self.model_id).one(db).await?.is_some_and(|m| m.published))
    }
}
