//! Filling the history of a catalog written before the history existed, or loaded around the
//! service (e.g. the benchmark's generated SQL). The revision log holds every change's full
//! record, so the log is replayed, revision by revision, into a scratch SQLite database in
//! memory by the write path's own `Record`s, and the history that replay leaves is copied back.
//! Entries that no revision ever wrote (the thresholds a migration inserted, rows loaded by
//! SQL) are then given history rows from the start (`valid_from` 0), as they stand.

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    FromQueryResult, IntoActiveModel, Iterable, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
    sea_query::{Alias, Query, SimpleExpr},
};
use tracing::{info, warn};

use super::{TABLES, snapshot};
use crate::entity::{self, revision};
use crate::service::{ServiceError, ServiceResult, begin_write, edits};

/// Revisions read from the log at once.
const BATCH: u64 = 1_000;
/// Rows per INSERT when copying the history back.
const ROWS_PER_INSERT: usize = 200;

/// Backfills the history when it is empty (the first start after the history migration).
pub async fn backfill_if_empty(db: &DatabaseConnection) -> ServiceResult<()> {
    let tx = begin_write(db).await?;
    if has_history(&tx).await? {
        return Ok(());
    }
    fill(db, &tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the history and makes it again from the revision log and the live tables.
pub async fn rebuild(db: &DatabaseConnection) -> ServiceResult<()> {
    let tx = begin_write(db).await?;
    for table in &TABLES {
        tx.execute_unprepared(&format!(r#"DELETE FROM "{}_history""#, table.name)).await?;
    }
    fill(db, &tx).await?;
    tx.commit().await?;
    Ok(())
}

async fn has_history(db: &impl ConnectionTrait) -> ServiceResult<bool> {
    for table in &TABLES {
        let sql = format!(r#"SELECT 1 AS "found" FROM "{}_history" LIMIT 1"#, table.name);
        if db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

async fn fill(db: &DatabaseConnection, tx: &impl ConnectionTrait) -> ServiceResult<()> {
    let replayed = replay_log(db).await?;
    if let Some(scratch) = &replayed {
        copy_all(scratch, tx).await?;
        // The predictions of a catalog written before they existed are the replay's.
        let none = tx
            .query_one_raw(Statement::from_string(
                tx.get_database_backend(),
                r#"SELECT 1 AS "found" FROM "prediction" LIMIT 1"#,
            ))
            .await?
            .is_none();
        if none {
            copy_rows::<entity::prediction::Entity>(scratch, tx, "prediction", "prediction").await?;
            if tx.get_database_backend() == sea_orm::DbBackend::Postgres {
                tx.execute_unprepared(
                    r#"SELECT setval(pg_get_serial_sequence('prediction', 'id'), GREATEST((SELECT MAX("id") FROM "prediction"), 1))"#,
                )
                .await?;
            }
        }
    }
    unrecorded(tx).await?;
    Ok(())
}

/// The scratch database after replaying the whole log; `None` when the log is empty.
async fn replay_log(db: &DatabaseConnection) -> ServiceResult<Option<DatabaseConnection>> {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None).sqlx_logging(false);
    let mut scratch: Option<DatabaseConnection> = None;
    let (mut after, mut replayed, mut failed) = (0, 0u64, 0u64);
    loop {
        let rows = revision::Entity::find()
            .filter(revision::Column::Id.gt(after))
            .order_by_asc(revision::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        if scratch.is_none() {
            let fresh = Database::connect(options.clone()).await?;
            Migrator::up(&fresh, None).await.map_err(ServiceError::internal)?;
            // What the migrations wrote is there from the start.
            unrecorded(&fresh).await?;
            scratch = Some(fresh);
        }
        let scratch = scratch.as_ref().expect("made above");
        let tx = scratch.begin().await?;
        for row in rows.iter().filter(|r| r.entity_type.is_catalog()) {
            let step = async {
                let slugs_changed = edits::replay(&tx, row).await?;
                snapshot(&tx, row.entity_type, row.entity_id, row.id, slugs_changed).await
            };
            match step.await {
                Ok(()) => replayed += 1,
                Err(error) => {
                    failed += 1;
                    warn!(revision = row.id, %error, "a revision could not be replayed into the history");
                }
            }
        }
        tx.commit().await?;
    }
    if scratch.is_some() {
        info!(replayed, failed, "the history was rebuilt from the revision log");
    }
    Ok(scratch)
}

/// Copies every history table of `scratch` into `tx`.
async fn copy_all(scratch: &DatabaseConnection, tx: &impl ConnectionTrait) -> ServiceResult<()> {
    macro_rules! copy_tables {
        ($($module:ident),+) => {
            $(copy::<entity::$module::Entity>(scratch, tx, stringify!($module)).await?;)+
        };
    }
    copy_tables!(
        model,
        model_alias,
        model_capability,
        model_dataset,
        model_modality,
        model_organization,
        model_source,
        organization,
        capability,
        dataset,
        risk_assessment,
        compute_threshold,
        former_slug,
        prediction
    );
    Ok(())
}

async fn copy<E>(scratch: &DatabaseConnection, tx: &impl ConnectionTrait, table: &str) -> ServiceResult<()>
where
    E: EntityTrait,
    E::Model: FromQueryResult + IntoActiveModel<E::ActiveModel>,
{
    copy_rows::<E>(scratch, tx, &format!("{table}_history"), &format!("{table}_history")).await
}

/// Copies every row of `from` in `scratch` to `to` in `tx`: `E`'s columns, and the history's
/// `valid_from` and `valid_to` when `from` is a history table.
async fn copy_rows<E>(
    scratch: &DatabaseConnection,
    tx: &impl ConnectionTrait,
    from: &str,
    to: &str,
) -> ServiceResult<()>
where
    E: EntityTrait,
    E::Model: FromQueryResult + IntoActiveModel<E::ActiveModel>,
{
    let columns: Vec<_> = E::Column::iter().collect();
    let names: Vec<String> = columns.iter().map(|c| sea_orm::IdenStatic::as_str(c).to_owned()).collect();
    let list = names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
    let history = from.ends_with("_history");
    let sql = if history {
        format!(r#"SELECT {list}, "valid_from", "valid_to" FROM "{from}" ORDER BY "valid_from""#)
    } else {
        format!(r#"SELECT {list} FROM "{from}" ORDER BY "id""#)
    };
    let rows = scratch.query_all_raw(Statement::from_string(scratch.get_database_backend(), sql)).await?;
    let mut targets: Vec<Alias> = names.iter().map(Alias::new).collect();
    if history {
        targets.extend([Alias::new("valid_from"), Alias::new("valid_to")]);
    }
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(to)).columns(targets.clone());
        for row in chunk {
            let active = E::Model::from_query_result(row, "")?.into_active_model();
            let mut values: Vec<SimpleExpr> = Vec::with_capacity(targets.len());
            for column in &columns {
                let value = active
                    .get(*column)
                    .into_value()
                    .ok_or_else(|| ServiceError::internal(anyhow::anyhow!("a {from} row lacks a column")))?;
                values.push(value.into());
            }
            if history {
                values.push(row.try_get::<i32>("", "valid_from")?.into());
                values.push(row.try_get::<Option<i32>>("", "valid_to")?.into());
            }
            insert.values(values).map_err(ServiceError::internal)?;
        }
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Gives every live row that has no history (no revision ever wrote its entry) a row from the
/// start.
async fn unrecorded(db: &impl ConnectionTrait) -> ServiceResult<()> {
    let mut statements = Vec::new();
    for table in &TABLES {
        let (name, columns) = (table.name, (table.columns)());
        let absent = match name {
            "former_slug" => r#"h."entity_type" = t."entity_type" AND h."slug" = t."slug""#.to_owned(),
            _ if name.starts_with("model_") => {
                // A model's rows go with the model: none of them if the model has history.
                statements.push(format!(
                    r#"INSERT INTO "{name}_history" ({columns}, "valid_from") SELECT {columns}, 0 FROM "{name}" t WHERE NOT EXISTS (SELECT 1 FROM "model_history" h WHERE h."id" = t."model_id" AND h."valid_from" > 0)"#
                ));
                continue;
            }
            _ => r#"h."id" = t."id""#.to_owned(),
        };
        statements.push(format!(
            r#"INSERT INTO "{name}_history" ({columns}, "valid_from") SELECT {columns}, 0 FROM "{name}" t WHERE NOT EXISTS (SELECT 1 FROM "{name}_history" h WHERE {absent})"#
        ));
    }
    // Models first, so that their rows see whether the model had history before this step.
    statements.sort_by_key(|s| !s.contains(r#"INTO "model_history""#));
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}
