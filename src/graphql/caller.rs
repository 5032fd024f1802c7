//! Who is asking, as the HTTP layer established it (`request`), the role guards of the fields
//! only editors or admins may use, and what a write must do to the request's loader.

use async_graphql::{Context, Guard};

use super::error::OrGraphqlError;
use super::loaders::{RequestLoader, forget_cached};
use crate::domain::EditorRole;
use crate::service::{Actor, Audience, ServiceError, ServiceResult, editors::EditorRow};

pub use crate::service::{Caller, ClientAddress};

pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_unchecked::<Caller>()
}

/// What the caller may see: editors also see drafts and private history.
pub fn audience(ctx: &Context<'_>) -> Audience {
    caller(ctx).audience()
}

/// Who may use a field: `#[graphql(guard = "Role::Editor")]` (or `Role::Admin`) on it. Without a
/// token the field answers UNAUTHENTICATED; an editor's token on an admin's field, FORBIDDEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Editor,
    Admin,
}

impl Guard for Role {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let editor = editor(ctx)?;
        if *self == Role::Admin && editor.role != EditorRole::Admin {
            return Err(ServiceError::Forbidden("only admins may do this".into())).gql();
        }
        Ok(())
    }
}

/// The calling editor (their field's `Role` guard let them in), or UNAUTHENTICATED.
pub fn editor<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a EditorRow> {
    caller(ctx)
        .editor()
        .ok_or_else(|| ServiceError::Unauthenticated("sign in: this needs an editor's token".into()))
        .gql()
}

/// The calling editor as the history names them, for a write about to happen.
pub fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    editor(ctx).map(Actor::editor)
}

/// Runs `write`, then has the request's loader forget what it cached, whether or not the write
/// went through: mutations run one after another, and what this write and every later field of
/// the request answer must not come from before it.
pub async fn write<T>(ctx: &Context<'_>, write: impl Future<Output = ServiceResult<T>>) -> async_graphql::Result<T> {
    let written = write.await;
    forget_cached(ctx.data_unchecked::<RequestLoader>());
    written.gql()
}
