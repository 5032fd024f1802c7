use sea_orm::sea_query::{Condition, Expr, ExprTrait};

use super::{DateFilter, EnumFilter, ModelFilter, Scope, TextColumn, TextFilter, add_some, combine, model};
use crate::domain::{
    Confidence, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming, RiskCategory, RiskCause, RiskHorizon,
    Severity, Vocabulary,
};
use crate::entity::risk_assessment::{Column, Entity};
use crate::service::ServiceResult;

/// Which risk assessments a list keeps.
#[derive(Clone, Debug, Default)]
pub struct RiskAssessmentFilter {
    pub and: Vec<RiskAssessmentFilter>,
    pub or: Vec<RiskAssessmentFilter>,
    pub not: Option<Box<RiskAssessmentFilter>>,
    pub horizon: Option<EnumFilter<RiskHorizon>>,
    pub cause: Option<EnumFilter<RiskCause>>,
    pub category: Option<EnumFilter<RiskCategory>>,
    pub severity: Option<EnumFilter<Severity>>,
    pub severity_at_least: Option<Severity>,
    pub likelihood: Option<EnumFilter<Likelihood>>,
    pub confidence: Option<EnumFilter<Confidence>>,
    pub assessed_on: Option<DateFilter>,
    pub author: Option<TextFilter>,
    pub summary: Option<TextFilter>,
    pub mit_subdomain: Option<EnumFilter<MitSubdomain>>,
    pub mit_entity: Option<EnumFilter<MitEntity>>,
    pub mit_intent: Option<EnumFilter<MitIntent>>,
    pub mit_timing: Option<EnumFilter<MitTiming>>,
    /// Whether all four MIT fields are set (true) or any is missing (false).
    pub mit_classified: Option<bool>,
    pub source_url: Option<TextFilter>,
    /// The assessed model matches.
    pub model: Option<Box<ModelFilter>>,
}

fn col(c: Column) -> Expr {
    Expr::col((Entity, c))
}

fn vocabulary<T: Vocabulary>(c: Column) -> impl FnOnce(&EnumFilter<T>, &Scope) -> ServiceResult<Condition> {
    move |f, s| f.condition(col(c), s)
}

/// All four MIT fields set (`true`), or at least one missing (`false`).
pub fn classified_condition(classified: bool) -> Condition {
    let columns = [Column::MitSubdomain, Column::MitEntity, Column::MitIntent, Column::MitTiming];
    if classified {
        columns.into_iter().fold(Condition::all(), |all, c| all.add(col(c).is_not_null()))
    } else {
        columns.into_iter().fold(Condition::any(), |any, c| any.add(col(c).is_null()))
    }
}

impl RiskAssessmentFilter {
    pub fn condition(&self, scope: &Scope) -> ServiceResult<Condition> {
        let mut all = Condition::all();
        all = add_some(all, &self.horizon, scope, "horizon", vocabulary(Column::Horizon))?;
        all = add_some(all, &self.cause, scope, "cause", vocabulary(Column::Cause))?;
        all = add_some(all, &self.category, scope, "category", vocabulary(Column::Category))?;
        all = add_some(all, &self.severity, scope, "severity", vocabulary(Column::Severity))?;
        if let Some(least) = self.severity_at_least {
            let at_least = Severity::ALL.iter().filter(|s| **s >= least).map(|s| s.as_str());
            all = all.add(col(Column::Severity).is_in(at_least));
        }
        all = add_some(all, &self.likelihood, scope, "likelihood", vocabulary(Column::Likelihood))?;
        all = add_some(all, &self.confidence, scope, "confidence", vocabulary(Column::Confidence))?;
        all = add_some(all, &self.assessed_on, scope, "assessedOn", |f: &DateFilter, s| {
            f.condition(col(Column::AssessedOn), s)
        })?;
        all = add_some(all, &self.author, scope, "author", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Author)), s)
        })?;
        all = add_some(all, &self.summary, scope, "summary", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Summary)), s)
        })?;
        all = add_some(all, &self.mit_subdomain, scope, "mitSubdomain", vocabulary(Column::MitSubdomain))?;
        all = add_some(all, &self.mit_entity, scope, "mitEntity", vocabulary(Column::MitEntity))?;
        all = add_some(all, &self.mit_intent, scope, "mitIntent", vocabulary(Column::MitIntent))?;
        all = add_some(all, &self.mit_timing, scope, "mitTiming", vocabulary(Column::MitTiming))?;
        if let Some(classified) = self.mit_classified {
            all = all.add(classified_condition(classified));
        }
        all = add_some(all, &self.source_url, scope, "sourceUrl", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::SourceUrl)), s)
        })?;
        if let Some(f) = &self.model {
            all = all.add(col(Column::ModelId).in_subquery(model::models_matching(f, &scope.nested("model")?)?));
        }
        combine(scope, all, &self.and, &self.or, self.not.as_deref(), |f, s| f.condition(s))
    }
}
