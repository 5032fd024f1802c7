//! What editing needs beyond the foundation: whether the public may read a revision (decided
//! when it is written, from whether the entry was published before or after the change), and
//! the slugs an entry had before it was renamed, so old links keep resolving.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Revision::Table).add_column(boolean(Revision::Public).default(false)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revision_public_id")
                    .table(Revision::Table)
                    .col(Revision::Public)
                    .col(Revision::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FormerSlug::Table)
                    .col(pk_auto(FormerSlug::Id))
                    .col(string_len(FormerSlug::EntityType, 40))
                    .col(string_len(FormerSlug::Slug, 80))
                    .col(integer(FormerSlug::EntityId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_former_slug_entity_type_slug")
                    .table(FormerSlug::Table)
                    .col(FormerSlug::EntityType)
                    .col(FormerSlug::Slug)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(FormerSlug::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name("idx_revision_public_id").table(Revision::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Revision::Table).drop_column(Revision::Public).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Revision {
    Table,
    Id,
    Public,
}

#[derive(DeriveIden)]
enum FormerSlug {
    Table,
    Id,
    EntityType,
    Slug,
    EntityId,
}
