use async_graphql::{ID, Object};

use crate::domain::{EditorRole, EntityType};
use crate::graphql::node::global_id;
use crate::service::editors::EditorRow;

pub struct Editor(pub EditorRow);

/// An editor account. Only editors see these (their own through `me`, all of them as admins).
#[Object]
impl Editor {
    async fn id(&self) -> ID {
        global_id(EntityType::Editor, self.0.id)
    }

    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The name the public sees on this editor's changes.
    async fn name(&self) -> &str {
        &self.0.display_name
    }

    async fn role(&self) -> EditorRole {
        self.0.role
    }

    /// Deactivated editors cannot sign in, and their tokens are refused.
    async fn active(&self) -> bool {
        self.0.active
    }

    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}
