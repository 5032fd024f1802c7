//! Settings, from command-line flags or the environment (flags win). Every setting is listed in
//! the README's configuration table.

use std::time::Duration;

use clap::Args;
use secrecy::SecretString;
use url::Url;

mod limits;

pub use limits::{AnswerLimits, InputLimits, QueryLimits, RunLimits};

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

#[derive(Args, Clone, Debug)]
pub struct ServeSettings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "AI_TRACKER_ADDR", default_value = "127.0.0.1:8000")]
    pub addr: String,

    /// Do not load the starter catalog into an empty database.
    #[arg(long)]
    pub no_seed: bool,

    /// Largest accepted request body in bytes; larger ones get 413.
    #[arg(long, env = "AI_TRACKER_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Longest a request may take, in seconds, before it is answered with 408.
    #[arg(long, env = "AI_TRACKER_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Deepest selection nesting a query may have.
    #[arg(long, env = "AI_TRACKER_MAX_DEPTH", default_value_t = QueryLimits::default().max_depth)]
    pub max_depth: usize,

    /// Most complexity points a query may cost (a connection costs `first` × its selection).
    #[arg(long, env = "AI_TRACKER_MAX_COMPLEXITY", default_value_t = QueryLimits::default().max_complexity)]
    pub max_complexity: usize,

    /// The secret that signs editor tokens (HS256), at least 32 bytes. Unset: a random secret
    /// for this process only (tokens die with it, and other instances refuse them).
    #[arg(long, env = "AI_TRACKER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// How long an editor token is valid, in minutes.
    #[arg(long, env = "AI_TRACKER_TOKEN_TTL_MINUTES", default_value_t = 720)]
    pub token_ttl_minutes: u64,

    /// Sign-in attempts allowed per email per minute (in a burst, refilled over the minute).
    #[arg(long, env = "AI_TRACKER_LOGIN_ATTEMPTS_PER_EMAIL", default_value_t = 5)]
    pub login_attempts_per_email: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "AI_TRACKER_LOGIN_ATTEMPTS_PER_ADDRESS", default_value_t = 20)]
    pub login_attempts_per_address: u32,

    /// Origins (comma-separated, e.g. `https://app.example.org`) whose pages may call the API
    /// from the browser; `*` for any. Empty: same origin only.
    #[arg(long, env = "AI_TRACKER_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

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

    /// Comma-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose
    /// `X-Forwarded-For` is believed. Empty: the client address is always the socket's.
    #[arg(long, env = "AI_TRACKER_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<TrustedProxy>,

    /// The service's public base URL, for the links in the Atom feed (e.g. `https://tracker.example/`).
    /// Unset: the `Host` of each request.
    #[arg(long, env = "AI_TRACKER_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// How often, in milliseconds, to look for changes in the revision log on SQLite (Postgres
    /// announces them with LISTEN/NOTIFY instead).
    #[arg(long, env = "AI_TRACKER_CHANGE_POLL_MS", default_value_t = 250)]
    pub change_poll_ms: u64,

    /// How long, in seconds, shutdown waits for open websockets to say goodbye.
    #[arg(long, env = "AI_TRACKER_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// How many bytes of anonymous query answers the response cache may hold; 0 turns it off.
    #[arg(long, env = "AI_TRACKER_RESPONSE_CACHE_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub response_cache_bytes: u64,

    /// The `Cache-Control` max-age, in seconds, of anonymous GET answers: how long a CDN or
    /// browser may reuse one before revalidating it with its `ETag`.
    #[arg(long, env = "AI_TRACKER_CACHE_MAX_AGE_SECS", default_value_t = 5)]
    pub cache_max_age_secs: u32,

    /// How many GraphQL operations run at once; the others wait their turn. A running
    /// operation holds its rows and its answer in memory while the database pool serves only
    /// so many statements at a time, so this bounds memory under a burst without costing
    /// throughput.
    #[arg(long, env = "AI_TRACKER_MAX_RUNNING_OPERATIONS", default_value_t = 16,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_running_operations: u32,

    /// How long, in seconds, a client has to send a request's headers, counted from when the
    /// connection starts waiting for them (on keep-alive that includes the idle time before
    /// the next request). Without it a client that sends half a header holds its connection
    /// for ever (a probe held one for over 60 s); browsers send theirs at once.
    #[arg(long, env = "AI_TRACKER_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,

    /// How long, in seconds, a connection may go without sending a byte before it is closed
    /// (what is in flight finishes first). It reaches HTTP/2 connections too, which the header
    /// timeout does not once their first request is in.
    #[arg(long, env = "AI_TRACKER_IDLE_TIMEOUT_SECS", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,

    /// Most open client connections (websockets included); past it new ones are closed at once.
    /// An idle connection costs a descriptor and some 10 KB (websockets ~135 KB): 20,000 of them
    /// ran the process out of descriptors. The cap is lowered at start-up to stay below the
    /// descriptor limit (`ulimit -n`), with room left for the database and files.
    #[arg(long, env = "AI_TRACKER_MAX_CONNECTIONS", default_value_t = 4_096,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// Most open connections from one client address, so that one address cannot take all of
    /// `max_connections`. Addresses of `trusted_proxies` count only against the global cap.
    #[arg(long, env = "AI_TRACKER_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections_per_address: u32,

    /// Deepest nesting of lists and objects in one argument value or variable; deeper input is
    /// refused (BAD_USER_INPUT) before it is converted. The deepest filter the service accepts
    /// nests 13; a debug build overflowed its stack converting one about 47 deep.
    #[arg(long, env = "AI_TRACKER_MAX_INPUT_DEPTH", default_value_t = InputLimits::default().max_input_depth)]
    pub max_input_depth: usize,

    /// Longest string value (argument, variable or object key) in bytes; longer ones are
    /// refused (BAD_USER_INPUT). Strings holding NUL are always refused.
    #[arg(long, env = "AI_TRACKER_MAX_STRING_BYTES", default_value_t = InputLimits::default().max_string_bytes)]
    pub max_string_bytes: usize,

    /// Most fields a document may select once its fragment spreads are expanded, counted in
    /// linear time before validation (which expands every spread: 28 doubling fragments took
    /// it 42 CPU-seconds).
    #[arg(long, env = "AI_TRACKER_MAX_SELECTED_FIELDS", default_value_t = InputLimits::default().max_selected_fields)]
    pub max_selected_fields: usize,

    /// Most aliases a document may use (1,000 aliases of `__schema` made a 32 MB answer and a
    /// 593 MB peak).
    #[arg(long, env = "AI_TRACKER_MAX_ALIASES", default_value_t = InputLimits::default().max_aliases)]
    pub max_aliases: usize,

    /// Most catalog rows (list items and page nodes) one operation's answer may hold, counted
    /// as it is made; past it the answer is refused with RESPONSE_TOO_LARGE. A full catalog
    /// page of 100 models is about 1,100 rows on the bench catalog.
    #[arg(long, env = "AI_TRACKER_MAX_OPERATION_ROWS", default_value_t = AnswerLimits::default().max_rows)]
    pub max_operation_rows: usize,

    /// Most bytes of one operation's answer (its long texts counted as they are made, the rest
    /// as it is serialized); past it the answer is refused with RESPONSE_TOO_LARGE. A model
    /// page with every long text at its maximum is about 3 MB.
    #[arg(long, env = "AI_TRACKER_MAX_RESPONSE_BYTES", default_value_t = AnswerLimits::default().max_bytes)]
    pub max_response_bytes: usize,

    /// How long, in milliseconds, a new websocket may take to send `connection_init` before it
    /// is closed with 4408. Idle sockets cost memory and a file descriptor each (20,000 of them
    /// once exhausted the process's descriptors); graphql-ws clients send it at once.
    #[arg(long, env = "AI_TRACKER_WS_INIT_TIMEOUT_MS", default_value_t = 3_000)]
    pub ws_init_timeout_ms: u64,

    /// Most open websockets per client address; past it the upgrade is answered 429. A browser
    /// tab needs one (graphql-ws multiplexes every subscription over it).
    #[arg(long, env = "AI_TRACKER_WS_SOCKETS_PER_ADDRESS", default_value_t = 64)]
    pub ws_sockets_per_address: usize,

    /// Most open subscriptions per websocket; past it a subscription is refused (RATE_LIMITED).
    #[arg(long, env = "AI_TRACKER_WS_SUBSCRIPTIONS_PER_SOCKET", default_value_t = 100)]
    pub ws_subscriptions_per_socket: usize,

    /// Most open subscriptions per client address, over all its websockets; past it a
    /// subscription is refused (RATE_LIMITED). 50,000 from one address once exhausted the pool.
    #[arg(long, env = "AI_TRACKER_WS_SUBSCRIPTIONS_PER_ADDRESS", default_value_t = 1_000)]
    pub ws_subscriptions_per_address: usize,

    /// How many subscription events may be resolved (read from the database) at once, over all
    /// sockets; the others wait their turn. Kept well below `db_pool_size` so that a flood of
    /// events never takes the connections queries need.
    #[arg(long, env = "AI_TRACKER_SUBSCRIPTION_DB_CONCURRENCY", default_value_t = 2,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub subscription_db_concurrency: u32,

    /// How long, in seconds, a websocket may take to accept one message before it is closed: a
    /// client that stops reading must not hold what its pending events hold.
    #[arg(long, env = "AI_TRACKER_WS_SEND_TIMEOUT_SECS", default_value_t = 10)]
    pub ws_send_timeout_secs: u64,
}

