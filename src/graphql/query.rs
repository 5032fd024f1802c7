use async_graphql::{Context, ID, InputObject, InputType, MergedObject, Object};

use super::analysis::AnalysisQuery;
use super::caller::{Role, audience, caller};
use super::connection::{CatalogConnection, connect, page_args, page_cost};
use super::error::OrGraphqlError;
use super::feedback::FeedbackQuery;
use super::filters::{
    CapabilityFilterInput, ModelFilterInput, OrganizationFilterInput, RiskAssessmentFilterInput, filter_cost,
};
use super::import::ImportQuery;
use super::node::{IdKind, Node, load_node, parse_global_id};
use super::search::SearchQuery;
use super::types::{
    Capability, Dataset, Editor, Model, Organization, Revision, RiskAssessment, TEXT_FIELDS, history,
    prefetch_list_rationales, prefetch_model_relations, prefetch_relations,
};
use super::{db, reader, when};
use crate::domain::{
    CapabilityOrderField, DatasetOrderField, OrderDirection, OrganizationOrderField, PredictionOrderField,
    RiskAssessmentOrderField,
};
use crate::service::models::ModelOrderField;
use crate::service::{
    OrderBy, ServiceError, capabilities, datasets, editors,
    filter::{CapabilityFilter, ModelFilter, OrganizationFilter, RiskAssessmentFilter},
    models, organizations, risk_assessments,
};
use chrono::{DateTime, Utc};

/// At most this many ordering keys per list.
const MAX_ORDER_KEYS: usize = 3;

/// One ordering key. NULLs sort last in either direction; ties are broken by creation order.
#[derive(InputObject)]
#[graphql(concrete(name = "ModelOrder", params(ModelOrderField)))]
#[graphql(concrete(name = "OrganizationOrder", params(OrganizationOrderField)))]
#[graphql(concrete(name = "CapabilityOrder", params(CapabilityOrderField)))]
#[graphql(concrete(name = "DatasetOrder", params(DatasetOrderField)))]
#[graphql(concrete(name = "RiskAssessmentOrder", params(RiskAssessmentOrderField)))]
#[graphql(concrete(name = "PredictionOrder", params(PredictionOrderField)))]
pub struct Order<F: InputType> {
    pub field: F,
    #[graphql(default_with = "OrderDirection::Asc")]
    pub direction: OrderDirection,
}

pub(super) fn order_keys<F: InputType + Copy>(
    order_by: Option<Vec<Order<F>>>,
) -> async_graphql::Result<Vec<OrderBy<F>>> {
    let order_by = order_by.unwrap_or_default();
    if order_by.len() > MAX_ORDER_KEYS {
        return Err(ServiceError::bad_input("orderBy", format!("at most {MAX_ORDER_KEYS} keys"))).gql();
    }
    Ok(order_by
        .into_iter()
        .map(|o| OrderBy { field: o.field, descending: o.direction == OrderDirection::Desc })
        .collect())
}

/// The query root: the catalog's lookups and lists, editors' accounts and the history, and the
/// analysts' queries.
#[derive(MergedObject, Default)]
pub struct Query(
    CatalogQuery,
    AnalysisQuery,
    SearchQuery,
    FeedbackQuery,
    ImportQuery,
    BudgetQuery,
    super::predictions::PredictionQuery,
);

#[derive(Default)]
pub struct BudgetQuery;

#[Object]
impl BudgetQuery {
    /// The caller's query budget (per client address, or per editor account): points per
    /// hour, this operation's price, what is left and when it is whole again. Asking for it
    /// alone costs nothing; with `dryRun: true` the rest of the operation is priced, not run.
    /// Null when no budget applies (it is turned off, or over a websocket).
    async fn rate_limit(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] dry_run: bool,
    ) -> Option<super::rate_limit::RateLimit> {
        let _ = dry_run; // Read from the document before the operation runs (see `rate_limit::ask`).
        super::rate_limit::rate_limit(ctx)
    }
}

#[derive(Default)]
pub struct CatalogQuery;

