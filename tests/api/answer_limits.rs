//! No single operation's answer grows without bound: plain lists are charged at the most they can
//! hold, reverse lists hold at most 100, and at execution the rows handed out and the bytes
//! answered are counted, past their limits the whole answer is refused with RESPONSE_TOO_LARGE.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use sea_orm::{ActiveValue::Set, ColumnTrait, Database, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{TestApp, planted_model, spawn_app, spawn_app_with};

/// How many models `plant_linked_catalog` adds, each linked to `LINKS` capabilities.
const MODELS: usize = 120;
const LINKS: usize = 10;

/// The attack of issue 21: from one model, four times through capability → models → model →
/// capabilities. On a catalog whose capabilities have 100 models each that is 10 × 100 × 10 ×
/// 100 × ... rows, and the process once grew to 8.3 GB answering it.
fn four_levels() -> String {
    let mut selection = "slug".to_owned();
    for _ in 0..4 {
        selection = format!("capabilities {{ capability {{ models {{ model {{ {selection} }} }} }} }}");
    }
    format!("{{ model(slug: \"bulk-000\") {{ {selection} }} }}")
}

/// Adds `MODELS` published models, each linked to the first `LINKS` capabilities of the seed,
/// straight into the database (one connection, a few statements).
async fn plant_linked_catalog(app: &TestApp) {
    use ai_tracker::entity::{capability, model, model_capability};
    let db = Database::connect(&app.db.url).await.expect("connect to the test database");
    let now = chrono::Utc::now();
    let announced = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let models = (0..MODELS).map(|i| planted_model(&format!("bulk-{i:03}"), &format!("Bulk {i:03}"), announced));
    model::Entity::insert_many(models).exec(&db).await.expect("insert the models");
    let model_ids = ids_of_slugs_from(&db, "bulk-").await;
    let capability_ids: Vec<i32> = capability::Entity::find()
        .order_by_asc(capability::Column::Id)
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(capability_ids.len() >= LINKS, "the seed has enough capabilities");
    let links = model_ids.iter().flat_map(|&model_id| {
        capability_ids[..LINKS].iter().map(move |&capability_id| model_capability::ActiveModel {
            model_id: Set(model_id),
            capability_id: Set(capability_id),
            status: Set(ai_tracker::domain::CapabilityStatus::Demonstrated),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
    });
    model_capability::Entity::insert_many(links).exec(&db).await.expect("insert the links");
    db.close().await.ok();
}

/// The ids of the models whose slugs start with `prefix`.
async fn ids_of_slugs_from(db: &sea_orm::DatabaseConnection, prefix: &str) -> Vec<i32> {
    use ai_tracker::entity::model;
    let models = model::Entity::find().filter(model::Column::Slug.starts_with(prefix)).all(db).await.unwrap();
    models.into_iter().map(|m| m.id).collect()
}

/// The service still answers: its health check and a normal catalog page.
async fn still_answers(app: &TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let data = app.query("{ models(first: 5) { nodes { slug organizations { slug } } } }", json!({})).await;
    assert_eq!(data["models"]["nodes"].as_array().unwrap().len(), 5);
}

async fn receive<S>(socket: &mut S) -> Value
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.unwrap().unwrap().unwrap();
    serde_json::from_str(message.to_text().unwrap()).unwrap()
}

fn assert_too_large(status: u16, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert!(body.get("data").is_none(), "no half answer: {body}");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "RESPONSE_TOO_LARGE", "{body}");
}

#[tokio::test]
async fn nested_plain_lists_are_charged_at_their_maximum_and_refused_before_they_run() {
    let app = spawn_app().await;
    plant_linked_catalog(&app).await;
    let before = app.statements_so_far();
    let (status, error) = app.query_error(&four_levels(), json!({})).await;
    assert_eq!(status, 400);
    assert_eq!(error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{error}");
    assert!(error["message"].as_str().unwrap().to_lowercase().contains("complex"), "{error}");
    assert_eq!(app.statements_so_far(), before, "nothing ran");
    still_answers(&app).await;
}

#[tokio::test]
async fn past_the_row_limit_the_answer_is_refused_whole_whatever_the_estimate() {
    // With the estimate out of the way, the count at execution is what stops the query.
    let app = spawn_app_with(|s| s.limits.max_complexity = usize::MAX).await;
    plant_linked_catalog(&app).await;
    let (status, body) = app.post_graphql(&four_levels(), json!({})).await;
    assert_too_large(status, &body);
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("25000 rows"), "{body}");
    still_answers(&app).await;
}

