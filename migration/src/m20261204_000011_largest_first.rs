//! Largest first, read from an index: the order analysts ask for most after newest first
//! (`orderBy: TRAINING_COMPUTE_FLOP DESC`), alone and within an access class ("the largest
//! open-weights models"), with the count of such a filter answered from the index alone.
//!
//! Measured on the 50,000-model bench catalog (bench/README.md, "Growth"): the filtered page
//! (open weights, ≥ 1e24 FLOP, since 2023, largest first; 9,470 matches) sorted every match,
//! 27 ms for the page and 30 ms for its `totalCount`; with these indexes the page reads 53
//! index entries (0.3 ms) and the count is an index-only scan (2 ms).
//!
//! As in `m20261130_000007_newest_first`, Postgres needs `NULLS LAST` (and `INCLUDE`, so the
//! count reads no table rows), which SeaQuery's index builder cannot say; SQLite sorts NULLs
//! last in a descending index anyway, so the builder's index serves it, with the count's
//! columns at the end of its key instead of included (on SQLite the count took 48 ms reading
//! table rows, 1.2 ms from the index alone).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LARGEST: &str = "idx_model_largest";
const ACCESS_LARGEST: &str = "idx_model_access_largest";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                let db = manager.get_connection();
                db.execute_unprepared(&format!(
                    "CREATE INDEX {LARGEST} ON model (training_compute_flop DESC NULLS LAST, id ASC)"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE INDEX {ACCESS_LARGEST} ON model (access, training_compute_flop DESC NULLS LAST, id ASC) \
                     INCLUDE (announced_on, published)"
                ))
                .await?;
            }
            _ => {
                let largest = |name: &str, access: bool| {
                    let mut index = Index::create();
                    index.name(name).table(Alias::new("model"));
                    if access {
                        index.col(Alias::new("access"));
                    }
                    index
                        .col((Alias::new("training_compute_flop"), IndexOrder::Desc))
                        .col((Alias::new("id"), IndexOrder::Asc));
                    if access {
                        // SQLite has no INCLUDE: the columns the count filters on trail the key.
                        index.col(Alias::new("announced_on")).col(Alias::new("published"));
                    }
                    index.to_owned()
                };
                manager.create_index(largest(LARGEST, false)).await?;
                manager.create_index(largest(ACCESS_LARGEST, true)).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [ACCESS_LARGEST, LARGEST] {
            manager.drop_index(Index::drop().name(name).table(Alias::new("model")).to_owned()).await?;
        }
        Ok(())
    }
}
