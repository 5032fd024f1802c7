//! What a document selects once its fragments are expanded, counted without expanding them:
//! each fragment's size is found once (memoized over the fragment graph) and a spread adds it.
//! async-graphql's validation expands every spread it meets: 28 fragments that each spread
//! the previous one twice (1 KB) cost it 42 CPU-seconds, and a chain of 10,000 fragments,
//! even unused, overflowed its stack. Linear here, and a cycle does not loop (async-graphql's
//! own rule refuses it afterwards).

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, ServerError};

use super::{InputLimits, with_code};
use crate::service::ErrorCode;

/// The longest chain of fragments spreading fragments: async-graphql's own recursion bound
/// (`limit_recursive_depth`, 32); its validation recurses once per link, also for fragments
/// no operation uses.
pub const MAX_FRAGMENT_CHAIN: usize = 32;

/// Fields and aliases selected, and the longest chain of spreads below.
#[derive(Clone, Copy, Default)]
struct Size {
    fields: u64,
    aliases: u64,
    chain: u64,
}

impl Size {
    fn add(self, other: Size) -> Size {
        Size {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            chain: self.chain.max(other.chain),
        }
    }
}

/// A selection set's own fields and aliases, and the fragments it spreads (once per spread).
fn own(set: &SelectionSet) -> (Size, Vec<&Name>) {
    let mut size = Size::default();
    let mut spreads = Vec::new();
    let mut sets = vec![set];
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    size.fields += 1;
                    size.aliases += u64::from(field.node.alias.is_some());
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => sets.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => spreads.push(&spread.node.fragment_name.node),
            }
        }
    }
    (size, spreads)
}

/// Every fragment's expanded size, each found once.
fn fragment_sizes(document: &ExecutableDocument) -> HashMap<&Name, Size> {
    let owns: HashMap<&Name, (Size, Vec<&Name>)> =
        document.fragments.iter().map(|(name, fragment)| (name, own(&fragment.node.selection_set.node))).collect();
    let mut sizes: HashMap<&Name, Size> = HashMap::with_capacity(owns.len());
    let mut started: std::collections::HashSet<&Name> = Default::default();
    for &root in owns.keys() {
        // (fragment, whether its spreads are done): a fragment is summed after them.
        let mut stack = vec![(root, false)];
        while let Some((name, spreads_done)) = stack.pop() {
            let Some((own, spreads)) = owns.get(name) else { continue };
            if spreads_done {
                // A spread not yet sized is unknown or part of a cycle: it adds nothing.
                let below = spreads.iter().filter_map(|s| sizes.get(s)).fold(Size::default(), |a, &b| a.add(b));
                let chain = if spreads.is_empty() { 0 } else { below.chain + 1 };
                sizes.insert(name, Size { chain, ..own.add(below) });
                continue;
            }
            if !started.insert(name) {
                continue;
            }
            stack.push((name, true));
            stack.extend(spreads.iter().filter(|s| !started.contains(*s)).map(|&s| (s, false)));
        }
    }
    sizes
}

/// Refuses `document` if its operations and fragment definitions (validation visits each)
/// select more fields or aliases than allowed once spreads are expanded, or if fragments
/// spread fragments more than [`MAX_FRAGMENT_CHAIN`] deep.
pub fn check(document: &ExecutableDocument, limits: &InputLimits) -> Result<(), ServerError> {
    let sizes = fragment_sizes(document);
    let mut total = sizes.values().fold(Size::default(), |a, &b| a.add(b));
    for (_, operation) in document.operations.iter() {
        let (own, spreads) = own(&operation.node.selection_set.node);
        total = spreads.iter().filter_map(|s| sizes.get(s)).fold(total.add(own), |a, &b| a.add(b));
    }
    let refuse = |message: String| Err(with_code(ServerError::new(message, None), ErrorCode::GraphqlValidationFailed));
    if total.chain > MAX_FRAGMENT_CHAIN as u64 {
        return refuse(format!("fragments spread fragments more than {MAX_FRAGMENT_CHAIN} levels deep"));
    }
    if total.fields > limits.max_selected_fields as u64 {
        return refuse(format!(
            "the document selects more than {} fields once its fragments are expanded",
            limits.max_selected_fields
        ));
    }
    if total.aliases > limits.max_aliases as u64 {
        return refuse(format!("the document uses more than {} aliases", limits.max_aliases));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;

    use super::*;

    fn limits() -> InputLimits {
        InputLimits::default()
    }

    #[test]
    fn doubling_fragments_are_counted_without_being_expanded() {
        let mut query = String::from("query { ...F28 }\nfragment F0 on Query { __typename }\n");
        for i in 1..=28 {
            query.push_str(&format!("fragment F{i} on Query {{ ...F{j} ...F{j} }}\n", j = i - 1));
        }
        let error = check(&parse_query(&query).unwrap(), &limits()).unwrap_err();
        assert!(error.message.contains("fields"), "{}", error.message);
    }

    #[test]
    fn cycles_end_and_long_chains_are_refused() {
        let cycle = "query { ...A } fragment A on Query { ...B __typename } fragment B on Query { ...A }";
        assert!(check(&parse_query(cycle).unwrap(), &limits()).is_ok());
        let mut chain = String::from("query { __typename }\nfragment F0 on Query { __typename }\n");
        for i in 1..=40 {
            chain.push_str(&format!("fragment F{i} on Query {{ ...F{j} }}\n", j = i - 1));
        }
        let error = check(&parse_query(&chain).unwrap(), &limits()).unwrap_err();
        assert!(error.message.contains("levels deep"), "{}", error.message);
    }

    #[test]
    fn aliases_are_counted_through_fragments() {
        let query = "query { ...A ...A } fragment A on Query { a: __typename b: __typename }";
        let few = InputLimits { max_aliases: 5, ..limits() };
        // 2 in the fragment's definition + 4 through the two spreads.
        assert!(check(&parse_query(query).unwrap(), &few).is_err());
        assert!(check(&parse_query(query).unwrap(), &InputLimits { max_aliases: 6, ..limits() }).is_ok());
    }
}
