//! The analysts' queries: grouped statistics, the scaling-trend fit, projections along it and
//! the frontier of the largest models on a date.

use async_graphql::{Context, Object, SimpleObject};

use super::caller::audience;
use super::error::OrGraphqlError;
use super::filters::{ModelFilterInput, RiskAssessmentFilterInput, filter_cost};
use super::scalars::Date;
use super::types::{ComputeThreshold, Model, Organization, ThresholdCrossings, When};
use super::{db, reader, when};
use crate::domain::{
    Access, MitEntity, MitIntent, MitSubdomain, MitTiming, Modality, RiskCategory, RiskCause, RiskHorizon,
    RiskStatisticsDimension, Severity, StatisticsDimension, TrendMetric,
};
use crate::service::{
    ServiceError,
    filter::{ModelFilter, RiskAssessmentFilter},
    page::MAX_PAGE_SIZE,
    risk_statistics::{self, RiskGroup, RiskGroupKey},
    statistics::{self, Group, Spread},
    thresholds,
    trend::{self, Projection, Trend},
};
use chrono::{DateTime, Utc};

/// What one statistic, trend or projection costs against the complexity limit (of 100,000 by
/// default): each reads every model its filter keeps.
pub const ANALYSIS_COST: usize = 10_000;

#[derive(Default)]
pub struct AnalysisQuery;

/// Min, max, median and geometric mean of a quantity over a group's models that have it.
#[derive(SimpleObject)]
pub struct Distribution {
    pub min: f64,
    pub max: f64,
    pub median: f64,
    /// Over the values above zero; null when there are none.
    pub geometric_mean: Option<f64>,
}

impl From<Spread> for Distribution {
    fn from(s: Spread) -> Self {
        Distribution { min: s.min, max: s.max, median: s.median, geometric_mean: s.geometric_mean }
    }
}

pub struct StatisticsKey(statistics::GroupKey, When);

/// A group's key: each grouped dimension's value, null for models without one (and for
/// dimensions not grouped by).
#[Object]
impl StatisticsKey {
    async fn year(&self) -> Option<i32> {
        self.0.year
    }

    async fn organization(&self) -> Option<Organization> {
        self.0.organization.clone().map(|row| Organization::from(row).when(self.1))
    }

    /// ISO 3166-1 alpha-2.
    async fn country(&self) -> Option<&str> {
        self.0.country.as_deref()
    }

    async fn input_modality(&self) -> Option<Modality> {
        self.0.input_modality
    }

    async fn output_modality(&self) -> Option<Modality> {
        self.0.output_modality
    }

    async fn access(&self) -> Option<Access> {
        self.0.access
    }
}

pub struct StatisticsGroup(Group, When);

/// Statistics of one group of models.
#[Object]
impl StatisticsGroup {
    async fn key(&self) -> StatisticsKey {
        StatisticsKey(self.0.key.clone(), self.1)
    }

    /// How many models the group holds.
    async fn count(&self) -> i32 {
        self.0.count as i32
    }

    /// How many of them have a parameter count.
    async fn with_parameters(&self) -> i32 {
        self.0.with_parameters as i32
    }

    /// How many of them have a training compute figure.
    async fn with_training_compute(&self) -> i32 {
        self.0.with_compute as i32
    }

    async fn parameters(&self) -> Option<Distribution> {
        self.0.parameters.clone().map(Distribution::from)
    }

    /// In FLOP.
    async fn training_compute_flop(&self) -> Option<Distribution> {
        self.0.compute.clone().map(Distribution::from)
    }

    async fn first_announced_on(&self) -> Option<Date> {
        self.0.first_announced.map(Date)
    }

    async fn last_announced_on(&self) -> Option<Date> {
        self.0.last_announced.map(Date)
    }
}

/// A risk statistics group's key: each grouped dimension's value, null for assessments without
/// one (and for dimensions not grouped by).
#[derive(SimpleObject)]
pub struct RiskStatisticsKey {
    pub horizon: Option<RiskHorizon>,
    pub cause: Option<RiskCause>,
    pub category: Option<RiskCategory>,
    pub severity: Option<Severity>,
    pub mit_subdomain: Option<MitSubdomain>,
    pub mit_entity: Option<MitEntity>,
    pub mit_intent: Option<MitIntent>,
    pub mit_timing: Option<MitTiming>,
}

/// How many risk assessments one group holds, and how many models they assess.
#[derive(SimpleObject)]
pub struct RiskStatisticsGroup {
    pub key: RiskStatisticsKey,
    pub count: i32,
    /// Distinct models among the group's assessments.
    pub model_count: i32,
}

impl From<RiskGroup> for RiskStatisticsGroup {
    fn from(g: RiskGroup) -> Self {
        let RiskGroupKey { horizon, cause, category, severity, mit_subdomain, mit_entity, mit_intent, mit_timing } =
            g.key;
        RiskStatisticsGroup {
            key: RiskStatisticsKey {
                horizon,
                cause,
                category,
                severity,
                mit_subdomain,
                mit_entity,
                mit_intent,
                mit_timing,
            },
            count: i32::try_from(g.count).unwrap_or(i32::MAX),
            model_count: i32::try_from(g.models).unwrap_or(i32::MAX),
        }
    }
}

