//! What the catalog said, and when (issue 18): every read that takes `asRecordedAt` answers with
//! the public catalog exactly as it stood at that instant, whatever was edited, renamed,
//! deleted, restored or unpublished since, nested fields included.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const MODEL_FIELDS: &str = "slug name trainingComputeFlop published version
    organizations { slug name country models { slug } }
    capabilities { status evidence capability { slug name } model { slug } }
    riskAssessments { horizon category severity summary model { slug } }
    baseModel { slug name } derivedModels { slug }
    successorCandidates { model { slug } computeRatio }
    thresholdsCrossed { slug } sources { url }
    revisions(first: 3) { totalCount nodes { action summary } }";

const HISTORY_TABLES: [&str; 14] = [
    "model",
    "model_alias",
    "model_capability",
    "model_dataset",
    "model_modality",
    "model_organization",
    "model_source",
    "organization",
    "capability",
    "dataset",
    "risk_assessment",
    "compute_threshold",
    "former_slug",
    "prediction",
];

/// The reads a past state must answer as they were answered then; each takes `$at`.
fn reads() -> Vec<(&'static str, String)> {
    vec![
        (
            "page",
            format!(
                "query($at: DateTime, $after: String) {{ models(first: 4, after: $after, asRecordedAt: $at,
                 orderBy: [{{ field: TRAINING_COMPUTE_FLOP, direction: DESC }}]) {{
                 totalCount pageInfo {{ endCursor hasNextPage }} nodes {{ {MODEL_FIELDS} }} }} }}"
            ),
        ),
        (
            "filtered",
            "query($at: DateTime) { models(first: 5, asRecordedAt: $at, filter: { trainingComputeFlop: { gte: 1e24 } },
             orderBy: [{ field: NAME }]) { totalCount nodes { slug name trainingComputeFlop } } }"
                .into(),
        ),
        ("model", format!("query($at: DateTime, $slug: String!) {{ model(slug: $slug, asRecordedAt: $at) {{ {MODEL_FIELDS} }} }}")),
        (
            "organizations",
            "query($at: DateTime) { organizations(first: 5, asRecordedAt: $at) { totalCount nodes { slug name } } }"
                .into(),
        ),
        (
            "organization",
            "query($at: DateTime, $org: String!) { organization(slug: $org, asRecordedAt: $at) { slug name models { slug } } }"
                .into(),
        ),
        (
            "risks",
            "query($at: DateTime) { riskAssessments(first: 5, asRecordedAt: $at) { totalCount
             nodes { summary severity rationale model { slug name } } } }"
                .into(),
        ),
        (
            "statistics",
            "query($at: DateTime) { modelStatistics(groupBy: [ACCESS], asRecordedAt: $at) { key { access } count
             trainingComputeFlop { max median } } }"
                .into(),
        ),
        (
            "trend",
            "query($at: DateTime) { computeTrend(metric: TRAINING_COMPUTE, asRecordedAt: $at) { n slopeLog10PerYear } }"
                .into(),
        ),
        (
            "frontier",
            "query($at: DateTime) { frontier(asOf: \"2026-12-01\", metric: TRAINING_COMPUTE, top: 5, asRecordedAt: $at) { slug name } }"
                .into(),
        ),
    ]
}

async fn answers(app: &TestApp, at: Option<&str>, vars: &Value) -> Vec<String> {
    let mut all = Vec::new();
    for (name, query) in reads() {
        let mut variables = vars.clone();
        variables["at"] = json!(at);
        let (status, body) = app.post_graphql(&query, variables).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert!(body.get("errors").is_none(), "{name}: {body}");
        all.push(format!("{name}: {}", body["data"]));
    }
    all
}

