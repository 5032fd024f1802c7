//! What the feedback workflow needs beyond the table the catalog migration made: a key for
//! spotting a resubmitted body from the same address, the link to what acted on a submission,
//! when its contact was erased, and indexes for the queue, the duplicate check and the counts
//! readers see on each model.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        for column in [
            string_len_null(Feedback::DuplicateKey, 64),
            string_len_null(Feedback::LinkedType, 40),
            integer_null(Feedback::LinkedId),
            timestamp_with_time_zone_null(Feedback::ContactErasedAt),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(Feedback::Table).add_column(&mut column).to_owned()).await?;
        }
        for (name, columns) in [
            ("idx_feedback_duplicate_key", vec![Feedback::DuplicateKey, Feedback::CreatedAt]),
            ("idx_feedback_subject", vec![Feedback::SubjectType, Feedback::SubjectId, Feedback::Status]),
            ("idx_feedback_reviewed_at", vec![Feedback::ReviewedAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Feedback::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_feedback_duplicate_key", "idx_feedback_subject", "idx_feedback_reviewed_at"] {
            manager.drop_index(Index::drop().name(name).table(Feedback::Table).to_owned()).await?;
        }
        for column in [Feedback::DuplicateKey, Feedback::LinkedType, Feedback::LinkedId, Feedback::ContactErasedAt] {
            manager.alter_table(Table::alter().table(Feedback::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Feedback {
    Table,
    DuplicateKey,
    LinkedType,
    LinkedId,
    ContactErasedAt,
    CreatedAt,
    SubjectType,
    SubjectId,
    Status,
    ReviewedAt,
}
