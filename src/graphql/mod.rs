//! The GraphQL schema: types, the query root, loaders and limits. Thin: resolvers call `service`.

mod admission;
mod analysis;
mod budget;
mod caller;
mod connection;
mod context;
mod documents;
mod error;
mod feedback;
mod filters;
mod import;
mod live;
mod loaders;
mod mutation;
mod node;
mod operation;
mod past_reads;
mod predictions;
mod query;
mod rate_limit;
mod retry;
mod scalars;
mod search;
mod subscription;
mod types;

use std::sync::Arc;

use async_graphql::{Context, Schema, ValidationMode};
use sea_orm::DatabaseConnection;

use crate::auth::TokenKeys;
use crate::metrics::Metrics;
use crate::replicas::Databases;
use crate::service::Audience;
use crate::service::changes::ChangeHub;
use crate::service::history::{self, Reader};
use crate::service::throttle::{FeedbackThrottle, LoginThrottle};
use error::OrGraphqlError;

pub use crate::config::QueryLimits;
pub use admission::InputLimits;
pub use budget::{AnswerBudget, AnswerLimits, refusal, to_json_within};
pub use caller::{Caller, ClientAddress};
pub use context::RequestContext;
pub use error::{coded, server_error, to_graphql, with_code};
pub use filters::model_filter_from_json;
pub use live::{Authority, Live, LiveLimits, LiveSocket, SocketGuard};
pub use mutation::Mutation;
pub use node::{IdKind, global_id};
pub use operation::{Api, RunLimits, is_request_error};
pub use query::Query;
pub use rate_limit::{Ask, BudgetView};
pub use subscription::Subscription;

pub type AppSchema = Schema<Query, Mutation, Subscription>;

/// What every request's resolvers share; cheap to clone (shared handles).
#[derive(Clone)]
pub struct SchemaData {
    /// The primary: what resolvers get unless their request's route says otherwise.
    pub db: DatabaseConnection,
    /// Where each request's statements go (see `RequestContext::fill`).
    pub databases: Databases,
    pub keys: TokenKeys,
    pub login_throttle: Arc<LoginThrottle>,
    pub feedback_throttle: Arc<FeedbackThrottle>,
    pub metrics: Metrics,
    pub changes: ChangeHub,
}

/// The database the request's route chose (see `crate::replicas`), for resolvers.
fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked::<DatabaseConnection>()
}

/// The catalog a read runs on, and who reads it: now, as the route's database and the caller
/// see it; or as recorded at a past instant, which is the public catalog whoever asks.
fn reader(ctx: &Context<'_>, at: types::When) -> (Reader, Audience) {
    match at {
        None => (Reader::now(db(ctx).clone()), caller::audience(ctx)),
        Some(past) => (Reader::past(db(ctx).clone(), past), Audience::Public),
    }
}

/// Which past `as_recorded_at` names (the argument of that name), or now when it is absent.
async fn when(
    ctx: &Context<'_>,
    as_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
) -> async_graphql::Result<types::When> {
    match as_recorded_at {
        None => Ok(None),
        Some(at) => {
            let past = history::as_recorded_at(db(ctx), "asRecordedAt", at).await.gql()?;
            // Counted against the request's instants here, where every past read starts.
            ctx.data_unchecked::<loaders::PastLoaders>().get(past).gql()?;
            Ok(Some(past))
        }
    }
}

/// The API every transport runs requests through.
pub fn api(data: SchemaData, limits: QueryLimits, run: RunLimits) -> Api {
    let (databases, metrics, changes) = (data.databases.clone(), data.metrics.clone(), data.changes.clone());
    let schemas = Schemas {
        checked: build_schema(Some(data.clone()), limits, ValidationMode::Fast),
        strict: build_schema(Some(data), limits, ValidationMode::Strict),
    };
    Api::new(schemas, databases, metrics, changes, run)
}

/// The schema twice: validating every rule, and for documents that passed them all before
/// (`documents::Admitted::checked`) only depth and complexity. Validating a model page's
/// document was an eighth of its instructions, each time it came (callgrind).
#[derive(Clone)]
pub struct Schemas {
    pub strict: AppSchema,
    pub checked: AppSchema,
}

/// The schema; `data` is absent only when printing the SDL. It has no extensions: see
/// [`Api`] for what runs around each request.
fn build_schema(data: Option<SchemaData>, limits: QueryLimits, mode: ValidationMode) -> AppSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), Subscription)
        .validation_mode(mode)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity);
    if let Some(data) = data {
        builder = builder
            .data(data.db)
            .data(data.keys)
            .data(data.login_throttle)
            .data(data.feedback_throttle)
            .data(data.changes);
    }
    builder.finish()
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None, QueryLimits::default(), ValidationMode::Strict).sdl()
}
