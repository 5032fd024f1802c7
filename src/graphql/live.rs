//! What websockets and their subscriptions may cost, whoever opens them.
//!
//! Ten anonymous sockets once opened 50,000 `catalogChanged` subscriptions, and one edit then
//! had every one of them read the changed entry: the database pool ran dry and queries failed.
//! So here:
//! - sockets per client address, subscriptions per socket and per address are capped;
//! - an event's entry is read once per event and audience, however many subscribers show it
//!   (see [`EventCache`]);
//! - subscription events take turns to be resolved ([`Live::turn`]), a few at a time, so that
//!   they never hold more than a few of the pool's connections;
//! - an editor's socket holds only as long as their token and account do ([`Authority`]).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use sea_orm::DatabaseConnection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast::error::RecvError};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::error::coded;
use super::node::Node;
use super::types::Feedback;
use crate::auth::TokenKeys;
use crate::domain::EntityType;
use crate::service::{
    Audience, ErrorCode, ServiceError,
    changes::{Change, ChangeHub},
    editors,
};

/// The caps on websockets and subscriptions (see the settings of the same names).
#[derive(Clone, Copy, Debug)]
pub struct LiveLimits {
    pub sockets_per_address: usize,
    pub subscriptions_per_socket: usize,
    pub subscriptions_per_address: usize,
    /// Subscription events resolved at once, over every socket.
    pub db_concurrency: usize,
}

/// Shared by every websocket of the process.
pub struct Live {
    limits: LiveLimits,
    addresses: Mutex<HashMap<IpAddr, AddressUse>>,
    turns: Arc<Semaphore>,
    /// The changed entry of each recent `catalogChanged` event.
    pub entries: EventCache<Option<Node>>,
    /// The submission of each recent `feedbackSubmitted` event.
    pub submissions: EventCache<Option<Feedback>>,
    /// The threshold crossings of each recent change, for `thresholdCrossed`.
    pub crossings: EventCache<Arc<CrossingsOfChange>>,
}

/// The crossings one change caused, at most `MAX_CROSSINGS_PER_CHANGE`, and whether it caused
/// more.
pub type CrossingsOfChange = (Vec<crate::service::crossings::Crossing>, bool);

/// What one client address holds open.
#[derive(Default)]
struct AddressUse {
    sockets: usize,
    subscriptions: usize,
}

impl Live {
    pub fn new(limits: LiveLimits) -> Arc<Live> {
        Arc::new(Live {
            limits,
            addresses: Mutex::default(),
            turns: Arc::new(Semaphore::new(limits.db_concurrency.max(1))),
            entries: EventCache::default(),
            submissions: EventCache::default(),
            crossings: EventCache::default(),
        })
    }

    /// Counts a socket from `address` as open while the guard lives; `None` past the cap.
    pub fn open_socket(self: &Arc<Self>, address: IpAddr) -> Option<SocketGuard> {
        let mut addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        let used = addresses.entry(address).or_default();
        if used.sockets >= self.limits.sockets_per_address {
            return None;
        }
        used.sockets += 1;
        Some(SocketGuard { live: self.clone(), address })
    }

    /// A turn to resolve one subscription event: it holds database connections only while
    /// it holds the turn. The semaphore is never closed, so a turn always comes.
    pub async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        self.turns.clone().acquire_owned().await.ok()
    }

    fn release(&self, address: IpAddr, release: impl FnOnce(&mut AddressUse)) {
        let mut addresses = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(used) = addresses.get_mut(&address) {
            release(used);
            if used.sockets == 0 && used.subscriptions == 0 {
                addresses.remove(&address);
            }
        }
    }
}

/// An open socket, counted against its address until dropped.
pub struct SocketGuard {
    live: Arc<Live>,
    address: IpAddr,
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.live.release(self.address, |used| used.sockets = used.sockets.saturating_sub(1));
    }
}

