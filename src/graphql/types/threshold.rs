use async_graphql::{Object, SimpleObject};

use super::Model;
use crate::graphql::scalars::Date;
use crate::service::thresholds::{Crossings, ThresholdRow};

#[derive(Clone)]
pub struct ComputeThreshold(pub ThresholdRow);

/// A named line in training compute that policy or research draws, e.g. the EU AI Act's 1e25
/// FLOP presumption of systemic risk. A model crosses it when its training compute is at or
/// above `flop`.
#[Object]
impl ComputeThreshold {
    pub async fn id(&self) -> async_graphql::ID {
        crate::graphql::node::global_id(crate::domain::EntityType::ComputeThreshold, self.0.id)
    }

    async fn slug(&self) -> &str {
        &self.0.slug
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Training compute in FLOP.
    async fn flop(&self) -> f64 {
        self.0.flop
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    async fn source_url(&self) -> Option<&str> {
        self.0.source_url.as_deref()
    }

    /// Increases with every change; updates name the version they last saw.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// This threshold's history, newest first.
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
        super::history(ctx, Some((crate::domain::EntityType::ComputeThreshold, self.0.id)), args).await
    }
}

impl From<ThresholdRow> for ComputeThreshold {
    fn from(row: ThresholdRow) -> Self {
        ComputeThreshold(row)
    }
}

/// How many models crossed a threshold in a year.
#[derive(SimpleObject)]
pub struct YearCount {
    pub year: i32,
    pub count: i32,
}

pub struct ThresholdCrossings(pub Crossings);

/// When the catalog's models first reached a threshold, and how many did each year since.
#[Object]
impl ThresholdCrossings {
    async fn threshold(&self) -> ComputeThreshold {
        ComputeThreshold(self.0.threshold.clone())
    }

    /// The earliest announced model at or above the threshold; null when none is.
    async fn first_model(&self) -> Option<Model> {
        self.0.first.clone().map(Model::from)
    }

    /// When `firstModel` was announced.
    async fn first_crossed_on(&self) -> Option<Date> {
        self.0.first.as_ref().and_then(|m| m.announced_on).map(Date)
    }

    /// Every year from the first crossing to this year (or the last crossing, if later), with
    /// the number of models announced at or above the threshold in it.
    async fn per_year(&self) -> Vec<YearCount> {
        self.0.per_year.iter().map(|(year, count)| YearCount { year: *year, count: *count as i32 }).collect()
    }

    /// Models at or above the threshold, in all.
    async fn total(&self) -> i32 {
        self.0.total as i32
    }
}
