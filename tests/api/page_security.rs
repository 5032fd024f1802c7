//! Security headers over HTTP: the explorer's pages and GraphiQL refuse framing and foreign
//! code, the plots stay embeddable, nothing is sniffed; GraphiQL loads only pinned files that
//! the service itself serves.

use reqwest::header::{ACCEPT, HeaderMap};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

async fn get_page(app: &TestApp, path: &str) -> (u16, HeaderMap, String) {
    let response = app.client.get(app.url(path)).header(ACCEPT, "text/html").send().await.expect("answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("a body"))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> &'h str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name}"))
}

#[tokio::test]
async fn explorer_pages_send_a_policy_that_allows_nothing_foreign() {
    let app = spawn_app().await;
    for path in ["/", "/models/gopher", "/plots", "/feedback", "/models/no-such-model"] {
        let (_, headers, _) = get_page(&app, path).await;
        let policy = header(&headers, "content-security-policy");
        for directive in ["default-src 'none'", "style-src 'self'", "img-src 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(directive), "{path}: {policy}");
        }
        assert!(!policy.contains("script-src"), "the explorer runs no script: {policy}");
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&headers, "referrer-policy"), "same-origin", "{path}");
        assert_eq!(header(&headers, "x-frame-options"), "DENY", "{path}");
    }

    // A plot can still be embedded by other sites, and runs nothing when opened directly.
    let (status, headers, _) = get_page(&app, "/plots/compute.svg").await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-security-policy"), "default-src 'none'; style-src 'unsafe-inline'");
    assert!(headers.get("x-frame-options").is_none());
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");

    // API answers are never sniffed into pages.
    let response = app.client.get(app.url("/export/models.csv")).send().await.unwrap();
    assert_eq!(header(response.headers(), "x-content-type-options"), "nosniff");
    let (status, _) = app.post_graphql("{ models(first: 1) { totalCount } }", json!({})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary_under_its_own_policy() {
    let app = spawn_app().await;
    let (status, headers, page) = get_page(&app, "/graphql").await;
    assert_eq!(status, 200);
    let policy = header(&headers, "content-security-policy");
    for directive in ["script-src 'self';", "connect-src 'self'", "frame-ancestors 'none'"] {
        assert!(policy.contains(directive), "{policy}");
    }
    assert!(!policy.contains("unsafe-eval") && !policy.contains("http"), "{policy}");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "x-frame-options"), "DENY");
    assert!(!page.contains("unpkg") && !page.contains("//cdn") && !page.contains("development"), "{page}");
    assert!(!page.contains("<script>"), "no inline script: the policy would refuse it");

    // Every file the page names is here, pinned, and cacheable for good.
    let files: Vec<&str> = page.split(['"', '\'']).filter(|s| s.starts_with("/assets/graphiql-")).collect::<Vec<_>>();
    assert_eq!(files.len(), 6, "{files:?}");
    for file in files {
        let response = app.client.get(app.url(file)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{file}");
        let kind = header(response.headers(), "content-type").to_owned();
        assert!(kind.starts_with(if file.ends_with(".js") { "text/javascript" } else { "text/css" }), "{file}: {kind}");
        assert!(header(response.headers(), "cache-control").contains("immutable"), "{file}");
        assert!(!response.bytes().await.unwrap().is_empty(), "{file}");
    }
    let missing = app.client.get(app.url("/assets/graphiql-4.1.2/../../Cargo.toml")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}
