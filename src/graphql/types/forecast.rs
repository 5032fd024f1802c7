use async_graphql::{Object, SimpleObject};

use super::{Organization, When};
use crate::domain::PredictionKind;
use crate::service::predictions::{self, ForecastGroup as GroupRow, ForecastRecord as RecordRow};

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// How a set of predictions stands. The statuses split `recorded`: it equals `open` +
/// `confirmed` + `partly` + `refuted` + `unresolvable` + `withdrawn` (the outcomes count the
/// resolved predictions that are not withdrawn). Hindsight predictions are in every count and
/// also counted in `hindsight`; they are never scored.
#[derive(SimpleObject)]
pub struct ForecastCounts {
    /// Every prediction in the set.
    pub recorded: i32,
    pub open: i32,
    pub confirmed: i32,
    pub partly: i32,
    pub refuted: i32,
    pub unresolvable: i32,
    pub withdrawn: i32,
    /// Those recorded on or after the start of their successor's announced day.
    pub hindsight: i32,
    /// (confirmed + ½·partly) / (confirmed + partly + refuted), over the resolved predictions
    /// that are neither withdrawn nor hindsight; null when there are none.
    pub hit_rate: Option<f64>,
}

impl From<predictions::ForecastCounts> for ForecastCounts {
    fn from(c: predictions::ForecastCounts) -> Self {
        ForecastCounts {
            recorded: int(c.recorded),
            open: int(c.open),
            confirmed: int(c.confirmed),
            partly: int(c.partly),
            refuted: int(c.refuted),
            unresolvable: int(c.unresolvable),
            withdrawn: int(c.withdrawn),
            hindsight: int(c.hindsight),
            hit_rate: c.hit_rate(),
        }
    }
}

pub struct ForecastGroup(pub GroupRow, pub When);

/// One group of the record: the values of the groupings asked for (null for the others, and
/// for predictions without a value there, e.g. a model with no organization).
#[Object]
impl ForecastGroup {
    /// The UTC year in which the predictions were recorded.
    async fn year_recorded(&self) -> Option<i32> {
        self.0.year_recorded
    }

    /// The subject model's lead organization (the first it lists).
    async fn organization(&self) -> Option<Organization> {
        self.0.organization.clone().map(|o| Organization::from(o).when(self.1))
    }

    async fn kind(&self) -> Option<PredictionKind> {
        self.0.kind
    }

    async fn counts(&self) -> ForecastCounts {
        self.0.counts.into()
    }
}

pub struct ForecastRecord(pub RecordRow, pub When);

/// The forecast record: the counts and hit rate of the predictions a filter keeps, in total and
/// by group.
#[Object]
impl ForecastRecord {
    async fn total(&self) -> ForecastCounts {
        self.0.total.into()
    }

    /// One per combination of the `groupBy` values that has predictions, by year, then by
    /// organization name, then by kind (nulls last); none without `groupBy`.
    async fn groups(&self) -> Vec<ForecastGroup> {
        self.0.groups.iter().cloned().map(|g| ForecastGroup(g, self.1)).collect()
    }
}
