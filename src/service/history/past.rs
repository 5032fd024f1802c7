//! Reading the catalog as it stood at a past instant. A [`Reader`] is a connection: the present
//! passes every statement through; a past reader prefixes it with common table expressions that
//! bind each catalog table's name (and `revision`'s) to its rows as of one revision. A CTE
//! shadows the table of the same name, so every read of the service runs on the past as written.
//! The CTEs are `NOT MATERIALIZED` (Postgres ≥ 12, SQLite ≥ 3.35): the planner inlines them and
//! pushes each read's own conditions into them, so a past page reads rows by key as the
//! present does.

use std::pin::Pin;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, ExecResult, QueryFilter,
    QueryOrder, QueryResult, QuerySelect, Statement, StreamTrait,
};

use super::TABLES;
use crate::entity::revision;
use crate::service::{ServiceError, ServiceResult, revisions};

/// An instant of record time: the state after revision `revision` (0 before the first), which
/// is what the catalog said at `at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Past {
    pub revision: i32,
    pub at: DateTime<Utc>,
}

/// Which past `at` (the argument `field` of the request) names. A time in the future is the
/// client's mistake. Takes and releases the revision log's lock first, so that every revision
/// stamped at or before `at` has committed: the answer cannot change later.
pub async fn as_recorded_at(db: &DatabaseConnection, field: &str, at: DateTime<Utc>) -> ServiceResult<Past> {
    if at > Utc::now() {
        return Err(ServiceError::bad_input(field, "is in the future: the catalog has no record of it yet"));
    }
    if db.get_database_backend() == DbBackend::Postgres {
        let tx = sea_orm::TransactionTrait::begin(db).await?;
        revisions::lock_log(&tx).await?;
        tx.commit().await?;
    }
    // The newest revision stamped at or before `at`. Stamps never go backwards in id order
    // (`revisions::revision_times_never_go_backwards`), so the last by time is the last by id,
    // and ordering by time lets both databases seek in `idx_revision_created_at`. Ordered by id
    // alone, Postgres walked the primary key back from the newest revision and SQLite sorted
    // every earlier one: at 50,000 models (302,050 revisions), an instant a month back took
    // 160-2,175 ms on Postgres (0.06-0.56 now; `EXPLAIN ANALYZE`, the machine busy), and a
    // recent one 90 ms on SQLite (0.02 now).
    let revision: Option<i32> = revision::Entity::find()
        .select_only()
        .column(revision::Column::Id)
        .filter(revision::Column::CreatedAt.lte(at))
        .order_by_desc(revision::Column::CreatedAt)
        .order_by_desc(revision::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(Past { revision: revision.unwrap_or(0), at })
}

/// A connection to the catalog as it stands now, or as it stood at a past instant.
#[derive(Clone, Debug)]
pub struct Reader {
    db: DatabaseConnection,
    past: Option<Past>,
}

impl Reader {
    pub fn now(db: DatabaseConnection) -> Self {
        Reader { db, past: None }
    }

    pub fn past(db: DatabaseConnection, past: Past) -> Self {
        Reader { db, past: Some(past) }
    }

    pub fn when(&self) -> Option<Past> {
        self.past
    }

    fn bind(&self, mut statement: Statement) -> Statement {
        if let Some(past) = self.past {
            statement.sql = bind(&statement.sql, past.revision);
        }
        statement
    }
}

/// `sql` with each catalog table it names bound to that table's rows as of `revision`.
fn bind(sql: &str, revision: i32) -> String {
    let mut ctes = Vec::new();
    for table in &TABLES {
        if names(sql, table.name) {
            let columns = (table.columns)();
            ctes.push(format!(
                r#""{name}" AS NOT MATERIALIZED (SELECT {columns} FROM "{name}_history" WHERE "valid_from" <= {revision} AND ("valid_to" IS NULL OR "valid_to" > {revision}))"#,
                name = table.name,
            ));
        }
    }
    if names(sql, "revision") {
        ctes.push(format!(r#""revision" AS NOT MATERIALIZED (SELECT * FROM "revision_log" WHERE "id" <= {revision})"#));
    }
    if ctes.is_empty() {
        return sql.to_owned();
    }
    let ctes = ctes.join(", ");
    // A statement with a WITH of its own gets these first in its list.
    let mut rest = sql.trim_start();
    let mut head = String::new();
    for keyword in ["WITH", "RECURSIVE"] {
        let word = rest.split_whitespace().next().unwrap_or("");
        if !word.eq_ignore_ascii_case(keyword) {
            break;
        }
        head.push_str(keyword);
        head.push(' ');
        rest = rest[word.len()..].trim_start();
    }
    if head.is_empty() { format!("WITH {ctes} {sql}") } else { format!("{head}{ctes}, {rest}") }
}

/// Whether `sql` names `table` as a whole word (quoted or not).
fn names(sql: &str, table: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let bytes = sql.as_bytes();
    sql.match_indices(table).any(|(start, _)| {
        let end = start + table.len();
        (start == 0 || !word(bytes[start - 1])) && (end == bytes.len() || !word(bytes[end]))
    })
}

#[async_trait::async_trait]
impl ConnectionTrait for Reader {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.db.execute_raw(self.bind(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self.past {
            Some(past) => self.db.execute_unprepared(&bind(sql, past.revision)).await,
            None => self.db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.db.query_one_raw(self.bind(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.db.query_all_raw(self.bind(stmt)).await
    }
}

impl StreamTrait for Reader {
    type Stream<'a> = <DatabaseConnection as StreamTrait>::Stream<'a>;

    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    fn stream_raw<'a>(
        &'a self,
        stmt: Statement,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Stream<'a>, DbErr>> + 'a + Send>> {
        self.db.stream_raw(self.bind(stmt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_only_the_tables_a_statement_names() {
        let sql = bind(r#"SELECT "model"."id" FROM "model" WHERE "model"."model_id" = 1"#, 7);
        assert!(sql.starts_with(r#"WITH "model" AS NOT MATERIALIZED (SELECT "id", "#), "{sql}");
        assert!(
            sql.contains(r#"FROM "model_history" WHERE "valid_from" <= 7 AND ("valid_to" IS NULL OR "valid_to" > 7)"#)
        );
        assert!(!sql.contains("model_alias"), "{sql}");
        assert!(sql.ends_with(r#"SELECT "model"."id" FROM "model" WHERE "model"."model_id" = 1"#));
    }

    #[test]
    fn joins_a_statement_that_has_common_table_expressions_of_its_own() {
        let sql = bind("WITH RECURSIVE\n  lineage AS (SELECT id FROM model) SELECT * FROM lineage", 3);
        assert!(sql.starts_with(r#"WITH RECURSIVE "model" AS NOT MATERIALIZED"#), "{sql}");
        assert!(sql.ends_with(", lineage AS (SELECT id FROM model) SELECT * FROM lineage"), "{sql}");
    }

    #[test]
    fn a_statement_without_catalog_tables_is_unchanged() {
        assert_eq!(bind("SELECT 1", 3), "SELECT 1");
        assert_eq!(bind(r#"SELECT "model_name" FROM "feedback""#, 3), r#"SELECT "model_name" FROM "feedback""#);
    }
}
