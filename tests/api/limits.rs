//! Depth and complexity limits refuse abusive queries while GraphiQL's introspection works.

use serde_json::json;

use crate::helpers::spawn_app;

/// The query GraphiQL sends on load (graphql-js `getIntrospectionQuery()` with descriptions).
pub const INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"#;

#[tokio::test]
async fn graphiql_introspection_passes_the_limits() {
    let app = spawn_app().await;
    let data = app.query(INTROSPECTION, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    let types = data["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Node" && t["kind"] == "INTERFACE"));
}

#[tokio::test]
async fn too_deep_queries_are_refused() {
    let app = spawn_app().await;
    let mut selection = "slug".to_owned();
    for _ in 0..20 {
        selection = format!("baseModel {{ {selection} }}");
    }
    let (status, error) = app.query_error(&format!("{{ model(slug: \"gpt-3\") {{ {selection} }} }}"), json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert!(error["message"].as_str().unwrap().to_lowercase().contains("nested"), "{error}");
}

#[tokio::test]
async fn too_complex_queries_are_refused_before_they_run() {
    let app = spawn_app().await;
    let before = app.statements_so_far();
    let query = "{ models(first: 100) { nodes { derivedModels { organizations { models { capabilities {
        capability { models { model { slug } } } } } } } } } }";
    let (status, error) = app.query_error(query, json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert!(error["message"].as_str().unwrap().to_lowercase().contains("complex"), "{error}");
    assert_eq!(app.statements_so_far(), before, "nothing ran");
}

#[tokio::test]
async fn a_full_catalog_page_fits_the_limits() {
    let app = spawn_app().await;
    let data = app
        .query(
            "{ models(first: 100) { totalCount edges { cursor node { slug name announcedOn parameters trainingComputeFlop
                 organizations { slug name country kind } capabilities { status capability { slug name } }
                 riskAssessments { horizon cause category severity likelihood summary } } } } }",
            json!({}),
        )
        .await;
    assert!(!data["models"]["edges"].as_array().unwrap().is_empty());
}
