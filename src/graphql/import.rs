//! The editors' import queue: what the Epoch AI sync brought in, waiting for an editor to accept
//! or dismiss it. Editors only; nothing here is public.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::caller::Role;
use super::connection::{CatalogConnection, connect, page_args, page_cost};
use super::db;
use super::error::OrGraphqlError;
use super::node::global_id;
use super::types::Model;
use crate::domain::{EntityType, ImportCandidateKind, ImportCandidateStatus};
use crate::service::epoch_import::candidates::{self, CandidateRow};
use crate::service::{Audience, models};

#[derive(Default)]
pub struct ImportQuery;

#[Object]
impl ImportQuery {
    /// Editors only: the import queue, newest first; open candidates unless `status` says
    /// otherwise (null `status` lists every candidate).
    #[graphql(complexity = "page_cost(first, last, child_complexity)", guard = "Role::Editor")]
    #[allow(clippy::too_many_arguments)]
    async fn import_candidates(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "Some(ImportCandidateStatus::Open)")] status: Option<ImportCandidateStatus>,
        kind: Option<ImportCandidateKind>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CatalogConnection<ImportCandidate>> {
        let db = db(ctx);
        let page = candidates::queue(db, status, kind, &page_args(first, after, last, before)).await.gql()?;
        connect(ctx, page, candidates::queue_count(db, status, kind), ImportCandidate).await
    }
}

/// One proposed value of one field.
#[derive(SimpleObject)]
pub struct ImportChange {
    /// The field, as `updateModel`'s input names it (e.g. `trainingComputeFlop`).
    pub field: String,
    /// The model's value now (null for a new row).
    pub current: Json<serde_json::Value>,
    /// The source's value.
    pub proposed: Json<serde_json::Value>,
    /// The model's value is an editor's: it differs from what was last taken from the source.
    pub editor_changed: bool,
}

/// An entry of the import queue: a new row of Epoch AI's data (its draft model), or changed
/// figures of a published model. Only editors ever reach this type.
pub struct ImportCandidate(pub CandidateRow);

#[Object]
impl ImportCandidate {
    async fn id(&self) -> ID {
        global_id(EntityType::ImportCandidate, self.0.id)
    }

    async fn kind(&self) -> ImportCandidateKind {
        self.0.kind
    }

    async fn status(&self) -> ImportCandidateStatus {
        self.0.status
    }

    /// The draft (NEW_MODEL) or the published model the changes are for; its `version` is what
    /// `acceptImportCandidate` expects. Null once the model was deleted.
    async fn model(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Model>> {
        Ok(models::by_id(db(ctx), Audience::Editor, self.0.model_id).await.gql()?.map(Model::from))
    }

    /// What changes: for a new row, every field it sets.
    async fn changes(&self) -> Vec<ImportChange> {
        candidates::changes(&self.0)
            .into_iter()
            .map(|c| ImportChange {
                field: c.field,
                current: Json(c.current),
                proposed: Json(c.proposed),
                editor_changed: c.editor_changed,
            })
            .collect()
    }

    /// The source's row as it was read (Epoch's columns, in our names).
    async fn source_row(&self) -> Json<serde_json::Value> {
        Json(self.0.source_row.clone())
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the sync last changed it.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }

    /// The editor who accepted or dismissed it.
    async fn resolved_by(&self) -> Option<ID> {
        self.0.resolved_by.map(|id| global_id(EntityType::Editor, id))
    }
}
