//! Feeds that filter: `/feed.atom` with the explorer's parameters, `model` and `kind`; the same
//! filter on `catalogChanged`; and the explorer's links to the feed of what a page shows.

use ai_tracker::domain::EditorRole;
use atom_syndication::Feed;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::live::{connect, next_message, subscribe_to};

async fn fetch(app: &TestApp, query: &str) -> Feed {
    let response = app.client.get(app.url(&format!("/feed.atom?{query}"))).send().await.unwrap();
    assert_eq!(response.status(), 200, "{query}");
    Feed::read_from(&response.bytes().await.unwrap()[..]).expect("the feed is Atom")
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries().iter().map(|e| e.title().as_str().to_owned()).collect()
}

/// An editor's writes, through the API.
struct Editor<'a> {
    app: &'a TestApp,
    token: String,
}

impl Editor<'_> {
    async fn run(&self, query: &str, variables: Value) -> Value {
        self.app.query_as(&self.token, query, variables).await
    }

    async fn organization(&self, slug: &str, country: &str) -> Value {
        let mutation =
            "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id version } }";
        let input = json!({ "slug": slug, "name": slug, "country": country, "kind": "INDUSTRY" });
        self.run(mutation, json!({ "input": input })).await["createOrganization"].clone()
    }

    async fn model(&self, slug: &str, organization: &Value, compute: f64, published: bool) -> Value {
        let mutation = "mutation($input: CreateModelInput!) { createModel(input: $input) { id version } }";
        let input = json!({ "slug": slug, "name": slug, "published": published, "access": "API",
            "organizationIds": [organization["id"]], "trainingComputeFlop": compute, "announcedOn": "2026-06-01" });
        self.run(mutation, json!({ "input": input })).await["createModel"].clone()
    }

    async fn update_model(&self, model: &Value, input: Value) -> Value {
        let mutation = "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {
            updateModel(id: $id, expectedVersion: $v, input: $input) { id version } }";
        self.run(mutation, json!({ "id": model["id"], "v": model["version"], "input": input })).await["updateModel"]
            .clone()
    }

    async fn publish(&self, model: &Value) -> Value {
        let mutation = "mutation($id: ID!, $v: Int!) { publishModel(id: $id, expectedVersion: $v) { id version } }";
        self.run(mutation, json!({ "id": model["id"], "v": model["version"] })).await["publishModel"].clone()
    }

    async fn assess(&self, model: &Value) {
        let mutation = r#"mutation($m: ID!) { createRiskAssessment(input: { modelId: $m, horizon: NEAR_TERM,
            cause: MALICIOUS, category: CYBER_OFFENSE, severity: HIGH, likelihood: MEDIUM,
            summary: "Exploits at scale.", rationale: "A successor would write exploits.",
            confidence: SPECULATIVE, assessedOn: "2026-11-01", mitSubdomain: CYBERATTACKS_WEAPONS_MASS_HARM,
            mitEntity: HUMAN, mitIntent: INTENTIONAL, mitTiming: POST_DEPLOYMENT,
            sourceUrl: "https://arxiv.org/abs/2005.14165" }) { id } }"#;
        self.run(mutation, json!({ "m": model["id"] })).await;
    }
}

async fn editor(app: &TestApp) -> Editor<'_> {
    Editor { app, token: app.editor_token(EditorRole::Editor).await }
}

#[tokio::test]
async fn each_kind_lists_the_changes_of_that_kind_and_no_other() {
    let app = spawn_app().await;
    let editor = editor(&app).await;
    let lab = editor.organization("kind-lab", "FR").await;
    let model = editor.model("kind-model", &lab, 5e24, false).await;
    let model = editor.publish(&model).await;
    let model = editor.update_model(&model, json!({ "description": "Only words changed." })).await;
    let model = editor.update_model(&model, json!({ "trainingComputeFlop": 2e25 })).await;
    let model = editor.update_model(&model, json!({ "parameters": 7e10 })).await;
    editor.assess(&model).await;

    let of = |kind: &str| format!("model=kind-model&kind={kind}");
    assert_eq!(titles(&fetch(&app, &of("model-added")).await), ["Model “kind-model” published"]);
    assert_eq!(
        titles(&fetch(&app, &of("figures-revised")).await),
        ["Model “kind-model” updated", "Model “kind-model” updated"],
        "the two figure changes, not the description's"
    );
    let crossed = fetch(&app, &of("threshold-crossed")).await;
    assert_eq!(titles(&crossed), ["Model “kind-model” updated"], "5e24 to 2e25 crosses 1e25");
    let terms: Vec<&str> = crossed.entries()[0].categories().iter().map(|c| c.term()).collect();
    assert_eq!(terms, ["model", "figures-revised", "threshold-crossed"], "an entry's categories say its kinds");
    let assessed = fetch(&app, &of("risk-assessed")).await;
    assert_eq!(titles(&assessed), ["Risk assessment “Exploits at scale.” added"]);
    assert!(fetch(&app, &of("prediction-resolved")).await.entries().is_empty(), "no predictions yet");
    let several = fetch(&app, &of("model-added,risk-assessed")).await;
    assert_eq!(titles(&several), ["Risk assessment “Exploits at scale.” added", "Model “kind-model” published"]);
    let all = fetch(&app, "model=kind-model").await;
    assert_eq!(all.entries().len(), 6, "the draft's creation is editors' only: {:?}", titles(&all));

    // Across the catalog too, a kind keeps only its own: every entry is a risk assessment's.
    let assessments = fetch(&app, "kind=risk-assessed").await;
    assert!(!assessments.entries().is_empty());
    assert!(assessments.entries().iter().all(|e| e.categories()[0].term() == "risk_assessment"));
}

