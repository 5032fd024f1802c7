use crate::graphql::connection::{CatalogConnection, connect};
use crate::graphql::error::OrGraphqlError;
use crate::service::{PageArgs, history as record, revisions};
use async_graphql::{Context, ID, Object, SimpleObject};
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
        record::changed_fields(self.0.before.as_ref(), self.0.after.as_ref())
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

/// One field of an entry whose value differs between two instants (see `changes`). References
/// to other entries are row ids, as in a revision's `before` and `after`.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The field's name in the entry's record.
    pub field: String,
    /// Its value at the start; null when the entry had no public record then, or no such field.
    pub before: Option<async_graphql::Json<Json>>,
    /// Its value at the end; null when the entry has no public record then, or no such field.
    pub after: Option<async_graphql::Json<Json>>,
}

/// What one `changes` field costs against the complexity limit: two instants to resolve and two
/// records to read, plus its items (a record has fewer than [`MOST_FIELDS`] fields).
pub fn changes_cost(child: usize) -> usize {
    crate::graphql::connection::items_cost(MOST_FIELDS, child).saturating_add(1_000)
}

/// More fields than any entry's record holds.
const MOST_FIELDS: usize = 64;

/// The fields of entry `id` of `kind` whose public record differs between `since` and `until`
/// (now when absent), counted against the operation's row limit. Boxed, as `history` is.
pub async fn changes(
    ctx: &Context<'_>,
    kind: EntityType,
    id: i32,
    since: chrono::DateTime<chrono::Utc>,
    until: Option<chrono::DateTime<chrono::Utc>>,
) -> async_graphql::Result<Vec<FieldChange>> {
    Box::pin(async move {
        let list = record::changes(crate::graphql::db(ctx), kind, id, since, until).await.gql()?;
        crate::graphql::budget::charge_rows(ctx, list.len())?;
        Ok(list
            .into_iter()
            .map(|c| FieldChange {
                field: c.field,
                before: c.before.map(async_graphql::Json),
                after: c.after.map(async_graphql::Json),
            })
            .collect())
    })
    .await
}
