use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::{Model, load_list};
use crate::domain::{EntityType, SizeUnit};
use crate::graphql::{connection::reverse_list_cost, loaders::ModelsOfDataset, node::global_id};
use crate::service::datasets::DatasetRow;

#[derive(Clone)]
pub struct Dataset {
    pub row: Arc<DatasetRow>,
    pub at: super::When,
}

impl From<DatasetRow> for Dataset {
    fn from(row: DatasetRow) -> Self {
        Dataset { row: Arc::new(row), at: None }
    }
}

impl From<Arc<DatasetRow>> for Dataset {
    fn from(row: Arc<DatasetRow>) -> Self {
        Dataset { row, at: None }
    }
}

impl Dataset {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        Dataset { at, ..self }
    }
}

/// A training dataset that models share (Common Crawl, The Pile, LAION-5B, ...).
#[Object]
impl Dataset {
    pub async fn id(&self) -> ID {
        global_id(EntityType::Dataset, self.row.id)
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
        super::history(ctx, self.at, Some((crate::domain::EntityType::Dataset, self.row.id)), args).await
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
        super::changes(ctx, crate::domain::EntityType::Dataset, self.row.id, since, until).await
    }

    async fn slug(&self) -> &str {
        &self.row.slug
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Markdown.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        crate::graphql::budget::charge_text(ctx, self.row.description.as_deref().unwrap_or_default())?;
        Ok(self.row.description.as_deref())
    }

    /// Size in `sizeUnit`s.
    async fn size(&self) -> Option<f64> {
        self.row.size
    }

    async fn size_unit(&self) -> Option<SizeUnit> {
        self.row.size_unit
    }

    async fn url(&self) -> Option<&str> {
        self.row.url.as_deref()
    }

    /// The models trained on this dataset, newest first: the newest 100.
    #[graphql(complexity = "reverse_list_cost(child_complexity)")]
    async fn models(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Model>> {
        let rows = load_list(ctx, self.at, ModelsOfDataset(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| Model::from(r).when(self.at)).collect())
    }

    async fn version(&self) -> i32 {
        self.row.version
    }
}
