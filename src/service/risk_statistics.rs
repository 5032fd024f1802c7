//! Counts of the risk assessments a filter keeps, grouped by the tracker's own fields and the
//! MIT AI Risk Repository's taxonomies: one `GROUP BY` statement, so the answer is one row per
//! group whatever the number of assessments.

use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{Audience, ServiceError, ServiceResult, filter::RiskAssessmentFilter, risk_assessments};
use crate::domain::{
    MitEntity, MitIntent, MitSubdomain, MitTiming, RiskCategory, RiskCause, RiskHorizon, RiskStatisticsDimension,
    Severity, Vocabulary,
};
use crate::entity::risk_assessment::{Column, Entity};

/// One group's key: the value of each grouped dimension; None where the assessments have none
/// (or the dimension is not grouped by).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RiskGroupKey {
    pub horizon: Option<RiskHorizon>,
    pub cause: Option<RiskCause>,
    pub category: Option<RiskCategory>,
    pub severity: Option<Severity>,
    pub mit_subdomain: Option<MitSubdomain>,
    pub mit_entity: Option<MitEntity>,
    pub mit_intent: Option<MitIntent>,
    pub mit_timing: Option<MitTiming>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RiskGroup {
    pub key: RiskGroupKey,
    /// Assessments in the group.
    pub count: u64,
    /// Distinct models they assess.
    pub models: u64,
}

/// At most this many dimensions at once (the full causal triple and a subdomain).
pub const MAX_RISK_DIMENSIONS: usize = 4;

fn column(dim: RiskStatisticsDimension) -> Column {
    match dim {
        RiskStatisticsDimension::Horizon => Column::Horizon,
        RiskStatisticsDimension::Cause => Column::Cause,
        RiskStatisticsDimension::Category => Column::Category,
        RiskStatisticsDimension::Severity => Column::Severity,
        RiskStatisticsDimension::MitSubdomain => Column::MitSubdomain,
        RiskStatisticsDimension::MitEntity => Column::MitEntity,
        RiskStatisticsDimension::MitIntent => Column::MitIntent,
        RiskStatisticsDimension::MitTiming => Column::MitTiming,
    }
}

/// The stored text as a value of `V`; text no value has is a bug or a bad migration.
fn parse<V: Vocabulary>(text: Option<String>) -> ServiceResult<Option<V>> {
    Ok(text.map(|t| V::try_from_value(&t)).transpose()?)
}

/// Where a value sorts: its place in the vocabulary's declared order, missing values last.
fn place<V: Vocabulary + PartialEq>(all: &[V], value: Option<V>) -> usize {
    value.and_then(|v| all.iter().position(|x| *x == v)).unwrap_or(usize::MAX)
}

impl RiskGroupKey {
    fn sort_key(&self) -> [usize; 8] {
        [
            place(RiskHorizon::ALL, self.horizon),
            place(RiskCause::ALL, self.cause),
            place(RiskCategory::ALL, self.category),
            place(Severity::ALL, self.severity),
            place(MitSubdomain::ALL, self.mit_subdomain),
            place(MitEntity::ALL, self.mit_entity),
            place(MitIntent::ALL, self.mit_intent),
            place(MitTiming::ALL, self.mit_timing),
        ]
    }
}

pub async fn risk_statistics(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&RiskAssessmentFilter>,
    group_by: &[RiskStatisticsDimension],
) -> ServiceResult<Vec<RiskGroup>> {
    if group_by.len() > MAX_RISK_DIMENSIONS {
        return Err(ServiceError::bad_input("groupBy", format!("at most {MAX_RISK_DIMENSIONS} dimensions")));
    }
    let dims: BTreeSet<RiskStatisticsDimension> = group_by.iter().copied().collect();
    if dims.len() != group_by.len() {
        return Err(ServiceError::bad_input("groupBy", "names a dimension twice"));
    }
    let dims: Vec<RiskStatisticsDimension> = dims.into_iter().collect();
    let mut select = risk_assessments::filtered(db, audience, filter)?.select_only();
    for dim in &dims {
        select = select.column(column(*dim)).group_by(column(*dim));
    }
    let select = select
        .column_as(Expr::col((Entity, Column::Id)).count(), "assessments")
        .column_as(Expr::col((Entity, Column::ModelId)).count_distinct(), "models");
    let rows = db.query_all(&select.into_query()).await?;
    let mut groups = Vec::with_capacity(rows.len());
    for row in rows {
        let mut key = RiskGroupKey::default();
        for (i, dim) in dims.iter().enumerate() {
            let text: Option<String> = row.try_get_by_index(i)?;
            match dim {
                RiskStatisticsDimension::Horizon => key.horizon = parse(text)?,
                RiskStatisticsDimension::Cause => key.cause = parse(text)?,
                RiskStatisticsDimension::Category => key.category = parse(text)?,
                RiskStatisticsDimension::Severity => key.severity = parse(text)?,
                RiskStatisticsDimension::MitSubdomain => key.mit_subdomain = parse(text)?,
                RiskStatisticsDimension::MitEntity => key.mit_entity = parse(text)?,
                RiskStatisticsDimension::MitIntent => key.mit_intent = parse(text)?,
                RiskStatisticsDimension::MitTiming => key.mit_timing = parse(text)?,
            }
        }
        let count: i64 = row.try_get_by_index(dims.len())?;
        let models: i64 = row.try_get_by_index(dims.len() + 1)?;
        if count > 0 {
            groups.push(RiskGroup { key, count: count as u64, models: models as u64 });
        }
    }
    if dims.is_empty() && groups.is_empty() {
        groups.push(RiskGroup { key: RiskGroupKey::default(), count: 0, models: 0 });
    }
    groups.sort_by_key(|g| g.key.sort_key());
    Ok(groups)
}
