//! Filter inputs: the GraphQL side of `service::filter`. Each converts into the service's plain
//! struct; validation (ranges, depth, list lengths) happens there, naming the argument path.
//! Each also says how many conditions it holds, which the complexity limit charges for.

mod catalog;
mod json;

pub use catalog::{
    CapabilityFilterInput, ModelFilterInput, OrganizationFilterInput, PredictionFilterInput, RiskAssessmentFilterInput,
};
pub use json::model_filter_from_json;

use async_graphql::{InputObject, InputType};

use super::scalars::Date;
use crate::domain::{
    Access, CapabilityCategory, CapabilityStatus, Confidence, DatePrecision, Likelihood, MitEntity, MitIntent,
    MitSubdomain, MitTiming, Modality, OrganizationKind, RiskCategory, RiskCause, RiskHorizon, Severity, Vocabulary,
};
use crate::service::filter::{Comparison, EnumFilter, ModalityFilter, TextFilter};

/// Complexity points a filter adds per condition it holds (each may be a sub-query).
pub const COST_PER_CONDITION: usize = 200;

/// How many conditions a filter input holds.
pub trait Conditions {
    fn conditions(&self) -> usize;
}

impl<T: Conditions> Conditions for Option<T> {
    fn conditions(&self) -> usize {
        self.as_ref().map_or(0, T::conditions)
    }
}

impl<T: Conditions> Conditions for Vec<T> {
    fn conditions(&self) -> usize {
        self.iter().map(T::conditions).sum()
    }
}

impl<T: Conditions> Conditions for Box<T> {
    fn conditions(&self) -> usize {
        T::conditions(self)
    }
}

/// The complexity a filter argument adds to its field.
pub fn filter_cost(filter: &impl Conditions) -> usize {
    filter.conditions().saturating_mul(COST_PER_CONDITION)
}

fn count<T>(fields: &[&Option<T>]) -> usize {
    fields.iter().filter(|f| f.is_some()).count()
}

/// Comparisons on a number. A model without the value matches none of them (nor their `not`),
/// only `isNull: true`.
#[derive(InputObject, Default)]
pub struct FloatFilter {
    pub eq: Option<f64>,
    pub ne: Option<f64>,
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
    /// At most 100 values.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<f64>>,
    pub is_null: Option<bool>,
}

impl From<FloatFilter> for Comparison<f64> {
    fn from(f: FloatFilter) -> Self {
        Comparison {
            eq: f.eq,
            ne: f.ne,
            gt: f.gt,
            gte: f.gte,
            lt: f.lt,
            lte: f.lte,
            in_list: f.in_list,
            is_null: f.is_null,
        }
    }
}

impl Conditions for FloatFilter {
    fn conditions(&self) -> usize {
        count(&[&self.eq, &self.ne, &self.gt, &self.gte, &self.lt, &self.lte])
            + count(&[&self.in_list])
            + count(&[&self.is_null])
    }
}

/// Comparisons on a date.
#[derive(InputObject, Default)]
pub struct DateFilter {
    pub eq: Option<Date>,
    pub ne: Option<Date>,
    pub gt: Option<Date>,
    pub gte: Option<Date>,
    pub lt: Option<Date>,
    pub lte: Option<Date>,
    /// At most 100 values.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<Date>>,
    pub is_null: Option<bool>,
}

impl From<DateFilter> for Comparison<chrono::NaiveDate> {
    fn from(f: DateFilter) -> Self {
        let d = |v: Option<Date>| v.map(|d| d.0);
        Comparison {
            eq: d(f.eq),
            ne: d(f.ne),
            gt: d(f.gt),
            gte: d(f.gte),
            lt: d(f.lt),
            lte: d(f.lte),
            in_list: f.in_list.map(|l| l.into_iter().map(|d| d.0).collect()),
            is_null: f.is_null,
        }
    }
}

