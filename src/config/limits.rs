//! The bounds on what one GraphQL operation may ask and answer, and on websockets: the settings,
//! and the plain values that `graphql` enforces. Each default of the plain values is declared
//! here once; the settings' defaults read them.

use std::time::Duration;

use clap::Args;

#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Limits")]
pub struct LimitSettings {
    /// Deepest selection nesting a query may have.
    #[arg(long, env = "AI_TRACKER_MAX_DEPTH", default_value_t = QueryLimits::default().max_depth)]
    pub max_depth: usize,

    /// Most complexity points a query may cost (a connection costs `first` × its selection).
    #[arg(long, env = "AI_TRACKER_MAX_COMPLEXITY", default_value_t = QueryLimits::default().max_complexity)]
    pub max_complexity: usize,

    /// How many GraphQL operations run at once; the others wait their turn. A running
    /// operation holds its rows and its answer in memory while the database pool serves only
    /// so many statements at a time, so this bounds memory under a burst without costing
    /// throughput.
    #[arg(long, env = "AI_TRACKER_MAX_RUNNING_OPERATIONS", default_value_t = 16,
        value_parser = clap::value_parser!(u32).range(1..))]
    pub max_running_operations: u32,

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

    /// Query budget points per hour for each anonymous client address (refilled evenly; 0
    /// turns the budget off). An operation costs 1 point plus 1 per 100 catalog rows it
    /// loaded; a catalog page of 100 models costs about 12, an answer from the response cache 1.
    #[arg(long, env = "AI_TRACKER_QUERY_BUDGET_ANONYMOUS", default_value_t = 5_000)]
    pub query_budget_anonymous: u32,

    /// Query budget points per hour for each editor account (0 turns it off).
    #[arg(long, env = "AI_TRACKER_QUERY_BUDGET_EDITOR", default_value_t = 20_000)]
    pub query_budget_editor: u32,

    /// On Postgres, the most query budget points an instance takes at once from a payer's
    /// shared allowance (a lease, spent in memory; a block is 1 % of the budget up to this).
    /// 0 takes every charge and settlement with a statement of its own, exact across instances.
    #[arg(long, env = "AI_TRACKER_QUERY_BUDGET_LEASE_BLOCK", default_value_t = 50)]
    pub query_budget_lease_block: u32,

    /// How often, in seconds, the limit store forgets the keys whose allowance is whole again.
    #[arg(long, env = "AI_TRACKER_LIMIT_SWEEP_SECS", default_value_t = 60,
        value_parser = clap::value_parser!(u64).range(1..))]
    pub limit_sweep_secs: u64,
}

impl LimitSettings {
    pub fn query_limits(&self) -> QueryLimits {
        QueryLimits { max_depth: self.max_depth, max_complexity: self.max_complexity }
    }

    pub fn input_limits(&self) -> InputLimits {
        InputLimits {
            max_input_depth: self.max_input_depth,
            max_string_bytes: self.max_string_bytes,
            max_selected_fields: self.max_selected_fields,
            max_aliases: self.max_aliases,
        }
    }

    pub fn answer_limits(&self) -> AnswerLimits {
        AnswerLimits { max_rows: self.max_operation_rows, max_bytes: self.max_response_bytes }
    }

    pub fn ws_init_timeout(&self) -> Duration {
        Duration::from_millis(self.ws_init_timeout_ms)
    }

    pub fn ws_send_timeout(&self) -> Duration {
        Duration::from_secs(self.ws_send_timeout_secs.max(1))
    }
}

/// Limits that keep one request from costing the database without bound.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest selection nesting. graphql-js's introspection query (GraphiQL's) nests 13 levels;
    /// newer clients ask for deeper `ofType` chains, so there is room to spare.
    pub max_depth: usize,
    /// Most complexity points: a field costs 1, a connection `first × child`, a plain list the
    /// most items it can hold × child (see `connection`).
    pub max_complexity: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        // 100,000: plain lists are charged at the most items they can hold (50 for a model's
        // own lists, 100 for a reverse list), so a catalog page of 100 models with their
        // organizations, capabilities and risk assessments costs about 71,000.
        QueryLimits { max_depth: 20, max_complexity: 100_000 }
    }
}

/// Limits on what a request may hold, checked before async-graphql sees it.
#[derive(Clone, Copy, Debug)]
pub struct InputLimits {
    /// Deepest nesting of lists and objects in one argument value (or variable). The deepest
    /// filter the service accepts (5 levels of `and: [{…}]` around a text filter's `in: […]`)
    /// nests 13; a debug build overflowed its stack converting a filter about 47 deep.
    pub max_input_depth: usize,
    /// Longest string value (argument, variable or object key), in bytes.
    pub max_string_bytes: usize,
    /// Most fields a document may select once its fragment spreads are expanded (counted over
    /// its operations and fragment definitions, as validation visits them). A field costs at
    /// least one complexity point, so this refuses early, in linear time, what the complexity
    /// limit would refuse only after expanding every spread.
    pub max_selected_fields: usize,
    /// Most aliases a document may use (counted through fragment spreads). GraphiQL's
    /// introspection uses none; 1,000 aliases of `__schema` made a 32 MB answer.
    pub max_aliases: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits { max_input_depth: 32, max_string_bytes: 64 * 1024, max_selected_fields: 10_000, max_aliases: 50 }
    }
}

/// The bounds of one operation's answer.
#[derive(Clone, Copy, Debug)]
pub struct AnswerLimits {
    /// Most catalog rows (list items and page nodes) one operation's resolvers are handed.
    pub max_rows: usize,
    /// Most bytes of one operation's serialized answer.
    pub max_bytes: usize,
}

impl Default for AnswerLimits {
    fn default() -> Self {
        // 25,000 rows: a full catalog page (100 models with organizations, capabilities and
        // risk assessments) is about 1,100 rows on the bench catalog, and 15,000 at most with
        // every list at its validated maximum. 16 MiB: a model page with every long text at its
        // maximum is about 3 MB. At both limits a request peaks well under 256 MB.
        AnswerLimits { max_rows: 25_000, max_bytes: 16 * 1024 * 1024 }
    }
}

/// How the API runs operations.
#[derive(Clone, Copy, Debug)]
pub struct RunLimits {
    /// Queries and mutations running at once.
    pub max_running: usize,
    /// The longest one may wait for its turn and run.
    pub deadline: Duration,
    pub input: InputLimits,
}
