//! The one store of every limit that counts over time: sign-in attempts (per email and per
//! client address, also for changePassword), feedback submissions (per address and for
//! everyone) and the query budget.
//!
//! One algorithm for every backend, GCRA (the generic cell rate algorithm): a rule allows
//! `burst` units per `period`, refilled evenly, and a key's whole state is one time, its
//! "theoretical arrival time" (`tat`): when its allowance will be whole again. Taking `cost`
//! units moves `tat` forward by `cost × period / burst`, and is refused when that would put it
//! more than `period` ahead of now.
//!
//! - On Postgres the state is a row of the UNLOGGED table `limit_window`, and a check is ONE
//!   statement (`INSERT … ON CONFLICT (key) DO UPDATE … RETURNING`) computed with the
//!   database's clock, so that every instance of the service counts against the same
//!   allowance, whatever their clocks say.
//! - On SQLite (one process) the state is a map in memory, checked by the same arithmetic.
//!
//! Rows and entries whose `tat` has passed mean the same as none; `sweep` deletes them, in
//! bounded batches, from a background task.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, Statement, Value};

/// What a limit allows: `burst` units at once, refilled evenly over `period`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub burst: u32,
    pub period: Duration,
}

impl Rule {
    pub fn per_minute(n: u32) -> Rule {
        Rule { burst: n.max(1), period: Duration::from_secs(60) }
    }

    pub fn per_hour(n: u32) -> Rule {
        Rule { burst: n.max(1), period: Duration::from_secs(3600) }
    }

    /// How long one unit takes to come back, in seconds.
    pub(super) fn interval(&self) -> f64 {
        self.period.as_secs_f64() / f64::from(self.burst)
    }
}

/// How a take treats a cost that does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// Refused when the cost does not fit; nothing is counted then.
    IfAllowed,
    /// Counted whatever it does to the allowance: settling a cost already spent (the key then
    /// waits longer for its next take).
    Always,
}

/// A key's allowance after a take.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standing {
    pub allowed: bool,
    pub limit: u32,
    /// Whole units left now.
    pub remaining: u32,
    /// Until the allowance is whole again.
    pub reset_after: Duration,
    /// Until this take would have been allowed (zero when it was).
    pub retry_after: Duration,
}

impl Standing {
    /// From `ahead`, how far the key's `tat` is ahead of now (in seconds) after the take, and the
    /// take's own increment.
    pub(super) fn of(rule: Rule, allowed: bool, ahead: f64, increment: f64) -> Standing {
        let period = rule.period.as_secs_f64();
        let ahead = ahead.max(0.0);
        let remaining = ((period - ahead) / rule.interval() + 1e-9).floor().clamp(0.0, f64::from(rule.burst));
        let retry = if allowed { 0.0 } else { (ahead + increment - period).max(0.0) };
        Standing {
            allowed,
            limit: rule.burst,
            remaining: remaining as u32,
            reset_after: Duration::from_secs_f64(ahead),
            retry_after: Duration::from_secs_f64(retry),
        }
    }
}

/// The store could not be asked (Postgres unreachable, a statement failed).
#[derive(Debug)]
pub struct StoreUnavailable(pub DbErr);

#[derive(Clone)]
pub struct LimitStore(Arc<Backend>);

enum Backend {
    Memory { started: Instant, keys: Mutex<HashMap<String, f64>> },
    Postgres(DatabaseConnection),
}

/// Entries a memory store keeps before it sweeps at once (a key's entry is gone once whole).
const MAX_MEMORY_KEYS: usize = 100_000;
/// Rows one sweep statement deletes.
const SWEEP_BATCH: u64 = 1_000;
/// The longest key kept: longer ones (an email no account can have) are cut, which only
/// makes such keys share an allowance.
const MAX_KEY_BYTES: usize = 300;

const TAKE: &str = "INSERT INTO limit_window AS w (key, tat, allowed) \
     VALUES ($1, now() + make_interval(secs => CASE WHEN $2 <= $3 OR $4 THEN $2 ELSE 0 END), $2 <= $3 OR $4) \
     ON CONFLICT (key) DO UPDATE SET \
       allowed = GREATEST(w.tat, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3) OR $4, \
       tat = CASE WHEN GREATEST(w.tat, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3) OR $4 \
                  THEN GREATEST(w.tat, now()) + make_interval(secs => $2) ELSE w.tat END \
     RETURNING allowed, EXTRACT(EPOCH FROM tat - now())::float8 AS ahead";

const SWEEP: &str = "DELETE FROM limit_window WHERE key IN \
     (SELECT key FROM limit_window WHERE tat < now() LIMIT $1 FOR UPDATE SKIP LOCKED)";

impl LimitStore {
    /// Postgres keeps the limits in the database `db` names (shared by every instance); any
    /// other backend keeps them in this process's memory.
    pub fn for_database(db: &DatabaseConnection) -> LimitStore {
        match db.get_database_backend() {
            DatabaseBackend::Postgres => LimitStore(Arc::new(Backend::Postgres(db.clone()))),
            _ => LimitStore::in_memory(),
        }
    }

    pub fn in_memory() -> LimitStore {
        LimitStore(Arc::new(Backend::Memory { started: Instant::now(), keys: Mutex::new(HashMap::new()) }))
    }

    pub fn is_shared(&self) -> bool {
        matches!(*self.0, Backend::Postgres(_))
    }

