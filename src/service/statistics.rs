//! Grouped statistics over the models a filter keeps: counts, and the min, max, median and
//! geometric mean of parameters and training compute. Postgres groups and summarises in SQL
//! (`in_postgres`); SQLite reads the figures and summarises here (`in_rust`). Both give the same
//! answer to the last digit (tests/api/backend_agreement.rs).

mod in_postgres;
mod in_rust;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, StreamTrait};

use super::{Audience, ServiceError, ServiceResult, filter::ModelFilter, models, trend::analysis_turn};
use crate::domain::{Access, Modality, StatisticsDimension};
use crate::entity::model;

use super::organizations::OrganizationRow;

/// One group's key: the value of each grouped dimension; None where the model has none (or
/// the dimension is not grouped by).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupKey {
    pub year: Option<i32>,
    pub organization: Option<OrganizationRow>,
    pub country: Option<String>,
    pub input_modality: Option<Modality>,
    pub output_modality: Option<Modality>,
    pub access: Option<Access>,
}

/// Min, max, median and geometric mean of a positive quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Spread {
    pub min: f64,
    pub max: f64,
    pub median: f64,
    /// Over the values above zero; None when there are none.
    pub geometric_mean: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub key: GroupKey,
    pub count: usize,
    pub with_parameters: usize,
    pub with_compute: usize,
    pub parameters: Option<Spread>,
    pub compute: Option<Spread>,
    pub first_announced: Option<NaiveDate>,
    pub last_announced: Option<NaiveDate>,
}

pub const MAX_DIMENSIONS: usize = 3;

/// What statistics read of each model: its id, date, figures and access. The index
/// `idx_model_figures` holds these columns (after `published`), so that they are read without
/// the models' rows (migration 17).
const FIGURES: [model::Column; 5] = [
    model::Column::Id,
    model::Column::AnnouncedOn,
    model::Column::Parameters,
    model::Column::TrainingComputeFlop,
    model::Column::Access,
];

pub fn spread(values: &mut [f64]) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = median(n, values[(n - 1) / 2], values[n / 2]);
    let positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    let geometric_mean = geometric_mean(positive.iter().map(|v| v.log10()).sum(), positive.len());
    Some(Spread { min: values[0], max: values[n - 1], median, geometric_mean })
}

/// The median of `n` sorted values from their two middle ones (the same one when `n` is odd).
/// Both backends finish it here, so that they agree to the last digit.
fn median(n: usize, lower_middle: f64, upper_middle: f64) -> f64 {
    if n % 2 == 1 { lower_middle } else { (lower_middle + upper_middle) / 2.0 }
}

/// The geometric mean of `count` positive values from the sum of their base-10 logarithms
/// (added in ascending order of the values); None without any. Both backends finish it here.
fn geometric_mean(log10_sum: f64, count: usize) -> Option<f64> {
    (count > 0).then(|| 10f64.powf(log10_sum / count as f64))
}

/// A sortable form of a group's key: values ascending, missing values last.
type SortKey = Vec<(bool, String)>;

pub async fn model_statistics(
    db: &(impl ConnectionTrait + StreamTrait),
    audience: Audience,
    filter: Option<&ModelFilter>,
    group_by: &[StatisticsDimension],
) -> ServiceResult<Vec<Group>> {
    if group_by.len() > MAX_DIMENSIONS {
        return Err(ServiceError::bad_input("groupBy", format!("at most {MAX_DIMENSIONS} dimensions")));
    }
    let dims: BTreeSet<StatisticsDimension> = group_by.iter().copied().collect();
    if dims.len() != group_by.len() {
        return Err(ServiceError::bad_input("groupBy", "names a dimension twice"));
    }
    super::thresholds::check_filter(db, filter, "filter").await?;
    let select = models::filtered(db, audience, filter, "filter")?;
    let _turn = analysis_turn().await;
    match ConnectionTrait::get_database_backend(db) {
        DbBackend::Postgres => in_postgres::model_statistics(db, select, &dims).await,
        _ => in_rust::model_statistics(db, select, &dims).await,
    }
}

