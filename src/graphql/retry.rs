//! Running a query once more when all it met was a lost database connection. Postgres may end a
//! pooled session at any moment (a restart, a failover, `pg_terminate_backend`); the pool tests
//! only connections idle for a while, so the first statement on a freshly ended one fails. A
//! read is safe to run again on another connection, and a client then sees no error. Mutations
//! are never run again.

use async_graphql::{Extensions, Request, Variables};

/// What it takes to run a query again: its text, variables and extensions. Its data is made
/// anew from the request's context (`RequestContext::fill`: the same caller and address, a
/// fresh loader, so nothing failed is served from its cache, and a fresh budget).
pub struct Rerun {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    extensions: Extensions,
}

impl Rerun {
    /// The makings of a second run of `request`, unless it uploads files (they are read once).
    pub fn of(request: &Request) -> Option<Rerun> {
        if !request.uploads.is_empty() {
            return None;
        }
        Some(Rerun {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            extensions: request.extensions.clone(),
        })
    }

    /// The request again, without data (its context gives it that).
    pub fn request(self) -> Request {
        let mut request = Request::new(self.query).variables(self.variables);
        request.operation_name = self.operation_name;
        request.extensions = self.extensions;
        request
    }
}
