//! The scaling trend: a least-squares fit of log10(metric) against the announced date in years,
//! over the models a filter keeps that have both, and projections along it.

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sea_orm::{
    ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select, StreamTrait, TryGetableMany,
};

use super::{
    Audience, ServiceError, ServiceResult,
    filter::ModelFilter,
    models,
    regression::{self, Fit},
};
use crate::domain::TrendMetric;
use crate::entity::model;

/// The most models one statistic, trend or projection reads; a filter keeping more is refused.
pub const MAX_ANALYSED_MODELS: u64 = 100_000;

/// How many analyses (grouped statistics, trend fits and projections: each reads up to
/// [`MAX_ANALYSED_MODELS`] rows and holds them while it summarises) run at once in a process;
/// the others wait their turn, within their request's deadline. This is their memory bound.
/// Measured on the 50,000-model bench catalog (release build): a `modelStatistics` request
/// holds about 11 MB at its peak on Postgres and 60 MB on SQLite, and 64 clients at once took
/// the server to 94 MB and 458 MB. An analysis is CPU work, in the database and here, so on a
/// machine of a few cores two at a time cost no throughput (bench/README.md, "Growth"). Since
/// statistics are summarised in SQL on Postgres they hold only their groups there, but their
/// statement is the database's CPU work (84 ms at 50,000 models), so they still take turns.
pub const ANALYSES_AT_ONCE: usize = 2;
static ANALYSES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ANALYSES_AT_ONCE);

/// A turn to run an analysis, held until it is dropped (see [`ANALYSES_AT_ONCE`]).
pub async fn analysis_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    ANALYSES.acquire().await.ok() // never closed
}

/// The rows an analysis reads (the columns `select` names, as `T`), at most
/// [`MAX_ANALYSED_MODELS`] of them: more is a bad `filter`. Streamed, so that each row is
/// converted as it arrives: sqlx's SQLite rows take about 1 KB each, and reading 50,000 of them
/// whole held some 50 MB per request (bench/README.md, "Growth").
pub async fn analysed_rows<T, C>(db: &C, select: Select<model::Entity>) -> ServiceResult<Vec<T>>
where
    T: TryGetableMany + Send + 'static,
    C: ConnectionTrait + StreamTrait + Send,
{
    let mut rows = Vec::new();
    let mut stream = std::pin::pin!(select.limit(MAX_ANALYSED_MODELS + 1).into_tuple::<T>().stream(db).await?);
    while let Some(row) = stream.try_next().await? {
        if rows.len() as u64 == MAX_ANALYSED_MODELS {
            return Err(ServiceError::bad_input("filter", format!("keeps more than {MAX_ANALYSED_MODELS} models")));
        }
        rows.push(row);
    }
    Ok(rows)
}

pub fn metric_column(metric: TrendMetric) -> model::Column {
    match metric {
        TrendMetric::TrainingCompute => model::Column::TrainingComputeFlop,
        TrendMetric::Parameters => model::Column::Parameters,
    }
}

/// A date as a decimal year (years of 365.25 days since 1970-01-01, plus 1970).
pub fn decimal_year(date: NaiveDate) -> f64 {
    1970.0 + (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date")).num_days() as f64 / 365.25
}

/// The day a decimal year falls on; None beyond the dates chrono can hold.
pub fn date_of(year: f64) -> Option<NaiveDate> {
    let days = ((year - 1970.0) * 365.25).round();
    if !days.is_finite() || days.abs() > 1e8 {
        return None;
    }
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days as i64))
}

/// A fitted trend, or why there is none.
#[derive(Clone, Debug)]
pub struct Trend {
    pub n: usize,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub fit: Result<Fit, &'static str>,
}

impl Trend {
    pub fn slope(&self) -> Option<f64> {
        self.fit.as_ref().ok().map(|f| f.slope)
    }

    pub fn growth_factor(&self) -> Option<f64> {
        self.slope().map(|b| 10f64.powf(b))
    }

    /// Months for the metric to double; None unless it grows.
    pub fn doubling_time_months(&self) -> Option<f64> {
        self.slope().filter(|b| *b > 0.0).map(|b| 12.0 * 2f64.log10() / b)
    }

    /// The growth factor's 90% interval, from the slope's standard error and Student's t.
    pub fn growth_factor_interval(&self) -> Option<(f64, f64)> {
        let fit = self.fit.as_ref().ok()?;
        let half = fit.t90 * fit.slope_se();
        Some((10f64.powf(fit.slope - half), 10f64.powf(fit.slope + half)))
    }

    /// The fitted metric (not its log) on a date.
    pub fn fitted_at(&self, date: Option<NaiveDate>) -> Option<f64> {
        Some(10f64.powf(self.fit.as_ref().ok()?.predict(decimal_year(date?))))
    }

