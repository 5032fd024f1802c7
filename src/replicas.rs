//! Which database a request's statements go to: the one place that decides.
//!
//! Anonymous reads (GraphQL queries, the explorer's pages, exports, the feed) go to a read
//! replica (`DATABASE_READ_URL`), round-robin. Everything else stays on the primary: writes,
//! editors' reads (an editor reads their own writes at once), subscriptions (their events come
//! from the primary's revision log and are resolved as they arrive), checking tokens, the limit
//! store, and the change hub's `LISTEN`.
//!
//! A replica is read only while it is known to be healthy and to have replayed every change
//! this instance has seen (the revision log's newest id there is at least the hub's
//! `seen_up_to`): a lagging replica would otherwise hand out answers from before a change that
//! the response cache has already moved past, and the cache would keep them. Both are learned by
//! a background check (`SELECT max(id) FROM revision` on the replica), at most one per replica at
//! a time, never by a client's request: while a replica is behind or resting, reads go to the
//! primary and `ai_tracker_db_replica_fallbacks_total` counts them by reason.
//!
//! A read that fails on a replica for a reason the primary does not share (no connection, a
//! lost one, a hot standby's recovery conflict) runs again on the primary, and the replica rests
//! (`AI_TRACKER_REPLICA_REST_MS`) until a check finds it back.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering},
};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::config::{DatabaseSettings, ReplicaSettings};
use crate::metrics::{DbTarget, Fallback, Metrics};
use crate::service::changes::ChangeHub;
use crate::service::{Caller, ServiceError, ServiceResult};

/// The primary and the read replicas; cheap to clone (shared).
#[derive(Clone)]
pub struct Databases {
    inner: Arc<Inner>,
}

struct Inner {
    primary: DatabaseConnection,
    replicas: Vec<Replica>,
    /// The next replica to try first (round-robin).
    next: AtomicUsize,
    changes: ChangeHub,
    metrics: Metrics,
    rest: Duration,
}

struct Replica {
    db: DatabaseConnection,
    /// The newest revision found on the replica by the last check.
    replayed: AtomicI64,
    /// Whether the last check or read there succeeded.
    healthy: AtomicBool,
    /// No check before this time (process milliseconds), after a failure.
    resting_until: AtomicU64,
    /// When the last check started, so that a lagging replica is not checked back to back.
    checked_at: AtomicU64,
    checking: AtomicBool,
}

/// How soon a replica that was behind is checked again.
const BEHIND_RECHECK: Duration = Duration::from_millis(20);

/// The longest a check may take before the replica counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

fn millis_now() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// What a request is about to do with the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Only reads, which a replica may serve if the caller is anonymous.
    Read,
    /// Writes, or anything else that must see the primary (subscriptions, checks of a limit).
    Primary,
}

/// Where one request's statements go.
#[derive(Clone)]
pub struct Route {
    db: DatabaseConnection,
    replica: Option<usize>,
}

impl Route {
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn is_replica(&self) -> bool {
        self.replica.is_some()
    }
}

impl Databases {
    /// The primary alone: every request goes there.
    pub fn primary_only(primary: DatabaseConnection, changes: ChangeHub, metrics: Metrics) -> Databases {
        Databases::with_replicas(primary, Vec::new(), changes, metrics, Duration::from_secs(5))
    }

    /// The primary and a lazy pool per replica URL of `settings`; a replica that is down now
    /// does not fail the start (its first check fails, and it rests). `on_statement` is told
    /// of every statement, as the primary's metric callback is.
    pub async fn connect(
        primary: DatabaseConnection,
        database: &DatabaseSettings,
        settings: &ReplicaSettings,
        changes: ChangeHub,
        metrics: Metrics,
        on_statement: impl Fn(&sea_orm::metric::Info<'_>) + Clone + Send + Sync + 'static,
    ) -> anyhow::Result<Databases> {
        let mut replicas = Vec::new();
        for url in settings.urls() {
            let mut db = crate::db::connect_replica(url, database).await?;
            db.set_metric_callback(on_statement.clone());
            replicas.push(db);
        }
        if !replicas.is_empty() {
            tracing::info!(replicas = replicas.len(), "anonymous reads go to read replicas");
        }
        let databases = Databases::with_replicas(primary, replicas, changes, metrics, settings.rest());
        if !databases.inner.replicas.is_empty() {
            tokio::spawn(watch(Arc::downgrade(&databases.inner)));
        }
        Ok(databases)
    }

    fn with_replicas(
        primary: DatabaseConnection,
        replicas: Vec<DatabaseConnection>,
        changes: ChangeHub,
        metrics: Metrics,
        rest: Duration,
    ) -> Databases {
        let replicas = replicas
            .into_iter()
            .map(|db| Replica {
                db,
                replayed: AtomicI64::new(-1),
                healthy: AtomicBool::new(false),
                resting_until: AtomicU64::new(0),
                checked_at: AtomicU64::new(0),
                checking: AtomicBool::new(false),
            })
            .collect();
        Databases { inner: Arc::new(Inner { primary, replicas, next: AtomicUsize::new(0), changes, metrics, rest }) }
    }

    /// The primary, for what must run there whoever asks: writes, the limit store, token checks.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.inner.primary
    }

