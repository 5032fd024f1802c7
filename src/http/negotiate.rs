//! Content negotiation as the GraphQL-over-HTTP specification asks for it.

use axum::http::{HeaderMap, header};

/// The two response media types of GraphQL over HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx statuses.
    GraphqlResponse,
    /// `application/json`, the legacy type: every well-formed request gets 200.
    Json,
}

impl MediaType {
    pub fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

/// The media type to answer in, from the `Accept` header; `None` when nothing acceptable is
/// offered (406). No header, `*/*` and `application/*` get `application/json`.
pub fn response_type(headers: &HeaderMap) -> Option<MediaType> {
    let Some(accept) = headers.get(header::ACCEPT) else { return Some(MediaType::Json) };
    let Ok(accept) = accept.to_str() else { return None };
    if accept.trim().is_empty() {
        return Some(MediaType::Json);
    }
    let mut best: Option<(f32, MediaType)> = None;
    for (media, q) in weighted(accept) {
        let candidate = match media.as_str() {
            "application/graphql-response+json" => MediaType::GraphqlResponse,
            "application/json" | "application/*" | "*/*" => MediaType::Json,
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_q, best_type)) => {
                q > best_q || (q == best_q && candidate == MediaType::GraphqlResponse && best_type != candidate)
            }
        };
        if better {
            best = Some((q, candidate));
        }
    }
    best.map(|(_, t)| t)
}

/// The items of an `Accept`-style header, lower-cased, with their `q` weights (1 when unsaid).
fn weighted(header: &str) -> impl Iterator<Item = (String, f32)> + '_ {
    header.split(',').map(|item| {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        (name, q)
    })
}

/// A content coding both sides speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    pub fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to send a body in, from `Accept-Encoding`: brotli over gzip at equal weight, and
/// none without the header (as the compression layer decides for other responses).
pub fn preferred_coding(headers: &HeaderMap) -> Option<Coding> {
    let accept = headers.get(header::ACCEPT_ENCODING)?.to_str().ok()?;
    let (mut brotli, mut gzip, mut any) = (None, None, None);
    for (name, q) in weighted(accept) {
        match name.as_str() {
            "br" => brotli = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let (brotli, gzip) = (brotli.or(any).unwrap_or(0.0), gzip.or(any).unwrap_or(0.0));
    if brotli > 0.0 && brotli >= gzip {
        Some(Coding::Brotli)
    } else if gzip > 0.0 {
        Some(Coding::Gzip)
    } else {
        None
    }
}

/// Whether a browser asks for a page (GraphiQL) rather than a GraphQL response.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// Whether the request body is declared as JSON (`application/json`, any charset parameter).
pub fn is_json_body(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim();
    let charset_ok = parts
        .filter_map(|p| p.trim().to_ascii_lowercase().strip_prefix("charset=").map(str::to_owned))
        .all(|c| c.trim_matches('"') == "utf-8");
    media.eq_ignore_ascii_case("application/json") && charset_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn one(name: header::HeaderName, value: &str) -> HeaderMap {
        HeaderMap::from_iter([(name, HeaderValue::from_str(value).unwrap())])
    }

    fn accept(value: &str) -> Option<MediaType> {
        response_type(&one(header::ACCEPT, value))
    }

    #[test]
    fn negotiates_like_the_spec() {
        assert_eq!(response_type(&HeaderMap::new()), Some(MediaType::Json));
        assert_eq!(accept("*/*"), Some(MediaType::Json));
        assert_eq!(accept("application/graphql-response+json"), Some(MediaType::GraphqlResponse));
        assert_eq!(accept("application/json, application/graphql-response+json"), Some(MediaType::GraphqlResponse));
        assert_eq!(accept("application/graphql-response+json;q=0.5, application/json"), Some(MediaType::Json));
        assert_eq!(accept("text/html"), None);
        assert_eq!(accept("application/json;q=0"), None);
    }

    fn accept_encoding(value: &str) -> Option<Coding> {
        preferred_coding(&one(header::ACCEPT_ENCODING, value))
    }

    #[test]
    fn picks_a_coding_the_client_takes() {
        assert_eq!(preferred_coding(&HeaderMap::new()), None);
        assert_eq!(accept_encoding("gzip, deflate, br"), Some(Coding::Brotli));
        assert_eq!(accept_encoding("gzip"), Some(Coding::Gzip));
        assert_eq!(accept_encoding("br;q=0.5, gzip"), Some(Coding::Gzip));
        assert_eq!(accept_encoding("br;q=0, *"), Some(Coding::Gzip));
        assert_eq!(accept_encoding("*"), Some(Coding::Brotli));
        assert_eq!(accept_encoding("identity"), None);
        assert_eq!(accept_encoding("gzip;q=0"), None);
    }
}
