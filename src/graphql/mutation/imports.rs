//! The editors' import queue: accepting and dismissing what the Epoch AI sync proposed.

use async_graphql::{Context, ID, Object};

use crate::domain::EntityType;
use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    import::ImportCandidate,
    node::row_id,
};
use crate::service::epoch_import::candidates;

#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Editors only: publishes a new row's draft (creating the organizations it names that the
    /// catalog lacks), or applies the proposed changes to the model, as one revision by the
    /// caller. `expectedVersion` is the model's version the editor saw (`model { version }`);
    /// a model changed since is a CONFLICT and nothing is written.
    #[graphql(guard = "Role::Editor")]
    async fn accept_import_candidate(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<ImportCandidate> {
        let actor = actor(ctx)?;
        let id = row_id("id", &id, EntityType::ImportCandidate).gql()?;
        let accept = candidates::accept(db(ctx), &actor, id, expected_version, summary.as_deref());
        let (candidate, _) = write(ctx, accept).await?;
        Ok(ImportCandidate(candidate))
    }

    /// Editors only: declines a candidate. Each proposed value is remembered, so the sync
    /// proposes a field again only when the source's value changes; a new row's draft is
    /// deleted (a revision by the caller).
    #[graphql(guard = "Role::Editor")]
    async fn dismiss_import_candidate(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ImportCandidate> {
        let actor = actor(ctx)?;
        let id = row_id("id", &id, EntityType::ImportCandidate).gql()?;
        Ok(ImportCandidate(write(ctx, candidates::dismiss(db(ctx), &actor, id)).await?))
    }
}