#[tokio::test]
async fn reverse_lists_return_the_newest_hundred() {
    let app = spawn_app().await;
    plant_linked_catalog(&app).await;
    let data = app.query("{ capabilities(first: 100) { nodes { models { model { slug } } } } }", json!({})).await;
    let lists: Vec<&Vec<Value>> =
        data["capabilities"]["nodes"].as_array().unwrap().iter().map(|c| c["models"].as_array().unwrap()).collect();
    // The first `LINKS` capabilities have the bulk models and some of the seed's.
    assert_eq!(lists.iter().filter(|l| l.len() == 100).count(), LINKS, "capped at 100");
    assert!(lists.iter().all(|l| l.len() <= 100));
    let capped = lists.iter().filter(|l| l.len() == 100).flat_map(|l| l.iter());
    assert!(capped.clone().all(|l| l["model"]["slug"].as_str().unwrap().starts_with("bulk-")), "the newest");
}

/// A base model with `MODELS` derivatives (`derived-000` the oldest), each also linked to an
/// organization and a dataset, and a model derived from the oldest derivative; returns the slugs
/// of the base, of that last model, of the organization and of the dataset. Dates run back from 1990, so that the two are the
/// catalog's oldest models.
async fn plant_derivatives(app: &TestApp) -> [String; 4] {
    use ai_tracker::entity::{dataset, model, model_dataset, model_organization, organization};
    let db = Database::connect(&app.db.url).await.expect("connect to the test database");
    let day = |n: i64| chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap() + chrono::Duration::days(n);
    let base = model::Entity::insert(planted_model("base-of-many", "Base of many", day(0)))
        .exec(&db)
        .await
        .expect("insert the base")
        .last_insert_id;
    let derivatives = (0..MODELS).map(|i| model::ActiveModel {
        base_model_id: Set(Some(base)),
        ..planted_model(&format!("derived-{i:03}"), &format!("Derived {i:03}"), day(10 + i as i64))
    });
    model::Entity::insert_many(derivatives).exec(&db).await.expect("insert the derivatives");
    let oldest = model::Entity::find().filter(model::Column::Slug.eq("derived-000")).one(&db).await.unwrap().unwrap();
    model::Entity::insert(model::ActiveModel {
        base_model_id: Set(Some(oldest.id)),
        ..planted_model("child-of-the-oldest", "Child of the oldest", day(1))
    })
    .exec(&db)
    .await
    .expect("insert the last one");
    let ids = ids_of_slugs_from(&db, "derived-").await;
    let organization =
        organization::Entity::find().order_by_asc(organization::Column::Id).one(&db).await.unwrap().unwrap();
    let dataset = dataset::Entity::find().order_by_asc(dataset::Column::Id).one(&db).await.unwrap().unwrap();
    let links = ids.iter().map(|&model_id| model_organization::ActiveModel {
        model_id: Set(model_id),
        organization_id: Set(organization.id),
        position: Set(0),
    });
    model_organization::Entity::insert_many(links).exec(&db).await.expect("insert the organization links");
    let links =
        ids.iter().map(|&model_id| model_dataset::ActiveModel { model_id: Set(model_id), dataset_id: Set(dataset.id) });
    model_dataset::Entity::insert_many(links).exec(&db).await.expect("insert the dataset links");
    db.close().await.ok();
    ["base-of-many".into(), "child-of-the-oldest".into(), organization.slug, dataset.slug]
}

