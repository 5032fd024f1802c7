//! The catalog as recorded at any past instant (issue 18): one history table per catalog table,
//! `<table>_history`, with the live table's columns plus the revision that wrote the row
//! (`valid_from`) and the revision that replaced it (`valid_to`, NULL while it is current).
//! The write path (`service::history::snapshot`) fills them in each change's own transaction;
//! a past read sees the live tables' names bound to the history rows of one revision, so every
//! existing read (filters, orderings, pages, counts, relations) answers about the past unchanged.
//!
//! A later migration that adds a column to a catalog table adds it to the history table too
//! (the write path copies the live table's columns by name, so a missing one fails every write,
//! and the suite with it).
//!
//! SeaQuery cannot say "a table shaped like that one", so the tables are made in each backend's
//! SQL: Postgres copies the shape with `LIKE` (columns, types and NOT NULL; no keys, defaults or
//! indexes); SQLite gets the declared types `pragma_table_info` reports, so values decode as
//! they do from the live table. `revision_log` is a view of the revision table under another
//! name, so that a past read can bind `revision` to the revisions up to its instant.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each catalog table, and the columns its history is looked up by.
const TABLES: [(&str, &[&str]); 13] = [
    ("model", &["id"]),
    ("model_alias", &["model_id"]),
    ("model_capability", &["model_id"]),
    ("model_dataset", &["model_id"]),
    ("model_modality", &["model_id"]),
    ("model_organization", &["model_id"]),
    ("model_source", &["model_id"]),
    ("organization", &["id"]),
    ("capability", &["id"]),
    ("dataset", &["id"]),
    ("risk_assessment", &["id"]),
    ("compute_threshold", &["id"]),
    ("former_slug", &["entity_type", "slug"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        for (table, keys) in TABLES {
            let history = format!("{table}_history");
            match backend {
                DbBackend::Postgres => {
                    db.execute_unprepared(&format!(
                        r#"CREATE TABLE "{history}" (LIKE "{table}", "valid_from" integer NOT NULL, "valid_to" integer)"#
                    ))
                    .await?;
                }
                _ => {
                    let columns = db
                        .query_all_raw(Statement::from_string(
                            backend,
                            format!("SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"),
                        ))
                        .await?;
                    let mut definitions = Vec::new();
                    for column in columns {
                        let name: String = column.try_get("", "name")?;
                        let kind: String = column.try_get("", "type")?;
                        definitions.push(format!(r#""{name}" {kind}"#));
                    }
                    definitions.push(r#""valid_from" integer NOT NULL"#.into());
                    definitions.push(r#""valid_to" integer"#.into());
                    db.execute_unprepared(&format!(r#"CREATE TABLE "{history}" ({})"#, definitions.join(", "))).await?;
                }
            }
            // Writes close a key's open rows; past reads join on the same keys.
            let mut index = Index::create().name(format!("idx_{history}_key")).table(Alias::new(&history)).to_owned();
            for key in keys {
                index.col(Alias::new(*key));
            }
            manager.create_index(index.col(Alias::new("valid_to")).to_owned()).await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{history}_valid_from"))
                        .table(Alias::new(&history))
                        .col(Alias::new("valid_from"))
                        .to_owned(),
                )
                .await?;
        }
        // A past catalog page reads newest first, as the present one does (idx_model_newest).
        match backend {
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE INDEX idx_model_history_newest ON model_history (announced_on DESC NULLS LAST, id ASC)",
                )
                .await?;
            }
            _ => {
                manager
                    .create_index(
                        Index::create()
                            .name("idx_model_history_newest")
                            .table(Alias::new("model_history"))
                            .col((Alias::new("announced_on"), IndexOrder::Desc))
                            .col((Alias::new("id"), IndexOrder::Asc))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        db.execute_unprepared(r#"CREATE VIEW "revision_log" AS SELECT * FROM "revision""#).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(r#"DROP VIEW "revision_log""#).await?;
        for (table, _) in TABLES.iter().rev() {
            manager.drop_table(Table::drop().table(Alias::new(format!("{table}_history"))).to_owned()).await?;
        }
        Ok(())
    }
}
