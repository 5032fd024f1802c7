use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{Capability, Model, load};
use crate::domain::{
    EntityType, Likelihood, PredictionKind, PredictionOutcome, PredictionStatus, RiskCategory, Severity,
};
use crate::graphql::{
    loaders::{CapabilityById, ModelById, RequestLoader, prefetch},
    node::global_id,
};
use crate::service::{ServiceError, predictions::PredictionRow};

#[derive(Clone)]
pub struct Prediction {
    pub row: Arc<PredictionRow>,
    pub at: super::When,
}

impl From<PredictionRow> for Prediction {
    fn from(row: PredictionRow) -> Self {
        Prediction { row: Arc::new(row), at: None }
    }
}

impl From<Arc<PredictionRow>> for Prediction {
    fn from(row: Arc<PredictionRow>) -> Self {
        Prediction { row, at: None }
    }
}

impl Prediction {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        Prediction { at, ..self }
    }

    /// Where it stands: withdrawn, resolved, or open.
    pub fn status_of(row: &PredictionRow) -> PredictionStatus {
        if row.withdrawn {
            PredictionStatus::Withdrawn
        } else if row.outcome.is_some() {
            PredictionStatus::Resolved
        } else {
            PredictionStatus::Open
        }
    }
}

/// Reads, one batch each, the models (subjects, successors) and the capabilities that the
/// predictions `rows` show, as `wants` says the selection asks (a path under one prediction),
/// before they resolve: the DataLoader then answers each from its cache, so a list's statement
/// count does not depend on how quickly its resolvers happen to run.
pub async fn prefetch_prediction_relations(
    loader: &RequestLoader,
    rows: &[&PredictionRow],
    wants: impl Fn(&[&str]) -> bool,
) -> Result<(), ServiceError> {
    let mut models: Vec<i32> = Vec::new();
    if wants(&["model"]) {
        models.extend(rows.iter().map(|r| r.model_id));
    }
    if wants(&["successor"]) || wants(&["hindsight"]) {
        models.extend(rows.iter().filter_map(|r| r.successor_id));
    }
    models.sort_unstable();
    models.dedup();
    let mut capabilities: Vec<i32> =
        if wants(&["capability"]) { rows.iter().filter_map(|r| r.capability_id).collect() } else { vec![] };
    capabilities.sort_unstable();
    capabilities.dedup();
    futures_util::try_join!(
        prefetch(loader, models.into_iter().map(ModelById).collect()),
        prefetch(loader, capabilities.into_iter().map(CapabilityById).collect()),
    )?;
    Ok(())
}

/// What a prediction said: the capability link's evidence, or the assessment's summary with
/// its category, severity and likelihood.
#[derive(SimpleObject)]
pub struct PredictionClaim {
    pub statement: Option<String>,
    pub category: Option<RiskCategory>,
    pub severity: Option<Severity>,
    pub likelihood: Option<Likelihood>,
}

/// A dated forecast about a model's 2–10× scaled successor: one of its EXTRAPOLATED
/// capabilities or NEAR_TERM risk assessments, recorded when it was first public, and resolved
/// by editors against the successor that shipped.
#[Object]
impl Prediction {
    pub async fn id(&self) -> ID {
        global_id(EntityType::Prediction, self.row.id)
    }

    async fn kind(&self) -> PredictionKind {
        self.row.kind
    }

    /// The model whose successor it is about.
    async fn model(&self, ctx: &Context<'_>) -> async_graphql::Result<Model> {
        let row = load(ctx, self.at, ModelById(self.row.model_id)).await?.flatten();
        let row = row.ok_or_else(|| ServiceError::NotFound("the prediction's model".into()))?;
        Ok(Model::from(row).when(self.at))
    }

    /// A CAPABILITY prediction's capability.
    async fn capability(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Capability>> {
        let Some(id) = self.row.capability_id else { return Ok(None) };
        Ok(load(ctx, self.at, CapabilityById(id)).await?.flatten().map(|r| Capability::from(r).when(self.at)))
    }

    /// What it says now (an editor may reword it while it is unresolved).
    async fn claim(&self) -> PredictionClaim {
        PredictionClaim {
            statement: self.row.statement.clone(),
            category: self.row.category,
            severity: self.row.severity,
            likelihood: self.row.likelihood,
        }
    }

    /// What it said when it was first recorded; null until then (an editor sees drafts').
    async fn as_first_recorded(&self) -> Option<PredictionClaim> {
        self.row.recorded_at.map(|_| PredictionClaim {
            statement: self.row.first_statement.clone(),
            category: self.row.first_category,
            severity: self.row.first_severity,
            likelihood: self.row.first_likelihood,
        })
    }

    /// The commit time of the first revision in which it was public: the revision log's, never
    /// set by a write. Null only for an editor reading a draft's prediction.
    async fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.row.recorded_at
    }

    async fn status(&self) -> PredictionStatus {
        Prediction::status_of(&self.row)
    }

    /// How it came out, once resolved.
    async fn outcome(&self) -> Option<PredictionOutcome> {
        self.row.outcome
    }

    /// The model it was judged on.
    async fn successor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Model>> {
        let Some(id) = self.row.successor_id else { return Ok(None) };
        Ok(load(ctx, self.at, ModelById(id)).await?.flatten().map(|r| Model::from(r).when(self.at)))
    }

    /// What the successor did that decides the outcome.
    async fn evidence(&self) -> Option<&str> {
        self.row.evidence.as_deref()
    }

    async fn source_url(&self) -> Option<&str> {
        self.row.source_url.as_deref()
    }

    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.row.resolved_at
    }

    /// Recorded on or after the start (UTC) of its successor's announced day: written with the
    /// answer known. Shown and counted, never scored.
    async fn hindsight(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let (Some(recorded), Some(successor)) = (self.row.recorded_at, self.row.successor_id) else {
            return Ok(false);
        };
        let successor = load(ctx, self.at, ModelById(successor)).await?.flatten();
        Ok(successor
            .and_then(|m| m.announced_on)
            .is_some_and(|day| recorded >= day.and_time(chrono::NaiveTime::MIN).and_utc()))
    }

    /// The version a resolution or reopening must name.
    async fn version(&self) -> i32 {
        self.row.version
    }
}
