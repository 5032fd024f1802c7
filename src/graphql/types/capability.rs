use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::{Model, load_list};
use crate::domain::{CapabilityCategory, CapabilityStatus, EntityType};
use crate::graphql::{connection::reverse_list_cost, loaders::ModelsWithCapability, node::global_id};
use crate::service::{capabilities::CapabilityRow, models::ModelRow, relations::ModelCapabilityRow};

#[derive(Clone)]
pub struct Capability {
    pub row: Arc<CapabilityRow>,
    pub at: super::When,
}

impl From<CapabilityRow> for Capability {
    fn from(row: CapabilityRow) -> Self {
        Capability { row: Arc::new(row), at: None }
    }
}

/// A row just written (a mutation's answer).
impl From<crate::entity::capability::Model> for Capability {
    fn from(row: crate::entity::capability::Model) -> Self {
        Capability::from(CapabilityRow::from(row))
    }
}

impl From<Arc<CapabilityRow>> for Capability {
    fn from(row: Arc<CapabilityRow>) -> Self {
        Capability { row, at: None }
    }
}

impl Capability {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        Capability { at, ..self }
    }
}

/// Something models can do, from few-shot learning to exploit writing.
#[Object]
impl Capability {
    pub async fn id(&self) -> ID {
        global_id(EntityType::Capability, self.row.id)
    }

    /// This entry's history, newest first (the public sees it once the entry is published).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &async_graphql::Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::CatalogConnection<super::Revision>> {
        let args = crate::service::PageArgs { first, after, last, before };
        super::history(ctx, self.at, Some((crate::domain::EntityType::Capability, self.row.id)), args).await
    }

    /// The fields of this entry whose public record differs between `since` and `until` (now
    /// when absent), each with its value at both instants. An entry created after `since` lists
    /// every field, with `before` null. A `since` after `until`, or either in the future, is
    /// BAD_USER_INPUT naming the argument.
    #[graphql(complexity = "super::changes_cost(child_complexity)")]
    async fn changes(
        &self,
        ctx: &async_graphql::Context<'_>,
        since: chrono::DateTime<chrono::Utc>,
        until: Option<chrono::DateTime<chrono::Utc>>,
    ) -> async_graphql::Result<Vec<super::FieldChange>> {
        super::changes(ctx, crate::domain::EntityType::Capability, self.row.id, since, until).await
    }

    async fn slug(&self) -> &str {
        &self.row.slug
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    async fn category(&self) -> CapabilityCategory {
        self.row.category
    }

    /// Markdown.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        crate::graphql::budget::charge_text(ctx, &self.row.description)?;
        Ok(&self.row.description)
    }

    /// The models that show this capability or are expected to at scale, newest first: the
    /// newest 100 (all of them are a `models` page filtered by `capabilities`).
    #[graphql(complexity = "reverse_list_cost(child_complexity)")]
    async fn models(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ModelCapability>> {
        let links = load_list(ctx, self.at, ModelsWithCapability(self.row.id)).await?;
        Ok(links
            .into_iter()
            .map(|(link, model)| ModelCapability { link, capability: self.row.clone(), model, at: self.at })
            .collect())
    }

    async fn version(&self) -> i32 {
        self.row.version
    }
}

#[derive(Clone)]
pub struct ModelCapability {
    pub link: Arc<ModelCapabilityRow>,
    pub capability: Arc<CapabilityRow>,
    pub model: Arc<ModelRow>,
    pub at: super::When,
}

/// A model's link to a capability: shown now, or expected of a 2-10x scaled successor.
#[Object]
impl ModelCapability {
    async fn status(&self) -> CapabilityStatus {
        self.link.status
    }

    /// What shows the capability (for DEMONSTRATED) or why it is expected (for EXTRAPOLATED).
    async fn evidence(&self) -> Option<&str> {
        self.link.evidence.as_deref()
    }

    async fn source_url(&self) -> Option<&str> {
        self.link.source_url.as_deref()
    }

    async fn capability(&self) -> Capability {
        Capability::from(self.capability.clone()).when(self.at)
    }

    async fn model(&self) -> Model {
        Model::from(self.model.clone()).when(self.at)
    }
}
