//! The history: one revision per change, written in the change's own transaction. The public
//! reads revisions of published catalog entries only; editors read everything.

use chrono::{DateTime, Utc};
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
    // Revision times never go backwards: each is stamped under the log's lock, no earlier than
    // the latest revision's, so time order is id order even across instances whose clocks
    // differ (what "as recorded at" reads and a prediction's `recordedAt` rest on).
    let latest: Option<DateTime<Utc>> = revision::Entity::find()
        .select_only()
        .column(revision::Column::CreatedAt)
        .order_by_desc(revision::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    let now = Utc::now();
    let created_at = latest.map_or(now, |latest| latest.max(now));
    let row = revision::ActiveModel {
        entity_type: Set(new.entity_type),
        entity_id: Set(new.entity_id),
        action: Set(new.action),
        editor_id: Set(new.actor.editor_id),
        author_name: Set(new.actor.name.clone()),
        summary: Set(new.summary.map(str::to_owned)),
        before: Set(new.before),
        after: Set(new.after),
        created_at: Set(created_at),
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

/// The newest revision of an entity that `audience` may read.
pub async fn latest_visible(
    db: &impl ConnectionTrait,
    audience: Audience,
    kind: EntityType,
    id: i32,
) -> ServiceResult<Option<RevisionRow>> {
    Ok(of(audience, Some((kind, id))).order_by_desc(revision::Column::Id).one(db).await?)
}

/// The newest public revisions of entries of the given kinds, newest first, older than
/// revision `older_than` when given.
pub async fn latest_public(
    db: &impl ConnectionTrait,
    kinds: &[EntityType],
    older_than: Option<i32>,
    limit: u64,
) -> ServiceResult<Vec<RevisionRow>> {
    let mut select = visible(Audience::Public);
    if let Some(id) = older_than {
        select = select.filter(revision::Column::Id.lt(id));
    }
    Ok(select
        .filter(revision::Column::EntityType.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_desc(revision::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::service::testing::{memory_db, model, plant};

    /// Another instance, whose clock runs an hour ahead, wrote the latest revision: the next one
    /// is stamped no earlier, so time order stays id order.
    #[tokio::test]
    async fn revision_times_never_go_backwards() {
        let db = memory_db().await;
        plant(&db, model("first", "2024-01-01")).await;
        let latest = revision::Entity::find().order_by_desc(revision::Column::Id).one(&db).await.unwrap().unwrap();
        revision::Entity::update_many()
            .col_expr(revision::Column::CreatedAt, Expr::value(Utc::now() + Duration::hours(1)))
            .filter(revision::Column::Id.eq(latest.id))
            .exec(&db)
            .await
            .unwrap();
        plant(&db, model("second", "2024-01-02")).await;
        let rows = revision::Entity::find().order_by_asc(revision::Column::Id).all(&db).await.unwrap();
        assert!(rows.len() >= 2);
        for pair in rows.windows(2) {
            assert!(pair[0].created_at <= pair[1].created_at, "{:?} then {:?}", pair[0], pair[1]);
        }
        assert!(rows.last().unwrap().created_at > Utc::now() + Duration::minutes(59));
    }
}
