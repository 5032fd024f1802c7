//! The subscription root: live changes to the catalog, from the change hub (`service::changes`).
//! The caller is the one the socket's `connection_init` established.

use async_graphql::{Context, ErrorExtensions, ID, Object, Subscription as GraphqlSubscription};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use super::caller::audience;
use super::loaders::{RequestLoader, forget_cached};
use super::node::{Node, global_id, load_node};
use super::types::node_type;
use crate::domain::{CatalogEntityType, RevisionAction};
use crate::service::{
    Audience,
    changes::{Change, ChangeHub},
};

#[derive(Default)]
pub struct Subscription;

#[GraphqlSubscription]
impl Subscription {
    /// One event per committed change to the catalog, in commit order, from this instance,
    /// another instance on the same database, or the command line. Anyone may subscribe and
    /// sees changes of published entries; editors (a token in `connection_init`) also see drafts.
    /// `types` keeps only changes of those kinds (all kinds when absent).
    async fn catalog_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<CatalogEntityType>>,
    ) -> impl Stream<Item = async_graphql::Result<CatalogChange>> + use<> {
        let hub = ctx.data_unchecked::<ChangeHub>();
        let audience = audience(ctx);
        let wanted = move |change: &Change| {
            let kind = CatalogEntityType::of(change.entity_type)?;
            let visible = change.public || audience == Audience::Editor;
            let chosen = types.as_ref().is_none_or(|types| types.contains(&kind));
            (visible && chosen).then(|| CatalogChange { change: change.clone(), kind })
        };
        let state = (hub.subscribe(), hub.track_subscription());
        stream::unfold(state, move |(mut changes, open)| {
            let wanted = wanted.clone();
            async move {
                loop {
                    match changes.recv().await {
                        Ok(change) => {
                            if let Some(event) = wanted(&change) {
                                return Some((Ok(event), (changes, open)));
                            }
                        }
                        Err(RecvError::Lagged(missed)) => {
                            // The subscriber read too slowly; say so rather than skip silently.
                            tracing::warn!(missed, "a catalogChanged subscriber missed changes");
                            let error = async_graphql::Error::new(format!(
                                "{missed} changes were missed (the subscriber fell behind): refetch what you show"
                            ))
                            .extend_with(|_, e| e.set("code", "INTERNAL"));
                            return Some((Err(error), (changes, open)));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            }
        })
    }
}

pub struct CatalogChange {
    change: Change,
    kind: CatalogEntityType,
}

/// A committed change to a catalog entry. It has no `id` of its own, so that client caches do
/// not take it for the entry: the entry is `entityId` (and `node`).
#[Object]
impl CatalogChange {
    async fn entity_type(&self) -> CatalogEntityType {
        self.kind
    }

    /// The global ID of the changed entry.
    async fn entity_id(&self) -> ID {
        global_id(node_type(self.change.entity_type), self.change.entity_id)
    }

    async fn action(&self) -> RevisionAction {
        self.change.action
    }

    /// The global ID of the revision that records the change (fetch it with `node`).
    async fn revision_id(&self) -> ID {
        global_id("Revision", self.change.revision_id)
    }

    /// When the change was made.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.change.at
    }

    /// The entry as it stands when the event is delivered (it may have changed again since);
    /// null once it is deleted, or if the caller may not see it.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        // The socket's loader lives as long as the connection: forget what it cached before
        // this change.
        forget_cached(ctx.data_unchecked::<RequestLoader>());
        load_node(super::db(ctx), audience(ctx), node_type(self.change.entity_type), self.change.entity_id).await
    }
}
