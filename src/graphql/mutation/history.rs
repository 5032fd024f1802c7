//! Reverting an entry to an earlier state and restoring a deleted one: both are new revisions.

use async_graphql::{Context, ID, Object};

use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    node::{IdKind, Node, load_node, row_id},
};
use crate::service::{Audience, ServiceError, edits};

async fn node(ctx: &Context<'_>, kind: crate::domain::EntityType, id: i32) -> async_graphql::Result<Node> {
    load_node(db(ctx), Audience::Editor, kind.into(), id)
        .await?
        .ok_or_else(|| ServiceError::NotFound("entry".into()))
        .gql()
}

#[derive(Default)]
pub struct HistoryMutation;

#[Object]
impl HistoryMutation {
    /// Sets the entry that revision `revisionId` changed back to its state right after that
    /// revision. The entry must still be at `expectedVersion`.
    #[graphql(guard = "Role::Editor")]
    async fn revert(
        &self,
        ctx: &Context<'_>,
        revision_id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Node> {
        let actor = actor(ctx)?;
        let revision = row_id("revisionId", &revision_id, IdKind::Revision).gql()?;
        let (kind, id) =
            write(ctx, edits::revert(db(ctx), &actor, revision, expected_version, summary.as_deref())).await?;
        node(ctx, kind, id).await
    }

    /// Brings back, under its old ID, the entry that revision `revisionId` deleted.
    #[graphql(guard = "Role::Editor")]
    async fn restore(
        &self,
        ctx: &Context<'_>,
        revision_id: ID,
        summary: Option<String>,
    ) -> async_graphql::Result<Node> {
        let actor = actor(ctx)?;
        let revision = row_id("revisionId", &revision_id, IdKind::Revision).gql()?;
        let (kind, id) = write(ctx, edits::restore(db(ctx), &actor, revision, summary.as_deref())).await?;
        node(ctx, kind, id).await
    }
}
