//! Public feedback: its rate limits, and how long a submitter's contact is kept.

use std::time::Duration;

use clap::Args;

#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Feedback")]
pub struct FeedbackSettings {
    /// Feedback submissions allowed per client address per hour (in a burst, refilled over
    /// the hour).
    #[arg(long, env = "AI_TRACKER_FEEDBACK_PER_ADDRESS_PER_HOUR", default_value_t = 20)]
    pub feedback_per_address_per_hour: u32,

    /// Feedback submissions allowed per hour from everyone together.
    #[arg(long, env = "AI_TRACKER_FEEDBACK_PER_HOUR", default_value_t = 1_000)]
    pub feedback_per_hour: u32,

    /// Days after review when a submitter's contact is erased.
    #[arg(long, env = "AI_TRACKER_FEEDBACK_CONTACT_RETENTION_DAYS", default_value_t = 90)]
    pub feedback_contact_retention_days: u32,

    /// How often, in seconds, the server looks for contacts due for erasure.
    #[arg(long, env = "AI_TRACKER_FEEDBACK_ERASURE_INTERVAL_SECS", default_value_t = 3_600)]
    pub feedback_erasure_interval_secs: u64,
}

impl FeedbackSettings {
    pub fn contact_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.feedback_contact_retention_days))
    }

    pub fn erasure_interval(&self) -> Duration {
        Duration::from_secs(self.feedback_erasure_interval_secs.max(1))
    }
}
