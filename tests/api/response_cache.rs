//! The response cache, automatic persisted queries and HTTP caching of GET answers: a kept
//! answer is byte for byte the answer a run gives, and no answer read before a committed change
//! is served after it, whoever made the change (this instance, another one, the command line).

use std::time::{Duration, Instant};

use ai_tracker::domain::EditorRole;
use ai_tracker::service::changes::ChangeHub;
use reqwest::{
    StatusCode,
    header::{ACCEPT, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, ETAG, IF_NONE_MATCH, VARY},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{
    GRAPHQL_RESPONSE, TestApp, changes_seen, scrape, second_instance, second_instance_with, seed_by_command_line,
    spawn_app, spawn_app_with,
};

/// What the cache did so far: (hits, misses, bypasses).
async fn cache_counts(address: &str) -> (f64, f64, f64) {
    let (_, samples) = scrape(address).await;
    let count = |result: &str| {
        let series = format!("ai_tracker_response_cache_requests_total{{result=\"{result}\"}}");
        samples.get(&series).copied().unwrap_or(0.0)
    };
    (count("hit"), count("miss"), count("bypass"))
}

/// POSTs a body as a client would, returning status and the body's exact text.
async fn post_text(address: &str, body: &Value) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(format!("{address}/graphql"))
        .header(ACCEPT, GRAPHQL_RESPONSE)
        .json(body)
        .send()
        .await
        .expect("the request is sent");
    (response.status(), response.text().await.unwrap())
}

/// The queries a frontend and an analyst send, with their variables.
fn sample_queries(gpt4_id: &str) -> Vec<(String, Value)> {
    vec![
        (
            "query Page($n: Int) { models(first: $n) { totalCount pageInfo { endCursor hasNextPage } nodes { id slug name \
             announcedOn parameters trainingComputeFlop access organizations { slug name country } capabilities { \
             status capability { slug name category } } riskAssessments { horizon category severity likelihood \
             summary } } } }"
                .into(),
            json!({ "n": 50 }),
        ),
        (
            "query($slug: String!) { model(slug: $slug) { name description industryContext parameters \
             parametersConfidence parametersNote riskAssessments { summary rationale } sources { url title } } }"
                .into(),
            json!({ "slug": "gpt-4" }),
        ),
        (
            "{ modelStatistics(groupBy: [YEAR]) { key { year } count trainingComputeFlop { median max } } }".into(),
            json!({}),
        ),
        ("{ search(text: \"language model\", first: 5) { __typename ... on Model { slug } } }".into(), json!({})),
        ("query($id: ID!) { node(id: $id) { ... on Model { slug version } } }".into(), json!({ "id": gpt4_id })),
        ("{ organizations(first: 20) { nodes { slug name country models { slug } } } }".into(), json!({})),
    ]
}

#[tokio::test]
async fn a_kept_answer_is_the_answer_an_uncached_instance_gives() {
    let app = spawn_app().await;
    let (uncached, _) = second_instance_with(&app, |settings| settings.cache.response_cache_bytes = 0).await;
    let gpt4 =
        app.query("{ model(slug: \"gpt-4\") { id } }", json!({})).await["model"]["id"].as_str().unwrap().to_owned();
    // The first answers only after the hub follows the log (before that nothing is kept).
    wait_until_following(&app.changes).await;
    let queries = sample_queries(&gpt4);
    let (hits, misses, _) = cache_counts(&app.address).await;
    for (query, variables) in &queries {
        let body = json!({ "query": query, "variables": variables });
        let (status, first) = post_text(&app.address, &body).await;
        assert_eq!(status, 200, "{first}");
        assert!(!first.contains("\"errors\""), "{first}");
        let (_, again) = post_text(&app.address, &body).await;
        let (_, plain) = post_text(&uncached, &body).await;
        assert_eq!(again, first, "a kept answer differs from the first for {query}");
        assert_eq!(plain, first, "the uncached instance answers differently for {query}");
    }
    let (hits_after, misses_after, _) = cache_counts(&app.address).await;
    assert_eq!(misses_after - misses, queries.len() as f64);
    assert_eq!(hits_after - hits, queries.len() as f64);
    // The uncached instance never kept anything.
    let (hits, misses, bypasses) = cache_counts(&uncached).await;
    assert_eq!((hits, misses), (0.0, 0.0));
    assert!(bypasses >= queries.len() as f64);

    // The same query laid out otherwise, with its variables in another order, is the same entry.
    let (query, _) = &queries[0];
    let spread = query.replace(' ', "\n  ,").replace("{\n", "{ # a comment\n");
    let (status, text) = post_text(&app.address, &json!({ "query": spread, "variables": { "n": 50 } })).await;
    assert_eq!(status, 200, "{text}");
    let (hits_now, _, _) = cache_counts(&app.address).await;
    assert_eq!(hits_now, hits_after + 1.0, "an equivalent layout missed the cache");
    let first = post_text(&app.address, &json!({ "query": queries[0].0, "variables": { "n": 50 } })).await.1;
    assert_eq!(text, first);
}

