//! The filter inputs of the catalog's lists.

use async_graphql::InputObject;
use chrono::{DateTime, Utc};

use super::{Conditions, DateFilter, FloatFilter, ModalitiesFilter, StringFilter, VocabularyFilter, conv, count};
use crate::domain::{
    CapabilityCategory, CapabilityStatus, Confidence, Likelihood, MitEntity, MitIntent, MitSubdomain, MitTiming,
    OrganizationKind, PredictionKind, PredictionOutcome, PredictionStatus, RiskCategory, RiskCause, RiskHorizon,
    Severity, ThresholdStatusValue,
};
use crate::graphql::scalars::Date;
use crate::service::filter::{
    CapabilityFilter, ModelCapabilityFilter, ModelFilter, ModelRiskFilter, OrganizationFilter, PredictionFilter,
    RiskAssessmentFilter, ThresholdStatusFilter,
};
use crate::service::model_columns::model_columns;

fn list<A: Into<B>, B>(value: Option<Vec<A>>) -> Vec<B> {
    value.unwrap_or_default().into_iter().map(Into::into).collect()
}

fn boxed<A: Into<B>, B>(value: Option<Box<A>>) -> Option<Box<B>> {
    value.map(|b| Box::new((*b).into()))
}

/// An inclusive range of dates.
#[derive(InputObject)]
pub struct DateRange {
    pub from: Date,
    pub to: Date,
}

