use sea_orm::entity::prelude::*;

use crate::domain::{Likelihood, PredictionKind, PredictionOutcome, RiskCategory, Severity};

/// A dated forecast about a model's 2–10× scaled successor (see `service::predictions`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "prediction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The model whose successor it is about.
    pub model_id: i32,
    pub kind: PredictionKind,
    /// A capability prediction's capability.
    pub capability_id: Option<i32>,
    /// A risk prediction's assessment.
    pub risk_assessment_id: Option<i32>,
    /// What it says now: the capability link's evidence, or the assessment's summary.
    pub statement: Option<String>,
    pub category: Option<RiskCategory>,
    pub severity: Option<Severity>,
    pub likelihood: Option<Likelihood>,
    /// The time of the first revision in which it was public; set once, by the write path.
    pub recorded_at: Option<DateTimeUtc>,
    pub recorded_revision_id: Option<i32>,
    /// What it said then.
    pub first_statement: Option<String>,
    pub first_category: Option<RiskCategory>,
    pub first_severity: Option<Severity>,
    pub first_likelihood: Option<Likelihood>,
    pub withdrawn: bool,
    pub outcome: Option<PredictionOutcome>,
    pub successor_id: Option<i32>,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
