//! Signing in, changing one's password, and (for admins) managing editor accounts.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::TokenKeys;
use crate::domain::{EditorRole, EntityType};
use crate::graphql::{
    caller::{ClientAddress, Role, actor, editor, write},
    db,
    error::OrGraphqlError,
    node::row_id,
    types::Editor,
};
use crate::service::{
    editors::{self, NewEditor, Session},
    throttle::LoginThrottle,
};

/// A signed-in editor's token: send it as `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct LoginPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub editor: Editor,
}

impl From<Session> for LoginPayload {
    fn from(session: Session) -> Self {
        LoginPayload { token: session.token, expires_at: session.expires_at, editor: Editor(session.editor) }
    }
}

#[derive(InputObject)]
pub struct CreateEditorInput {
    pub email: String,
    /// Shown publicly on the editor's changes.
    pub name: String,
    pub role: EditorRole,
    /// At least 12 characters.
    pub password: String,
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Signs an editor in. A wrong email and a wrong password fail alike (UNAUTHENTICATED);
    /// too many attempts per email or per client address fail with RATE_LIMITED and
    /// `retryAfterSeconds`.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> async_graphql::Result<LoginPayload> {
        let keys = ctx.data_unchecked::<TokenKeys>();
        let throttle = ctx.data_unchecked::<Arc<LoginThrottle>>();
        let client = ctx.data_unchecked::<ClientAddress>();
        Ok(editors::login(db(ctx), keys, throttle, client.0, &email, password).await.gql()?.into())
    }

    /// Sets a new password for the calling editor, revokes their other tokens and returns a
    /// fresh one. Attempts count against the same limits as `login` (RATE_LIMITED past them).
    #[graphql(guard = "Role::Editor")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        new_password: String,
    ) -> async_graphql::Result<LoginPayload> {
        let editor = editor(ctx)?;
        let throttle = ctx.data_unchecked::<Arc<LoginThrottle>>();
        let client = ctx.data_unchecked::<ClientAddress>();
        let row = editors::change_password(db(ctx), throttle, client.0, editor, current_password, new_password)
            .await
            .gql()?;
        Ok(editors::issue(ctx.data_unchecked::<TokenKeys>(), row).gql()?.into())
    }

    /// Admins only.
    #[graphql(guard = "Role::Admin")]
    async fn create_editor(&self, ctx: &Context<'_>, input: CreateEditorInput) -> async_graphql::Result<Editor> {
        let new = NewEditor { email: input.email, name: input.name, role: input.role, password: input.password };
        Ok(Editor(write(ctx, editors::add(db(ctx), &actor(ctx)?, new)).await?))
    }

    /// Admins only: the editor can no longer sign in, and their tokens stop working.
    #[graphql(guard = "Role::Admin")]
    async fn deactivate_editor(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Editor> {
        let id = row_id("id", &id, EntityType::Editor).gql()?;
        Ok(Editor(write(ctx, editors::deactivate(db(ctx), &actor(ctx)?, id)).await?))
    }

    /// Admins only: every token issued to the editor so far stops working.
    #[graphql(guard = "Role::Admin")]
    async fn revoke_editor_tokens(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Editor> {
        let id = row_id("id", &id, EntityType::Editor).gql()?;
        Ok(Editor(write(ctx, editors::revoke(db(ctx), &actor(ctx)?, id)).await?))
    }
}