async fn wait_until_following(hub: &ChangeHub) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while hub.generation().is_none() {
        assert!(Instant::now() < deadline, "the change hub never started following the log");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

const NAME_OF_GPT4: &str = "{ model(slug: \"gpt-4\") { name version } }";
const RENAME: &str = "mutation($id: ID!, $name: String!, $v: Int!) { updateModel(id: $id, input: { name: $name }, \
                      expectedVersion: $v) { name version } }";

async fn rename(app: &TestApp, token: &str, id: &str, name: &str, version: i64) -> i64 {
    let data = app.query_as(token, RENAME, json!({ "id": id, "name": name, "v": version })).await;
    assert_eq!(data["updateModel"]["name"], name);
    data["updateModel"]["version"].as_i64().unwrap()
}

#[tokio::test]
async fn a_write_is_seen_by_the_very_next_read_even_while_others_keep_reading() {
    let app = spawn_app().await;
    wait_until_following(&app.changes).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let id =
        app.query("{ model(slug: \"gpt-4\") { id } }", json!({})).await["model"]["id"].as_str().unwrap().to_owned();
    let mut version = app.query(NAME_OF_GPT4, json!({})).await["model"]["version"].as_i64().unwrap();

    // Readers keep asking the same question the whole time, so that answers are being kept
    // while each write lands.
    let stop = tokio_util::sync::CancellationToken::new();
    let mut readers = Vec::new();
    for _ in 0..4 {
        let (address, stop) = (app.address.clone(), stop.clone());
        readers.push(tokio::spawn(async move {
            let mut asked = 0;
            while !stop.is_cancelled() {
                let (status, _) = post_text(&address, &json!({ "query": NAME_OF_GPT4 })).await;
                assert_eq!(status, 200);
                asked += 1;
            }
            asked
        }));
    }
    let (hits_before, _, _) = cache_counts(&app.address).await;
    for n in 0..10 {
        let name = format!("GPT-4 (renamed {n})");
        version = rename(&app, &editor, &id, &name, version).await;
        let seen = app.query(NAME_OF_GPT4, json!({})).await;
        assert_eq!(seen["model"]["name"], name, "the read after write {n} was stale");
        assert_eq!(seen["model"]["version"], version);
    }
    stop.cancel();
    let mut asked = 0;
    for reader in readers {
        asked += reader.await.unwrap();
    }
    let (hits_after, _, _) = cache_counts(&app.address).await;
    assert!(asked > 0 && hits_after > hits_before, "the readers were never served from the cache ({asked} asked)");
}

#[tokio::test]
async fn a_change_from_another_instance_or_the_command_line_retires_kept_answers() {
    let app = spawn_app_with(|settings| settings.no_seed = true).await;
    wait_until_following(&app.changes).await;
    let count = "{ models(first: 1) { totalCount } }";
    let before = app.query(count, json!({})).await;
    assert_eq!(before["models"]["totalCount"], 0);
    app.query(count, json!({})).await; // kept now

    // The command line loads the starter catalog into the same database. Once this instance
    // has heard of the changes, no answer from before them is served.
    seed_by_command_line(&app).await;
    changes_seen(&app).await;
    let after = app.query(count, json!({})).await;
    assert!(after["models"]["totalCount"].as_i64().unwrap() > 0, "stale after the command line's seed: {after}");

    // Another instance renames a model.
    let (other, _) = second_instance(&app).await;
    app.query(NAME_OF_GPT4, json!({})).await; // kept now
    let editor = app.editor_token(EditorRole::Editor).await;
    let data = app.query(NAME_OF_GPT4.replace("name version", "id version").as_str(), json!({})).await;
    let (id, version) = (data["model"]["id"].as_str().unwrap().to_owned(), data["model"]["version"].as_i64().unwrap());
    let mut changes = app.changes.subscribe();
    let (status, body) = reqwest::Client::new()
        .post(format!("{other}/graphql"))
        .bearer_auth(&editor)
        .json(&json!({ "query": RENAME, "variables": { "id": id, "name": "Renamed elsewhere", "v": version } }))
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, 200, "{:?}", body.text().await);
    tokio::time::timeout(Duration::from_secs(10), changes.recv()).await.expect("a change notice").unwrap();
    let seen = app.query(NAME_OF_GPT4, json!({})).await;
    assert_eq!(seen["model"]["name"], "Renamed elsewhere");
}