/// Each read's answer equal to the other's, or the first place they differ.
fn assert_same(left: &[String], right: &[String], what: &str) {
    for (l, r) in left.iter().zip(right) {
        if l != r {
            let at = l.bytes().zip(r.bytes()).take_while(|(a, b)| a == b).count();
            let around = |s: &str| s.get(at.saturating_sub(150)..(at + 150).min(s.len())).unwrap_or(s).to_owned();
            panic!("{what}: {}…\n  left: {}\n right: {}", &l[..l.len().min(20)], around(l), around(r));
        }
    }
    assert_eq!(left.len(), right.len());
}

/// The answers with every `capabilities` list in a canonical order.
fn links_in_capability_order(answers: &[String]) -> Vec<String> {
    fn sort(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    if let (true, Value::Array(list)) = (key == "capabilities", &mut *item) {
                        list.sort_by_key(|link| link.to_string());
                    }
                    sort(item);
                }
            }
            Value::Array(list) => list.iter_mut().for_each(sort),
            _ => {}
        }
    }
    answers
        .iter()
        .map(|answer| {
            let (name, json) = answer.split_once(": ").unwrap();
            let mut value: Value = serde_json::from_str(json).unwrap();
            sort(&mut value);
            format!("{name}: {value}")
        })
        .collect()
}

/// A moment strictly after every revision so far, and before any made next.
async fn instant() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    at
}

async fn model_at(app: &TestApp, token: &str, slug: &str) -> Value {
    let query = "query($s: String!) { model(slug: $s) { id version riskAssessments { id version } organizations { id version } } }";
    app.query_as(token, query, json!({ "s": slug })).await["model"].clone()
}

/// The subject (the largest model with risk assessments), its lead organization and another
/// of the largest models, as variables for `reads`.
struct Subjects {
    slug: String,
    org: String,
    other: String,
    cursor: Value,
}

async fn subjects(app: &TestApp) -> Subjects {
    let page = app
        .query(
            "{ models(first: 4, orderBy: [{ field: TRAINING_COMPUTE_FLOP, direction: DESC }]) {
             pageInfo { endCursor } nodes { slug riskAssessments { id } organizations { slug } } } }",
            json!({}),
        )
        .await;
    let nodes = page["models"]["nodes"].as_array().unwrap().clone();
    let subject =
        nodes.iter().find(|n| !n["riskAssessments"].as_array().unwrap().is_empty()).expect("a model with risks");
    let slug = subject["slug"].as_str().unwrap().to_owned();
    let org = subject["organizations"][0]["slug"].as_str().unwrap().to_owned();
    let other = nodes.iter().find(|n| n["slug"] != json!(slug)).unwrap()["slug"].as_str().unwrap().to_owned();
    Subjects { slug, org, other, cursor: page["models"]["pageInfo"]["endCursor"].clone() }
}

/// Everything that can happen to an entry: a revised figure and a rename, a deleted and a
/// restored assessment, a reworded one, an unpublished model, a renamed organization, and a new
/// model larger than all.
async fn edit_everything(app: &TestApp, editor: &str, s: &Subjects) {
    let subject = model_at(app, editor, &s.slug).await;
    let update = "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {
        updateModel(id: $id, expectedVersion: $v, input: $input) { version } }";
    let input = json!({ "slug": format!("{}-renamed", s.slug), "name": "Renamed", "trainingComputeFlop": 1e20 });
    app.query_as(editor, update, json!({ "id": subject["id"], "v": subject["version"], "input": input })).await;
    let risks = subject["riskAssessments"].as_array().unwrap();
    let delete = "mutation($id: ID!, $v: Int!) { deleteRiskAssessment(id: $id, expectedVersion: $v) }";
    app.query_as(editor, delete, json!({ "id": risks[0]["id"], "v": risks[0]["version"] })).await;
    let latest = "query($id: ID!) { revisions(entityId: $id, first: 1) { nodes { id } } }";
    let deletion =
        app.query_as(editor, latest, json!({ "id": risks[0]["id"] })).await["revisions"]["nodes"][0]["id"].clone();
    app.query_as(editor, "mutation($r: ID!) { restore(revisionId: $r) { id } }", json!({ "r": deletion })).await;
    if let Some(second) = risks.get(1) {
        let reword = "mutation($id: ID!, $v: Int!) { updateRiskAssessment(id: $id, expectedVersion: $v,
            input: { summary: \"Reworded since\" }) { id } }";
        app.query_as(editor, reword, json!({ "id": second["id"], "v": second["version"] })).await;
    }
    let organization = &subject["organizations"][0];
    let rename = "mutation($id: ID!, $v: Int!) { updateOrganization(id: $id, expectedVersion: $v,
        input: { name: \"Renamed Lab\", slug: \"renamed-lab\" }) { id } }";
    app.query_as(editor, rename, json!({ "id": organization["id"], "v": organization["version"] })).await;
    let other = model_at(app, editor, &s.other).await;
    let unpublish = "mutation($id: ID!, $v: Int!) { unpublishModel(id: $id, expectedVersion: $v) { id } }";
    app.query_as(editor, unpublish, json!({ "id": other["id"], "v": other["version"] })).await;
    let create = "mutation { createModel(input: { slug: \"later-giant\", name: \"Later Giant\", access: API,
        published: true, trainingComputeFlop: 1e30 }) { id } }";
    app.query_as(editor, create, json!({})).await;
}

