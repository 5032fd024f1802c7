use async_graphql::{Object, SimpleObject};

use super::Model;
use crate::domain::ThresholdStatusValue;
use crate::graphql::scalars::Date;
use crate::service::thresholds::{self, Crossings, ThresholdRow};

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

    /// Whether compute spent fine-tuning a model counts towards this threshold, as the text
    /// that `sourceUrl` cites says; false unless such a text says so.
    async fn counts_finetune_compute(&self) -> bool {
        self.0.counts_finetune
    }

    /// Whether compute spent post-training a model (e.g. reinforcement learning after
    /// pre-training) counts towards this threshold; false unless the cited text says so.
    async fn counts_post_training_compute(&self) -> bool {
        self.0.counts_post_training
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
        super::history(ctx, None, Some((crate::domain::EntityType::ComputeThreshold, self.0.id)), args).await
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
        super::changes(ctx, crate::domain::EntityType::ComputeThreshold, self.0.id, since, until).await
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

/// Where a model stands against one compute threshold.
///
/// The counted figure is `trainingComputeFlop`, plus `finetuneComputeFlop` when the threshold
/// counts fine-tuning, plus `postTrainingComputeFlop` when it counts post-training; a part is
/// added only when the catalog knows it (an unknown part adds nothing). The interval's bounds
/// move by the same added parts. A model with an estimate but no interval has unknown bounds,
/// so it is LIKELY_ABOVE or LIKELY_BELOW, never ABOVE or BELOW. Epoch's training compute of a
/// fine-tuned model may already include the fine-tuning; the threshold flags are set only from
/// the legal text a threshold cites, and are false until then.
pub struct ThresholdStatus(pub thresholds::ThresholdStatus);

#[Object]
impl ThresholdStatus {
    async fn threshold(&self) -> ComputeThreshold {
        ComputeThreshold(self.0.threshold.clone())
    }

    /// The compute this threshold counts for the model, in FLOP; null without an estimate.
    async fn counted_flop(&self) -> Option<f64> {
        self.0.counted
    }

    /// The lower bound of the counted figure's 90% interval; null when the model has none.
    async fn counted_flop_low(&self) -> Option<f64> {
        self.0.counted_low
    }

    /// The upper bound of the counted figure's 90% interval; null when the model has none.
    async fn counted_flop_high(&self) -> Option<f64> {
        self.0.counted_high
    }

    async fn status(&self) -> ThresholdStatusValue {
        self.0.standing
    }
}
