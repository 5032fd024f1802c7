//! Rate limits that count attempts per key (an email, a client address) in this process.
//! Several instances each keep their own counts, so the effective limit is the per-instance
//! limit times the instance count; the README says so.

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota,
    clock::{Clock, DefaultClock},
};

use super::{ServiceError, ServiceResult};

/// Keys kept before idle ones are forgotten (a key is idle once its quota has refilled).
const MAX_TRACKED_KEYS: usize = 100_000;

pub struct Throttle<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    /// Up to `per_minute` attempts in a burst, refilled evenly over a minute.
    pub fn per_minute(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least 1"));
        Throttle { limiter: DefaultKeyedRateLimiter::keyed(quota) }
    }

    /// Up to `per_hour` attempts in a burst, refilled evenly over an hour.
    pub fn per_hour(per_hour: u32) -> Self {
        let quota = Quota::per_hour(NonZeroU32::new(per_hour.max(1)).expect("at least 1"));
        Throttle { limiter: DefaultKeyedRateLimiter::keyed(quota) }
    }

    /// Counts one attempt for `key`, or says how long to wait for the next.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.limiter.len() > MAX_TRACKED_KEYS {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Login attempts, per email and per client address: a guesser is slowed whether they try
/// many passwords on one account or one password on many.
pub struct LoginThrottle {
    per_email: Throttle<String>,
    per_address: Throttle<IpAddr>,
}

impl LoginThrottle {
    pub fn new(per_email_per_minute: u32, per_address_per_minute: u32) -> Self {
        LoginThrottle {
            per_email: Throttle::per_minute(per_email_per_minute),
            per_address: Throttle::per_minute(per_address_per_minute),
        }
    }

    pub fn check(&self, email: &str, address: IpAddr) -> ServiceResult<()> {
        let by_address = self.per_address.check(&address);
        let by_email = self.per_email.check(&email.to_owned());
        match (by_address, by_email) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(ServiceError::RateLimited { retry_after: a.max(b) }),
            (Err(wait), _) | (_, Err(wait)) => Err(ServiceError::RateLimited { retry_after: wait }),
        }
    }
}

/// Public feedback submissions, per client address and for everyone together: a person never
/// meets the limits, a script soon does, and a flood from one address cannot use up the
/// global allowance (an attempt refused for its address is not counted globally).
pub struct FeedbackThrottle {
    per_address: Throttle<IpAddr>,
    global: Throttle<()>,
}

impl FeedbackThrottle {
    pub fn new(per_address_per_hour: u32, global_per_hour: u32) -> Self {
        FeedbackThrottle {
            per_address: Throttle::per_hour(per_address_per_hour),
            global: Throttle::per_hour(global_per_hour),
        }
    }

    pub fn check(&self, address: IpAddr) -> ServiceResult<()> {
        self.per_address
            .check(&address)
            .and_then(|()| self.global.check(&()))
            .map_err(|retry_after| ServiceError::RateLimited { retry_after })
    }
}
