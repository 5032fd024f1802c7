//! Leases: how an instance spends a payer's shared query budget without a statement per
//! operation.
//!
//! Why: with one statement per charge and one per settlement, every operation of a client did
//! two upserts on ONE `limit_window` row, serialized by its row lock. The bench
//! (`BENCH_QUERY_BUDGET=1`, 16 connections from one address, 2-core machine) measured that at
//! 19-27 % of the throughput of the short queries (a filtered page, a model page), against a
//! goal of 5 %.
//!
//! How: an instance takes a payer's points from the shared row in blocks (a lease) and spends
//! them in memory.
//!
//! - **Block size.** A block is `limit / 100` points, at least 1 and at most the configured
//!   maximum (`AI_TRACKER_QUERY_BUDGET_LEASE_BLOCK`, 50 by default). A budget under 200 points an
//!   hour takes exactly what each charge costs, so small budgets stay exact. At the default
//!   5,000 points, at most 50 points (1 %) sit in one instance's lease.
//! - **Partial grants.** When less than a block is left in the shared allowance, the lease takes
//!   what is left, or the charge is refused when that is short of it. Every grant is an
//!   `IfAllowed` take, so the instances together never spend more than the configured total.
//! - **Settlements** (the rows an operation loaded) are spent from the lease. A short lease runs
//!   into debt, which the next take pays first. The settlement is then off the response path.
//! - **Lifetime.** A lease is spent from for `LIFETIME` after its take. The next charge after
//!   that takes again, netting what is left. This refreshes the standing that this instance
//!   shows with other instances' spending. A refusal seen within the lifetime is repeated from
//!   memory, so a client hammering past its budget costs no statements.
//! - **Hand-back.** A lease that is idle for `LIFETIME` is handed back (a negative take). Its debt
//!   is settled. Without the hand-back, a client making one request every few seconds would pay a
//!   whole block for each request: 50 times its cost, and it would be refused at a tenth of its
//!   budget. The hand-back is one statement per idle lease, off every response's path.
//! - **What is shown.** The `X-RateLimit-*` headers and `rateLimit` come from the standing at the
//!   lease's last take, refilled since then. The points still in the lease count as the payer's,
//!   so one instance shows exact figures. With several instances, the figures may lag another
//!   instance's spending for up to `LIFETIME`.
//!
//! Leases are for Postgres only. SQLite's store is a map in this process's memory, so there a
//! take already costs no more than a lease would.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::limit_store::{LimitStore, Rule, Standing, StoreUnavailable, Take};

/// How long a lease is spent from before its standing is asked again. An idle lease is handed
/// back after this long too. Measured on the bench (2 cores, load 7-12, 16 connections; see
/// the README's "Rate limits and query budget"): from one address, `limit_window` was
/// written 0.02-0.10 times a request with leases, against 1-2 times with exact takes. From
/// 1,000 addresses at about 40 requests/s, each client came back about every 25 s, past this
/// lifetime. Each request then cost a take and, later, a hand-back: 0.6-1.1 writes a request,
/// against 1.3-2.5 with exact takes (handing back in batches, one statement per sweep,
/// would remove the hand-backs' share).
pub const LIFETIME: Duration = Duration::from_secs(5);
/// Leases one instance holds at most. Past this, new payers are charged with exact takes.
const MAX_LEASES: usize = 50_000;
/// Attempts at a partial grant when other instances take the same points first.
const PARTIAL_ATTEMPTS: usize = 3;

