//! The rate limits on sign-in and feedback, kept in the limit store (`limit_store`): in
//! Postgres when the service runs on it, so that every instance counts against one allowance;
//! in memory on SQLite, which is single-node.
//!
//! These limits guard writes and password checks, so when the store cannot be asked they fail
//! closed: the attempt is refused with RATE_LIMITED and a short retry time, and the failure is
//! logged. A guesser must not get unlimited tries while the database is in trouble.

use std::net::IpAddr;
use std::time::Duration;

use super::limit_store::{LimitStore, Rule, Standing, StoreUnavailable, Take};
use super::{ServiceError, ServiceResult};

/// What a refused attempt is told to wait when the store could not be asked.
pub const STORE_DOWN_RETRY: Duration = Duration::from_secs(30);

/// One limit: a rule and the prefix of its keys in the store.
#[derive(Clone)]
struct Limit {
    prefix: &'static str,
    rule: Rule,
}

impl Limit {
    async fn check(&self, store: &LimitStore, key: &str) -> ServiceResult<()> {
        verdict(self.prefix, store.take(&format!("{}:{key}", self.prefix), self.rule, 1, Take::IfAllowed).await)
    }
}

/// Allowed, refused for its rule, or refused because the store could not say (fail closed).
fn verdict(limit: &str, taken: Result<Standing, StoreUnavailable>) -> ServiceResult<()> {
    match taken {
        Ok(standing) if standing.allowed => Ok(()),
        Ok(standing) => Err(ServiceError::RateLimited { retry_after: standing.retry_after }),
        Err(StoreUnavailable(error)) => {
            tracing::error!(%error, limit, "the limit store is unavailable: refusing the limited attempt");
            Err(ServiceError::RateLimited { retry_after: STORE_DOWN_RETRY })
        }
    }
}

/// Login attempts (and password changes), per email and per client address: a guesser is
/// slowed whether they try many passwords on one account or one password on many. Both are
/// counted on every attempt.
pub struct LoginThrottle {
    store: LimitStore,
    per_email: Limit,
    per_address: Limit,
}

impl LoginThrottle {
    pub fn new(store: LimitStore, per_email_per_minute: u32, per_address_per_minute: u32) -> Self {
        LoginThrottle {
            store,
            per_email: Limit { prefix: "login:email", rule: Rule::per_minute(per_email_per_minute) },
            per_address: Limit { prefix: "login:address", rule: Rule::per_minute(per_address_per_minute) },
        }
    }

    pub async fn check(&self, email: &str, address: IpAddr) -> ServiceResult<()> {
        let by_address = self.per_address.check(&self.store, &address.to_string()).await;
        let by_email = self.per_email.check(&self.store, email).await;
        match (by_address, by_email) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(ServiceError::RateLimited { retry_after: a }), Err(ServiceError::RateLimited { retry_after: b })) => {
                Err(ServiceError::RateLimited { retry_after: a.max(b) })
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}

/// Public feedback submissions, per client address and for everyone together: a person never
/// meets the limits, a script soon does, and a flood from one address cannot use up the
/// global allowance (an attempt refused for its address is not counted globally).
pub struct FeedbackThrottle {
    store: LimitStore,
    per_address: Limit,
    global: Limit,
}

impl FeedbackThrottle {
    pub fn new(store: LimitStore, per_address_per_hour: u32, global_per_hour: u32) -> Self {
        FeedbackThrottle {
            store,
            per_address: Limit { prefix: "feedback:address", rule: Rule::per_hour(per_address_per_hour) },
            global: Limit { prefix: "feedback", rule: Rule::per_hour(global_per_hour) },
        }
    }

    pub async fn check(&self, address: IpAddr) -> ServiceResult<()> {
        self.per_address.check(&self.store, &address.to_string()).await?;
        self.global.check(&self.store, "all").await
    }
}
