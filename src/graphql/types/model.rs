use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};

use super::{
    ComputeThreshold, Dataset, ModelCapability, Organization, RiskAssessment, SuccessorCandidate, ThresholdCrossing,
    ThresholdStatus, load, load_list,
};
use crate::domain::{Access, Confidence, DatePrecision, EntityType, Modality, ModalityDirection, SizeUnit};
use crate::graphql::{
    budget::{charge_rows, charge_text},
    connection::{model_list_cost, reverse_list_cost, threshold_history_cost, thresholds_cost},
    error::OrGraphqlError,
    loaders::{
        AllThresholds, CapabilitiesOf, DatasetsOf, DerivedFrom, ListsOf, ModelById, ModelTextOf, OpenFeedbackOf,
        OrganizationsOf, PredictionsOf, RiskAssessmentsOf, SuccessorsOf,
    },
    loaders::{prefetch, prefetch_base_and_derived, prefetch_risk_assessments},
    node::global_id,
    scalars::Date,
};
use crate::service::{
    ServiceError,
    models::{ModelRow, ModelText},
    relations::ModelLists,
    thresholds,
};

#[derive(Clone)]
pub struct Model {
    pub row: Arc<ModelRow>,
    pub at: super::When,
}

impl From<ModelRow> for Model {
    fn from(row: ModelRow) -> Self {
        Model { row: Arc::new(row), at: None }
    }
}

/// A row just written (a mutation's answer).
impl From<crate::entity::model::Model> for Model {
    fn from(row: crate::entity::model::Model) -> Self {
        Model::from(ModelRow::from(row))
    }
}

impl From<Arc<ModelRow>> for Model {
    fn from(row: Arc<ModelRow>) -> Self {
        Model { row, at: None }
    }
}

/// Where a model's facts come from.
#[derive(SimpleObject, Clone)]
pub struct Source {
    pub url: String,
    pub title: Option<String>,
}

impl Model {
    async fn modalities(
        &self,
        ctx: &Context<'_>,
        direction: ModalityDirection,
    ) -> async_graphql::Result<Vec<Modality>> {
        let lists = self.lists(ctx).await?;
        let mut list: Vec<_> =
            lists.modalities.iter().filter(|r| r.direction == direction).map(|r| r.modality).collect();
        charge_rows(ctx, list.len())?;
        list.sort();
        Ok(list)
    }

    /// The model's aliases, modalities and sources (see [`ListsOf`]).
    async fn lists(&self, ctx: &Context<'_>) -> async_graphql::Result<Arc<ModelLists>> {
        Ok(load(ctx, self.at, ListsOf(self.row.id)).await?.unwrap_or_default())
    }

    /// The long texts, which the model's row leaves out (see [`ModelRow`]).
    async fn text(&self, ctx: &Context<'_>) -> async_graphql::Result<Arc<ModelText>> {
        load(ctx, self.at, ModelTextOf(self.row.id))
            .await?
            .flatten()
            .ok_or_else(|| ServiceError::NotFound(format!("model {}", self.row.slug)))
            .gql()
    }
}

impl Model {
    /// The same object, as read at `at`.
    pub fn when(self, at: super::When) -> Self {
        Model { at, ..self }
    }
}

/// A large AI model: who built it, when, how big, what it can do, and the risks it poses.
#[Object]
impl Model {
    pub async fn id(&self) -> ID {
        global_id(EntityType::Model, self.row.id)
    }

