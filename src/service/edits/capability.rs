use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    DatabaseTransaction, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::{CapabilityCategory, EntityType, name_key};
use crate::entity::{capability, model_capability};
use crate::service::{ServiceError, ServiceResult, validate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityRecord {
    pub slug: String,
    pub name: String,
    pub category: CapabilityCategory,
    pub description: String,
}

impl CapabilityRecord {
    fn active_model(&self) -> capability::ActiveModel {
        capability::ActiveModel {
            id: NotSet,
            slug: Set(self.slug.clone()),
            name: Set(self.name.trim().to_owned()),
            name_key: Set(name_key(&self.name)),
            category: Set(self.category),
            description: Set(self.description.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for CapabilityRecord {
    const TYPE: EntityType = EntityType::Capability;
    type Row = capability::Model;
    const NOUN: &'static str = "capability";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = capability::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let row = found.clone();
        let record =
            CapabilityRecord { category: row.category, slug: row.slug, name: row.name, description: row.description };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::text("input.description", &self.description, 1, 20_000)?;
        if rows::slug_taken::<capability::Entity>(db, &self.slug, id).await? {
            return Err(ServiceError::bad_input("input.slug", "is taken by another capability"));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        rows::insert::<capability::Entity>(db, self.active_model(), id, "input.slug").await
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<capability::Entity>(db, self.active_model(), id, expected, "input.slug").await
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let links = rows::links::<model_capability::Entity>(db, model_capability::Column::CapabilityId, id).await?;
        if links > 0 {
            return Err(ServiceError::bad_input("id", format!("is linked to {links} models: unlink it first")));
        }
        rows::delete::<capability::Entity>(db, id, expected).await
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(true)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