#[tokio::test]
async fn a_past_instant_answers_byte_for_byte_as_it_did_then() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let s = subjects(&app).await;
    let vars = json!({ "slug": s.slug, "org": s.org });
    let second_page = json!({ "slug": s.slug, "org": s.org, "after": s.cursor });

    let t1 = instant().await;
    let then = answers(&app, None, &vars).await;
    let then_second = answers(&app, None, &second_page).await;
    assert_same(&answers(&app, Some(&t1), &vars).await, &then, "a past read of an unchanged catalog");

    edit_everything(&app, &editor, &s).await;

    let now = answers(&app, None, &json!({ "slug": format!("{}-renamed", s.slug), "org": "renamed-lab" })).await;
    assert_ne!(now, then, "the edits changed the present");
    assert_same(&answers(&app, Some(&t1), &vars).await, &then, "the past is as it was");
    assert_same(&answers(&app, Some(&t1), &second_page).await, &then_second, "a past state's second page");
}

/// The history of a catalog written before the history existed is made from its revision log
/// (what the migration does on first start, and `ai-tracker rebuild-history` on demand): it
/// answers every past read as the history written change by change does.
#[tokio::test]
async fn a_history_rebuilt_from_the_revision_log_answers_as_the_one_written_live() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let s = subjects(&app).await;
    let vars = json!({ "slug": s.slug, "org": s.org });
    let t1 = instant().await;
    edit_everything(&app, &editor, &s).await;
    let t2 = instant().await;
    let live = [answers(&app, Some(&t1), &vars).await, answers(&app, Some(&t2), &vars).await];

    // On demand; then as the first start after the history migration finds an empty history.
    for command in ["rebuild-history", "migrate"] {
        if command == "migrate" {
            let db = sea_orm::Database::connect(&app.db.url).await.unwrap();
            for table in HISTORY_TABLES {
                sea_orm::ConnectionTrait::execute_unprepared(&db, &format!("DELETE FROM {table}_history"))
                    .await
                    .unwrap();
            }
            db.close().await.ok();
        }
        let status = tokio::process::Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
            .args(["--database-url", &app.db.url, command])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .status()
            .await
            .expect("the command runs");
        assert!(status.success(), "{command}");
        // The log records a model's capability links in capability order, not in the order
        // they were written, so a rebuilt history lists each status's links in that order.
        let rebuilt = [answers(&app, Some(&t1), &vars).await, answers(&app, Some(&t2), &vars).await];
        for (rebuilt, live) in rebuilt.iter().zip(&live) {
            assert_same(&links_in_capability_order(rebuilt), &links_in_capability_order(live), command);
        }
    }
}