#[tokio::test]
async fn a_filtered_feed_keeps_changes_to_matching_models_before_or_after_the_change() {
    let app = spawn_app().await;
    let editor = editor(&app).await;
    let chinese = editor.organization("cn-lab", "CN").await;
    let american = editor.organization("us-lab", "US").await;
    editor.model("cn-frontier", &chinese, 3e25, true).await;
    let us_model = editor.model("us-frontier", &american, 3e25, true).await;
    editor.assess(&us_model).await;

    let chinese_feed = titles(&fetch(&app, "country=CN").await);
    assert!(chinese_feed.contains(&"Model “cn-frontier” added".to_owned()), "{chinese_feed:?}");
    assert!(chinese_feed.contains(&"Organization “cn-lab” added".to_owned()), "{chinese_feed:?}");
    assert!(chinese_feed.iter().all(|t| !t.contains("us-")), "{chinese_feed:?}");
    assert!(!chinese_feed.iter().any(|t| t.contains("Exploits")), "the US model's assessment stays out");
    let us_big = titles(&fetch(&app, "country=US&minCompute=1e25&kind=risk-assessed").await);
    assert_eq!(us_big.first().map(String::as_str), Some("Risk assessment “Exploits at scale.” added"));

    // A US model moves to the Chinese lab: the move is in both countries' feeds (it matched
    // before and after); its deletion then only in China's (judged on the state before it).
    let spare = editor.model("us-spare", &american, 1e20, true).await;
    let moved = editor.update_model(&spare, json!({ "organizationIds": [chinese["id"]] })).await;
    let delete = "mutation($id: ID!, $v: Int!) { deleteModel(id: $id, expectedVersion: $v) }";
    editor.run(delete, json!({ "id": moved["id"], "v": moved["version"] })).await;
    let chinese_feed = titles(&fetch(&app, "country=CN").await);
    assert_eq!(chinese_feed[..2], ["Model “us-spare” deleted", "Model “us-spare” updated"], "{chinese_feed:?}");
    let american_feed = titles(&fetch(&app, "country=US").await);
    assert_eq!(american_feed[..2], ["Model “us-spare” updated", "Model “us-spare” added"], "{american_feed:?}");

    // An organization's change matches on its models, with the organization as it was before.
    let update = "mutation($id: ID!, $v: Int!) { updateOrganization(id: $id, expectedVersion: $v,
        input: { country: \"SG\" }) { id } }";
    editor.run(update, json!({ "id": chinese["id"], "v": chinese["version"] })).await;
    assert_eq!(titles(&fetch(&app, "country=CN").await)[0], "Organization “cn-lab” updated");
    assert_eq!(titles(&fetch(&app, "country=SG").await)[0], "Organization “cn-lab” updated");
    assert!(fetch(&app, "country=SG&q=us-frontier").await.entries().is_empty());
}

#[tokio::test]
async fn an_unknown_parameter_or_a_bad_value_is_a_400_naming_it() {
    let app = spawn_app().await;
    for (query, field) in [
        ("colour=red", "colour"),
        ("kind=everything", "kind"),
        ("kind=model-added,gossip", "kind"),
        ("access=free", "access"),
        ("country=China", "country"),
        ("minCompute=lots", "minCompute"),
        ("model=no-such-model", "model"),
        ("kind=model-added&kind=risk-assessed", "kind"),
    ] {
        let response = app.client.get(app.url(&format!("/feed.atom?{query}"))).send().await.unwrap();
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.unwrap();
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{query}: {body}");
        assert_eq!(error["extensions"]["field"], field, "{query}: {body}");
        assert!(error["message"].as_str().unwrap().starts_with(field), "{query}: {body}");
    }
}

#[tokio::test]
async fn the_same_filter_is_the_same_feed_with_its_own_id_and_self_link() {
    let app = spawn_app().await;
    let one = fetch(&app, "kind=risk-assessed,model-added&country=cn&minCompute=10000000000000000000000000").await;
    let other = fetch(&app, "minCompute=1e25&country=CN&kind=model-added,risk-assessed&q=").await;
    let expected = app.url("/feed.atom?country=CN&minCompute=1e25&kind=model-added%2Crisk-assessed");
    assert_eq!(one.id(), expected);
    assert_eq!(other.id(), expected);
    assert!(one.links().iter().any(|l| l.rel() == "self" && l.href() == expected));
    assert_eq!(one.entries(), other.entries());
    assert_ne!(fetch(&app, "country=US").await.id(), one.id(), "another filter, another feed");
    assert_eq!(fetch(&app, "").await.id(), app.url("/feed.atom"), "the unfiltered feed keeps its id");
}

const FOLLOW: &str = r#"subscription($filter: ChangeFilter, $kinds: [ChangeKind!]) {
  catalogChanged(filter: $filter, kinds: $kinds) { entityType action node { ... on Model { slug } } }
}"#;

