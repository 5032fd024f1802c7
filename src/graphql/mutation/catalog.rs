//! Creating, changing and deleting organizations, capabilities, datasets and risk assessments.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{maybe, set};
use crate::domain::{
    CapabilityCategory, Confidence, EntityType, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming,
    OrganizationKind, RevisionAction, RiskCategory, RiskCause, RiskHorizon, Severity, SizeUnit,
};
use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    node::row_id,
    scalars::Date,
    types::{Capability, Dataset, Organization, RiskAssessment},
};
use crate::service::edits::{self, CapabilityRecord, DatasetRecord, OrganizationRecord, Record, RiskAssessmentRecord};

/// Runs the update pipeline for `R` on the entry with global ID `id`.
async fn update<R: Record>(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    summary: Option<String>,
    change: impl FnOnce(&mut R) -> crate::service::ServiceResult<()> + Send,
) -> async_graphql::Result<R::Row> {
    let actor = actor(ctx)?;
    let row = row_id("id", id, R::TYPE).gql()?;
    write(
        ctx,
        edits::update(db(ctx), &actor, row, expected_version, RevisionAction::Update, summary.as_deref(), change),
    )
    .await
}

async fn delete<R: Record>(
    ctx: &Context<'_>,
    id: ID,
    expected_version: i32,
    summary: Option<String>,
) -> async_graphql::Result<ID> {
    let actor = actor(ctx)?;
    let row = row_id("id", &id, R::TYPE).gql()?;
    write(ctx, edits::delete::<R>(db(ctx), &actor, row, expected_version, summary.as_deref())).await?;
    Ok(id)
}

#[derive(InputObject)]
pub struct CreateOrganizationInput {
    pub slug: String,
    pub name: String,
    /// ISO 3166-1 alpha-2, e.g. US.
    pub country: String,
    pub kind: OrganizationKind,
    pub website: Option<String>,
    pub description: Option<String>,
}

