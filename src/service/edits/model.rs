use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, constraint, rows};
use crate::domain::{
    Access, CapabilityStatus, Confidence, DatePrecision, EntityType, Modality, ModalityDirection, SizeUnit, name_key,
};
use crate::entity::{
    capability, dataset, model, model_alias, model_capability, model_dataset, model_modality, model_organization,
    model_source, organization, risk_assessment,
};
use crate::service::{ServiceError, ServiceResult, validate};

/// The most entries a model's lists may hold (the API's cost estimate relies on it).
const MAX_LINKS: usize = crate::service::relations::MAX_MODEL_LIST;
/// The longest base-model chain followed when checking for a cycle.
const MAX_LINEAGE: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRecord {
    pub url: String,
    pub title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityLink {
    pub capability_id: i32,
    pub status: CapabilityStatus,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
}

/// A model with everything an editor can set on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelRecord {
    pub slug: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub organization_ids: Vec<i32>,
    pub announced_on: Option<NaiveDate>,
    pub announced_precision: DatePrecision,
    pub input_modalities: Vec<Modality>,
    pub output_modalities: Vec<Modality>,
    pub parameters: Option<f64>,
    /// The bounds of a 90% interval around `parameters`. Revisions written before the interval
    /// fields existed lack these keys: they load as None (`serde(default)`), and a revert lays the
    /// revision over the current record, so a key the revision lacks keeps its current value.
    #[serde(default)]
    pub parameters_low: Option<f64>,
    #[serde(default)]
    pub parameters_high: Option<f64>,
    pub parameters_confidence: Confidence,
    pub parameters_note: Option<String>,
    pub training_compute_flop: Option<f64>,
    #[serde(default)]
    pub training_compute_flop_low: Option<f64>,
    #[serde(default)]
    pub training_compute_flop_high: Option<f64>,
    #[serde(default)]
    pub finetune_compute_flop: Option<f64>,
    #[serde(default)]
    pub post_training_compute_flop: Option<f64>,
    pub training_compute_confidence: Confidence,
    pub training_compute_note: Option<String>,
    pub training_dataset: Option<String>,
    pub training_dataset_size: Option<f64>,
    pub training_dataset_size_unit: Option<SizeUnit>,
    pub dataset_ids: Vec<i32>,
    pub hardware: Option<String>,
    pub training_cost_usd: Option<f64>,
    pub training_cost_note: Option<String>,
    pub access: Access,
    pub license: Option<String>,
    pub base_model_id: Option<i32>,
    pub description: String,
    pub industry_context: String,
    pub capabilities: Vec<CapabilityLink>,
    pub sources: Vec<SourceRecord>,
    pub published: bool,
}

impl ModelRecord {
    /// A draft with a slug and a name and nothing else known.
    pub fn new(slug: String, name: String) -> Self {
        ModelRecord {
            slug,
            name,
            aliases: vec![],
            organization_ids: vec![],
            announced_on: None,
            announced_precision: DatePrecision::Day,
            input_modalities: vec![],
            output_modalities: vec![],
            parameters: None,
            parameters_low: None,
            parameters_high: None,
            parameters_confidence: Confidence::Unknown,
            parameters_note: None,
            training_compute_flop: None,
            training_compute_flop_low: None,
            training_compute_flop_high: None,
            finetune_compute_flop: None,
            post_training_compute_flop: None,
            training_compute_confidence: Confidence::Unknown,
            training_compute_note: None,
            training_dataset: None,
            training_dataset_size: None,
            training_dataset_size_unit: None,
            dataset_ids: vec![],
            hardware: None,
            training_cost_usd: None,
            training_cost_note: None,
            access: Access::Unreleased,
            license: None,
            base_model_id: None,
            description: String::new(),
            industry_context: String::new(),
            capabilities: vec![],
            sources: vec![],
            published: false,
        }
    }

