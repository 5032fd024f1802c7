use sea_orm::entity::prelude::*;

use crate::domain::{Modality, ModalityDirection};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model_modality")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub model_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub direction: ModalityDirection,
    #[sea_orm(primary_key, auto_increment = false)]
    pub modality: Modality,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
