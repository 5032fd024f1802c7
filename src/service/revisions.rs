//! The history: one revision per change, written in the change's own transaction. The public
//! reads revisions of published catalog entries only; editors read everything.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    sea_query::Expr,
};
use serde_json::Value as Json;

use super::page::{self, KeyKind, Page, PageArgs, SortKey};
use super::{Actor, Audience, ServiceResult};
use crate::domain::{EntityType, RevisionAction};
use crate::entity::revision;

pub use revision::Model as RevisionRow;

pub struct NewRevision<'a> {
    pub entity_type: EntityType,
    pub entity_id: i32,
    pub action: RevisionAction,
    pub actor: &'a Actor,
    pub summary: Option<&'a str>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    /// Whether the public may read it: a catalog entry published before or after the change.
    pub public: bool,
}

pub async fn record(db: &impl ConnectionTrait, new: NewRevision<'_>) -> ServiceResult<RevisionRow> {
    Ok(revision::ActiveModel {
        entity_type: Set(new.entity_type.as_str().into()),
        entity_id: Set(new.entity_id),
        action: Set(new.action.as_str().into()),
        editor_id: Set(new.actor.editor_id),
        author_name: Set(new.actor.name.clone()),
        summary: Set(new.summary.map(str::to_owned)),
        before: Set(new.before),
        after: Set(new.after),
        created_at: Set(Utc::now()),
        public: Set(new.public && new.entity_type.is_catalog()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

fn visible(audience: Audience) -> Select<revision::Entity> {
    let select = revision::Entity::find();
    match audience {
        Audience::Public => select.filter(revision::Column::Public.eq(true)),
        Audience::Editor => select,
    }
}

fn of(audience: Audience, entity: Option<(EntityType, i32)>) -> Select<revision::Entity> {
    let select = visible(audience);
    match entity {
        Some((kind, id)) => {
            select.filter(revision::Column::EntityType.eq(kind.as_str())).filter(revision::Column::EntityId.eq(id))
        }
        None => select,
    }
}

/// Newest first: of one entity, or of the whole catalog.
pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    entity: Option<(EntityType, i32)>,
    args: &PageArgs,
) -> ServiceResult<Page<RevisionRow>> {
    let newest_first = [SortKey {
        column: Expr::col((revision::Entity, revision::Column::Id)),
        kind: KeyKind::Integer,
        descending: true,
    }];
    page::paginate(db, of(audience, entity), &newest_first, revision::Column::Id, args, |row| {
        (vec![Json::from(row.id)], row.id)
    })
    .await
}

pub async fn count(
    db: &impl ConnectionTrait,
    audience: Audience,
    entity: Option<(EntityType, i32)>,
) -> ServiceResult<u64> {
    page::total(db, of(audience, entity)).await
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<RevisionRow>> {
    Ok(visible(audience).filter(revision::Column::Id.eq(id)).one(db).await?)
}

/// The newest revision of an entity, whoever may read it.
pub async fn latest(db: &impl ConnectionTrait, kind: EntityType, id: i32) -> ServiceResult<Option<RevisionRow>> {
    Ok(of(Audience::Editor, Some((kind, id))).order_by_desc(revision::Column::Id).one(db).await?)
}
