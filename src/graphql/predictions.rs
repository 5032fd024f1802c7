//! The predictions ledger and the forecast record (issue 17).

use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};

use super::analysis::{ANALYSIS_COST, groups_cost};
use super::connection::{CatalogConnection, connect, page_args, page_cost};
use super::error::OrGraphqlError;
use super::filters::{PredictionFilterInput, filter_cost};
use super::query::{Order, order_keys};
use super::types::{ForecastRecord, Prediction, prefetch_prediction_relations};
use super::{reader, when};
use crate::domain::{ForecastGrouping, PredictionOrderField};
use crate::service::{filter::PredictionFilter, predictions};

#[derive(Default)]
pub struct PredictionQuery;

// A resolver's parameters are its field's GraphQL arguments.
#[allow(clippy::too_many_arguments)]
#[Object]
impl PredictionQuery {
    /// The ledger: every prediction recorded while its model was public (editors also see
    /// drafts'), newest recorded first unless `orderBy` says otherwise. With `asRecordedAt`, the
    /// ledger as the public catalog recorded it at that instant: filters, order, pages and
    /// `totalCount` over the predictions and resolutions it held then.
    #[graphql(complexity = "page_cost(first, last, child_complexity) + filter_cost(&filter)")]
    async fn predictions(
        &self,
        ctx: &Context<'_>,
        filter: Option<PredictionFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        order_by: Option<Vec<Order<PredictionOrderField>>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CatalogConnection<Prediction>> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let order = order_keys(order_by)?;
        let filter = filter.map(PredictionFilter::from);
        let args = page_args(first, after, last, before);
        let page = predictions::page(&db, audience, filter.as_ref(), &order, &args).await.gql()?;
        let look = ctx.look_ahead();
        let wants = |path: &[&str]| {
            let (nodes, edges) = (look.field("nodes"), look.field("edges").field("node"));
            let (nodes, edges) = path.iter().fold((nodes, edges), |(n, e), f| (n.field(f), e.field(f)));
            nodes.exists() || edges.exists()
        };
        let rows: Vec<_> = page.rows.iter().map(|(_, row)| row).collect();
        prefetch_prediction_relations(&*super::types::loader(ctx, at)?, &rows, wants).await.gql()?;
        let count = predictions::count(&db, audience, filter.as_ref());
        connect(ctx, page, count, |row| Prediction::from(row).when(at)).await
    }

    /// The forecast record of the predictions `filter` keeps (as the ledger shows them): their
    /// counts and hit rate in `total`, and in one group per combination of the `groupBy` values
    /// (each at most once). ORGANIZATION groups by the subject model's lead organization (the
    /// first it lists), so each prediction is counted in exactly one group and the groups add up
    /// to the total. Drafts' predictions are never counted for the public. With `asRecordedAt`,
    /// the record as the public catalog held it at that instant.
    #[graphql(complexity = "ANALYSIS_COST + filter_cost(&filter) + groups_cost(child_complexity)")]
    async fn forecast_record(
        &self,
        ctx: &Context<'_>,
        filter: Option<PredictionFilterInput>,
        group_by: Option<Vec<ForecastGrouping>>,
        as_recorded_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<ForecastRecord> {
        let at = when(ctx, as_recorded_at).await?;
        let (db, audience) = reader(ctx, at);
        let filter = filter.map(PredictionFilter::from);
        let record = predictions::record(&db, audience, filter.as_ref(), &group_by.unwrap_or_default()).await.gql()?;
        super::budget::charge_rows(ctx, record.groups.len())?;
        Ok(ForecastRecord(record, at))
    }
}
