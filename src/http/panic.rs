//! The panic guard: a handler that panics is answered with a coded INTERNAL error in the format
//! its request reads (GraphQL JSON at `/graphql`, the export's error at `/export/`, otherwise the
//! explorer's error page for clients that take HTML and the export's JSON for the rest), not
//! with a plain-text 500. tower-http's `CatchPanicLayer` cannot see the request, so the guard
//! remembers what it needs of the request before running it.

use std::any::Any;
use std::panic::AssertUnwindSafe;

use axum::{
    extract::Request,
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::Response,
};
use futures_util::FutureExt;

use super::errors;
use super::negotiate::{MediaType, response_type};
use crate::service::{ClientError, ErrorCode};

/// The format a request's answer is read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Graphql(MediaType),
    Export,
    Html,
}

impl Format {
    fn of(path: &str, headers: &HeaderMap) -> Format {
        if path == "/graphql" || path.starts_with("/graphql/") {
            // A client that accepts neither GraphQL media type still reads JSON best.
            return Format::Graphql(response_type(headers).unwrap_or(MediaType::Json));
        }
        if path.starts_with("/export/") || !accepts_html(headers) {
            return Format::Export;
        }
        Format::Html
    }

    fn internal(self) -> Response {
        let error = ClientError::new(ErrorCode::Internal, "internal error");
        match self {
            Format::Graphql(media) => errors::graphql(StatusCode::INTERNAL_SERVER_ERROR, media, vec![error]),
            Format::Export => errors::export(error),
            Format::Html => crate::explorer::internal_error_page(),
        }
    }
}

/// Whether the client takes HTML: browsers say so, and a client that says nothing takes anything.
fn accepts_html(headers: &HeaderMap) -> bool {
    match headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(accept) => accept.contains("text/html") || accept.contains("*/*") || accept.trim().is_empty(),
    }
}

/// Runs the request; a panic while it is handled is logged and answered as INTERNAL.
pub async fn guard(request: Request, next: Next) -> Response {
    let format = Format::of(request.uri().path(), request.headers());
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) => response,
        Err(panic) => {
            tracing::error!(panic = %what(&*panic), "a request's handler panicked");
            format.internal()
        }
    }
}

/// The panic's message, when it has one.
fn what(panic: &(dyn Any + Send)) -> &str {
    panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use axum::{Router, body::Body, middleware, routing::get};
    use serde_json::Value as Json;
    use tower::ServiceExt;

    use super::*;

    async fn panics() -> &'static str {
        panic!("a handler's bug")
    }

    fn router() -> Router {
        Router::new()
            .route("/graphql", get(panics))
            .route("/export/models.json", get(panics))
            .route("/models/{slug}", get(panics))
            .layer(middleware::from_fn(guard))
    }

    /// The status, content type and body of the answer to `GET path` with `accept`.
    async fn answer(path: &str, accept: &str) -> (StatusCode, String, String) {
        let request = Request::get(path).header(header::ACCEPT, accept).body(Body::empty()).unwrap();
        let response = router().oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, content_type, String::from_utf8(body.to_vec()).unwrap())
    }

    fn code(body: &str) -> Json {
        let body: Json = serde_json::from_str(body).unwrap();
        assert!(body.get("data").is_none(), "{body}");
        body["errors"][0]["extensions"]["code"].clone()
    }

    #[tokio::test]
    async fn a_graphql_request_gets_a_coded_graphql_error() {
        let (status, content_type, body) = answer("/graphql?query=%7Bx%7D", "application/graphql-response+json").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(content_type, MediaType::GraphqlResponse.content_type());
        assert_eq!(code(&body), "INTERNAL", "{body}");
        assert!(!body.contains("a handler's bug"), "the panic's detail stays in the log: {body}");
    }

    #[tokio::test]
    async fn an_export_gets_the_exports_error() {
        let (status, content_type, body) = answer("/export/models.json", "*/*").await;
        assert_eq!((status, content_type.as_str()), (StatusCode::INTERNAL_SERVER_ERROR, "application/json"));
        assert_eq!(code(&body), "INTERNAL", "{body}");
    }

    #[tokio::test]
    async fn a_page_gets_the_explorers_error_page() {
        let (status, content_type, body) = answer("/models/gpt-4", "text/html,application/xhtml+xml").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains("Something went wrong"), "{body}");
        assert!(!body.contains("a handler's bug"), "{body}");
    }
}
