//! The query budget as the schema shows it: the `rateLimit` field, what a document asks of it
//! (read before the operation is charged), its price, and the dry run's document.
//!
//! The price is read from the document alone: 1 point, plus 1 per 100 rows its pages can hold
//! (a page's `first` or `last`, 20 when it gives neither, times the pages around it). What an
//! operation is charged once it has run counts the rows it really loaded (see
//! `service::query_budget`), so a page shorter than asked costs less than its price, and the
//! plain lists inside rows (a model's organizations) cost more.

use std::collections::HashSet;

use async_graphql::{
    Context, Name, Positioned, SimpleObject, Variables,
    parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet},
};
use chrono::{DateTime, Utc};

use crate::service::query_budget::{Account, ROWS_PER_POINT};

/// The field's name in documents.
const FIELD: &str = "rateLimit";
/// Rows a page holds when the document gives no size (the connections' default).
const DEFAULT_PAGE: u64 = 20;
/// Nesting followed when pricing (deeper documents are refused by the depth limit anyway).
const MAX_NESTING: usize = 32;

/// The caller's query budget as this operation found it.
#[derive(Clone, Copy, Debug)]
pub struct BudgetView {
    pub account: Account,
    /// The price of this operation (0 when it asks for `rateLimit` alone).
    pub cost: u32,
}

/// A caller's query budget: points per hour, refilled evenly.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// Points per hour.
    limit: i32,
    /// The price of this operation: 1 point plus 1 per 100 rows its pages can hold. Asking for
    /// `rateLimit` alone costs 0. Once run, an operation is charged for the rows it really
    /// loaded (`X-RateLimit-Used` tells).
    cost: i32,
    /// Points left now (before this operation's rows are charged).
    remaining: i32,
    /// Points used of the hour's allowance.
    used: i32,
    /// When the allowance is whole again.
    reset_at: DateTime<Utc>,
}

/// `rateLimit`'s answer: `None` when the caller has no budget (it is turned off, or the
/// transport does not charge one).
pub fn rate_limit(ctx: &Context<'_>) -> Option<RateLimit> {
    let view = ctx.data_opt::<BudgetView>()?;
    let clamp = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
    Some(RateLimit {
        limit: clamp(view.account.limit),
        cost: clamp(view.cost),
        remaining: clamp(view.account.remaining),
        used: clamp(view.account.used()),
        reset_at: view.account.reset_at,
    })
}

/// What a document asks of the budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ask {
    /// It selects `rateLimit` at its root.
    pub mentions: bool,
    /// It selects nothing else at its root (`__typename` aside): it costs nothing.
    pub only: bool,
    /// A `rateLimit(dryRun: true)` asks for the price without running the rest.
    pub dry_run: bool,
    /// Its price.
    pub price: u32,
}

/// What the operation `name` selects in `document` asks of the budget; `None` when the
/// document names no such operation (it is charged as any failed request is).
pub fn ask(document: &ExecutableDocument, name: Option<&str>, variables: &Variables) -> Option<Ask> {
    let operation = operation(document, name)?;
    let given = with_defaults(operation, variables);
    let variables = &given;
    let root = &operation.node.selection_set.node.items;
    let mut ask = Ask::default();
    let mut others = false;
    for selection in root {
        match &selection.node {
            Selection::Field(field) if field.node.name.node == FIELD => {
                ask.mentions = true;
                let dry =
                    field.node.get_argument("dryRun").map(|v| v.node.clone().into_const_with(|n| var(variables, &n)));
                if let Some(Ok(async_graphql::Value::Boolean(true))) = dry {
                    ask.dry_run = true;
                }
            }
            Selection::Field(field) if field.node.name.node == "__typename" => {}
            _ => others = true,
        }
    }
    ask.only = ask.mentions && !others;
    let rows = rows(document, &operation.node.selection_set.node, variables, 1, 0);
    ask.price = if ask.only { 0 } else { 1 + u32::try_from(rows / ROWS_PER_POINT as u64).unwrap_or(u32::MAX) };
    Some(ask)
}

/// The variables as `operation` sees them: its defaults where none was given.
pub(super) fn with_defaults(operation: &Positioned<OperationDefinition>, variables: &Variables) -> Variables {
    let mut given = variables.clone();
    for definition in &operation.node.variable_definitions {
        let name = &definition.node.name.node;
        if !given.contains_key(name)
            && let Some(default) = definition.node.default_value()
        {
            given.insert(name.clone(), default.clone());
        }
    }
    given
}

