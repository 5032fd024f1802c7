//! Who is calling: the one way a request's caller is established, for every route that answers
//! by caller (`/graphql`, the exports, the editors' workspace; `/graphql/ws` checks its
//! `connection_init` with [`verify`]). Anonymous without credentials, an editor for a token that checks out against
//! the editor's row (its token version), and a refusal for anything else: never silently
//! anonymous.

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};
use sea_orm::DatabaseConnection;

use crate::auth::TokenKeys;
use crate::service::{Caller, ServiceError, editors};

/// What checking an editor's token needs of a router's state.
#[derive(Clone)]
pub struct TokenCheck {
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
}

/// Credentials that did not check out (or a check that failed). Each route words it in its own
/// format (see `Refused::status`); on its own it is a bare status.
#[derive(Debug)]
pub struct Refused(pub ServiceError);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (self.status(), [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))]).into_response()
    }
}

impl Refused {
    /// 401, or 500 when the check itself failed.
    pub fn status(&self) -> StatusCode {
        if matches!(self.0, ServiceError::Internal(_)) {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::UNAUTHORIZED
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller
where
    TokenCheck: FromRef<S>,
{
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        // Already established for this request (the query budget's metering needs it first).
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let Some(token) = presented(parts).map_err(Refused)? else { return Ok(Caller::Anonymous) };
        verify_token(&TokenCheck::from_ref(state), &token).await.map_err(Refused)
    }
}

/// The cookie that keeps an editor's token in the editors' workspace (`/editor`).
pub const SESSION_COOKIE: &str = "ai_tracker_session";
/// The only path the session cookie is sent to, or accepted on.
pub const SESSION_PATH: &str = "/editor";

/// The token a request presents, if any (the one place that knows where credentials come
/// from): the `Authorization` header's, or, on the editors' workspace only, the session
/// cookie's. The cookie is never accepted elsewhere: a browser sends it with any request to its
/// path, so only pages that check a CSRF token on every form may act on it.
fn presented(parts: &Parts) -> Result<Option<String>, ServiceError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let authorization = value.to_str().map_err(|_| malformed_authorization())?;
        return Ok(Some(bearer_token(authorization)?.to_owned()));
    }
    Ok(if in_workspace(parts.uri.path()) { session_token(&parts.headers) } else { None })
}

/// Whether `path` is the editors' workspace, where the session cookie counts.
pub fn in_workspace(path: &str) -> bool {
    path.strip_prefix(SESSION_PATH).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The session cookie's token, if the request carries one.
pub fn session_token(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE && !c.value().is_empty())
        .map(|c| c.value().to_owned())
}

fn malformed_authorization() -> ServiceError {
    ServiceError::Unauthenticated("the Authorization header must be `Bearer <token>`".into())
}

/// The token of an authorization value (`Bearer <token>`, from a header or a websocket's
/// `connection_init`).
pub fn bearer_token(authorization: &str) -> Result<&str, ServiceError> {
    let (scheme, token) = authorization.trim().split_once(' ').ok_or_else(malformed_authorization)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed_authorization());
    }
    Ok(token.trim())
}

/// The editor an authorization value names, if its token checks out.
pub async fn verify(check: &TokenCheck, authorization: &str) -> Result<Caller, ServiceError> {
    verify_token(check, bearer_token(authorization)?).await
}

/// The editor a token names, if it checks out.
async fn verify_token(check: &TokenCheck, token: &str) -> Result<Caller, ServiceError> {
    let editor = editors::authenticate(&check.db, &check.keys, token).await?;
    Ok(Caller::Editor(Box::new(editor)))
}
