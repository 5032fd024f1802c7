//! Change notifications: a hub that follows the revision log and tells in-process subscribers
//! about every committed change, whichever process made it (this one, another instance, the
//! command line). The log is the one source: a change exists once its revision row is committed.
//!
//! On Postgres, `revisions::record` sends `NOTIFY ai_tracker_changes` inside the writing
//! transaction (delivered on commit only) and a `LISTEN`ing connection wakes the follower; after
//! a lost connection it reconnects and catches up from the last revision it saw. On SQLite the
//! follower polls the log. Either way it reads `revision WHERE id > last_seen ORDER BY id`, which
//! is complete because revision ids commit in order (see `revisions::record`).
//!
//! The hub also keeps the catalog's *generation* for caches: a counter that moves on before
//! subscribers hear of a change, and after a write committed by this very process (so that its
//! writer reads it at once). While the log is not being followed (before the first catch-up,
//! after a lost connection) there is no generation, and nothing may be cached.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicU64, Ordering},
};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sqlx::{
        self,
        postgres::{PgListener, PgPoolOptions},
    },
};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::ServiceResult;
use crate::domain::{EntityType, RevisionAction};
use crate::entity::revision;

/// The Postgres channel `revisions::record` notifies; the payload is the revision id.
pub const CHANNEL: &str = "ai_tracker_changes";

/// How many changes a slow subscriber may fall behind before it misses some.
const BUFFER: usize = 1024;

/// Most revisions read from the log at once while catching up.
const BATCH: u64 = 500;

/// One committed change, as the revision log records it.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub revision_id: i32,
    pub entity_type: EntityType,
    pub entity_id: i32,
    pub action: RevisionAction,
    pub at: DateTime<Utc>,
    /// Whether the public may know of it (a published catalog entry before or after).
    pub public: bool,
}

impl Change {
    fn from_row(row: &revision::Model) -> ServiceResult<Change> {
        Ok(Change {
            revision_id: row.id,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            action: row.action,
            at: row.created_at,
            public: row.public,
        })
    }
}

/// Where subscribers get changes from. Cheap to clone.
#[derive(Clone)]
pub struct ChangeHub {
    sender: broadcast::Sender<Change>,
    open_subscriptions: Arc<AtomicI64>,
    freshness: Arc<Freshness>,
}

/// How far this process has seen the log: the generation moves on with every change seen and
/// every local write, and whenever following starts or stops.
#[derive(Default)]
struct Freshness {
    generation: AtomicU64,
    following: AtomicBool,
    /// The newest revision seen (and announced).
    seen: AtomicI32,
}

impl Freshness {
    fn moved_on(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn set_following(&self, following: bool) {
        if self.following.swap(following, Ordering::SeqCst) != following {
            self.moved_on();
        }
    }
}

impl ChangeHub {
    /// A hub that follows `db`'s revision log until `stop` is cancelled, starting after the
    /// newest revision committed now. `poll_interval` is how often SQLite's log is read.
    pub async fn start(
        db: DatabaseConnection,
        poll_interval: Duration,
        stop: CancellationToken,
    ) -> ServiceResult<ChangeHub> {
        let (sender, _) = broadcast::channel(BUFFER);
        let last_seen = newest_id(&db).await?;
        let freshness = Arc::new(Freshness { seen: AtomicI32::new(last_seen), ..Freshness::default() });
        let follower = Follower { db, sender: sender.clone(), last_seen, freshness: freshness.clone() };
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = follower.run(poll_interval) => {}
            }
        });
        Ok(ChangeHub { sender, open_subscriptions: Arc::new(AtomicI64::new(0)), freshness })
    }

    /// The catalog's generation as this process knows it, or `None` while changes could go
    /// unseen. An answer read in generation `g` is current for as long as this returns `Some(g)`.
    pub fn generation(&self) -> Option<u64> {
        let generation = self.freshness.generation.load(Ordering::SeqCst);
        self.freshness.following.load(Ordering::SeqCst).then_some(generation)
    }

    /// The newest revision this process has seen and announced: every change up to it has
    /// reached subscribers and caches.
    pub fn seen_up_to(&self) -> i32 {
        self.freshness.seen.load(Ordering::SeqCst)
    }

    /// Moves the generation on after this process committed a write, ahead of the write's
    /// notice: the writer's next read must not be answered from before it.
    pub fn written(&self) {
        self.freshness.moved_on();
    }

    /// Every change committed from now on, in commit order.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// How many GraphQL subscriptions are open (for metrics).
    pub fn open_subscriptions(&self) -> i64 {
        self.open_subscriptions.load(Ordering::Relaxed)
    }

    /// Counts a subscription as open for as long as the returned guard lives.
    pub fn track_subscription(&self) -> SubscriptionGuard {
        self.open_subscriptions.fetch_add(1, Ordering::Relaxed);
        SubscriptionGuard(self.open_subscriptions.clone())
    }
}