/// The leases of one instance.
pub struct Leases {
    store: LimitStore,
    max_block: u32,
    slots: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One payer's lease: its state, and a turn for whoever takes for it from the store (the other
/// operations of that payer wait for that take rather than each making their own).
struct Slot {
    rule: Rule,
    state: Mutex<Lease>,
    refill: tokio::sync::Mutex<()>,
}

struct Lease {
    /// Points taken from the store and not spent yet. Below zero, points spent past the lease
    /// (settlements), which the next take pays.
    balance: i64,
    /// How far the key's allowance was from whole (`tat - now`) at the last take, and when.
    ahead: Duration,
    taken: Option<Instant>,
    used: Instant,
    /// Handed back: the slot is out of the map, and a charge that still holds it looks again.
    retired: bool,
}

enum Spent {
    Done(Standing),
    Retired,
    Short,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Lease {
    fn fresh(&self, now: Instant) -> bool {
        self.taken.is_some_and(|taken| now.saturating_duration_since(taken) < LIFETIME)
    }

    /// The payer's standing as this instance knows it: the store's at the last take, refilled
    /// since then. Points still in the lease count as the payer's, and a debt counts as spent.
    /// `cost` is what a refusal could not fit.
    fn view(&self, rule: Rule, now: Instant, allowed: bool, cost: u32) -> Standing {
        let since = self.taken.map_or(Duration::ZERO, |taken| now.saturating_duration_since(taken));
        let ahead = self.ahead.saturating_sub(since).as_secs_f64() - self.balance as f64 * rule.interval();
        Standing::of(rule, allowed, ahead, f64::from(cost) * rule.interval())
    }

    /// Whether `cost` fits the allowance as last seen (the lease's points included).
    fn fits(&self, rule: Rule, now: Instant, cost: u32) -> bool {
        let since = self.taken.map_or(Duration::ZERO, |taken| now.saturating_duration_since(taken));
        let ahead = self.ahead.saturating_sub(since).as_secs_f64() - self.balance as f64 * rule.interval();
        ahead.max(0.0) + f64::from(cost) * rule.interval() <= rule.period.as_secs_f64() + 1e-9
    }

    fn took(&mut self, standing: &Standing, granted: i64, now: Instant) {
        self.balance += granted;
        self.ahead = standing.reset_after;
        self.taken = Some(now);
    }
}

impl Slot {
    /// Spends `cost` from the lease, when it can say the answer without the store.
    fn spend(&self, cost: u32, how: Take, now: Instant) -> Spent {
        let mut lease = lock(&self.state);
        if lease.retired {
            return Spent::Retired;
        }
        lease.used = now;
        let cost_points = i64::from(cost);
        if how == Take::Always {
            lease.balance -= cost_points;
            return Spent::Done(lease.view(self.rule, now, true, 0));
        }
        if !lease.fresh(now) {
            return Spent::Short;
        }
        if lease.balance >= cost_points {
            lease.balance -= cost_points;
            return Spent::Done(lease.view(self.rule, now, true, 0));
        }
        if !lease.fits(self.rule, now, cost) {
            return Spent::Done(lease.view(self.rule, now, false, cost));
        }
        Spent::Short
    }
}

impl Leases {
    /// `max_block`: the most points one take leases (at least 1).
    pub fn new(store: LimitStore, max_block: u32) -> Leases {
        Leases { store, max_block: max_block.max(1), slots: Mutex::new(HashMap::new()) }
    }

    fn block(&self, rule: Rule) -> u32 {
        (rule.burst / 100).clamp(1, self.max_block)
    }

    /// The payer's slot. A settlement never opens one. `None` when this instance holds too many
    /// leases to open another.
    fn slot(&self, key: &str, rule: Rule, open: bool) -> Option<Arc<Slot>> {
        let mut slots = lock(&self.slots);
        if let Some(slot) = slots.get(key) {
            return Some(slot.clone());
        }
        if !open || slots.len() >= MAX_LEASES {
            return None;
        }
        let lease = Lease { balance: 0, ahead: Duration::ZERO, taken: None, used: Instant::now(), retired: false };
        let slot = Arc::new(Slot { rule, state: Mutex::new(lease), refill: tokio::sync::Mutex::new(()) });
        slots.insert(key.to_owned(), slot.clone());
        Some(slot)
    }

    /// Takes `cost` from `key`'s allowance under `rule`, from its lease when that can. The
    /// contract is the limit store's own (`LimitStore::take`).
    pub async fn take(&self, key: &str, rule: Rule, cost: u32, how: Take) -> Result<Standing, StoreUnavailable> {
        loop {
            let Some(slot) = self.slot(key, rule, how == Take::IfAllowed) else {
                return self.store.take(key, rule, cost, how).await;
            };
            match slot.spend(cost, how, Instant::now()) {
                Spent::Done(standing) => return Ok(standing),
                Spent::Retired => continue,
                Spent::Short => {}
            }
            let _turn = slot.refill.lock().await;
            // Whoever took before us may have leased enough.
            match slot.spend(cost, how, Instant::now()) {
                Spent::Done(standing) => return Ok(standing),
                Spent::Retired => continue,
                Spent::Short => return self.refill(key, &slot, cost).await,
            }
        }
    }

