use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    Audience, OrderBy, ServiceResult,
    filter::{CapabilityFilter, Scope},
    page::{self, KeyKind, Page, PageArgs, SortKey, text_key},
};
use crate::domain::CapabilityOrderField;
use crate::entity::capability;

pub use capability::Model as CapabilityRow;

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

pub async fn page(
    db: &impl ConnectionTrait,
    filter: Option<&CapabilityFilter>,
    order: &[OrderBy<CapabilityOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<CapabilityRow>> {
    let default = [OrderBy { field: CapabilityOrderField::Name, descending: false }];
    let order = if order.is_empty() { &default[..] } else { order };
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let col = match o.field {
                CapabilityOrderField::Name => capability::Column::NameKey,
                CapabilityOrderField::Category => capability::Column::Category,
                CapabilityOrderField::Slug => capability::Column::Slug,
            };
            let column = text_key(Expr::col((capability::Entity, col)), db.get_database_backend());
            SortKey { column, kind: KeyKind::Text, descending: o.descending }
        })
        .collect();
    page::paginate(db, filtered(db, filter)?, &keys, capability::Column::Id, args, |row: &capability::Model| {
        let values = order
            .iter()
            .map(|o| match o.field {
                CapabilityOrderField::Name => Json::from(row.name_key.as_str()),
                CapabilityOrderField::Category => Json::from(row.category.as_str()),
                CapabilityOrderField::Slug => Json::from(row.slug.as_str()),
            })
            .collect();
        (values, row.id)
    })
    .await
}

pub async fn count(db: &impl ConnectionTrait, filter: Option<&CapabilityFilter>) -> ServiceResult<u64> {
    page::total(db, filtered(db, filter)?).await
}

/// The capability with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<CapabilityRow>> {
    if let Some(row) = capability::Entity::find().filter(capability::Column::Slug.eq(slug)).one(db).await? {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Capability, slug).await? {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<CapabilityRow>> {
    Ok(capability::Entity::find_by_id(id).one(db).await?)
}
