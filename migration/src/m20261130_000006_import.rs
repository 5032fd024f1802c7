//! What a bulk import last wrote for each entry of a source, so that a later run can tell the
//! source's changes (applied) from an editor's (kept, and reported as a conflict).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportEntry::Table)
                    .col(pk_auto(ImportEntry::Id))
                    .col(string_len(ImportEntry::Source, 40))
                    .col(string_len(ImportEntry::NaturalKey, 400))
                    .col(integer(ImportEntry::ModelId))
                    .col(json(ImportEntry::Imported))
                    .col(timestamp_with_time_zone(ImportEntry::ImportedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_entry_source_key")
                    .table(ImportEntry::Table)
                    .col(ImportEntry::Source)
                    .col(ImportEntry::NaturalKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_entry_model")
                    .table(ImportEntry::Table)
                    .col(ImportEntry::ModelId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ImportEntry::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ImportEntry {
    Table,
    Id,
    Source,
    NaturalKey,
    ModelId,
    Imported,
    ImportedAt,
}
