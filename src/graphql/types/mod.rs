//! The catalog's GraphQL object types. Each wraps a service row; relations resolve through the
//! request's DataLoader.

mod capability;
mod crossing;
mod dataset;
mod editor;
mod feedback;
mod forecast;
mod model;
mod organization;
mod prediction;
mod revision;
mod risk_assessment;
mod successor;
mod threshold;

pub use capability::{Capability, ModelCapability};
pub use crossing::ThresholdCrossing;
pub use dataset::Dataset;
pub use editor::Editor;
pub use feedback::{Contributor, Feedback, FeedbackReceipt, FeedbackTracking};
pub use forecast::ForecastRecord;
pub use model::{Model, TEXT_FIELDS, prefetch_model_relations, prefetch_relations};
pub use organization::Organization;
pub use prediction::{Prediction, prefetch_prediction_relations};
pub use revision::{FieldChange, Revision, changes, changes_cost, history};
pub use risk_assessment::{RiskAssessment, prefetch_list_rationales};
pub use successor::SuccessorCandidate;
pub use threshold::{ComputeThreshold, ThresholdCrossings, ThresholdStatus};

use std::ops::Deref;
use std::sync::Arc;

use async_graphql::{Context, dataloader::Loader};

use super::error::OrGraphqlError;
use super::loaders::{CatalogLoader, PastLoaders, RequestLoader};
use crate::service::history::Past;

/// When an object was read: now (`None`), or as recorded at a past instant. Every object keeps
/// it and hands it to the objects it leads to, so a past read's nested fields answer about the
/// same instant.
pub type When = Option<Past>;

/// The request's loader of the catalog now, or of a past instant's.
pub(crate) enum LoaderOf<'a> {
    Now(&'a RequestLoader),
    Past(Arc<RequestLoader>),
}

impl Deref for LoaderOf<'_> {
    type Target = RequestLoader;

    fn deref(&self) -> &RequestLoader {
        match self {
            LoaderOf::Now(loader) => loader,
            LoaderOf::Past(loader) => loader,
        }
    }
}

pub(crate) fn loader<'a>(ctx: &Context<'a>, at: When) -> async_graphql::Result<LoaderOf<'a>> {
    match at {
        None => Ok(LoaderOf::Now(ctx.data_unchecked::<RequestLoader>())),
        Some(past) => Ok(LoaderOf::Past(ctx.data_unchecked::<PastLoaders>().get(past).gql()?)),
    }
}

/// Loads `key` through the request's DataLoader of `at`; a missing entry is an empty or absent
/// value.
pub(crate) async fn load<K, V>(ctx: &Context<'_>, at: When, key: K) -> async_graphql::Result<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Value = V, Error = crate::service::ServiceError>,
    V: Send + Sync + Clone + 'static,
{
    loader(ctx, at)?.load_one(key).await.gql()
}

/// Loads the list `key` names and counts its items against the operation's row limit.
pub(crate) async fn load_list<K, T>(ctx: &Context<'_>, at: When, key: K) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Value = Vec<T>, Error = crate::service::ServiceError>,
    T: Send + Sync + Clone + 'static,
{
    let list = load(ctx, at, key).await?.unwrap_or_default();
    super::budget::charge_rows(ctx, list.len())?;
    Ok(list)
}

/// A stored enum value, parsed back into its domain type.
pub(crate) fn decode<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> async_graphql::Result<T> {
    crate::service::stored(what, value, parse).gql()
}