/// A reverse proxy (an address or a network) whose forwarded client address is believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl std::str::FromStr for TrustedProxy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        text.parse::<ipnet::IpNet>()
            .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| format!("`{text}` is not an IP address or network"))
    }
}

impl ServeSettings {
    pub fn limits(&self) -> QueryLimits {
        QueryLimits { max_depth: self.max_depth, max_complexity: self.max_complexity }
    }

    pub fn answer_limits(&self) -> AnswerLimits {
        AnswerLimits { max_rows: self.max_operation_rows, max_bytes: self.max_response_bytes }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn run_limits(&self) -> RunLimits {
        RunLimits {
            max_running: self.max_running_operations as usize,
            deadline: self.request_timeout(),
            input: InputLimits {
                max_input_depth: self.max_input_depth,
                max_string_bytes: self.max_string_bytes,
                max_selected_fields: self.max_selected_fields,
                max_aliases: self.max_aliases,
            },
        }
    }

    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_ttl_minutes * 60)
    }

    pub fn contact_retention(&self) -> chrono::Duration {
        chrono::Duration::days(i64::from(self.feedback_contact_retention_days))
    }

    pub fn erasure_interval(&self) -> Duration {
        Duration::from_secs(self.feedback_erasure_interval_secs.max(1))
    }

    pub fn change_poll_interval(&self) -> Duration {
        Duration::from_millis(self.change_poll_ms.max(1))
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_init_timeout_ms)
    }

    pub fn ws_send_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_send_timeout_secs.max(1))
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

impl ServeSettings {
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
        assert_eq!(settings.addr, "127.0.0.1:8000");
        assert_eq!(settings.max_depth, QueryLimits::default().max_depth);
        assert_eq!(settings.max_response_bytes, AnswerLimits::default().max_bytes);
        assert!(settings.jwt_secret.is_none());
    }

    #[test]
    fn the_default_does_not_read_the_environment() {
        assert!(no_flags_command(false).get_arguments().all(|arg| arg.get_env().is_none()));
        assert!(no_flags_command(true).get_arguments().any(|arg| arg.get_env().is_some()));
    }
}
