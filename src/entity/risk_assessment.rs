use sea_orm::entity::prelude::*;

use crate::domain::{
    Confidence, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming, RiskCategory, RiskCause, RiskHorizon,
    Severity,
};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_assessment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub model_id: i32,
    pub horizon: RiskHorizon,
    pub cause: RiskCause,
    pub category: RiskCategory,
    pub severity: Severity,
    pub likelihood: Likelihood,
    pub summary: String,
    pub rationale: String,
    pub confidence: Confidence,
    pub assessed_on: Date,
    pub author: Option<String>,
    pub mit_subdomain: Option<MitSubdomain>,
    pub mit_entity: Option<MitEntity>,
    pub mit_intent: Option<MitIntent>,
    pub mit_timing: Option<MitTiming>,
    pub source_url: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
