use sea_orm::entity::prelude::*;

/// What an import last wrote to one model: its natural key in the source, and the imported
/// fields as JSON (see `service::epoch_import`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub source: String,
    pub natural_key: String,
    pub model_id: i32,
    pub imported: Json,
    pub imported_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
