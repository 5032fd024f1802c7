use sea_orm::{ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter, Select, sea_query::Expr};
use serde_json::Value as Json;

use super::row::read_by_position;
use super::{
    Audience, OrderBy, ServiceResult,
    filter::{OrganizationFilter, Scope},
    page::{self, KeyKind, OrderField, Page, PageArgs},
};
use crate::domain::{OrganizationKind, OrganizationOrderField};
use crate::entity::organization;

read_by_position! {
    /// An organization as reads serve it (every column, read by position).
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "organization::Entity", from_query_result = "false")]
    pub struct OrganizationRow {
        pub id: i32,
        pub slug: String,
        pub name: String,
        pub name_key: String,
        pub kind: OrganizationKind,
        pub country: String,
        pub website: Option<String>,
        pub description: Option<String>,
        pub version: i32,
        pub created_at: sea_orm::prelude::DateTimeUtc,
        pub updated_at: sea_orm::prelude::DateTimeUtc,
    }
}

/// A row just written, as reads serve it.
impl From<organization::Model> for OrganizationRow {
    fn from(o: organization::Model) -> Self {
        OrganizationRow {
            id: o.id,
            slug: o.slug,
            name: o.name,
            name_key: o.name_key,
            kind: o.kind,
            country: o.country,
            website: o.website,
            description: o.description,
            version: o.version,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// The organizations that pass `filter` (organizations have no drafts).
fn filtered(
    db: &impl ConnectionTrait,
    filter: Option<&OrganizationFilter>,
) -> ServiceResult<Select<organization::Entity>> {
    let select = organization::Entity::find();
    match filter {
        Some(f) => {
            Ok(select.filter(f.condition(&Scope::root(db.get_database_backend(), Audience::Public, "filter"))?))
        }
        None => Ok(select),
    }
}

impl OrderField for OrganizationOrderField {
    type Row = OrganizationRow;

    fn sort_key(self) -> (Expr, KeyKind) {
        let column = match self {
            OrganizationOrderField::Name => organization::Column::NameKey,
            OrganizationOrderField::Country => organization::Column::Country,
            OrganizationOrderField::Slug => organization::Column::Slug,
            OrganizationOrderField::Kind => organization::Column::Kind,
        };
        (Expr::col((organization::Entity, column)), KeyKind::Text)
    }

    fn key_value(self, row: &OrganizationRow) -> Json {
        match self {
            OrganizationOrderField::Name => Json::from(row.name_key.as_str()),
            OrganizationOrderField::Country => Json::from(row.country.as_str()),
            OrganizationOrderField::Slug => Json::from(row.slug.as_str()),
            OrganizationOrderField::Kind => Json::from(row.kind.as_str()),
        }
    }

    fn id(row: &OrganizationRow) -> i32 {
        row.id
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    filter: Option<&OrganizationFilter>,
    order: &[OrderBy<OrganizationOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<OrganizationRow>> {
    let default = [OrderBy { field: OrganizationOrderField::Name, descending: false }];
    page::ordered(db, filtered(db, filter)?, order, &default, organization::Column::Id, args).await
}

pub async fn count(db: &impl ConnectionTrait, filter: Option<&OrganizationFilter>) -> ServiceResult<u64> {
    page::total(db, filtered(db, filter)?).await
}

/// The organization with this slug, or the one that had it before a rename.
pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<OrganizationRow>> {
    if let Some(row) = organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .into_partial_model::<OrganizationRow>()
        .one(db)
        .await?
    {
        return Ok(Some(row));
    }
    match super::former_slugs::lookup(db, crate::domain::EntityType::Organization, slug).await? {
        Some(id) => by_id(db, id).await,
        None => Ok(None),
    }
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<OrganizationRow>> {
    Ok(organization::Entity::find_by_id(id).into_partial_model::<OrganizationRow>().one(db).await?)
}

/// The organizations `ids` names, by id (one statement; none when `ids` is empty).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> ServiceResult<std::collections::HashMap<i32, OrganizationRow>> {
    let ids: Vec<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows = organization::Entity::find()
        .filter(super::relations::one_of(db.get_database_backend(), organization::Column::Id, ids))
        .into_partial_model::<OrganizationRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}
