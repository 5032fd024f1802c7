use sea_orm::entity::prelude::*;

use crate::domain::{EntityType, FeedbackKind, FeedbackStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub tracking_code: String,
    pub kind: FeedbackKind,
    pub subject_type: Option<EntityType>,
    pub subject_id: Option<i32>,
    pub subject_name: Option<String>,
    pub body: String,
    pub source_url: Option<String>,
    pub submitter_name: Option<String>,
    pub submitter_contact: Option<String>,
    pub credit_consent: bool,
    pub status: FeedbackStatus,
    pub reviewer_id: Option<i32>,
    pub review_note: Option<String>,
    pub resolution: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// A hash of the client address and the body: the same body from the same address within
    /// an hour is the same submission.
    pub duplicate_key: Option<String>,
    /// What acted on the submission: a revision, or a catalog entry (an `EntityType`).
    pub linked_type: Option<String>,
    pub linked_id: Option<i32>,
    pub contact_erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
