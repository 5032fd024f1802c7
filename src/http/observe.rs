//! Counts every routed HTTP request for `/metrics`, labelled by the route's pattern (never the
//! client's path, which it chooses freely) and the status class.

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    middleware::Next,
    response::Response,
};

use crate::metrics::Metrics;

pub async fn requests(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let route = route.as_deref().unwrap_or("unmatched");
    metrics.observe_http(route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}
