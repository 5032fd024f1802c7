//! `GET /export/models.csv` and `GET /export/models.json`: the models the caller may see (drafts
//! only with an editor's Bearer token) that pass `?filter=` (the `models` query's filter as
//! JSON), streamed page by page, attribution first. With `?asRecordedAt=` (RFC 3339), a citable
//! snapshot: the public catalog as recorded then, its header stating the instant, the revision
//! and the SHA-256 of the body (`service::export::Snapshot`), the same bytes on every request,
//! with a strong `ETag` (and a 304 for `If-None-Match`). Any other parameter is a 400 naming it.

use axum::{
    body::{Body, Bytes},
    extract::{Extension, RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};

use super::AppState;
use super::errors;
use super::graphql::if_none_match;
use crate::graphql::model_filter_from_json;
use crate::request::Refused;
use crate::service::export::{self, Format};
use crate::service::history::{self, Reader};
use crate::service::query_budget::{self, Payer, cost_of_rows};
use crate::service::{Audience, Caller, ServiceError, filter::ModelFilter};

pub async fn csv(
    state: State<AppState>,
    caller: Result<Caller, Refused>,
    payer: Extension<Payer>,
    query: RawQuery,
    headers: HeaderMap,
) -> Response {
    models(state, caller, payer, query, headers, Format::Csv).await
}

pub async fn json(
    state: State<AppState>,
    caller: Result<Caller, Refused>,
    payer: Extension<Payer>,
    query: RawQuery,
    headers: HeaderMap,
) -> Response {
    models(state, caller, payer, query, headers, Format::Json).await
}

/// An error as the GraphQL endpoint words it, with its code's status.
fn failure(error: ServiceError) -> Response {
    errors::export(error.to_client())
}

/// An export's query parameters.
struct Parameters {
    filter: Option<ModelFilter>,
    /// The filter as JSON text (re-serialized), which keys the snapshot digests.
    filter_key: Option<String>,
    as_recorded_at: Option<DateTime<Utc>>,
}

/// The parameters an export takes: `filter` and `asRecordedAt`, each at most once. Any other is
/// refused, naming it, rather than ignored (a misspelled `asRecordedAt` would otherwise answer
/// the present to a client that meant to cite the past).
fn parameters(raw: Option<&str>) -> Result<Parameters, ServiceError> {
    let (mut filter, mut at) = (None, None);
    for (name, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let slot = match &*name {
            "filter" => &mut filter,
            "asRecordedAt" => &mut at,
            _ => {
                return Err(ServiceError::bad_input(
                    name,
                    "is not a parameter of the export (it takes filter and asRecordedAt)",
                ));
            }
        };
        if slot.is_some() {
            return Err(ServiceError::bad_input(name, "is given more than once"));
        }
        *slot = Some(value.into_owned());
    }
    let (filter, filter_key) = match filter {
        None => (None, None),
        Some(text) => {
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| ServiceError::bad_input("filter", format!("is not JSON: {e}")))?;
            let key = json.to_string();
            (Some(model_filter_from_json(json, "filter")?), Some(key))
        }
    };
    let as_recorded_at = at
        .map(|text| {
            DateTime::parse_from_rfc3339(&text).map(|at| at.with_timezone(&Utc)).map_err(|e| {
                ServiceError::bad_input(
                    "asRecordedAt",
                    format!("is not an RFC 3339 instant (e.g. 2025-01-31T12:00:00Z): {e}"),
                )
            })
        })
        .transpose()?;
    Ok(Parameters { filter, filter_key, as_recorded_at })
}

