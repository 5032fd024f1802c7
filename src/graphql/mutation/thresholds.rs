//! Compute thresholds are policy lines the catalog measures models against; admins set them.

use async_graphql::{Context, ID, InputObject, Object};

use super::{maybe, set};
use crate::domain::{EntityType, RevisionAction};
use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    node::row_id,
    types::ComputeThreshold,
};
use crate::service::edits::{self, ThresholdRecord};

#[derive(InputObject)]
pub struct CreateComputeThresholdInput {
    pub slug: String,
    pub name: String,
    /// Training compute in FLOP: greater than 0 and less than 1e40.
    pub flop: f64,
    #[graphql(default)]
    pub description: String,
    pub source_url: Option<String>,
    /// Whether fine-tuning compute counts towards the threshold; set it only from the legal or
    /// official text that `sourceUrl` cites.
    #[graphql(default)]
    pub counts_finetune_compute: bool,
    /// Whether post-training compute counts towards the threshold; as `countsFinetuneCompute`.
    #[graphql(default)]
    pub counts_post_training_compute: bool,
}

#[derive(InputObject)]
pub struct UpdateComputeThresholdInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub flop: Option<f64>,
    pub description: Option<String>,
    pub source_url: async_graphql::MaybeUndefined<String>,
    pub counts_finetune_compute: Option<bool>,
    pub counts_post_training_compute: Option<bool>,
}

#[derive(Default)]
pub struct ThresholdMutation;

#[Object]
impl ThresholdMutation {
    /// Admins only.
    #[graphql(guard = "Role::Admin")]
    async fn create_compute_threshold(
        &self,
        ctx: &Context<'_>,
        input: CreateComputeThresholdInput,
        summary: Option<String>,
    ) -> async_graphql::Result<ComputeThreshold> {
        let record = ThresholdRecord {
            slug: input.slug,
            name: input.name,
            flop: input.flop,
            description: input.description,
            source_url: input.source_url,
            counts_finetune: input.counts_finetune_compute,
            counts_post_training: input.counts_post_training_compute,
        };
        Ok(write(ctx, edits::create(db(ctx), &actor(ctx)?, record, summary.as_deref())).await?.into())
    }

    /// Admins only.
    #[graphql(guard = "Role::Admin")]
    async fn update_compute_threshold(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateComputeThresholdInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ComputeThreshold> {
        let id = row_id("id", &id, EntityType::ComputeThreshold).gql()?;
        let change = |r: &mut ThresholdRecord| {
            set(input.slug, &mut r.slug);
            set(input.name, &mut r.name);
            set(input.flop, &mut r.flop);
            set(input.description, &mut r.description);
            maybe(input.source_url, &mut r.source_url);
            set(input.counts_finetune_compute, &mut r.counts_finetune);
            set(input.counts_post_training_compute, &mut r.counts_post_training);
            Ok(())
        };
        let actor = actor(ctx)?;
        let update =
            edits::update(db(ctx), &actor, id, expected_version, RevisionAction::Update, summary.as_deref(), change);
        Ok(write(ctx, update).await?.into())
    }

    /// Admins only; returns the deleted threshold's ID.
    #[graphql(guard = "Role::Admin")]
    async fn delete_compute_threshold(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        let row = row_id("id", &id, EntityType::ComputeThreshold).gql()?;
        let actor = actor(ctx)?;
        write(ctx, edits::delete::<ThresholdRecord>(db(ctx), &actor, row, expected_version, summary.as_deref()))
            .await?;
        Ok(id)
    }
}
