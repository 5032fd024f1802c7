//! GraphiQL for browsers at `GET /graphql`: our page and pinned production builds of GraphiQL
//! and React, served from the binary (see `graphiql/README.md` for versions and checksums), so
//! the IDE works offline and loads no code from a CDN.

use axum::{
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

/// Where the assets are served; the version is in the path, so they can be cached for a year.
pub const ASSETS: &str = "/assets/graphiql-4.1.2";

/// GraphiQL needs inline styles (its editor positions itself with them) and fonts and icons as
/// `data:` URLs from its stylesheet; everything else comes from here, and nothing may frame it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

const PAGE: &str = include_str!("graphiql/index.html");

pub fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        PAGE,
    )
        .into_response()
}

/// `/assets/graphiql-4.1.2/{file}`.
pub async fn asset(Path(file): Path<String>) -> Response {
    let (content_type, body): (&str, &'static [u8]) = match file.as_str() {
        "graphiql.min.js" => (JS, include_bytes!("graphiql/graphiql.min.js")),
        "graphiql.min.css" => (CSS, include_bytes!("graphiql/graphiql.min.css")),
        "react.production.min.js" => (JS, include_bytes!("graphiql/react.production.min.js")),
        "react-dom.production.min.js" => (JS, include_bytes!("graphiql/react-dom.production.min.js")),
        "start.js" => (JS, include_bytes!("graphiql/start.js")),
        "page.css" => (CSS, include_bytes!("graphiql/page.css")),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
        .into_response()
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