#[tokio::test]
async fn editors_are_never_answered_from_the_cache() {
    let app = spawn_app().await;
    wait_until_following(&app.changes).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let query =
        "{ models(first: 100, filter: { slug: { eq: \"secret-draft\" } }) { totalCount nodes { slug published } } }";
    let public = app.query(query, json!({})).await;
    assert_eq!(public["models"]["totalCount"], 0);
    let create = "mutation { createModel(input: { slug: \"secret-draft\", name: \"Secret draft\", access: API, \
                  published: false }) { slug } }";
    app.query_as(&editor, create, json!({})).await;
    let (_, _, bypasses) = cache_counts(&app.address).await;
    let seen_by_editor = app.query_as(&editor, query, json!({})).await;
    assert_eq!(seen_by_editor["models"]["totalCount"], 1, "{seen_by_editor}");
    let seen_again = app.query_as(&editor, query, json!({})).await;
    assert_eq!(seen_again, seen_by_editor);
    let (_, _, bypasses_after) = cache_counts(&app.address).await;
    assert_eq!(bypasses_after - bypasses, 2.0);
    // The public's answer never includes the draft, kept or not.
    for _ in 0..2 {
        assert_eq!(app.query(query, json!({})).await["models"]["totalCount"], 0);
    }
    // An editor's GET answer is for nobody else to keep.
    let response =
        app.client.get(app.url("/graphql")).query(&[("query", query)]).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CACHE_CONTROL], "private, no-store");
    assert!(response.headers().get(ETAG).is_none());
}

async fn get(app: &TestApp, params: &[(&str, &str)], if_none_match: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url("/graphql")).query(params).header(ACCEPT, GRAPHQL_RESPONSE);
    if let Some(tag) = if_none_match {
        request = request.header(IF_NONE_MATCH, tag);
    }
    request.send().await.expect("the request is sent")
}

