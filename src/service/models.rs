use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    Audience, OrderBy, ServiceResult,
    page::{self, KeyKind, Page, PageArgs, SortKey},
};
use crate::domain::ModelOrderField;
use crate::entity::model;

pub use model::Model as ModelRow;

/// The models `audience` may see.
pub fn visible(audience: Audience) -> Select<model::Entity> {
    let select = model::Entity::find();
    match audience {
        Audience::Public => select.filter(model::Column::Published.eq(true)),
        Audience::Editor => select,
    }
}

/// Newest first unless the caller says otherwise.
pub const DEFAULT_ORDER: [OrderBy<ModelOrderField>; 1] =
    [OrderBy { field: ModelOrderField::AnnouncedOn, descending: true }];

fn column(field: ModelOrderField) -> (model::Column, KeyKind) {
    match field {
        ModelOrderField::Name => (model::Column::NameKey, KeyKind::Text),
        ModelOrderField::AnnouncedOn => (model::Column::AnnouncedOn, KeyKind::Date),
        ModelOrderField::Parameters => (model::Column::Parameters, KeyKind::Float),
        ModelOrderField::TrainingComputeFlop => (model::Column::TrainingComputeFlop, KeyKind::Float),
        ModelOrderField::TrainingCostUsd => (model::Column::TrainingCostUsd, KeyKind::Float),
    }
}

fn key_value(field: ModelOrderField, row: &ModelRow) -> Json {
    match field {
        ModelOrderField::Name => Json::from(row.name_key.as_str()),
        ModelOrderField::AnnouncedOn => row.announced_on.map(|d| Json::from(d.to_string())).unwrap_or(Json::Null),
        ModelOrderField::Parameters => Json::from(row.parameters),
        ModelOrderField::TrainingComputeFlop => Json::from(row.training_compute_flop),
        ModelOrderField::TrainingCostUsd => Json::from(row.training_cost_usd),
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    order: &[OrderBy<ModelOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<ModelRow>> {
    let order = if order.is_empty() { &DEFAULT_ORDER[..] } else { order };
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let (col, kind) = column(o.field);
            SortKey { column: Expr::col((model::Entity, col)), kind, descending: o.descending }
        })
        .collect();
    page::paginate(db, visible(audience), &keys, model::Column::Id, args, |row| {
        (order.iter().map(|o| key_value(o.field, row)).collect(), row.id)
    })
    .await
}

pub async fn count(db: &impl ConnectionTrait, audience: Audience) -> ServiceResult<u64> {
    page::total(db, visible(audience)).await
}

/// The model with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, audience: Audience, slug: &str) -> ServiceResult<Option<ModelRow>> {
    if let Some(row) = visible(audience).filter(model::Column::Slug.eq(slug)).one(db).await? {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Model, slug).await? {
        Some(id) => by_id(db, audience, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<ModelRow>> {
    Ok(visible(audience).filter(model::Column::Id.eq(id)).one(db).await?)
}
