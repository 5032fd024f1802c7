use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select,
    sea_query::{Expr, ExprTrait},
};
use serde_json::Value as Json;

use super::row::read_by_position;
use super::{
    Audience, OrderBy, ServiceResult,
    filter::{RiskAssessmentFilter, Scope},
    models,
    page::{self, KeyKind, OrderField, Page, PageArgs},
};
use crate::domain::{
    Confidence, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming, RiskAssessmentOrderField, RiskCategory,
    RiskCause, RiskHorizon, Severity,
};
use crate::entity::{model, risk_assessment};

read_by_position! {
    /// An assessment as reads serve it: every column the API shows but the rationale, which
    /// [`rationales`] reads for the readers who ask for it (a catalog page shows only the summary).
    /// The timestamps are the history's to show.
    #[derive(Clone, Debug, PartialEq, DerivePartialModel)]
    #[sea_orm(entity = "risk_assessment::Entity", from_query_result = "false")]
    pub struct RiskAssessmentRow {
        pub id: i32,
        pub model_id: i32,
        pub horizon: RiskHorizon,
        pub cause: RiskCause,
        pub category: RiskCategory,
        pub severity: Severity,
        pub likelihood: Likelihood,
        pub summary: String,
        pub confidence: Confidence,
        pub assessed_on: sea_orm::prelude::Date,
        pub author: Option<String>,
        pub version: i32,
        pub mit_subdomain: Option<MitSubdomain>,
        pub mit_entity: Option<MitEntity>,
        pub mit_intent: Option<MitIntent>,
        pub mit_timing: Option<MitTiming>,
        pub source_url: Option<String>,
    }
}

/// A row just written, as reads serve it.
impl From<risk_assessment::Model> for RiskAssessmentRow {
    fn from(r: risk_assessment::Model) -> Self {
        RiskAssessmentRow {
            id: r.id,
            model_id: r.model_id,
            horizon: r.horizon,
            cause: r.cause,
            category: r.category,
            severity: r.severity,
            likelihood: r.likelihood,
            summary: r.summary,
            confidence: r.confidence,
            assessed_on: r.assessed_on,
            author: r.author,
            version: r.version,
            mit_subdomain: r.mit_subdomain,
            mit_entity: r.mit_entity,
            mit_intent: r.mit_intent,
            mit_timing: r.mit_timing,
            source_url: r.source_url,
        }
    }
}

/// The rationales (Markdown) of the assessments among `ids` that `audience` may see (one
/// statement).
pub async fn rationales(
    db: &impl ConnectionTrait,
    audience: Audience,
    ids: &[i32],
) -> ServiceResult<HashMap<i32, String>> {
    let rows: Vec<(i32, String)> = visible(audience)
        .filter(super::relations::one_of(db.get_database_backend(), risk_assessment::Column::Id, ids.iter().copied()))
        .select_only()
        .columns([risk_assessment::Column::Id, risk_assessment::Column::Rationale])
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Assessments of the models `audience` may see.
pub fn visible(audience: Audience) -> Select<risk_assessment::Entity> {
    let select = risk_assessment::Entity::find();
    match audience {
        Audience::Public => select.filter(
            risk_assessment::Column::ModelId
                .in_subquery(models::visible(audience).select_only().column(model::Column::Id).into_query()),
        ),
        Audience::Editor => select,
    }
}

/// The assessments `audience` may see that pass `filter`.
pub(super) fn filtered(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&RiskAssessmentFilter>,
) -> ServiceResult<Select<risk_assessment::Entity>> {
    let select = visible(audience);
    match filter {
        Some(f) => Ok(select.filter(f.condition(&Scope::root(db.get_database_backend(), audience, "filter"))?)),
        None => Ok(select),
    }
}

/// A rank expression (1 = lowest) so that ordinal scales sort by meaning, not by spelling.
fn rank<T: Copy>(column: risk_assessment::Column, all: &[T], text: fn(T) -> &'static str) -> Expr {
    let col = Expr::col((risk_assessment::Entity, column));
    let mut case = Expr::case(col.clone().eq(text(all[0])), 1);
    for (i, value) in all.iter().enumerate().skip(1) {
        case = case.case(col.clone().eq(text(*value)), i as i32 + 1);
    }
    case.finally(0).into()
}

fn rank_of<T: Copy + PartialEq>(all: &[T], value: T) -> Json {
    Json::from(all.iter().position(|x| *x == value).map_or(0, |i| i + 1))
}

impl OrderField for RiskAssessmentOrderField {
    type Row = RiskAssessmentRow;

    fn sort_key(self) -> (Expr, KeyKind) {
        let column = |c: risk_assessment::Column| Expr::col((risk_assessment::Entity, c));
        match self {
            RiskAssessmentOrderField::AssessedOn => (column(risk_assessment::Column::AssessedOn), KeyKind::Date),
            RiskAssessmentOrderField::Severity => {
                (rank(risk_assessment::Column::Severity, Severity::ALL, Severity::as_str), KeyKind::Float)
            }
            RiskAssessmentOrderField::Likelihood => {
                (rank(risk_assessment::Column::Likelihood, Likelihood::ALL, Likelihood::as_str), KeyKind::Float)
            }
            RiskAssessmentOrderField::Horizon => (column(risk_assessment::Column::Horizon), KeyKind::Text),
            RiskAssessmentOrderField::Cause => (column(risk_assessment::Column::Cause), KeyKind::Text),
            RiskAssessmentOrderField::Category => (column(risk_assessment::Column::Category), KeyKind::Text),
            RiskAssessmentOrderField::Confidence => (column(risk_assessment::Column::Confidence), KeyKind::Text),
        }
    }

    fn key_value(self, row: &RiskAssessmentRow) -> Json {
        match self {
            RiskAssessmentOrderField::AssessedOn => Json::from(row.assessed_on.to_string()),
            RiskAssessmentOrderField::Severity => rank_of(Severity::ALL, row.severity),
            RiskAssessmentOrderField::Likelihood => rank_of(Likelihood::ALL, row.likelihood),
            RiskAssessmentOrderField::Horizon => Json::from(row.horizon.as_str()),
            RiskAssessmentOrderField::Cause => Json::from(row.cause.as_str()),
            RiskAssessmentOrderField::Category => Json::from(row.category.as_str()),
            RiskAssessmentOrderField::Confidence => Json::from(row.confidence.as_str()),
        }
    }

    fn id(row: &RiskAssessmentRow) -> i32 {
        row.id
    }
}

pub async fn page(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&RiskAssessmentFilter>,
    order: &[OrderBy<RiskAssessmentOrderField>],
    args: &PageArgs,
) -> ServiceResult<Page<RiskAssessmentRow>> {
    let default = [OrderBy { field: RiskAssessmentOrderField::AssessedOn, descending: true }];
    page::ordered(db, filtered(db, audience, filter)?, order, &default, risk_assessment::Column::Id, args).await
}

pub async fn count(
    db: &impl ConnectionTrait,
    audience: Audience,
    filter: Option<&RiskAssessmentFilter>,
) -> ServiceResult<u64> {
    page::total(db, filtered(db, audience, filter)?).await
}

pub async fn by_id(db: &impl ConnectionTrait, audience: Audience, id: i32) -> ServiceResult<Option<RiskAssessmentRow>> {
    Ok(visible(audience).filter(risk_assessment::Column::Id.eq(id)).into_partial_model().one(db).await?)
}
