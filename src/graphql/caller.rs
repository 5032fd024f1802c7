//! Who is asking, as the HTTP layer established it, and the role checks resolvers make.

use std::net::IpAddr;

use async_graphql::Context;

use super::error::OrGraphqlError;
use super::loaders::{RequestLoader, forget_cached};
use crate::service::{Actor, Audience, ServiceError, editors::EditorRow};

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

pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_unchecked::<Caller>()
}

/// What the caller may see: editors also see drafts and private history.
pub fn audience(ctx: &Context<'_>) -> Audience {
    caller(ctx).audience()
}

/// The calling editor, or UNAUTHENTICATED.
pub fn require_editor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a EditorRow> {
    caller(ctx)
        .editor()
        .ok_or_else(|| ServiceError::Unauthenticated("sign in: this needs an editor's token".into()))
        .gql()
}

/// The calling editor if they are an admin: UNAUTHENTICATED without a token, FORBIDDEN with an
/// editor's.
pub fn require_admin<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a EditorRow> {
    let editor = require_editor(ctx)?;
    if editor.role != crate::domain::EditorRole::Admin {
        return Err(ServiceError::Forbidden("only admins may do this".into())).gql();
    }
    Ok(editor)
}

/// The calling editor as the history names them, for a write about to happen. Mutations run
/// one after another, so the request's loader forgets what it cached: what this write returns
/// must not come from before an earlier write of the same request.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    let actor = require_editor(ctx).map(Actor::editor)?;
    forget_cached(ctx.data_unchecked::<RequestLoader>());
    Ok(actor)
}
