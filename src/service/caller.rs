//! Who is asking, as the HTTP layer established it (see `request`): every transport and the
//! GraphQL layer share these, so they live below both.

use std::net::IpAddr;

use super::{Audience, editors::EditorRow};

/// The caller of one request: anonymous, or an editor whose token checked out.
#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    Editor(Box<EditorRow>),
}

impl Caller {
    pub fn audience(&self) -> Audience {
        match self {
            Caller::Anonymous => Audience::Public,
            Caller::Editor(_) => Audience::Editor,
        }
    }

    pub fn editor(&self) -> Option<&EditorRow> {
        match self {
            Caller::Anonymous => None,
            Caller::Editor(row) => Some(row),
        }
    }
}

/// The address the request came from (for rate limits).
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub IpAddr);
