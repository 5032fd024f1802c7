use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::Value as Json;

use super::{
    OrderBy, ServiceResult,
    page::{self, KeyKind, Page, PageArgs, SortKey},
};
use crate::domain::OrganizationOrderField;
use crate::entity::organization;

pub use organization::Model as OrganizationRow;

pub async fn page(
    db: &impl ConnectionTrait,
    order: &[OrderBy<OrganizationOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<OrganizationRow>> {
    let default = [OrderBy { field: OrganizationOrderField::Name, descending: false }];
    let order = if order.is_empty() { &default[..] } else { order };
    let keys: Vec<SortKey> = order
        .iter()
        .map(|o| {
            let col = match o.field {
                OrganizationOrderField::Name => organization::Column::NameKey,
                OrganizationOrderField::Country => organization::Column::Country,
            };
            SortKey { column: Expr::col((organization::Entity, col)), kind: KeyKind::Text, descending: o.descending }
        })
        .collect();
    page::paginate(db, organization::Entity::find(), &keys, organization::Column::Id, args, |row| {
        let values = order
            .iter()
            .map(|o| match o.field {
                OrganizationOrderField::Name => Json::from(row.name_key.as_str()),
                OrganizationOrderField::Country => Json::from(row.country.as_str()),
            })
            .collect();
        (values, row.id)
    })
    .await
}

pub async fn count(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    page::total(db, organization::Entity::find()).await
}

/// The organization with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<OrganizationRow>> {
    if let Some(row) = organization::Entity::find().filter(organization::Column::Slug.eq(slug)).one(db).await? {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Organization, slug).await? {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<OrganizationRow>> {
    Ok(organization::Entity::find_by_id(id).one(db).await?)
}
