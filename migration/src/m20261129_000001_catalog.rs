//! The whole catalog as the foundation defines it: organizations, models and their relations,
//! capabilities, risk assessments, datasets, feedback, editors and the revision log.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A sort key compared byte by byte on both backends (SQLite's default BINARY collation;
/// Postgres would otherwise use the database's locale), so cursors mean the same everywhere.
fn sort_key(backend: DbBackend, col: impl IntoIden) -> ColumnDef {
    let mut def = string_len(col, 200);
    if backend == DbBackend::Postgres {
        def.extra("COLLATE \"C\"");
    }
    def
}

fn fk(
    table: impl IntoIden,
    col: impl IntoIden,
    to: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let table = table.into_iden();
    let col = col.into_iden();
    ForeignKey::create().from(table, col).to(to, Alias::new("id")).on_delete(on_delete).to_owned()
}

fn timestamps(t: &mut TableCreateStatement) -> &mut TableCreateStatement {
    t.col(integer(Alias::new("version")).default(1))
        .col(timestamp_with_time_zone(Alias::new("created_at")))
        .col(timestamp_with_time_zone(Alias::new("updated_at")))
}

async fn index(manager: &SchemaManager<'_>, table: impl IntoIden, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let table = table.into_iden();
    let name = format!("idx_{}_{}", table, cols.join("_"));
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Organization::Table)
                        .col(pk_auto(Organization::Id))
                        .col(string_len_uniq(Organization::Slug, 80))
                        .col(string_len(Organization::Name, 200))
                        .col(sort_key(backend, Organization::NameKey))
                        .col(string_len(Organization::Kind, 20))
                        .col(string_len(Organization::Country, 2))
                        .col(text_null(Organization::Website))
                        .col(text_null(Organization::Description)),
                )
                .to_owned(),
            )
            .await?;
        index(manager, Organization::Table, &["name_key"], false).await?;
        index(manager, Organization::Table, &["country"], false).await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Model::Table)
                        .col(pk_auto(Model::Id))
                        .col(string_len_uniq(Model::Slug, 80))
                        .col(string_len(Model::Name, 200))
                        .col(sort_key(backend, Model::NameKey))
                        .col(date_null(Model::AnnouncedOn))
                        .col(string_len(Model::AnnouncedPrecision, 8))
                        .col(double_null(Model::Parameters))
                        .col(string_len(Model::ParametersConfidence, 12))
                        .col(text_null(Model::ParametersNote))
                        .col(double_null(Model::TrainingComputeFlop))
                        .col(string_len(Model::TrainingComputeConfidence, 12))
                        .col(text_null(Model::TrainingComputeNote))
                        .col(text_null(Model::TrainingDataset))
                        .col(double_null(Model::TrainingDatasetSize))
                        .col(string_len_null(Model::TrainingDatasetSizeUnit, 20))
                        .col(text_null(Model::Hardware))
                        .col(double_null(Model::TrainingCostUsd))
                        .col(text_null(Model::TrainingCostNote))
                        .col(string_len(Model::Access, 20))
                        .col(string_len_null(Model::License, 200))
                        .col(integer_null(Model::BaseModelId))
                        .col(text(Model::Description))
                        .col(text(Model::IndustryContext))
                        .col(boolean(Model::Published).default(true))
                        .foreign_key(&mut fk(
                            Model::Table,
                            Model::BaseModelId,
                            Model::Table,
                            ForeignKeyAction::SetNull,
                        )),
                )
                .to_owned(),
            )
            .await?;
        for cols in [
            &["name_key"][..],
            &["announced_on"],
            &["parameters"],
            &["training_compute_flop"],
            &["base_model_id"],
            &["published"],
            &["access"],
        ] {
            index(manager, Model::Table, cols, false).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ModelAlias::Table)
                    .col(pk_auto(ModelAlias::Id))
                    .col(integer(ModelAlias::ModelId))
                    .col(string_len(ModelAlias::Alias, 200))
                    .col(integer(ModelAlias::Position))
                    .foreign_key(&mut fk(
                        ModelAlias::Table,
                        ModelAlias::ModelId,
                        Model::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, ModelAlias::Table, &["model_id", "alias"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table(ModelOrganization::Table)
                    .col(integer(ModelOrganization::ModelId))
                    .col(integer(ModelOrganization::OrganizationId))
                    .col(integer(ModelOrganization::Position))
                    .primary_key(Index::create().col(ModelOrganization::ModelId).col(ModelOrganization::OrganizationId))
                    .foreign_key(&mut fk(
                        ModelOrganization::Table,
                        ModelOrganization::ModelId,
                        Model::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ModelOrganization::Table,
                        ModelOrganization::OrganizationId,
                        Organization::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, ModelOrganization::Table, &["organization_id"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ModelModality::Table)
                    .col(integer(ModelModality::ModelId))
                    .col(string_len(ModelModality::Direction, 8))
                    .col(string_len(ModelModality::Modality, 20))
                    .primary_key(
                        Index::create()
                            .col(ModelModality::ModelId)
                            .col(ModelModality::Direction)
                            .col(ModelModality::Modality),
                    )
                    .foreign_key(&mut fk(
                        ModelModality::Table,
                        ModelModality::ModelId,
                        Model::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, ModelModality::Table, &["modality", "direction"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ModelSource::Table)
                    .col(pk_auto(ModelSource::Id))
                    .col(integer(ModelSource::ModelId))
                    .col(text(ModelSource::Url))
                    .col(text_null(ModelSource::Title))
                    .col(integer(ModelSource::Position))
                    .foreign_key(&mut fk(
                        ModelSource::Table,
                        ModelSource::ModelId,
                        Model::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, ModelSource::Table, &["model_id"], false).await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Capability::Table)
                        .col(pk_auto(Capability::Id))
                        .col(string_len_uniq(Capability::Slug, 80))
                        .col(string_len(Capability::Name, 200))
                        .col(sort_key(backend, Capability::NameKey))
                        .col(string_len(Capability::Category, 20))
                        .col(text(Capability::Description)),
                )
                .to_owned(),
            )
            .await?;
        index(manager, Capability::Table, &["name_key"], false).await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(ModelCapability::Table)
                        .col(pk_auto(ModelCapability::Id))
                        .col(integer(ModelCapability::ModelId))
                        .col(integer(ModelCapability::CapabilityId))
                        .col(string_len(ModelCapability::Status, 16))
                        .col(text_null(ModelCapability::Evidence))
                        .col(text_null(ModelCapability::SourceUrl))
                        .foreign_key(&mut fk(
                            ModelCapability::Table,
                            ModelCapability::ModelId,
                            Model::Table,
                            ForeignKeyAction::Cascade,
                        ))
                        .foreign_key(&mut fk(
                            ModelCapability::Table,
                            ModelCapability::CapabilityId,
                            Capability::Table,
                            ForeignKeyAction::Restrict,
                        )),
                )
                .to_owned(),
            )
            .await?;
        index(manager, ModelCapability::Table, &["model_id", "capability_id"], true).await?;
        index(manager, ModelCapability::Table, &["capability_id"], false).await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(RiskAssessment::Table)
                        .col(pk_auto(RiskAssessment::Id))
                        .col(integer(RiskAssessment::ModelId))
                        .col(string_len(RiskAssessment::Horizon, 16))
                        .col(string_len(RiskAssessment::Cause, 16))
                        .col(string_len(RiskAssessment::Category, 32))
                        .col(string_len(RiskAssessment::Severity, 12))
                        .col(string_len(RiskAssessment::Likelihood, 12))
                        .col(text(RiskAssessment::Summary))
                        .col(text(RiskAssessment::Rationale))
                        .col(string_len(RiskAssessment::Confidence, 12))
                        .col(date(RiskAssessment::AssessedOn))
                        .col(string_len_null(RiskAssessment::Author, 200))
                        .foreign_key(&mut fk(
                            RiskAssessment::Table,
                            RiskAssessment::ModelId,
                            Model::Table,
                            ForeignKeyAction::Cascade,
                        )),
                )
                .to_owned(),
            )
            .await?;
        for cols in [&["model_id"][..], &["horizon"], &["category"], &["assessed_on"]] {
            index(manager, RiskAssessment::Table, cols, false).await?;
        }

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Dataset::Table)
                        .col(pk_auto(Dataset::Id))
                        .col(string_len_uniq(Dataset::Slug, 80))
                        .col(string_len(Dataset::Name, 200))
                        .col(sort_key(backend, Dataset::NameKey))
                        .col(text_null(Dataset::Description))
                        .col(double_null(Dataset::Size))
                        .col(string_len_null(Dataset::SizeUnit, 20))
                        .col(text_null(Dataset::Url)),
                )
                .to_owned(),
            )
            .await?;
        index(manager, Dataset::Table, &["name_key"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ModelDataset::Table)
                    .col(integer(ModelDataset::ModelId))
                    .col(integer(ModelDataset::DatasetId))
                    .primary_key(Index::create().col(ModelDataset::ModelId).col(ModelDataset::DatasetId))
                    .foreign_key(&mut fk(
                        ModelDataset::Table,
                        ModelDataset::ModelId,
                        Model::Table,
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ModelDataset::Table,
                        ModelDataset::DatasetId,
                        Dataset::Table,
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, ModelDataset::Table, &["dataset_id"], false).await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Editor::Table)
                        .col(pk_auto(Editor::Id))
                        .col(string_len_uniq(Editor::Email, 254))
                        .col(string_len(Editor::DisplayName, 200))
                        .col(text(Editor::PasswordHash))
                        .col(string_len(Editor::Role, 12))
                        .col(boolean(Editor::Active).default(true))
                        .col(integer(Editor::TokenVersion).default(0)),
                )
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                timestamps(
                    Table::create()
                        .table(Feedback::Table)
                        .col(pk_auto(Feedback::Id))
                        .col(string_len_uniq(Feedback::TrackingCode, 40))
                        .col(string_len(Feedback::Kind, 20))
                        .col(string_len_null(Feedback::SubjectType, 40))
                        .col(integer_null(Feedback::SubjectId))
                        .col(string_len_null(Feedback::SubjectName, 200))
                        .col(text(Feedback::Body))
                        .col(text_null(Feedback::SourceUrl))
                        .col(string_len_null(Feedback::SubmitterName, 200))
                        .col(string_len_null(Feedback::SubmitterContact, 254))
                        .col(boolean(Feedback::CreditConsent).default(false))
                        .col(string_len(Feedback::Status, 12))
                        .col(integer_null(Feedback::ReviewerId))
                        .col(text_null(Feedback::ReviewNote))
                        .col(text_null(Feedback::Resolution))
                        .col(timestamp_with_time_zone_null(Feedback::ReviewedAt))
                        .foreign_key(&mut fk(
                            Feedback::Table,
                            Feedback::ReviewerId,
                            Editor::Table,
                            ForeignKeyAction::SetNull,
                        )),
                )
                .to_owned(),
            )
            .await?;
        index(manager, Feedback::Table, &["status", "created_at"], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(Revision::Table)
                    .col(pk_auto(Revision::Id))
                    .col(string_len(Revision::EntityType, 40))
                    .col(integer(Revision::EntityId))
                    .col(string_len(Revision::Action, 12))
                    .col(integer_null(Revision::EditorId))
                    .col(string_len(Revision::AuthorName, 200))
                    .col(text_null(Revision::Summary))
                    .col(json_null(Revision::Before))
                    .col(json_null(Revision::After))
                    .col(timestamp_with_time_zone(Revision::CreatedAt))
                    .foreign_key(&mut fk(Revision::Table, Revision::EditorId, Editor::Table, ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        index(manager, Revision::Table, &["entity_type", "entity_id"], false).await?;
        index(manager, Revision::Table, &["created_at"], false).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Revision::Table.into_iden(),
            Feedback::Table.into_iden(),
            Editor::Table.into_iden(),
            ModelDataset::Table.into_iden(),
            Dataset::Table.into_iden(),
            RiskAssessment::Table.into_iden(),
            ModelCapability::Table.into_iden(),
            Capability::Table.into_iden(),
            ModelSource::Table.into_iden(),
            ModelModality::Table.into_iden(),
            ModelOrganization::Table.into_iden(),
            ModelAlias::Table.into_iden(),
            Model::Table.into_iden(),
            Organization::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organization {
    Table,
    Id,
    Slug,
    Name,
    NameKey,
    Kind,
    Country,
    Website,
    Description,
}

#[derive(DeriveIden)]
enum Model {
    Table,
    Id,
    Slug,
    Name,
    NameKey,
    AnnouncedOn,
    AnnouncedPrecision,
    Parameters,
    ParametersConfidence,
    ParametersNote,
    TrainingComputeFlop,
    TrainingComputeConfidence,
    TrainingComputeNote,
    TrainingDataset,
    TrainingDatasetSize,
    TrainingDatasetSizeUnit,
    Hardware,
    TrainingCostUsd,
    TrainingCostNote,
    Access,
    License,
    BaseModelId,
    Description,
    IndustryContext,
    Published,
}

#[derive(DeriveIden)]
enum ModelAlias {
    Table,
    Id,
    ModelId,
    Alias,
    Position,
}

#[derive(DeriveIden)]
enum ModelOrganization {
    Table,
    ModelId,
    OrganizationId,
    Position,
}

#[derive(DeriveIden)]
enum ModelModality {
    Table,
    ModelId,
    Direction,
    Modality,
}

#[derive(DeriveIden)]
enum ModelSource {
    Table,
    Id,
    ModelId,
    Url,
    Title,
    Position,
}

#[derive(DeriveIden)]
enum Capability {
    Table,
    Id,
    Slug,
    Name,
    NameKey,
    Category,
    Description,
}

#[derive(DeriveIden)]
enum ModelCapability {
    Table,
    Id,
    ModelId,
    CapabilityId,
    Status,
    Evidence,
    SourceUrl,
}

#[derive(DeriveIden)]
enum RiskAssessment {
    Table,
    Id,
    ModelId,
    Horizon,
    Cause,
    Category,
    Severity,
    Likelihood,
    Summary,
    Rationale,
    Confidence,
    AssessedOn,
    Author,
}

#[derive(DeriveIden)]
enum Dataset {
    Table,
    Id,
    Slug,
    Name,
    NameKey,
    Description,
    Size,
    SizeUnit,
    Url,
}

#[derive(DeriveIden)]
enum ModelDataset {
    Table,
    ModelId,
    DatasetId,
}

#[derive(DeriveIden)]
enum Editor {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Role,
    Active,
    TokenVersion,
}

#[derive(DeriveIden)]
enum Feedback {
    Table,
    Id,
    TrackingCode,
    Kind,
    SubjectType,
    SubjectId,
    SubjectName,
    Body,
    SourceUrl,
    SubmitterName,
    SubmitterContact,
    CreditConsent,
    Status,
    ReviewerId,
    ReviewNote,
    Resolution,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum Revision {
    Table,
    Id,
    EntityType,
    EntityId,
    Action,
    EditorId,
    AuthorName,
    Summary,
    Before,
    After,
    CreatedAt,
}
