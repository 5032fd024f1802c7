//! Feedback reads: a submitter's status by tracking code and the contributors list (public),
//! the review queue (editors).

use async_graphql::{Context, Object};

use super::caller::Role;
use super::connection::{CatalogConnection, connect, page_args, page_cost};
use super::db;
use super::error::OrGraphqlError;
use super::types::{Contributor, Feedback, FeedbackTracking};
use crate::domain::{FeedbackKind, FeedbackStatus};
use crate::service::feedback;

#[derive(Default)]
pub struct FeedbackQuery;

#[Object]
impl FeedbackQuery {
    /// A submission's status and the editors' public resolution, by the tracking code its
    /// receipt gave; null for a code that names nothing.
    async fn feedback_status(
        &self,
        ctx: &Context<'_>,
        tracking_code: String,
    ) -> async_graphql::Result<Option<FeedbackTracking>> {
        Ok(feedback::by_tracking_code(db(ctx), &tracking_code).await.gql()?.map(FeedbackTracking))
    }

    /// Editors only: the submission a tracking code names (whatever its case), with its
    /// contact, note and version; null for a code that names nothing.
    #[graphql(guard = "Role::Editor")]
    async fn feedback(&self, ctx: &Context<'_>, tracking_code: String) -> async_graphql::Result<Option<Feedback>> {
        Ok(feedback::by_tracking_code(db(ctx), &tracking_code).await.gql()?.map(Feedback))
    }

    /// Editors only: submissions, newest first, optionally of one status and kind.
    #[graphql(complexity = "page_cost(first, last, child_complexity)", guard = "Role::Editor")]
    #[allow(clippy::too_many_arguments)]
    async fn feedback_queue(
        &self,
        ctx: &Context<'_>,
        status: Option<FeedbackStatus>,
        kind: Option<FeedbackKind>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CatalogConnection<Feedback>> {
        let db = db(ctx);
        let page = feedback::queue(db, status, kind, &page_args(first, after, last, before)).await.gql()?;
        connect(ctx, page, feedback::queue_count(db, status, kind), Feedback).await
    }

    /// The people credited for feedback the editors accepted, most accepted first: only those
    /// who agreed to be named.
    #[graphql(complexity = "page_cost(first, None, child_complexity)")]
    async fn contributors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<CatalogConnection<Contributor>> {
        let args = page_args(first, after, None, None);
        let (page, total) = feedback::contributors(db(ctx), &args).await.gql()?;
        connect(ctx, page, async { Ok(total) }, Contributor::from).await
    }
}