async fn models(
    State(state): State<AppState>,
    caller: Result<Caller, Refused>,
    // Who pays for the pages streamed after the first, as `http::metering` decided.
    Extension(payer): Extension<Payer>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    format: Format,
) -> Response {
    let caller = match caller {
        Ok(caller) => caller,
        Err(Refused(error)) => return failure(error),
    };
    let Parameters { filter, filter_key, as_recorded_at } = match parameters(raw.as_deref()) {
        Ok(parameters) => parameters,
        Err(error) => return failure(error),
    };
    // The first page is read before answering, so that a refused filter is a 400 and not a
    // stream cut short; the pages after it are read where the first one was.
    let (reader, audience, head, etag, first, next) = match as_recorded_at {
        None => {
            let audience = caller.audience();
            let first_page = state.databases.read(&caller, |db| {
                let filter = filter.clone();
                async move { export::page(&db, audience, filter.as_ref(), None).await }
            });
            let ((first, next), route) = match first_page.await {
                Ok(page) => page,
                Err(error) => return failure(error),
            };
            (Reader::now(route.db().clone()), audience, export::preamble(format), None, first, next)
        }
        // A snapshot: the public catalog as recorded then, whoever asks, read on the primary
        // (where `as_recorded_at` made sure every revision up to the instant has committed).
        // A first pass hashes the body (or the digest is known), since the header that comes
        // first states it; then the export streams as the present's does.
        Some(at) => {
            let snapshot = async {
                let past = history::as_recorded_at(&state.db, "asRecordedAt", at).await?;
                let reader = Reader::past(state.db.clone(), past);
                let (snapshot, rows) =
                    state.snapshot_digests.snapshot(&reader, past, filter.as_ref(), filter_key, format).await?;
                query_budget::rows_loaded(rows);
                Ok::<_, ServiceError>((reader, snapshot))
            };
            let (reader, snapshot) = match snapshot.await {
                Ok(found) => found,
                Err(error) => return failure(error),
            };
            let etag = HeaderValue::from_str(&snapshot.etag(format)).expect("hex digits are a header value");
            if if_none_match(&headers, &etag) {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            let (first, next) = match export::page(&reader, Audience::Public, filter.as_ref(), None).await {
                Ok(page) => page,
                Err(error) => return failure(error),
            };
            let head = snapshot.header(format) + &export::body_start(format);
            (reader, Audience::Public, head, Some(etag), first, next)
        }
    };
    let head = match export::render(format, &first, true) {
        Ok(text) => head + &text,
        Err(error) => return failure(error),
    };
    // The query budget: the first page is charged with the answer (`http::metering`), the
    // pages after it as they are read, 1 point per 100 rows loaded in all.
    query_budget::rows_loaded(first.len());
    let wrote_any = !first.is_empty();
    let rest = stream::unfold(Some((next, wrote_any, first.len())), move |state_now| {
        let db = reader.clone();
        let filter = filter.clone();
        let (budget, payer) = (state.budget.clone(), payer.clone());
        async move {
            let (Some(after), wrote_any, rows_before) = state_now? else { return None };
            match next_page(&db, audience, filter.as_ref(), after, format, wrote_any).await {
                Ok((text, rows, next)) => {
                    let rows_now = rows_before + rows;
                    let cost = cost_of_rows(rows_now) - cost_of_rows(rows_before);
                    if cost > 0 {
                        budget.settle(&payer, cost).await;
                    }
                    Some((Ok(Bytes::from(text)), Some((next, true, rows_now))))
                }
                Err(error) => {
                    tracing::error!(?error, "export stopped midway");
                    Some((Err(std::io::Error::other("the export stopped midway")), None))
                }
            }
        }
    });
    let body = stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(head)) })
        .chain(rest)
        .chain(stream::once(async move { Ok(Bytes::from_static(export::epilogue(format).as_bytes())) }));
    let disposition = match format {
        Format::Csv => "inline; filename=\"ai-tracker-models.csv\"",
        Format::Json => "inline; filename=\"ai-tracker-models.json\"",
    };
    let mut response = (
        [(header::CONTENT_TYPE, format.content_type()), (header::CONTENT_DISPOSITION, disposition)],
        Body::from_stream(body),
    )
        .into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

async fn next_page(
    db: &Reader,
    audience: Audience,
    filter: Option<&ModelFilter>,
    after: String,
    format: Format,
    wrote_any: bool,
) -> Result<(String, usize, Option<String>), ServiceError> {
    let (models, next) = export::page(db, audience, filter, Some(after)).await?;
    Ok((export::render(format, &models, !wrote_any)?, models.len(), next))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::StatusCode;
    use serde_json::{Value as Json, json};

    use super::*;

    /// Every service error is answered with its own code and status (once, NOT_FOUND,
    /// FORBIDDEN, CONFLICT and RATE_LIMITED were all a 400 BAD_REQUEST).
    #[tokio::test]
    async fn each_error_has_its_own_code_and_status() {
        let cases = [
            (ServiceError::bad_input("filter", "is not JSON"), StatusCode::BAD_REQUEST, "BAD_USER_INPUT"),
            (ServiceError::Unauthenticated("no".into()), StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
            (ServiceError::Forbidden("no".into()), StatusCode::FORBIDDEN, "FORBIDDEN"),
            (ServiceError::NotFound("model".into()), StatusCode::NOT_FOUND, "NOT_FOUND"),
            (
                ServiceError::Conflict { what: "model".into(), expected: 1, current: 2 },
                StatusCode::CONFLICT,
                "CONFLICT",
            ),
            (
                ServiceError::RateLimited { retry_after: Duration::from_secs(3) },
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
            ),
            (ServiceError::internal(anyhow::anyhow!("secret detail")), StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL"),
        ];
        for (error, status, code) in cases {
            let response = failure(error);
            assert_eq!(response.status(), status, "{code}");
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json", "{code}");
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
            let body: Json = serde_json::from_slice(&body).unwrap();
            let extensions = &body["errors"][0]["extensions"];
            assert_eq!(extensions["code"], json!(code), "{body}");
            match code {
                "BAD_USER_INPUT" => assert_eq!(extensions["field"], json!("filter")),
                "CONFLICT" => assert_eq!(extensions["currentVersion"], json!(2)),
                "RATE_LIMITED" => assert_eq!(extensions["retryAfterSeconds"], json!(3)),
                "INTERNAL" => assert_eq!(body["errors"][0]["message"], json!("internal error")),
                _ => {}
            }
        }
    }
}
