//! Relay connections over service pages, and the cost each list adds to a query's complexity.

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{Connection, Edge},
};

use super::budget::charge_rows;
use super::error::OrGraphqlError;
use crate::service::{
    Page, PageArgs, ServiceResult,
    page::MAX_PAGE_SIZE,
    relations::{MAX_MODEL_LIST, MAX_REVERSE_LIST, MAX_THRESHOLDS},
};

/// The cost of a connection field: its page size times what each node costs. Sizes out of range
/// are costed as the largest allowed page, so the resolver (not the complexity limit) answers
/// them with BAD_USER_INPUT naming the argument.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).unwrap_or(20).clamp(1, MAX_PAGE_SIZE) as usize;
    items_cost(size, child)
}

/// The most a field may cost: far past any limit, yet small enough that async-graphql's plain
/// sums of sibling costs cannot overflow (a document within the body limit holds fewer than
/// 2^20 fields), which would wrap a huge cost round to a small one in a release build.
const COST_CEILING: usize = 1 << 40;

/// The cost of `items` items costing `child` each, plus the field itself, without overflowing.
pub fn items_cost(items: usize, child: usize) -> usize {
    items.saturating_mul(child).saturating_add(1).min(COST_CEILING)
}

/// Plain (unpaged) lists are charged at the most items they can hold, so that the estimate
/// holds: a bound it only guesses lets a few nested lists multiply past any limit.
///
/// One of a model's own lists (organizations, capability links, ...): edits refuse more items.
pub fn model_list_cost(child: usize) -> usize {
    items_cost(MAX_MODEL_LIST, child)
}

/// A list that grows with the catalog (a capability's models, a model's derived models, ...):
/// it returns at most the newest [`MAX_REVERSE_LIST`].
pub fn reverse_list_cost(child: usize) -> usize {
    items_cost(MAX_REVERSE_LIST, child)
}

/// A model's crossed compute thresholds: the catalog holds at most [`MAX_THRESHOLDS`].
pub fn thresholds_cost(child: usize) -> usize {
    items_cost(MAX_THRESHOLDS, child)
}

/// What reading one model's threshold history costs beyond its items: up to 1,000 of its
/// revisions and the thresholds' revisions, as much as a search.
const THRESHOLD_HISTORY_READ: usize = 3_000;

/// A model's threshold crossings: at most the newest [`MAX_REVERSE_LIST`], after a read of
/// its revision log.
pub fn threshold_history_cost(child: usize) -> usize {
    items_cost(MAX_REVERSE_LIST, child).saturating_add(THRESHOLD_HISTORY_READ)
}

#[derive(SimpleObject)]
pub struct ConnectionTotals {
    /// How many items the whole list holds, across all pages.
    pub total_count: i32,
}

pub type CatalogConnection<N> = Connection<String, N, ConnectionTotals>;

pub fn page_args(first: Option<i32>, after: Option<String>, last: Option<i32>, before: Option<String>) -> PageArgs {
    PageArgs { first, after, last, before }
}

/// Whether the client asked for `totalCount` (it costs a COUNT query).
fn wants_total(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

fn connection<R, N: OutputType>(page: Page<R>, total: u64, node: impl Fn(R) -> N) -> CatalogConnection<N> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous_page,
        page.has_next_page,
        ConnectionTotals { total_count: i32::try_from(total).unwrap_or(i32::MAX) },
    );
    connection.edges = page.rows.into_iter().map(|(cursor, row)| Edge::new(cursor, node(row))).collect();
    connection
}

/// A connection over `page`; the COUNT behind `totalCount` runs only when it is asked for.
pub async fn connect<R, N: OutputType>(
    ctx: &Context<'_>,
    page: Page<R>,
    count: impl Future<Output = ServiceResult<u64>>,
    node: impl Fn(R) -> N,
) -> async_graphql::Result<CatalogConnection<N>> {
    charge_rows(ctx, page.rows.len())?;
    let total = if wants_total(ctx) { count.await.gql()? } else { 0 };
    Ok(connection(page, total, node))
}