#[tokio::test]
async fn get_answers_carry_an_etag_and_a_max_age_and_revalidate() {
    let app = spawn_app_with(|settings| settings.cache.cache_max_age_secs = 7).await;
    wait_until_following(&app.changes).await;
    let query = [("query", NAME_OF_GPT4)];
    let first = get(&app, &query, None).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()[CACHE_CONTROL], "public, max-age=7");
    assert_eq!(first.headers()[VARY], "accept, accept-encoding, authorization");
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\"") && etag.len() == 3 + 32 + 1, "{etag}");
    let body = first.text().await.unwrap();

    // Unchanged: 304, no body, the same tag (also among other tags, and for `*`).
    for tag in [etag.clone(), format!("\"other\", {etag}"), etag.trim_start_matches("W/").to_owned(), "*".into()] {
        let revalidated = get(&app, &query, Some(&tag)).await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "If-None-Match: {tag}");
        assert_eq!(revalidated.headers()[ETAG], etag.as_str());
        assert_eq!(revalidated.headers()[CACHE_CONTROL], "public, max-age=7");
        assert!(revalidated.text().await.unwrap().is_empty());
    }
    let other_tag = get(&app, &query, Some("W/\"0123\"")).await;
    assert_eq!(other_tag.status(), 200);
    assert_eq!(other_tag.text().await.unwrap(), body);

    // After a change the old tag no longer matches: the new answer comes with a new tag.
    let editor = app.editor_token(EditorRole::Editor).await;
    let data = app.query(&NAME_OF_GPT4.replace("name version", "id version"), json!({})).await;
    rename(
        &app,
        &editor,
        data["model"]["id"].as_str().unwrap(),
        "GPT-4 renamed",
        data["model"]["version"].as_i64().unwrap(),
    )
    .await;
    let changed = get(&app, &query, Some(&etag)).await;
    assert_eq!(changed.status(), 200);
    let new_etag = changed.headers()[ETAG].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    assert!(changed.text().await.unwrap().contains("GPT-4 renamed"));

    // Errors and refusals are not for keeping.
    let failed = get(&app, &[("query", "{ models(first: -1) { totalCount } }")], None).await;
    assert_eq!(failed.headers()[CACHE_CONTROL], "no-store");
    assert!(failed.headers().get(ETAG).is_none());
    let mutation = get(&app, &[("query", "mutation { revokeEditorTokens(id: \"nobody\") { id } }")], None).await;
    assert_eq!(mutation.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(mutation.headers()[CACHE_CONTROL], "no-store");
    let malformed = get(&app, &[("query", NAME_OF_GPT4), ("variables", "[1]")], None).await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(malformed.headers()[CACHE_CONTROL], "no-store");

    // Without the server-side cache GET answers are tagged the same way.
    let (plain, _) = second_instance_with(&app, |settings| settings.cache.response_cache_bytes = 0).await;
    let response = reqwest::Client::new()
        .get(format!("{plain}/graphql"))
        .query(&query)
        .header(IF_NONE_MATCH, &new_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn apollo_persisted_queries_run_by_hash_once_their_query_was_sent() {
    let app = spawn_app().await;
    let query = "query($slug: String!) { model(slug: $slug) { name } }";
    let hash = sha256_hex(query);
    let persisted = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let by_hash = json!({ "extensions": persisted, "variables": { "slug": "gpt-4" } });

    // Unknown hash: the client is asked for the query (400 under graphql-response+json, 200
    // under application/json).
    let (status, text) = post_text(&app.address, &by_hash).await;
    assert_eq!(status, 400);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    let legacy = app.post_raw(Some("application/json"), Some("application/json"), by_hash.to_string()).await;
    assert_eq!(legacy.status(), 200);
    assert_eq!(legacy.json::<Value>().await.unwrap()["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");

    // A wrong hash for a query is refused and stores nothing.
    let wrong = json!({ "query": "{ models(first: 1) { totalCount } }", "extensions": persisted });
    let (status, text) = post_text(&app.address, &wrong).await;
    assert_eq!(status, 400);
    assert!(text.contains("sha256Hash") && text.contains("BAD_REQUEST"), "{text}");
    assert_eq!(post_text(&app.address, &by_hash).await.0, 400);

    // The query with its hash runs and is stored; then the hash alone runs it.
    let with_query = json!({ "query": query, "extensions": persisted, "variables": { "slug": "gpt-4" } });
    let (status, registered) = post_text(&app.address, &with_query).await;
    assert_eq!(status, 200, "{registered}");
    assert!(registered.contains("\"GPT-4"), "{registered}");
    let (status, text) = post_text(&app.address, &by_hash).await;
    assert_eq!((status, text), (StatusCode::OK, registered.clone()));

    // By GET, as a CDN would see it: a short URL, tagged for revalidation.
    let response = get(
        &app,
        &[("extensions", &persisted.to_string()), ("variables", &json!({ "slug": "gpt-4" }).to_string())],
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get(ETAG).is_some());
    assert_eq!(response.text().await.unwrap(), registered);

    // A persisted mutation still cannot run by GET.
    let mutation = "mutation { revokeEditorTokens(id: \"nobody\") { id } }";
    let stored = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(mutation) } });
    let editor = app.editor_token(EditorRole::Editor).await;
    let (status, _) = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&editor)
        .json(&json!({ "query": mutation, "extensions": stored }))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(status, 200);
    let response = get(&app, &[("extensions", &stored.to_string())], None).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);

    // Malformed extensions name the field.
    for (extensions, field) in [
        (json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }), "version"),
        (json!({ "persistedQuery": { "version": 1, "sha256Hash": "not hex" } }), "sha256Hash"),
        (json!({ "persistedQuery": [] }), "persistedQuery"),
    ] {
        let (status, text) = post_text(&app.address, &json!({ "extensions": extensions })).await;
        assert_eq!(status, 400, "{text}");
        assert!(text.contains(field), "{text}");
    }
}