/// A variable's value, null when it was not given.
pub(super) fn var(variables: &Variables, name: &Name) -> Result<async_graphql::Value, ()> {
    Ok(variables.get(name).cloned().unwrap_or(async_graphql::Value::Null))
}

/// The operation `name` selects in `document` (the only one, when unnamed), if any.
pub(super) fn operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), None) => Some(op),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Rows the pages in `set` can hold, each page `multiplier` times over.
fn rows(
    document: &ExecutableDocument,
    set: &SelectionSet,
    variables: &Variables,
    multiplier: u64,
    depth: usize,
) -> u64 {
    if depth > MAX_NESTING {
        return 0;
    }
    let mut total: u64 = 0;
    for selection in &set.items {
        let more = match &selection.node {
            Selection::Field(field) => {
                let is_page = field.node.get_argument("first").is_some() || field.node.get_argument("last").is_some();
                let size = ["first", "last"].iter().find_map(|arg| {
                    let value =
                        field.node.get_argument(arg)?.node.clone().into_const_with(|n| var(variables, &n)).ok()?;
                    match value {
                        async_graphql::Value::Number(n) => n.as_u64().map(|n| n.clamp(1, 100)),
                        _ => None,
                    }
                });
                let page = if is_page { size.unwrap_or(DEFAULT_PAGE) } else { 1 };
                let inner = multiplier.saturating_mul(page);
                let own = if is_page { inner } else { 0 };
                own.saturating_add(rows(document, &field.node.selection_set.node, variables, inner, depth + 1))
            }
            Selection::InlineFragment(fragment) => {
                rows(document, &fragment.node.selection_set.node, variables, multiplier, depth + 1)
            }
            Selection::FragmentSpread(spread) => match document.fragments.get(&spread.node.fragment_name.node) {
                Some(fragment) => rows(document, &fragment.node.selection_set.node, variables, multiplier, depth + 1),
                None => 0,
            },
        };
        total = total.saturating_add(more);
    }
    total
}

/// The document a dry run executes: the operation `name` keeps only its `rateLimit` fields, and
/// the fragments and variable definitions those use.
pub fn for_dry_run(document: &mut ExecutableDocument, name: Option<&str>) {
    let keep_operation = |op: &mut Positioned<OperationDefinition>| {
        op.node.selection_set.node.items.retain(
            |s| matches!(&s.node, Selection::Field(f) if f.node.name.node == FIELD || f.node.name.node == "__typename"),
        );
    };
    match (&mut document.operations, name) {
        (DocumentOperations::Single(op), _) => keep_operation(op),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            if let Some(op) = ops.get_mut(name) {
                keep_operation(op)
            }
        }
        (DocumentOperations::Multiple(ops), None) => ops.values_mut().for_each(keep_operation),
    }
    // What the kept selections use, fragments followed.
    let mut fragments = HashSet::new();
    let mut variables = HashSet::new();
    let mut pending: Vec<SelectionSet> = match &document.operations {
        DocumentOperations::Single(op) => vec![op.node.selection_set.node.clone()],
        DocumentOperations::Multiple(ops) => ops.values().map(|op| op.node.selection_set.node.clone()).collect(),
    };
    while let Some(set) = pending.pop() {
        for selection in set.items {
            match selection.node {
                Selection::Field(field) => {
                    for (_, value) in &field.node.arguments {
                        used_variables(&value.node, &mut variables);
                    }
                    for directive in &field.node.directives {
                        for (_, value) in &directive.node.arguments {
                            used_variables(&value.node, &mut variables);
                        }
                    }
                    pending.push(field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => pending.push(fragment.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.clone();
                    if fragments.insert(name.clone())
                        && let Some(fragment) = document.fragments.get(&name)
                    {
                        pending.push(fragment.node.selection_set.node.clone());
                    }
                }
            }
        }
    }
    document.fragments.retain(|name, _| fragments.contains(name));
    let keep_variables = |op: &mut Positioned<OperationDefinition>| {
        op.node.variable_definitions.retain(|v| variables.contains(&v.node.name.node));
    };
    match &mut document.operations {
        DocumentOperations::Single(op) => keep_variables(op),
        DocumentOperations::Multiple(ops) => ops.values_mut().for_each(keep_variables),
    }
}

/// The variables `value` uses.
fn used_variables(value: &async_graphql_value::Value, out: &mut HashSet<Name>) {
    use async_graphql_value::Value as V;
    match value {
        V::Variable(name) => {
            out.insert(name.clone());
        }
        V::List(items) => items.iter().for_each(|item| used_variables(item, out)),
        V::Object(fields) => fields.values().for_each(|item| used_variables(item, out)),
        _ => {}
    }
}