    /// Takes for the lease from the store, then spends `cost` from it. The caller holds the
    /// slot's turn, so nothing else takes for this lease meanwhile. A settlement may still
    /// change the balance, so the balance is only ever added to or subtracted from.
    async fn refill(&self, key: &str, slot: &Slot, cost: u32) -> Result<Standing, StoreUnavailable> {
        let rule = slot.rule;
        let balance = lock(&slot.state).balance;
        let cost_points = i64::from(cost);
        if cost == 0 {
            // Only a look: refresh the standing, lease nothing.
            let standing = self.store.take(key, rule, 0, Take::IfAllowed).await?;
            let now = Instant::now();
            let mut lease = lock(&slot.state);
            lease.took(&standing, 0, now);
            return Ok(lease.view(rule, now, true, 0));
        }
        // Bring the lease to a block (or the cost, when larger) before spending; what it holds
        // counts, and a debt is paid first.
        let want = i64::from(self.block(rule).max(cost)) - balance;
        if want <= 0 {
            // A lapsed lease that still holds more than a block: hand the surplus back.
            let surplus = u32::try_from(-want).unwrap_or(u32::MAX);
            if surplus > 0 {
                self.store.give_back(key, rule, surplus).await?;
            }
            let standing = self.store.take(key, rule, 0, Take::IfAllowed).await?;
            return Ok(self.spent(slot, &standing, -i64::from(surplus), cost_points));
        }
        let asked = u32::try_from(want).unwrap_or(u32::MAX);
        let mut standing = self.store.take(key, rule, asked, Take::IfAllowed).await?;
        if standing.allowed {
            return Ok(self.spent(slot, &standing, want, cost_points));
        }
        // Less than a block is left in the shared allowance.
        let debt = (-balance).max(0);
        if debt > 0 {
            // The debt's rows were loaded: settle it whatever it does to the allowance.
            let owed = u32::try_from(debt).unwrap_or(u32::MAX);
            standing = self.store.take(key, rule, owed, Take::Always).await?;
            lock(&slot.state).took(&standing, debt, Instant::now());
        }
        for _ in 0..PARTIAL_ATTEMPTS {
            let balance = lock(&slot.state).balance;
            let short = cost_points - balance.max(0);
            if short <= 0 {
                // What the lease holds pays for it.
                return Ok(self.spent(slot, &standing, 0, cost_points));
            }
            let left = i64::from(standing.remaining);
            if left < short {
                break;
            }
            // Take what is left (a partial grant); another instance may take it first.
            standing = self.store.take(key, rule, standing.remaining, Take::IfAllowed).await?;
            if standing.allowed {
                return Ok(self.spent(slot, &standing, left, cost_points));
            }
        }
        let now = Instant::now();
        let mut lease = lock(&slot.state);
        lease.ahead = standing.reset_after;
        lease.taken = Some(now);
        Ok(lease.view(rule, now, false, cost))
    }

    /// Records a take that granted `granted` points and spends `cost` from the lease.
    fn spent(&self, slot: &Slot, standing: &Standing, granted: i64, cost: i64) -> Standing {
        let now = Instant::now();
        let mut lease = lock(&slot.state);
        lease.took(standing, granted, now);
        lease.balance -= cost;
        lease.view(slot.rule, now, true, 0)
    }

    /// Hands back the leases idle for `LIFETIME`, or all of them (`all`, at shutdown). Points
    /// left in a lease go back to the shared allowance, and a debt is settled. A failure is
    /// logged: those points are then lost until the allowance refills, or that debt is
    /// forgiven. How many leases it handed back.
    pub async fn hand_back(&self, all: bool) -> usize {
        let now = Instant::now();
        let idle = |lease: &Lease| all || now.saturating_duration_since(lease.used) >= LIFETIME;
        let candidates: Vec<(String, Arc<Slot>)> = lock(&self.slots)
            .iter()
            .filter(|(_, slot)| idle(&lock(&slot.state)))
            .map(|(key, slot)| (key.clone(), slot.clone()))
            .collect();
        let mut handed = 0;
        for (key, slot) in candidates {
            // A take in progress means that it is not idle.
            let Ok(_turn) = slot.refill.try_lock() else { continue };
            let balance = {
                let mut lease = lock(&slot.state);
                if !idle(&lease) {
                    continue;
                }
                lease.retired = true;
                std::mem::take(&mut lease.balance)
            };
            {
                let mut slots = lock(&self.slots);
                if slots.get(&key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                    slots.remove(&key);
                }
            }
            handed += 1;
            let points = u32::try_from(balance.unsigned_abs()).unwrap_or(u32::MAX);
            let result = match balance {
                0 => Ok(()),
                b if b > 0 => self.store.give_back(&key, slot.rule, points).await,
                _ => self.store.take(&key, slot.rule, points, Take::Always).await.map(|_| ()),
            };
            if let Err(StoreUnavailable(error)) = result {
                tracing::warn!(%error, balance, "query budget: a lease could not be handed back");
            }
        }
        handed
    }

