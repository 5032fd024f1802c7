//! Cross-origin requests: frontends served from other origins may call the API when their origin
//! is listed in `AI_TRACKER_CORS_ORIGINS` (or when it is `*`). Tokens travel in the
//! `Authorization` header, never in cookies, so credentials are not allowed.

use std::time::Duration;

use axum::http::{HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// The CORS layer for the configured origins; `None` when none are configured (same origin only).
pub fn layer(origins: &[String]) -> anyhow::Result<Option<CorsLayer>> {
    let origins: Vec<&str> = origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()).collect();
    if origins.is_empty() {
        return Ok(None);
    }
    let allow = if origins == ["*"] {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().map(|o| parse_origin(o)).collect::<anyhow::Result<Vec<_>>>()?)
    };
    Ok(Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
            .expose_headers([header::ETAG, header::RETRY_AFTER])
            .max_age(PREFLIGHT_MAX_AGE),
    ))
}

/// An origin as browsers send it: `scheme://host[:port]`, nothing after.
fn parse_origin(origin: &str) -> anyhow::Result<HeaderValue> {
    let invalid = || anyhow::anyhow!("AI_TRACKER_CORS_ORIGINS: `{origin}` is not an origin like https://example.org");
    let url = url::Url::parse(origin).map_err(|_| invalid())?;
    let well_formed = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.path() == "/"
        && !origin.ends_with('/')
        && url.query().is_none()
        && url.username().is_empty();
    if !well_formed || "*" == origin {
        return Err(invalid());
    }
    HeaderValue::from_str(origin).map_err(|_| invalid())
}