    pub fn reason(&self) -> Option<&'static str> {
        self.fit.as_ref().err().copied()
    }
}

/// The (date, value) points of the models `filter` keeps that have both (values above zero).
pub async fn points(
    db: &(impl ConnectionTrait + StreamTrait),
    audience: Audience,
    filter: Option<&ModelFilter>,
    metric: TrendMetric,
) -> ServiceResult<Vec<(NaiveDate, f64)>> {
    let column = metric_column(metric);
    super::thresholds::check_filter(db, filter, "filter").await?;
    let select = models::filtered(db, audience, filter, "filter")?;
    let _turn = analysis_turn().await;
    let select = select
        .filter(model::Column::AnnouncedOn.is_not_null())
        .filter(column.gt(0.0))
        .select_only()
        .column(model::Column::AnnouncedOn)
        .column(column)
        .order_by_asc(model::Column::AnnouncedOn)
        .order_by_asc(model::Column::Id);
    let rows: Vec<(NaiveDate, f64)> = analysed_rows(db, select).await?;
    Ok(rows)
}

pub async fn compute(
    db: &(impl ConnectionTrait + StreamTrait),
    audience: Audience,
    filter: Option<&ModelFilter>,
    metric: TrendMetric,
) -> ServiceResult<Trend> {
    let points = points(db, audience, filter, metric).await?;
    let xy: Vec<(f64, f64)> = points.iter().map(|(d, v)| (decimal_year(*d), v.log10())).collect();
    Ok(Trend {
        n: points.len(),
        first: points.first().map(|p| p.0),
        last: points.last().map(|p| p.0),
        fit: regression::least_squares(&xy),
    })
}

/// A point on a trend with its 90% interval.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    pub date: Option<NaiveDate>,
    pub value: Option<f64>,
    pub date_interval: Option<(NaiveDate, NaiveDate)>,
    pub value_interval: Option<(f64, f64)>,
    pub reason: Option<String>,
}

/// What the trend reaches on `date`.
pub fn value_on(trend: &Trend, date: NaiveDate) -> Projection {
    let fit = match &trend.fit {
        Ok(fit) => fit,
        Err(reason) => {
            return Projection { date: Some(date), reason: Some((*reason).to_owned()), ..Default::default() };
        }
    };
    let x = decimal_year(date);
    let (y, half) = (fit.predict(x), fit.band(x));
    let value = 10f64.powf(y);
    if !value.is_finite() {
        return Projection {
            date: Some(date),
            reason: Some("the value is beyond a Float".into()),
            ..Default::default()
        };
    }
    Projection {
        date: Some(date),
        value: Some(value),
        value_interval: Some((10f64.powf(y - half), 10f64.powf(y + half)))
            .filter(|(l, h)| l.is_finite() && h.is_finite()),
        ..Default::default()
    }
}

/// When the trend reaches `value` (which must be above zero).
pub fn date_reaching(trend: &Trend, value: f64) -> ServiceResult<Projection> {
    if !(value > 0.0 && value.is_finite()) {
        return Err(ServiceError::bad_input("value", "must be above zero"));
    }
    let none = |reason: &str| Projection { value: Some(value), reason: Some(reason.to_owned()), ..Default::default() };
    let fit = match &trend.fit {
        Ok(fit) => fit,
        Err(reason) => return Ok(none(reason)),
    };
    let Some((x, interval)) = fit.solve(value.log10()) else {
        return Ok(none("the fitted trend is flat: it never reaches another value"));
    };
    let Some(date) = date_of(x) else {
        return Ok(none("the trend reaches that value beyond any representable date"));
    };
    let mut projection = Projection { date: Some(date), value: Some(value), ..Default::default() };
    match interval {
        Some((lo, hi)) => match (date_of(lo), date_of(hi)) {
            (Some(lo), Some(hi)) => projection.date_interval = Some((lo, hi)),
            _ => projection.reason = Some("the 90% interval reaches beyond any representable date".into()),
        },
        None => {
            projection.reason =
                Some("the slope's 90% confidence interval includes zero, so the date interval is unbounded".into())
        }
    }
    Ok(projection)
}

