//! What `/metrics` reports, in Prometheus' text format: HTTP requests by route and status class
//! with a latency histogram, GraphQL operations by type and outcome with a latency histogram, the
//! database pool, where requests' statements went (primary or a read replica) and the replicas'
//! fallbacks, open subscriptions, the response cache (lookups by result, bytes held), and
//! the process (memory, CPU, file descriptors).
//!
//! Every label takes its value from a fixed set (the router's route patterns, status classes,
//! operation types, outcomes), never from something a client chooses freely such as an
//! operation name, so a client cannot grow the number of series.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::db::PoolStatus;

/// Latency buckets in seconds, from a cached read to a slow analysis.
const LATENCY_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The GraphQL operation types, as labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperationKind {
    Query,
    Mutation,
    Subscription,
    /// The document did not parse, or named no operation it holds.
    Unknown,
}

impl OperationKind {
    fn label(self) -> &'static str {
        match self {
            OperationKind::Query => "query",
            OperationKind::Mutation => "mutation",
            OperationKind::Subscription => "subscription",
            OperationKind::Unknown => "unknown",
        }
    }
}

/// How a GraphQL operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Data and no errors.
    Ok,
    /// Ran, but some fields failed (the response has data and errors).
    Error,
    /// Refused before running: a parse or validation error, limits, credentials.
    Rejected,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Rejected => "rejected",
        }
    }
}

/// What the response cache did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheResult {
    /// Answered from the cache (or from a run another request made at the same time).
    Hit,
    /// Ran, and the answer was offered to the cache.
    Miss,
    /// Not cacheable: an editor's request, the cache off, or changes not being followed.
    Bypass,
}

impl CacheResult {
    fn label(self) -> &'static str {
        match self {
            CacheResult::Hit => "hit",
            CacheResult::Miss => "miss",
            CacheResult::Bypass => "bypass",
        }
    }
}

/// Where a request's statements went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbTarget {
    Primary,
    Replica,
}

impl DbTarget {
    fn label(self) -> &'static str {
        match self {
            DbTarget::Primary => "primary",
            DbTarget::Replica => "replica",
        }
    }
}

/// Why an anonymous read went to the primary although replicas are configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// The read failed on a replica (unreachable, or its session ended) and ran again on the primary.
    Failed,
    /// Every replica rests after a failure, until a background check finds it back.
    Resting,
    /// No replica has replayed the newest change this instance has seen.
    Behind,
}

impl Fallback {
    fn label(self) -> &'static str {
        match self {
            Fallback::Failed => "failed",
            Fallback::Resting => "resting",
            Fallback::Behind => "behind",
        }
    }
}