/// Absent fields stay as they are; null clears an optional one.
#[derive(InputObject)]
pub struct UpdateOrganizationInput {
    /// A new slug; the old one keeps resolving to this organization.
    pub slug: Option<String>,
    pub name: Option<String>,
    pub country: Option<String>,
    pub kind: Option<OrganizationKind>,
    pub website: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateCapabilityInput {
    pub slug: String,
    pub name: String,
    pub category: CapabilityCategory,
    pub description: String,
}

#[derive(InputObject)]
pub struct UpdateCapabilityInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub category: Option<CapabilityCategory>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct CreateDatasetInput {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub size: Option<f64>,
    pub size_unit: Option<SizeUnit>,
    pub url: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateDatasetInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
    pub size: MaybeUndefined<f64>,
    pub size_unit: MaybeUndefined<SizeUnit>,
    pub url: MaybeUndefined<String>,
}

#[derive(InputObject)]
pub struct CreateRiskAssessmentInput {
    pub model_id: ID,
    pub horizon: RiskHorizon,
    pub cause: RiskCause,
    pub category: RiskCategory,
    pub severity: Severity,
    pub likelihood: Likelihood,
    /// One or two sentences.
    pub summary: String,
    /// Markdown: the reasoning and the evidence.
    pub rationale: String,
    pub confidence: Confidence,
    pub assessed_on: Date,
    /// Who assessed it, if not the editor.
    pub author: Option<String>,
    /// The subdomain in the MIT AI Risk Repository's Domain Taxonomy.
    pub mit_subdomain: MitSubdomain,
    /// Who or what causes the risk (the MIT Causal Taxonomy).
    pub mit_entity: MitEntity,
    /// Whether the harm is an expected outcome (the MIT Causal Taxonomy).
    pub mit_intent: MitIntent,
    /// Before or after deployment (the MIT Causal Taxonomy).
    pub mit_timing: MitTiming,
    /// The evidence the rationale cites: an http or https URL.
    pub source_url: String,
}

#[derive(InputObject)]
pub struct UpdateRiskAssessmentInput {
    pub model_id: Option<ID>,
    pub horizon: Option<RiskHorizon>,
    pub cause: Option<RiskCause>,
    pub category: Option<RiskCategory>,
    pub severity: Option<Severity>,
    pub likelihood: Option<Likelihood>,
    pub summary: Option<String>,
    pub rationale: Option<String>,
    pub confidence: Option<Confidence>,
    pub assessed_on: Option<Date>,
    pub author: MaybeUndefined<String>,
    pub mit_subdomain: Option<MitSubdomain>,
    pub mit_entity: Option<MitEntity>,
    pub mit_intent: Option<MitIntent>,
    pub mit_timing: Option<MitTiming>,
    /// An http or https URL (it cannot be cleared: every assessment cites its evidence).
    pub source_url: Option<String>,
}

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    #[graphql(guard = "Role::Editor")]
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
        summary: Option<String>,
    ) -> async_graphql::Result<Organization> {
        let actor = actor(ctx)?;
        let record = OrganizationRecord {
            slug: input.slug,
            name: input.name,
            kind: input.kind,
            country: input.country,
            website: input.website,
            description: input.description,
        };
        Ok(write(ctx, edits::create(db(ctx), &actor, record, summary.as_deref())).await?.into())
    }

    #[graphql(guard = "Role::Editor")]
    async fn update_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateOrganizationInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Organization> {
        let row = update(ctx, &id, expected_version, summary, |r: &mut OrganizationRecord| {
            set(input.slug, &mut r.slug);
            set(input.name, &mut r.name);
            set(input.country, &mut r.country);
            set(input.kind, &mut r.kind);
            maybe(input.website, &mut r.website);
            maybe(input.description, &mut r.description);
            Ok(())
        })
        .await?;
        Ok(row.into())
    }

    /// Deletes an organization that no model names; returns its ID.
    #[graphql(guard = "Role::Editor")]
    async fn delete_organization(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        delete::<OrganizationRecord>(ctx, id, expected_version, summary).await
    }

    #[graphql(guard = "Role::Editor")]
    async fn create_capability(
        &self,
        ctx: &Context<'_>,
        input: CreateCapabilityInput,
        summary: Option<String>,
    ) -> async_graphql::Result<Capability> {
        let actor = actor(ctx)?;
        let record = CapabilityRecord {
            slug: input.slug,
            name: input.name,
            category: input.category,
            description: input.description,
        };
        Ok(write(ctx, edits::create(db(ctx), &actor, record, summary.as_deref())).await?.into())
    }

    #[graphql(guard = "Role::Editor")]
    async fn update_capability(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateCapabilityInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Capability> {
        let row = update(ctx, &id, expected_version, summary, |r: &mut CapabilityRecord| {
            set(input.slug, &mut r.slug);
            set(input.name, &mut r.name);
            set(input.category, &mut r.category);
            set(input.description, &mut r.description);
            Ok(())
        })
        .await?;
        Ok(row.into())
    }

    /// Deletes a capability no model is linked to; returns its ID.
    #[graphql(guard = "Role::Editor")]
    async fn delete_capability(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        delete::<CapabilityRecord>(ctx, id, expected_version, summary).await
    }

    #[graphql(guard = "Role::Editor")]
    async fn create_dataset(
        &self,
        ctx: &Context<'_>,
        input: CreateDatasetInput,
        summary: Option<String>,
    ) -> async_graphql::Result<Dataset> {
        let actor = actor(ctx)?;
        let record = DatasetRecord {
            slug: input.slug,
            name: input.name,
            description: input.description,
            size: input.size,
            size_unit: input.size_unit,
            url: input.url,
        };
        Ok(write(ctx, edits::create(db(ctx), &actor, record, summary.as_deref())).await?.into())
    }

    #[graphql(guard = "Role::Editor")]
    async fn update_dataset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateDatasetInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Dataset> {
        let row = update(ctx, &id, expected_version, summary, |r: &mut DatasetRecord| {
            set(input.slug, &mut r.slug);
            set(input.name, &mut r.name);
            maybe(input.description, &mut r.description);
            maybe(input.size, &mut r.size);
            maybe(input.size_unit, &mut r.size_unit);
            maybe(input.url, &mut r.url);
            Ok(())
        })
        .await?;
        Ok(row.into())
    }

    /// Deletes a dataset no model was trained on; returns its ID.
    #[graphql(guard = "Role::Editor")]
    async fn delete_dataset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        delete::<DatasetRecord>(ctx, id, expected_version, summary).await
    }

    #[graphql(guard = "Role::Editor")]
    async fn create_risk_assessment(
        &self,
        ctx: &Context<'_>,
        input: CreateRiskAssessmentInput,
        summary: Option<String>,
    ) -> async_graphql::Result<RiskAssessment> {
        let actor = actor(ctx)?;
        let record = RiskAssessmentRecord {
            model_id: row_id("input.modelId", &input.model_id, EntityType::Model).gql()?,
            horizon: input.horizon,
            cause: input.cause,
            category: input.category,
            severity: input.severity,
            likelihood: input.likelihood,
            summary: input.summary,
            rationale: input.rationale,
            confidence: input.confidence,
            assessed_on: input.assessed_on.0,
            author: input.author,
            mit_subdomain: Some(input.mit_subdomain),
            mit_entity: Some(input.mit_entity),
            mit_intent: Some(input.mit_intent),
            mit_timing: Some(input.mit_timing),
            source_url: Some(input.source_url),
        };
        Ok(write(ctx, edits::create(db(ctx), &actor, record, summary.as_deref())).await?.into())
    }

    #[graphql(guard = "Role::Editor")]
    async fn update_risk_assessment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateRiskAssessmentInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<RiskAssessment> {
        let row = update(ctx, &id, expected_version, summary, |r: &mut RiskAssessmentRecord| {
            if let Some(model) = input.model_id {
                r.model_id = row_id("input.modelId", &model, EntityType::Model)?;
            }
            set(input.horizon, &mut r.horizon);
            set(input.cause, &mut r.cause);
            set(input.category, &mut r.category);
            set(input.severity, &mut r.severity);
            set(input.likelihood, &mut r.likelihood);
            set(input.summary, &mut r.summary);
            set(input.rationale, &mut r.rationale);
            set(input.confidence, &mut r.confidence);
            set(input.assessed_on.map(|d| d.0), &mut r.assessed_on);
            maybe(input.author, &mut r.author);
            if let Some(value) = input.mit_subdomain {
                r.mit_subdomain = Some(value);
            }
            if let Some(value) = input.mit_entity {
                r.mit_entity = Some(value);
            }
            if let Some(value) = input.mit_intent {
                r.mit_intent = Some(value);
            }
            if let Some(value) = input.mit_timing {
                r.mit_timing = Some(value);
            }
            if let Some(value) = input.source_url {
                r.source_url = Some(value);
            }
            Ok(())
        })
        .await?;
        Ok(row.into())
    }

    /// Deletes a risk assessment; returns its ID.
    #[graphql(guard = "Role::Editor")]
    async fn delete_risk_assessment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        delete::<RiskAssessmentRecord>(ctx, id, expected_version, summary).await
    }
}
