//! The catalog's default order, newest first with undated models last, read straight from an
//! index instead of sorting every model for each page.
//!
//! The one statement here that is not a SeaQuery builder: SeaQuery's index builder cannot say
//! `NULLS LAST`, and Postgres needs it to serve `announced_on DESC NULLS LAST` from an index.
//! SQLite sorts NULLs last in a descending index anyway, so the builder's index serves it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "idx_model_newest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "CREATE INDEX {INDEX} ON model (announced_on DESC NULLS LAST, id ASC)"
                    ))
                    .await?;
            }
            _ => {
                manager
                    .create_index(
                        Index::create()
                            .name(INDEX)
                            .table(Alias::new("model"))
                            .col((Alias::new("announced_on"), IndexOrder::Desc))
                            .col((Alias::new("id"), IndexOrder::Asc))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Alias::new("model")).to_owned()).await
    }
}
