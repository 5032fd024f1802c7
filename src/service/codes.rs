//! Every code a client can meet, in one place: the `extensions.code` of GraphQL errors (also
//! in the export's and the explorer's answers), the close codes of `/graphql/ws`, and the
//! plain HTTP refusals made before a request reaches GraphQL. A status here is only a number
//! the error policy chooses; the HTTP layer writes it.

use std::fmt;

use axum::http::StatusCode;

/// The `extensions.code` of an error. The README's error list names exactly these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    GraphqlParseFailed,
    /// Also for the depth, complexity, field and alias limits.
    GraphqlValidationFailed,
    /// An argument or input field is invalid; `extensions.field` names it.
    BadUserInput,
    /// Malformed HTTP or JSON, before GraphQL runs.
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    /// `extensions.currentVersion` says where the entry is now.
    Conflict,
    /// `extensions.retryAfterSeconds` says when to try again.
    RateLimited,
    /// The answer went past a row or byte limit and is refused whole.
    ResponseTooLarge,
    /// The operation ran past the request timeout.
    Timeout,
    /// An Apollo persisted query's hash this instance does not know: the client sends the
    /// query with it again.
    PersistedQueryNotFound,
    /// Anything unexpected; its detail goes to the log only.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::GraphqlParseFailed,
        ErrorCode::GraphqlValidationFailed,
        ErrorCode::BadUserInput,
        ErrorCode::BadRequest,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::ResponseTooLarge,
        ErrorCode::Timeout,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::BadRequest => "BAD_REQUEST",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::RateLimited => "RATE_LIMITED",
            ErrorCode::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::Internal => "INTERNAL",
        }
    }

    /// The code an error's `extensions.code` names, if it is one of ours.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The status of an answer that is this error alone, outside GraphQL over HTTP (exports,
    /// pages, refused credentials). `/graphql` itself follows the GraphQL-over-HTTP rules: a
    /// request error is 400 under `application/graphql-response+json` and 200 under
    /// `application/json`.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::GraphqlParseFailed
            | ErrorCode::GraphqlValidationFailed
            | ErrorCode::BadUserInput
            | ErrorCode::BadRequest
            | ErrorCode::ResponseTooLarge
            | ErrorCode::PersistedQueryNotFound => StatusCode::BAD_REQUEST,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            // As the HTTP layer's own request timeout answers.
            ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why `/graphql/ws` closes a socket: graphql-transport-ws's codes, and RFC 6455's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    /// The server is shutting down.
    GoingAway,
    /// A message or frame past the size limit.
    TooBig,
    /// A subscription sent before `connection_init`.
    Unauthorized,
    /// A refused `connection_init`, or an editor's socket whose token expired or was revoked.
    Forbidden,
    /// No `connection_init` in time.
    InitTimeout,
}

impl CloseCode {
    pub fn code(self) -> u16 {
        match self {
            CloseCode::GoingAway => 1001,
            CloseCode::TooBig => 1009,
            CloseCode::Unauthorized => 4401,
            CloseCode::Forbidden => 4403,
            CloseCode::InitTimeout => 4408,
        }
    }
}

/// A request refused before it reaches GraphQL, for load rather than for what it asks: a
/// status, when to come back, and a plain-text reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overload {
    /// The client address has as many websockets open as it may (before the upgrade).
    TooManySockets,
    /// The server is at its cap of open connections (answered from the health reserve).
    TooManyConnections,
}

impl Overload {
    pub fn status(self) -> StatusCode {
        match self {
            Overload::TooManySockets => StatusCode::TOO_MANY_REQUESTS,
            Overload::TooManyConnections => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `Retry-After` header's value, in seconds.
    pub fn retry_after(self) -> &'static str {
        match self {
            Overload::TooManySockets => "10",
            Overload::TooManyConnections => "5",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Overload::TooManySockets => "too many open websockets from this address: close one first",
            Overload::TooManyConnections => "the server is at its limit of open connections: try again soon",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("BAD_USER_INPUTS"), None);
    }

    /// The README's error list names exactly the codes.
    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../../README.md");
        let start = readme.find("- **Errors** always carry").expect("the README lists the error codes");
        let list = &readme[start..];
        let list = &list[..list.find("\n- **").unwrap_or(list.len())];
        let named: Vec<&str> = list
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| w.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .collect();
        let mut expected: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let mut named = named;
        named.sort_unstable();
        expected.sort_unstable();
        assert_eq!(named, expected);
    }
}
