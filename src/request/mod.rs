//! What a request says about itself, as axum extractors: who is calling (`Caller`) and from
//! where (`ClientAddress`). `http` and `explorer` both use them; they need only the parts of a
//! router's state they name (`TokenCheck`, `TrustedProxies`, through `FromRef`).

mod address;
mod caller;

pub use address::{TrustedProxies, client_address};
pub use caller::{
    Refused, SESSION_COOKIE, SESSION_PATH, TokenCheck, bearer_token, in_workspace, session_token, verify,
};
