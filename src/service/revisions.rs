//! The history: one revision per change, written in the change's own transaction. The public
//! reads revisions of published catalog entries only; editors read everything.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Statement, sea_query::Expr,
};
use serde_json::Value as Json;

use super::changes::CHANNEL;
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

/// The Postgres advisory lock that serializes revision writes (an arbitrary constant).
const REVISION_LOG_LOCK: i64 = 0x6169_7472_6163_6b72; // "aitrackr"

/// On Postgres, takes the revision log's lock for the rest of the transaction `tx` (again is
/// harmless). Revision ids are drawn under it and it is held until commit, so revisions commit
/// in id order and a follower of the log that reads `id > last_seen` never skips a lower id
/// committed late. SQLite writes are serial already.
pub async fn lock_log(tx: &impl ConnectionTrait) -> ServiceResult<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({REVISION_LOG_LOCK})")).await?;
    }
    Ok(())
}

/// Records a change in the writing transaction `db` (under the log's lock, see `lock_log`), and
/// on Postgres notifies the change hubs of every instance, which Postgres delivers only if and
/// when the transaction commits.
pub async fn record(db: &impl ConnectionTrait, new: NewRevision<'_>) -> ServiceResult<RevisionRow> {
    lock_log(db).await?;
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let row = revision::ActiveModel {
        entity_type: Set(new.entity_type),
        entity_id: Set(new.entity_id),
        action: Set(new.action),
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
    .await?;
    if postgres {
        let notify = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), row.id.to_string().into()],
        );
        db.execute_raw(notify).await?;
    }
    Ok(row)
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
    page::paginate(db, of(audience, entity), &newest_first, revision::Column::Id, args, |row: &revision::Model| {
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

/// The newest public revisions of entries of the given kinds, newest first.
pub async fn latest_public(
    db: &impl ConnectionTrait,
    kinds: &[EntityType],
    limit: u64,
) -> ServiceResult<Vec<RevisionRow>> {
    Ok(visible(Audience::Public)
        .filter(revision::Column::EntityType.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_desc(revision::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
