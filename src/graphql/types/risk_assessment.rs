use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::{Model, load};
use crate::domain::{
    Confidence, EntityType, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming, RiskCategory, RiskCause,
    RiskHorizon, Severity,
};
use crate::graphql::{
    error::OrGraphqlError,
    loaders::{ModelById, RationaleOf, prefetch},
    node::global_id,
    scalars::Date,
};
use crate::service::{ServiceError, risk_assessments::RiskAssessmentRow};

#[derive(Clone)]
pub struct RiskAssessment {
    pub row: Arc<RiskAssessmentRow>,
    pub at: super::When,
}

impl From<RiskAssessmentRow> for RiskAssessment {
    fn from(row: RiskAssessmentRow) -> Self {
        RiskAssessment { row: Arc::new(row), at: None }
    }
}

/// A row just written (a mutation's answer).
impl From<crate::entity::risk_assessment::Model> for RiskAssessment {
    fn from(row: crate::entity::risk_assessment::Model) -> Self {
        RiskAssessment::from(RiskAssessmentRow::from(row))
    }
}

impl From<Arc<RiskAssessmentRow>> for RiskAssessment {
    fn from(row: Arc<RiskAssessmentRow>) -> Self {
        RiskAssessment { row, at: None }
    }
}

impl RiskAssessment {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        RiskAssessment { at, ..self }
    }
}

/// An assessment of one public-safety risk a model poses: now (IMMEDIATE) or from a 2-10x
/// scaled successor (NEAR_TERM).
#[Object]
impl RiskAssessment {
    pub async fn id(&self) -> ID {
        global_id(EntityType::RiskAssessment, self.row.id)
    }

    /// This entry's history, newest first (the public sees it once the entry is published).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &async_graphql::Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::CatalogConnection<super::Revision>> {
        let args = crate::service::PageArgs { first, after, last, before };
        super::history(ctx, self.at, Some((crate::domain::EntityType::RiskAssessment, self.row.id)), args).await
    }

    /// The fields of this entry whose public record differs between `since` and `until` (now
    /// when absent), each with its value at both instants. An entry created after `since` lists
    /// every field, with `before` null. A `since` after `until`, or either in the future, is
    /// BAD_USER_INPUT naming the argument.
    #[graphql(complexity = "super::changes_cost(child_complexity)")]
    async fn changes(
        &self,
        ctx: &async_graphql::Context<'_>,
        since: chrono::DateTime<chrono::Utc>,
        until: Option<chrono::DateTime<chrono::Utc>>,
    ) -> async_graphql::Result<Vec<super::FieldChange>> {
        super::changes(ctx, crate::domain::EntityType::RiskAssessment, self.row.id, since, until).await
    }

    /// The assessed model (null only if it has been unpublished since).
    async fn model(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Model>> {
        Ok(load(ctx, self.at, ModelById(self.row.model_id)).await?.flatten().map(|r| Model::from(r).when(self.at)))
    }

    async fn horizon(&self) -> RiskHorizon {
        self.row.horizon
    }

    async fn cause(&self) -> RiskCause {
        self.row.cause
    }

    async fn category(&self) -> RiskCategory {
        self.row.category
    }

    async fn severity(&self) -> Severity {
        self.row.severity
    }

    async fn likelihood(&self) -> Likelihood {
        self.row.likelihood
    }

    /// One sentence.
    async fn summary(&self) -> &str {
        &self.row.summary
    }

    /// Markdown: why, with the evidence.
    // Read only when asked for: the assessment's row leaves it out (see `RiskAssessmentRow`).
    async fn rationale(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let rationale = load(ctx, self.at, RationaleOf(self.row.id))
            .await?
            .flatten()
            .ok_or_else(|| ServiceError::NotFound(format!("risk assessment {}", self.row.id)))
            .gql()?;
        crate::graphql::budget::charge_text(ctx, &rationale)?;
        Ok(rationale)
    }

    async fn confidence(&self) -> Confidence {
        self.row.confidence
    }

    async fn assessed_on(&self) -> Date {
        Date(self.row.assessed_on)
    }

    async fn author(&self) -> Option<&str> {
        self.row.author.as_deref()
    }

    async fn version(&self) -> i32 {
        self.row.version
    }

    /// The subdomain of the MIT AI Risk Repository's Domain Taxonomy; null on an assessment
    /// written before the classification existed that no rule could classify.
    async fn mit_subdomain(&self) -> Option<MitSubdomain> {
        self.row.mit_subdomain
    }

    /// Who or what causes the risk, in the MIT Causal Taxonomy; null where not yet classified.
    async fn mit_entity(&self) -> Option<MitEntity> {
        self.row.mit_entity
    }

    /// Whether the harm is an expected outcome, in the MIT Causal Taxonomy; null where not yet
    /// classified.
    async fn mit_intent(&self) -> Option<MitIntent> {
        self.row.mit_intent
    }

    /// Before or after deployment, in the MIT Causal Taxonomy; null where not yet classified.
    async fn mit_timing(&self) -> Option<MitTiming> {
        self.row.mit_timing
    }

    /// The evidence the rationale cites (an http or https URL); null on assessments written
    /// before assessments had one.
    async fn source_url(&self) -> Option<&str> {
        self.row.source_url.as_deref()
    }
}

/// For a page of assessments: reads their rationales at once when the selection shows them.
pub async fn prefetch_list_rationales<'a>(
    ctx: &Context<'_>,
    at: super::When,
    rows: impl Iterator<Item = &'a RiskAssessmentRow>,
) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    if look.field("nodes").field("rationale").exists() || look.field("edges").field("node").field("rationale").exists()
    {
        let loader = super::loader(ctx, at)?;
        prefetch(&loader, rows.map(|r| RationaleOf(r.id)).collect()).await.gql()?;
    }
    Ok(())
}