// A resolver's parameters are its field's GraphQL arguments.
#[allow(clippy::too_many_arguments)]
#[Object]
impl CatalogQuery {
    /// Any object by its global ID; null when there is none (or it is not visible).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let Some((kind, row)) = parse_global_id(&id) else {
            return Err(ServiceError::bad_input("id", "is not an ID of this API")).gql();
        };
        let Some(kind) = kind else { return Ok(None) };
        load_node(db(ctx), audience(ctx), kind, row).await
    }

    /// A model by its slug; null when there is none. With `asRecordedAt`, the model as the
    /// public catalog recorded it at that instant (its slug as it was then), and every field
    /// below it as of the same instant.
    async fn model(
        &self,
        ctx: &Context<'_>,
        slug: String,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Model>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let look = ctx.look_ahead();
        let (row, text) = if TEXT_FIELDS.iter().any(|field| look.field(field).exists()) {
            let Some((row, text)) = models::by_slug_with_text(&db, audience, &slug).await.gql()? else {
                return Ok(None);
            };
            (row, Some(text))
        } else {
            let Some(row) = models::by_slug(&db, audience, &slug).await.gql()? else { return Ok(None) };
            (row, None)
        };
        prefetch_model_relations(ctx, at, &row, text).await?;
        Ok(Some(Model::from(row).when(at)))
    }

    /// The catalog's models, newest first unless `orderBy` says otherwise. With
    /// `asRecordedAt`, the public catalog as recorded at that instant: filters, order, pages
    /// and `totalCount` over the models and values it held then.
    #[graphql(complexity = "page_cost(first, last, child_complexity) + filter_cost(&filter)")]
    async fn models(
        &self,
        ctx: &Context<'_>,
        filter: Option<ModelFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<ModelOrderField>>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CatalogConnection<Model>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let order = order_keys(order_by)?;
        let filter = filter.map(ModelFilter::from);
        let args = page_args(first, after, last, before);
        let page = models::page(&db, audience, filter.as_ref(), &order, &args).await.gql()?;
        prefetch_relations(ctx, at, page.rows.iter().map(|(_, row)| row)).await?;
        connect(ctx, page, models::count(&db, audience, filter.as_ref()), |row| Model::from(row).when(at)).await
    }

    /// An organization by its slug; null when there is none. With `asRecordedAt`, as the
    /// catalog recorded it at that instant.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        slug: String,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<Option<Organization>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, _) = reader(ctx, at);
        Ok(organizations::by_slug(&db, &slug).await.gql()?.map(|row| Organization::from(row).when(at)))
    }

    /// Organizations, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity) + filter_cost(&filter)")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<OrganizationOrderField>>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CatalogConnection<Organization>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, _) = reader(ctx, at);
        let order = order_keys(order_by)?;
        let filter = filter.map(OrganizationFilter::from);
        let page =
            organizations::page(&db, filter.as_ref(), &order, &page_args(first, after, last, before)).await.gql()?;
        connect(ctx, page, organizations::count(&db, filter.as_ref()), |row| Organization::from(row).when(at)).await
    }

    /// A capability by its slug; null when there is none.
    async fn capability(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Capability>> {
        Ok(capabilities::by_slug(db(ctx), &slug).await.gql()?.map(Capability::from))
    }

    /// Capabilities, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity) + filter_cost(&filter)")]
    async fn capabilities(
        &self,
        ctx: &Context<'_>,
        filter: Option<CapabilityFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<CapabilityOrderField>>>,
    ) -> async_graphql::Result<CatalogConnection<Capability>> {
        let db = db(ctx);
        let order = order_keys(order_by)?;
        let filter = filter.map(CapabilityFilter::from);
        let page =
            capabilities::page(db, filter.as_ref(), &order, &page_args(first, after, last, before)).await.gql()?;
        connect(ctx, page, capabilities::count(db, filter.as_ref()), Capability::from).await
    }

    /// A dataset by its slug; null when there is none.
    async fn dataset(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<Option<Dataset>> {
        Ok(datasets::by_slug(db(ctx), &slug).await.gql()?.map(Dataset::from))
    }

    /// Training datasets, by name unless `orderBy` says otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn datasets(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<DatasetOrderField>>>,
    ) -> async_graphql::Result<CatalogConnection<Dataset>> {
        let db = db(ctx);
        let order = order_keys(order_by)?;
        let page = datasets::page(db, &order, &page_args(first, after, last, before)).await.gql()?;
        connect(ctx, page, datasets::count(db), Dataset::from).await
    }

    /// Risk assessments of published models, most recently assessed first unless `orderBy`
    /// says otherwise.
    #[graphql(complexity = "page_cost(first, last, child_complexity) + filter_cost(&filter)")]
    async fn risk_assessments(
        &self,
        ctx: &Context<'_>,
        filter: Option<RiskAssessmentFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<RiskAssessmentOrderField>>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CatalogConnection<RiskAssessment>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let order = order_keys(order_by)?;
        let filter = filter.map(RiskAssessmentFilter::from);
        let args = page_args(first, after, last, before);
        let page = risk_assessments::page(&db, audience, filter.as_ref(), &order, &args).await.gql()?;
        prefetch_list_rationales(ctx, at, page.rows.iter().map(|(_, row)| row)).await?;
        let count = risk_assessments::count(&db, audience, filter.as_ref());
        connect(ctx, page, count, |row| RiskAssessment::from(row).when(at)).await
    }

    /// The calling editor; null when anonymous.
    async fn me(&self, ctx: &Context<'_>) -> Option<Editor> {
        caller(ctx).editor().cloned().map(Editor)
    }

    /// Every editor account. Admins only.
    #[graphql(guard = "Role::Admin")]
    async fn editors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Editor>> {
        Ok(editors::list(db(ctx)).await.gql()?.into_iter().map(Editor).collect())
    }

    /// The history of one entry (any catalog object's ID), newest first. The public sees the
    /// history of published entries; editors see everything, including drafts and accounts.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        entity_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CatalogConnection<Revision>> {
        let Some((kind, row)) = parse_global_id(&entity_id) else {
            return Err(ServiceError::bad_input("entityId", "is not an ID of this API")).gql();
        };
        let Some(IdKind::Entity(kind)) = kind else {
            return Err(ServiceError::bad_input("entityId", "is not the ID of an entry with a history")).gql();
        };
        history(ctx, None, Some((kind, row)), page_args(first, after, last, before)).await
    }

    /// Every change the caller may see, newest first.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn recent_changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<CatalogConnection<Revision>> {
        history(ctx, None, None, page_args(first, after, last, before)).await
    }
}
