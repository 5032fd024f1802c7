use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model_organization")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub model_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub organization_id: i32,
    pub position: i32,
}

/// The link names its organization: a model's organizations are read through it in one join.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
