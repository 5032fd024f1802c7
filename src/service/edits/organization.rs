use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    DatabaseTransaction, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::{EntityType, OrganizationKind, name_key};
use crate::entity::{model_organization, organization};
use crate::service::{ServiceError, ServiceResult, validate};

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
            kind: Set(self.kind),
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
    type Row = organization::Model;
    const NOUN: &'static str = "organization";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = organization::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let row = found.clone();
        let record = OrganizationRecord {
            kind: row.kind,
            slug: row.slug,
            name: row.name,
            country: row.country,
            website: row.website,
            description: row.description,
        };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::country("input.country", &self.country)?;
        validate::optional_url("input.website", self.website.as_deref())?;
        validate::optional_text("input.description", self.description.as_deref(), 20_000)?;
        if rows::slug_taken::<organization::Entity>(db, &self.slug, id).await? {
            return Err(ServiceError::bad_input("input.slug", "is taken by another organization"));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        rows::insert::<organization::Entity>(db, self.active_model(), id, "input.slug").await
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<organization::Entity>(db, self.active_model(), id, expected, "input.slug").await
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let models =
            rows::links::<model_organization::Entity>(db, model_organization::Column::OrganizationId, id).await?;
        if models > 0 {
            return Err(ServiceError::bad_input(
                "id",
                format!("is an organization of {models} models: take it off them first"),
            ));
        }
        rows::delete::<organization::Entity>(db, id, expected).await
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(true)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
