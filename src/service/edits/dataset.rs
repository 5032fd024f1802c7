use chrono::Utc;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::{Record, Versioned, constraint};
use crate::domain::{EntityType, SizeUnit, name_key};
use crate::entity::{dataset, model_dataset};
use crate::service::{ServiceError, ServiceResult, stored, validate};

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
            size_unit: Set(self.size_unit.map(|u| u.as_str().to_owned())),
            url: Set(self.url.clone()),
            version: NotSet,
            created_at: NotSet,
            updated_at: Set(Utc::now()),
        }
    }
}

impl Record for DatasetRecord {
    const TYPE: EntityType = EntityType::Dataset;
    const NOUN: &'static str = "dataset";

    async fn load(db: &DatabaseTransaction, id: i32) -> ServiceResult<Option<Versioned<Self>>> {
        let Some(row) = dataset::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
        let record = DatasetRecord {
            size_unit: row.size_unit.as_deref().map(|u| stored("size unit", u, SizeUnit::parse)).transpose()?,
            slug: row.slug,
            name: row.name,
            description: row.description,
            size: row.size,
            url: row.url,
        };
        Ok(Some(Versioned { record, version: row.version }))
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
        let clash = dataset::Entity::find()
            .filter(dataset::Column::Slug.eq(&self.slug))
            .filter(dataset::Column::Id.ne(id.unwrap_or(0)))
            .count(db)
            .await?;
        if clash > 0 {
            return Err(ServiceError::bad_input("input.slug", "is taken by another dataset"));
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
        let inserted = dataset::Entity::insert(row).exec(db).await.map_err(|e| constraint(e, "input.slug"))?;
        Ok(id.unwrap_or(inserted.last_insert_id))
    }

    async fn update(&self, db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let result = dataset::Entity::update_many()
            .set(self.active_model())
            .col_expr(dataset::Column::Version, Expr::col(dataset::Column::Version).add(1))
            .filter(dataset::Column::Id.eq(id))
            .filter(dataset::Column::Version.eq(expected))
            .exec(db)
            .await
            .map_err(|e| constraint(e, "input.slug"))?;
        Ok(result.rows_affected == 1)
    }

    async fn delete(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
        let links = model_dataset::Entity::find().filter(model_dataset::Column::DatasetId.eq(id)).count(db).await?;
        if links > 0 {
            return Err(ServiceError::bad_input(
                "id",
                format!("is the training data of {links} models: unlink it first"),
            ));
        }
        let result = dataset::Entity::delete_many()
            .filter(dataset::Column::Id.eq(id))
            .filter(dataset::Column::Version.eq(expected))
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
