use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, constraint};
use crate::domain::{CapabilityCategory, EntityType, name_key};
use crate::entity::{capability, model_capability};
use crate::service::{ServiceError, ServiceResult, stored, validate};

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
            category: Set(self.category.as_str().into()),
            description: Set(self.description.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for CapabilityRecord {
    const TYPE: EntityType = EntityType::Capability;
    const NOUN: &'static str = "capability";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(row) = capability::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let record = CapabilityRecord {
            category: stored("capability category", &row.category, CapabilityCategory::parse)?,
            slug: row.slug,
            name: row.name,
            description: row.description,
        };
        Ok(Some(Versioned { record, version: row.version }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::text("input.description", &self.description, 1, 20_000)?;
        let clash = capability::Entity::find()
            .filter(capability::Column::Slug.eq(&self.slug))
            .filter(capability::Column::Id.ne(id.unwrap_or(0)))
            .count(db)
            .await?;
        if clash > 0 {
            return Err(ServiceError::bad_input("input.slug", "is taken by another capability"));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        let mut row = self.active_model();
        if let Some(id) = id {
            row.id = Set(id);
        }
        row.version = Set(1);
        row.created_at = Set(Utc::now());
        let inserted = capability::Entity::insert(row).exec(db).await.map_err(|e| constraint(e, "input.slug"))?;
        Ok(id.unwrap_or(inserted.last_insert_id))
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let result = capability::Entity::update_many()
            .set(self.active_model())
            .col_expr(capability::Column::Version, Expr::col(capability::Column::Version).add(1))
            .filter(capability::Column::Id.eq(id))
            .filter(capability::Column::Version.eq(expected))
            .exec(db)
            .await
            .map_err(|e| constraint(e, "input.slug"))?;
        Ok(result.rows_affected == 1)
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let links =
            model_capability::Entity::find().filter(model_capability::Column::CapabilityId.eq(id)).count(db).await?;
        if links > 0 {
            return Err(ServiceError::bad_input("id", format!("is linked to {links} models: unlink it first")));
        }
        let result = capability::Entity::delete_many()
            .filter(capability::Column::Id.eq(id))
            .filter(capability::Column::Version.eq(expected))
            .exec(db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(true)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
