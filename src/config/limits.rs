//! The bounds on what one GraphQL request may ask and answer, as plain values: the settings fill
//! them, and `graphql` enforces them. Each default is declared here once; the settings' defaults
//! read them.

use std::time::Duration;

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
