use sea_orm::entity::prelude::*;

use crate::domain::CapabilityStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model_capability")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub model_id: i32,
    pub capability_id: i32,
    pub status: CapabilityStatus,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// The link names its capability.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::capability::Entity",
        from = "Column::CapabilityId",
        to = "super::capability::Column::Id"
    )]
    Capability,
}

impl Related<super::capability::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Capability.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
