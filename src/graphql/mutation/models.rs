//! Creating, changing, publishing and deleting models.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};

use super::{maybe, set};
use crate::domain::{
    Access, CapabilityStatus, Confidence, DatePrecision, EntityType, Modality, RevisionAction, SizeUnit,
};
use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    node::{row_id, row_ids},
    scalars::Date,
    types::Model,
};
use crate::service::{
    ServiceError, ServiceResult,
    edits::{self, CapabilityLink, ModelRecord, SourceRecord},
};

#[derive(InputObject)]
pub struct SourceInput {
    pub url: String,
    pub title: Option<String>,
}

/// A capability the model shows (DEMONSTRATED) or is expected to show at 2-10x scale
/// (EXTRAPOLATED).
#[derive(InputObject)]
pub struct ModelCapabilityInput {
    pub capability_id: ID,
    pub status: CapabilityStatus,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
}

/// A model's fields other than its slug and name. On update, an absent field stays as it is and
/// a null clears it; a list replaces the whole list (an empty list removes every entry).
#[derive(InputObject, Default)]
pub struct ModelFields {
    pub aliases: Option<Vec<String>>,
    /// The developing organizations, lead first.
    pub organization_ids: Option<Vec<ID>>,
    pub announced_on: MaybeUndefined<Date>,
    pub announced_precision: Option<DatePrecision>,
    pub input_modalities: Option<Vec<Modality>>,
    pub output_modalities: Option<Vec<Modality>>,
    /// Greater than 0 and less than 1e16.
    pub parameters: MaybeUndefined<f64>,
    /// The lower bound of a 90% interval around `parameters`: greater than 0, at most
    /// `parametersHigh`, and at most `parameters`, which it needs.
    pub parameters_low: MaybeUndefined<f64>,
    /// The upper bound of a 90% interval around `parameters`: less than 1e16, at least
    /// `parametersLow`, and at least `parameters`, which it needs.
    pub parameters_high: MaybeUndefined<f64>,
    pub parameters_confidence: Option<Confidence>,
    pub parameters_note: MaybeUndefined<String>,
    /// Greater than 0 and less than 1e32.
    pub training_compute_flop: MaybeUndefined<f64>,
    /// The lower bound of a 90% interval around `trainingComputeFlop`: greater than 0, at most
    /// `trainingComputeFlopHigh`, and at most `trainingComputeFlop`, which it needs.
    pub training_compute_flop_low: MaybeUndefined<f64>,
    /// The upper bound of a 90% interval around `trainingComputeFlop`: less than 1e32, at least
    /// `trainingComputeFlopLow`, and at least `trainingComputeFlop`, which it needs.
    pub training_compute_flop_high: MaybeUndefined<f64>,
    /// The compute added by fine-tuning alone (not the base model's), greater than 0 and less
    /// than 1e32. Do not add it to `trainingComputeFlop`, which may already include it.
    pub finetune_compute_flop: MaybeUndefined<f64>,
    /// The compute spent on post-training, greater than 0 and less than 1e32.
    pub post_training_compute_flop: MaybeUndefined<f64>,
    pub training_compute_confidence: Option<Confidence>,
    pub training_compute_note: MaybeUndefined<String>,
    pub training_dataset: MaybeUndefined<String>,
    pub training_dataset_size: MaybeUndefined<f64>,
    pub training_dataset_size_unit: MaybeUndefined<SizeUnit>,
    pub dataset_ids: Option<Vec<ID>>,
    pub hardware: MaybeUndefined<String>,
    pub training_cost_usd: MaybeUndefined<f64>,
    pub training_cost_note: MaybeUndefined<String>,
    pub access: Option<Access>,
    pub license: MaybeUndefined<String>,
    /// The model this one was fine-tuned or derived from; lineage may not loop.
    pub base_model_id: MaybeUndefined<ID>,
    /// Markdown.
    pub description: Option<String>,
    /// Markdown.
    pub industry_context: Option<String>,
    pub capabilities: Option<Vec<ModelCapabilityInput>>,
    pub sources: Option<Vec<SourceInput>>,
}