#[tokio::test]
async fn answers_with_errors_are_never_kept() {
    let app = spawn_app().await;
    wait_until_following(&app.changes).await;
    let (hits, misses, _) = cache_counts(&app.address).await;
    for _ in 0..3 {
        let (status, error) = app.query_error("{ models(first: -1) { totalCount } }", json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT");
    }
    let (hits_after, misses_after, _) = cache_counts(&app.address).await;
    assert_eq!(hits_after, hits);
    assert_eq!(misses_after - misses, 3.0);
}

/// The body as sent, decoded by its `Content-Encoding`.
async fn decoded(response: reqwest::Response) -> (Option<String>, String) {
    use std::io::Read;
    let coding = response.headers().get(CONTENT_ENCODING).map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.bytes().await.unwrap();
    let mut text = String::new();
    match coding.as_deref() {
        None => text = String::from_utf8(bytes.to_vec()).unwrap(),
        Some("gzip") => drop(flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut text).unwrap()),
        Some("br") => drop(brotli::Decompressor::new(&bytes[..], 4096).read_to_string(&mut text).unwrap()),
        Some(other) => panic!("unexpected coding {other}"),
    }
    (coding, text)
}

#[tokio::test]
async fn kept_answers_go_out_compressed_in_the_coding_the_client_takes() {
    let app = spawn_app().await;
    wait_until_following(&app.changes).await;
    let page = json!({ "query": "{ models(first: 50) { nodes { slug name description } } }" });
    let send = |coding: Option<&'static str>| {
        let mut request = app.client.post(app.url("/graphql")).json(&page);
        if let Some(coding) = coding {
            request = request.header(ACCEPT_ENCODING, coding);
        }
        async move { request.send().await.unwrap() }
    };
    let (coding, plain) = decoded(send(None).await).await; // run and kept
    assert_eq!(coding, None);
    let (hits, _, _) = cache_counts(&app.address).await;
    for (accept, expected) in [("gzip", "gzip"), ("br", "br"), ("gzip, deflate, br", "br"), ("br;q=0, gzip", "gzip")] {
        for _ in 0..2 {
            let response = send(Some(accept)).await;
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()[VARY], "accept-encoding");
            let (coding, text) = decoded(response).await;
            assert_eq!(coding.as_deref(), Some(expected), "Accept-Encoding: {accept}");
            assert_eq!(text, plain, "the {expected} body decodes to the same answer");
        }
    }
    let (coding, text) = decoded(send(Some("identity")).await).await;
    assert_eq!((coding, text), (None, plain.clone()));
    let (hits_after, _, _) = cache_counts(&app.address).await;
    assert_eq!(hits_after - hits, 9.0, "every one of them was a kept answer");

    // By GET too, with the tag of the uncompressed answer; a revalidation is still a 304.
    let query = [("query", "{ models(first: 50) { nodes { slug name description } } }")];
    let response =
        app.client.get(app.url("/graphql")).query(&query).header(ACCEPT_ENCODING, "br").send().await.unwrap();
    assert_eq!(response.headers()[VARY], "accept, accept-encoding, authorization");
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    assert_eq!(decoded(response).await, (Some("br".to_owned()), plain));
    let again = app
        .client
        .get(app.url("/graphql"))
        .query(&query)
        .header(ACCEPT_ENCODING, "br")
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.headers().get(CONTENT_ENCODING).is_none());
}