/// What a socket's operations share (its connection data): the process's [`Live`], the
/// socket's own count of subscriptions, and, for an editor, their [`Authority`].
pub struct LiveSocket {
    pub live: Arc<Live>,
    address: IpAddr,
    open: Arc<AtomicUsize>,
    pub authority: Option<Arc<Authority>>,
}

impl LiveSocket {
    pub fn new(live: Arc<Live>, address: IpAddr, authority: Option<Arc<Authority>>) -> Self {
        LiveSocket { live, address, open: Arc::default(), authority }
    }

    /// Counts one more subscription on this socket and its address while the slot lives, or
    /// RATE_LIMITED past either cap.
    pub fn claim_subscription(&self) -> async_graphql::Result<SubscriptionSlot> {
        let limits = self.live.limits;
        let mut addresses = self.live.addresses.lock().unwrap_or_else(|e| e.into_inner());
        let used = addresses.entry(self.address).or_default();
        let refusal = if self.open.load(Ordering::SeqCst) >= limits.subscriptions_per_socket {
            Some(format!("at most {} subscriptions may be open on one connection", limits.subscriptions_per_socket))
        } else if used.subscriptions >= limits.subscriptions_per_address {
            Some(format!("at most {} subscriptions may be open from one address", limits.subscriptions_per_address))
        } else {
            None
        };
        if let Some(message) = refusal {
            if used.sockets == 0 && used.subscriptions == 0 {
                addresses.remove(&self.address);
            }
            return Err(coded(ErrorCode::RateLimited, format!("{message}: close one first")));
        }
        used.subscriptions += 1;
        self.open.fetch_add(1, Ordering::SeqCst);
        Ok(SubscriptionSlot { live: self.live.clone(), address: self.address, open: self.open.clone() })
    }
}

/// An open subscription, counted against its socket and address until dropped.
pub struct SubscriptionSlot {
    live: Arc<Live>,
    address: IpAddr,
    open: Arc<AtomicUsize>,
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
        self.live.release(self.address, |used| used.subscriptions = used.subscriptions.saturating_sub(1));
    }
}

/// How long an editor's account is believed active without reading it again. A change to
/// the account itself (deactivation, revocation) is noticed at once, from its revision.
const RECHECK_ACCOUNT: Duration = Duration::from_secs(5);

/// What lets an editor's socket see private things: their token, until it expires, and their
/// account, while it stays active and does not revoke the token. Once either fails the
/// authority is revoked for good, and the socket closes (4403).
pub struct Authority {
    db: DatabaseConnection,
    keys: TokenKeys,
    token: String,
    editor_id: i32,
    expires: Instant,
    /// When the account was last read and found to hold.
    checked: tokio::sync::Mutex<Instant>,
    revoked: CancellationToken,
}

impl Authority {
    /// The authority of `token`, which was just authenticated; `None` if it does not verify.
    pub fn of_token(db: DatabaseConnection, keys: TokenKeys, token: &str) -> Option<Authority> {
        let claims = keys.verify(token)?;
        let editor_id = claims.sub.parse().ok()?;
        let left = u64::try_from(claims.exp - chrono::Utc::now().timestamp()).unwrap_or(0);
        Some(Authority {
            db,
            keys,
            token: token.to_owned(),
            editor_id,
            expires: Instant::now() + Duration::from_secs(left),
            checked: tokio::sync::Mutex::new(Instant::now()),
            revoked: CancellationToken::new(),
        })
    }

    /// Whether the editor may still see `change` (and what follows it). Checked by every
    /// subscription in commit order, so that no event after a change to the account (its
    /// deactivation) is shown before the account is read again.
    pub async fn holds(&self, change: &Change) -> bool {
        let about_the_editor = change.entity_type == EntityType::Editor && change.entity_id == self.editor_id;
        self.recheck(about_the_editor).await
    }

