//! Who is calling: the one way a request's caller is established, for every route that answers
//! by caller (`/graphql`, the exports; `/graphql/ws` checks its `connection_init` with
//! [`verify`]). Anonymous without credentials, an editor for a token that checks out against
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
        let Some(authorization) = presented(parts).map_err(Refused)? else { return Ok(Caller::Anonymous) };
        verify(&TokenCheck::from_ref(state), authorization).await.map_err(Refused)
    }
}

/// The credentials a request presents, if any: the `Authorization` header's value. (The one
/// place that knows where credentials come from: a session cookie would be read here too.)
fn presented(parts: &Parts) -> Result<Option<&str>, ServiceError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else { return Ok(None) };
    value.to_str().map(Some).map_err(|_| malformed_authorization())
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
    let token = bearer_token(authorization)?;
    let editor = editors::authenticate(&check.db, &check.keys, token).await?;
    Ok(Caller::Editor(Box::new(editor)))
}
