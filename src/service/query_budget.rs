//! The query budget: every operation's cost is charged to its caller over time, in the limit
//! store (shared by every instance on Postgres). Anonymous callers pay per client address (as
//! the trusted proxies report it), editors per account, each against their own hourly
//! allowance.
//!
//! An operation is charged 1 point before it runs (refused with RATE_LIMITED when even that
//! does not fit), and once it has run, 1 more point per 100 catalog rows it loaded, whatever
//! that does to the allowance (the rows were loaded: the caller then waits longer). An answer
//! from the response cache costs the 1 point only.
//!
//! Reads are not writes: when the store cannot be asked, the operation runs uncharged and the
//! failure is logged (fail open), unlike the sign-in and feedback limits.
//!
//! On Postgres, charges and settlements are spent from a lease that this instance takes from
//! the shared allowance in blocks (`budget_lease`), not with a statement each.

use std::net::IpAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::budget_lease::Leases;
use super::limit_store::{LimitStore, Rule, Standing, StoreUnavailable, Take};
use super::{Caller, ClientAddress, ClientError, ServiceError};

/// Catalog rows one point pays for, past the first point.
pub const ROWS_PER_POINT: usize = 100;

/// The points an operation that loaded `rows` catalog rows costs.
pub fn cost_of_rows(rows: usize) -> u32 {
    1 + u32::try_from(rows / ROWS_PER_POINT).unwrap_or(u32::MAX)
}

tokio::task_local! {
    /// The catalog rows loaded so far by the answer being made (see `counting_rows`).
    static ROWS_LOADED: std::cell::Cell<usize>;
}

/// Runs `answer`, also saying how many catalog rows it said it loaded (`rows_loaded`): how the
/// answers that are not one GraphQL operation (an explorer page runs several) are charged.
pub async fn counting_rows<F: std::future::Future>(answer: F) -> (F::Output, usize) {
    ROWS_LOADED
        .scope(std::cell::Cell::new(0), async {
            let output = answer.await;
            (output, ROWS_LOADED.with(std::cell::Cell::get))
        })
        .await
}

/// Adds `rows` to the answer being counted (nothing outside `counting_rows`).
pub fn rows_loaded(rows: usize) {
    let _ = ROWS_LOADED.try_with(|loaded| loaded.set(loaded.get().saturating_add(rows)));
}

/// Who pays for an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payer {
    Address(IpAddr),
    Editor(i32),
}

impl Payer {
    pub fn of(caller: &Caller, address: ClientAddress) -> Payer {
        match caller.editor() {
            Some(editor) => Payer::Editor(editor.id),
            None => Payer::Address(address.0),
        }
    }

    fn key(&self) -> String {
        match self {
            Payer::Address(address) => format!("budget:address:{address}"),
            Payer::Editor(id) => format!("budget:editor:{id}"),
        }
    }
}

/// A payer's budget after a charge, as the `rateLimit` field and the `X-RateLimit-*` headers
/// tell it.
#[derive(Clone, Copy, Debug)]
pub struct Account {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset_at: DateTime<Utc>,
    pub retry_after: std::time::Duration,
}

impl Account {
    pub fn used(&self) -> u32 {
        self.limit.saturating_sub(self.remaining)
    }

    /// The refusal of a payer past the budget: RATE_LIMITED with `retryAfterSeconds`, the same
    /// over HTTP, over a websocket and on the explorer's pages.
    pub fn refusal(&self) -> ClientError {
        let mut error = ServiceError::RateLimited { retry_after: self.retry_after }.to_client();
        error.message = "the query budget is spent: try again later".into();
        error
    }

    fn of(standing: Standing) -> Account {
        let reset_at = Utc::now() + chrono::Duration::from_std(standing.reset_after).unwrap_or_default();
        Account {
            allowed: standing.allowed,
            limit: standing.limit,
            remaining: standing.remaining,
            reset_at,
            retry_after: standing.retry_after,
        }
    }
}

/// The hourly budgets: 0 points turns the budget off for that kind of caller.
#[derive(Clone)]
pub struct QueryBudget {
    store: LimitStore,
    /// On a shared store with leases on; `None` takes every charge on its own.
    leases: Option<Arc<Leases>>,
    anonymous: Option<Rule>,
    editor: Option<Rule>,
}

impl QueryBudget {
    /// `lease_block`: the most points one instance takes from a payer's shared allowance at
    /// once (0: every charge and settlement is a take of its own).
    pub fn new(store: LimitStore, anonymous_per_hour: u32, editor_per_hour: u32, lease_block: u32) -> Self {
        let rule = |n: u32| (n > 0).then(|| Rule::per_hour(n));
        let leases = (store.is_shared() && lease_block > 0).then(|| Arc::new(Leases::new(store.clone(), lease_block)));
        QueryBudget { store, leases, anonymous: rule(anonymous_per_hour), editor: rule(editor_per_hour) }
    }

    /// Hands idle leases back to the shared allowance until `stop`, then all of them (nothing
    /// to do without leases).
    pub async fn hand_back_periodically(self, stop: tokio_util::sync::CancellationToken) {
        if let Some(leases) = self.leases {
            leases.hand_back_periodically(stop).await;
        }
    }

    fn rule(&self, payer: &Payer) -> Option<Rule> {
        match payer {
            Payer::Address(_) => self.anonymous,
            Payer::Editor(_) => self.editor,
        }
    }

    /// Charges `cost` points if they fit (0 only looks). `None` when the payer has no budget or
    /// the store could not be asked (logged; the operation then runs uncharged).
    pub async fn charge(&self, payer: &Payer, cost: u32) -> Option<Account> {
        self.take(payer, cost, Take::IfAllowed).await
    }

    /// Charges `cost` points for what an operation already loaded, fitting or not.
    pub async fn settle(&self, payer: &Payer, cost: u32) -> Option<Account> {
        self.take(payer, cost, Take::Always).await
    }

    async fn take(&self, payer: &Payer, cost: u32, how: Take) -> Option<Account> {
        let rule = self.rule(payer)?;
        let key = payer.key();
        let taken = match &self.leases {
            Some(leases) => leases.take(&key, rule, cost, how).await,
            None => self.store.take(&key, rule, cost, how).await,
        };
        match taken {
            Ok(standing) => Some(Account::of(standing)),
            Err(StoreUnavailable(error)) => {
                tracing::error!(%error, "the limit store is unavailable: the operation runs uncharged");
                None
            }
        }
    }
}
