use std::collections::HashMap;
use std::sync::LazyLock;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, PartialModelTrait, QueryFilter, QuerySelect, Select,
    sea_query::Expr,
};
use serde_json::Value as Json;

use super::model_columns::model_columns;
use super::row::read_by_position;
use super::{
    Audience, OrderBy, ServiceResult,
    filter::{ModelFilter, Scope},
    page::{self, KeyKind, OrderField, Page, PageArgs},
};
use crate::domain::{Access, Confidence, DatePrecision, SizeUnit};
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
        pub parameters_low: Option<f64>,
        pub parameters_high: Option<f64>,
        pub parameters_confidence: Confidence,
        pub parameters_note: Option<String>,
        pub training_compute_flop: Option<f64>,
        pub training_compute_flop_low: Option<f64>,
        pub training_compute_flop_high: Option<f64>,
        pub finetune_compute_flop: Option<f64>,
        pub post_training_compute_flop: Option<f64>,
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
            parameters_low: m.parameters_low,
            parameters_high: m.parameters_high,
            parameters_confidence: m.parameters_confidence,
            parameters_note: m.parameters_note,
            training_compute_flop: m.training_compute_flop,
            training_compute_flop_low: m.training_compute_flop_low,
            training_compute_flop_high: m.training_compute_flop_high,
            finetune_compute_flop: m.finetune_compute_flop,
            post_training_compute_flop: m.post_training_compute_flop,
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

/// The models `audience` may see, selecting [`ModelRow`]'s columns (read with
/// `into_model::<ModelRow>()`). Built once per audience: sea-orm builds an entity's select with
/// every column and a partial model's with each column's name as a new string, and building
/// them for each read was a sixth of a model page's instructions (callgrind).
pub fn rows(audience: Audience) -> Select<model::Entity> {
    static PUBLIC: LazyLock<Select<model::Entity>> =
        LazyLock::new(|| ModelRow::select_cols(visible(Audience::Public).select_only()));
    static EDITOR: LazyLock<Select<model::Entity>> =
        LazyLock::new(|| ModelRow::select_cols(visible(Audience::Editor).select_only()));
    match audience {
        Audience::Public => PUBLIC.clone(),
        Audience::Editor => EDITOR.clone(),
    }
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

/// From the table of model columns: `ModelOrderField`, and how a page orders by each value.
macro_rules! order_fields {
    ({} $($(#[$doc:meta])* $field:ident $api:literal : $variant:ident, $kind:ident $(<$vocabulary:ty>)?;)*) => {
        /// The fields a list of models can be ordered by.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, async_graphql::Enum, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ModelOrderField {
            $($(#[$doc])* $variant,)*
        }

        impl OrderField for ModelOrderField {
            type Row = ModelRow;

            fn sort_key(self) -> (Expr, KeyKind) {
                let (column, kind) = match self {
                    $(ModelOrderField::$variant => order_column!($kind $variant),)*
                };
                (Expr::col((model::Entity, column)), kind)
            }

            fn key_value(self, row: &ModelRow) -> Json {
                match self {
                    $(ModelOrderField::$variant => order_key!($kind row.$field),)*
                }
            }

            fn id(row: &ModelRow) -> i32 {
                row.id
            }
        }
    };
}

macro_rules! order_column {
    (name $variant:ident) => {
        (model::Column::NameKey, KeyKind::Text)
    };
    (text $variant:ident) => {
        (model::Column::$variant, KeyKind::Text)
    };
    (vocabulary $variant:ident) => {
        (model::Column::$variant, KeyKind::Text)
    };
    (number $variant:ident) => {
        (model::Column::$variant, KeyKind::Float)
    };
    (date $variant:ident) => {
        (model::Column::$variant, KeyKind::Date)
    };
}

macro_rules! order_key {
    (name $row:ident.$field:ident) => {
        Json::from($row.name_key.as_str())
    };
    (text $row:ident.$field:ident) => {
        Json::from($row.$field.clone())
    };
    (vocabulary $row:ident.$field:ident) => {
        Json::from($row.$field.as_str())
    };
    (number $row:ident.$field:ident) => {
        Json::from($row.$field)
    };
    (date $row:ident.$field:ident) => {
        $row.$field.map(|d| Json::from(d.to_string())).unwrap_or(Json::Null)
    };
}

model_columns! { order_fields {} }

pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&ModelFilter>,
    order: &[OrderBy<ModelOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<ModelRow>> {
    super::thresholds::check_filter(db, filter, "filter").await?;
    let select = filtered(db, audience, filter, "filter")?;
    page::ordered(db, select, order, &DEFAULT_ORDER, model::Column::Id, args).await
}

pub async fn count(db: &impl ConnectionTrait, audience: Audience, filter: Option<&ModelFilter>) -> ServiceResult<u64> {
    super::thresholds::check_filter(db, filter, "filter").await?;
    page::total(db, filtered(db, audience, filter, "filter")?).await
}

/// The model with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, audience: Audience, slug: &str) -> ServiceResult<Option<ModelRow>> {
    found_by_slug(db, audience, slug, |select| select.into_model::<ModelRow>()).await
}

/// What `read` makes of the model with this slug, or of the one that had it before a rename.
async fn found_by_slug<T: sea_orm::FromQueryResult>(
    db: &impl ConnectionTrait,
    audience: Audience,
    slug: &str,
    read: impl Fn(Select<model::Entity>) -> sea_orm::Selector<sea_orm::SelectModel<T>>,
) -> ServiceResult<Option<T>> {
    if let Some(found) = read(rows(audience).filter(model::Column::Slug.eq(slug))).one(db).await? {
        return Ok(Some(found));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Model, slug).await? {
        Some(id) => Ok(read(rows(audience).filter(model::Column::Id.eq(id))).one(db).await?),
        None => Ok(None),
    }
}

/// A model page's model: its row and its long texts in one statement (a statement fewer than
/// reading them apart, a tenth of a model page's statements).
pub async fn by_slug_with_text(
    db: &impl ConnectionTrait,
    audience: Audience,
    slug: &str,
) -> ServiceResult<Option<(ModelRow, ModelText)>> {
    let found = found_by_slug(db, audience, slug, |select| ModelText::select_cols(select).into_model::<WithText>());
    Ok(found.await?.map(|WithText(row, text)| (row, text)))
}

/// A [`ModelRow`] and then its [`ModelText`], side by side in one row.
struct WithText(ModelRow, ModelText);

impl sea_orm::FromQueryResult for WithText {
    fn from_query_result(res: &sea_orm::QueryResult, _: &str) -> Result<Self, sea_orm::DbErr> {
        Ok(WithText(ModelRow::read_from(res, 0)?, ModelText::read_from(res, ModelRow::COLUMNS)?))
    }
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<ModelRow>> {
    Ok(rows(audience).filter(model::Column::Id.eq(id)).into_model().one(db).await?)
}
