use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, constraint};
use crate::domain::{EntityType, OrganizationKind, name_key};
use crate::entity::{model_organization, organization};
use crate::service::{ServiceError, ServiceResult, stored, validate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationRecord {
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub country: String,
    pub website: Option<String>,
    pub description: Option<String>,
}

impl OrganizationRecord {
    fn active_model(&self) -> organization::ActiveModel {
        organization::ActiveModel {
            id: NotSet,
            slug: Set(self.slug.clone()),
            name: Set(self.name.trim().to_owned()),
            name_key: Set(name_key(&self.name)),
            kind: Set(self.kind.as_str().into()),
            country: Set(self.country.clone()),
            website: Set(self.website.clone()),
            description: Set(self.description.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for OrganizationRecord {
    const TYPE: EntityType = EntityType::Organization;
    const NOUN: &'static str = "organization";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(row) = organization::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let record = OrganizationRecord {
            kind: stored("organization kind", &row.kind, OrganizationKind::parse)?,
            slug: row.slug,
            name: row.name,
            country: row.country,
            website: row.website,
            description: row.description,
        };
        Ok(Some(Versioned { record, version: row.version }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::country("input.country", &self.country)?;
        validate::optional_url("input.website", self.website.as_deref())?;
        validate::optional_text("input.description", self.description.as_deref(), 20_000)?;
        let clash = organization::Entity::find()
            .filter(organization::Column::Slug.eq(&self.slug))
            .filter(organization::Column::Id.ne(id.unwrap_or(0)))
            .count(db)
            .await?;
        if clash > 0 {
            return Err(ServiceError::bad_input("input.slug", "is taken by another organization"));
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
        let inserted = organization::Entity::insert(row).exec(db).await.map_err(|e| constraint(e, "input.slug"))?;
        Ok(id.unwrap_or(inserted.last_insert_id))
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let result = organization::Entity::update_many()
            .set(self.active_model())
            .col_expr(organization::Column::Version, Expr::col(organization::Column::Version).add(1))
            .filter(organization::Column::Id.eq(id))
            .filter(organization::Column::Version.eq(expected))
            .exec(db)
            .await
            .map_err(|e| constraint(e, "input.slug"))?;
        Ok(result.rows_affected == 1)
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let models = model_organization::Entity::find()
            .filter(model_organization::Column::OrganizationId.eq(id))
            .count(db)
            .await?;
        if models > 0 {
            return Err(ServiceError::bad_input(
                "id",
                format!("is an organization of {models} models: take it off them first"),
            ));
        }
        let result = organization::Entity::delete_many()
            .filter(organization::Column::Id.eq(id))
            .filter(organization::Column::Version.eq(expected))
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
