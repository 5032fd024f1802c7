//! The subscription root: live changes to the catalog, from the change hub (`service::changes`).
//! The caller is the one the socket's `connection_init` established.

use async_graphql::{Context, ErrorExtensions, ID, Object, Subscription as GraphqlSubscription};
use futures_util::{Stream, stream};
use tokio::sync::broadcast::error::RecvError;

use super::caller::{audience, require_editor};
use super::error::OrGraphqlError;
use super::loaders::{RequestLoader, forget_cached};
use super::node::{Node, global_id, load_node};
use super::types::{Feedback, node_type};
use crate::domain::{CatalogEntityType, EntityType, RevisionAction};
use crate::service::{
    Audience,
    changes::{Change, ChangeHub},
    feedback,
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
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CatalogChange>> + use<>> {
        let hub = ctx.data_unchecked::<ChangeHub>();
        let audience = audience(ctx);
        let wanted = move |change: &Change| {
            let kind = CatalogEntityType::of(change.entity_type)?;
            let visible = change.public || audience == Audience::Editor;
            let chosen = types.as_ref().is_none_or(|types| types.contains(&kind));
            (visible && chosen).then(|| CatalogChange { change: change.clone(), kind })
        };
        Ok(events(hub, wanted))
    }

    /// One event per feedback submission received, in the order they were stored. Editors only
    /// (a token in `connection_init`).
    async fn feedback_submitted(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<FeedbackSubmitted>> + use<>> {
        require_editor(ctx)?;
        let hub = ctx.data_unchecked::<ChangeHub>();
        let submitted = |change: &Change| {
            (change.entity_type == EntityType::Feedback && change.action == RevisionAction::Create)
                .then(|| FeedbackSubmitted { change: change.clone() })
        };
        Ok(events(hub, submitted))
    }
}

/// The hub's changes that `pick` makes events of, counted as one open subscription while the
/// stream lives. A subscriber that reads too slowly gets an error event saying how many changes
/// it missed rather than a silent gap.
fn events<T, P>(hub: &ChangeHub, pick: P) -> impl Stream<Item = async_graphql::Result<T>> + use<T, P>
where
    T: Send + 'static,
    P: Fn(&Change) -> Option<T> + Clone + Send + Sync + 'static,
{
    let state = (hub.subscribe(), hub.track_subscription());
    stream::unfold(state, move |(mut changes, open)| {
        let pick = pick.clone();
        async move {
            loop {
                match changes.recv().await {
                    Ok(change) => {
                        if let Some(event) = pick(&change) {
                            return Some((Ok(event), (changes, open)));
                        }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a subscriber missed changes");
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

/// A feedback submission just stored. No `id` of its own: the submission is `feedbackId`.
pub struct FeedbackSubmitted {
    change: Change,
}

#[Object]
impl FeedbackSubmitted {
    /// The submission's ID (as `feedbackQueue` lists it).
    async fn feedback_id(&self) -> ID {
        global_id("Feedback", self.change.entity_id)
    }

    /// The global ID of the revision that records it.
    async fn revision_id(&self) -> ID {
        global_id("Revision", self.change.revision_id)
    }

    /// When it was received.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.change.at
    }

    /// The submission as it stands when the event is delivered, contact included.
    async fn feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Feedback>> {
        let row = feedback::by_id(super::db(ctx), self.change.entity_id).await.gql()?;
        Ok(row.map(Feedback))
    }
}
