use sea_orm::entity::prelude::*;

use crate::domain::EntityType;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "former_slug")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub entity_type: EntityType,
    pub slug: String,
    pub entity_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
