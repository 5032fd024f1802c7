use sea_orm::{ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::row::read_by_position;
use super::{
    Audience, OrderBy, ServiceResult,
    filter::{CapabilityFilter, Scope},
    page::{self, KeyKind, OrderField, Page, PageArgs},
};
use crate::domain::{CapabilityCategory, CapabilityOrderField};
use crate::entity::capability;

read_by_position! {
    /// A capability as reads serve it: the columns the API shows, read by position.
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "capability::Entity", from_query_result = "false")]
    pub struct CapabilityRow {
        pub id: i32,
        pub slug: String,
        pub name: String,
        pub name_key: String,
        pub category: CapabilityCategory,
        pub description: String,
        pub version: i32,
    }
}

/// A row just written, as reads serve it.
impl From<capability::Model> for CapabilityRow {
    fn from(c: capability::Model) -> Self {
        CapabilityRow {
            id: c.id,
            slug: c.slug,
            name: c.name,
            name_key: c.name_key,
            category: c.category,
            description: c.description,
            version: c.version,
        }
    }
}

/// The capabilities that pass `filter`.
fn filtered(db: &impl ConnectionTrait, filter: Option<&CapabilityFilter>) -> ServiceResult<Select<capability::Entity>> {
    let select = capability::Entity::find();
    match filter {
        Some(f) => {
            Ok(select.filter(f.condition(&Scope::root(db.get_database_backend(), Audience::Public, "filter"))?))
        }
        None => Ok(select),
    }
}

impl OrderField for CapabilityOrderField {
    type Row = CapabilityRow;

    fn sort_key(self) -> (Expr, KeyKind) {
        let column = match self {
            CapabilityOrderField::Name => capability::Column::NameKey,
            CapabilityOrderField::Category => capability::Column::Category,
            CapabilityOrderField::Slug => capability::Column::Slug,
        };
        (Expr::col((capability::Entity, column)), KeyKind::Text)
    }

    fn key_value(self, row: &CapabilityRow) -> Json {
        match self {
            CapabilityOrderField::Name => Json::from(row.name_key.as_str()),
            CapabilityOrderField::Category => Json::from(row.category.as_str()),
            CapabilityOrderField::Slug => Json::from(row.slug.as_str()),
        }
    }

    fn id(row: &CapabilityRow) -> i32 {
        row.id
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    filter: Option<&CapabilityFilter>,
    order: &[OrderBy<CapabilityOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<CapabilityRow>> {
    let default = [OrderBy { field: CapabilityOrderField::Name, descending: false }];
    page::ordered(db, filtered(db, filter)?, order, &default, capability::Column::Id, args).await
}

pub async fn count(db: &impl ConnectionTrait, filter: Option<&CapabilityFilter>) -> ServiceResult<u64> {
    page::total(db, filtered(db, filter)?).await
}

/// The capability with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<CapabilityRow>> {
    if let Some(row) = capability::Entity::find()
        .filter(capability::Column::Slug.eq(slug))
        .into_partial_model::<CapabilityRow>()
        .one(db)
        .await?
    {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Capability, slug).await? {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

/// The capabilities among `ids` (one statement).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i32],
) -> ServiceResult<std::collections::HashMap<i32, CapabilityRow>> {
    let rows = capability::Entity::find()
        .filter(capability::Column::Id.is_in(ids.iter().copied()))
        .into_partial_model::<CapabilityRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<CapabilityRow>> {
    Ok(capability::Entity::find_by_id(id).into_partial_model::<CapabilityRow>().one(db).await?)
}
