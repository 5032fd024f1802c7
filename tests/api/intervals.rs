//! Uncertainty as data (issue 17, part 5): 90% intervals around the parameter count and the
//! training compute, and the compute added by fine-tuning and post-training. Set and read
//! through the API, refused with the field named and nothing written, filled by the Epoch
//! importer, stated by the starter catalog, and kept when an editor reverts to a revision written
//! before the fields existed.

use std::path::PathBuf;

use ai_tracker::domain::EditorRole;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, Database, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{TestApp, changes_seen, spawn_app};

const FIELDS: &str = "id version parameters parametersLow parametersHigh trainingComputeFlop \
    trainingComputeFlopLow trainingComputeFlopHigh finetuneComputeFlop postTrainingComputeFlop hardware";

const NEW_FIELDS: [&str; 6] = [
    "parametersLow",
    "parametersHigh",
    "trainingComputeFlopLow",
    "trainingComputeFlopHigh",
    "finetuneComputeFlop",
    "postTrainingComputeFlop",
];

async fn model(app: &TestApp, token: &str, slug: &str) -> Value {
    let query = format!("query($slug: String!) {{ model(slug: $slug) {{ {FIELDS} }} }}");
    app.query_as(token, &query, json!({ "slug": slug })).await["model"].clone()
}

async fn revision_count(app: &TestApp, token: &str, id: &str) -> i64 {
    let query = "query($id: ID!) { revisions(entityId: $id, first: 1) { totalCount } }";
    app.query_as(token, query, json!({ "id": id })).await["revisions"]["totalCount"].as_i64().unwrap()
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let query = format!("mutation($input: CreateModelInput!) {{ createModel(input: $input) {{ {FIELDS} }} }}");
    app.query_as(token, &query, json!({ "input": input })).await["createModel"].clone()
}

fn update_mutation() -> String {
    format!(
        "mutation($id: ID!, $v: Int!, $input: UpdateModelInput!) {{ \
         updateModel(id: $id, expectedVersion: $v, input: $input) {{ {FIELDS} }} }}"
    )
}

