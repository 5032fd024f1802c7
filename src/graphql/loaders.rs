//! Per-request DataLoaders for every relation: the keys a query level asks for are collected and
//! read with one batch call into `service::relations`, so a nested page costs a fixed number of
//! statements per level, whatever its size.
//!
//! The cache keeps the catalog's rows behind `Arc`s (see [`Shared`]): a page's resolvers read
//! each row many times (a model for each of its capability links, the cache for each field), and
//! a shared row is copied as a pointer, not string by string.

use std::collections::HashMap;
use std::sync::Arc;

use std::sync::Mutex;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use sea_orm::DatabaseConnection;

use crate::service::{
    Audience, ServiceError,
    capabilities::{self, CapabilityRow},
    datasets::DatasetRow,
    history::{Past, Reader},
    models::{self, ModelRow, ModelText},
    organizations::OrganizationRow,
    predictions::{self, PredictionRow},
    relations::{self, ModelCapabilityRow, ModelLists},
    risk_assessments::{self, RiskAssessmentRow},
    successors::{self, SuccessorCandidateRow},
    thresholds::{self, ThresholdRow},
};

pub struct CatalogLoader {
    db: Reader,
    audience: Audience,
}

pub type RequestLoader = DataLoader<CatalogLoader, HashMapCache>;

/// A fresh loader (and cache) for one request.
pub fn for_request(db: DatabaseConnection, audience: Audience) -> RequestLoader {
    DataLoader::with_cache(CatalogLoader { db: Reader::now(db), audience }, tokio::spawn, HashMapCache::default())
}

/// The most past instants one request may read (each has a loader and cache of its own).
pub const MAX_PASTS: usize = 4;

/// The request's loaders of past states, one per instant (so a cached row is keyed by the
/// instant as well as its id): the public catalog as recorded then, whoever asks.
pub struct PastLoaders {
    db: DatabaseConnection,
    loaders: Mutex<Vec<(Past, Arc<RequestLoader>)>>,
}

impl PastLoaders {
    pub fn new(db: DatabaseConnection) -> Self {
        PastLoaders { db, loaders: Mutex::new(Vec::new()) }
    }

    /// The loader of `past`'s state; a request naming more than `MAX_PASTS` instants is refused.
    pub fn get(&self, past: Past) -> Result<Arc<RequestLoader>, ServiceError> {
        let mut loaders = self.loaders.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, loader)) = loaders.iter().find(|(p, _)| p.revision == past.revision) {
            return Ok(loader.clone());
        }
        if loaders.len() >= MAX_PASTS {
            return Err(ServiceError::bad_input(
                "asRecordedAt",
                format!("names more than {MAX_PASTS} instants in one request"),
            ));
        }
        let loader = CatalogLoader { db: Reader::past(self.db.clone(), past), audience: Audience::Public };
        let loader = Arc::new(DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()));
        loaders.push((past, loader.clone()));
        Ok(loader)
    }
}

/// How a value the service read is kept in the request's cache and handed to resolvers: rows
/// behind `Arc`s, small values as they are.
pub trait Shared {
    type Kept: Clone + Send + Sync + 'static;
    fn keep(self) -> Self::Kept;
}

macro_rules! shared_rows {
    ($($row:ty),+) => {$(
        impl Shared for $row {
            type Kept = Arc<$row>;
            fn keep(self) -> Arc<$row> {
                Arc::new(self)
            }
        }
    )+};
}

shared_rows!(
    ModelRow,
    ModelText,
    OrganizationRow,
    CapabilityRow,
    ModelCapabilityRow,
    ModelLists,
    RiskAssessmentRow,
    DatasetRow,
    PredictionRow
);

macro_rules! kept_as_is {
    ($($value:ty),+) => {$(
        impl Shared for $value {
            type Kept = $value;
            fn keep(self) -> $value {
                self
            }
        }
    )+};
}

kept_as_is!(String, SuccessorCandidateRow, u64);

/// A row the service already shares (one capability named by many links).
impl<T: Send + Sync + 'static> Shared for Arc<T> {
    type Kept = Arc<T>;
    fn keep(self) -> Arc<T> {
        self
    }
}

impl<T: Shared> Shared for Vec<T> {
    type Kept = Vec<T::Kept>;
    fn keep(self) -> Self::Kept {
        self.into_iter().map(Shared::keep).collect()
    }
}

