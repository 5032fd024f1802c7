use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model_dataset")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub model_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub dataset_id: i32,
}

/// The link names its dataset: a model's datasets are read through it in one join.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::dataset::Entity", from = "Column::DatasetId", to = "super::dataset::Column::Id")]
    Dataset,
}

impl Related<super::dataset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Dataset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
