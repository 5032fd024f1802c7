//! Running a GraphQL operation, the one way every transport does (HTTP, the explorer's pages
//! and WebSockets): the schema, and around it what async-graphql leaves to us. Request errors
//! get their `extensions.code`, every query and mutation is counted for `/metrics`, and after a
//! mutation the change hub hears that this process wrote (so its caches move on).
//!
//! This wraps the whole request instead of being schema extensions: async-graphql runs every
//! field of a response through each extension it has, which cost a quarter of the CPU of a
//! catalog page.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::{
    Data, Request, Response, ServerError, Value, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};
use futures_util::stream::{self, BoxStream, StreamExt};
use tokio::sync::Semaphore;

use super::Schemas;
use super::admission;
use super::budget::{AnswerBudget, refusal};
use super::context::RequestContext;
use super::documents::{Admitted, Documents};
use super::error::{only_connection_lost, only_replica_unavailable, server_error, with_code};
use super::past_reads;
use super::rate_limit::{self, Ask};
use super::retry::Rerun;
use crate::metrics::{Metrics, OperationKind, Outcome};
use crate::replicas::{Databases, Work};
use crate::service::ErrorCode;
use crate::service::changes::ChangeHub;
use crate::service::query_budget::{Payer, QueryBudget, cost_of_rows};

/// The type of the operation `name` selects in `document` (the only one, when unnamed), if any.
fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), None) => Some(op.node.ty),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// A request error is one raised before execution: the response has no data and no error
/// has a path.
pub fn is_request_error(response: &Response) -> bool {
    response.data == Value::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty())
}

/// The schema with its request-level duties.
#[derive(Clone)]
pub struct Api {
    schemas: Schemas,
    /// Where each request's statements go: its route.
    databases: Databases,
    documents: Documents,
    metrics: Metrics,
    changes: ChangeHub,
    /// Turns to run a query or mutation (`max_running_operations` of them).
    turns: Arc<Semaphore>,
    /// The longest a query or mutation may wait for its turn and run, whatever its transport
    /// (the request timeout): the HTTP layer's timeout does not reach the websocket, nor the
    /// explorer's pages.
    deadline: Duration,
    /// The query budget, when operations are charged.
    budget: Option<QueryBudget>,
}

pub use crate::config::RunLimits;

impl Api {
    pub fn new(
        schemas: Schemas,
        databases: Databases,
        metrics: Metrics,
        changes: ChangeHub,
        limits: RunLimits,
    ) -> Self {
        Api {
            schemas,
            databases,
            documents: Documents::new(limits.input),
            metrics,
            changes,
            turns: Arc::new(Semaphore::new(limits.max_running.max(1))),
            deadline: limits.deadline,
            budget: None,
        }
    }

    /// The type of the operation `name` selects in `query`, if it parses and has one.
    pub fn operation_type(&self, query: &str, name: Option<&str>) -> Option<OperationType> {
        self.documents.parse(query).ok().and_then(|admitted| operation_type(&admitted.document, name))
    }

    /// Runs `request` with the data `context` makes (a transport gives it no data of its own)
    /// and says which type of operation it ran (`None` when the document did not parse or names
    /// no such operation). An answer that went past its budget while resolving is refused whole.
    pub async fn run(&self, request: Request, context: &RequestContext) -> (Option<OperationType>, Response) {
        let (ty, response, _) = self.run_counted(request, context).await;
        (ty, response)
    }

    /// What a document asks of the query budget (`None` when it does not parse or names no
    /// such operation).
    pub fn ask(&self, query: &str, name: Option<&str>, variables: &Variables) -> Option<Ask> {
        let admitted = self.documents.parse(query).ok()?;
        rate_limit::ask(&admitted.document, name, variables)
    }

    /// Whether the query `name` selects in `query` reads only the past, so that its answer can
    /// never change (see `past_reads`); `false` when it does not parse.
    pub fn only_past_reads(&self, query: &str, name: Option<&str>, variables: &Variables) -> bool {
        self.documents
            .parse(query)
            .is_ok_and(|admitted| past_reads::only_past_reads(&admitted.document, name, variables))
    }