    fn active_model(&self) -> model::ActiveModel {
        model::ActiveModel {
            id: NotSet,
            slug: Set(self.slug.clone()),
            name: Set(self.name.trim().to_owned()),
            name_key: Set(name_key(&self.name)),
            announced_on: Set(self.announced_on),
            announced_precision: Set(self.announced_precision),
            parameters: Set(self.parameters),
            parameters_low: Set(self.parameters_low),
            parameters_high: Set(self.parameters_high),
            parameters_confidence: Set(self.parameters_confidence),
            parameters_note: Set(self.parameters_note.clone()),
            training_compute_flop: Set(self.training_compute_flop),
            training_compute_flop_low: Set(self.training_compute_flop_low),
            training_compute_flop_high: Set(self.training_compute_flop_high),
            finetune_compute_flop: Set(self.finetune_compute_flop),
            post_training_compute_flop: Set(self.post_training_compute_flop),
            training_compute_confidence: Set(self.training_compute_confidence),
            training_compute_note: Set(self.training_compute_note.clone()),
            training_dataset: Set(self.training_dataset.clone()),
            training_dataset_size: Set(self.training_dataset_size),
            training_dataset_size_unit: Set(self.training_dataset_size_unit),
            hardware: Set(self.hardware.clone()),
            training_cost_usd: Set(self.training_cost_usd),
            training_cost_note: Set(self.training_cost_note.clone()),
            access: Set(self.access),
            license: Set(self.license.clone()),
            base_model_id: Set(self.base_model_id),
            description: Set(self.description.clone()),
            industry_context: Set(self.industry_context.clone()),
            published: Set(self.published),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }

    /// The checks that need no database.
    fn check_fields(&self) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::distinct("input.aliases", &self.aliases, MAX_LINKS)?;
        for (i, alias) in self.aliases.iter().enumerate() {
            validate::text(&format!("input.aliases[{i}]"), alias, 1, 200)?;
        }
        validate::distinct("input.organizationIds", &self.organization_ids, MAX_LINKS)?;
        if let Some(date) = self.announced_on {
            validate::date("input.announcedOn", date)?;
        }
        validate::distinct("input.inputModalities", &self.input_modalities, MAX_LINKS)?;
        validate::distinct("input.outputModalities", &self.output_modalities, MAX_LINKS)?;
        validate::parameters("input.parameters", self.parameters)?;
        validate::interval(
            "input.parameters",
            self.parameters,
            self.parameters_low,
            self.parameters_high,
            validate::parameters,
        )?;
        validate::optional_text("input.parametersNote", self.parameters_note.as_deref(), 2_000)?;
        validate::flop("input.trainingComputeFlop", self.training_compute_flop)?;
        validate::interval(
            "input.trainingComputeFlop",
            self.training_compute_flop,
            self.training_compute_flop_low,
            self.training_compute_flop_high,
            validate::flop,
        )?;
        validate::flop("input.finetuneComputeFlop", self.finetune_compute_flop)?;
        validate::flop("input.postTrainingComputeFlop", self.post_training_compute_flop)?;
        validate::optional_text("input.trainingComputeNote", self.training_compute_note.as_deref(), 2_000)?;
        validate::optional_text("input.trainingDataset", self.training_dataset.as_deref(), 2_000)?;
        validate::between("input.trainingDatasetSize", self.training_dataset_size, 0.0, 1e20)?;
        if self.training_dataset_size.is_some() != self.training_dataset_size_unit.is_some() {
            return Err(ServiceError::bad_input(
                "input.trainingDatasetSizeUnit",
                "is needed exactly when a training dataset size is given",
            ));
        }
        validate::distinct("input.datasetIds", &self.dataset_ids, MAX_LINKS)?;
        validate::optional_text("input.hardware", self.hardware.as_deref(), 500)?;
        validate::between("input.trainingCostUsd", self.training_cost_usd, 0.0, 1e13)?;
        validate::optional_text("input.trainingCostNote", self.training_cost_note.as_deref(), 2_000)?;
        validate::optional_text("input.license", self.license.as_deref(), 200)?;
        validate::text("input.description", &self.description, 0, 50_000)?;
        validate::text("input.industryContext", &self.industry_context, 0, 50_000)?;
        let capability_ids: Vec<i32> = self.capabilities.iter().map(|c| c.capability_id).collect();
        validate::distinct("input.capabilities", &capability_ids, MAX_LINKS)?;
        for (i, link) in self.capabilities.iter().enumerate() {
            validate::optional_text(&format!("input.capabilities[{i}].evidence"), link.evidence.as_deref(), 5_000)?;
            validate::optional_url(&format!("input.capabilities[{i}].sourceUrl"), link.source_url.as_deref())?;
        }
        let urls: Vec<&str> = self.sources.iter().map(|s| s.url.as_str()).collect();
        validate::distinct("input.sources", &urls, MAX_LINKS)?;
        for (i, source) in self.sources.iter().enumerate() {
            validate::url(&format!("input.sources[{i}].url"), &source.url)?;
            validate::optional_text(&format!("input.sources[{i}].title"), source.title.as_deref(), 500)?;
        }
        Ok(())
    }

