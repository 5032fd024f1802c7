//! Grouped statistics on SQLite: each kept model's figures are read (three columns per model,
//! at most `MAX_ANALYSED_MODELS`) and grouped and summarised here. SQLite has no ordered-set
//! aggregates for a median, and its logarithms only with the math functions compiled in.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select, StreamTrait};

use super::{FIGURES, Group, GroupKey, SortKey, sort_key, spread};
use crate::domain::{Access, Modality, ModalityDirection, StatisticsDimension};
use crate::entity::{model, model_modality, model_organization};
use crate::service::ServiceResult;
use crate::service::organizations::{self, OrganizationRow};
use crate::service::trend::analysed_rows;

type Row = (i32, Option<NaiveDate>, Option<f64>, Option<f64>, String);

pub(super) async fn model_statistics(
    db: &(impl ConnectionTrait + StreamTrait),
    select: Select<model::Entity>,
    dims: &BTreeSet<StatisticsDimension>,
) -> ServiceResult<Vec<Group>> {
    let ids = select.clone().select_only().column(model::Column::Id).into_query();
    let rows: Vec<Row> = analysed_rows(db, select.select_only().columns(FIGURES)).await?;

    let by_org = dims.contains(&StatisticsDimension::Organization) || dims.contains(&StatisticsDimension::Country);
    let mut orgs_of: HashMap<i32, Vec<OrganizationRow>> = HashMap::new();
    if by_org {
        let links = model_organization::Entity::find()
            .filter(model_organization::Column::ModelId.in_subquery(ids.clone()))
            .all(db)
            .await?;
        let org_ids: BTreeSet<i32> = links.iter().map(|l| l.organization_id).collect();
        let orgs = organizations::by_ids(db, org_ids).await?;
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
        for dim in dims {
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
