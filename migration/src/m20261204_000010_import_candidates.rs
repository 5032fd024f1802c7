//! The Epoch AI sync's queue for editors: import candidates (new rows as drafts, changed figures
//! on published models as proposed changes), the dismissals it remembers per row, field and
//! value, and the HTTP validators (ETag, Last-Modified) it remembers per URL.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportCandidate::Table)
                    .col(pk_auto(ImportCandidate::Id))
                    .col(string_len(ImportCandidate::Source, 40))
                    .col(string_len(ImportCandidate::NaturalKey, 400))
                    .col(string_len(ImportCandidate::Kind, 12))
                    .col(integer(ImportCandidate::ModelId))
                    .col(string_len(ImportCandidate::Status, 12))
                    .col(json(ImportCandidate::Changes))
                    .col(json(ImportCandidate::SourceRow))
                    .col(timestamp_with_time_zone(ImportCandidate::CreatedAt))
                    .col(timestamp_with_time_zone(ImportCandidate::UpdatedAt))
                    .col(timestamp_with_time_zone_null(ImportCandidate::ResolvedAt))
                    .col(integer_null(ImportCandidate::ResolvedBy))
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("idx_import_candidate_status", vec![ImportCandidate::Status, ImportCandidate::Id]),
            ("idx_import_candidate_key", vec![ImportCandidate::Source, ImportCandidate::NaturalKey]),
            ("idx_import_candidate_model", vec![ImportCandidate::ModelId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(ImportCandidate::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ImportDismissal::Table)
                    .col(pk_auto(ImportDismissal::Id))
                    .col(string_len(ImportDismissal::Source, 40))
                    .col(string_len(ImportDismissal::NaturalKey, 400))
                    .col(string_len(ImportDismissal::Field, 60))
                    .col(string_len(ImportDismissal::ValueHash, 64))
                    .col(integer_null(ImportDismissal::EditorId))
                    .col(timestamp_with_time_zone(ImportDismissal::DismissedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_import_dismissal_value")
                    .table(ImportDismissal::Table)
                    .col(ImportDismissal::Source)
                    .col(ImportDismissal::NaturalKey)
                    .col(ImportDismissal::Field)
                    .col(ImportDismissal::ValueHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SyncSource::Table)
                    .col(pk_auto(SyncSource::Id))
                    .col(string_len(SyncSource::Url, 2000))
                    .col(string_len_null(SyncSource::Etag, 1000))
                    .col(string_len_null(SyncSource::LastModified, 200))
                    .col(timestamp_with_time_zone(SyncSource::FetchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sync_source_url")
                    .table(SyncSource::Table)
                    .col(SyncSource::Url)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SyncSource::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ImportDismissal::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ImportCandidate::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ImportCandidate {
    Table,
    Id,
    Source,
    NaturalKey,
    Kind,
    ModelId,
    Status,
    Changes,
    SourceRow,
    CreatedAt,
    UpdatedAt,
    ResolvedAt,
    ResolvedBy,
}

#[derive(DeriveIden)]
enum ImportDismissal {
    Table,
    Id,
    Source,
    NaturalKey,
    Field,
    ValueHash,
    EditorId,
    DismissedAt,
}

#[derive(DeriveIden)]
enum SyncSource {
    Table,
    Id,
    Url,
    Etag,
    LastModified,
    FetchedAt,
}