impl Conditions for DateFilter {
    fn conditions(&self) -> usize {
        count(&[&self.eq, &self.ne, &self.gt, &self.gte, &self.lt, &self.lte])
            + count(&[&self.in_list])
            + count(&[&self.is_null])
    }
}

/// Case-insensitive text matches (ASCII case; names also fold Unicode case). Each text (`eq`,
/// every `in` value, `contains`, `startsWith`) is at most 1,000 characters, without NUL.
#[derive(InputObject, Default)]
pub struct StringFilter {
    pub eq: Option<String>,
    /// At most 100 values.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
}

impl From<StringFilter> for TextFilter {
    fn from(f: StringFilter) -> Self {
        TextFilter { eq: f.eq, in_list: f.in_list, contains: f.contains, starts_with: f.starts_with }
    }
}

impl Conditions for StringFilter {
    fn conditions(&self) -> usize {
        count(&[&self.eq, &self.contains, &self.starts_with]) + count(&[&self.in_list])
    }
}

/// Matches on a closed vocabulary.
#[derive(InputObject)]
#[graphql(concrete(name = "AccessFilter", params(Access)))]
#[graphql(concrete(name = "ConfidenceFilter", params(Confidence)))]
#[graphql(concrete(name = "DatePrecisionFilter", params(DatePrecision)))]
#[graphql(concrete(name = "OrganizationKindFilter", params(OrganizationKind)))]
#[graphql(concrete(name = "CapabilityCategoryFilter", params(CapabilityCategory)))]
#[graphql(concrete(name = "CapabilityStatusFilter", params(CapabilityStatus)))]
#[graphql(concrete(name = "RiskHorizonFilter", params(RiskHorizon)))]
#[graphql(concrete(name = "RiskCauseFilter", params(RiskCause)))]
#[graphql(concrete(name = "RiskCategoryFilter", params(RiskCategory)))]
#[graphql(concrete(name = "SeverityFilter", params(Severity)))]
#[graphql(concrete(name = "LikelihoodFilter", params(Likelihood)))]
#[graphql(concrete(name = "MitSubdomainFilter", params(MitSubdomain)))]
#[graphql(concrete(name = "MitEntityFilter", params(MitEntity)))]
#[graphql(concrete(name = "MitIntentFilter", params(MitIntent)))]
#[graphql(concrete(name = "MitTimingFilter", params(MitTiming)))]
pub struct VocabularyFilter<T: InputType + Vocabulary> {
    pub eq: Option<T>,
    /// At most 100 values.
    #[graphql(name = "in")]
    pub in_list: Option<Vec<T>>,
}

impl<T: InputType + Vocabulary> From<VocabularyFilter<T>> for EnumFilter<T> {
    fn from(f: VocabularyFilter<T>) -> Self {
        EnumFilter { eq: f.eq, in_list: f.in_list }
    }
}

impl<T: InputType + Vocabulary> Conditions for VocabularyFilter<T> {
    fn conditions(&self) -> usize {
        count(&[&self.eq]) + count(&[&self.in_list])
    }
}

/// Which modalities a model takes in (or gives out).
#[derive(InputObject, Default)]
pub struct ModalitiesFilter {
    /// The model has at least one of these.
    pub any_of: Option<Vec<Modality>>,
    /// The model has every one of these.
    pub all_of: Option<Vec<Modality>>,
}

impl From<ModalitiesFilter> for ModalityFilter {
    fn from(f: ModalitiesFilter) -> Self {
        ModalityFilter { any_of: f.any_of, all_of: f.all_of }
    }
}

impl Conditions for ModalitiesFilter {
    fn conditions(&self) -> usize {
        count(&[&self.any_of]) + self.all_of.as_ref().map_or(0, |l| l.len())
    }
}

/// Converts an optional filter input into its service form.
pub(crate) fn conv<A: Into<B>, B>(value: Option<A>) -> Option<B> {
    value.map(Into::into)
}