fn sort_key(key: &GroupKey) -> SortKey {
    let part = |v: Option<String>| (v.is_none(), v.unwrap_or_default());
    vec![
        part(key.year.map(|y| format!("{y:06}"))),
        part(key.organization.as_ref().map(|o| format!("{}\u{0}{}", o.name_key, o.id))),
        part(key.country.clone()),
        part(key.input_modality.map(|m| format!("{m:?}"))),
        part(key.output_modality.map(|m| format!("{m:?}"))),
        part(key.access.map(|a| format!("{:02}", Access::ALL.iter().position(|x| *x == a).unwrap_or(0)))),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{memory_db, model, organization, plant};

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a / b - 1.0).abs() < 1e-9
    }

    /// a (US, 1e9 parameters, 2020), b (US and FR, 1e11, 2021), c (FR, 1e10 and 1e22 FLOP,
    /// 2021), d (no organization, nothing known, 2022), and a US draft.
    async fn catalog() -> sea_orm::DatabaseConnection {
        let db = memory_db().await;
        let us = plant(&db, organization("us-lab", "US")).await.id;
        let fr = plant(&db, organization("fr-lab", "FR")).await.id;
        let mut a = model("m-a", "2020-01-10");
        (a.organization_ids, a.parameters) = (vec![us], Some(1e9));
        let mut b = model("m-b", "2021-01-10");
        (b.organization_ids, b.parameters, b.access) = (vec![us, fr], Some(1e11), Access::OpenWeights);
        let mut c = model("m-c", "2021-06-10");
        (c.organization_ids, c.parameters, c.training_compute_flop) = (vec![fr], Some(1e10), Some(1e22));
        let mut draft = model("draft", "2021-03-01");
        (draft.organization_ids, draft.parameters, draft.published) = (vec![us], Some(1e15), false);
        for m in [a, b, c, model("m-d", "2022-01-10"), draft] {
            plant(&db, m).await;
        }
        db
    }

    #[tokio::test]
    async fn a_collaboration_counts_in_each_country_and_missing_values_come_last() {
        let db = catalog().await;
        let groups = model_statistics(&db, Audience::Public, None, &[StatisticsDimension::Country]).await.unwrap();
        let counts: Vec<(Option<&str>, usize)> = groups.iter().map(|g| (g.key.country.as_deref(), g.count)).collect();
        assert_eq!(counts, [(Some("FR"), 2), (Some("US"), 2), (None, 1)]);

        let us = &groups[1];
        assert_eq!((us.with_parameters, us.with_compute, us.compute.as_ref()), (2, 0, None));
        let parameters = us.parameters.as_ref().unwrap();
        assert_eq!((parameters.min, parameters.max, parameters.median), (1e9, 1e11, 5.05e10));
        assert!(close(parameters.geometric_mean.unwrap(), 1e10), "{parameters:?}");
        assert_eq!((us.first_announced, us.last_announced), (Some(date("2020-01-10")), Some(date("2021-01-10"))));

        let fr = &groups[0];
        assert_eq!(fr.compute.as_ref().map(|c| (c.min, c.median)), Some((1e22, 1e22)));
    }

    #[tokio::test]
    async fn groups_follow_the_dimensions_and_the_audience() {
        let db = catalog().await;
        let by_year = |audience| model_statistics(&db, audience, None, &[StatisticsDimension::Year]);
        let public: Vec<(Option<i32>, usize)> =
            by_year(Audience::Public).await.unwrap().iter().map(|g| (g.key.year, g.count)).collect();
        assert_eq!(public, [(Some(2020), 1), (Some(2021), 2), (Some(2022), 1)]);
        let editors: Vec<(Option<i32>, usize)> =
            by_year(Audience::Editor).await.unwrap().iter().map(|g| (g.key.year, g.count)).collect();
        assert_eq!(editors, [(Some(2020), 1), (Some(2021), 3), (Some(2022), 1)]);

        let dims = [StatisticsDimension::Access, StatisticsDimension::Year];
        let groups = model_statistics(&db, Audience::Public, None, &dims).await.unwrap();
        let keys: Vec<(Option<Access>, Option<i32>, usize)> =
            groups.iter().map(|g| (g.key.access, g.key.year, g.count)).collect();
        assert_eq!(
            keys,
            [
                (Some(Access::Unreleased), Some(2020), 1),
                (Some(Access::OpenWeights), Some(2021), 1),
                (Some(Access::Unreleased), Some(2021), 1),
                (Some(Access::Unreleased), Some(2022), 1),
            ],
            "by year first, then access in its declared order"
        );

        let all = model_statistics(&db, Audience::Public, None, &[]).await.unwrap();
        assert_eq!(all.iter().map(|g| (g.count, g.with_parameters)).collect::<Vec<_>>(), [(4, 3)]);

        let twice = [StatisticsDimension::Year, StatisticsDimension::Year];
        let error = model_statistics(&db, Audience::Public, None, &twice).await.unwrap_err();
        assert!(matches!(error, ServiceError::BadInput { ref field, .. } if field == "groupBy"), "{error:?}");
    }
}