    /// Where `caller`'s request doing `work` goes, counted in `ai_tracker_db_requests_total`.
    pub fn route(&self, caller: &Caller, work: Work) -> Route {
        let inner = &self.inner;
        let anonymous_read = work == Work::Read && matches!(caller, Caller::Anonymous);
        if anonymous_read && !inner.replicas.is_empty() {
            let seen = i64::from(inner.changes.seen_up_to());
            let count = inner.replicas.len();
            let first = inner.next.fetch_add(1, Ordering::Relaxed);
            let mut behind = false;
            for step in 0..count {
                let index = (first + step) % count;
                let replica = &inner.replicas[index];
                if !replica.healthy.load(Ordering::Acquire) {
                    self.check(index);
                } else if replica.replayed.load(Ordering::Acquire) < seen {
                    behind = true;
                    self.check(index);
                } else {
                    inner.metrics.observe_db_target(DbTarget::Replica);
                    return Route { db: replica.db.clone(), replica: Some(index) };
                }
            }
            inner.metrics.observe_replica_fallback(if behind { Fallback::Behind } else { Fallback::Resting });
        }
        self.to_primary()
    }

    fn to_primary(&self) -> Route {
        self.inner.metrics.observe_db_target(DbTarget::Primary);
        Route { db: self.inner.primary.clone(), replica: None }
    }

    /// The primary for a read that failed on `failed`'s replica, which rests from now on.
    pub fn fall_back(&self, failed: &Route) -> Route {
        if let Some(index) = failed.replica {
            let replica = &self.inner.replicas[index];
            if replica.healthy.swap(false, Ordering::AcqRel) {
                tracing::warn!(replica = index, "a read replica failed; its reads go to the primary while it rests");
            }
            replica.resting_until.store(millis_now() + self.inner.rest.as_millis() as u64, Ordering::Release);
            self.inner.metrics.observe_replica_fallback(Fallback::Failed);
        }
        self.to_primary()
    }

    /// Runs the read `work` where `caller`'s reads go; if a replica cannot serve it, once more
    /// on the primary. Returns the route that answered, for the rest of the same request.
    pub async fn read<T, F, Fut>(&self, caller: &Caller, work: F) -> ServiceResult<(T, Route)>
    where
        F: Fn(DatabaseConnection) -> Fut,
        Fut: Future<Output = ServiceResult<T>>,
    {
        let route = self.route(caller, Work::Read);
        match work(route.db.clone()).await {
            Err(error) if route.is_replica() && error.is_replica_unavailable() => {
                tracing::debug!(?error, "a replica read failed; reading from the primary");
                let primary = self.fall_back(&route);
                let found = work(primary.db.clone()).await?;
                Ok((found, primary))
            }
            other => other.map(|found| (found, route)),
        }
    }

    /// How the replicas stand: in use, behind (healthy but not caught up), resting.
    pub fn status(&self) -> (usize, usize, usize) {
        let seen = i64::from(self.inner.changes.seen_up_to());
        let (mut in_use, mut behind, mut resting) = (0, 0, 0);
        for replica in &self.inner.replicas {
            if !replica.healthy.load(Ordering::Acquire) {
                resting += 1;
            } else if replica.replayed.load(Ordering::Acquire) < seen {
                behind += 1;
            } else {
                in_use += 1;
            }
        }
        (in_use, behind, resting)
    }

    /// Starts a check of replica `index` in the background, unless one runs, it rests, or it
    /// was checked a moment ago.
    fn check(&self, index: usize) {
        let replica = &self.inner.replicas[index];
        let now = millis_now();
        if now < replica.resting_until.load(Ordering::Acquire)
            || now < replica.checked_at.load(Ordering::Acquire) + BEHIND_RECHECK.as_millis() as u64
            || replica.checking.swap(true, Ordering::AcqRel)
        {
            return;
        }
        replica.checked_at.store(now, Ordering::Release);
        let databases = self.clone();
        tokio::spawn(async move {
            let replica = &databases.inner.replicas[index];
            let found = tokio::time::timeout(CHECK_TIMEOUT, newest_revision(&replica.db)).await;
            match found {
                Ok(Ok(newest)) => {
                    replica.replayed.store(newest, Ordering::Release);
                    if !replica.healthy.swap(true, Ordering::AcqRel) {
                        tracing::info!(replica = index, "a read replica answers; anonymous reads go to it");
                    }
                }
                failed => {
                    let error = match failed {
                        Ok(Err(error)) => format!("{:#}", error.with_detail()),
                        _ => "the check timed out".to_owned(),
                    };
                    replica.healthy.store(false, Ordering::Release);
                    tracing::warn!(replica = index, %error, "a read replica does not answer; its reads go to the primary");
                    let rest = databases.inner.rest.as_millis() as u64;
                    replica.resting_until.store(millis_now() + rest, Ordering::Release);
                }
            }
            replica.checking.store(false, Ordering::Release);
        });
    }
}

/// Checks, while the service lives, every replica that is behind or whose rest is over, so
/// that one comes back (and `/metrics` shows it) without waiting for a client's read.
async fn watch(inner: std::sync::Weak<Inner>) {
    let mut ticks = tokio::time::interval(WATCH_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(inner) = inner.upgrade() else { return };
        let databases = Databases { inner };
        let seen = i64::from(databases.inner.changes.seen_up_to());
        for (index, replica) in databases.inner.replicas.iter().enumerate() {
            if !replica.healthy.load(Ordering::Acquire) || replica.replayed.load(Ordering::Acquire) < seen {
                databases.check(index);
            }
        }
    }
}

/// How often `watch` looks at the replicas.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);

/// The newest revision a database holds (0: none).
async fn newest_revision(db: &DatabaseConnection) -> ServiceResult<i64> {
    let statement =
        Statement::from_string(db.get_database_backend(), "SELECT COALESCE(MAX(id), 0) AS newest FROM revision");
    let row = db.query_one_raw(statement).await?.ok_or_else(|| ServiceError::internal(anyhow::anyhow!("no row")))?;
    Ok(i64::from(row.try_get::<i32>("", "newest")?))
}
