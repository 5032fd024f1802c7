use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    OrderBy, ServiceResult,
    page::{self, KeyKind, OrderField, Page, PageArgs},
};
use crate::domain::DatasetOrderField;
use crate::entity::dataset;

pub use dataset::Model as DatasetRow;

impl OrderField for DatasetOrderField {
    type Row = DatasetRow;

    fn sort_key(self) -> (Expr, KeyKind) {
        let (column, kind) = match self {
            DatasetOrderField::Name => (dataset::Column::NameKey, KeyKind::Text),
            DatasetOrderField::Size => (dataset::Column::Size, KeyKind::Float),
        };
        (Expr::col((dataset::Entity, column)), kind)
    }

    fn key_value(self, row: &DatasetRow) -> Json {
        match self {
            DatasetOrderField::Name => Json::from(row.name_key.as_str()),
            DatasetOrderField::Size => Json::from(row.size),
        }
    }

    fn id(row: &DatasetRow) -> i32 {
        row.id
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    order: &[OrderBy<DatasetOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<DatasetRow>> {
    let default = [OrderBy { field: DatasetOrderField::Name, descending: false }];
    page::ordered(db, dataset::Entity::find(), order, &default, dataset::Column::Id, args).await
}

pub async fn count(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    page::total(db, dataset::Entity::find()).await
}

/// The dataset with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<DatasetRow>> {
    if let Some(row) = dataset::Entity::find().filter(dataset::Column::Slug.eq(slug)).one(db).await? {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Dataset, slug).await? {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<DatasetRow>> {
    Ok(dataset::Entity::find_by_id(id).one(db).await?)
}
