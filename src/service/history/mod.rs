//! The catalog as recorded at any past instant (issue 18).
//!
//! **Storage.** Each catalog table has a history table (`migration`'s `m20261205_000014_history`):
//! the live table's columns, plus `valid_from`, the revision that wrote the row, and `valid_to`,
//! the revision that replaced it. Every change copies its entry's rows there in its own
//! transaction, right after its revision ([`snapshot`]). I chose tables over rebuilding the past
//! from the revision log's JSON because a past read then *is* a present read: [`Past`] binds the
//! live tables' names to the rows of one revision, and the filters, orderings, keyset pages,
//! counts, relations and analyses that serve the present serve the past, with no second filter
//! engine to keep in step.
//!
//! **Time.** A revision's `created_at` never goes backwards (`revisions::record`), so the state
//! "as recorded at T" is the state after the last revision stamped at or before T: one id.

mod backfill;
mod diff;
mod past;

use sea_orm::{ConnectionTrait, Iterable};
use std::sync::OnceLock;

pub use backfill::{backfill_if_empty, rebuild};
pub use diff::{FieldChange, changed_fields, changes};
pub use past::{Past, Reader, as_recorded_at};

use super::ServiceResult;
use crate::domain::EntityType;
use crate::entity;

/// A catalog table and its columns, as the history copies them.
struct Table {
    name: &'static str,
    columns: fn() -> &'static str,
}

/// The quoted column list of entity `E`, made once.
macro_rules! table {
    ($module:ident) => {
        Table {
            name: stringify!($module),
            columns: || {
                static COLUMNS: OnceLock<String> = OnceLock::new();
                COLUMNS.get_or_init(|| {
                    <entity::$module::Column as Iterable>::iter()
                        .map(|c| format!("\"{}\"", sea_orm::IdenStatic::as_str(&c)))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            },
        }
    };
}

/// Every catalog table with a history.
const TABLES: [Table; 14] = [
    table!(model),
    table!(model_alias),
    table!(model_capability),
    table!(model_dataset),
    table!(model_modality),
    table!(model_organization),
    table!(model_source),
    table!(organization),
    table!(capability),
    table!(dataset),
    table!(risk_assessment),
    table!(compute_threshold),
    table!(former_slug),
    table!(prediction),
];

fn table(name: &str) -> &'static Table {
    TABLES.iter().find(|t| t.name == name).expect("a catalog table")
}

/// The rows of one entry: the tables that hold them and the column naming the entry.
fn rows_of(kind: EntityType) -> &'static [(&'static str, &'static str)] {
    match kind {
        EntityType::Model => &[
            ("model", "id"),
            ("model_alias", "model_id"),
            ("model_capability", "model_id"),
            ("model_dataset", "model_id"),
            ("model_modality", "model_id"),
            ("model_organization", "model_id"),
            ("model_source", "model_id"),
            ("prediction", "model_id"),
        ],
        EntityType::Organization => &[("organization", "id")],
        EntityType::Capability => &[("capability", "id")],
        EntityType::Dataset => &[("dataset", "id")],
        EntityType::RiskAssessment => &[("risk_assessment", "id"), ("prediction", "risk_assessment_id")],
        EntityType::ComputeThreshold => &[("compute_threshold", "id")],
        EntityType::Prediction => &[("prediction", "id")],
        EntityType::Editor | EntityType::Feedback | EntityType::ImportCandidate => &[],
    }
}

/// Copies entry `id`'s rows, as the writing transaction `tx` left them, into the history as of
/// revision `revision`, closing the rows they replace. `slugs_changed` says the entry took or
/// gave up a slug, which may move other entries' former slugs too: then all former slugs of
/// its kind are copied (renames are rare; the list is short). One round trip.
pub async fn snapshot(
    tx: &impl ConnectionTrait,
    kind: EntityType,
    id: i32,
    revision: i32,
    slugs_changed: bool,
) -> ServiceResult<()> {
    let mut statements = Vec::new();
    for (name, key) in rows_of(kind) {
        copy(&mut statements, table(name), &format!(r#""{key}" = {id}"#), revision);
    }
    if slugs_changed && !rows_of(kind).is_empty() {
        copy(&mut statements, table("former_slug"), &format!(r#""entity_type" = '{}'"#, kind.as_str()), revision);
    }
    if !statements.is_empty() {
        tx.execute_unprepared(&statements.join(";\n")).await?;
    }
    Ok(())
}

fn copy(statements: &mut Vec<String>, table: &Table, rows: &str, revision: i32) {
    let (name, columns) = (table.name, (table.columns)());
    statements
        .push(format!(r#"UPDATE "{name}_history" SET "valid_to" = {revision} WHERE {rows} AND "valid_to" IS NULL"#));
    statements.push(format!(
        r#"INSERT INTO "{name}_history" ({columns}, "valid_from") SELECT {columns}, {revision} FROM "{name}" WHERE {rows}"#
    ));
}