    /// `run`, also saying how many catalog rows the answer loaded (what the query budget
    /// charges).
    pub async fn run_counted(
        &self,
        mut request: Request,
        context: &RequestContext,
    ) -> (Option<OperationType>, Response, usize) {
        let started = Instant::now();
        let (ty, admitted) = match self.parse(&mut request, context.dry_run) {
            Ok(parsed) => parsed,
            Err(response) => {
                self.observe(None, &response, started);
                return (None, *response, 0);
            }
        };
        // Without variables, a document that passed every rule once passes them again.
        let plain = request.variables.is_empty() && !context.dry_run;
        let schema = if plain && admitted.checked() { &self.schemas.checked } else { &self.schemas.strict };
        let mut budget = None;
        let response = self
            .within_deadline(async {
                // The semaphore is never closed, so a turn always comes.
                let _turn = self.turns.acquire().await;
                // Only a query may go to a replica (and only an anonymous caller's, see `replicas`).
                let work = if ty == Some(OperationType::Query) { Work::Read } else { Work::Primary };
                let route = self.databases.route(&context.caller, work);
                // A query that met only a lost database connection runs once more (see `retry`),
                // and one that a replica could not serve runs again on the primary.
                let rerun = if ty == Some(OperationType::Query) { Rerun::of(&request) } else { None };
                budget = Some(context.fill(&mut request, route.db()));
                let response = schema.execute(request).await;
                if plain && !is_request_error(&response) {
                    admitted.mark_checked();
                }
                match rerun {
                    Some(rerun) if route.is_replica() && only_replica_unavailable(&response) => {
                        tracing::debug!("a read replica could not serve a query; running it on the primary");
                        let primary = self.databases.fall_back(&route);
                        let mut again = rerun.request();
                        budget = Some(context.fill(&mut again, primary.db()));
                        schema.execute(again).await
                    }
                    Some(rerun) if only_connection_lost(&response) => {
                        tracing::warn!("a query lost its database connection; running it once more");
                        let mut again = rerun.request();
                        budget = Some(context.fill(&mut again, route.db()));
                        schema.execute(again).await
                    }
                    _ => response,
                }
            })
            .await;
        self.observe(ty, &response, started);
        let rows = budget.as_ref().map_or(0, AnswerBudget::rows);
        match budget {
            Some(budget) if budget.exceeded() => (ty, refusal(budget.limits()), rows),
            _ => (ty, response, rows),
        }
    }

    /// `work`'s response with its request errors coded, or a TIMEOUT error once the deadline
    /// passes (the work is dropped then, so it stops).
    async fn within_deadline(&self, work: impl Future<Output = Response>) -> Response {
        match tokio::time::timeout(self.deadline, work).await {
            Ok(response) => with_request_error_codes(response),
            Err(_) => {
                let message = format!("the operation took longer than {} s", self.deadline.as_secs_f64());
                Response::from_errors(vec![with_code(ServerError::new(message, None), ErrorCode::Timeout)])
            }
        }
    }

    /// Gives the request its parsed document (the schema then runs it) and learns the type of
    /// the operation it asks for; a document that does not parse, or a document or variables
    /// that the admission checks refuse, is answered here.
    /// For a dry run, the document keeps only what `rateLimit` needs.
    fn parse(
        &self,
        request: &mut Request,
        dry_run: bool,
    ) -> Result<(Option<OperationType>, Arc<Admitted>), Box<Response>> {
        let refuse = |error| Box::new(Response::from_errors(vec![with_code(error, ErrorCode::GraphqlParseFailed)]));
        let admitted = self.documents.parse(&request.query).map_err(refuse)?;
        admission::check_variables(&request.variables, &admitted.uses, self.documents.limits()).map_err(refuse)?;
        let ty = operation_type(&admitted.document, request.operation_name.as_deref());
        let mut document = ExecutableDocument::clone(&admitted.document);
        if dry_run && ty == Some(OperationType::Query) {
            rate_limit::for_dry_run(&mut document, request.operation_name.as_deref());
        }
        request.set_parsed_query(document);
        Ok((ty, admitted))
    }

    fn observe(&self, ty: Option<OperationType>, response: &Response, started: Instant) {
        let kind = match ty {
            Some(OperationType::Query) => OperationKind::Query,
            Some(OperationType::Mutation) => OperationKind::Mutation,
            Some(OperationType::Subscription) => OperationKind::Subscription,
            None => OperationKind::Unknown,
        };
        self.metrics.observe_operation(kind, outcome(response), started.elapsed().as_secs_f64());
        if kind == OperationKind::Mutation {
            self.changes.written();
        }
    }
}

/// A websocket's operations, with the context its `connection_init` left in the session data.
/// Each operation's answer (each event's, for a subscription) is bounded as over HTTP, and
/// refused whole past its budget.
impl async_graphql::Executor for Api {
    async fn execute(&self, request: Request) -> Response {
        self.execute_stream(request, None).next().await.unwrap_or_default()
    }

