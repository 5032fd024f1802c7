//! The ledger (a page of predictions) and the record (their counts and hit rate), over the
//! predictions the audience may see. Both filter, order and count in the database, so that a
//! past reader (`history::Reader`) answers them for any recorded instant.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
    sea_query::{Alias, Condition, Expr, ExprTrait, Func, JoinType, SelectStatement},
};
use serde_json::Value as Json;

use super::read::{PredictionRow, visible};
use crate::domain::{ForecastGrouping, PredictionKind, PredictionOrderField, PredictionOutcome};
use crate::entity::{model_organization, organization, prediction};
use crate::service::{
    Audience, OrderBy, ServiceError, ServiceResult,
    filter::{PredictionFilter, Scope, hindsight},
    organizations::OrganizationRow,
    page::{self, KeyKind, OrderField, Page, PageArgs},
};

/// The predictions `audience` may see that pass `filter`.
fn filtered(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&PredictionFilter>,
) -> ServiceResult<Select<prediction::Entity>> {
    let select = visible(audience);
    match filter {
        Some(f) => Ok(select.filter(f.condition(&Scope::root(db.get_database_backend(), audience, "filter"))?)),
        None => Ok(select),
    }
}

fn col(c: prediction::Column) -> Expr {
    Expr::col((prediction::Entity, c))
}

fn instant(at: Option<DateTime<Utc>>) -> Json {
    at.map_or(Json::Null, |t| Json::from(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)))
}

impl OrderField for PredictionOrderField {
    type Row = PredictionRow;

    fn sort_key(self) -> (Expr, KeyKind) {
        match self {
            PredictionOrderField::RecordedAt => (col(prediction::Column::RecordedAt), KeyKind::Instant),
            PredictionOrderField::ResolvedAt => (col(prediction::Column::ResolvedAt), KeyKind::Instant),
        }
    }

    fn key_value(self, row: &PredictionRow) -> Json {
        match self {
            PredictionOrderField::RecordedAt => instant(row.recorded_at),
            PredictionOrderField::ResolvedAt => instant(row.resolved_at),
        }
    }

    fn id(row: &PredictionRow) -> i32 {
        row.id
    }
}

/// One page of the ledger, newest recorded first unless `order` says otherwise.
pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&PredictionFilter>,
    order: &[OrderBy<PredictionOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<PredictionRow>> {
    let default = [OrderBy { field: PredictionOrderField::RecordedAt, descending: true }];
    page::ordered(db, filtered(db, audience, filter)?, order, &default, prediction::Column::Id, args).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&PredictionFilter>,
) -> ServiceResult<u64> {
    page::total(db, filtered(db, audience, filter)?).await
}

/// How a set of predictions stands. The statuses partition it: `recorded` = `open` +
/// `confirmed` + `partly` + `refuted` + `unresolvable` + `withdrawn` (the outcomes count
/// resolved predictions that are not withdrawn). `hindsight` counts those among them recorded
/// with the answer known; they are in every other count, but not scored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ForecastCounts {
    pub recorded: u64,
    pub open: u64,
    pub confirmed: u64,
    pub partly: u64,
    pub refuted: u64,
    pub unresolvable: u64,
    pub withdrawn: u64,
    pub hindsight: u64,
    /// The scored ones (resolved, not withdrawn, not hindsight): CONFIRMED, PARTLY, REFUTED.
    pub scored: [u64; 3],
}

impl ForecastCounts {
    /// (confirmed + ½ partly) / (confirmed + partly + refuted) over the scored predictions;
    /// None when none is scored.
    pub fn hit_rate(&self) -> Option<f64> {
        let [confirmed, partly, refuted] = self.scored.map(|n| n as f64);
        let scored = confirmed + partly + refuted;
        (scored > 0.0).then(|| (confirmed + 0.5 * partly) / scored)
    }

