//! Public feedback: anyone submits; editors review and erase contacts.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object};

use crate::domain::{EntityType, FeedbackDecision, FeedbackKind};
use crate::graphql::{
    caller::{ClientAddress, Role, actor, write},
    db,
    error::OrGraphqlError,
    node::{IdKind, catalog_entry, parse_global_id, row_id},
    types::{Feedback, FeedbackReceipt},
};
use crate::service::{
    ServiceError,
    feedback::{self, Link, Review, Submission},
    throttle::FeedbackThrottle,
};

#[derive(InputObject)]
pub struct SubmitFeedbackInput {
    pub kind: FeedbackKind,
    /// The catalog entry (any catalog object's ID) the feedback is about.
    pub subject_id: Option<ID>,
    /// For NEW_MODEL: the name of the model the catalog is missing.
    pub proposed_model_name: Option<String>,
    /// 10 to 5,000 characters.
    pub body: String,
    /// An http(s) page that supports the feedback.
    pub source_url: Option<String>,
    /// The name to credit, if `creditConsent`.
    pub submitter_name: Option<String>,
    /// An email address, for editors' questions only: never shown publicly, erased after review.
    pub contact: Option<String>,
    /// Whether the name may be listed among contributors once a suggestion is accepted.
    #[graphql(default = false)]
    pub credit_consent: bool,
}

#[derive(Default)]
pub struct FeedbackMutation;

#[Object]
impl FeedbackMutation {
    /// Sends feedback to the editors; no account needed. Too many submissions from one client
    /// address (or from everyone) fail with RATE_LIMITED and `retryAfterSeconds`; sending the
    /// same body again within the hour returns the first receipt.
    async fn submit_feedback(
        &self,
        ctx: &Context<'_>,
        input: SubmitFeedbackInput,
    ) -> async_graphql::Result<FeedbackReceipt> {
        let throttle = ctx.data_unchecked::<Arc<FeedbackThrottle>>();
        let client = ctx.data_unchecked::<ClientAddress>().0;
        let subject = input.subject_id.as_ref().map(|id| catalog_entry("input.subjectId", id)).transpose();
        let submission = Submission {
            kind: input.kind,
            subject: None,
            proposed_model_name: input.proposed_model_name,
            body: input.body,
            source_url: input.source_url,
            submitter_name: input.submitter_name,
            contact: input.contact,
            credit_consent: input.credit_consent,
        };
        // The ID is checked after the rate limit: every call counts, well-formed or not.
        let row = write(ctx, feedback::submit(db(ctx), throttle, client, submission, subject)).await?;
        Ok(FeedbackReceipt(row))
    }

    /// Editors only: accepts, rejects or resolves a submission. `note` stays with the editors;
    /// `resolution` is what the submitter reads with the tracking code. `linkedTo` (a revision's
    /// or a catalog entry's ID) records what acted on it.
    #[allow(clippy::too_many_arguments)]
    #[graphql(guard = "Role::Editor")]
    async fn review_feedback(
        &self,
        ctx: &Context<'_>,
        id: ID,
        decision: FeedbackDecision,
        note: Option<String>,
        resolution: Option<String>,
        linked_to: Option<ID>,
        expected_version: i32,
    ) -> async_graphql::Result<Feedback> {
        let actor = actor(ctx)?;
        let id = row_id("id", &id, EntityType::Feedback).gql()?;
        let link = linked_to.as_ref().map(link).transpose().gql()?;
        let review = Review { decision, note, resolution, link, expected_version };
        Ok(Feedback(write(ctx, feedback::review(db(ctx), &actor, id, review)).await?))
    }

    /// Editors only: erases the submitter's contact now (it is erased anyway a set time after
    /// review).
    #[graphql(guard = "Role::Editor")]
    async fn erase_feedback_contact(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Feedback> {
        let actor = actor(ctx)?;
        let id = row_id("id", &id, EntityType::Feedback).gql()?;
        Ok(Feedback(write(ctx, feedback::erase_contact(db(ctx), &actor, id)).await?))
    }
}

fn link(id: &ID) -> Result<Link, ServiceError> {
    match parse_global_id(id) {
        Some((Some(IdKind::Revision), row)) => Ok(Link::Revision(row)),
        _ => catalog_entry("linkedTo", id)
            .map(|(kind, row)| Link::Entry(kind, row))
            .map_err(|_| ServiceError::bad_input("linkedTo", "is not the ID of a revision or a catalog entry")),
    }
}
