//! Relay connections over service pages, and the cost each list adds to a query's complexity.

use async_graphql::{
    Context, OutputType, SimpleObject,
    connection::{Connection, Edge},
};

use super::error::OrGraphqlError;
use crate::service::{Page, PageArgs, ServiceResult, page::MAX_PAGE_SIZE};

/// How many items a plain (unpaged) list is assumed to hold when costing a query.
pub const LIST_FACTOR: usize = 3;

/// The cost of a connection field: its page size times what each node costs. Sizes out of range
/// are costed as the largest allowed page, so the resolver (not the complexity limit) answers
/// them with BAD_USER_INPUT naming the argument.
pub fn page_cost(first: Option<i32>, last: Option<i32>, child: usize) -> usize {
    let size = first.or(last).unwrap_or(20).clamp(1, MAX_PAGE_SIZE) as usize;
    1 + size * child
}

pub fn list_cost(child: usize) -> usize {
    1 + LIST_FACTOR * child
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
    let total = if wants_total(ctx) { count.await.gql()? } else { 0 };
    Ok(connection(page, total, node))
}