    /// A subscription's events are not counted as operations; a query or mutation sent over a
    /// socket is, like one sent over HTTP.
    fn execute_stream(&self, mut request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        let started = Instant::now();
        let session_data = session_data.unwrap_or_default();
        let Some(context) = RequestContext::of_session(&session_data) else {
            tracing::error!("a websocket operation came without its connection's context");
            let error = with_code(ServerError::new("internal error", None), ErrorCode::Internal);
            return stream::once(async move { Response::from_errors(vec![error]) }).boxed();
        };
        let ty = match self.parse(&mut request, false) {
            Ok((ty, _)) => ty,
            Err(response) => {
                self.observe(None, &response, started);
                return stream::once(async move { *response }).boxed();
            }
        };
        // A websocket's operations stay on the primary: a subscription's events come from the
        // primary's revision log, and are resolved as soon as they arrive.
        let route = self.databases.route(&context.caller, Work::Primary);
        // The query budget: a subscription is charged its price when it starts; a query or
        // mutation 1 point before it runs and its rows once run, as over HTTP.
        let payer = Payer::of(&context.caller, context.address);
        let price =
            self.ask(&request.query, request.operation_name.as_deref(), &request.variables).map_or(1, |a| a.price);
        let upfront = if ty == Some(OperationType::Subscription) { price.max(1) } else { 1 };
        let budget = context.fill(&mut request, route.db());
        let api = self.clone();
        if ty != Some(OperationType::Subscription) {
            // A query or mutation over a socket waits its turn and keeps the deadline, as over HTTP.
            return stream::once(async move {
                if let Some(refusal) = api.charge(&payer, upfront).await {
                    return refusal;
                }
                let response = api
                    .within_deadline(async {
                        let _turn = api.turns.acquire().await;
                        let mut responses = api.schemas.strict.execute_stream_with_session_data(request, session_data);
                        responses.next().await.unwrap_or_default()
                    })
                    .await;
                api.observe(ty, &response, started);
                if let Some(points) = &api.budget {
                    let rows_cost = cost_of_rows(budget.rows()) - 1;
                    if rows_cost > 0 {
                        points.settle(&payer, rows_cost).await;
                    }
                }
                budget.bound(response)
            })
            .boxed();
        }
        stream::once(async move {
            match api.charge(&payer, upfront).await {
                Some(refusal) => stream::once(async move { refusal }).boxed(),
                None => api
                    .schemas
                    .strict
                    .execute_stream_with_session_data(request, session_data)
                    .map(move |response| bounded_event(&budget, with_request_error_codes(response)))
                    .boxed(),
            }
        })
        .flatten()
        .boxed()
    }
}

impl Api {
    /// Charges `cost` points to `payer`; the refusal when they do not fit.
    async fn charge(&self, payer: &Payer, cost: u32) -> Option<Response> {
        let account = self.budget.as_ref()?.charge(payer, cost).await.filter(|a| !a.allowed)?;
        Some(Response::from_errors(vec![server_error(account.refusal())]))
    }

    /// Charges every operation to its caller (see `service::query_budget`).
    pub fn with_budget(mut self, budget: QueryBudget) -> Self {
        self.budget = Some(budget);
        self
    }
}

/// A subscription's event within its budget; the next event is an answer of its own.
fn bounded_event(budget: &AnswerBudget, response: Response) -> Response {
    let response = budget.bound(response);
    budget.reset();
    response
}

fn outcome(response: &Response) -> Outcome {
    if response.errors.is_empty() {
        Outcome::Ok
    } else if is_request_error(response) {
        Outcome::Rejected
    } else {
        Outcome::Error
    }
}

/// Gives request errors (validation, including the depth and complexity limits, and an unknown
/// operation name) their `extensions.code`, which async-graphql does not set.
fn with_request_error_codes(mut response: Response) -> Response {
    if is_request_error(&response) {
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|e| with_code(bad_argument(e), ErrorCode::GraphqlValidationFailed))
            .collect();
    }
    response
}

/// An argument whose value does not fit its type (an unknown enum value, a string for an
/// `Int`, from the document or from a variable) is the client's bad input: BAD_USER_INPUT naming
/// the argument, like every other refused value, though it is still refused before execution.
fn bad_argument(mut error: ServerError) -> ServerError {
    const PREFIX: &str = "Invalid value for argument \"";
    let field = error.message.strip_prefix(PREFIX).and_then(|rest| rest.split_once('"')).map(|(f, _)| f.to_owned());
    if let Some(field) = field {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", ErrorCode::BadUserInput.as_str());
        extensions.set("field", field);
    }
    error
}