/// An interval of numbers, both ends included.
#[derive(SimpleObject)]
pub struct FloatInterval {
    pub low: f64,
    pub high: f64,
}

/// An interval of dates, both ends included.
#[derive(SimpleObject)]
pub struct DateInterval {
    pub earliest: Date,
    pub latest: Date,
}

pub struct TrendFit {
    metric: TrendMetric,
    trend: Trend,
}

/// A least-squares fit of log10(metric) against the announced date, in years (of 365.25
/// days), over the models that have both (values above zero).
///
/// `slopeLog10PerYear` is the fitted slope b; `growthFactorPerYear` is 10^b and
/// `doublingTimeMonths` 12·log10(2)/b (null unless the metric grows). `rSquared` is the share
/// of the variance of log10(metric) the line explains. The 90% interval of the growth factor is
/// 10^(b ± t·SE(b)), with SE(b) = s/√Sxx from the residual standard deviation s and Student's t
/// at 0.95 on n − 2 degrees of freedom (the t quantile is computed in the service, from the
/// regularized incomplete beta function). With fewer than 3 models, or all on one date, every
/// fitted figure is null and `reason` says why.
#[Object(name = "Trend")]
impl TrendFit {
    async fn metric(&self) -> TrendMetric {
        self.metric
    }

    /// How many models the fit is over.
    async fn n(&self) -> i32 {
        self.trend.n as i32
    }

    async fn slope_log10_per_year(&self) -> Option<f64> {
        self.trend.slope()
    }

    async fn growth_factor_per_year(&self) -> Option<f64> {
        self.trend.growth_factor()
    }

    async fn doubling_time_months(&self) -> Option<f64> {
        self.trend.doubling_time_months()
    }

    async fn r_squared(&self) -> Option<f64> {
        self.trend.fit.as_ref().ok().and_then(|f| f.r_squared)
    }

    /// The 90% confidence interval of `growthFactorPerYear`.
    async fn growth_factor_interval_90(&self) -> Option<FloatInterval> {
        self.trend.growth_factor_interval().map(|(low, high)| FloatInterval { low, high })
    }

    /// The earliest announced date among the models fitted.
    async fn first_date(&self) -> Option<Date> {
        self.trend.first.map(Date)
    }

    async fn last_date(&self) -> Option<Date> {
        self.trend.last.map(Date)
    }

    /// The fitted metric on `firstDate` (for drawing the line).
    async fn fitted_at_first_date(&self) -> Option<f64> {
        self.trend.fitted_at(self.trend.first)
    }

    /// The fitted metric on `lastDate`.
    async fn fitted_at_last_date(&self) -> Option<f64> {
        self.trend.fitted_at(self.trend.last)
    }

    /// Why there is no fit, when there is none.
    async fn reason(&self) -> Option<&str> {
        self.trend.reason()
    }
}

/// A point on the fitted trend: the date it reaches a value, or the value it reaches on a date,
/// with the interval implied by the fit's 90% confidence band (of the fitted line, not of single
/// models). Null figures come with a `reason`.
#[derive(SimpleObject)]
pub struct TrendProjection {
    pub date: Option<Date>,
    pub value: Option<f64>,
    /// When the question was a value: the dates between which the band reaches it.
    pub date_interval_90: Option<DateInterval>,
    /// When the question was a date: the band's values on it.
    pub value_interval_90: Option<FloatInterval>,
    pub reason: Option<String>,
    /// The fit the projection follows.
    pub trend: TrendFit,
}

impl TrendProjection {
    fn new(p: Projection, trend: TrendFit) -> Self {
        TrendProjection {
            date: p.date.map(Date),
            value: p.value,
            date_interval_90: p.date_interval.map(|(e, l)| DateInterval { earliest: Date(e), latest: Date(l) }),
            value_interval_90: p.value_interval.map(|(low, high)| FloatInterval { low, high }),
            reason: p.reason,
            trend,
        }
    }
}

fn frontier_cost(top: i32, child: usize) -> usize {
    super::connection::items_cost(top.clamp(1, MAX_PAGE_SIZE) as usize, child)
}

/// The cost of statistics groups: their number depends on the data, not on anything a bound
/// could promise, but a group holds only numbers (no nested lists to multiply), and the
/// operation's row limit counts the groups as they are made.
pub(super) fn groups_cost(child: usize) -> usize {
    super::connection::items_cost(3, child)
}

#[Object]
impl AnalysisQuery {
    /// Statistics of the models `filter` keeps, in one group per combination of the `groupBy`
    /// dimensions' values (at most 3 dimensions), or one overall group without `groupBy`.
    /// YEAR and ACCESS split the models; ORGANIZATION, COUNTRY and the modalities count a model
    /// in each of its values' groups. Models without a value form the group whose key is null
    /// there. Groups come ordered by key, nulls last.
    #[graphql(complexity = "ANALYSIS_COST + filter_cost(&filter) + groups_cost(child_complexity)")]
    async fn model_statistics(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelFilterInput>,
        group_by: Option<Vec<StatisticsDimension>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<StatisticsGroup>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let filter = filter.map(ModelFilter::from);
        let groups =
            statistics::model_statistics(&db, audience, filter.as_ref(), &group_by.unwrap_or_default()).await.gql()?;
        super::budget::charge_rows(ctx, groups.len())?;
        Ok(groups.into_iter().map(|group| StatisticsGroup(group, at)).collect())
    }