    /// Takes `cost` units from `key`'s allowance under `rule` (a cost of 0 only looks).
    pub async fn take(&self, key: &str, rule: Rule, cost: u32, how: Take) -> Result<Standing, StoreUnavailable> {
        let key = cut(key);
        let increment = f64::from(cost) * rule.interval();
        let period = rule.period.as_secs_f64();
        let always = how == Take::Always;
        match &*self.0 {
            Backend::Memory { started, keys } => {
                let now = started.elapsed().as_secs_f64();
                let mut keys = keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if keys.len() > MAX_MEMORY_KEYS {
                    keys.retain(|_, tat| *tat > now);
                }
                let tat = keys.get(key).copied().unwrap_or(now).max(now);
                let allowed = always || tat + increment - now <= period;
                let after = if allowed { tat + increment } else { tat };
                if after > now {
                    keys.insert(key.to_owned(), after);
                }
                Ok(Standing::of(rule, allowed, after - now, increment))
            }
            Backend::Postgres(db) => {
                let values: Vec<Value> = vec![key.into(), increment.into(), period.into(), always.into()];
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, TAKE, values))
                    .await
                    .map_err(StoreUnavailable)?
                    .ok_or_else(|| StoreUnavailable(DbErr::RecordNotFound("limit_window returned no row".into())))?;
                let allowed: bool = row.try_get("", "allowed").map_err(StoreUnavailable)?;
                let ahead: f64 = row.try_get("", "ahead").map_err(StoreUnavailable)?;
                Ok(Standing::of(rule, allowed, ahead, increment))
            }
        }
    }

    /// Gives `units` back to `key`'s allowance (never past whole): what a lease took and did not
    /// spend (see `budget_lease`).
    pub async fn give_back(&self, key: &str, rule: Rule, units: u32) -> Result<(), StoreUnavailable> {
        let key = cut(key);
        let decrement = f64::from(units) * rule.interval();
        match &*self.0 {
            Backend::Memory { keys, .. } => {
                let mut keys = keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if let Some(tat) = keys.get_mut(key) {
                    *tat -= decrement;
                }
                Ok(())
            }
            // The take's statement with a negative increment, always counted: `tat` moves back
            // (a row whose `tat` passes now is whole, as before).
            Backend::Postgres(db) => {
                let values: Vec<Value> =
                    vec![key.into(), (-decrement).into(), rule.period.as_secs_f64().into(), true.into()];
                db.execute_raw(Statement::from_sql_and_values(DatabaseBackend::Postgres, TAKE, values))
                    .await
                    .map_err(StoreUnavailable)?;
                Ok(())
            }
        }
    }

    /// Forgets the keys whose allowance is whole again; how many it forgot.
    pub async fn sweep(&self) -> Result<u64, StoreUnavailable> {
        match &*self.0 {
            Backend::Memory { started, keys } => {
                let now = started.elapsed().as_secs_f64();
                let mut keys = keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                let before = keys.len();
                keys.retain(|_, tat| *tat > now);
                Ok((before - keys.len()) as u64)
            }
            Backend::Postgres(db) => {
                let mut total = 0;
                loop {
                    let statement =
                        Statement::from_sql_and_values(DatabaseBackend::Postgres, SWEEP, [(SWEEP_BATCH as i64).into()]);
                    let deleted = db.execute_raw(statement).await.map_err(StoreUnavailable)?.rows_affected();
                    total += deleted;
                    if deleted < SWEEP_BATCH {
                        return Ok(total);
                    }
                }
            }
        }
    }

    /// Sweeps every `interval` until `stop` is cancelled; a failed sweep is logged and tried
    /// again next time.
    pub async fn sweep_periodically(self, interval: Duration, stop: tokio_util::sync::CancellationToken) {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match self.sweep().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(forgotten = n, "limit store: forgot keys whose allowance is whole"),
                Err(StoreUnavailable(error)) => tracing::warn!(%error, "limit store: the sweep failed"),
            }
        }
    }
}

/// `key`, cut to at most `MAX_KEY_BYTES` on a character boundary.
fn cut(key: &str) -> &str {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let mut end = MAX_KEY_BYTES;
    while !key.is_char_boundary(end) {
        end -= 1;
    }
    &key[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_is_allowed_then_refused_with_the_time_to_wait() {
        let store = LimitStore::in_memory();
        let rule = Rule::per_minute(5);
        for left in (0..5).rev() {
            let s = store.take("k", rule, 1, Take::IfAllowed).await.unwrap();
            assert!(s.allowed);
            assert_eq!(s.remaining, left);
        }
        let refused = store.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        assert!(!refused.allowed);
        assert!(refused.retry_after > Duration::from_secs(11) && refused.retry_after <= Duration::from_secs(12));
        assert!(store.take("other", rule, 1, Take::IfAllowed).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn a_cost_larger_than_what_is_left_is_refused_unless_settled() {
        let store = LimitStore::in_memory();
        let rule = Rule::per_hour(100);
        assert_eq!(store.take("k", rule, 90, Take::IfAllowed).await.unwrap().remaining, 10);
        assert!(!store.take("k", rule, 11, Take::IfAllowed).await.unwrap().allowed);
        let settled = store.take("k", rule, 20, Take::Always).await.unwrap();
        assert_eq!(settled.remaining, 0);
        assert!(settled.reset_after > Duration::from_secs(3600));
        assert_eq!(store.take("k", rule, 0, Take::IfAllowed).await.unwrap().remaining, 0);
    }

    #[test]
    fn long_keys_are_cut_on_a_character_boundary() {
        let key = "é".repeat(400);
        assert!(cut(&key).len() <= MAX_KEY_BYTES);
        assert_eq!(cut("short"), "short");
    }
}
