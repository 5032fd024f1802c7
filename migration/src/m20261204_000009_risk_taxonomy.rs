//! The MIT AI Risk Repository's classification of each risk assessment (issue 19): its
//! subdomain in the Domain Taxonomy and its entity, intent and timing in the Causal Taxonomy,
//! and the URL of the evidence the rationale cites. The columns are nullable: on an existing
//! database this fills only what follows from (category, cause) alone and leaves the rest for
//! editors, since e.g. "bias and harmful content" may be 1.1, 1.2 or 1.3.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (categories, causes or None for any, subdomain, entity, intent, timing); None leaves a
/// column null. Applied in order, each only to the rows no rule before it classified.
type Rule = (&'static [&'static str], Option<&'static [&'static str]>, &'static str, Causal, Causal, Causal);
type Causal = Option<&'static str>;

const RULES: &[Rule] = &[
    (&["cyber_offense", "bio_chem"], Some(&["malicious"]), "cyberattacks_weapons_mass_harm", HUMAN, INTENTIONAL, POST),
    (&["disinformation"], Some(&["malicious"]), "disinformation_surveillance_influence", HUMAN, INTENTIONAL, POST),
    (&["fraud_impersonation"], Some(&["malicious"]), "fraud_scams_manipulation", HUMAN, INTENTIONAL, POST),
    (&["privacy"], Some(&["malicious"]), "privacy_compromise", HUMAN, INTENTIONAL, POST),
    (&["privacy"], Some(&["accidental"]), "privacy_compromise", AI, UNINTENTIONAL, POST),
    (&["overreliance"], Some(&["accidental"]), "overreliance_unsafe_use", AI, UNINTENTIONAL, POST),
    (&["labor_economic"], Some(&["structural"]), "inequality_employment_quality", OTHER, OTHER, POST),
    (&["concentration_of_power"], Some(&["structural"]), "power_centralization", OTHER, OTHER, POST),
    (&["autonomy_loss_of_control"], Some(&["accidental", "structural"]), "misaligned_goals", AI, None, None),
    // The subdomain alone, whatever the cause.
    (&["fraud_impersonation"], None, "fraud_scams_manipulation", None, None, None),
    (&["privacy"], None, "privacy_compromise", None, None, None),
    (&["overreliance"], None, "overreliance_unsafe_use", None, None, None),
    (&["labor_economic"], None, "inequality_employment_quality", None, None, None),
    (&["concentration_of_power"], None, "power_centralization", None, None, None),
];

const HUMAN: Option<&str> = Some("human");
const AI: Option<&str> = Some("ai");
const OTHER: Option<&str> = Some("other");
const INTENTIONAL: Option<&str> = Some("intentional");
const UNINTENTIONAL: Option<&str> = Some("unintentional");
const POST: Option<&str> = Some("post_deployment");

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(RiskAssessment::MitSubdomain).string_len(48).null().to_owned(),
            ColumnDef::new(RiskAssessment::MitEntity).string_len(16).null().to_owned(),
            ColumnDef::new(RiskAssessment::MitIntent).string_len(16).null().to_owned(),
            ColumnDef::new(RiskAssessment::MitTiming).string_len(16).null().to_owned(),
            ColumnDef::new(RiskAssessment::SourceUrl).text().null().to_owned(),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(RiskAssessment::Table).add_column(&mut column).to_owned()).await?;
        }
        for (categories, causes, subdomain, entity, intent, timing) in RULES {
            let mut update = Query::update();
            update.table(RiskAssessment::Table).value(RiskAssessment::MitSubdomain, *subdomain);
            for (column, value) in [
                (RiskAssessment::MitEntity, entity),
                (RiskAssessment::MitIntent, intent),
                (RiskAssessment::MitTiming, timing),
            ] {
                if let Some(value) = value {
                    update.value(column, *value);
                }
            }
            update
                .and_where(Expr::col(RiskAssessment::MitSubdomain).is_null())
                .and_where(Expr::col(RiskAssessment::Category).is_in(categories.iter().copied()));
            if let Some(causes) = causes {
                update.and_where(Expr::col(RiskAssessment::Cause).is_in(causes.iter().copied()));
            }
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            RiskAssessment::MitSubdomain,
            RiskAssessment::MitEntity,
            RiskAssessment::MitIntent,
            RiskAssessment::MitTiming,
            RiskAssessment::SourceUrl,
        ] {
            manager.alter_table(Table::alter().table(RiskAssessment::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum RiskAssessment {
    Table,
    Category,
    Cause,
    MitSubdomain,
    MitEntity,
    MitIntent,
    MitTiming,
    SourceUrl,
}
