//! Predictions on the record (issue 17): every extrapolated capability and every near-term risk
//! assessment is a dated forecast about a 2–10× scaled successor, kept in `prediction` with the
//! wording it had when first public, its resolution, and its withdrawal. Rows are never
//! deleted (a model's deletion leaves them, unseen while the model is gone), so there is no
//! foreign key to the model, the capability link or the assessment they came from.
//!
//! `prediction_history` is its history table, made as `m20261205_000014_history` makes the
//! others. The predictions of an existing database are made on its first start after this
//! migration (`pending_backfill` says so), by replaying the revision log (`service::history::backfill`), because
//! `recorded_at` is the time of the first public revision that held each one.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Prediction::Table)
                    .col(pk_auto(Prediction::Id))
                    .col(integer(Prediction::ModelId))
                    .col(string_len(Prediction::Kind, 12))
                    .col(integer_null(Prediction::CapabilityId))
                    .col(integer_null(Prediction::RiskAssessmentId))
                    .col(text_null(Prediction::Statement))
                    .col(string_len_null(Prediction::Category, 40))
                    .col(string_len_null(Prediction::Severity, 16))
                    .col(string_len_null(Prediction::Likelihood, 16))
                    .col(timestamp_with_time_zone_null(Prediction::RecordedAt))
                    .col(integer_null(Prediction::RecordedRevisionId))
                    .col(text_null(Prediction::FirstStatement))
                    .col(string_len_null(Prediction::FirstCategory, 40))
                    .col(string_len_null(Prediction::FirstSeverity, 16))
                    .col(string_len_null(Prediction::FirstLikelihood, 16))
                    .col(boolean(Prediction::Withdrawn).default(false))
                    .col(string_len_null(Prediction::Outcome, 16))
                    .col(integer_null(Prediction::SuccessorId))
                    .col(text_null(Prediction::Evidence))
                    .col(string_len_null(Prediction::SourceUrl, 2000))
                    .col(timestamp_with_time_zone_null(Prediction::ResolvedAt))
                    .col(integer(Prediction::Version).default(1))
                    .col(timestamp_with_time_zone(Prediction::CreatedAt))
                    .col(timestamp_with_time_zone(Prediction::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            ("idx_prediction_capability", vec![Prediction::ModelId, Prediction::CapabilityId], true),
            ("idx_prediction_assessment", vec![Prediction::RiskAssessmentId], true),
            ("idx_prediction_recorded", vec![Prediction::RecordedAt, Prediction::Id], false),
            ("idx_prediction_successor", vec![Prediction::SuccessorId], false),
        ] {
            let mut index = Index::create();
            index.name(name).table(Prediction::Table);
            for column in columns {
                index.col(column);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        history_table(manager).await?;
        // What the service still has to do on its next start: make the predictions of the
        // catalog this database already holds, from its revision log.
        manager
            .create_table(
                Table::create()
                    .table(PendingBackfill::Table)
                    .col(string_len(PendingBackfill::Name, 40).primary_key())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            r#"INSERT INTO "pending_backfill" ("name") SELECT 'predictions' WHERE EXISTS (SELECT 1 FROM "revision")"#,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PendingBackfill::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Alias::new("prediction_history")).to_owned()).await?;
        manager.drop_table(Table::drop().table(Prediction::Table).to_owned()).await
    }
}

/// `prediction_history`: the live columns plus `valid_from` and `valid_to`, looked up by the
/// prediction, its model and its assessment (the keys the write path copies by).
async fn history_table(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = db.get_database_backend();
    match backend {
        DbBackend::Postgres => {
            db.execute_unprepared(
                r#"CREATE TABLE "prediction_history" (LIKE "prediction", "valid_from" integer NOT NULL, "valid_to" integer)"#,
            )
            .await?;
        }
        _ => {
            let columns = db
                .query_all_raw(Statement::from_string(
                    backend,
                    "SELECT name, type FROM pragma_table_info('prediction') ORDER BY cid".to_owned(),
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
            db.execute_unprepared(&format!(r#"CREATE TABLE "prediction_history" ({})"#, definitions.join(", ")))
                .await?;
        }
    }
    for (name, key) in [
        ("idx_prediction_history_key", "id"),
        ("idx_prediction_history_model", "model_id"),
        ("idx_prediction_history_assessment", "risk_assessment_id"),
        ("idx_prediction_history_valid_from", "valid_from"),
    ] {
        let mut index =
            Index::create().name(name).table(Alias::new("prediction_history")).col(Alias::new(key)).to_owned();
        if key != "valid_from" {
            index.col(Alias::new("valid_to"));
        }
        manager.create_index(index).await?;
    }
    Ok(())
}

#[derive(DeriveIden)]
enum PendingBackfill {
    Table,
    Name,
}

#[derive(DeriveIden, Clone, Copy)]
enum Prediction {
    Table,
    Id,
    ModelId,
    Kind,
    CapabilityId,
    RiskAssessmentId,
    Statement,
    Category,
    Severity,
    Likelihood,
    RecordedAt,
    RecordedRevisionId,
    FirstStatement,
    FirstCategory,
    FirstSeverity,
    FirstLikelihood,
    Withdrawn,
    Outcome,
    SuccessorId,
    Evidence,
    SourceUrl,
    ResolvedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}
