use crate::graphql::connection::{CatalogConnection, connect};
use crate::graphql::error::OrGraphqlError;
use crate::service::{PageArgs, revisions};
use async_graphql::{Context, ID, Object};
use serde_json::Value as Json;

use crate::domain::{EntityType, RevisionAction};
use crate::graphql::{
    caller::caller,
    node::{IdKind, global_id},
};
use crate::service::revisions::RevisionRow;

#[derive(Clone)]
pub struct Revision(pub RevisionRow);

impl Revision {
    fn kind(&self) -> EntityType {
        self.0.entity_type
    }

    fn state(&self, state: &Option<Json>) -> Option<async_graphql::Json<Json>> {
        state.clone().map(async_graphql::Json)
    }
}

/// One change to an entry: who made it, when, why, and the entry's fields before and after.
/// The public sees changes to published catalog entries, with the editor's display name only.
#[Object]
impl Revision {
    pub async fn id(&self) -> ID {
        global_id(IdKind::Revision, self.0.id)
    }

    async fn entity_type(&self) -> EntityType {
        self.kind()
    }

    /// The global ID of the changed entry (it may have been deleted since).
    async fn entity_id(&self) -> ID {
        global_id(self.kind(), self.0.entity_id)
    }

    async fn action(&self) -> RevisionAction {
        self.0.action
    }

    /// The editor's display name (or the loader's name for entries loaded in bulk).
    async fn author(&self) -> &str {
        &self.0.author_name
    }

    /// The editor's own account ID; null for the public and for bulk loads.
    async fn editor_id(&self, ctx: &Context<'_>) -> Option<ID> {
        caller(ctx).editor().and(self.0.editor_id).map(|id| global_id(EntityType::Editor, id))
    }

    /// The edit summary the editor gave, if any.
    async fn summary(&self) -> Option<&str> {
        self.0.summary.as_deref()
    }

    /// The entry's fields before the change (null for creations). References to other entries
    /// are row ids.
    async fn before(&self) -> Option<async_graphql::Json<Json>> {
        self.state(&self.0.before)
    }

    /// The entry's fields after the change (null for deletions).
    async fn after(&self) -> Option<async_graphql::Json<Json>> {
        self.state(&self.0.after)
    }

    /// The names of the fields whose values differ between `before` and `after`.
    async fn changed_fields(&self) -> Vec<String> {
        let empty = serde_json::Map::new();
        let object = |s: &Option<Json>| s.as_ref().and_then(Json::as_object).cloned().unwrap_or_else(|| empty.clone());
        let (before, after) = (object(&self.0.before), object(&self.0.after));
        let mut names: Vec<String> =
            before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect();
        names.sort();
        names.dedup();
        names
    }

    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.created_at
    }
}

/// A page of the history of one entry (or of everything), as the caller may see it.
///
/// Its work is boxed: async-graphql resolves each field of an object in a future as large as
/// the largest of the object's resolvers, and reading a page of revisions takes kilobytes of
/// future where every other field takes about a hundred bytes. Inline, `revisions` made every
/// field of every model, organization, capability and risk assessment allocate and copy those
/// kilobytes.
pub async fn history(
    ctx: &Context<'_>,
    at: super::When,
    entity: Option<(EntityType, i32)>,
    args: PageArgs,
) -> async_graphql::Result<CatalogConnection<Revision>> {
    Box::pin(async move {
        let (db, audience) = crate::graphql::reader(ctx, at);
        let page = revisions::page(&db, audience, entity, &args).await.gql()?;
        connect(ctx, page, revisions::count(&db, audience, entity), Revision).await
    })
    .await
}
