//! Grouped statistics on Postgres: grouped and summarised by the database in one statement, so
//! that only the groups cross the wire. Reading every model's figures to summarise them here,
//! as SQLite does, ran at 126 requests/s on the 5,000-model bench catalog: the rows' transfer
//! alone (that statement through pgbench) at 303.
//!
//! The answers are the ones `in_rust` gives, to the last digit (the backend agreement test
//! compares them): the median is taken from the two middle values, which `percentile_disc`
//! finds in one sort (see [`UPPER_MIDDLE`]), and averaged here as `spread` does; the geometric
//! mean's sum of base-10 logarithms is added up in ascending order of the values, as `spread`
//! adds it, and raised to a power here. Min, max, counts and dates are exact anyway.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, QuerySelect, QueryTrait, Select, Statement};

use super::{FIGURES, Group, GroupKey, Spread, geometric_mean, median, sort_key};
use crate::domain::{Access, Modality, ModalityDirection, StatisticsDimension};
use crate::entity::model;
use crate::service::organizations::{self, OrganizationRow};
use crate::service::trend::MAX_ANALYSED_MODELS;
use crate::service::{ServiceError, ServiceResult};

/// A grouped dimension's key column, and the table joined to find it: for the dimensions a
/// model can have several values of, the distinct (model, value) pairs of the analysed models.
fn dimension(dim: StatisticsDimension) -> (String, Option<String>) {
    let pairs = |value: &str, from: &str, condition: &str| {
        let alias = alias(dim);
        let join = format!(
            "LEFT JOIN (SELECT DISTINCT l.model_id, {value} AS value FROM {from} \
             WHERE {condition}l.model_id IN (SELECT id FROM analysed)) AS {alias} ON {alias}.model_id = a.id"
        );
        (format!("{alias}.value"), Some(join))
    };
    let modality = |direction: ModalityDirection| {
        let condition = format!("l.direction = '{}' AND ", direction.as_str());
        pairs("l.modality", r#""model_modality" AS l"#, &condition)
    };
    match dim {
        StatisticsDimension::Year => ("EXTRACT(YEAR FROM a.announced_on)::integer".into(), None),
        StatisticsDimension::Access => ("a.access".into(), None),
        StatisticsDimension::Organization => pairs("l.organization_id", r#""model_organization" AS l"#, ""),
        StatisticsDimension::Country => {
            pairs("o.country", r#""model_organization" AS l JOIN "organization" AS o ON o.id = l.organization_id"#, "")
        }
        StatisticsDimension::InputModality => modality(ModalityDirection::Input),
        StatisticsDimension::OutputModality => modality(ModalityDirection::Output),
    }
}

fn alias(dim: StatisticsDimension) -> &'static str {
    match dim {
        StatisticsDimension::Year => "d_year",
        StatisticsDimension::Access => "d_access",
        StatisticsDimension::Organization => "d_organization",
        StatisticsDimension::Country => "d_country",
        StatisticsDimension::InputModality => "d_input_modality",
        StatisticsDimension::OutputModality => "d_output_modality",
    }
}

/// The fraction at which `percentile_disc` finds a group's upper middle value in ascending
/// order: the value at position ⌈f·n⌉, which is n/2 + 1 for an even n and (n + 1)/2 for an odd
/// one as long as (f − 0.5)·n < 0.5. A group holds at most one model past the cap, so 10⁻⁶ is
/// small enough. Both middle values then come from one sort per group: `percentile_disc` calls
/// over the same ordered input share it (ordered-set aggregates' shareable state), where the
/// lower middle in ascending and the upper in descending order sorted twice: the bench's
/// statistics statement at 5,000 models ran at 240–278 a second through pgbench instead of
/// 212–265, with the same answer.
const UPPER_MIDDLE: &str = "0.500001";
const _: () = assert!((MAX_ANALYSED_MODELS + 1) < 500_000, "UPPER_MIDDLE is too coarse for the cap");

/// The aggregates of one positive quantity `column`, as `{prefix}_…` columns.
fn spread_columns(column: &str, prefix: &str) -> String {
    format!(
        "count(a.{column}) AS {prefix}_n, min(a.{column}) AS {prefix}_min, max(a.{column}) AS {prefix}_max, \
         percentile_disc(0.5) WITHIN GROUP (ORDER BY a.{column}) AS {prefix}_low_middle, \
         percentile_disc({UPPER_MIDDLE}) WITHIN GROUP (ORDER BY a.{column}) AS {prefix}_high_middle, \
         count(CASE WHEN a.{column} > 0 THEN 1 END) AS {prefix}_positive, \
         sum(log(CASE WHEN a.{column} > 0 THEN a.{column} END) ORDER BY a.{column}) AS {prefix}_log_sum"
    )
}

/// The statement: the filtered models (at most one past the cap, which is then refused) as
/// `analysed`, joined to the grouped dimensions' values and summarised per group.
///
/// `analysed` is named more than once (the groups, the count, each joined dimension), so
/// Postgres would materialise it by default: every row written to a tuple store and read back.
/// `NOT MATERIALIZED` lets each use read the models itself, an index-only scan of
/// `idx_model_figures` when the filter is on published models alone: the bench's statistics
/// statement ran at 347–365 a second through pgbench instead of 313–316 (5,000 models), with the
/// same answer. Each read keeps the same rows: past the cap the request is refused anyway.
fn statement(select: Select<model::Entity>, dims: &BTreeSet<StatisticsDimension>) -> Statement {
    let analysed = select.select_only().columns(FIGURES).limit(MAX_ANALYSED_MODELS + 1).build(DbBackend::Postgres);
    let (columns, joins): (Vec<String>, Vec<Option<String>>) = dims.iter().map(|d| dimension(*d)).unzip();
    let keys: Vec<String> =
        columns.iter().zip(dims).map(|(column, d)| format!("{column} AS {}, ", alias(*d))).collect();
    let joins: Vec<String> = joins.into_iter().flatten().collect();
    let group_by = if dims.is_empty() { String::new() } else { format!("GROUP BY {}", columns.join(", ")) };
    let sql = format!(
        "WITH analysed AS NOT MATERIALIZED ({analysed}) SELECT {keys}count(*) AS n, {parameters}, {compute}, \
         min(a.announced_on) AS first_announced, max(a.announced_on) AS last_announced, \
         (SELECT count(*) FROM analysed) AS analysed \
         FROM analysed AS a {joins} {group_by}",
        analysed = analysed.sql,
        keys = keys.concat(),
        parameters = spread_columns("parameters", "parameters"),
        compute = spread_columns("training_compute_flop", "compute"),
        joins = joins.join(" "),
    );
    Statement { sql, ..analysed }
}

pub(super) async fn model_statistics(
    db: &impl ConnectionTrait,
    select: Select<model::Entity>,
    dims: &BTreeSet<StatisticsDimension>,
) -> ServiceResult<Vec<Group>> {
    let rows = db.query_all_raw(statement(select, dims)).await?;
    if let Some(row) = rows.first()
        && row.try_get::<i64>("", "analysed")? as u64 > MAX_ANALYSED_MODELS
    {
        return Err(ServiceError::bad_input("filter", format!("keeps more than {MAX_ANALYSED_MODELS} models")));
    }
    let organization_ids: BTreeSet<i32> = if dims.contains(&StatisticsDimension::Organization) {
        rows.iter()
            .filter_map(|r| r.try_get::<Option<i32>>("", alias(StatisticsDimension::Organization)).ok()?)
            .collect()
    } else {
        BTreeSet::new()
    };
    let organizations = organizations::by_ids(db, organization_ids).await?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in &rows {
        let count = row.try_get::<i64>("", "n")? as usize;
        // Without `groupBy`, Postgres answers one row even when no model is kept, as `in_rust`
        // does; with it, a group exists only where a model is.
        let key = group_key(row, dims, &organizations)?;
        let (with_parameters, parameters) = spread(row, "parameters")?;
        let (with_compute, compute) = spread(row, "compute")?;
        groups.push(Group {
            key,
            count,
            with_parameters,
            with_compute,
            parameters,
            compute,
            first_announced: row.try_get::<Option<NaiveDate>>("", "first_announced")?,
            last_announced: row.try_get::<Option<NaiveDate>>("", "last_announced")?,
        });
    }
    groups.sort_by_cached_key(|g| sort_key(&g.key));
    Ok(groups)
}

fn group_key(
    row: &QueryResult,
    dims: &BTreeSet<StatisticsDimension>,
    organizations: &HashMap<i32, OrganizationRow>,
) -> ServiceResult<GroupKey> {
    let mut key = GroupKey::default();
    for dim in dims {
        let column = alias(*dim);
        match dim {
            StatisticsDimension::Year => key.year = row.try_get::<Option<i32>>("", column)?,
            StatisticsDimension::Organization => {
                key.organization =
                    row.try_get::<Option<i32>>("", column)?.and_then(|id| organizations.get(&id).cloned())
            }
            StatisticsDimension::Country => key.country = row.try_get::<Option<String>>("", column)?,
            StatisticsDimension::Access => {
                key.access = row.try_get::<Option<String>>("", column)?.as_deref().and_then(Access::parse)
            }
            StatisticsDimension::InputModality => {
                key.input_modality = row.try_get::<Option<String>>("", column)?.as_deref().and_then(Modality::parse)
            }
            StatisticsDimension::OutputModality => {
                key.output_modality = row.try_get::<Option<String>>("", column)?.as_deref().and_then(Modality::parse)
            }
        }
    }
    Ok(key)
}

/// How many values `prefix` has in a group, and their spread (see `super::spread`).
fn spread(row: &QueryResult, prefix: &str) -> ServiceResult<(usize, Option<Spread>)> {
    let get = |suffix: &str| row.try_get::<Option<f64>>("", &format!("{prefix}_{suffix}"));
    let n = row.try_get::<i64>("", &format!("{prefix}_n"))? as usize;
    let (Some(min), Some(max), Some(low), Some(high)) =
        (get("min")?, get("max")?, get("low_middle")?, get("high_middle")?)
    else {
        return Ok((n, None));
    };
    let positive = row.try_get::<i64>("", &format!("{prefix}_positive"))? as usize;
    let geometric_mean = get("log_sum")?.and_then(|sum| geometric_mean(sum, positive));
    Ok((n, Some(Spread { min, max, median: median(n, low, high), geometric_mean })))
}
