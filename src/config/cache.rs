//! The response cache, the answers' `Cache-Control`, and how soon changes are noticed (which
//! retires cached answers and feeds subscriptions).

use std::time::Duration;

use clap::Args;

#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Cache and changes")]
pub struct CacheSettings {
    /// How often, in milliseconds, to look for changes in the revision log on SQLite (Postgres
    /// announces them with LISTEN/NOTIFY instead).
    #[arg(long, env = "AI_TRACKER_CHANGE_POLL_MS", default_value_t = 250)]
    pub change_poll_ms: u64,

    /// How many bytes of anonymous query answers the response cache may hold; 0 turns it off.
    #[arg(long, env = "AI_TRACKER_RESPONSE_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub response_cache_bytes: u64,

    /// The `Cache-Control` max-age, in seconds, of anonymous GET answers: how long a CDN or
    /// browser may reuse one before revalidating it with its `ETag`.
    #[arg(long, env = "AI_TRACKER_CACHE_MAX_AGE_SECS", default_value_t = 5)]
    pub cache_max_age_secs: u32,
}

impl CacheSettings {
    pub fn change_poll_interval(&self) -> Duration {
        Duration::from_millis(self.change_poll_ms.max(1))
    }
}
