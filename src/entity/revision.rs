use sea_orm::entity::prelude::*;

use crate::domain::{EntityType, RevisionAction};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub entity_type: EntityType,
    pub entity_id: i32,
    pub action: RevisionAction,
    pub editor_id: Option<i32>,
    pub author_name: String,
    pub summary: Option<String>,
    pub before: Option<Json>,
    pub after: Option<Json>,
    pub created_at: DateTimeUtc,
    pub public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
