use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::EntityType;
use crate::entity::compute_threshold;
use crate::service::{ServiceError, ServiceResult, relations::MAX_THRESHOLDS, validate};

/// Thresholds from this on are refused as typos (1e40 FLOP is far past any plan on record).
const MAX_THRESHOLD_FLOP: f64 = 1e40;

/// A named line in training compute, as admins set it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdRecord {
    pub slug: String,
    pub name: String,
    pub flop: f64,
    pub description: String,
    pub source_url: Option<String>,
    /// Whether fine-tuning compute counts towards the threshold. Revisions written before the
    /// flag existed load as false, which every threshold then was.
    #[serde(default)]
    pub counts_finetune: bool,
    /// Whether post-training compute counts towards the threshold (as `counts_finetune`).
    #[serde(default)]
    pub counts_post_training: bool,
}

impl ThresholdRecord {
    fn active_model(&self) -> compute_threshold::ActiveModel {
        compute_threshold::ActiveModel {
            id: NotSet,
            slug: Set(self.slug.clone()),
            name: Set(self.name.trim().to_owned()),
            flop: Set(self.flop),
            description: Set(self.description.clone()),
            source_url: Set(self.source_url.clone()),
            version: NotSet,
            counts_finetune: Set(self.counts_finetune),
            counts_post_training: Set(self.counts_post_training),
        }
    }
}

impl Record for ThresholdRecord {
    const TYPE: EntityType = EntityType::ComputeThreshold;
    type Row = compute_threshold::Model;
    const NOUN: &'static str = "compute threshold";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = compute_threshold::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let record = ThresholdRecord {
            slug: found.slug.clone(),
            name: found.name.clone(),
            flop: found.flop,
            description: found.description.clone(),
            source_url: found.source_url.clone(),
            counts_finetune: found.counts_finetune,
            counts_post_training: found.counts_post_training,
        };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::between("input.flop", Some(self.flop), 0.0, MAX_THRESHOLD_FLOP)?;
        validate::text("input.description", &self.description, 0, 4_000)?;
        validate::optional_url("input.sourceUrl", self.source_url.as_deref())?;
        if rows::slug_taken::<compute_threshold::Entity>(db, &self.slug, id).await? {
            return Err(ServiceError::bad_input("input.slug", "is taken by another threshold"));
        }
        // Every model's `thresholdsCrossed` is charged at this many.
        let mut others = compute_threshold::Entity::find();
        if let Some(id) = id {
            others = others.filter(compute_threshold::Column::Id.ne(id));
        }
        if others.count(db).await? >= MAX_THRESHOLDS as u64 {
            return Err(ServiceError::bad_input(
                "input.slug",
                format!("the catalog already has {MAX_THRESHOLDS} thresholds, the most it may have"),
            ));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        rows::insert::<compute_threshold::Entity>(db, self.active_model(), id, "input.slug").await
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<compute_threshold::Entity>(db, self.active_model(), id, expected, "input.slug").await
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::delete::<compute_threshold::Entity>(db, id, expected).await
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(true)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