/// The service's metrics; cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    graphql_operations: IntCounterVec,
    graphql_duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    subscriptions_open: IntGauge,
    cache_lookups: IntCounterVec,
    cache_bytes: IntGauge,
    db_requests: IntCounterVec,
    replica_fallbacks: IntCounterVec,
    replicas: IntGaugeVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new("ai_tracker_http_requests_total", "HTTP requests answered, by route pattern and status class"),
            &["route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "ai_tracker_http_request_duration_seconds",
                "Time to answer an HTTP request, by route pattern",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["route"],
        )
        .expect("valid metric");
        let graphql_operations = IntCounterVec::new(
            Opts::new("ai_tracker_graphql_operations_total", "GraphQL operations run, by operation type and outcome"),
            &["operation", "outcome"],
        )
        .expect("valid metric");
        let graphql_duration = HistogramVec::new(
            HistogramOpts::new(
                "ai_tracker_graphql_operation_duration_seconds",
                "Time to run a GraphQL operation, by type",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["operation"],
        )
        .expect("valid metric");
        let pool_connections = IntGaugeVec::new(
            Opts::new("ai_tracker_db_pool_connections", "Database pool connections, by state (idle or in_use)"),
            &["state"],
        )
        .expect("valid metric");
        let pool_max =
            IntGauge::new("ai_tracker_db_pool_max_connections", "The most connections the database pool may open")
                .expect("valid");
        let subscriptions_open =
            IntGauge::new("ai_tracker_subscriptions_open", "GraphQL subscriptions open now").expect("valid metric");
        let cache_lookups = IntCounterVec::new(
            Opts::new("ai_tracker_response_cache_requests_total", "GraphQL requests by what the response cache did"),
            &["result"],
        )
        .expect("valid metric");
        let cache_bytes = IntGauge::new("ai_tracker_response_cache_bytes", "Bytes the response cache holds now")
            .expect("valid metric");
        let db_requests = IntCounterVec::new(
            Opts::new(
                "ai_tracker_db_requests_total",
                "Requests (GraphQL operations, exports, feeds) by the database they were sent to: primary or replica",
            ),
            &["target"],
        )
        .expect("valid metric");
        let replica_fallbacks = IntCounterVec::new(
            Opts::new(
                "ai_tracker_db_replica_fallbacks_total",
                "Anonymous reads a replica could have served that went to the primary, by reason: failed (a replica \
                 read failed and ran again on the primary), resting (every replica rests after a failure), behind (no \
                 replica has replayed the newest change seen)",
            ),
            &["reason"],
        )
        .expect("valid metric");
        let replicas = IntGaugeVec::new(
            Opts::new("ai_tracker_db_replicas", "Configured read replicas, by state (in_use, behind or resting)"),
            &["state"],
        )
        .expect("valid metric");
        // Every series exists from the start, so that a rate over it is defined before its first event.
        for target in [DbTarget::Primary, DbTarget::Replica] {
            db_requests.with_label_values(&[target.label()]);
        }
        for reason in [Fallback::Failed, Fallback::Resting, Fallback::Behind] {
            replica_fallbacks.with_label_values(&[reason.label()]);
        }
        for collector in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(graphql_operations.clone()),
            Box::new(graphql_duration.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(subscriptions_open.clone()),
            Box::new(cache_lookups.clone()),
            Box::new(cache_bytes.clone()),
            Box::new(db_requests.clone()),
            Box::new(replica_fallbacks.clone()),
            Box::new(replicas.clone()),
        ] {
            registry.register(collector).expect("each metric registers once");
        }
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(prometheus::process_collector::ProcessCollector::for_self()))
            .expect("the process collector registers once");
        Metrics {
            inner: Arc::new(Inner {
                registry,
                http_requests,
                http_duration,
                graphql_operations,
                graphql_duration,
                pool_connections,
                pool_max,
                subscriptions_open,
                cache_lookups,
                cache_bytes,
                db_requests,
                replica_fallbacks,
                replicas,
            }),
        }
    }

    /// One HTTP request answered: `route` is the router's pattern (e.g. `/graphql`), not the path.
    pub fn observe_http(&self, route: &str, status: u16, seconds: f64) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.inner.http_requests.with_label_values(&[route, class]).inc();
        self.inner.http_duration.with_label_values(&[route]).observe(seconds);
    }

    /// One GraphQL operation run (or refused).
    pub fn observe_operation(&self, kind: OperationKind, outcome: Outcome, seconds: f64) {
        self.inner.graphql_operations.with_label_values(&[kind.label(), outcome.label()]).inc();
        self.inner.graphql_duration.with_label_values(&[kind.label()]).observe(seconds);
    }

    /// One GraphQL request over HTTP, by what the response cache did with it.
    pub fn observe_cache(&self, result: CacheResult) {
        self.inner.cache_lookups.with_label_values(&[result.label()]).inc();
    }

    /// One request sent to `target`.
    pub fn observe_db_target(&self, target: DbTarget) {
        self.inner.db_requests.with_label_values(&[target.label()]).inc();
    }

    /// One anonymous read that went to the primary instead of a replica, and why.
    pub fn observe_replica_fallback(&self, reason: Fallback) {
        self.inner.replica_fallbacks.with_label_values(&[reason.label()]).inc();
    }

    /// How the configured replicas stand now (read when `/metrics` is scraped).
    pub fn set_replicas(&self, in_use: usize, behind: usize, resting: usize) {
        for (state, n) in [("in_use", in_use), ("behind", behind), ("resting", resting)] {
            self.inner.replicas.with_label_values(&[state]).set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// Everything, in Prometheus' text exposition format (version 0.0.4), with the pool,
    /// subscription and cache gauges read now.
    pub fn render(&self, pool: PoolStatus, subscriptions_open: i64, cache_bytes: u64) -> String {
        let inner = &self.inner;
        inner.cache_bytes.set(i64::try_from(cache_bytes).unwrap_or(i64::MAX));
        inner.pool_connections.with_label_values(&["idle"]).set(i64::from(pool.idle));
        inner.pool_connections.with_label_values(&["in_use"]).set(i64::from(pool.open.saturating_sub(pool.idle)));
        inner.pool_max.set(i64::from(pool.max));
        inner.subscriptions_open.set(subscriptions_open);
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&inner.registry.gather(), &mut buffer) {
            tracing::error!(%error, "could not encode the metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