#[tokio::test]
async fn a_filtered_subscription_hears_only_matching_changes() {
    let app = spawn_app().await;
    let editor = editor(&app).await;
    let chinese = editor.organization("sub-cn-lab", "CN").await;
    let american = editor.organization("sub-us-lab", "US").await;
    let mut socket = connect(&app.address, None).await.expect("anyone may subscribe");
    let variables = json!({ "filter": { "country": "cn", "minCompute": 1e25 }, "kinds": ["MODEL_ADDED"] });
    subscribe_to(&mut socket, &app.changes, FOLLOW, variables).await;

    // Events come in commit order, so the first one told is the first that matched.
    editor.model("sub-us-big", &american, 3e25, true).await;
    editor.model("sub-cn-small", &chinese, 1e23, true).await;
    let draft = editor.model("sub-cn-draft", &chinese, 3e25, false).await;
    editor.update_model(&draft, json!({ "trainingComputeFlop": 4e25 })).await;
    editor.model("sub-cn-big", &chinese, 3e25, true).await;
    let event = next_message(&mut socket).await;
    assert_eq!(event["type"], "next", "{event}");
    let change = &event["payload"]["data"]["catalogChanged"];
    assert_eq!(change["node"]["slug"], "sub-cn-big", "{event}");
    assert_eq!(change["action"], "CREATE");
}

#[tokio::test]
async fn a_subscription_filter_past_its_bounds_is_refused() {
    let app = spawn_app().await;
    let mut socket = connect(&app.address, None).await.expect("anyone may subscribe");
    for (filter, field) in [
        (json!({ "q": "x".repeat(10_000) }), "filter.q"),
        (json!({ "country": "China" }), "filter.country"),
        (json!({ "model": "no-such-model" }), "filter.model"),
    ] {
        let message = json!({ "id": field, "type": "subscribe",
            "payload": { "query": FOLLOW, "variables": { "filter": filter } } });
        futures_util::SinkExt::send(&mut socket, crate::live::text(message)).await.unwrap();
        let answer = next_message(&mut socket).await;
        let error = if answer["type"] == "error" { &answer["payload"][0] } else { &answer["payload"]["errors"][0] };
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{answer}");
        assert_eq!(error["extensions"]["field"], field, "{answer}");
        if answer["type"] == "next" {
            assert_eq!(next_message(&mut socket).await["type"], "complete");
        }
    }
}

#[tokio::test]
async fn the_catalog_and_a_model_page_link_the_feed_of_what_they_show() {
    let app = spawn_app().await;
    let page = |path: &str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let catalog = page("/?country=cn&minCompute=1e24&sort=name").await;
    let feed = "/feed.atom?country=CN&amp;minCompute=1e24";
    assert!(catalog.contains(r#"<link rel="alternate" type="application/atom+xml""#), "{catalog}");
    assert!(catalog.contains(&format!(r#"href="{feed}""#)), "{catalog}");
    let model = page("/models/gpt-3").await;
    assert!(model.contains(r#"href="/feed.atom?model=gpt-3""#), "{model}");
    assert_eq!(fetch(&app, "model=gpt-3").await.id(), app.url("/feed.atom?model=gpt-3"));
}
