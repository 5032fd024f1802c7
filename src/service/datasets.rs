use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    OrderBy, ServiceResult,
    page::{self, KeyKind, Page, PageArgs, SortKey},
};
use crate::domain::DatasetOrderField;
use crate::entity::dataset;

pub use dataset::Model as DatasetRow;

pub async fn page(
    db: &impl ConnectionTrait,
    order: &[OrderBy<DatasetOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<DatasetRow>> {
    let default = [OrderBy { field: DatasetOrderField::Name, descending: false }];
    let order = if order.is_empty() { &default[..] } else { order };
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let (col, kind) = match o.field {
                DatasetOrderField::Name => (dataset::Column::NameKey, KeyKind::Text),
                DatasetOrderField::Size => (dataset::Column::Size, KeyKind::Float),
            };
            SortKey { column: Expr::col((dataset::Entity, col)), kind, descending: o.descending }
        })
        .collect();
    page::paginate(db, dataset::Entity::find(), &keys, dataset::Column::Id, args, |row: &dataset::Model| {
        let values = order
            .iter()
            .map(|o| match o.field {
                DatasetOrderField::Name => Json::from(row.name_key.as_str()),
                DatasetOrderField::Size => Json::from(row.size),
            })
            .collect();
        (values, row.id)
    })
    .await
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