#[tokio::test]
async fn intervals_and_compute_parts_are_set_read_filtered_and_ordered() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let created = create(
        &app,
        &editor,
        json!({
            "slug": "interval-lm", "name": "Interval LM", "access": "API", "published": true,
            "parameters": 7e10, "parametersLow": 5e10, "parametersHigh": 1e11,
            "trainingComputeFlop": 2e25, "trainingComputeFlopLow": 8e24, "trainingComputeFlopHigh": 5e25,
            "finetuneComputeFlop": 1e23, "postTrainingComputeFlop": 4e23
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    for (field, value) in [
        ("parametersLow", 5e10),
        ("parametersHigh", 1e11),
        ("trainingComputeFlopLow", 8e24),
        ("trainingComputeFlopHigh", 5e25),
        ("finetuneComputeFlop", 1e23),
        ("postTrainingComputeFlop", 4e23),
    ] {
        assert_eq!(created[field], json!(value), "{field}: {created}");
    }
    // Public reads see them; a bound may stand alone, and a bound equal to the estimate is inside.
    let public = app.query(&format!("{{ model(slug: \"interval-lm\") {{ {FIELDS} }} }}"), json!({})).await;
    assert_eq!(public["model"]["trainingComputeFlopHigh"], json!(5e25));
    let updated = app
        .query_as(
            &editor,
            &update_mutation(),
            json!({ "id": id, "v": 1, "input": { "trainingComputeFlopLow": null, "trainingComputeFlopHigh": 2e25, "parametersLow": 7e10 } }),
        )
        .await["updateModel"]
        .clone();
    assert_eq!(
        (
            &updated["version"],
            &updated["trainingComputeFlopLow"],
            &updated["trainingComputeFlopHigh"],
            &updated["parametersLow"]
        ),
        (&json!(2), &Value::Null, &json!(2e25), &json!(7e10))
    );

    // Filterable and orderable like any numeric column of the table.
    let filtered = app
        .query(
            r#"{ models(filter: { trainingComputeFlopHigh: { lte: 2e25 }, finetuneComputeFlop: { gt: 0 } }) { nodes { slug } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(filtered["models"]["nodes"], json!([{ "slug": "interval-lm" }]));
    let ordered = app
        .query(
            r#"{ models(filter: { trainingComputeFlopHigh: { gt: 0 } }, orderBy: [{ field: TRAINING_COMPUTE_FLOP_HIGH, direction: DESC }], first: 100) { nodes { slug trainingComputeFlopHigh } } }"#,
            json!({}),
        )
        .await;
    let highs: Vec<f64> = ordered["models"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["trainingComputeFlopHigh"].as_f64().unwrap())
        .collect();
    assert!(highs.windows(2).all(|w| w[0] >= w[1]), "{highs:?}");
    assert!(ordered["models"]["nodes"].as_array().unwrap().iter().any(|n| n["slug"] == "interval-lm"));

    // Exported, after the columns the export has always had.
    let csv = app.client.get(app.url("/export/models.csv")).send().await.unwrap().text().await.unwrap();
    let header = csv.lines().find(|l| !l.starts_with('#')).unwrap();
    for column in
        ["parameters_low", "training_compute_flop_high", "finetune_compute_flop", "post_training_compute_flop"]
    {
        assert!(header.split(',').any(|h| h == column), "{column} in {header}");
    }
    let json_export: Value = app.client.get(app.url("/export/models.json")).send().await.unwrap().json().await.unwrap();
    let rows = json_export["models"].as_array().or_else(|| json_export.as_array()).expect("a list of models");
    let row = rows.iter().find(|m| m["slug"] == "interval-lm").expect("the model is exported");
    assert_eq!(row["trainingComputeFlopHigh"], json!(2e25));
    assert_eq!(row["postTrainingComputeFlop"], json!(4e23));
}

#[tokio::test]
async fn bad_bounds_and_compute_parts_name_their_field_and_write_nothing() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let created = create(
        &app,
        &editor,
        json!({
            "slug": "bounded-lm", "name": "Bounded LM", "access": "API",
            "parameters": 1e11, "trainingComputeFlop": 2e25,
            "trainingComputeFlopLow": 1e25, "trainingComputeFlopHigh": 3e25
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let before = model(&app, &editor, "bounded-lm").await;
    let revisions = revision_count(&app, &editor, &id).await;

    let cases = [
        (json!({ "trainingComputeFlopLow": -1 }), "input.trainingComputeFlopLow", "greater than 0"),
        (json!({ "trainingComputeFlopHigh": 1e40 }), "input.trainingComputeFlopHigh", "less than 1e32"),
        (json!({ "trainingComputeFlopLow": 2.5e25 }), "input.trainingComputeFlopLow", "contain"),
        (json!({ "trainingComputeFlopHigh": 1.5e25 }), "input.trainingComputeFlopHigh", "contain"),
        (
            json!({ "trainingComputeFlopLow": 2e25, "trainingComputeFlopHigh": 1e25 }),
            "input.trainingComputeFlopLow",
            "high bound",
        ),
        (json!({ "trainingComputeFlop": 5e25 }), "input.trainingComputeFlopHigh", "contain"),
        (json!({ "trainingComputeFlop": null }), "input.trainingComputeFlopLow", "no estimate"),
        (json!({ "parameters": null, "parametersHigh": 2e11 }), "input.parametersHigh", "no estimate"),
        (json!({ "parametersLow": 2e11 }), "input.parametersLow", "contain"),
        (json!({ "parametersHigh": 1e17 }), "input.parametersHigh", "less than 1e16"),
        (json!({ "finetuneComputeFlop": 0 }), "input.finetuneComputeFlop", "greater than 0"),
        (json!({ "postTrainingComputeFlop": -3e22 }), "input.postTrainingComputeFlop", "greater than 0"),
    ];
    for (input, field, says) in cases {
        let (_, error) =
            app.query_error_as(&editor, &update_mutation(), json!({ "id": id, "v": 1, "input": input })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{input}: {error}");
        assert_eq!(error["extensions"]["field"], field, "{input}: {error}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(says), "{input}: {message}");
    }
    assert_eq!(model(&app, &editor, "bounded-lm").await, before, "the model is unchanged");
    assert_eq!(revision_count(&app, &editor, &id).await, revisions, "no revision was added");

    // On creation too: a bound without its estimate is refused, and no model is made.
    let query = "mutation($input: CreateModelInput!) { createModel(input: $input) { id } }";
    let input =
        json!({ "slug": "unbounded-lm", "name": "Unbounded LM", "access": "API", "trainingComputeFlopHigh": 1e25 });
    let (_, error) = app.query_error_as(&editor, query, json!({ "input": input })).await;
    assert_eq!(error["extensions"]["field"], "input.trainingComputeFlopHigh", "{error}");
    assert!(error["message"].as_str().unwrap().contains("no estimate"), "{error}");
    assert_eq!(model(&app, &editor, "unbounded-lm").await, Value::Null);
}

#[tokio::test]
async fn the_starter_catalog_states_the_intervals_its_notes_give() {
    let app = spawn_app().await;
    let data = app
        .query(
            r#"{ models(filter: { trainingComputeFlopLow: { gt: 0 } }, orderBy: [{ field: SLUG }]) {
                 totalCount nodes { slug trainingComputeFlop trainingComputeFlopLow trainingComputeFlopHigh trainingComputeNote } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["models"]["nodes"].as_array().unwrap();
    let slugs: Vec<&str> = nodes.iter().map(|n| n["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["gpt-4", "gpt-5"], "only the notes that state a confidence interval");
    for n in nodes {
        let (estimate, low, high) = (
            n["trainingComputeFlop"].as_f64().unwrap(),
            n["trainingComputeFlopLow"].as_f64().unwrap(),
            n["trainingComputeFlopHigh"].as_f64().unwrap(),
        );
        assert!(low <= estimate && estimate <= high, "{n}");
    }
    let gpt4 = nodes.iter().find(|n| n["slug"] == "gpt-4").unwrap();
    assert_eq!((&gpt4["trainingComputeFlopLow"], &gpt4["trainingComputeFlopHigh"]), (&json!(8.2e24), &json!(4.4e25)));
    assert!(gpt4["trainingComputeNote"].as_str().unwrap().contains("90% CI 8.2e24 to 4.4e25"));
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/epoch").join(name)
}

#[tokio::test]
async fn the_importer_fills_compute_parts_and_intervals_and_leaves_out_bounds_that_miss_the_estimate() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .args(["import", "epoch", "--json"])
        .arg(fixture("compute_parts.csv"))
        .output()
        .await
        .expect("ai-tracker runs");
    changes_seen(&app).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout).expect("a JSON summary");
    assert_eq!(summary["inserted"], json!(4), "{summary}");
    let warnings = summary["warnings"].as_array().unwrap_or_else(|| panic!("warnings in {summary}"));
    assert_eq!(warnings.len(), 2, "{summary}");
    let miss = warnings.iter().find(|w| w["name"] == "Interval Wide Miss").expect("a warning for the miss");
    let message = miss["message"].as_str().unwrap();
    assert!(message.contains("trainingComputeFlopLow") && message.contains("contain"), "{message}");
    let zero = warnings.iter().find(|w| w["name"] == "Interval Zero Finetune").expect("a warning for 0.0");
    assert!(zero["message"].as_str().unwrap().contains("Finetune compute"), "{zero}");

    let reasoner = model(&app, &editor, "interval-reasoner").await;
    assert_eq!(reasoner["trainingComputeFlop"], json!(9e24));
    assert_eq!(reasoner["trainingComputeFlopLow"], json!(6e24));
    assert_eq!(reasoner["trainingComputeFlopHigh"], json!(2e25), "float noise rounded away");
    assert_eq!(reasoner["finetuneComputeFlop"], json!(3e23));
    assert_eq!(reasoner["postTrainingComputeFlop"], json!(6e23));
    let base = model(&app, &editor, "interval-base-70b").await;
    assert_eq!((&base["trainingComputeFlopLow"], &base["trainingComputeFlopHigh"]), (&json!(5e24), &json!(1.5e25)));
    assert_eq!(base["finetuneComputeFlop"], Value::Null);
    let miss = model(&app, &editor, "interval-wide-miss").await;
    assert_eq!(miss["trainingComputeFlop"], json!(1e25), "the estimate is kept");
    assert_eq!((&miss["trainingComputeFlopLow"], &miss["trainingComputeFlopHigh"]), (&Value::Null, &Value::Null));
    let zero = model(&app, &editor, "interval-zero-finetune").await;
    assert_eq!((&zero["finetuneComputeFlop"], &zero["postTrainingComputeFlop"]), (&Value::Null, &json!(1e22)));
}

/// A revision written before the six fields existed has no key for them. Reverting to it sets
/// back what it recorded and keeps the current value of what it did not know; restoring a
/// deletion recorded so loads them as empty.
#[tokio::test]
async fn reverting_to_a_revision_older_than_the_fields_keeps_their_current_values() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let created = create(
        &app,
        &editor,
        json!({ "slug": "old-lm", "name": "Old LM", "access": "API", "trainingComputeFlop": 2e25, "parameters": 7e10 }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();

    // Make the creation revision look as one written before these fields did.
    let db = Database::connect(&app.db.url).await.expect("connect to the test database");
    let row = ai_tracker::entity::model::Entity::find()
        .filter(ai_tracker::entity::model::Column::Slug.eq("old-lm"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let revisions_of = || {
        ai_tracker::entity::revision::Entity::find()
            .filter(ai_tracker::entity::revision::Column::EntityId.eq(row.id))
            .filter(ai_tracker::entity::revision::Column::EntityType.eq(ai_tracker::domain::EntityType::Model))
            .order_by_asc(ai_tracker::entity::revision::Column::Id)
    };
    let creation = revisions_of().one(&db).await.unwrap().unwrap();
    let forget = |state: &Value| {
        let mut state = state.clone();
        for field in NEW_FIELDS {
            assert!(state.as_object_mut().unwrap().remove(field).is_some(), "{field} is recorded now");
        }
        state
    };
    let mut old = ai_tracker::entity::revision::ActiveModel::from(creation.clone());
    old.after = Set(Some(forget(creation.after.as_ref().unwrap())));
    old.update(&db).await.unwrap();

    let set = json!({
        "hardware": "TPU v5p", "parametersLow": 5e10, "parametersHigh": 9e10,
        "trainingComputeFlopLow": 1e25, "trainingComputeFlopHigh": 4e25,
        "finetuneComputeFlop": 2e23, "postTrainingComputeFlop": 5e23
    });
    app.query_as(&editor, &update_mutation(), json!({ "id": id, "v": 1, "input": set })).await;
    let history = app
        .query_as(
            &editor,
            "query($id: ID!) { revisions(entityId: $id, first: 10) { nodes { id action after } } }",
            json!({ "id": id }),
        )
        .await;
    let nodes = history["revisions"]["nodes"].as_array().unwrap();
    let old_revision = nodes.last().unwrap();
    assert_eq!(old_revision["action"], "CREATE");
    assert!(old_revision["after"].get("trainingComputeFlopLow").is_none(), "the old revision loads as it was written");

    let revert = format!(
        "mutation($r: ID!, $v: Int!) {{ revert(revisionId: $r, expectedVersion: $v) {{ ... on Model {{ {FIELDS} }} }} }}"
    );
    let reverted = app.query_as(&editor, &revert, json!({ "r": old_revision["id"], "v": 2 })).await["revert"].clone();
    assert_eq!(reverted["version"], json!(3));
    assert_eq!(reverted["hardware"], Value::Null, "what the old revision recorded is set back");
    assert_eq!(reverted["trainingComputeFlop"], json!(2e25));
    for (field, value) in [
        ("parametersLow", 5e10),
        ("parametersHigh", 9e10),
        ("trainingComputeFlopLow", 1e25),
        ("trainingComputeFlopHigh", 4e25),
        ("finetuneComputeFlop", 2e23),
        ("postTrainingComputeFlop", 5e23),
    ] {
        assert_eq!(reverted[field], json!(value), "{field} keeps its current value: {reverted}");
    }

    // A revision that knows the fields sets them back, to empty if they were: reverting to the
    // creation as written now (keys present, null) would clear them. The update's `before` is
    // such a state; check it records the keys as null.
    let update = revisions_of().all(&db).await.unwrap().into_iter().nth(1).unwrap();
    assert_eq!(update.before.as_ref().unwrap()["trainingComputeFlopLow"], Value::Null);
    assert!(update.before.as_ref().unwrap().get("trainingComputeFlopLow").is_some());

    // A deletion recorded before the fields existed can still be restored: they load as empty.
    app.query_as(&editor, "mutation($id: ID!) { deleteModel(id: $id, expectedVersion: 3) }", json!({ "id": id })).await;
    let deletion = revisions_of().all(&db).await.unwrap().pop().unwrap();
    let mut old = ai_tracker::entity::revision::ActiveModel::from(deletion.clone());
    old.before = Set(Some(forget(deletion.before.as_ref().unwrap())));
    old.update(&db).await.unwrap();
    db.close().await.ok();
    let history = app
        .query_as(
            &editor,
            "query($id: ID!) { revisions(entityId: $id, first: 1) { nodes { id action } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(history["revisions"]["nodes"][0]["action"], "DELETE");
    let restore = format!("mutation($r: ID!) {{ restore(revisionId: $r) {{ ... on Model {{ {FIELDS} }} }} }}");
    let restored =
        app.query_as(&editor, &restore, json!({ "r": history["revisions"]["nodes"][0]["id"] })).await["restore"]
            .clone();
    assert_eq!(restored["trainingComputeFlop"], json!(2e25));
    for field in NEW_FIELDS {
        assert_eq!(restored[field], Value::Null, "{field}");
    }
}