    /// Whether the authority still holds: the token has not expired, and the account, read
    /// again when `now` or when it was last read a few seconds ago, still accepts the token.
    async fn recheck(&self, now: bool) -> bool {
        if self.revoked.is_cancelled() {
            return false;
        }
        if Instant::now() >= self.expires {
            self.revoked.cancel();
            return false;
        }
        let mut checked = self.checked.lock().await;
        if self.revoked.is_cancelled() {
            return false;
        }
        if now || checked.elapsed() >= RECHECK_ACCOUNT {
            let (db, keys, token) = (self.db.clone(), self.keys.clone(), self.token.clone());
            // Spawned, so that a socket nobody reads cannot hold the connection the read takes.
            let account = tokio::spawn(async move { editors::authenticate(&db, &keys, &token).await }).await;
            match account {
                Ok(Ok(_)) => *checked = Instant::now(),
                Ok(Err(ServiceError::Unauthenticated(_))) => self.revoked.cancel(),
                // Unknown is not good enough to show private things: fail closed.
                Ok(Err(error)) => {
                    tracing::warn!(?error, "could not re-check a websocket's editor; closing it");
                    self.revoked.cancel();
                }
                Err(error) => {
                    tracing::error!(%error, "re-checking a websocket's editor failed");
                    self.revoked.cancel();
                }
            }
        }
        !self.revoked.is_cancelled()
    }

    /// Watches the authority until it ends (then `revoked` resolves) or `end` is called: at
    /// the token's expiry, on every change to the account, and every few seconds, so that a
    /// socket without subscriptions (running queries and mutations) is closed too.
    pub fn watch(self: &Arc<Self>, hub: &ChangeHub) {
        let (authority, mut changes) = (self.clone(), hub.subscribe());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(RECHECK_ACCOUNT);
            loop {
                let holds = tokio::select! {
                    _ = authority.revoked.cancelled() => return,
                    _ = tokio::time::sleep_until(authority.expires) => authority.recheck(false).await,
                    _ = every.tick() => authority.recheck(false).await,
                    change = changes.recv() => match change {
                        Ok(change) => authority.holds(&change).await,
                        Err(RecvError::Lagged(_)) => authority.recheck(true).await,
                        Err(RecvError::Closed) => return,
                    },
                };
                if !holds {
                    return;
                }
            }
        });
    }

    /// Resolves once the authority has ended.
    pub async fn revoked(&self) {
        self.revoked.cancelled().await
    }

    /// Stops watching: the socket is gone.
    pub fn end(&self) {
        self.revoked.cancel();
    }
}

/// How many recent events' entries are kept for late subscribers.
const EVENTS_KEPT: usize = 256;

type Loading<T> = Shared<BoxFuture<'static, async_graphql::Result<T>>>;

/// An event: its revision, and the audience its subscribers are.
type EventKey = (i32, Audience);

/// What an event's subscribers all show, read once per event (revision) and audience. The read
/// runs in a task of its own, so that a subscriber that stops being polled (its client does
/// not read) holds up neither the read nor the other subscribers waiting for it.
pub struct EventCache<T> {
    entries: Mutex<VecDeque<(EventKey, Loading<T>)>>,
}

impl<T> Default for EventCache<T> {
    fn default() -> Self {
        EventCache { entries: Mutex::default() }
    }
}

impl<T: Clone + Send + Sync + 'static> EventCache<T> {
    /// What `load` reads for the event `revision` and `audience`, read by the first subscriber
    /// to ask.
    pub async fn get<F>(&self, revision: i32, audience: Audience, load: F) -> async_graphql::Result<T>
    where
        F: Future<Output = async_graphql::Result<T>> + Send + 'static,
    {
        let loading = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let key = (revision, audience);
            match entries.iter().find(|(k, _)| *k == key) {
                Some((_, loading)) => loading.clone(),
                None => {
                    let task = tokio::spawn(load);
                    let loading = async move {
                        task.await.unwrap_or_else(|error| {
                            tracing::error!(%error, "reading an event's entry failed");
                            Err(coded(ErrorCode::Internal, "internal error"))
                        })
                    }
                    .boxed()
                    .shared();
                    entries.push_back((key, loading.clone()));
                    if entries.len() > EVENTS_KEPT {
                        entries.pop_front();
                    }
                    loading
                }
            }
        };
        loading.await
    }
}