/// From the table of model columns (`service::model_columns`): the `ModelFilter` input with a
/// field per column after the fields written here, their conversion and their conditions.
macro_rules! model_filter_input {
    ({ $(#[$meta:meta])* pub struct ModelFilterInput { $($head:tt)* } then { $($tail:tt)* } }
     $($(#[$doc:meta])* $field:ident $api:literal : $variant:ident, $kind:ident $(<$vocabulary:ty>)?;)*) => {
        $(#[$meta])*
        pub struct ModelFilterInput {
            $($head)*
            $(pub $field: Option<column_filter_input!($kind $(<$vocabulary>)?)>,)*
            $($tail)*
        }

        impl ModelFilterInput {
            /// Moves the column filters into `filter`.
            fn columns_into(&mut self, filter: &mut ModelFilter) {
                $(filter.$field = conv(self.$field.take());)*
            }

            /// How many conditions the column filters hold.
            fn column_conditions(&self) -> usize {
                0 $(+ self.$field.conditions())*
            }
        }
    };
}

/// The filter input of a column of this kind.
macro_rules! column_filter_input {
    (name) => { StringFilter };
    (text) => { StringFilter };
    (number) => { FloatFilter };
    (date) => { DateFilter };
    (vocabulary<$vocabulary:ty>) => { VocabularyFilter<$vocabulary> };
}

model_columns! { model_filter_input {
    /// Which models to take in. Conditions side by side must all hold; `and`, `or` and `not` combine
    /// whole filters; filters nest at most 5 levels (`and`/`or`/`not`, `organizations`, `baseModel`).
    #[derive(InputObject, Default)]
    #[graphql(name = "ModelFilter")]
    pub struct ModelFilterInput {
        pub and: Option<Vec<ModelFilterInput>>,
        /// At least one of these holds (an empty list adds no condition).
        pub or: Option<Vec<ModelFilterInput>>,
        pub not: Option<Box<ModelFilterInput>>,
    } then {
        /// Announced between two dates, both included.
        pub announced_between: Option<DateRange>,
        pub description: Option<StringFilter>,
        /// Editors see drafts too; this keeps or drops them.
        pub published: Option<bool>,
        /// At least one of the model's organizations matches.
        pub organizations: Option<OrganizationFilterInput>,
        pub input_modalities: Option<ModalitiesFilter>,
        pub output_modalities: Option<ModalitiesFilter>,
        /// At least one of the model's capability links matches all of these.
        pub capabilities: Option<ModelCapabilityFilterInput>,
        /// At least one of the model's risk assessments matches all of these.
        pub risk_assessments: Option<ModelRiskFilterInput>,
        /// The model's base model matches (models without one never do).
        pub base_model: Option<Box<ModelFilterInput>>,
        /// The model's status against one threshold is one of the given (as `Model.thresholdStatus`
        /// gives it). For several thresholds, combine filters with `and`.
        pub threshold_status: Option<ThresholdStatusFilterInput>,
    }
} }

/// A model's status against the threshold with slug `threshold` is one of `in`. An unknown slug
/// or an empty `in` is BAD_USER_INPUT.
#[derive(InputObject)]
#[graphql(name = "ThresholdStatusFilter")]
pub struct ThresholdStatusFilterInput {
    /// The threshold's slug.
    pub threshold: String,
    /// At least one and at most 100 statuses.
    #[graphql(name = "in")]
    pub in_list: Vec<ThresholdStatusValue>,
}

impl From<ThresholdStatusFilterInput> for ThresholdStatusFilter {
    fn from(f: ThresholdStatusFilterInput) -> Self {
        ThresholdStatusFilter { threshold: f.threshold, in_list: f.in_list }
    }
}

impl Conditions for ThresholdStatusFilterInput {
    fn conditions(&self) -> usize {
        1
    }
}

impl From<ModelFilterInput> for ModelFilter {
    fn from(mut f: ModelFilterInput) -> Self {
        let mut filter = ModelFilter {
            and: list(f.and.take()),
            or: list(f.or.take()),
            not: boxed(f.not.take()),
            announced_between: f.announced_between.take().map(|r| (r.from.0, r.to.0)),
            description: conv(f.description.take()),
            published: f.published,
            organizations: conv(f.organizations.take()),
            input_modalities: conv(f.input_modalities.take()),
            output_modalities: conv(f.output_modalities.take()),
            capabilities: conv(f.capabilities.take()),
            risk_assessments: conv(f.risk_assessments.take()),
            base_model: boxed(f.base_model.take()),
            threshold_status: conv(f.threshold_status.take()),
            ..ModelFilter::default()
        };
        f.columns_into(&mut filter);
        filter
    }
}

impl Conditions for ModelFilterInput {
    fn conditions(&self) -> usize {
        self.and.conditions()
            + self.or.conditions()
            + self.not.conditions()
            + self.column_conditions()
            + count(&[&self.announced_between])
            + self.description.conditions()
            + count(&[&self.published])
            + self.organizations.conditions()
            + self.input_modalities.conditions()
            + self.output_modalities.conditions()
            + self.capabilities.conditions()
            + self.risk_assessments.conditions()
            + self.base_model.conditions()
            + self.threshold_status.conditions()
    }
}

/// Which capability links a model must have one of.
#[derive(InputObject, Default)]
pub struct ModelCapabilityFilterInput {
    pub slug: Option<StringFilter>,
    pub category: Option<VocabularyFilter<CapabilityCategory>>,
    pub status: Option<VocabularyFilter<CapabilityStatus>>,
}

impl From<ModelCapabilityFilterInput> for ModelCapabilityFilter {
    fn from(f: ModelCapabilityFilterInput) -> Self {
        ModelCapabilityFilter { slug: conv(f.slug), category: conv(f.category), status: conv(f.status) }
    }
}

impl Conditions for ModelCapabilityFilterInput {
    fn conditions(&self) -> usize {
        1 + self.slug.conditions() + self.category.conditions() + self.status.conditions()
    }
}

/// Which risk assessments a model must have one of.
#[derive(InputObject, Default)]
pub struct ModelRiskFilterInput {
    pub horizon: Option<VocabularyFilter<RiskHorizon>>,
    pub cause: Option<VocabularyFilter<RiskCause>>,
    pub category: Option<VocabularyFilter<RiskCategory>>,
    /// Severity at this level or above (LOW < MEDIUM < HIGH < CRITICAL).
    pub severity_at_least: Option<Severity>,
    /// The MIT AI Risk Repository subdomain.
    pub mit_subdomain: Option<VocabularyFilter<MitSubdomain>>,
    pub mit_entity: Option<VocabularyFilter<MitEntity>>,
    pub mit_intent: Option<VocabularyFilter<MitIntent>>,
    pub mit_timing: Option<VocabularyFilter<MitTiming>>,
}

impl From<ModelRiskFilterInput> for ModelRiskFilter {
    fn from(f: ModelRiskFilterInput) -> Self {
        ModelRiskFilter {
            horizon: conv(f.horizon),
            cause: conv(f.cause),
            category: conv(f.category),
            severity_at_least: f.severity_at_least,
            mit_subdomain: conv(f.mit_subdomain),
            mit_entity: conv(f.mit_entity),
            mit_intent: conv(f.mit_intent),
            mit_timing: conv(f.mit_timing),
        }
    }
}

impl Conditions for ModelRiskFilterInput {
    fn conditions(&self) -> usize {
        1 + self.horizon.conditions()
            + self.cause.conditions()
            + self.category.conditions()
            + count(&[&self.severity_at_least])
            + self.mit_subdomain.conditions()
            + self.mit_entity.conditions()
            + self.mit_intent.conditions()
            + self.mit_timing.conditions()
    }
}

/// Which organizations to take in.
#[derive(InputObject, Default)]
#[graphql(name = "OrganizationFilter")]
pub struct OrganizationFilterInput {
    pub and: Option<Vec<OrganizationFilterInput>>,
    /// At least one of these holds (an empty list adds no condition).
    pub or: Option<Vec<OrganizationFilterInput>>,
    pub not: Option<Box<OrganizationFilterInput>>,
    pub name: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    /// ISO 3166-1 alpha-2 codes, in any case.
    pub country: Option<StringFilter>,
    pub kind: Option<VocabularyFilter<OrganizationKind>>,
    pub website: Option<StringFilter>,
    pub description: Option<StringFilter>,
}

impl From<OrganizationFilterInput> for OrganizationFilter {
    fn from(f: OrganizationFilterInput) -> Self {
        OrganizationFilter {
            and: list(f.and),
            or: list(f.or),
            not: boxed(f.not),
            name: conv(f.name),
            slug: conv(f.slug),
            country: conv(f.country),
            kind: conv(f.kind),
            website: conv(f.website),
            description: conv(f.description),
        }
    }
}

impl Conditions for OrganizationFilterInput {
    fn conditions(&self) -> usize {
        1 + self.and.conditions()
            + self.or.conditions()
            + self.not.conditions()
            + self.name.conditions()
            + self.slug.conditions()
            + self.country.conditions()
            + self.kind.conditions()
            + self.website.conditions()
            + self.description.conditions()
    }
}

/// Which capabilities to take in.
#[derive(InputObject, Default)]
#[graphql(name = "CapabilityFilter")]
pub struct CapabilityFilterInput {
    pub and: Option<Vec<CapabilityFilterInput>>,
    /// At least one of these holds (an empty list adds no condition).
    pub or: Option<Vec<CapabilityFilterInput>>,
    pub not: Option<Box<CapabilityFilterInput>>,
    pub name: Option<StringFilter>,
    pub slug: Option<StringFilter>,
    pub category: Option<VocabularyFilter<CapabilityCategory>>,
    pub description: Option<StringFilter>,
}

impl From<CapabilityFilterInput> for CapabilityFilter {
    fn from(f: CapabilityFilterInput) -> Self {
        CapabilityFilter {
            and: list(f.and),
            or: list(f.or),
            not: boxed(f.not),
            name: conv(f.name),
            slug: conv(f.slug),
            category: conv(f.category),
            description: conv(f.description),
        }
    }
}

impl Conditions for CapabilityFilterInput {
    fn conditions(&self) -> usize {
        self.and.conditions()
            + self.or.conditions()
            + self.not.conditions()
            + self.name.conditions()
            + self.slug.conditions()
            + self.category.conditions()
            + self.description.conditions()
    }
}

/// Which risk assessments to take in.
#[derive(InputObject, Default)]
#[graphql(name = "RiskAssessmentFilter")]
pub struct RiskAssessmentFilterInput {
    pub and: Option<Vec<RiskAssessmentFilterInput>>,
    /// At least one of these holds (an empty list adds no condition).
    pub or: Option<Vec<RiskAssessmentFilterInput>>,
    pub not: Option<Box<RiskAssessmentFilterInput>>,
    pub horizon: Option<VocabularyFilter<RiskHorizon>>,
    pub cause: Option<VocabularyFilter<RiskCause>>,
    pub category: Option<VocabularyFilter<RiskCategory>>,
    pub severity: Option<VocabularyFilter<Severity>>,
    /// Severity at this level or above (LOW < MEDIUM < HIGH < CRITICAL).
    pub severity_at_least: Option<Severity>,
    pub likelihood: Option<VocabularyFilter<Likelihood>>,
    pub confidence: Option<VocabularyFilter<Confidence>>,
    pub assessed_on: Option<DateFilter>,
    pub author: Option<StringFilter>,
    pub summary: Option<StringFilter>,
    /// The MIT AI Risk Repository subdomain.
    pub mit_subdomain: Option<VocabularyFilter<MitSubdomain>>,
    pub mit_entity: Option<VocabularyFilter<MitEntity>>,
    pub mit_intent: Option<VocabularyFilter<MitIntent>>,
    pub mit_timing: Option<VocabularyFilter<MitTiming>>,
    /// true: all four MIT fields are set; false: at least one is not (an assessment written
    /// before the classification that no rule could classify).
    pub mit_classified: Option<bool>,
    pub source_url: Option<StringFilter>,
    /// The assessed model matches.
    pub model: Option<Box<ModelFilterInput>>,
}

impl From<RiskAssessmentFilterInput> for RiskAssessmentFilter {
    fn from(f: RiskAssessmentFilterInput) -> Self {
        RiskAssessmentFilter {
            and: list(f.and),
            or: list(f.or),
            not: boxed(f.not),
            horizon: conv(f.horizon),
            cause: conv(f.cause),
            category: conv(f.category),
            severity: conv(f.severity),
            severity_at_least: f.severity_at_least,
            likelihood: conv(f.likelihood),
            confidence: conv(f.confidence),
            assessed_on: conv(f.assessed_on),
            author: conv(f.author),
            summary: conv(f.summary),
            mit_subdomain: conv(f.mit_subdomain),
            mit_entity: conv(f.mit_entity),
            mit_intent: conv(f.mit_intent),
            mit_timing: conv(f.mit_timing),
            mit_classified: f.mit_classified,
            source_url: conv(f.source_url),
            model: boxed(f.model),
        }
    }
}

impl Conditions for RiskAssessmentFilterInput {
    fn conditions(&self) -> usize {
        self.and.conditions()
            + self.or.conditions()
            + self.not.conditions()
            + self.horizon.conditions()
            + self.cause.conditions()
            + self.category.conditions()
            + self.severity.conditions()
            + count(&[&self.severity_at_least])
            + self.likelihood.conditions()
            + self.confidence.conditions()
            + self.assessed_on.conditions()
            + self.author.conditions()
            + self.summary.conditions()
            + self.mit_subdomain.conditions()
            + self.mit_entity.conditions()
            + self.mit_intent.conditions()
            + self.mit_timing.conditions()
            + count(&[&self.mit_classified])
            + self.source_url.conditions()
            + self.model.as_ref().map_or(0, |m| 1 + m.conditions())
    }
}

/// Which predictions the ledger and the record take in; every condition given must hold.
/// Unknown model or organization slugs match nothing (as in the models filter).
#[derive(InputObject, Default)]
#[graphql(name = "PredictionFilter")]
pub struct PredictionFilterInput {
    /// The subject model is one of these slugs (at most 100; one slug may be given alone).
    pub model: Option<Vec<String>>,
    /// One of the subject model's organizations has this slug.
    pub organization: Option<String>,
    /// One of the subject model's organizations is of this country: an ISO 3166-1 alpha-2
    /// code, in any case.
    pub country: Option<String>,
    pub kind: Option<PredictionKind>,
    pub status: Option<PredictionStatus>,
    /// Resolved with this outcome (withdrawn predictions keep an outcome they had).
    pub outcome: Option<PredictionOutcome>,
    /// Recorded at or after this instant.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded strictly before this instant; must be later than `recordedFrom`.
    pub recorded_before: Option<DateTime<Utc>>,
    /// Recorded on or after the start (UTC) of its successor's announced day (see
    /// `Prediction.hindsight`).
    pub hindsight: Option<bool>,
}

impl From<PredictionFilterInput> for PredictionFilter {
    fn from(f: PredictionFilterInput) -> Self {
        PredictionFilter {
            model: f.model,
            organization: f.organization,
            country: f.country,
            kind: f.kind,
            status: f.status,
            outcome: f.outcome,
            recorded_from: f.recorded_from,
            recorded_before: f.recorded_before,
            hindsight: f.hindsight,
        }
    }
}

impl Conditions for PredictionFilterInput {
    fn conditions(&self) -> usize {
        count(&[&self.model])
            + count(&[&self.organization, &self.country])
            + count(&[&self.kind])
            + count(&[&self.status])
            + count(&[&self.outcome])
            + count(&[&self.recorded_from, &self.recorded_before])
            + count(&[&self.hindsight])
    }
}
