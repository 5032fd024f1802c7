//! The catalog's GraphQL object types. Each wraps a service row; relations resolve through the
//! request's DataLoader.

mod capability;
mod crossing;
mod dataset;
mod editor;
mod feedback;
mod model;
mod organization;
mod revision;
mod risk_assessment;
mod successor;
mod threshold;

pub use capability::{Capability, ModelCapability};
pub use crossing::ThresholdCrossing;
pub use dataset::Dataset;
pub use editor::Editor;
pub use feedback::{Contributor, Feedback, FeedbackReceipt, FeedbackTracking};
pub use model::{Model, prefetch_model_relations, prefetch_relations};
pub use organization::Organization;
pub use revision::{Revision, history};
pub use risk_assessment::{RiskAssessment, prefetch_list_rationales};
pub use successor::SuccessorCandidate;
pub use threshold::{ComputeThreshold, ThresholdCrossings, ThresholdStatus};

use async_graphql::{Context, dataloader::Loader};

use super::error::OrGraphqlError;
use super::loaders::{CatalogLoader, RequestLoader};

/// Loads `key` through the request's DataLoader; a missing entry is an empty or absent value.
pub(crate) async fn load<K, V>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Option<V>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Value = V, Error = crate::service::ServiceError>,
    V: Send + Sync + Clone + 'static,
{
    ctx.data_unchecked::<RequestLoader>().load_one(key).await.gql()
}

/// Loads the list `key` names and counts its items against the operation's row limit.
pub(crate) async fn load_list<K, T>(ctx: &Context<'_>, key: K) -> async_graphql::Result<Vec<T>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Value = Vec<T>, Error = crate::service::ServiceError>,
    T: Send + Sync + Clone + 'static,
{
    let list = load(ctx, key).await?.unwrap_or_default();
    super::budget::charge_rows(ctx, list.len())?;
    Ok(list)
}

/// A stored enum value, parsed back into its domain type.
pub(crate) fn decode<T>(what: &str, value: &str, parse: fn(&str) -> Option<T>) -> async_graphql::Result<T> {
    crate::service::stored(what, value, parse).gql()
}
