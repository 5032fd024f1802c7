use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    Audience, OrderBy, ServiceResult,
    filter::{ModelFilter, Scope},
    page::{self, KeyKind, Page, PageArgs, SortKey, text_key},
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

/// The models `audience` may see that pass `filter` (given as the argument `argument`).
pub fn filtered(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&ModelFilter>,
    argument: &str,
) -> ServiceResult<Select<model::Entity>> {
    let select = visible(audience);
    match filter {
        Some(f) => Ok(select.filter(f.condition(&Scope::root(db.get_database_backend(), audience, argument))?)),
        None => Ok(select),
    }
}

/// Newest first unless the caller says otherwise.
pub const DEFAULT_ORDER: [OrderBy<ModelOrderField>; 1] =
    [OrderBy { field: ModelOrderField::AnnouncedOn, descending: true }];

fn column(field: ModelOrderField) -> (model::Column, KeyKind) {
    use model::Column as C;
    match field {
        ModelOrderField::Name => (C::NameKey, KeyKind::Text),
        ModelOrderField::AnnouncedOn => (C::AnnouncedOn, KeyKind::Date),
        ModelOrderField::Parameters => (C::Parameters, KeyKind::Float),
        ModelOrderField::TrainingComputeFlop => (C::TrainingComputeFlop, KeyKind::Float),
        ModelOrderField::TrainingCostUsd => (C::TrainingCostUsd, KeyKind::Float),
        ModelOrderField::Slug => (C::Slug, KeyKind::Text),
        ModelOrderField::TrainingDatasetSize => (C::TrainingDatasetSize, KeyKind::Float),
        ModelOrderField::Access => (C::Access, KeyKind::Text),
        ModelOrderField::Hardware => (C::Hardware, KeyKind::Text),
        ModelOrderField::License => (C::License, KeyKind::Text),
        ModelOrderField::TrainingDataset => (C::TrainingDataset, KeyKind::Text),
        ModelOrderField::AnnouncedPrecision => (C::AnnouncedPrecision, KeyKind::Text),
        ModelOrderField::ParametersConfidence => (C::ParametersConfidence, KeyKind::Text),
        ModelOrderField::TrainingComputeConfidence => (C::TrainingComputeConfidence, KeyKind::Text),
    }
}

fn key_value(field: ModelOrderField, row: &ModelRow) -> Json {
    match field {
        ModelOrderField::Name => Json::from(row.name_key.as_str()),
        ModelOrderField::AnnouncedOn => row.announced_on.map(|d| Json::from(d.to_string())).unwrap_or(Json::Null),
        ModelOrderField::Parameters => Json::from(row.parameters),
        ModelOrderField::TrainingComputeFlop => Json::from(row.training_compute_flop),
        ModelOrderField::TrainingCostUsd => Json::from(row.training_cost_usd),
        ModelOrderField::Slug => Json::from(row.slug.as_str()),
        ModelOrderField::TrainingDatasetSize => Json::from(row.training_dataset_size),
        ModelOrderField::Access => Json::from(row.access.as_str()),
        ModelOrderField::Hardware => Json::from(row.hardware.clone()),
        ModelOrderField::License => Json::from(row.license.clone()),
        ModelOrderField::TrainingDataset => Json::from(row.training_dataset.clone()),
        ModelOrderField::AnnouncedPrecision => Json::from(row.announced_precision.as_str()),
        ModelOrderField::ParametersConfidence => Json::from(row.parameters_confidence.as_str()),
        ModelOrderField::TrainingComputeConfidence => Json::from(row.training_compute_confidence.as_str()),
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&ModelFilter>,
    order: &[OrderBy<ModelOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<ModelRow>> {
    let order = if order.is_empty() { &DEFAULT_ORDER[..] } else { order };
    let backend = db.get_database_backend();
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let (col, kind) = column(o.field);
            let expr = Expr::col((model::Entity, col));
            let column = if kind == KeyKind::Text { text_key(expr, backend) } else { expr };
            SortKey { column, kind, descending: o.descending }
        })
        .collect();
    let select = filtered(db, audience, filter, "filter")?;
    page::paginate(db, select, &keys, model::Column::Id, args, |row| {
        (order.iter().map(|o| key_value(o.field, row)).collect(), row.id)
    })
    .await
}

pub async fn count(db: &impl ConnectionTrait, audience: Audience, filter: Option<&ModelFilter>) -> ServiceResult<u64> {
    page::total(db, filtered(db, audience, filter, "filter")?).await
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
