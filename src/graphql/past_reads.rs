//! Whether an operation reads only the past: every field at its root (fragments followed) is
//! `__typename` or reads the catalog as recorded at an instant its `asRecordedAt` names. Such an
//! answer can never change: a past instant resolves to a revision whose rows are final, and an
//! instant in the future is refused (see `service::history::as_recorded_at`). An anonymous GET
//! of one gets a strong ETag and may be kept for a year (see `http::graphql`).
//!
//! Read from the document and its variables, before the operation runs, in this one place. An
//! `asRecordedAt` that is null (written so, or a variable that is null, or not given and without
//! a default) is the present. Directives are not read: a present field under `@skip` still
//! makes the answer a present one, which is only kept less long.

use std::collections::HashSet;

use async_graphql::{
    Value, Variables,
    parser::types::{ExecutableDocument, OperationType, Selection},
};

use super::rate_limit::{operation, var, with_defaults};

/// The argument of every past read (see `graphql::when`).
const ARGUMENT: &str = "asRecordedAt";

/// Whether the query `name` selects in `document` reads only the past, with at least one field
/// that does (`false` when the document names no such query).
pub fn only_past_reads(document: &ExecutableDocument, name: Option<&str>, variables: &Variables) -> bool {
    let Some(operation) = operation(document, name) else { return false };
    if operation.node.ty != OperationType::Query {
        return false;
    }
    let variables = with_defaults(operation, variables);
    let mut past_fields = 0;
    let mut spread = HashSet::new();
    let mut pending = vec![&operation.node.selection_set.node];
    while let Some(set) = pending.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) if field.node.name.node == "__typename" => {}
                Selection::Field(field) => {
                    let at = field
                        .node
                        .get_argument(ARGUMENT)
                        .map(|v| v.node.clone().into_const_with(|n| var(&variables, &n)));
                    match at {
                        Some(Ok(Value::Null)) | Some(Err(())) | None => return false,
                        Some(Ok(_)) => past_fields += 1,
                    }
                }
                Selection::InlineFragment(fragment) => pending.push(&fragment.node.selection_set.node),
                // Each fragment once: spreading it again selects the same fields (and a cycle
                // is refused by validation, which has not run yet).
                Selection::FragmentSpread(fragment) => {
                    let name = &fragment.node.fragment_name.node;
                    if spread.insert(name) {
                        match document.fragments.get(name) {
                            Some(fragment) => pending.push(&fragment.node.selection_set.node),
                            None => return false,
                        }
                    }
                }
            }
        }
    }
    past_fields > 0
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::parse_query;
    use serde_json::json;

    use super::*;

    fn past(query: &str, variables: serde_json::Value) -> bool {
        let document = parse_query(query).unwrap();
        only_past_reads(&document, None, &Variables::from_json(variables))
    }

    const AT: &str = "2025-01-01T00:00:00Z";

    #[test]
    fn every_root_field_must_read_the_past() {
        assert!(past(r#"{ models(asRecordedAt: "2025-01-01T00:00:00Z") { totalCount } __typename }"#, json!({})));
        assert!(past(
            r#"{ a: models(asRecordedAt: "2025-01-01T00:00:00Z") { totalCount } b: frontier(asRecordedAt: "2025-01-01T00:00:00Z") { slug } }"#,
            json!({})
        ));
        assert!(!past("{ models { totalCount } }", json!({})));
        assert!(!past(
            r#"{ models(asRecordedAt: "2025-01-01T00:00:00Z") { totalCount } models2: models { totalCount } }"#,
            json!({})
        ));
        assert!(!past(
            r#"{ models(asRecordedAt: "2025-01-01T00:00:00Z") { totalCount } rateLimit { cost } }"#,
            json!({})
        ));
        assert!(!past("{ __typename }", json!({})));
        assert!(!past("{ models(asRecordedAt: null) { totalCount } }", json!({})));
        assert!(!past(r#"mutation { models(asRecordedAt: "2025-01-01T00:00:00Z") { totalCount } }"#, json!({})));
    }

    #[test]
    fn variables_and_their_defaults_are_read() {
        let query = "query($at: DateTime) { models(asRecordedAt: $at) { totalCount } }";
        assert!(past(query, json!({ "at": AT })));
        assert!(!past(query, json!({ "at": null })));
        assert!(!past(query, json!({})));
        let defaulted = r#"query($at: DateTime = "2025-01-01T00:00:00Z") { models(asRecordedAt: $at) { totalCount } }"#;
        assert!(past(defaulted, json!({})));
        assert!(!past(defaulted, json!({ "at": null })));
    }

    #[test]
    fn fragments_are_followed() {
        let spread = "query($at: DateTime) { ...Root ... on Query { frontier(asRecordedAt: $at) { slug } } }
            fragment Root on Query { models(asRecordedAt: $at) { totalCount } }";
        assert!(past(spread, json!({ "at": AT })));
        let present = "query($at: DateTime) { models(asRecordedAt: $at) { totalCount } ...Root }
            fragment Root on Query { organizations { totalCount } }";
        assert!(!past(present, json!({ "at": AT })));
        assert!(!past(
            "query($at: DateTime) { models(asRecordedAt: $at) { totalCount } ...Missing }",
            json!({ "at": AT })
        ));
    }
}