#[tokio::test]
async fn bad_instants_are_refused_naming_the_argument_and_the_time_before_the_first_revision_is_empty() {
    let app = spawn_app().await;
    let query = "query($at: DateTime) { models(first: 1, asRecordedAt: $at) { totalCount nodes { slug } } }";
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let (_, body) = app.query_error(query, json!({ "at": future })).await;
    assert_eq!(body["extensions"]["code"], json!("BAD_USER_INPUT"), "{body}");
    assert!(body["message"].as_str().unwrap().contains("asRecordedAt"), "{body}");
    let (_, body) = app.query_error(query, json!({ "at": "yesterday" })).await;
    assert!(body["message"].as_str().unwrap().contains("at"), "{body}");
    let empty = app.query(query, json!({ "at": "2000-01-01T00:00:00Z" })).await;
    assert_eq!(empty["models"], json!({ "totalCount": 0, "nodes": [] }));
    // Fields without a past answer null, and drafts are never shown.
    let at = instant().await;
    let model = app
        .query(
            "query($at: DateTime) { models(first: 1, asRecordedAt: $at) { nodes { openFeedbackCount } } }",
            json!({ "at": at }),
        )
        .await;
    assert_eq!(model["models"]["nodes"][0]["openFeedbackCount"], Value::Null);
}

/// Each instant a request reads has a loader and cache of its own: a request may name four, and
/// one naming a fifth is refused, naming the argument, before it reads more.
#[tokio::test]
async fn a_request_reads_at_most_four_instants() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let mut instants = Vec::new();
    for n in 0..5 {
        let create = format!(
            "mutation {{ createModel(input: {{ slug: \"instant-{n}\", name: \"Instant {n}\", access: API, published: true }}) {{ id }} }}"
        );
        app.query_as(&editor, &create, json!({})).await;
        instants.push(instant().await);
    }
    let fields = |n: usize| {
        let fields: Vec<String> = instants[..n]
            .iter()
            .enumerate()
            .map(|(i, at)| format!("m{i}: models(first: 1, asRecordedAt: \"{at}\") {{ totalCount }}"))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };
    app.query(&fields(4), json!({})).await;
    let (_, error) = app.query_error(&fields(5), json!({})).await;
    assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"), "{error}");
    assert!(error["message"].as_str().unwrap().contains("asRecordedAt"), "{error}");
}

#[tokio::test]
async fn drafts_are_never_part_of_the_past_even_for_editors() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    app.query_as(&editor, "mutation { createModel(input: { slug: \"secret-draft\", name: \"Secret Draft\", access: API, published: false }) { id } }", json!({}))
        .await;
    let at = instant().await;
    let query = "query($at: DateTime) { model(slug: \"secret-draft\", asRecordedAt: $at) { slug } }";
    assert_eq!(app.query_as(&editor, query, json!({ "at": at })).await["model"], Value::Null);
    assert_eq!(app.query_as(&editor, query, json!({ "at": null })).await["model"]["slug"], json!("secret-draft"));
}

const PAST_PAGE: &str =
    "query($n: Int, $at: DateTime) { models(first: $n, asRecordedAt: $at) { totalCount nodes { slug name
    organizations { slug name country }
    capabilities { status capability { slug name } }
    riskAssessments { horizon cause category severity likelihood summary } } } }";

#[tokio::test]
async fn a_past_page_of_fifty_runs_as_many_statements_as_a_page_of_five() {
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let at = instant().await;
    let mut counts = Vec::new();
    for n in [5, 50] {
        let before = app.statements_so_far();
        let data = app.query(PAST_PAGE, json!({ "n": n, "at": at })).await;
        assert_eq!(data["models"]["nodes"].as_array().unwrap().len(), n);
        counts.push(app.statements_so_far() - before);
    }
    println!("past page statements: 5 models -> {}, 50 models -> {}", counts[0], counts[1]);
    assert_eq!(counts[0], counts[1]);
}