impl ModelFields {
    fn apply(self, r: &mut ModelRecord) -> ServiceResult<()> {
        set(self.aliases, &mut r.aliases);
        if let Some(ids) = self.organization_ids {
            r.organization_ids = row_ids("input.organizationIds", &ids, EntityType::Organization)?;
        }
        maybe(self.announced_on.map_value(|d| d.0), &mut r.announced_on);
        set(self.announced_precision, &mut r.announced_precision);
        set(self.input_modalities, &mut r.input_modalities);
        set(self.output_modalities, &mut r.output_modalities);
        maybe(self.parameters, &mut r.parameters);
        maybe(self.parameters_low, &mut r.parameters_low);
        maybe(self.parameters_high, &mut r.parameters_high);
        set(self.parameters_confidence, &mut r.parameters_confidence);
        maybe(self.parameters_note, &mut r.parameters_note);
        maybe(self.training_compute_flop, &mut r.training_compute_flop);
        maybe(self.training_compute_flop_low, &mut r.training_compute_flop_low);
        maybe(self.training_compute_flop_high, &mut r.training_compute_flop_high);
        maybe(self.finetune_compute_flop, &mut r.finetune_compute_flop);
        maybe(self.post_training_compute_flop, &mut r.post_training_compute_flop);
        set(self.training_compute_confidence, &mut r.training_compute_confidence);
        maybe(self.training_compute_note, &mut r.training_compute_note);
        maybe(self.training_dataset, &mut r.training_dataset);
        maybe(self.training_dataset_size, &mut r.training_dataset_size);
        maybe(self.training_dataset_size_unit, &mut r.training_dataset_size_unit);
        if let Some(ids) = self.dataset_ids {
            r.dataset_ids = row_ids("input.datasetIds", &ids, EntityType::Dataset)?;
        }
        maybe(self.hardware, &mut r.hardware);
        maybe(self.training_cost_usd, &mut r.training_cost_usd);
        maybe(self.training_cost_note, &mut r.training_cost_note);
        set(self.access, &mut r.access);
        maybe(self.license, &mut r.license);
        match self.base_model_id {
            MaybeUndefined::Undefined => {}
            MaybeUndefined::Null => r.base_model_id = None,
            MaybeUndefined::Value(id) => r.base_model_id = Some(row_id("input.baseModelId", &id, EntityType::Model)?),
        }
        set(self.description, &mut r.description);
        set(self.industry_context, &mut r.industry_context);
        if let Some(links) = self.capabilities {
            r.capabilities = links
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    Ok(CapabilityLink {
                        capability_id: row_id(
                            &format!("input.capabilities[{i}].capabilityId"),
                            &c.capability_id,
                            EntityType::Capability,
                        )?,
                        status: c.status,
                        evidence: c.evidence,
                        source_url: c.source_url,
                    })
                })
                .collect::<ServiceResult<_>>()?;
        }
        if let Some(sources) = self.sources {
            r.sources = sources.into_iter().map(|s| SourceRecord { url: s.url, title: s.title }).collect();
        }
        Ok(())
    }
}

#[derive(InputObject)]
pub struct CreateModelInput {
    pub slug: String,
    pub name: String,
    /// Drafts (the default) are visible to editors only.
    #[graphql(default)]
    pub published: bool,
    #[graphql(flatten)]
    pub fields: ModelFields,
}

#[derive(InputObject)]
pub struct UpdateModelInput {
    /// A new slug; the old one keeps resolving to this model.
    pub slug: Option<String>,
    pub name: Option<String>,
    #[graphql(flatten)]
    pub fields: ModelFields,
}

#[derive(Default)]
pub struct ModelMutation;

#[Object]
impl ModelMutation {
    /// Adds a model (a draft unless `published` is true).
    #[graphql(guard = "Role::Editor")]
    async fn create_model(
        &self,
        ctx: &Context<'_>,
        input: CreateModelInput,
        summary: Option<String>,
    ) -> async_graphql::Result<Model> {
        let actor = actor(ctx)?;
        let mut record = ModelRecord::new(input.slug, input.name);
        record.published = input.published;
        input.fields.apply(&mut record).gql()?;
        Ok(write(ctx, edits::create(db(ctx), &actor, record, summary.as_deref())).await?.into())
    }

    /// Changes a model that is still at `expectedVersion`; CONFLICT (with `currentVersion`)
    /// otherwise.
    #[graphql(guard = "Role::Editor")]
    async fn update_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateModelInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Model> {
        let actor = actor(ctx)?;
        let id = row_id("id", &id, EntityType::Model).gql()?;
        let UpdateModelInput { slug, name, fields } = input;
        let update = edits::update(
            db(ctx),
            &actor,
            id,
            expected_version,
            RevisionAction::Update,
            summary.as_deref(),
            |r: &mut ModelRecord| {
                set(slug, &mut r.slug);
                set(name, &mut r.name);
                fields.apply(r)
            },
        );
        let row = write(ctx, update).await?;
        Ok(row.into())
    }

    /// Makes a draft visible to the public.
    #[graphql(guard = "Role::Editor")]
    async fn publish_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Model> {
        set_published(ctx, id, expected_version, summary, true).await
    }

    /// Takes a model back to draft: the public no longer sees it.
    #[graphql(guard = "Role::Editor")]
    async fn unpublish_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Model> {
        set_published(ctx, id, expected_version, summary, false).await
    }

    /// Deletes a model with no risk assessments and no derived models; returns its ID. Its
    /// deletion revision can restore it.
    #[graphql(guard = "Role::Editor")]
    async fn delete_model(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ID> {
        let actor = actor(ctx)?;
        let row = row_id("id", &id, EntityType::Model).gql()?;
        write(ctx, edits::delete::<ModelRecord>(db(ctx), &actor, row, expected_version, summary.as_deref())).await?;
        Ok(id)
    }
}

async fn set_published(
    ctx: &Context<'_>,
    id: ID,
    expected_version: i32,
    summary: Option<String>,
    published: bool,
) -> async_graphql::Result<Model> {
    let actor = actor(ctx)?;
    let id = row_id("id", &id, EntityType::Model).gql()?;
    let action = if published { RevisionAction::Publish } else { RevisionAction::Unpublish };
    let update =
        edits::update(db(ctx), &actor, id, expected_version, action, summary.as_deref(), |r: &mut ModelRecord| {
            if r.published == published {
                let state = if published { "published" } else { "a draft" };
                return Err(ServiceError::bad_input("id", format!("is {state} already")));
            }
            r.published = published;
            Ok(())
        });
    let row = write(ctx, update).await?;
    Ok(row.into())
}
