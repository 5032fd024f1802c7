use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::row::read_by_position;
use super::{
    Audience, OrderBy, ServiceResult,
    filter::{ModelFilter, Scope},
    page::{self, KeyKind, Page, PageArgs, SortKey, text_key},
};
use crate::domain::{Access, Confidence, DatePrecision, ModelOrderField, SizeUnit};
use crate::entity::model;

read_by_position! {
    /// A model as reads serve it: every column but the two long texts, which [`texts`] reads for
    /// the readers who ask for them. A catalog page shows neither, and leaving them out of its rows
    /// spares Postgres, the wire and the decoder most of the page's bytes.
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "model::Entity", from_query_result = "false")]
    pub struct ModelRow {
        pub id: i32,
        pub slug: String,
        pub name: String,
        pub name_key: String,
        pub announced_on: Option<sea_orm::prelude::Date>,
        pub announced_precision: DatePrecision,
        pub parameters: Option<f64>,
        pub parameters_confidence: Confidence,
        pub parameters_note: Option<String>,
        pub training_compute_flop: Option<f64>,
        pub training_compute_confidence: Confidence,
        pub training_compute_note: Option<String>,
        pub training_dataset: Option<String>,
        pub training_dataset_size: Option<f64>,
        pub training_dataset_size_unit: Option<SizeUnit>,
        pub hardware: Option<String>,
        pub training_cost_usd: Option<f64>,
        pub training_cost_note: Option<String>,
        pub access: Access,
        pub license: Option<String>,
        pub base_model_id: Option<i32>,
        pub published: bool,
        pub version: i32,
        pub created_at: sea_orm::prelude::DateTimeUtc,
        pub updated_at: sea_orm::prelude::DateTimeUtc,
    }
}

/// A row just written, as reads serve it.
impl From<model::Model> for ModelRow {
    fn from(m: model::Model) -> Self {
        ModelRow {
            id: m.id,
            slug: m.slug,
            name: m.name,
            name_key: m.name_key,
            announced_on: m.announced_on,
            announced_precision: m.announced_precision,
            parameters: m.parameters,
            parameters_confidence: m.parameters_confidence,
            parameters_note: m.parameters_note,
            training_compute_flop: m.training_compute_flop,
            training_compute_confidence: m.training_compute_confidence,
            training_compute_note: m.training_compute_note,
            training_dataset: m.training_dataset,
            training_dataset_size: m.training_dataset_size,
            training_dataset_size_unit: m.training_dataset_size_unit,
            hardware: m.hardware,
            training_cost_usd: m.training_cost_usd,
            training_cost_note: m.training_cost_note,
            access: m.access,
            license: m.license,
            base_model_id: m.base_model_id,
            published: m.published,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

read_by_position! {
    /// A model's long texts (Markdown), read only for the readers who ask for them.
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "model::Entity", from_query_result = "false")]
    pub struct ModelText {
        pub id: i32,
        pub description: String,
        pub industry_context: String,
    }
}

/// The long texts of the models among `ids` that `audience` may see (one statement).
pub async fn texts(
    db: &impl ConnectionTrait,
    audience: Audience,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, ModelText>> {
    let rows = visible(audience)
        .filter(super::relations::one_of(db.get_database_backend(), model::Column::Id, ids.iter().copied()))
        .into_partial_model::<ModelText>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|t| (t.id, t)).collect())
}

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
    page::paginate(db, select, &keys, model::Column::Id, args, |row: &ModelRow| {
        (order.iter().map(|o| key_value(o.field, row)).collect(), row.id)
    })
    .await
}

pub async fn count(db: &impl ConnectionTrait, audience: Audience, filter: Option<&ModelFilter>) -> ServiceResult<u64> {
    page::total(db, filtered(db, audience, filter, "filter")?).await
}

/// The model with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, audience: Audience, slug: &str) -> ServiceResult<Option<ModelRow>> {
    if let Some(row) = visible(audience).filter(model::Column::Slug.eq(slug)).into_partial_model().one(db).await? {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Model, slug).await? {
        Some(id) => by_id(db, audience, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<ModelRow>> {
    Ok(visible(audience).filter(model::Column::Id.eq(id)).into_partial_model().one(db).await?)
}