    /// Hands back idle leases every second until `stop` is cancelled, then all of them.
    pub async fn hand_back_periodically(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => {
                    self.hand_back(true).await;
                    return;
                }
                _ = ticks.tick() => {}
            }
            self.hand_back(false).await;
        }
    }

    /// Leases held now.
    pub fn len(&self) -> usize {
        lock(&self.slots).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the store itself says is left for `key` (a look, outside any lease).
    async fn shared(store: &LimitStore, rule: Rule) -> u32 {
        store.take("k", rule, 0, Take::IfAllowed).await.unwrap().remaining
    }

    #[tokio::test]
    async fn a_lease_takes_a_block_and_spends_it_in_memory() {
        let store = LimitStore::in_memory();
        let leases = Leases::new(store.clone(), 50);
        let rule = Rule::per_hour(5_000);
        for i in 0..50 {
            let standing = leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
            assert!(standing.allowed);
            assert_eq!(standing.remaining, 4_999 - i, "the lease's points count as the payer's");
            assert_eq!(shared(&store, rule).await, 4_950, "one block of 50 taken, after {} charges", i + 1);
        }
        leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        assert_eq!(shared(&store, rule).await, 4_900, "the next block");
    }

    #[tokio::test]
    async fn small_budgets_take_exactly_what_is_charged() {
        let store = LimitStore::in_memory();
        let leases = Leases::new(store.clone(), 50);
        let rule = Rule::per_hour(40);
        leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        assert_eq!(shared(&store, rule).await, 39);
    }

    #[tokio::test]
    async fn two_instances_spend_exactly_the_total_and_no_more() {
        let store = LimitStore::in_memory();
        let (a, b) = (Leases::new(store.clone(), 50), Leases::new(store.clone(), 50));
        let rule = Rule::per_hour(500); // blocks of 5
        let (mut allowed, mut refused) = (0, [false, false]);
        let mut i = 0;
        while !(refused[0] && refused[1]) {
            let which = i % 2;
            i += 1;
            if refused[which] {
                continue;
            }
            let instance = if which == 0 { &a } else { &b };
            let standing = instance.take("k", rule, 1, Take::IfAllowed).await.unwrap();
            if standing.allowed {
                allowed += 1;
            } else {
                refused[which] = true;
                assert!(standing.retry_after > Duration::ZERO);
                assert_eq!(standing.remaining, 0);
            }
        }
        assert_eq!(allowed, 500);
    }

    #[tokio::test]
    async fn a_settlement_past_the_lease_is_a_debt_the_next_take_pays() {
        let store = LimitStore::in_memory();
        let leases = Leases::new(store.clone(), 50);
        let rule = Rule::per_hour(5_000);
        leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        let settled = leases.take("k", rule, 60, Take::Always).await.unwrap();
        assert_eq!(settled.remaining, 5_000 - 61, "the debt counts as spent at once");
        assert_eq!(shared(&store, rule).await, 4_950, "not yet in the store");
        let next = leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        assert_eq!(next.remaining, 5_000 - 62);
        assert_eq!(shared(&store, rule).await, 5_000 - 62 - 49, "the debt (11) and a new block (50) taken");
    }

    #[tokio::test]
    async fn handing_back_returns_what_was_not_spent() {
        let store = LimitStore::in_memory();
        let leases = Leases::new(store.clone(), 50);
        let rule = Rule::per_hour(5_000);
        for _ in 0..3 {
            leases.take("k", rule, 1, Take::IfAllowed).await.unwrap();
        }
        assert_eq!(leases.hand_back(false).await, 0, "not idle yet");
        assert_eq!(leases.hand_back(true).await, 1);
        assert!(leases.is_empty());
        assert_eq!(shared(&store, rule).await, 4_997);
        // A settlement for a lease handed back is taken from the store at once.
        leases.take("k", rule, 7, Take::Always).await.unwrap();
        assert_eq!(shared(&store, rule).await, 4_990);
    }
}