/// The `top` largest models by `metric` announced on or before `as_of`, largest first.
pub async fn frontier(
    db: &(impl ConnectionTrait + StreamTrait),
    audience: Audience,
    as_of: NaiveDate,
    metric: TrendMetric,
    top: i32,
) -> ServiceResult<Vec<models::ModelRow>> {
    if !(1..=super::page::MAX_PAGE_SIZE).contains(&top) {
        return Err(ServiceError::bad_input("top", format!("must be between 1 and {}", super::page::MAX_PAGE_SIZE)));
    }
    let column = metric_column(metric);
    Ok(models::visible(audience)
        .filter(model::Column::AnnouncedOn.lte(as_of))
        .filter(column.is_not_null())
        .order_by_desc(column)
        .order_by_asc(model::Column::Id)
        .limit(top as u64)
        .into_partial_model()
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Access;
    use crate::service::filter::EnumFilter;
    use crate::service::testing::{memory_db, model, plant};

    /// The memory bound of analyses: a third waits until one of two running ends. (Other
    /// tests in this process run analyses too, so the waits are generous.)
    #[tokio::test]
    async fn no_more_than_two_analyses_run_at_once() {
        use std::time::Duration;
        let first = analysis_turn().await;
        let _second = analysis_turn().await;
        let third = tokio::time::timeout(Duration::from_millis(200), analysis_turn()).await;
        assert!(third.is_err(), "a third analysis ran beside two");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(10), analysis_turn()).await;
        assert!(third.is_ok(), "the third analysis never got its turn");
    }

    /// Training compute growing tenfold every two years, from 1e20 FLOP in 2010.
    fn on_the_line(year: i32) -> f64 {
        10f64.powf(20.0 + 0.5 * f64::from(year - 2010))
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    /// Eleven published models on the line (open weights in even years), a late draft far above
    /// it and a model without compute.
    async fn catalog() -> sea_orm::DatabaseConnection {
        let db = memory_db().await;
        for year in 2010..=2020 {
            let mut m = model(&format!("m-{year}"), &format!("{year}-07-02"));
            m.training_compute_flop = Some(on_the_line(year));
            m.access = if year % 2 == 0 { Access::OpenWeights } else { Access::Api };
            plant(&db, m).await;
        }
        let mut draft = model("draft", "2020-12-01");
        draft.training_compute_flop = Some(1e30);
        draft.published = false;
        plant(&db, draft).await;
        plant(&db, model("no-compute", "2016-07-02")).await;
        db
    }

    #[tokio::test]
    async fn the_fit_recovers_the_growth_of_the_models_the_caller_sees() {
        let db = catalog().await;
        let trend = compute(&db, Audience::Public, None, TrendMetric::TrainingCompute).await.unwrap();
        assert_eq!((trend.n, trend.first, trend.last), (11, Some(date("2010-07-02")), Some(date("2020-07-02"))));
        let slope = trend.slope().unwrap();
        assert!((slope - 0.5).abs() < 1e-3, "{slope}");
        let doubling = trend.doubling_time_months().unwrap();
        assert!((doubling - 12.0 * 2f64.log10() / 0.5).abs() < 0.05, "{doubling}");
        let (low, high) = trend.growth_factor_interval().unwrap();
        assert!(low < 10f64.sqrt() && 10f64.sqrt() < high && high / low < 1.01, "{low} {high}");
        let in_2030 = trend.fitted_at(Some(date("2030-07-02"))).unwrap();
        assert!((in_2030.log10() - 30.0).abs() < 0.02, "{in_2030}");

        let editors = compute(&db, Audience::Editor, None, TrendMetric::TrainingCompute).await.unwrap();
        assert_eq!(editors.n, 12, "editors also see the draft");
        assert!(editors.slope().unwrap() > slope + 0.01, "the draft pulls the editors' fit up");

        let open = ModelFilter {
            access: Some(EnumFilter { eq: Some(Access::OpenWeights), in_list: None }),
            ..Default::default()
        };
        let open = compute(&db, Audience::Public, Some(&open), TrendMetric::TrainingCompute).await.unwrap();
        assert_eq!(open.n, 6);
        assert!((open.slope().unwrap() - 0.5).abs() < 1e-3);

        let parameters = compute(&db, Audience::Public, None, TrendMetric::Parameters).await.unwrap();
        assert_eq!(parameters.n, 0);
        assert!(parameters.slope().is_none() && parameters.reason().is_some());
    }

    #[tokio::test]
    async fn projections_follow_the_fitted_line() {
        let db = catalog().await;
        let trend = compute(&db, Audience::Public, None, TrendMetric::TrainingCompute).await.unwrap();
        let reached = date_reaching(&trend, 1e25).unwrap();
        let day = reached.date.unwrap();
        assert!((date("2020-06-25")..=date("2020-07-10")).contains(&day), "{day}");
        let (early, late) = reached.date_interval.unwrap();
        assert!(early <= day && day <= late);
        let value = value_on(&trend, date("2012-07-02")).value.unwrap();
        assert!((value.log10() - 21.0).abs() < 0.01, "{value}");
        assert!(date_reaching(&trend, 0.0).is_err());

        let top = frontier(&db, Audience::Public, date("2015-12-31"), TrendMetric::TrainingCompute, 2).await.unwrap();
        let slugs: Vec<&str> = top.iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(slugs, ["m-2015", "m-2014"], "the largest public models up to then, largest first");
    }
}
