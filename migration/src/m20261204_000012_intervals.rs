//! Uncertainty as data (issue 17): a 90% interval for the parameter count and the training
//! compute, and the compute added by fine-tuning and by post-training, each a nullable double
//! on `model`. Nothing is filled on an existing database: the starter catalog's update and
//! the Epoch importer fill them where a source states them.

use sea_orm_migration::{prelude::*, schema::double_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [Model; 6] = [
    Model::ParametersLow,
    Model::ParametersHigh,
    Model::TrainingComputeFlopLow,
    Model::TrainingComputeFlopHigh,
    Model::FinetuneComputeFlop,
    Model::PostTrainingComputeFlop,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One alter per column: SeaQuery's SQLite builder cannot add several in one statement.
        for column in COLUMNS {
            manager.alter_table(Table::alter().table(Model::Table).add_column(double_null(column)).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS.into_iter().rev() {
            manager.alter_table(Table::alter().table(Model::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Model {
    Table,
    ParametersLow,
    ParametersHigh,
    TrainingComputeFlopLow,
    TrainingComputeFlopHigh,
    FinetuneComputeFlop,
    PostTrainingComputeFlop,
}
