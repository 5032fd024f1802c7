use chrono::NaiveDate;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};

use super::{
    DateFilter, EnumFilter, NumberFilter, OrganizationFilter, Scope, TextColumn, TextFilter, add_some, combine,
};
use crate::domain::ThresholdStatusValue;
use crate::domain::{
    CapabilityCategory, CapabilityStatus, MitEntity, MitIntent, MitSubdomain, MitTiming, Modality, ModalityDirection,
    RiskCategory, RiskCause, RiskHorizon, Severity, Vocabulary,
};
use crate::entity::compute_threshold;
use crate::entity::{
    capability, model, model_capability, model_modality, model_organization, organization, risk_assessment,
};
use crate::service::ServiceResult;
use crate::service::model_columns::model_columns;

/// From the table of model columns (`service::model_columns`): `ModelFilter` with a field per
/// column beside the fields written here, and the conditions those columns add.
macro_rules! model_filter {
    ({ $(#[$meta:meta])* pub struct ModelFilter { $($fields:tt)* } }
     $($(#[$doc:meta])* $field:ident $api:literal : $variant:ident, $kind:ident $(<$vocabulary:ty>)?;)*) => {
        $(#[$meta])*
        pub struct ModelFilter {
            $(pub $field: Option<column_filter!($kind $(<$vocabulary>)?)>,)*
            $($fields)*
        }

        impl ModelFilter {
            /// The conditions on the model's own columns.
            fn column_conditions(&self, mut all: Condition, scope: &Scope) -> ServiceResult<Condition> {
                $(all = add_some(all, &self.$field, scope, $api, column_condition!($kind model::Column::$variant))?;)*
                Ok(all)
            }
        }
    };
}

/// The service's filter of a column of this kind.
macro_rules! column_filter {
    (name) => { TextFilter };
    (text) => { TextFilter };
    (number) => { NumberFilter };
    (date) => { DateFilter };
    (vocabulary<$vocabulary:ty>) => { EnumFilter<$vocabulary> };
}

/// The condition a column's filter adds.
macro_rules! column_condition {
    (name $column:path) => {
        |f: &TextFilter, s: &Scope| f.condition(&TextColumn::Key(col(model::Column::NameKey)), s)
    };
    (text $column:path) => {
        text($column)
    };
    (number $column:path) => {
        number($column)
    };
    (date $column:path) => {
        |f: &DateFilter, s: &Scope| f.condition(col($column), s)
    };
    (vocabulary $column:path) => {
        vocabulary($column)
    };
}

model_columns! { model_filter {
    /// Which models a list (or a statistic, trend or projection) takes in.
    #[derive(Clone, Debug, Default)]
    pub struct ModelFilter {
        pub and: Vec<ModelFilter>,
        pub or: Vec<ModelFilter>,
        pub not: Option<Box<ModelFilter>>,
        /// Announced on or after `.0` and on or before `.1`.
        pub announced_between: Option<(NaiveDate, NaiveDate)>,
        pub description: Option<TextFilter>,
        /// Editors only see drafts, so for the public this can only narrow to published models.
        pub published: Option<bool>,
        /// At least one of the model's organizations matches.
        pub organizations: Option<OrganizationFilter>,
        pub input_modalities: Option<ModalityFilter>,
        pub output_modalities: Option<ModalityFilter>,
        /// At least one capability link matches all of the given conditions.
        pub capabilities: Option<ModelCapabilityFilter>,
        /// At least one risk assessment matches all of the given conditions.
        pub risk_assessments: Option<ModelRiskFilter>,
        /// The model's base model matches (models without one never do).
        pub base_model: Option<Box<ModelFilter>>,
        /// The model's status against a threshold is one of the given; see
        /// `ThresholdStatusFilter`. Several thresholds: combine filters with `and`.
        pub threshold_status: Option<ThresholdStatusFilter>,
    }
} }

/// A model's status against the threshold `threshold` (a slug) is one of `in_list`, as
/// `thresholds::status` derives it, translated into SQL over the model's compute columns and
/// the threshold's row, so that pages, counts and statistics filter in the database.
#[derive(Clone, Debug, Default)]
pub struct ThresholdStatusFilter {
    pub threshold: String,
    pub in_list: Vec<ThresholdStatusValue>,
}

#[derive(Clone, Debug, Default)]
pub struct ModalityFilter {
    pub any_of: Option<Vec<Modality>>,
    pub all_of: Option<Vec<Modality>>,
}

#[derive(Clone, Debug, Default)]
pub struct ModelCapabilityFilter {
    pub slug: Option<TextFilter>,
    pub category: Option<EnumFilter<CapabilityCategory>>,
    pub status: Option<EnumFilter<CapabilityStatus>>,
}

#[derive(Clone, Debug, Default)]
pub struct ModelRiskFilter {
    pub horizon: Option<EnumFilter<RiskHorizon>>,
    pub cause: Option<EnumFilter<RiskCause>>,
    pub category: Option<EnumFilter<RiskCategory>>,
    pub severity_at_least: Option<Severity>,
    pub mit_subdomain: Option<EnumFilter<MitSubdomain>>,
    pub mit_entity: Option<EnumFilter<MitEntity>>,
    pub mit_intent: Option<EnumFilter<MitIntent>>,
    pub mit_timing: Option<EnumFilter<MitTiming>>,
}

fn col(c: model::Column) -> Expr {
    Expr::col((model::Entity, c))
}

fn number(c: model::Column) -> impl FnOnce(&NumberFilter, &Scope) -> ServiceResult<Condition> {
    move |f, s| f.condition(col(c), s)
}

fn text(c: model::Column) -> impl FnOnce(&TextFilter, &Scope) -> ServiceResult<Condition> {
    move |f, s| f.condition(&TextColumn::Plain(col(c)), s)
}

fn vocabulary<T: Vocabulary>(c: model::Column) -> impl FnOnce(&EnumFilter<T>, &Scope) -> ServiceResult<Condition> {
    move |f, s| f.condition(col(c), s)
}

/// `SELECT 1 FROM <table> WHERE <table>.model_id = model.id`, for an EXISTS.
fn linked_to_model(table: impl sea_orm::sea_query::IntoTableRef, model_id: Expr) -> SelectStatement {
    Query::select().expr(Expr::val(1)).from(table).and_where(model_id.equals((model::Entity, model::Column::Id))).take()
}

impl ModelFilter {
    pub fn condition(&self, scope: &Scope) -> ServiceResult<Condition> {
        use model::Column as C;
        let mut all = self.column_conditions(Condition::all(), scope)?;
        if let Some((from, to)) = self.announced_between {
            if from > to {
                return Err(scope.field("announcedBetween").bad("`from` is after `to`"));
            }
            all = all.add(col(C::AnnouncedOn).between(from, to));
        }
        all = add_some(all, &self.description, scope, "description", text(C::Description))?;
        if let Some(published) = self.published {
            all = all.add(col(C::Published).eq(published));
        }
        if let Some(f) = &self.organizations {
            all = all.add(organizations(f, &scope.nested("organizations")?)?);
        }
        if let Some(f) = &self.input_modalities {
            all = all.add(modalities(f, ModalityDirection::Input, &scope.field("inputModalities"))?);
        }
        if let Some(f) = &self.output_modalities {
            all = all.add(modalities(f, ModalityDirection::Output, &scope.field("outputModalities"))?);
        }
        if let Some(f) = &self.capabilities {
            all = all.add(capabilities(f, &scope.field("capabilities"))?);
        }
        if let Some(f) = &self.risk_assessments {
            all = all.add(risk_assessments(f, &scope.field("riskAssessments"))?);
        }
        if let Some(f) = &self.base_model {
            all = all.add(col(C::BaseModelId).in_subquery(models_matching(f, &scope.nested("baseModel")?)?));
        }
        if let Some(f) = &self.threshold_status {
            all = all.add(threshold_status(f, &scope.field("thresholdStatus"))?);
        }
        combine(scope, all, &self.and, &self.or, self.not.as_deref(), |f, s| f.condition(s))
    }
}

/// `SELECT model.id FROM model WHERE <filter>` (only published models for the public).
pub fn models_matching(filter: &ModelFilter, scope: &Scope) -> ServiceResult<SelectStatement> {
    let mut select = Query::select();
    select.column((model::Entity, model::Column::Id)).from(model::Entity).cond_where(filter.condition(scope)?);
    if scope.public {
        select.and_where(col(model::Column::Published).eq(true));
    }
    Ok(select.take())
}

fn organizations(filter: &OrganizationFilter, scope: &Scope) -> ServiceResult<Condition> {
    let mut select = linked_to_model(
        model_organization::Entity,
        Expr::col((model_organization::Entity, model_organization::Column::ModelId)),
    );
    select
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((model_organization::Entity, model_organization::Column::OrganizationId)),
        )
        .cond_where(filter.condition(scope)?);
    Ok(Condition::all().add(Expr::exists(select)))
}

fn modalities(filter: &ModalityFilter, direction: ModalityDirection, scope: &Scope) -> ServiceResult<Condition> {
    let having = |modalities: Vec<&'static str>| {
        let mut select = linked_to_model(
            model_modality::Entity,
            Expr::col((model_modality::Entity, model_modality::Column::ModelId)),
        );
        select
            .and_where(Expr::col((model_modality::Entity, model_modality::Column::Direction)).eq(direction.as_str()))
            .and_where(Expr::col((model_modality::Entity, model_modality::Column::Modality)).is_in(modalities));
        Expr::exists(select)
    };
    let mut all = Condition::all();
    if let Some(list) = &filter.any_of {
        scope.field("anyOf").check_len(list)?;
        all = all.add(having(list.iter().map(|m| m.as_str()).collect()));
    }
    if let Some(list) = &filter.all_of {
        scope.field("allOf").check_len(list)?;
        for m in list {
            all = all.add(having(vec![m.as_str()]));
        }
    }
    Ok(all)
}

fn capabilities(filter: &ModelCapabilityFilter, scope: &Scope) -> ServiceResult<Condition> {
    use model_capability::Column as L;
    let mut cond = Condition::all();
    cond = add_some(cond, &filter.slug, scope, "slug", |f, s| {
        f.condition(&TextColumn::Plain(Expr::col((capability::Entity, capability::Column::Slug))), s)
    })?;
    cond = add_some(cond, &filter.category, scope, "category", |f, s| {
        f.condition(Expr::col((capability::Entity, capability::Column::Category)), s)
    })?;
    cond = add_some(cond, &filter.status, scope, "status", |f, s| {
        f.condition(Expr::col((model_capability::Entity, L::Status)), s)
    })?;
    let mut select = linked_to_model(model_capability::Entity, Expr::col((model_capability::Entity, L::ModelId)));
    select
        .inner_join(
            capability::Entity,
            Expr::col((capability::Entity, capability::Column::Id)).equals((model_capability::Entity, L::CapabilityId)),
        )
        .cond_where(cond);
    Ok(Condition::all().add(Expr::exists(select)))
}

fn risk_assessments(filter: &ModelRiskFilter, scope: &Scope) -> ServiceResult<Condition> {
    use risk_assessment::Column as R;
    let rc = |c: R| Expr::col((risk_assessment::Entity, c));
    let mut cond = Condition::all();
    cond = add_some(cond, &filter.horizon, scope, "horizon", |f, s| f.condition(rc(R::Horizon), s))?;
    cond = add_some(cond, &filter.cause, scope, "cause", |f, s| f.condition(rc(R::Cause), s))?;
    cond = add_some(cond, &filter.category, scope, "category", |f, s| f.condition(rc(R::Category), s))?;
    cond = add_some(cond, &filter.mit_subdomain, scope, "mitSubdomain", |f, s| f.condition(rc(R::MitSubdomain), s))?;
    cond = add_some(cond, &filter.mit_entity, scope, "mitEntity", |f, s| f.condition(rc(R::MitEntity), s))?;
    cond = add_some(cond, &filter.mit_intent, scope, "mitIntent", |f, s| f.condition(rc(R::MitIntent), s))?;
    cond = add_some(cond, &filter.mit_timing, scope, "mitTiming", |f, s| f.condition(rc(R::MitTiming), s))?;
    if let Some(least) = filter.severity_at_least {
        cond = cond.add(rc(R::Severity).is_in(Severity::ALL.iter().filter(|s| **s >= least).map(|s| s.as_str())));
    }
    let mut select = linked_to_model(risk_assessment::Entity, rc(R::ModelId));
    select.cond_where(cond);
    Ok(Condition::all().add(Expr::exists(select)))
}

/// `EXISTS (SELECT 1 FROM compute_threshold WHERE slug = ? AND (<status> OR ...))`, where each
/// status is `thresholds::status`'s rule written over the columns. The counted figure is
/// `training + (finetune + post_training)`, each part zero unless the threshold counts it and the
/// model has it, summed in the same order as the Rust rule so both give the same float.
fn threshold_status(filter: &ThresholdStatusFilter, scope: &Scope) -> ServiceResult<Condition> {
    use compute_threshold::Column as T;
    use model::Column as C;
    let field = scope.field("threshold");
    field.check_text(&filter.threshold)?;
    let statuses = scope.field("in");
    if filter.in_list.is_empty() {
        return Err(statuses.bad("name at least one status"));
    }
    statuses.check_len(&filter.in_list)?;
    let t = |c: T| Expr::col((compute_threshold::Entity, c));
    let part = |flag: T, c: C| {
        Expr::case(t(flag).eq(true), Expr::expr(sea_orm::sea_query::Func::coalesce([col(c), Expr::val(0.0_f64)])))
            .finally(Expr::val(0.0_f64))
    };
    let added = || {
        Expr::expr(part(T::CountsFinetune, C::FinetuneComputeFlop))
            .add(part(T::CountsPostTraining, C::PostTrainingComputeFlop))
    };
    let shifted = |c: C| col(c).add(added());
    let flop = || t(T::Flop);
    let known = || col(C::TrainingComputeFlop).is_not_null();
    let above = || {
        Condition::all()
            .add(col(C::TrainingComputeFlopLow).is_not_null())
            .add(shifted(C::TrainingComputeFlopLow).gte(flop()))
    };
    let below = || {
        Condition::all()
            .add(col(C::TrainingComputeFlopHigh).is_not_null())
            .add(shifted(C::TrainingComputeFlopHigh).lt(flop()))
    };
    let likely = |estimate_above: bool| {
        let estimate = shifted(C::TrainingComputeFlop);
        Condition::all().add(known()).add(above().not()).add(below().not()).add(if estimate_above {
            estimate.gte(flop())
        } else {
            estimate.lt(flop())
        })
    };
    let mut any = Condition::any();
    for standing in &filter.in_list {
        any = any.add(match standing {
            ThresholdStatusValue::Unknown => Condition::all().add(col(C::TrainingComputeFlop).is_null()),
            ThresholdStatusValue::Above => Condition::all().add(known()).add(above()),
            ThresholdStatusValue::Below => Condition::all().add(known()).add(above().not()).add(below()),
            ThresholdStatusValue::LikelyAbove => likely(true),
            ThresholdStatusValue::LikelyBelow => likely(false),
        });
    }
    let select = Query::select()
        .expr(Expr::val(1))
        .from(compute_threshold::Entity)
        .and_where(t(T::Slug).eq(filter.threshold.as_str()))
        .cond_where(any)
        .take();
    Ok(Condition::all().add(Expr::exists(select)))
}

/// Every threshold slug a filter names, with the path of its `threshold` field, for the service
/// to check against the table before running the filter (an unknown slug would match nothing).
pub fn threshold_slugs<'a>(filter: &'a ModelFilter, path: &str, found: &mut Vec<(String, &'a str)>) {
    if let Some(f) = &filter.threshold_status {
        found.push((format!("{path}.thresholdStatus.threshold"), f.threshold.as_str()));
    }
    for (i, f) in filter.and.iter().enumerate() {
        threshold_slugs(f, &format!("{path}.and[{i}]"), found);
    }
    for (i, f) in filter.or.iter().enumerate() {
        threshold_slugs(f, &format!("{path}.or[{i}]"), found);
    }
    if let Some(f) = &filter.not {
        threshold_slugs(f, &format!("{path}.not"), found);
    }
    if let Some(f) = &filter.base_model {
        threshold_slugs(f, &format!("{path}.baseModel"), found);
    }
}
