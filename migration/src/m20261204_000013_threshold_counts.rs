//! What a compute threshold counts besides pre-training (issue 17): two flags on
//! `compute_threshold`, false unless a legal or official text read by whoever sets them says
//! that fine-tuning or post-training compute counts towards the threshold.
//!
//! Every existing threshold keeps both flags false. When this migration was written, no stored
//! copy of the official texts (the EU AI Act's Art. 51 and recital 111, the Commission's GPAI
//! guidelines, EO 14110 Sec. 4.2) could be found and read, only secondary summaries, so no flag
//! is set here; an admin sets them through `updateComputeThreshold`, citing the text in the
//! threshold's `sourceUrl`.

use sea_orm_migration::{prelude::*, schema::boolean};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [ComputeThreshold; 2] = [ComputeThreshold::CountsFinetune, ComputeThreshold::CountsPostTraining];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One alter per column: SeaQuery's SQLite builder cannot add several in one statement.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter().table(ComputeThreshold::Table).add_column(boolean(column).default(false)).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.into_iter().rev() {
            manager.alter_table(Table::alter().table(ComputeThreshold::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum ComputeThreshold {
    Table,
    CountsFinetune,
    CountsPostTraining,
}
