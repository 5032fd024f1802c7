//! `search`: one box across models, organizations and capabilities.

use async_graphql::{Context, Object, Union};

use super::caller::audience;
use super::db;
use super::error::OrGraphqlError;
use super::types::{Capability, Model, Organization};
use crate::service::search::{self, Hit};

#[derive(Default)]
pub struct SearchQuery;

/// What a search costs before its results: three scans with LIKE.
pub const SEARCH_COST: usize = 3_000;

/// A search result.
#[derive(Union)]
#[allow(clippy::large_enum_variant)] // short-lived, and at most 50 of them
pub enum SearchResult {
    Model(Model),
    Organization(Organization),
    Capability(Capability),
}

fn search_cost(first: Option<i32>, child: usize) -> usize {
    let results = first.unwrap_or(search::DEFAULT_RESULTS).clamp(1, search::MAX_RESULTS) as usize;
    SEARCH_COST + super::connection::items_cost(results, child)
}

#[Object]
impl SearchQuery {
    /// Models (by name, alias or description), organizations and capabilities (by name or
    /// description) matching `text` (1-100 characters without NUL, case-insensitive), best first: exact
    /// name, then name prefix, alias, name elsewhere, description; ties by name. `first`: 1-50,
    /// default 10.
    #[graphql(complexity = "search_cost(first, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        text: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<SearchResult>> {
        let hits = search::search(db(ctx), audience(ctx), &text, first).await.gql()?;
        Ok(hits
            .into_iter()
            .map(|hit| match hit {
                Hit::Model(m) => SearchResult::Model(m.into()),
                Hit::Organization(o) => SearchResult::Organization(o.into()),
                Hit::Capability(c) => SearchResult::Capability(c.into()),
            })
            .collect())
    }
}