    /// Counts of the risk assessments `filter` keeps, in one group per combination of the
    /// `groupBy` dimensions' values (at most 4), or one overall group without `groupBy`: e.g.
    /// by MIT_SUBDOMAIN, or by the MIT causal triple, to compare the tracker with other
    /// catalogs that use the MIT AI Risk Repository's taxonomies. Assessments without a value
    /// (written before the classification, not yet classified) form the group whose key is null
    /// there. Groups come ordered by key in each vocabulary's declared order, nulls last.
    #[graphql(complexity = "ANALYSIS_COST + filter_cost(&filter) + groups_cost(child_complexity)")]
    async fn risk_statistics(
        &self,
        ctx: &Context<'_>,
        filter: Option<RiskAssessmentFilterInput>,
        group_by: Option<Vec<RiskStatisticsDimension>>,
    ) -> async_graphql::Result<Vec<RiskStatisticsGroup>> {
        let filter = filter.map(RiskAssessmentFilter::from);
        let groups =
            risk_statistics::risk_statistics(db(ctx), audience(ctx), filter.as_ref(), &group_by.unwrap_or_default())
                .await
                .gql()?;
        super::budget::charge_rows(ctx, groups.len())?;
        Ok(groups.into_iter().map(RiskStatisticsGroup::from).collect())
    }

    /// The scaling trend of `metric` over the models `filter` keeps; see `Trend` for the method.
    #[graphql(complexity = "ANALYSIS_COST + filter_cost(&filter) + child_complexity")]
    async fn compute_trend(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelFilterInput>,
        metric: TrendMetric,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<TrendFit> {
        let (db, audience) = reader(ctx, when(ctx, as_recorded_at).await?);
        let filter = filter.map(ModelFilter::from);
        let trend = trend::compute(&db, audience, filter.as_ref(), metric).await.gql()?;
        Ok(TrendFit { metric, trend })
    }

    /// Where the trend of `metric` over the models `filter` keeps is headed: give exactly one of
    /// `value` (when does the fitted line reach it?) and `date` (what does it reach then?).
    #[graphql(complexity = "ANALYSIS_COST + filter_cost(&filter) + child_complexity")]
    async fn projection(
        &self,
        ctx: &Context<'_>,
        metric: TrendMetric,
        filter: Option<ModelFilterInput>,
        value: Option<f64>,
        date: Option<Date>,
    ) -> async_graphql::Result<TrendProjection> {
        if value.is_some() == date.is_some() {
            return Err(ServiceError::bad_input("value", "give exactly one of `value` and `date`")).gql();
        }
        let filter = filter.map(ModelFilter::from);
        let trend = trend::compute(db(ctx), audience(ctx), filter.as_ref(), metric).await.gql()?;
        let projection = match (value, date) {
            (Some(v), _) => trend::date_reaching(&trend, v).gql()?,
            (_, Some(d)) => trend::value_on(&trend, d.0),
            _ => unreachable!("exactly one was checked above"),
        };
        Ok(TrendProjection::new(projection, TrendFit { metric, trend }))
    }

    /// The named compute thresholds, lowest first.
    async fn compute_thresholds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ComputeThreshold>> {
        Ok(thresholds::all(db(ctx)).await.gql()?.into_iter().map(ComputeThreshold).collect())
    }

    /// When the models first crossed the threshold `threshold` (a slug), and how many did each
    /// year since; null for an unknown slug.
    #[graphql(complexity = "1_000 + child_complexity")]
    async fn threshold_crossings(
        &self,
        ctx: &Context<'_>,
        threshold: String,
    ) -> async_graphql::Result<Option<ThresholdCrossings>> {
        let today = chrono::Utc::now().date_naive();
        match thresholds::crossings(db(ctx), audience(ctx), &threshold, today).await {
            Ok(crossings) => Ok(Some(ThresholdCrossings(crossings))),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(e) => Err(e).gql(),
        }
    }

    /// The `top` (1-100) largest models by `metric` announced on or before `asOf`, largest
    /// first (ties by age in the catalog). `asOf` is world time (announcement dates);
    /// `asRecordedAt` is record time: the catalog as it stood at that instant.
    #[graphql(complexity = "frontier_cost(top, child_complexity)")]
    async fn frontier(
        &self,
        ctx: &Context<'_>,
        as_of: Date,
        metric: TrendMetric,
        #[graphql(default = 10)] top: i32,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Vec<Model>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let rows = trend::frontier(&db, audience, as_of.0, metric, top).await.gql()?;
        Ok(rows.into_iter().map(|row| Model::from(row).when(at)).collect())
    }
}
