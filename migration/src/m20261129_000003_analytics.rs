//! What the analysts' queries need: named compute thresholds (seeded with the three that
//! matter in policy today) and indexes for the filters that are asked most.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The defaults: (slug, name, FLOP, description, source).
const DEFAULT_THRESHOLDS: [(&str, &str, f64, &str, &str); 3] = [
    (
        "epoch-large-scale",
        "Large-scale model (Epoch AI)",
        1e23,
        "Epoch AI counts models trained with more than 1e23 FLOP as large-scale.",
        "https://epoch.ai/data/large-scale-ai-models",
    ),
    (
        "eu-ai-act-systemic-risk",
        "EU AI Act: presumed systemic risk",
        1e25,
        "The EU AI Act (Art. 51) presumes that a general-purpose AI model trained with more than 1e25 FLOP has high-impact capabilities and so poses systemic risk.",
        "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
    ),
    (
        "us-eo-14110-reporting",
        "US Executive Order 14110 reporting line",
        1e26,
        "The 2023 US executive order on AI (EO 14110, Sec. 4.2) required developers of models trained with more than 1e26 operations to report to the government (revoked in January 2025).",
        "https://www.federalregister.gov/d/2023-24283",
    ),
];

/// Indexes for frequent filters that the catalog migration does not already have.
const INDEXES: [(&str, &[&str]); 6] = [
    ("organization", &["kind"]),
    ("capability", &["category"]),
    ("risk_assessment", &["severity"]),
    ("risk_assessment", &["cause"]),
    ("model", &["training_cost_usd"]),
    ("model", &["published", "announced_on"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ComputeThreshold::Table)
                    .col(pk_auto(ComputeThreshold::Id))
                    .col(string_len_uniq(ComputeThreshold::Slug, 80))
                    .col(string_len(ComputeThreshold::Name, 200))
                    .col(double(ComputeThreshold::Flop))
                    .col(text(ComputeThreshold::Description))
                    .col(text_null(ComputeThreshold::SourceUrl))
                    .col(integer(ComputeThreshold::Version).default(1))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_compute_threshold_flop")
                    .table(ComputeThreshold::Table)
                    .col(ComputeThreshold::Flop)
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(ComputeThreshold::Table).columns([
            ComputeThreshold::Slug,
            ComputeThreshold::Name,
            ComputeThreshold::Flop,
            ComputeThreshold::Description,
            ComputeThreshold::SourceUrl,
        ]);
        for (slug, name, flop, description, source) in DEFAULT_THRESHOLDS {
            insert.values_panic([slug.into(), name.into(), flop.into(), description.into(), source.into()]);
        }
        manager.exec_stmt(insert.to_owned()).await?;

        for (table, cols) in INDEXES {
            let mut index = Index::create();
            index.name(format!("idx_{table}_{}", cols.join("_"))).table(Alias::new(table));
            for col in cols {
                index.col(Alias::new(*col));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, cols) in INDEXES {
            manager
                .drop_index(
                    Index::drop().name(format!("idx_{table}_{}", cols.join("_"))).table(Alias::new(table)).to_owned(),
                )
                .await?;
        }
        manager.drop_table(Table::drop().table(ComputeThreshold::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ComputeThreshold {
    Table,
    Id,
    Slug,
    Name,
    Flop,
    Description,
    SourceUrl,
    Version,
}
