//! Which operation of a document a request runs, and how long it took, by type and outcome; and
//! after a mutation, word to the change hub that this process wrote (so its caches move on).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::{
    Request, Response, ServerResult, Value, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest},
    parser::types::{DocumentOperations, ExecutableDocument, OperationType},
};

use crate::metrics::{Metrics, OperationKind, Outcome};
use crate::service::changes::ChangeHub;

/// The type of the operation `name` selects in `document` (the only one, when unnamed), if any.
pub fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), None) => Some(op.node.ty),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| op.node.ty),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Counts every operation for `/metrics`, and tells the change hub (from the schema's data, when
/// it has one) after every mutation.
pub struct OperationMetrics(pub Metrics);

impl ExtensionFactory for OperationMetrics {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Observer { metrics: self.0.clone(), name: Mutex::new(None), kind: Mutex::new(OperationKind::Unknown) })
    }
}

/// One request's observer: it learns the operation's name, then its type, then the outcome.
struct Observer {
    metrics: Metrics,
    name: Mutex<Option<String>>,
    kind: Mutex<OperationKind>,
}

/// A request error is one raised before execution: the response has no data and no error
/// has a path.
pub fn is_request_error(response: &Response) -> bool {
    response.data == Value::Null && !response.errors.is_empty() && response.errors.iter().all(|e| e.path.is_empty())
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

#[async_graphql::async_trait::async_trait]
impl Extension for Observer {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let response = next.run(ctx).await;
        let kind = self.kind.lock().map(|k| *k).unwrap_or(OperationKind::Unknown);
        self.metrics.observe_operation(kind, outcome(&response), started.elapsed().as_secs_f64());
        if kind == OperationKind::Mutation
            && let Some(changes) = ctx.data_opt::<ChangeHub>()
        {
            changes.written();
        }
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Ok(mut name) = self.name.lock() {
            name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let name = self.name.lock().ok().and_then(|n| n.clone());
        let kind = match operation_type(&document, name.as_deref()) {
            Some(OperationType::Query) => OperationKind::Query,
            Some(OperationType::Mutation) => OperationKind::Mutation,
            Some(OperationType::Subscription) => OperationKind::Subscription,
            None => OperationKind::Unknown,
        };
        if let Ok(mut slot) = self.kind.lock() {
            *slot = kind;
        }
        Ok(document)
    }
}