fn slugs(list: &Value) -> Vec<&str> {
    list.as_array().unwrap().iter().map(|m| m["slug"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn derived_models_and_the_models_of_an_organization_or_a_dataset_are_the_newest_hundred() {
    let app = spawn_app().await;
    let [base, last, organization, dataset] = plant_derivatives(&app).await;
    // The newest hundred, newest first: derived-119 down to derived-020.
    let newest: Vec<String> = (MODELS - 100..MODELS).rev().map(|i| format!("derived-{i:03}")).collect();

    // A model page (its base and derived models read in one statement).
    let data = app
        .query(&format!("{{ model(slug: \"{base}\") {{ baseModel {{ slug }} derivedModels {{ slug }} }} }}"), json!({}))
        .await;
    assert_eq!(slugs(&data["model"]["derivedModels"]), newest, "a model page");
    // The same lists read alone (no base model asked), and from the organization and the dataset.
    let data = app.query(&format!("{{ model(slug: \"{base}\") {{ derivedModels {{ slug }} }} }}"), json!({})).await;
    assert_eq!(slugs(&data["model"]["derivedModels"]), newest, "derived models alone");
    let data = app
        .query(
            "query($o: String!, $d: String!) { organization(slug: $o) { models { slug } } dataset(slug: $d) { models { slug } } }",
            json!({ "o": organization, "d": dataset }),
        )
        .await;
    // Both already had models of the seed, all newer than 1990: they come first.
    for list in [&data["organization"]["models"], &data["dataset"]["models"]] {
        let list = slugs(list);
        assert_eq!(list.len(), 100, "{list:?}");
        let derived: Vec<&str> = list.iter().copied().filter(|s| s.starts_with("derived-")).collect();
        assert!(derived.len() < 100 && list.ends_with(&derived), "the seed's models first: {list:?}");
        assert_eq!(derived, newest[..derived.len()], "then the newest derivatives");
    }

    // A page of two models: the base, and a model whose base (derived-000) is past the base's
    // hundred newest. That model's base is found; the base's list still ends at derived-020.
    let data = app
        .query(
            "{ models(first: 2, orderBy: [{ field: ANNOUNCED_ON, direction: ASC }]) {
                 nodes { slug baseModel { slug } derivedModels { slug } } } }",
            json!({}),
        )
        .await;
    let nodes = data["models"]["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["slug"], base.as_str());
    assert_eq!(slugs(&nodes[0]["derivedModels"]), newest, "the base's derived models on a page");
    assert_eq!(nodes[1]["slug"], last.as_str());
    assert_eq!(nodes[1]["baseModel"]["slug"], "derived-000", "a base past the cap of its own base's list");
}

#[tokio::test]
async fn past_the_byte_limit_the_answer_is_refused_over_http_and_the_socket() {
    let app = spawn_app_with(|s| s.limits.max_response_bytes = 4_000).await;
    let page = "{ models(first: 100) { nodes { slug name organizations { slug name } } } }";
    let (status, body) = app.post_graphql(page, json!({})).await;
    assert_too_large(status, &body);
    // A long text counts as it is made.
    let (status, body) = app.post_graphql("{ models(first: 100) { nodes { description } } }", json!({})).await;
    assert_too_large(status, &body);
    // A small answer still goes out.
    app.query("{ models(first: 2) { nodes { slug } } }", json!({})).await;

    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, _) = connect_async(request).await.expect("the websocket opens");
    let send = |value: Value| Message::Text(value.to_string().into());
    socket.send(send(json!({ "type": "connection_init", "payload": {} }))).await.unwrap();
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    socket.send(send(json!({ "id": "1", "type": "subscribe", "payload": { "query": page } }))).await.unwrap();
    let reply = receive(&mut socket).await;
    assert_eq!(reply["type"], "next", "{reply}");
    let errors = reply["payload"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{reply}");
    assert_eq!(errors[0]["extensions"]["code"], "RESPONSE_TOO_LARGE", "{reply}");
    assert!(reply["payload"].get("data").is_none_or(Value::is_null), "{reply}");
    still_answers(&app).await;
}

#[tokio::test]
async fn a_model_holds_at_most_fifty_risk_assessments_as_its_cost_assumes() {
    let app = spawn_app().await;
    let editor = app.editor_token(ai_tracker::domain::EditorRole::Editor).await;
    let model =
        app.query(r#"{ model(slug: "gpt-3") { id riskAssessments { id } } }"#, json!({})).await["model"].clone();
    let create = r#"mutation($m: ID!) { createRiskAssessment(input: { modelId: $m, horizon: NEAR_TERM,
        cause: MALICIOUS, category: CYBER_OFFENSE, severity: HIGH, likelihood: MEDIUM,
        summary: "Automated exploit writing at scale.", rationale: "A 2-10x successor would write exploits.",
        confidence: SPECULATIVE, assessedOn: "2026-11-01",
        mitSubdomain: CYBERATTACKS_WEAPONS_MASS_HARM, mitEntity: HUMAN, mitIntent: INTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: "https://arxiv.org/abs/2005.14165" }) { id } }"#;
    let already = model["riskAssessments"].as_array().unwrap().len();
    for _ in already..50 {
        app.query_as(&editor, create, json!({ "m": model["id"] })).await;
    }
    let (_, error) = app.query_error_as(&editor, create, json!({ "m": model["id"] })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert_eq!(error["extensions"]["field"], "input.modelId", "{error}");
    still_answers(&app).await;
}
