use std::sync::Arc;

use async_graphql::{Context, ID, Object};

use super::{Model, decode, load_list};
use crate::domain::{CountryCode, EntityType, OrganizationKind};
use crate::graphql::{connection::reverse_list_cost, loaders::ModelsOfOrganization, node::global_id};
use crate::service::organizations::OrganizationRow;

#[derive(Clone)]
pub struct Organization {
    pub row: Arc<OrganizationRow>,
    pub at: super::When,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Self {
        Organization { row: Arc::new(row), at: None }
    }
}

/// A row just written (a mutation's answer).
impl From<crate::entity::organization::Model> for Organization {
    fn from(row: crate::entity::organization::Model) -> Self {
        Organization::from(OrganizationRow::from(row))
    }
}

impl From<Arc<OrganizationRow>> for Organization {
    fn from(row: Arc<OrganizationRow>) -> Self {
        Organization { row, at: None }
    }
}

impl Organization {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        Organization { at, ..self }
    }
}

/// A company, lab, university, government body or collaboration that builds models.
#[Object]
impl Organization {
    pub async fn id(&self) -> ID {
        global_id(EntityType::Organization, self.row.id)
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
        super::history(ctx, self.at, Some((crate::domain::EntityType::Organization, self.row.id)), args).await
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
        super::changes(ctx, crate::domain::EntityType::Organization, self.row.id, since, until).await
    }

    async fn slug(&self) -> &str {
        &self.row.slug
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    async fn kind(&self) -> OrganizationKind {
        self.row.kind
    }

    /// ISO 3166-1 alpha-2 code of the country the organization is based in.
    async fn country(&self) -> async_graphql::Result<String> {
        decode("country", &self.row.country, |c| CountryCode::parse(c).ok()).map(|c| c.as_str().to_owned())
    }

    async fn website(&self) -> Option<&str> {
        self.row.website.as_deref()
    }

    /// Markdown.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        crate::graphql::budget::charge_text(ctx, self.row.description.as_deref().unwrap_or_default())?;
        Ok(self.row.description.as_deref())
    }

    /// The organization's models, newest first: the newest 100 (all of them are a `models`
    /// page filtered by `organizations`).
    #[graphql(complexity = "reverse_list_cost(child_complexity)")]
    async fn models(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Model>> {
        let rows = load_list(ctx, self.at, ModelsOfOrganization(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| Model::from(r).when(self.at)).collect())
    }

    /// Increases with every change; updates name the version they last saw.
    async fn version(&self) -> i32 {
        self.row.version
    }

    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.created_at
    }

    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.updated_at
    }
}