    /// Removes the links an update replaces. A new model has none, so an insert skips these
    /// six statements (the starter catalog writes about a hundred models on first start).
    async fn clear_links(db: &DatabaseTransaction, id: i32) -> ServiceResult<()> {
        model_alias::Entity::delete_many().filter(model_alias::Column::ModelId.eq(id)).exec(db).await?;
        model_organization::Entity::delete_many().filter(model_organization::Column::ModelId.eq(id)).exec(db).await?;
        model_modality::Entity::delete_many().filter(model_modality::Column::ModelId.eq(id)).exec(db).await?;
        model_dataset::Entity::delete_many().filter(model_dataset::Column::ModelId.eq(id)).exec(db).await?;
        model_capability::Entity::delete_many().filter(model_capability::Column::ModelId.eq(id)).exec(db).await?;
        model_source::Entity::delete_many().filter(model_source::Column::ModelId.eq(id)).exec(db).await?;
        Ok(())
    }

    async fn write_links(&self, db: &DatabaseTransaction, id: i32) -> ServiceResult<()> {
        let now = Utc::now();
        let fk = |e| constraint(e, "input");
        if !self.aliases.is_empty() {
            let rows = self.aliases.iter().enumerate().map(|(i, a)| model_alias::ActiveModel {
                model_id: Set(id),
                alias: Set(a.trim().to_owned()),
                position: Set(i as i32),
                ..Default::default()
            });
            model_alias::Entity::insert_many(rows).exec_without_returning(db).await.map_err(fk)?;
        }
        if !self.organization_ids.is_empty() {
            let rows = self.organization_ids.iter().enumerate().map(|(i, &org)| model_organization::ActiveModel {
                model_id: Set(id),
                organization_id: Set(org),
                position: Set(i as i32),
            });
            model_organization::Entity::insert_many(rows).exec_without_returning(db).await.map_err(fk)?;
        }
        let modalities: Vec<_> =
            [(ModalityDirection::Input, &self.input_modalities), (ModalityDirection::Output, &self.output_modalities)]
                .into_iter()
                .flat_map(|(direction, list)| {
                    list.iter().map(move |m| model_modality::ActiveModel {
                        model_id: Set(id),
                        direction: Set(direction),
                        modality: Set(*m),
                    })
                })
                .collect();
        if !modalities.is_empty() {
            model_modality::Entity::insert_many(modalities).exec_without_returning(db).await.map_err(fk)?;
        }
        if !self.dataset_ids.is_empty() {
            let rows =
                self.dataset_ids.iter().map(|&d| model_dataset::ActiveModel { model_id: Set(id), dataset_id: Set(d) });
            model_dataset::Entity::insert_many(rows).exec_without_returning(db).await.map_err(fk)?;
        }
        if !self.capabilities.is_empty() {
            let rows = self.capabilities.iter().map(|c| model_capability::ActiveModel {
                model_id: Set(id),
                capability_id: Set(c.capability_id),
                status: Set(c.status),
                evidence: Set(c.evidence.clone()),
                source_url: Set(c.source_url.clone()),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
            model_capability::Entity::insert_many(rows).exec_without_returning(db).await.map_err(fk)?;
        }
        if !self.sources.is_empty() {
            let rows = self.sources.iter().enumerate().map(|(i, s)| model_source::ActiveModel {
                model_id: Set(id),
                url: Set(s.url.clone()),
                title: Set(s.title.clone()),
                position: Set(i as i32),
                ..Default::default()
            });
            model_source::Entity::insert_many(rows).exec_without_returning(db).await.map_err(fk)?;
        }
        Ok(())
    }
}

/// Fails with `field` unless every id names a row of `E`.
async fn all_exist<E: EntityTrait>(
    db: &DatabaseTransaction,
    id_col: E::Column,
    ids: &[i32],
    field: &str,
    noun: &str,
) -> ServiceResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: HashSet<i32> =
        E::find().filter(id_col.is_in(ids.iter().copied())).into_tuple::<i32>().all(db).await?.into_iter().collect();
    match ids.iter().position(|id| !found.contains(id)) {
        Some(i) => Err(ServiceError::bad_input(format!("{field}[{i}]"), format!("names no {noun}"))),
        None => Ok(()),
    }
}

impl Record for ModelRecord {
    const TYPE: EntityType = EntityType::Model;
    type Row = model::Model;
    const NOUN: &'static str = "model";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = model::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let row = found.clone();
        let aliases = model_alias::Entity::find()
            .filter(model_alias::Column::ModelId.eq(id))
            .order_by_asc(model_alias::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|a| a.alias)
            .collect();
        let organization_ids = model_organization::Entity::find()
            .filter(model_organization::Column::ModelId.eq(id))
            .order_by_asc(model_organization::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|o| o.organization_id)
            .collect();
        let (mut input_modalities, mut output_modalities) = (vec![], vec![]);
        for m in model_modality::Entity::find().filter(model_modality::Column::ModelId.eq(id)).all(db).await? {
            match m.direction {
                ModalityDirection::Input => input_modalities.push(m.modality),
                ModalityDirection::Output => output_modalities.push(m.modality),
            }
        }
        input_modalities.sort();
        output_modalities.sort();
        let mut dataset_ids: Vec<i32> = model_dataset::Entity::find()
            .filter(model_dataset::Column::ModelId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|d| d.dataset_id)
            .collect();
        dataset_ids.sort();
        let capabilities = model_capability::Entity::find()
            .filter(model_capability::Column::ModelId.eq(id))
            .order_by_asc(model_capability::Column::CapabilityId)
            .all(db)
            .await?
            .into_iter()
            .map(|c| CapabilityLink {
                capability_id: c.capability_id,
                status: c.status,
                evidence: c.evidence,
                source_url: c.source_url,
            })
            .collect();
        let sources = model_source::Entity::find()
            .filter(model_source::Column::ModelId.eq(id))
            .order_by_asc(model_source::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|s| SourceRecord { url: s.url, title: s.title })
            .collect();
        let record = ModelRecord {
            announced_precision: row.announced_precision,
            parameters_confidence: row.parameters_confidence,
            training_compute_confidence: row.training_compute_confidence,
            training_dataset_size_unit: row.training_dataset_size_unit,
            access: row.access,
            slug: row.slug,
            name: row.name,
            aliases,
            organization_ids,
            announced_on: row.announced_on,
            input_modalities,
            output_modalities,
            parameters: row.parameters,
            parameters_low: row.parameters_low,
            parameters_high: row.parameters_high,
            parameters_note: row.parameters_note,
            training_compute_flop: row.training_compute_flop,
            training_compute_flop_low: row.training_compute_flop_low,
            training_compute_flop_high: row.training_compute_flop_high,
            finetune_compute_flop: row.finetune_compute_flop,
            post_training_compute_flop: row.post_training_compute_flop,
            training_compute_note: row.training_compute_note,
            training_dataset: row.training_dataset,
            training_dataset_size: row.training_dataset_size,
            dataset_ids,
            hardware: row.hardware,
            training_cost_usd: row.training_cost_usd,
            training_cost_note: row.training_cost_note,
            license: row.license,
            base_model_id: row.base_model_id,
            description: row.description,
            industry_context: row.industry_context,
            capabilities,
            sources,
            published: row.published,
        };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        self.check_fields()?;
        if rows::slug_taken::<model::Entity>(db, &self.slug, id).await? {
            return Err(ServiceError::bad_input("input.slug", "is taken by another model"));
        }
        all_exist::<organization::Entity>(
            db,
            organization::Column::Id,
            &self.organization_ids,
            "input.organizationIds",
            "organization",
        )
        .await?;
        all_exist::<dataset::Entity>(db, dataset::Column::Id, &self.dataset_ids, "input.datasetIds", "dataset").await?;
        let capability_ids: Vec<i32> = self.capabilities.iter().map(|c| c.capability_id).collect();
        all_exist::<capability::Entity>(
            db,
            capability::Column::Id,
            &capability_ids,
            "input.capabilities",
            "capability",
        )
        .await?;
        // The base model must exist, and following base models up from it must not lead back here.
        let mut next = self.base_model_id;
        for _ in 0..MAX_LINEAGE {
            let Some(base) = next else { return Ok(()) };
            if Some(base) == id {
                return Err(ServiceError::bad_input("input.baseModelId", "would make the model its own ancestor"));
            }
            let Some(row) = model::Entity::find_by_id(base).one(db).await? else {
                return Err(ServiceError::bad_input("input.baseModelId", "names no model"));
            };
            next = row.base_model_id;
        }
        Err(ServiceError::bad_input("input.baseModelId", "starts a lineage too long to follow"))
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        let id = rows::insert::<model::Entity>(db, self.active_model(), id, "input.slug").await?;
        self.write_links(db, id).await?;
        Ok(id)
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        if !rows::update::<model::Entity>(db, self.active_model(), id, expected, "input.slug").await? {
            return Ok(false);
        }
        Self::clear_links(db, id).await?;
        self.write_links(db, id).await?;
        Ok(true)
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let risks = rows::links::<risk_assessment::Entity>(db, risk_assessment::Column::ModelId, id).await?;
        if risks > 0 {
            return Err(ServiceError::bad_input("id", format!("has {risks} risk assessments: delete them first")));
        }
        let derived = rows::links::<model::Entity>(db, model::Column::BaseModelId, id).await?;
        if derived > 0 {
            return Err(ServiceError::bad_input(
                "id",
                format!("is the base model of {derived} models: change their base model first"),
            ));
        }
        rows::delete::<model::Entity>(db, id, expected).await
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(self.published)
    }

    fn forecasts_of(&self, id: i32) -> Option<i32> {
        Some(id)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
