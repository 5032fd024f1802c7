//! The Epoch AI sync: what to fetch, which rows to consider, and the bounds of a fetch. The
//! command line (`ai-tracker sync epoch`) and the background sync share the bounds; the
//! background sync is off unless `AI_TRACKER_EPOCH_SYNC_URL` is set.

use std::time::Duration;

use chrono::NaiveDate;
use clap::Args;

/// The bounds of one fetch.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Epoch AI sync")]
pub struct FetchSettings {
    /// The most bytes a fetched (or read) file may have; the download stops there and nothing
    /// is written.
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_MAX_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub max_bytes: u64,

    /// The most seconds a fetch may take in all (connecting, waiting and downloading).
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_TIMEOUT_SECS", default_value_t = 300)]
    pub timeout_secs: u64,
}

impl FetchSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.max(1))
    }
}

/// Which rows a sync considers.
#[derive(Args, Clone, Debug, Default)]
pub struct SelectionSettings {
    /// Only rows with at least this much training compute, in FLOP (e.g. 1e23).
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_MIN_COMPUTE")]
    pub min_compute: Option<f64>,

    /// Only rows published on or after this date (YYYY-MM-DD).
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_SINCE")]
    pub since: Option<NaiveDate>,
}

/// The background sync of `serve`.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Epoch AI sync")]
pub struct EpochSyncSettings {
    /// The URL of Epoch's CSV to sync from in the background (off when not set).
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_URL")]
    pub epoch_sync_url: Option<String>,

    /// Seconds between background syncs; the first runs one interval after start.
    #[arg(long, env = "AI_TRACKER_EPOCH_SYNC_INTERVAL_SECS", default_value_t = 24 * 60 * 60)]
    pub epoch_sync_interval_secs: u64,

    #[command(flatten)]
    pub selection: SelectionSettings,

    #[command(flatten)]
    pub fetch: FetchSettings,
}

impl EpochSyncSettings {
    pub fn interval(&self) -> Duration {
        Duration::from_secs(self.epoch_sync_interval_secs.max(1))
    }
}
