//! The subscription root: live changes to the catalog, from the change hub (`service::changes`).
//! The caller is the one the socket's `connection_init` established.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, Subscription as GraphqlSubscription};
use futures_util::{Stream, stream};
use sea_orm::DatabaseConnection;
use tokio::sync::{OwnedSemaphorePermit, broadcast::error::RecvError};

use super::caller::{Role, audience};
use super::error::{OrGraphqlError, coded};
use super::live::{CrossingsOfChange, LiveSocket};
use super::loaders::{RequestLoader, forget_cached};
use super::node::{IdKind, Node, global_id, load_node};
use super::types::{Feedback, ThresholdCrossing};
use crate::domain::{Access, CatalogEntityType, ChangeKind, EntityType, Modality, RevisionAction};
use crate::service::{
    Audience, ErrorCode, ServiceError,
    changes::{Change, ChangeHub},
    crossings::{self, ThresholdLog},
    feed::{ChangeFilter, Follower, States},
    feedback, revisions, thresholds,
};

/// Most crossings one change is told as; a threshold moved across more of the catalog ends
/// its events with an error saying so.
pub const MAX_CROSSINGS_PER_CHANGE: usize = 1_000;

#[derive(Default)]
pub struct Subscription;

#[GraphqlSubscription]
impl Subscription {
    /// One event per committed change to the catalog, in commit order, from this instance,
    /// another instance on the same database, or the command line. Anyone may subscribe and
    /// sees changes of published entries; editors (a token in `connection_init`) also see drafts.
    /// `types` keeps only changes of those entry types (all when absent); `filter` and `kinds`
    /// only the changes `/feed.atom` would list with the same parameters. Subscriptions are
    /// capped per connection and per client address: past a cap this answers RATE_LIMITED.
    async fn catalog_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<CatalogEntityType>>,
        #[graphql(desc = "Only changes touching a model that matches, before or after the change \
                          (see `ChangeFilter`).")]
        filter: Option<ChangeFilterInput>,
        #[graphql(desc = "Only changes of at least one of these kinds.")] kinds: Option<Vec<ChangeKind>>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<CatalogChange>> + use<>> {
        let hub = ctx.data_unchecked::<ChangeHub>();
        let audience = audience(ctx);
        let db = super::db(ctx).clone();
        let follower = follower(&db, audience, filter, kinds).await?.map(Arc::new);
        let types = Arc::new(types);
        let wanted = move |change: &Change| {
            let (change, types, follower, db) = (change.clone(), types.clone(), follower.clone(), db.clone());
            async move {
                let kind = CatalogEntityType::of(change.entity_type)?;
                let visible = change.public || audience == Audience::Editor;
                let chosen = types.as_ref().as_ref().is_none_or(|types| types.contains(&kind));
                if !(visible && chosen) {
                    return None;
                }
                if let Some(follower) = &follower
                    && !follows(&db, audience, follower, &change).await
                {
                    return None;
                }
                Some(CatalogChange { change, kind, turn: None })
            }
        };
        events(hub, socket(ctx)?, wanted)
    }

    /// One event per threshold crossing (see `ThresholdCrossing`) that a committed change
    /// caused, in commit order, from this instance, another one or the command line; public.
    /// `threshold` (a slug) keeps only crossings of that threshold. A change that moves a
    /// threshold across more than 1,000 models is told as the first 1,000 (by model) and an
    /// error event. Capped as `catalogChanged` is.
    async fn threshold_crossed(
        &self,
        ctx: &Context<'_>,
        threshold: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ThresholdCrossing>> + use<>> {
        let hub = ctx.data_unchecked::<ChangeHub>();
        let db = super::db(ctx).clone();
        let only = match threshold {
            Some(slug) => Some(
                thresholds::by_slug(&db, &slug)
                    .await
                    .gql()?
                    .ok_or_else(|| ServiceError::bad_input("threshold", format!("no threshold has the slug `{slug}`")))
                    .gql()?
                    .id,
            ),
            None => None,
        };
        let socket = socket(ctx)?;
        let live = socket.live.clone();
        let crossed = move |change: Change| {
            let (db, live) = (db.clone(), live.clone());
            async move {
                if !change.public || !crate::service::crossings::CAUSES.contains(&change.entity_type) {
                    return vec![];
                }
                // Read once for every subscriber, not once each.
                let read = crossings_of(db, change.revision_id);
                let (found, more) = match live.crossings.get(change.revision_id, Audience::Public, read).await {
                    Ok(found) => (found.0.clone(), found.1),
                    Err(error) => return vec![Err(error)],
                };
                let mut events: Vec<_> = found
                    .into_iter()
                    .filter(|c| only.is_none_or(|id| c.threshold_id == id))
                    .map(|c| Ok(ThresholdCrossing::from(c)))
                    .collect();
                if more {
                    let message = format!(
                        "the change caused more than {MAX_CROSSINGS_PER_CHANGE} crossings; only the first were told: \
                         read the models' thresholdStatus"
                    );
                    events.push(Err(coded(ErrorCode::Internal, message)));
                }
                events
            }
        };
        events_from(hub, socket, crossed)
    }

    /// One event per feedback submission received, in the order they were stored. Editors only
    /// (a token in `connection_init`).
    #[graphql(guard = "Role::Editor")]
    async fn feedback_submitted(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<FeedbackSubmitted>> + use<>> {
        let hub = ctx.data_unchecked::<ChangeHub>();
        let submitted = |change: &Change| {
            std::future::ready(
                (change.entity_type == EntityType::Feedback && change.action == RevisionAction::Create)
                    .then(|| FeedbackSubmitted { change: change.clone(), turn: None }),
            )
        };
        events(hub, socket(ctx)?, submitted)
    }
}

/// The crossings revision `id` caused, read as the public may.
async fn crossings_of(db: DatabaseConnection, id: i32) -> async_graphql::Result<Arc<CrossingsOfChange>> {
    let Some(row) = revisions::by_id(&db, Audience::Public, id).await.gql()? else {
        return Ok(Arc::new((vec![], false)));
    };
    let log = ThresholdLog::load(&db).await.gql()?;
    Ok(Arc::new(crossings::of_revision(&db, &log, &row, MAX_CROSSINGS_PER_CHANGE).await.gql()?))
}

/// What follows the changes `filter` and `kinds` ask for (none when they ask for nothing).
async fn follower(
    db: &DatabaseConnection,
    audience: Audience,
    filter: Option<ChangeFilterInput>,
    kinds: Option<Vec<ChangeKind>>,
) -> async_graphql::Result<Option<Follower>> {
    let mut wanted = filter.map(ChangeFilter::from).unwrap_or_default();
    wanted.kinds = kinds.unwrap_or_default();
    wanted.check("filter.").gql()?;
    if wanted.is_everything() {
        return Ok(None);
    }
    Ok(Some(Follower::new(db, audience, wanted, "filter.model").await.gql()?))
}

/// Whether `follower` wants to hear of `change`. A change that cannot be judged (the database
/// failed) is not told, and the failure logged.
async fn follows(db: &DatabaseConnection, audience: Audience, follower: &Follower, change: &Change) -> bool {
    let judged = async {
        match revisions::by_id(db, audience, change.revision_id).await? {
            Some(row) => follower.wants(db, &row, &mut States::default()).await,
            None => Ok(false),
        }
    };
    judged.await.unwrap_or_else(|error| {
        tracing::warn!(?error, revision = change.revision_id, "a change could not be judged for a subscriber");
        false
    })
}

/// The explorer's filter (and `/feed.atom`'s parameters), for `catalogChanged`: a change is
/// told when a model it touches matches before or after it (a deletion: before). A model's own
/// change touches it; a risk assessment's, its model; an organization's, the models linked to
/// it (judged with the organization before and after).
#[derive(InputObject, Default)]
#[graphql(name = "ChangeFilter")]
pub struct ChangeFilterInput {
    /// The slug of one model.
    model: Option<String>,
    /// Part of the model's name (case-insensitive).
    q: Option<String>,
    /// Part of one of its organizations' names.
    org: Option<String>,
    /// The ISO 3166-1 alpha-2 code of one of its organizations' countries.
    country: Option<String>,
    access: Option<Access>,
    /// An input or output modality.
    modality: Option<Modality>,
    /// Announced in or after this year.
    from: Option<i32>,
    /// Announced in or before this year.
    to: Option<i32>,
    /// Training compute at least this many FLOP.
    min_compute: Option<f64>,
}

impl From<ChangeFilterInput> for ChangeFilter {
    fn from(f: ChangeFilterInput) -> Self {
        let ChangeFilterInput { model, q, org, country, access, modality, from, to, min_compute } = f;
        ChangeFilter { model, q, org, country, access, modality, from, to, min_compute, kinds: vec![] }
    }
}

/// The websocket a subscription runs on (subscriptions run over websockets only).
fn socket<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a LiveSocket> {
    ctx.data::<LiveSocket>()
        .map_err(|_| coded(ErrorCode::BadRequest, "subscriptions run over the websocket at /graphql/ws"))
}

/// The hub's changes that `pick` makes an event of: `events_from` with at most one event a
/// change.
fn events<T, P, F>(
    hub: &ChangeHub,
    socket: &LiveSocket,
    pick: P,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<T>> + use<T, P, F>>
where
    T: Event + Send + 'static,
    P: Fn(&Change) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Option<T>> + Send,
{
    events_from(hub, socket, move |change: Change| {
        let picked = pick(&change);
        async move { picked.await.map(Ok).into_iter().collect() }
    })
}

/// The events `pick` makes of the hub's changes (none, one or several a change), counted as
/// one open subscription of the socket (refused past its caps) while the stream lives. Each
/// event holds a turn to be resolved (see `Live::turn`) until its answer is made. A subscriber
/// that reads too slowly gets an error event saying how many changes it missed rather than a
/// silent gap. On an editor's socket every change first checks that their authority still
/// holds; once it does not, the subscription ends (and the socket closes).
fn events_from<T, P, F>(
    hub: &ChangeHub,
    socket: &LiveSocket,
    pick: P,
) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<T>> + use<T, P, F>>
where
    T: Event + Send + 'static,
    P: Fn(Change) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Vec<async_graphql::Result<T>>> + Send,
{
    let slot = socket.claim_subscription()?;
    let (live, authority) = (socket.live.clone(), socket.authority.clone());
    let state = (hub.subscribe(), (hub.track_subscription(), slot), VecDeque::<async_graphql::Result<T>>::new());
    Ok(stream::unfold(state, move |(mut changes, open, mut pending)| {
        let (pick, live, authority) = (pick.clone(), live.clone(), authority.clone());
        async move {
            loop {
                if let Some(next) = pending.pop_front() {
                    let next = match next {
                        Ok(mut event) => {
                            event.hold(live.turn().await);
                            Ok(event)
                        }
                        Err(error) => Err(error),
                    };
                    return Some((next, (changes, open, pending)));
                }
                match changes.recv().await {
                    Ok(change) => {
                        if let Some(authority) = &authority
                            && !authority.holds(&change).await
                        {
                            return None;
                        }
                        pending.extend(pick(change).await);
                    }
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "a subscriber missed changes");
                        let error = coded(
                            ErrorCode::Internal,
                            format!("{missed} changes were missed (the subscriber fell behind): refetch what you show"),
                        );
                        return Some((Err(error), (changes, open, pending)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    }))
}

/// An event of a subscription: it holds its turn to be resolved until its answer is made.
trait Event {
    fn hold(&mut self, turn: Option<OwnedSemaphorePermit>);
}

pub struct CatalogChange {
    change: Change,
    kind: CatalogEntityType,
    turn: Option<OwnedSemaphorePermit>,
}

impl Event for CatalogChange {
    fn hold(&mut self, turn: Option<OwnedSemaphorePermit>) {
        self.turn = turn;
    }
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
        global_id(self.change.entity_type, self.change.entity_id)
    }

    async fn action(&self) -> RevisionAction {
        self.change.action
    }

    /// The global ID of the revision that records the change (fetch it with `node`).
    async fn revision_id(&self) -> ID {
        global_id(IdKind::Revision, self.change.revision_id)
    }

    /// When the change was made.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.change.at
    }

    /// The entry as it stood just after the change (it may have changed again since); null
    /// once it is deleted, or if the caller may not see it.
    async fn node(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Node>> {
        // The socket's loader lives as long as the connection: forget what it cached before
        // this change.
        forget_cached(ctx.data_unchecked::<RequestLoader>());
        // Read once for every subscriber of the same audience, not once each.
        let (db, audience, change) = (super::db(ctx).clone(), audience(ctx), &self.change);
        let (kind, id) = (change.entity_type.into(), change.entity_id);
        let read = async move { load_node(&db, audience, kind, id).await };
        socket(ctx)?.live.entries.get(change.revision_id, audience, read).await
    }
}

/// A feedback submission just stored. No `id` of its own: the submission is `feedbackId`.
pub struct FeedbackSubmitted {
    change: Change,
    turn: Option<OwnedSemaphorePermit>,
}

impl Event for ThresholdCrossing {
    fn hold(&mut self, turn: Option<OwnedSemaphorePermit>) {
        self.turn = turn;
    }
}

impl Event for FeedbackSubmitted {
    fn hold(&mut self, turn: Option<OwnedSemaphorePermit>) {
        self.turn = turn;
    }
}

#[Object]
impl FeedbackSubmitted {
    /// The submission's ID (as `feedbackQueue` lists it).
    async fn feedback_id(&self) -> ID {
        global_id(EntityType::Feedback, self.change.entity_id)
    }

    /// The global ID of the revision that records it.
    async fn revision_id(&self) -> ID {
        global_id(IdKind::Revision, self.change.revision_id)
    }

    /// When it was received.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.change.at
    }

    /// The submission as it stood just after it was received, contact included.
    async fn feedback(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Feedback>> {
        let (db, id) = (super::db(ctx).clone(), self.change.entity_id);
        let read = async move { Ok(feedback::by_id(&db, id).await.gql()?.map(Feedback)) };
        socket(ctx)?.live.submissions.get(self.change.revision_id, Audience::Editor, read).await
    }
}