/// A moment strictly after every revision so far, and before any made next.
async fn instant() -> String {
    tokio::time::sleep(Duration::from_millis(20)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(Duration::from_millis(20)).await;
    at
}

#[tokio::test]
async fn past_answers_carry_a_strong_etag_and_may_be_kept_for_good() {
    let app = spawn_app_with(|settings| settings.cache.cache_max_age_secs = 7).await;
    wait_until_following(&app.changes).await;
    let at = instant().await;
    let past = format!("{{ models(asRecordedAt: \"{at}\") {{ totalCount }} }}");
    let past_name = "query($at: DateTime) { model(slug: \"gpt-4\", asRecordedAt: $at) { name } }";
    let variables = json!({ "at": at }).to_string();
    let past_requests: [Vec<(&str, &str)>; 2] =
        [vec![("query", &past)], vec![("query", past_name), ("variables", &variables)]];

    let mut answers = Vec::new();
    for params in &past_requests {
        let first = get(&app, params, None).await;
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
        let body = first.text().await.unwrap();
        assert!(!body.contains("errors"), "{body}");
        // Strong: 128 bits of the body's SHA-256, without `W/`.
        assert_eq!(etag, format!("\"{}\"", &sha256_hex(&body)[..32]));

        let revalidated = get(&app, params, Some(&etag)).await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(revalidated.headers()[ETAG], etag.as_str());
        assert_eq!(revalidated.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert!(revalidated.text().await.unwrap().is_empty());
        answers.push((etag, body));
    }
    assert!(answers[1].1.contains("\"GPT-4 (Mar 2023)\""), "{}", answers[1].1);

    // An edit changes the present, and not the past: the same bytes, the same tag.
    let editor = app.editor_token(EditorRole::Editor).await;
    let data = app.query(&NAME_OF_GPT4.replace("name version", "id version"), json!({})).await;
    let id = data["model"]["id"].as_str().unwrap();
    rename(&app, &editor, id, "GPT-4 renamed", data["model"]["version"].as_i64().unwrap()).await;
    assert_eq!(app.query(NAME_OF_GPT4, json!({})).await["model"]["name"], "GPT-4 renamed");
    for (params, (etag, body)) in past_requests.iter().zip(&answers) {
        let again = get(&app, params, None).await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()[ETAG], etag.as_str());
        assert_eq!(again.text().await.unwrap(), *body);
        assert_eq!(get(&app, params, Some(etag)).await.status(), StatusCode::NOT_MODIFIED);
    }

    // `__typename` beside past reads leaves them past. (Not compared byte for byte: async-graphql
    // writes sibling fields in the order they finish, which may differ from run to run.)
    let with_typename = format!("{{ __typename a: models(asRecordedAt: \"{at}\") {{ totalCount }} }}");
    let response = get(&app, &[("query", &with_typename)], None).await;
    assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(!response.headers()[ETAG].to_str().unwrap().starts_with("W/"));

    // The present, a present field beside a past one, and a null instant keep a weak tag.
    let null = json!({ "at": null }).to_string();
    let present = "{ models { totalCount } }";
    let mixed = format!("{{ then: models(asRecordedAt: \"{at}\") {{ totalCount }} now: models {{ totalCount }} }}");
    for params in [
        vec![("query", present)],
        vec![("query", mixed.as_str())],
        vec![("query", past_name), ("variables", null.as_str())],
    ] {
        let response = get(&app, &params, None).await;
        assert_eq!(response.status(), 200, "{params:?}");
        assert_eq!(response.headers()[CACHE_CONTROL], "public, max-age=7", "{params:?}");
        let etag = response.headers()[ETAG].to_str().unwrap();
        assert!(etag.starts_with("W/\""), "{params:?}: {etag}");
    }

    // Editors' past answers are still theirs alone.
    let response =
        app.client.get(app.url("/graphql")).query(&[("query", &past)]).bearer_auth(&editor).send().await.unwrap();
    assert_eq!(response.headers()[CACHE_CONTROL], "private, no-store");
    assert!(response.headers().get(ETAG).is_none());
}
