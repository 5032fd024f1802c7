use sea_orm::entity::prelude::*;

use crate::domain::{Access, Confidence, DatePrecision, SizeUnit};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub name_key: String,
    pub announced_on: Option<Date>,
    pub announced_precision: DatePrecision,
    pub parameters: Option<f64>,
    /// The lower bound of a 90% interval around `parameters`.
    pub parameters_low: Option<f64>,
    pub parameters_high: Option<f64>,
    pub parameters_confidence: Confidence,
    pub parameters_note: Option<String>,
    pub training_compute_flop: Option<f64>,
    /// The lower bound of a 90% interval around `training_compute_flop`.
    pub training_compute_flop_low: Option<f64>,
    pub training_compute_flop_high: Option<f64>,
    /// The compute added by fine-tuning (not the base model's), in FLOP.
    pub finetune_compute_flop: Option<f64>,
    /// The compute added by post-training, in FLOP.
    pub post_training_compute_flop: Option<f64>,
    pub training_compute_confidence: Confidence,
    pub training_compute_note: Option<String>,
    pub training_dataset: Option<String>,
    pub training_dataset_size: Option<f64>,
    pub training_dataset_size_unit: Option<SizeUnit>,
    pub hardware: Option<String>,
    pub training_cost_usd: Option<f64>,
    pub training_cost_note: Option<String>,
    pub access: Access,
    pub license: Option<String>,
    pub base_model_id: Option<i32>,
    pub description: String,
    pub industry_context: String,
    pub published: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