    fn add(&mut self, other: &ForecastCounts) {
        self.recorded += other.recorded;
        self.open += other.open;
        self.confirmed += other.confirmed;
        self.partly += other.partly;
        self.refuted += other.refuted;
        self.unresolvable += other.unresolvable;
        self.withdrawn += other.withdrawn;
        self.hindsight += other.hindsight;
        for (mine, theirs) in self.scored.iter_mut().zip(other.scored) {
            *mine += theirs;
        }
    }
}

/// One group of the record: the values of the groupings asked for (the others are None).
#[derive(Clone, Debug)]
pub struct ForecastGroup {
    pub year_recorded: Option<i32>,
    pub organization: Option<OrganizationRow>,
    pub kind: Option<PredictionKind>,
    pub counts: ForecastCounts,
}

#[derive(Clone, Debug)]
pub struct ForecastRecord {
    pub total: ForecastCounts,
    pub groups: Vec<ForecastGroup>,
}

/// The groupings asked for, each at most once (so at most all three).
pub fn check_groupings(group_by: &[ForecastGrouping]) -> ServiceResult<()> {
    for (i, g) in group_by.iter().enumerate() {
        if group_by[..i].contains(g) {
            return Err(ServiceError::bad_input("groupBy", format!("names {} twice", g.as_str().to_uppercase())));
        }
    }
    Ok(())
}

const LEAD: &str = "lead";

/// The UTC year of `recorded_at`, as a 64-bit integer on both backends.
fn year_recorded(backend: DbBackend) -> Expr {
    let recorded = col(prediction::Column::RecordedAt);
    match backend {
        DbBackend::Postgres => {
            Expr::cust_with_expr("CAST(EXTRACT(YEAR FROM ($1 AT TIME ZONE 'UTC')) AS bigint)", recorded)
        }
        // SQLite's placeholder for the expression is `?`, Postgres's `$1`.
        _ => Expr::cust_with_expr("CAST(strftime('%Y', ?) AS INTEGER)", recorded),
    }
}

/// `SUM(CASE WHEN <condition> THEN 1 ELSE 0 END)`, a 64-bit integer on both backends.
fn tally(condition: Condition) -> Expr {
    Func::sum(Expr::case(condition, Expr::cust("1")).finally(Expr::cust("0"))).into()
}

fn resolved_as(outcome: PredictionOutcome) -> Condition {
    Condition::all()
        .add(col(prediction::Column::Withdrawn).eq(false))
        .add(col(prediction::Column::Outcome).eq(outcome.as_str()))
}

const COUNTS: [&str; 11] = [
    "recorded",
    "open",
    "confirmed",
    "partly",
    "refuted",
    "unresolvable",
    "withdrawn",
    "hindsight",
    "scored_confirmed",
    "scored_partly",
    "scored_refuted",
];