impl<T: Shared> Shared for Option<T> {
    type Kept = Option<T::Kept>;
    fn keep(self) -> Self::Kept {
        self.map(Shared::keep)
    }
}

impl<A: Shared, B: Shared> Shared for (A, B) {
    type Kept = (A::Kept, B::Kept);
    fn keep(self) -> Self::Kept {
        (self.0.keep(), self.1.keep())
    }
}

/// Reads `keys` at once and puts what was found in the request's cache, skipping the loader's
/// wait for more keys: the caller already holds every key of its level (a page's models).
pub async fn prefetch<K>(loader: &RequestLoader, keys: Vec<K>) -> Result<(), ServiceError>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    CatalogLoader: Loader<K, Error = ServiceError>,
{
    if keys.is_empty() {
        return Ok(());
    }
    let found = loader.loader().load(&keys).await?;
    loader.feed_many(found).await;
    Ok(())
}

/// A read of the rows found by id, as a loader of optional rows keeps them: `Some` for each
/// one found (the loader gives `None` to the ids missing).
async fn found_or_none<T>(
    read: impl Future<Output = Result<HashMap<i32, T>, ServiceError>>,
) -> Result<HashMap<i32, Option<T>>, ServiceError> {
    Ok(read.await?.into_iter().map(|(id, row)| (id, Some(row))).collect())
}

