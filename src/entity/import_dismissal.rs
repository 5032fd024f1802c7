use sea_orm::entity::prelude::*;

/// A value of one field of one source row that an editor dismissed: the sync does not propose
/// that value again.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_dismissal")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub source: String,
    pub natural_key: String,
    pub field: String,
    /// SHA-256 of the value's JSON text.
    pub value_hash: String,
    pub editor_id: Option<i32>,
    pub dismissed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