/// The record of the predictions `audience` may see that pass `filter`, in total and by
/// `group_by` (in one statement: a GROUP BY over the predictions, joined to each subject model's
/// lead organization when grouping by organization).
pub async fn record(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&PredictionFilter>,
    group_by: &[ForecastGrouping],
) -> ServiceResult<ForecastRecord> {
    use PredictionOutcome as O;
    use prediction::Column as P;
    check_groupings(group_by)?;
    let backend = db.get_database_backend();
    let public = audience == Audience::Public;
    let mut query: SelectStatement = filtered(db, audience, filter)?.select_only().into_query();
    let lead = Alias::new(LEAD);
    for grouping in group_by {
        let (key, alias) = match grouping {
            ForecastGrouping::YearRecorded => (year_recorded(backend), "g_year"),
            ForecastGrouping::Organization => {
                query.join_as(
                    JoinType::LeftJoin,
                    model_organization::Entity,
                    lead.clone(),
                    Condition::all()
                        .add(
                            Expr::col((lead.clone(), model_organization::Column::ModelId))
                                .equals((prediction::Entity, P::ModelId)),
                        )
                        .add(Expr::col((lead.clone(), model_organization::Column::Position)).eq(0)),
                );
                (Expr::col((lead.clone(), model_organization::Column::OrganizationId)), "g_organization")
            }
            ForecastGrouping::Kind => (col(P::Kind), "g_kind"),
        };
        query.expr_as(key, Alias::new(alias));
        query.add_group_by([Expr::col(Alias::new(alias))]);
    }
    let open = Condition::all().add(col(P::Withdrawn).eq(false)).add(col(P::Outcome).is_null());
    let scored = |outcome| resolved_as(outcome).add(hindsight(backend, public).not());
    let counts = [
        Expr::cust("COUNT(*)"),
        tally(open),
        tally(resolved_as(O::Confirmed)),
        tally(resolved_as(O::Partly)),
        tally(resolved_as(O::Refuted)),
        tally(resolved_as(O::Unresolvable)),
        tally(Condition::all().add(col(P::Withdrawn).eq(true))),
        tally(Condition::all().add(hindsight(backend, public))),
        tally(scored(O::Confirmed)),
        tally(scored(O::Partly)),
        tally(scored(O::Refuted)),
    ];
    for (expr, name) in counts.into_iter().zip(COUNTS) {
        query.expr_as(expr, Alias::new(name));
    }
    let rows = db.query_all_raw(backend.build(&query)).await?;

    let mut groups = Vec::with_capacity(rows.len());
    let mut total = ForecastCounts::default();
    let mut organization_ids = Vec::new();
    for row in &rows {
        let get = |name: &str| -> ServiceResult<u64> {
            Ok(u64::try_from(row.try_get::<Option<i64>>("", name)?.unwrap_or(0)).unwrap_or(0))
        };
        let counts = ForecastCounts {
            recorded: get("recorded")?,
            open: get("open")?,
            confirmed: get("confirmed")?,
            partly: get("partly")?,
            refuted: get("refuted")?,
            unresolvable: get("unresolvable")?,
            withdrawn: get("withdrawn")?,
            hindsight: get("hindsight")?,
            scored: [get("scored_confirmed")?, get("scored_partly")?, get("scored_refuted")?],
        };
        if group_by.is_empty() {
            total = counts;
            continue;
        }
        total.add(&counts);
        let year = if group_by.contains(&ForecastGrouping::YearRecorded) {
            row.try_get::<Option<i64>>("", "g_year")?.and_then(|y| i32::try_from(y).ok())
        } else {
            None
        };
        let organization = if group_by.contains(&ForecastGrouping::Organization) {
            row.try_get::<Option<i32>>("", "g_organization")?
        } else {
            None
        };
        let kind = if group_by.contains(&ForecastGrouping::Kind) {
            row.try_get::<Option<String>>("", "g_kind")?.as_deref().and_then(PredictionKind::parse)
        } else {
            None
        };
        organization_ids.extend(organization);
        groups.push((year, organization, kind, counts));
    }

    let organizations = organizations_by_id(db, &organization_ids).await?;
    let mut groups: Vec<ForecastGroup> = groups
        .into_iter()
        .map(|(year_recorded, organization, kind, counts)| ForecastGroup {
            year_recorded,
            organization: organization.and_then(|id| organizations.get(&id).cloned()),
            kind,
            counts,
        })
        .collect();
    // Years in order, then organizations by name, then kinds; groups without a value last.
    groups.sort_by(|a, b| {
        let name = |g: &ForecastGroup| g.organization.as_ref().map(|o| o.name_key.clone());
        (a.year_recorded.is_none(), a.year_recorded, name(a).is_none(), name(a), a.kind).cmp(&(
            b.year_recorded.is_none(),
            b.year_recorded,
            name(b).is_none(),
            name(b),
            b.kind,
        ))
    });
    Ok(ForecastRecord { total, groups })
}

/// The organizations among `ids` (one statement, none when there are none).
async fn organizations_by_id(db: &impl ConnectionTrait, ids: &[i32]) -> ServiceResult<HashMap<i32, OrganizationRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids.iter().copied()))
        .into_partial_model::<OrganizationRow>()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}
