//! Security headers on every answer, by what it is. Pages get a Content-Security-Policy (the
//! explorer runs no script at all), `Referrer-Policy` and framing refused; SVG plots get a
//! policy that keeps any script in them from running when opened directly, but no framing rule,
//! so that other sites can still embed them with `<img>`. Everything gets `nosniff`, so that a
//! browser never reads a JSON or CSV answer as a page. A handler that sets its own policy
//! (GraphiQL's) keeps it.

use axum::{
    extract::Request,
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::Response,
};

/// The explorer's pages: its stylesheet and plots from here, its forms posted here.
const PAGE_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// A plot opened on its own: its inline styles, nothing else.
const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

pub async fn add(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let kind = media_type(response.headers());
    let headers = response.headers_mut();
    headers.entry(header::X_CONTENT_TYPE_OPTIONS).or_insert(HeaderValue::from_static("nosniff"));
    match kind.as_str() {
        "text/html" => {
            headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(PAGE_POLICY));
            headers.entry(header::REFERRER_POLICY).or_insert(HeaderValue::from_static("same-origin"));
            headers.entry(header::X_FRAME_OPTIONS).or_insert(HeaderValue::from_static("DENY"));
        }
        "image/svg+xml" => {
            headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(SVG_POLICY));
        }
        _ => {}
    }
    response
}

fn media_type(headers: &HeaderMap) -> String {
    let value = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}
