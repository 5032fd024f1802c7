use sea_orm::entity::prelude::*;

use crate::domain::{ImportCandidateKind, ImportCandidateStatus};

/// An entry of the editors' import queue: a new row of a source (the draft it became) or changed
/// figures of a published model, with the source's row (see `service::epoch_import::sync`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_candidate")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub source: String,
    pub natural_key: String,
    pub kind: ImportCandidateKind,
    pub model_id: i32,
    pub status: ImportCandidateStatus,
    /// `[{ field, current, proposed, editorChanged }]`, fields as `ModelRecord` spells them.
    pub changes: Json,
    pub source_row: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
