//! The GraphQL schema: types, the query root, loaders and limits. Thin: resolvers call `service`.

mod analysis;
mod connection;
mod error;
mod filters;
mod loaders;
mod node;
mod query;
mod scalars;
mod search;
mod types;

use std::sync::Arc;

use async_graphql::{
    EmptyMutation, EmptySubscription, Schema, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::ExecutableDocument,
};
use sea_orm::DatabaseConnection;

pub use error::with_code;
pub use loaders::for_request as request_loader;
pub use query::Query;

pub type AppSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Limits that keep one request from costing the database without bound.
#[derive(Clone, Copy, Debug)]
pub struct QueryLimits {
    /// Deepest selection nesting. graphql-js's introspection query (GraphiQL's) nests 13 levels;
    /// newer clients ask for deeper `ofType` chains, so there is room to spare.
    pub max_depth: usize,
    /// Most complexity points: a field costs 1, a connection `first × child`, a list 3 × child.
    pub max_complexity: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits { max_depth: 20, max_complexity: 10_000 }
    }
}

pub fn build_schema(db: Option<DatabaseConnection>, limits: QueryLimits) -> AppSchema {
    let mut builder = Schema::build(Query::default(), EmptyMutation, EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(RequestErrorCodes);
    if let Some(db) = db {
        builder = builder.data(db);
    }
    builder.finish()
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None, QueryLimits::default()).sdl()
}

/// Gives parse and validation errors (including the depth and complexity limits) their
/// `extensions.code`, which async-graphql does not set.
struct RequestErrorCodes;

impl ExtensionFactory for RequestErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestErrorCodes {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|e| with_code(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(|e| with_code(e, "GRAPHQL_VALIDATION_FAILED")).collect())
    }
}
