//! Grouped statistics over the models a filter keeps. The numbers are read once (three columns
//! per model, at most `MAX_ANALYSED_MODELS`) and summarised here, so medians and geometric means
//! come out the same on SQLite and Postgres.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, StreamTrait};

use super::{
    Audience, ServiceError, ServiceResult,
    filter::ModelFilter,
    models,
    trend::{analysed_rows, analysis_turn},
};
use crate::domain::{Access, Modality, ModalityDirection, StatisticsDimension};
use crate::entity::{model, model_modality, model_organization, organization};

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

pub fn spread(values: &mut [f64]) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let median = if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    let positive: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
    let geometric_mean = (!positive.is_empty())
        .then(|| 10f64.powf(positive.iter().map(|v| v.log10()).sum::<f64>() / positive.len() as f64));
    Some(Spread { min: values[0], max: values[n - 1], median, geometric_mean })
}

type Row = (i32, Option<NaiveDate>, Option<f64>, Option<f64>, String);

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
    let ids = select.clone().select_only().column(model::Column::Id).into_query();
    let columns = [
        model::Column::Id,
        model::Column::AnnouncedOn,
        model::Column::Parameters,
        model::Column::TrainingComputeFlop,
        model::Column::Access,
    ];
    let rows: Vec<Row> = analysed_rows(db, select.select_only().columns(columns)).await?;

    let by_org = dims.contains(&StatisticsDimension::Organization) || dims.contains(&StatisticsDimension::Country);
    let mut orgs_of: HashMap<i32, Vec<OrganizationRow>> = HashMap::new();
    if by_org {
        let links = model_organization::Entity::find()
            .filter(model_organization::Column::ModelId.in_subquery(ids.clone()))
            .all(db)
            .await?;
        let org_ids: BTreeSet<i32> = links.iter().map(|l| l.organization_id).collect();
        let orgs: HashMap<i32, OrganizationRow> = organization::Entity::find()
            .filter(organization::Column::Id.is_in(org_ids))
            .into_partial_model::<OrganizationRow>()
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect();
        for link in links {
            if let Some(org) = orgs.get(&link.organization_id) {
                orgs_of.entry(link.model_id).or_default().push(org.clone());
            }
        }
    }
    let mut modalities_of: HashMap<(i32, &'static str), Vec<Modality>> = HashMap::new();
    if dims.contains(&StatisticsDimension::InputModality) || dims.contains(&StatisticsDimension::OutputModality) {
        let links =
            model_modality::Entity::find().filter(model_modality::Column::ModelId.in_subquery(ids)).all(db).await?;
        for link in links {
            modalities_of.entry((link.model_id, link.direction.as_str())).or_default().push(link.modality);
        }
    }

    let mut groups: BTreeMap<SortKey, (GroupKey, Vec<&Row>)> = BTreeMap::new();
    for row in &rows {
        let mut keys = vec![GroupKey::default()];
        for dim in &dims {
            keys = expand(keys, *dim, row, &orgs_of, &modalities_of);
        }
        for key in keys {
            groups.entry(sort_key(&key)).or_insert_with(|| (key, Vec::new())).1.push(row);
        }
    }
    if dims.is_empty() && groups.is_empty() {
        groups.insert(Vec::new(), (GroupKey::default(), Vec::new()));
    }
    Ok(groups.into_values().map(|(key, rows)| summarise(key, &rows)).collect())
}

/// Each key extended by the values `row` has in `dim` (one key per value, deduplicated; one
/// key with None when it has none).
fn expand(
    keys: Vec<GroupKey>,
    dim: StatisticsDimension,
    row: &Row,
    orgs_of: &HashMap<i32, Vec<OrganizationRow>>,
    modalities_of: &HashMap<(i32, &'static str), Vec<Modality>>,
) -> Vec<GroupKey> {
    let (id, announced, _, _, access) = row;
    let orgs = orgs_of.get(id).map(Vec::as_slice).unwrap_or_default();
    let mut out = Vec::new();
    for key in keys {
        let mut with = |f: &dyn Fn(&mut GroupKey)| {
            let mut k = key.clone();
            f(&mut k);
            if !out.contains(&k) {
                out.push(k);
            }
        };
        match dim {
            StatisticsDimension::Year => with(&|k| k.year = announced.map(|d| d.year())),
            StatisticsDimension::Access => with(&|k| k.access = Access::parse(access)),
            StatisticsDimension::Organization if orgs.is_empty() => with(&|_| {}),
            StatisticsDimension::Organization => {
                for org in orgs {
                    with(&|k| k.organization = Some(org.clone()));
                }
            }
            StatisticsDimension::Country if orgs.is_empty() => with(&|_| {}),
            StatisticsDimension::Country => {
                for org in orgs {
                    with(&|k| k.country = Some(org.country.clone()));
                }
            }
            StatisticsDimension::InputModality | StatisticsDimension::OutputModality => {
                let input = dim == StatisticsDimension::InputModality;
                let direction = if input { ModalityDirection::Input } else { ModalityDirection::Output };
                let list = modalities_of.get(&(*id, direction.as_str())).map(Vec::as_slice).unwrap_or_default();
                if list.is_empty() {
                    with(&|_| {});
                }
                for m in list {
                    with(&|k| if input { k.input_modality = Some(*m) } else { k.output_modality = Some(*m) });
                }
            }
        }
    }
    out
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

fn summarise(key: GroupKey, rows: &[&Row]) -> Group {
    let mut parameters: Vec<f64> = rows.iter().filter_map(|r| r.2).collect();
    let mut compute: Vec<f64> = rows.iter().filter_map(|r| r.3).collect();
    let dates: Vec<NaiveDate> = rows.iter().filter_map(|r| r.1).collect();
    Group {
        key,
        count: rows.len(),
        with_parameters: parameters.len(),
        with_compute: compute.len(),
        parameters: spread(&mut parameters),
        compute: spread(&mut compute),
        first_announced: dates.iter().min().copied(),
        last_announced: dates.iter().max().copied(),
    }
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
