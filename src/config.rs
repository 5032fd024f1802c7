//! Settings, from command-line flags or the environment (flags win). Every setting is listed in
//! the README's configuration table.

use std::time::Duration;

use clap::Args;

mod auth;
mod cache;
mod database;
mod epoch_sync;
mod feedback;
mod http;
mod limits;

pub use self::http::{HttpSettings, TrustedProxy};
pub use auth::AuthSettings;
pub use cache::CacheSettings;
pub use database::ReplicaSettings;
pub use epoch_sync::{EpochSyncSettings, FetchSettings, SelectionSettings};
pub use feedback::FeedbackSettings;
pub use limits::{AnswerLimits, InputLimits, LimitSettings, QueryLimits, RunLimits};

/// The embedded default: a SQLite file in the working directory, created on first use.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://ai-tracker.db?mode=rwc";

#[derive(Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// Postgres (`postgres://...`) or SQLite (`sqlite://FILE?mode=rwc`) URL; default: the
    /// SQLite file `ai-tracker.db` in the working directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Most pooled database connections.
    #[arg(long, env = "AI_TRACKER_DB_POOL_SIZE", default_value_t = 10, global = true)]
    pub db_pool_size: u32,

    /// Postgres `statement_timeout` for every statement, in milliseconds.
    #[arg(long, env = "AI_TRACKER_STATEMENT_TIMEOUT_MS", default_value_t = 5_000, global = true)]
    pub statement_timeout_ms: u64,
}

impl DatabaseSettings {
    pub fn url(&self) -> &str {
        self.database_url.as_deref().unwrap_or(DEFAULT_DATABASE_URL)
    }

    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.statement_timeout_ms)
    }
}

/// What `serve` needs beyond the database, by concern; every flag and variable keeps its name.
#[derive(Args, Clone, Debug)]
pub struct ServeSettings {
    /// Do not load the starter catalog into an empty database.
    #[arg(long)]
    pub no_seed: bool,

    #[command(flatten)]
    pub http: HttpSettings,

    #[command(flatten)]
    pub auth: AuthSettings,

    #[command(flatten)]
    pub limits: LimitSettings,

    #[command(flatten)]
    pub feedback: FeedbackSettings,

    #[command(flatten)]
    pub cache: CacheSettings,

    #[command(flatten)]
    pub replicas: ReplicaSettings,

    #[command(flatten)]
    pub epoch_sync: EpochSyncSettings,
}

impl ServeSettings {
    /// How the API runs operations: the limits' turns and input bounds, within the request time.
    pub fn run_limits(&self) -> RunLimits {
        RunLimits {
            max_running: self.limits.max_running_operations as usize,
            deadline: self.http.request_timeout(),
            input: self.limits.input_limits(),
        }
    }

    /// The settings when no subcommand was given: flags are not parsed then, but the
    /// environment still applies.
    pub fn from_env() -> Self {
        ServeSettings::without_flags(true)
    }

    /// What clap makes of no flags at all, from the environment or not.
    fn without_flags(read_env: bool) -> Self {
        use clap::FromArgMatches;
        // No argument is required and every default parses (`no_flags_parse` checks both).
        let matches = no_flags_command(read_env).try_get_matches_from(["ai-tracker"]).expect("no flags parse");
        Only::from_arg_matches(&matches).expect("no flags parse").serve
    }
}

/// Every setting at the default its flag declares, the environment left unread: tests build
/// their settings on it, and an `AI_TRACKER_*` variable of the machine they run on must not
/// reach them.
impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings::without_flags(false)
    }
}

/// The serve settings as a command of their own.
#[derive(clap::Parser)]
struct Only {
    #[command(flatten)]
    serve: ServeSettings,
}

fn no_flags_command(read_env: bool) -> clap::Command {
    let command = <Only as clap::CommandFactory>::command();
    if read_env { command } else { command.mut_args(|arg| arg.env(None::<&str>)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_parse() {
        let settings = ServeSettings::default();
        assert_eq!(settings.http.addr, "127.0.0.1:8000");
        assert_eq!(settings.limits.max_depth, QueryLimits::default().max_depth);
        assert_eq!(settings.limits.max_response_bytes, AnswerLimits::default().max_bytes);
        assert!(settings.auth.jwt_secret.is_none());
    }

    #[test]
    fn the_default_does_not_read_the_environment() {
        assert!(no_flags_command(false).get_arguments().all(|arg| arg.get_env().is_none()));
        assert!(no_flags_command(true).get_arguments().any(|arg| arg.get_env().is_some()));
    }
}