macro_rules! batch {
    ($(#[$doc:meta])* $key:ident => $value:ty, |$db:ident, $audience:ident, $ids:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i32);

        impl Loader<$key> for CatalogLoader {
            type Value = <$value as Shared>::Kept;
            type Error = ServiceError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ServiceError> {
                let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
                let $ids = &ids;
                let $db = &self.db;
                #[allow(unused_variables)]
                let $audience = self.audience;
                let mut found: HashMap<i32, $value> = $body.await?;
                // Every key gets an entry (empty when nothing matched), so the cache answers
                // it next time instead of another query.
                Ok(ids.iter().map(|id| ($key(*id), found.remove(id).map(Shared::keep).unwrap_or_default())).collect())
            }
        }
    };
}

/// Declares every request loader once; `forget_cached` is derived from the same list, so a
/// new loader cannot be left out of what a write forgets.
macro_rules! request_loaders {
    (
        by_id { $($(#[$doc:meta])* $key:ident => $value:ty, |$db:ident, $audience:ident, $ids:ident| $body:expr;)+ }
        whole { $($(#[$wdoc:meta])* $whole:ident => $wvalue:ty, |$wdb:ident| $wbody:expr;)+ }
    ) => {
        $(batch!($(#[$doc])* $key => $value, |$db, $audience, $ids| $body);)+
        $(whole!($(#[$wdoc])* $whole => $wvalue, |$wdb| $wbody);)+

        /// Forgets everything the request's loader has read, after a write: a later field of the
        /// same request (mutations run one after another) must see the write, not what was cached
        /// before it.
        pub fn forget_cached(loader: &RequestLoader) {
            $(loader.clear::<$key>();)+
            $(loader.clear::<$whole>();)+
        }
    };
}

/// A loader of one value for the whole request, read once however many fields ask.
macro_rules! whole {
    ($(#[$doc:meta])* $key:ident => $value:ty, |$db:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key;

        impl Loader<$key> for CatalogLoader {
            type Value = $value;
            type Error = ServiceError;

            async fn load(&self, _: &[$key]) -> Result<HashMap<$key, $value>, ServiceError> {
                let $db = &self.db;
                Ok(HashMap::from([($key, $body.await?)]))
            }
        }
    };
}

request_loaders! {
    by_id {
        /// A model's long texts; `None` when the model is not visible (any more).
        ModelTextOf => Option<ModelText>,
            |db, audience, ids| found_or_none(models::texts(db, audience, ids));
        /// A risk assessment's rationale; `None` when it is not visible (any more).
        RationaleOf => Option<String>,
            |db, audience, ids| found_or_none(risk_assessments::rationales(db, audience, ids));
        /// A model's aliases, input and output modalities and sources (one statement reads
        /// the three lists).
        ListsOf => ModelLists, |db, audience, ids| relations::lists_of_models(db, ids);
        /// A model's organizations, lead first.
        OrganizationsOf => Vec<OrganizationRow>, |db, audience, ids| relations::organizations_of_models(db, ids);
        /// A model's capability links.
        CapabilitiesOf => Vec<(ModelCapabilityRow, Arc<CapabilityRow>)>,
            |db, audience, ids| relations::capabilities_of_models(db, ids);
        /// A model's risk assessments.
        RiskAssessmentsOf => Vec<RiskAssessmentRow>,
            |db, audience, ids| relations::risk_assessments_of_models(db, ids);
        /// A model's training datasets.
        DatasetsOf => Vec<DatasetRow>, |db, audience, ids| relations::datasets_of_models(db, ids);
        /// A model by id (e.g. a base model); `None` when it is not visible.
        ModelById => Option<ModelRow>,
            |db, audience, ids| found_or_none(relations::models_by_ids(db, audience, ids));
        /// The models derived from a base model.
        DerivedFrom => Vec<ModelRow>, |db, audience, ids| relations::derived_models(db, audience, ids);
        /// An organization's models.
        ModelsOfOrganization => Vec<ModelRow>,
            |db, audience, ids| relations::models_of_organizations(db, audience, ids);
        /// The models linked to a capability.
        ModelsWithCapability => Vec<(ModelCapabilityRow, ModelRow)>,
            |db, audience, ids| relations::models_with_capabilities(db, audience, ids);
        /// A dataset's models.
        ModelsOfDataset => Vec<ModelRow>, |db, audience, ids| relations::models_of_datasets(db, audience, ids);
        /// A model's successor candidates (the candidates' rows shared between the subjects).
        SuccessorsOf => Vec<SuccessorCandidateRow>,
            |db, audience, ids| successors::candidates_of_models(db, audience, ids);
        /// The predictions about a model (its extrapolations and near-term assessments).
        PredictionsOf => Vec<PredictionRow>, |db, audience, ids| predictions::of_models(db, audience, ids);
        /// A capability by id (a prediction's); `None` when there is none (any more).
        CapabilityById => Option<CapabilityRow>, |db, audience, ids| found_or_none(capabilities::by_ids(db, ids));
        /// How many pending feedback submissions are about a model.
        OpenFeedbackOf => u64, |db, audience, ids| crate::service::feedback::open_counts(db, ids);
    }
    whole {
        /// Every compute threshold (one read per request, whatever the number of models asking).
        AllThresholds => Vec<ThresholdRow>, |db| thresholds::all(db);
    }
}

/// Reads the risk assessments of the models `ids` at once into the request's cache and, when
/// the selection shows them, their rationales with them (the same statement, full rows), so
/// that every field of an assessment answers from the cache, in the order the query selected.
pub async fn prefetch_risk_assessments(
    loader: &RequestLoader,
    ids: &[i32],
    with_rationales: bool,
) -> Result<(), ServiceError> {
    if ids.is_empty() {
        return Ok(());
    }
    if !with_rationales {
        return prefetch(loader, ids.iter().map(|&id| RiskAssessmentsOf(id)).collect()).await;
    }
    let mut found = relations::risk_assessments_with_rationales_of_models(&loader.loader().db, ids).await?;
    let mut rationales = Vec::new();
    let mut assessments = Vec::with_capacity(ids.len());
    for &id in ids {
        let rows = found.remove(&id).unwrap_or_default();
        let mut kept = Vec::with_capacity(rows.len());
        for (row, rationale) in rows {
            rationales.push((RationaleOf(row.id), Some(rationale)));
            kept.push(row.keep());
        }
        assessments.push((RiskAssessmentsOf(id), kept));
    }
    loader.feed_many(assessments).await;
    loader.feed_many(rationales).await;
    Ok(())
}

/// Reads the models `bases` and the models derived from each of `models` at once into the
/// request's cache (one statement for a model page's base model and derived models).
pub async fn prefetch_base_and_derived(
    loader: &RequestLoader,
    bases: &[i32],
    models: &[i32],
) -> Result<(), ServiceError> {
    let this = loader.loader();
    let (mut found, mut derived) = relations::models_and_derived(&this.db, this.audience, bases, models).await?;
    loader.feed_many(bases.iter().map(|&id| (ModelById(id), found.remove(&id).keep()))).await;
    loader.feed_many(models.iter().map(|&id| (DerivedFrom(id), derived.remove(&id).unwrap_or_default().keep()))).await;
    Ok(())
}
