use async_graphql::{Context, Enum, ID, Object};
use tokio::sync::OwnedSemaphorePermit;

use super::{ComputeThreshold, Model, load};
use crate::domain::ThresholdStatusValue;
use crate::graphql::live::LiveSocket;
use crate::graphql::loaders::{AllThresholds, ModelById, RequestLoader, forget_cached};
use crate::graphql::node::{IdKind, global_id};
use crate::service::{crossings::Crossing, thresholds};

/// Which way a model crossed a threshold.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CrossingDirection {
    /// From below the line (or from outside the public catalog) to at or above it.
    Up,
    /// From at or above the line to below it (or out of the public catalog).
    Down,
}

/// A committed change that moved a published model from below a compute threshold to at or
/// above it, or back: a new published model, a revised compute figure, a publication or a
/// withdrawal, or a change of the threshold's FLOP or of what it counts. Derived from the
/// revision log. No `id` of its own: it is the revision's (`revisionId`) for this model and
/// threshold.
pub struct ThresholdCrossing {
    pub crossing: Crossing,
    /// A subscription event's turn to be resolved (see `Live::turn`).
    pub(crate) turn: Option<OwnedSemaphorePermit>,
}

impl From<Crossing> for ThresholdCrossing {
    fn from(crossing: Crossing) -> Self {
        ThresholdCrossing { crossing, turn: None }
    }
}

#[Object]
impl ThresholdCrossing {
    /// The model as it stands now; null once it is deleted or withdrawn (for the public).
    async fn model(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Model>> {
        if ctx.data_opt::<LiveSocket>().is_some() {
            // A socket's loader lives as long as the connection: read the model afresh.
            forget_cached(ctx.data_unchecked::<RequestLoader>());
        }
        Ok(load(ctx, None, ModelById(self.crossing.model_id)).await?.flatten().map(Model::from))
    }

    /// The model's name as the change left it (as it was, when it was withdrawn).
    async fn model_name(&self) -> &str {
        &self.crossing.model_name
    }

    /// The threshold as it stands now; null once it is deleted. `before` and `after` hold the
    /// line as it stood.
    async fn threshold(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ComputeThreshold>> {
        let all = load(ctx, None, AllThresholds).await?.unwrap_or_default();
        Ok(all.into_iter().find(|t| t.id == self.crossing.threshold_id).map(ComputeThreshold))
    }

    async fn direction(&self) -> CrossingDirection {
        if self.crossing.upward() { CrossingDirection::Up } else { CrossingDirection::Down }
    }

    /// Where the model stood before the change; null when it was not in the public catalog
    /// (a draft, or not yet created).
    async fn before(&self) -> Option<ThresholdStanding<'_>> {
        self.crossing.before.as_ref().map(ThresholdStanding)
    }

    /// Where the model stands after the change; null once it left the public catalog.
    async fn after(&self) -> Option<ThresholdStanding<'_>> {
        self.crossing.after.as_ref().map(ThresholdStanding)
    }

    /// The global ID of the revision that made the change (fetch it with `node`).
    async fn revision_id(&self) -> ID {
        global_id(IdKind::Revision, self.crossing.revision_id)
    }

    /// When the change was recorded.
    async fn at(&self) -> chrono::DateTime<chrono::Utc> {
        self.crossing.at
    }
}

/// A model's standing against a threshold on one side of a crossing: the counted figure (see
/// `ThresholdStatus`) and the line as they were then.
pub struct ThresholdStanding<'a>(&'a thresholds::ThresholdStatus);

#[Object]
impl ThresholdStanding<'_> {
    /// The threshold's FLOP as it stood.
    async fn threshold_flop(&self) -> f64 {
        self.0.threshold.flop
    }

    /// The compute the threshold counted for the model, in FLOP; null without an estimate.
    async fn counted_flop(&self) -> Option<f64> {
        self.0.counted
    }

    async fn status(&self) -> ThresholdStatusValue {
        self.0.standing
    }

    /// Whether `countedFlop` is at or above `thresholdFlop`: the side a crossing changes.
    async fn at_or_above(&self) -> bool {
        self.0.counted.is_some_and(|c| c >= self.0.threshold.flop)
    }
}
