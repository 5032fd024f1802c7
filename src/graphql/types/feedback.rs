use async_graphql::{ID, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::{EntityType, FeedbackKind, FeedbackStatus};
use crate::graphql::{
    caller::Role,
    error::OrGraphqlError,
    node::{IdKind, global_id},
};
use crate::service::feedback::{Contributor as ContributorRow, FeedbackRow, Link};

/// What a submitter gets back: keep the tracking code to follow the submission with
/// `feedbackStatus`.
pub struct FeedbackReceipt(pub FeedbackRow);

#[Object]
impl FeedbackReceipt {
    async fn id(&self) -> ID {
        global_id(EntityType::Feedback, self.0.id)
    }

    async fn status(&self) -> FeedbackStatus {
        self.0.status
    }

    async fn received_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The code `feedbackStatus(trackingCode:)` takes; it is the only way to look the
    /// submission up without an account.
    async fn tracking_code(&self) -> &str {
        &self.0.tracking_code
    }
}

/// A submission as its tracking code shows it: status and the editors' public resolution,
/// nothing about the submitter.
pub struct FeedbackTracking(pub FeedbackRow);

#[Object]
impl FeedbackTracking {
    async fn tracking_code(&self) -> &str {
        &self.0.tracking_code
    }

    async fn kind(&self) -> FeedbackKind {
        self.0.kind
    }

    async fn status(&self) -> FeedbackStatus {
        self.0.status
    }

    async fn received_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// What the editors answer, for the submitter and anyone they show the code to.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
}

/// A submission as editors review it. Only editors ever reach this type.
#[derive(Clone)]
pub struct Feedback(pub FeedbackRow);

#[Object]
impl Feedback {
    async fn id(&self) -> ID {
        global_id(EntityType::Feedback, self.0.id)
    }

    async fn kind(&self) -> FeedbackKind {
        self.0.kind
    }

    async fn status(&self) -> FeedbackStatus {
        self.0.status
    }

    /// The catalog entry the submission is about.
    async fn subject_id(&self) -> Option<ID> {
        match (self.0.subject_type, self.0.subject_id) {
            (Some(kind), Some(id)) => Some(global_id(kind, id)),
            _ => None,
        }
    }

    /// The missing model's name (kind NEW_MODEL).
    async fn proposed_model_name(&self) -> Option<&str> {
        self.0.subject_name.as_deref()
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn source_url(&self) -> Option<&str> {
        self.0.source_url.as_deref()
    }

    async fn submitter_name(&self) -> Option<&str> {
        self.0.submitter_name.as_deref()
    }

    /// The submitter's email: editors only, null once erased.
    #[graphql(guard = "Role::Editor")]
    async fn contact(&self) -> Option<&str> {
        self.0.submitter_contact.as_deref()
    }

    /// When the contact was erased (by an editor or after the retention time).
    async fn contact_erased_at(&self) -> Option<DateTime<Utc>> {
        self.0.contact_erased_at
    }

    /// Whether the submitter agreed to be credited by name once a suggestion is accepted.
    async fn credit_consent(&self) -> bool {
        self.0.credit_consent
    }

    async fn tracking_code(&self) -> &str {
        &self.0.tracking_code
    }

    /// The editor who last reviewed it.
    async fn reviewer_id(&self) -> Option<ID> {
        self.0.reviewer_id.map(|id| global_id(EntityType::Editor, id))
    }

    /// The editors' own note.
    async fn note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }

    /// What the submitter reads with the tracking code.
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }

    /// The revision or catalog entry that acted on it.
    async fn linked_to(&self) -> async_graphql::Result<Option<ID>> {
        Ok(Link::of(&self.0).gql()?.map(|link| match link {
            Link::Revision(id) => global_id(IdKind::Revision, id),
            Link::Entry(kind, id) => global_id(kind, id),
        }))
    }

    async fn received_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    /// Give this as `expectedVersion` when reviewing.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A submitter credited by name: they agreed, and editors accepted at least one suggestion.
#[derive(SimpleObject)]
pub struct Contributor {
    pub name: String,
    pub accepted_count: i32,
}

impl From<ContributorRow> for Contributor {
    fn from(row: ContributorRow) -> Self {
        Contributor { name: row.name, accepted_count: i32::try_from(row.accepted_count).unwrap_or(i32::MAX) }
    }
}