/// Held by an open subscription; dropping it closes the subscription's count.
pub struct SubscriptionGuard(Arc<AtomicI64>);

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn newest_id(db: &DatabaseConnection) -> ServiceResult<i32> {
    let newest: Option<Option<i32>> = revision::Entity::find()
        .select_only()
        .column_as(revision::Column::Id.max(), "newest")
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.flatten().unwrap_or(0))
}

struct Follower {
    db: DatabaseConnection,
    sender: broadcast::Sender<Change>,
    last_seen: i32,
    freshness: Arc<Freshness>,
}

impl Follower {
    async fn run(mut self, poll_interval: Duration) {
        match self.db.get_database_backend() {
            DbBackend::Postgres => self.listen().await,
            _ => self.poll(poll_interval).await,
        }
    }

    async fn poll(&mut self, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let caught_up = self.catch_up().await;
            self.freshness.set_following(caught_up);
        }
    }

    /// LISTEN, catch up, then read the log whenever a notice arrives. Any failure (the server
    /// restarted, the connection was terminated) starts over with a new connection, which
    /// listens before it catches up so that nothing committed in between is missed.
    async fn listen(&mut self) {
        // A connection of its own, outside the request pool, on the same server and settings.
        let options = self.db.get_postgres_connection_pool().connect_options().as_ref().clone();
        let pool =
            PgPoolOptions::new().max_connections(1).max_lifetime(None).idle_timeout(None).connect_lazy_with(options);
        let mut backoff = Duration::from_millis(100);
        loop {
            let outcome = self.listen_once(&pool).await;
            self.freshness.set_following(false);
            match outcome {
                Err(error) => tracing::warn!(%error, "change listener lost its connection; reconnecting"),
                Ok(()) => {
                    tracing::warn!("change listener lost its connection; reconnecting");
                    backoff = Duration::from_millis(100);
                }
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Follows until the connection is lost (`Ok`) or fails (`Err`).
    async fn listen_once(&mut self, pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        tracing::debug!("listening for changes on {CHANNEL}");
        let caught_up = self.catch_up().await;
        self.freshness.set_following(caught_up);
        while listener.try_recv().await?.is_some() {
            while listener.next_buffered().is_some() {}
            let caught_up = self.catch_up().await;
            self.freshness.set_following(caught_up);
        }
        Ok(())
    }

    /// Broadcasts every revision committed after the last one seen, after moving the generation
    /// on; false when the log could not be read.
    async fn catch_up(&mut self) -> bool {
        loop {
            let rows = match revision::Entity::find()
                .filter(revision::Column::Id.gt(self.last_seen))
                .order_by_asc(revision::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await
            {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::warn!(%error, "could not read the revision log; will retry");
                    return false;
                }
            };
            if !rows.is_empty() {
                self.freshness.moved_on();
            }
            for row in &rows {
                self.last_seen = row.id;
                match Change::from_row(row) {
                    // No subscribers is not an error.
                    Ok(change) => drop(self.sender.send(change)),
                    Err(error) => tracing::error!(?error, revision = row.id, "unreadable revision"),
                }
            }
            self.freshness.seen.store(self.last_seen, Ordering::SeqCst);
            if (rows.len() as u64) < BATCH {
                return true;
            }
        }
    }
}
