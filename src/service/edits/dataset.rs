use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    DatabaseTransaction, EntityTrait,
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, rows};
use crate::domain::{EntityType, SizeUnit, name_key};
use crate::entity::{dataset, model_dataset};
use crate::service::{ServiceError, ServiceResult, validate};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasetRecord {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub size: Option<f64>,
    pub size_unit: Option<SizeUnit>,
    pub url: Option<String>,
}

impl DatasetRecord {
    fn active_model(&self) -> dataset::ActiveModel {
        dataset::ActiveModel {
            id: NotSet,
            slug: Set(self.slug.clone()),
            name: Set(self.name.trim().to_owned()),
            name_key: Set(name_key(&self.name)),
            description: Set(self.description.clone()),
            size: Set(self.size),
            size_unit: Set(self.size_unit),
            url: Set(self.url.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for DatasetRecord {
    const TYPE: EntityType = EntityType::Dataset;
    type Row = dataset::Model;
    const NOUN: &'static str = "dataset";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(found) = dataset::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let row = found.clone();
        let record = DatasetRecord {
            size_unit: row.size_unit,
            slug: row.slug,
            name: row.name,
            description: row.description,
            size: row.size,
            url: row.url,
        };
        Ok(Some(Versioned { record, version: found.version, row: found }))
    }

    async fn validate(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<()> {
        validate::slug("input.slug", &self.slug)?;
        validate::text("input.name", &self.name, 1, 200)?;
        validate::optional_text("input.description", self.description.as_deref(), 20_000)?;
        validate::between("input.size", self.size, 0.0, 1e20)?;
        if self.size.is_some() != self.size_unit.is_some() {
            return Err(ServiceError::bad_input("input.sizeUnit", "is needed exactly when a size is given"));
        }
        validate::optional_url("input.url", self.url.as_deref())?;
        if rows::slug_taken::<dataset::Entity>(db, &self.slug, id).await? {
            return Err(ServiceError::bad_input("input.slug", "is taken by another dataset"));
        }
        Ok(())
    }

    async fn insert(&self, db: &DatabaseTransaction, id: Option<i32>) -> ServiceResult<i32> {
        rows::insert::<dataset::Entity>(db, self.active_model(), id, "input.slug").await
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        rows::update::<dataset::Entity>(db, self.active_model(), id, expected, "input.slug").await
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let links = rows::links::<model_dataset::Entity>(db, model_dataset::Column::DatasetId, id).await?;
        if links > 0 {
            return Err(ServiceError::bad_input(
                "id",
                format!("is the training data of {links} models: unlink it first"),
            ));
        }
        rows::delete::<dataset::Entity>(db, id, expected).await
    }

    async fn published(&self, _db: &DatabaseTransaction) -> ServiceResult<bool> {
        Ok(true)
    }

    fn slug(&self) -> Option<&str> {
        Some(&self.slug)
    }
}