    /// This entry's history, newest first (the public sees it once the entry is published).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &async_graphql::Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<crate::graphql::connection::CatalogConnection<super::Revision>> {
        let args = crate::service::PageArgs { first, after, last, before };
        super::history(ctx, self.at, Some((crate::domain::EntityType::Model, self.row.id)), args).await
    }

    /// The fields of this entry whose public record differs between `since` and `until` (now
    /// when absent), each with its value at both instants. An entry created after `since` lists
    /// every field, with `before` null. A `since` after `until`, or either in the future, is
    /// BAD_USER_INPUT naming the argument.
    #[graphql(complexity = "super::changes_cost(child_complexity)")]
    async fn changes(
        &self,
        ctx: &async_graphql::Context<'_>,
        since: chrono::DateTime<chrono::Utc>,
        until: Option<chrono::DateTime<chrono::Utc>>,
    ) -> async_graphql::Result<Vec<super::FieldChange>> {
        super::changes(ctx, crate::domain::EntityType::Model, self.row.id, since, until).await
    }

    async fn slug(&self) -> &str {
        &self.row.slug
    }

    async fn name(&self) -> &str {
        &self.row.name
    }

    /// Other names the model is known by.
    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let aliases = self.lists(ctx).await?.aliases.clone();
        charge_rows(ctx, aliases.len())?;
        Ok(aliases)
    }

    /// When the model was announced; see `announcedPrecision` for how exact the date is.
    async fn announced_on(&self) -> Option<Date> {
        self.row.announced_on.map(Date)
    }

    async fn announced_precision(&self) -> DatePrecision {
        self.row.announced_precision
    }

    /// The developing organizations, lead organization first.
    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        let rows = load_list(ctx, self.at, OrganizationsOf(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| Organization::from(r).when(self.at)).collect())
    }

    async fn input_modalities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Modality>> {
        self.modalities(ctx, ModalityDirection::Input).await
    }

    async fn output_modalities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Modality>> {
        self.modalities(ctx, ModalityDirection::Output).await
    }

    /// Parameter count (a Float: counts pass 2^31). For mixture-of-experts models, the total.
    async fn parameters(&self) -> Option<f64> {
        self.row.parameters
    }

    /// The lower bound of a 90% interval around `parameters` (null when none is known).
    async fn parameters_low(&self) -> Option<f64> {
        self.row.parameters_low
    }

    /// The upper bound of a 90% interval around `parameters` (null when none is known).
    async fn parameters_high(&self) -> Option<f64> {
        self.row.parameters_high
    }

    async fn parameters_confidence(&self) -> Confidence {
        self.row.parameters_confidence
    }

    /// How the parameter count was found or estimated.
    async fn parameters_note(&self) -> Option<&str> {
        self.row.parameters_note.as_deref()
    }

    /// Training compute in floating-point operations.
    async fn training_compute_flop(&self) -> Option<f64> {
        self.row.training_compute_flop
    }

    /// The lower bound of a 90% interval around `trainingComputeFlop` (null when none is known).
    async fn training_compute_flop_low(&self) -> Option<f64> {
        self.row.training_compute_flop_low
    }

    /// The upper bound of a 90% interval around `trainingComputeFlop` (null when none is known).
    async fn training_compute_flop_high(&self) -> Option<f64> {
        self.row.training_compute_flop_high
    }

    /// The compute added by fine-tuning, in FLOP: the fine-tuning run alone, not the base
    /// model's pre-training. Beware double counting: Epoch AI's training compute for a
    /// fine-tuned model may already include its base model's compute (and so this figure), so
    /// do not add the two; the base model's own figure is on `baseModel`.
    async fn finetune_compute_flop(&self) -> Option<f64> {
        self.row.finetune_compute_flop
    }

    /// The compute spent on post-training (instruction tuning, RLHF, reinforcement learning for
    /// reasoning), in FLOP, where a source states it. As with `finetuneComputeFlop`,
    /// `trainingComputeFlop` may or may not include it: do not add them.
    async fn post_training_compute_flop(&self) -> Option<f64> {
        self.row.post_training_compute_flop
    }

    async fn training_compute_confidence(&self) -> Confidence {
        self.row.training_compute_confidence
    }

    /// How the training compute was found or estimated.
    async fn training_compute_note(&self) -> Option<&str> {
        self.row.training_compute_note.as_deref()
    }

    /// What the model was trained on, in words.
    async fn training_dataset(&self) -> Option<&str> {
        self.row.training_dataset.as_deref()
    }

    /// Training dataset size in `trainingDatasetSizeUnit`s.
    async fn training_dataset_size(&self) -> Option<f64> {
        self.row.training_dataset_size
    }

    async fn training_dataset_size_unit(&self) -> Option<SizeUnit> {
        self.row.training_dataset_size_unit
    }

    /// The catalog's datasets this model was trained on.
    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn datasets(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Dataset>> {
        let rows = load_list(ctx, self.at, DatasetsOf(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| Dataset::from(r).when(self.at)).collect())
    }

    /// Training hardware, e.g. "NVIDIA H100 SXM5 80GB".
    async fn hardware(&self) -> Option<&str> {
        self.row.hardware.as_deref()
    }

    /// Estimated cost of the final training run in US dollars.
    async fn training_cost_usd(&self) -> Option<f64> {
        self.row.training_cost_usd
    }

    async fn training_cost_note(&self) -> Option<&str> {
        self.row.training_cost_note.as_deref()
    }

    async fn access(&self) -> Access {
        self.row.access
    }

    async fn license(&self) -> Option<&str> {
        self.row.license.as_deref()
    }

    /// Markdown.
    async fn description(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let text = self.text(ctx).await?;
        charge_text(ctx, &text.description)?;
        Ok(text.description.clone())
    }

    /// Markdown: where the model stands in the industry and the scaling trend.
    async fn industry_context(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let text = self.text(ctx).await?;
        charge_text(ctx, &text.industry_context)?;
        Ok(text.industry_context.clone())
    }

    /// Capabilities shown now (DEMONSTRATED) and expected of a 2-10x scaled successor (EXTRAPOLATED).
    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn capabilities(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ModelCapability>> {
        let links = load_list(ctx, self.at, CapabilitiesOf(self.row.id)).await?;
        Ok(links
            .into_iter()
            .map(|(link, capability)| ModelCapability { link, capability, model: self.row.clone(), at: self.at })
            .collect())
    }

    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn risk_assessments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<RiskAssessment>> {
        let rows = load_list(ctx, self.at, RiskAssessmentsOf(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| RiskAssessment::from(r).when(self.at)).collect())
    }

    /// Its predictions about a 2–10× scaled successor: one per EXTRAPOLATED capability and per
    /// NEAR_TERM risk assessment, including those since withdrawn (capabilities first).
    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn predictions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::Prediction>> {
        let rows = load_list(ctx, self.at, PredictionsOf(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| super::Prediction::from(r).when(self.at)).collect())
    }

    /// The model this one was fine-tuned or derived from.
    async fn base_model(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Model>> {
        match self.row.base_model_id {
            Some(id) => Ok(load(ctx, self.at, ModelById(id)).await?.flatten().map(|r| Model::from(r).when(self.at))),
            None => Ok(None),
        }
    }

    /// Models fine-tuned or derived from this one, newest first: the newest 100 (all of them
    /// are a `models` page filtered by `baseModel`).
    #[graphql(complexity = "reverse_list_cost(child_complexity)")]
    async fn derived_models(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Model>> {
        let rows = load_list(ctx, self.at, DerivedFrom(self.row.id)).await?;
        Ok(rows.into_iter().map(|r| Model::from(r).when(self.at)).collect())
    }

    /// Later published models that may be this one's 2–10× scaled successor, as far as the
    /// catalog can tell: the same lead organization or the same lineage (`baseModel` ancestors
    /// and descendants), announced strictly later, and with 2 to 10 times the training compute
    /// (inclusive) when both figures are known. Those whose compute (or this model's) is unknown
    /// come after the others, with `computeKnown: false`; each part in announcement order. A
    /// model without an announcement date has none and is none. At most 100.
    #[graphql(complexity = "reverse_list_cost(child_complexity)")]
    async fn successor_candidates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SuccessorCandidate>> {
        let rows = load_list(ctx, self.at, SuccessorsOf(self.row.id)).await?;
        Ok(rows.into_iter().map(|row| SuccessorCandidate(row, self.at)).collect())
    }

    #[graphql(complexity = "model_list_cost(child_complexity)")]
    async fn sources(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Source>> {
        let lists = self.lists(ctx).await?;
        charge_rows(ctx, lists.sources.len())?;
        Ok(lists.sources.iter().map(|s| Source { url: s.url.clone(), title: s.title.clone() }).collect())
    }

    /// The compute thresholds this model's training compute is at or above, lowest first.
    #[graphql(complexity = "thresholds_cost(child_complexity)")]
    async fn thresholds_crossed(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ComputeThreshold>> {
        let all = load(ctx, self.at, AllThresholds).await?.unwrap_or_default();
        let crossed = thresholds::crossed_by(self.row.training_compute_flop, &all);
        charge_rows(ctx, crossed.len())?;
        Ok(crossed.into_iter().map(ComputeThreshold).collect())
    }

    /// Where this model stands against every compute threshold, lowest threshold first (the
    /// order of `thresholdsCrossed`). Derived from the training compute, its 90% interval and
    /// what each threshold counts; see `ThresholdStatus`.
    #[graphql(complexity = "thresholds_cost(child_complexity)")]
    async fn threshold_status(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ThresholdStatus>> {
        let all = load(ctx, self.at, AllThresholds).await?.unwrap_or_default();
        let statuses = thresholds::statuses(&thresholds::ComputeParts::from(self.row.as_ref()), &all);
        charge_rows(ctx, statuses.len())?;
        Ok(statuses.into_iter().map(ThresholdStatus).collect())
    }

    /// Every time a committed change moved this model across a compute threshold (either way),
    /// oldest first: at most the newest 100. Derived from the revision log, so it covers
    /// changes made before the field existed; a threshold's change is read against the model as
    /// it stood then. See `ThresholdCrossing`.
    #[graphql(complexity = "threshold_history_cost(child_complexity)")]
    async fn threshold_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ThresholdCrossing>> {
        let (db, _) = crate::graphql::reader(ctx, self.at);
        let limit = crate::service::relations::MAX_REVERSE_LIST;
        let found = crate::service::crossings::history(&db, self.row.id, limit).await.gql()?;
        charge_rows(ctx, found.len())?;
        Ok(found.into_iter().map(ThresholdCrossing::from).collect())
    }

    /// How many readers' feedback submissions about this model await review; null in a read
    /// as recorded at a past instant (feedback has no history).
    async fn open_feedback_count(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i32>> {
        if self.at.is_some() {
            return Ok(None);
        }
        let open = load(ctx, self.at, OpenFeedbackOf(self.row.id)).await?.unwrap_or_default();
        Ok(Some(i32::try_from(open).unwrap_or(i32::MAX)))
    }

    /// False for drafts, which only editors see.
    async fn published(&self) -> bool {
        self.row.published
    }

    /// Increases with every change; updates name the version they last saw.
    async fn version(&self) -> i32 {
        self.row.version
    }

    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.created_at
    }

    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.row.updated_at
    }
}

/// Loads, in one batch per relation, the relations a list's selection asks for, before the
/// list's models resolve. The DataLoader then answers every model from its cache, so a page's
/// statement count does not depend on how quickly its resolvers happen to run, and the page
/// does not wait for the loader's batching delay: its keys are all known here.
pub async fn prefetch_relations<'a>(
    ctx: &Context<'_>,
    at: super::When,
    rows: impl Iterator<Item = &'a ModelRow>,
) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    let wants = |path: &[&str]| {
        let (nodes, edges) = (look.field("nodes"), look.field("edges").field("node"));
        let (nodes, edges) = path.iter().fold((nodes, edges), |(n, e), f| (n.field(f), e.field(f)));
        nodes.exists() || edges.exists()
    };
    prefetch_selected(ctx, at, rows, wants).await
}

/// The fields read from a model's long texts ([`ModelText`]).
pub const TEXT_FIELDS: [&str; 2] = ["description", "industryContext"];

/// The same for one model (a model page): its relations are read at once, in parallel,
/// instead of each waiting for the loader's batching delay. Its long texts, when they were read
/// with its row, are handed to the loader instead of read again.
pub async fn prefetch_model_relations(
    ctx: &Context<'_>,
    at: super::When,
    row: &ModelRow,
    text: Option<ModelText>,
) -> async_graphql::Result<()> {
    let look = ctx.look_ahead();
    let have_text = text.is_some();
    if let Some(text) = text {
        super::loader(ctx, at)?.feed_one(ModelTextOf(row.id), Some(Arc::new(text))).await;
    }
    let wants = |path: &[&str]| {
        let (first, rest) = path.split_first().expect("a path names a field");
        !(have_text && TEXT_FIELDS.contains(first)) && rest.iter().fold(look.field(first), |l, f| l.field(f)).exists()
    };
    prefetch_selected(ctx, at, std::iter::once(row), wants).await
}

async fn prefetch_selected<'a>(
    ctx: &Context<'_>,
    at: super::When,
    rows: impl Iterator<Item = &'a ModelRow>,
    wants: impl Fn(&[&str]) -> bool,
) -> async_graphql::Result<()> {
    use futures_util::future::{BoxFuture, FutureExt, try_join_all};

    let loader = &*super::loader(ctx, at)?;
    let (ids, base_ids): (Vec<i32>, Vec<Option<i32>>) = rows.map(|r| (r.id, r.base_model_id)).unzip();
    let mut bases: Vec<i32> = base_ids.iter().flatten().copied().collect();
    bases.sort_unstable();
    bases.dedup();
    let mut jobs: Vec<BoxFuture<'_, Result<(), ServiceError>>> = Vec::new();
    macro_rules! prefetch {
        ($key:ident, $($field:literal),+) => {
            if [$($field),+].iter().any(|f| wants(&[f])) {
                jobs.push(prefetch(loader, ids.iter().map(|&id| $key(id)).collect()).boxed());
            }
        };
    }
    prefetch!(ModelTextOf, "description", "industryContext");
    prefetch!(ListsOf, "aliases", "inputModalities", "outputModalities", "sources");
    prefetch!(OrganizationsOf, "organizations");
    prefetch!(DatasetsOf, "datasets");
    prefetch!(CapabilitiesOf, "capabilities");
    if wants(&["riskAssessments"]) {
        jobs.push(prefetch_risk_assessments(loader, &ids, wants(&["riskAssessments", "rationale"])).boxed());
    }
    prefetch!(SuccessorsOf, "successorCandidates");
    if wants(&["predictions"]) {
        // The predictions first, then what they show (their subjects, successors, capabilities).
        let keys: Vec<PredictionsOf> = ids.iter().map(|&id| PredictionsOf(id)).collect();
        const SHOWN: [&str; 4] = ["model", "successor", "hindsight", "capability"];
        let asked = SHOWN.map(|field| wants(&["predictions", field]));
        let wants = move |path: &[&str]| SHOWN.iter().zip(asked).any(|(field, asked)| asked && path == [*field]);
        jobs.push(
            async move {
                prefetch(loader, keys.clone()).await?;
                let lists = loader.load_many(keys).await?;
                let rows: Vec<&crate::service::predictions::PredictionRow> =
                    lists.values().flatten().map(|r| &**r).collect();
                super::prefetch_prediction_relations(loader, &rows, wants).await
            }
            .boxed(),
        );
    }
    if at.is_none() {
        prefetch!(OpenFeedbackOf, "openFeedbackCount");
    }
    if wants(&["thresholdsCrossed"]) || wants(&["thresholdStatus"]) {
        jobs.push(loader.load_one(AllThresholds).map(|r| r.map(|_| ())).boxed());
    }
    match (wants(&["baseModel"]), wants(&["derivedModels"])) {
        (true, true) => jobs.push(prefetch_base_and_derived(loader, &bases, &ids).boxed()),
        (true, false) => jobs.push(prefetch(loader, bases.iter().map(|&id| ModelById(id)).collect()).boxed()),
        (false, true) => jobs.push(prefetch(loader, ids.iter().map(|&id| DerivedFrom(id)).collect()).boxed()),
        (false, false) => {}
    }
    try_join_all(jobs).await.gql()?;
    Ok(())
}
