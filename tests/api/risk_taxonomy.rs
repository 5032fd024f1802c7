//! The MIT AI Risk Repository classification of risk assessments (issue 19 point 4): required on
//! creation, optional on update, filterable, grouped in `riskStatistics`, filled by migration
//! 000009 where (category, cause) decides it, and kept when reverting to a revision written
//! before it existed.

use std::collections::BTreeMap;

use ai_tracker::domain::EditorRole;
use ai_tracker::entity::revision;
use migration::MigratorTrait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, Database, EntityTrait};
use serde_json::{Value, json};

use crate::helpers::{TestDatabase, all_nodes, spawn_app, spawn_app_on};

const FIELDS: &str = "id version severity category cause mitSubdomain mitEntity mitIntent mitTiming sourceUrl";

const CREATE: &str = r#"mutation($m: ID!, $url: String!) { createRiskAssessment(input: { modelId: $m,
    horizon: IMMEDIATE, cause: MALICIOUS, category: CYBER_OFFENSE, severity: HIGH, likelihood: MEDIUM,
    summary: "Helps write exploits for known CVEs.", rationale: "Evaluations found working exploits.",
    confidence: LIKELY, assessedOn: "2026-11-01", mitSubdomain: CYBERATTACKS_WEAPONS_MASS_HARM,
    mitEntity: HUMAN, mitIntent: INTENTIONAL, mitTiming: POST_DEPLOYMENT, sourceUrl: $url })
    { id version mitSubdomain mitEntity mitIntent mitTiming sourceUrl } }"#;

async fn model_id(app: &crate::helpers::TestApp, slug: &str) -> Value {
    app.query("query($s: String!) { model(slug: $s) { id } }", json!({ "s": slug })).await["model"]["id"].clone()
}

#[tokio::test]
async fn the_classification_is_required_on_create_optional_on_update_and_shown() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let gpt3 = model_id(&app, "gpt-3").await;

    // Leaving a field out is refused by the schema, before anything runs.
    let without = CREATE.replace("mitTiming: POST_DEPLOYMENT, ", "");
    let (_, error) =
        app.query_error_as(&editor, &without, json!({ "m": gpt3, "url": "https://arxiv.org/abs/2005.14165" })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
    assert!(error["message"].as_str().unwrap().contains("\"mitTiming\" of type \"MitTiming!\" is required"), "{error}");

    for bad in ["ftp://arxiv.org/abs/2005.14165", "not a url", "http://localhost/x", ""] {
        let (_, error) = app.query_error_as(&editor, CREATE, json!({ "m": gpt3, "url": bad })).await;
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{bad}: {error}");
        assert_eq!(error["extensions"]["field"], "input.sourceUrl", "{bad}: {error}");
    }
    let created = app.query_as(&editor, CREATE, json!({ "m": gpt3, "url": "https://arxiv.org/abs/2005.14165" })).await
        ["createRiskAssessment"]
        .clone();
    assert_eq!(
        created,
        json!({ "id": created["id"], "version": 1, "mitSubdomain": "CYBERATTACKS_WEAPONS_MASS_HARM", "mitEntity": "HUMAN",
                "mitIntent": "INTENTIONAL", "mitTiming": "POST_DEPLOYMENT", "sourceUrl": "https://arxiv.org/abs/2005.14165" })
    );

    let update = format!(
        "mutation($id: ID!, $input: UpdateRiskAssessmentInput!, $v: Int!) {{ updateRiskAssessment(id: $id, input: $input, expectedVersion: $v) {{ {FIELDS} }} }}"
    );
    let changed = app
        .query_as(
            &editor,
            &update,
            json!({ "id": created["id"], "v": 1, "input": { "mitSubdomain": "AI_SECURITY_VULNERABILITIES" } }),
        )
        .await["updateRiskAssessment"]
        .clone();
    assert_eq!(changed["mitSubdomain"], "AI_SECURITY_VULNERABILITIES");
    assert_eq!(
        (&changed["mitEntity"], &changed["sourceUrl"]),
        (&json!("HUMAN"), &json!("https://arxiv.org/abs/2005.14165")),
        "the rest stays"
    );
    let (_, error) = app
        .query_error_as(
            &editor,
            &update,
            json!({ "id": created["id"], "v": 2, "input": { "sourceUrl": "javascript:alert(1)" } }),
        )
        .await;
    assert_eq!(error["extensions"]["field"], "input.sourceUrl", "{error}");
    let (_, error) = app
        .query_error_as(&editor, &update, json!({ "id": created["id"], "v": 2, "input": { "mitEntity": "SOMEONE" } }))
        .await;
    assert_eq!(
        (error["extensions"]["code"].as_str(), error["extensions"]["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("input.mitEntity")),
        "only the vocabulary: {error}"
    );

    // The enum's values carry the subdomain's code and full name, and the type credits its source.
    let schema = app
        .query(r#"{ __type(name: "MitSubdomain") { description enumValues { name description } } }"#, json!({}))
        .await;
    let described = &schema["__type"];
    assert!(described["description"].as_str().unwrap().contains("Slattery et al. 2024"), "{described}");
    assert!(described["description"].as_str().unwrap().contains("April 2025"), "{described}");
    let values = described["enumValues"].as_array().unwrap();
    assert_eq!(values.len(), 24);
    assert!(values.contains(&json!({ "name": "MULTI_AGENT_RISKS", "description": "7.6 Multi-agent risks" })));
    assert!(values.contains(&json!({ "name": "CYBERATTACKS_WEAPONS_MASS_HARM",
        "description": "4.2 Cyberattacks, weapon development or use, and mass harm" })));
}

#[tokio::test]
async fn every_starter_assessment_is_classified_and_filters_and_statistics_use_it() {
    let app = spawn_app().await;
    let all = all_nodes(&app, "riskAssessments", "mitSubdomain mitEntity mitIntent mitTiming sourceUrl", "").await;
    assert!(all.len() >= 100, "{} assessments", all.len());
    for r in &all {
        for field in ["mitSubdomain", "mitEntity", "mitIntent", "mitTiming", "sourceUrl"] {
            assert!(r[field].is_string(), "{field} missing in {r}");
        }
    }
    let count = |filter: Value| {
        let app = &app;
        async move {
            let data = app
                .query(
                    "query($f: RiskAssessmentFilter) { riskAssessments(filter: $f) { totalCount } }",
                    json!({ "f": filter }),
                )
                .await;
            data["riskAssessments"]["totalCount"].as_u64().unwrap() as usize
        }
    };
    let expected = |pred: &dyn Fn(&Value) -> bool| all.iter().filter(|r| pred(r)).count();
    let cyber = expected(&|r| r["mitSubdomain"] == "CYBERATTACKS_WEAPONS_MASS_HARM");
    assert!(cyber > 0);
    assert_eq!(count(json!({ "mitSubdomain": { "eq": "CYBERATTACKS_WEAPONS_MASS_HARM" } })).await, cyber);
    let ai_or_other = expected(&|r| r["mitEntity"] != "HUMAN");
    assert_eq!(count(json!({ "mitEntity": { "in": ["AI", "OTHER"] } })).await, ai_or_other);
    assert_eq!(
        count(json!({ "mitIntent": { "eq": "UNINTENTIONAL" }, "mitTiming": { "eq": "PRE_DEPLOYMENT" } })).await,
        expected(&|r| r["mitIntent"] == "UNINTENTIONAL" && r["mitTiming"] == "PRE_DEPLOYMENT")
    );
    assert_eq!(count(json!({ "mitClassified": true })).await, all.len());
    assert_eq!(count(json!({ "mitClassified": false })).await, 0);
    assert_eq!(
        count(json!({ "sourceUrl": { "contains": "arxiv.org" } })).await,
        expected(&|r| r["sourceUrl"].as_str().unwrap().contains("arxiv.org"))
    );

    // Models filter on their assessments' classification too.
    let models = app
        .query(
            r#"{ models(first: 100, filter: { riskAssessments: { mitSubdomain: { eq: MISALIGNED_GOALS }, mitEntity: { eq: AI } } }) { nodes { slug riskAssessments { mitSubdomain mitEntity } } } }"#,
            json!({}),
        )
        .await;
    let nodes = models["models"]["nodes"].as_array().unwrap();
    assert!(!nodes.is_empty());
    for m in nodes {
        assert!(
            m["riskAssessments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["mitSubdomain"] == "MISALIGNED_GOALS" && r["mitEntity"] == "AI"),
            "{m}"
        );
    }

    // Grouped counts add up to the filtered total, and agree with the list.
    let stats = r#"query($f: RiskAssessmentFilter, $g: [RiskStatisticsDimension!]) { riskStatistics(filter: $f, groupBy: $g) {
        key { horizon cause mitSubdomain mitEntity mitIntent mitTiming } count modelCount } }"#;
    let groups =
        app.query(stats, json!({ "g": ["MIT_SUBDOMAIN"] })).await["riskStatistics"].as_array().unwrap().clone();
    assert_eq!(groups.iter().map(|g| g["count"].as_u64().unwrap() as usize).sum::<usize>(), all.len());
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    for r in &all {
        *listed.entry(r["mitSubdomain"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let grouped: BTreeMap<String, usize> = groups
        .iter()
        .map(|g| (g["key"]["mitSubdomain"].as_str().unwrap().to_owned(), g["count"].as_u64().unwrap() as usize))
        .collect();
    assert_eq!(grouped, listed);
    assert_eq!(groups[0]["key"]["mitSubdomain"], "DISCRIMINATION_MISREPRESENTATION", "in the taxonomy's order");
    assert!(groups.iter().all(|g| g["key"]["horizon"].is_null()), "dimensions not grouped by are null");

    let causal = app
        .query(
            stats,
            json!({ "g": ["MIT_ENTITY", "MIT_INTENT", "MIT_TIMING"], "f": { "horizon": { "eq": "NEAR_TERM" } } }),
        )
        .await["riskStatistics"]
        .as_array()
        .unwrap()
        .clone();
    let near_term =
        all_nodes(&app, "riskAssessments", "horizon", "").await.iter().filter(|r| r["horizon"] == "NEAR_TERM").count();
    assert_eq!(causal.iter().map(|g| g["count"].as_u64().unwrap() as usize).sum::<usize>(), near_term);
    assert!(causal.iter().all(|g| g["modelCount"].as_u64().unwrap() <= g["count"].as_u64().unwrap()));

    let overall = app.query(stats, json!({})).await["riskStatistics"].clone();
    assert_eq!(overall.as_array().unwrap().len(), 1);
    assert_eq!(overall[0]["count"].as_u64().unwrap() as usize, all.len());
    let none =
        app.query(stats, json!({ "f": { "summary": { "eq": "no such summary" } } })).await["riskStatistics"].clone();
    assert_eq!(
        none,
        json!([{ "key": { "horizon": null, "cause": null, "mitSubdomain": null, "mitEntity": null, "mitIntent": null, "mitTiming": null }, "count": 0, "modelCount": 0 }])
    );
}

#[tokio::test]
async fn risk_statistics_refuses_bad_groupings() {
    let app = spawn_app().await;
    let stats = "query($g: [RiskStatisticsDimension!]) { riskStatistics(groupBy: $g) { count } }";
    let five = json!({ "g": ["HORIZON", "CAUSE", "CATEGORY", "SEVERITY", "MIT_SUBDOMAIN"] });
    let (_, error) = app.query_error(stats, five).await;
    assert_eq!(
        (error["extensions"]["code"].as_str(), error["extensions"]["field"].as_str()),
        (Some("BAD_USER_INPUT"), Some("groupBy")),
        "{error}"
    );
    let (_, error) = app.query_error(stats, json!({ "g": ["CAUSE", "CAUSE"] })).await;
    assert_eq!(error["extensions"]["field"], "groupBy", "{error}");
    // A filter's list is bounded like every other.
    let many: Vec<&str> = std::iter::repeat_n("AI", 101).collect();
    let (_, error) = app
        .query_error(
            "query($f: RiskAssessmentFilter) { riskStatistics(filter: $f) { count } }",
            json!({ "f": { "mitEntity": { "in": many } } }),
        )
        .await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");
}

/// A revision written before the classification existed lacks its keys: it still loads, and
/// reverting to it restores what it recorded while the classification stays as it is now.
#[tokio::test]
async fn reverting_to_a_revision_older_than_the_classification_keeps_it() {
    let app = spawn_app().await;
    let editor = app.editor_token(EditorRole::Editor).await;
    let risk = app.query(r#"{ model(slug: "gpt-4") { riskAssessments { id severity } } }"#, json!({})).await["model"]
        ["riskAssessments"][0]
        .clone();
    let history = format!(
        "query($id: ID!) {{ node(id: $id) {{ ... on RiskAssessment {{ {FIELDS} revisions {{ nodes {{ id action before after changedFields }} }} }} }} }}"
    );
    let before = app.query_as(&editor, &history, json!({ "id": risk["id"] })).await["node"].clone();
    let creation = before["revisions"]["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(creation["action"], "CREATE");

    let update = format!(
        "mutation($id: ID!, $input: UpdateRiskAssessmentInput!) {{ updateRiskAssessment(id: $id, input: $input, expectedVersion: 1) {{ {FIELDS} }} }}"
    );
    let input = json!({ "severity": "CRITICAL", "mitSubdomain": "INFORMATION_ECOSYSTEM_POLLUTION", "mitEntity": "OTHER",
                        "sourceUrl": "https://cdn.openai.com/papers/gpt-4-system-card.pdf" });
    let updated =
        app.query_as(&editor, &update, json!({ "id": risk["id"], "input": input })).await["updateRiskAssessment"]
            .clone();

    // Make the creation revision look as one written by the previous release: no new keys.
    let db = Database::connect(&app.db.url).await.unwrap();
    let revision_id: i32 = {
        let raw = creation["id"].as_str().unwrap();
        let decoded = String::from_utf8(base64_decode(raw)).unwrap();
        decoded.rsplit(':').next().unwrap().parse().unwrap()
    };
    let row = revision::Entity::find_by_id(revision_id).one(&db).await.unwrap().unwrap();
    let mut after = row.after.clone().unwrap();
    for key in ["mitSubdomain", "mitEntity", "mitIntent", "mitTiming", "sourceUrl"] {
        assert!(after.as_object_mut().unwrap().remove(key).is_some(), "the revision had {key}");
    }
    let mut old: revision::ActiveModel = row.into();
    old.after = Set(Some(after));
    old.update(&db).await.unwrap();

    let loaded = app.query_as(&editor, &history, json!({ "id": risk["id"] })).await["node"].clone();
    let old_creation = loaded["revisions"]["nodes"].as_array().unwrap().last().unwrap().clone();
    assert!(old_creation["after"].get("mitSubdomain").is_none(), "the old revision loads as it is: {old_creation}");

    let revert = format!(
        "mutation($r: ID!) {{ revert(revisionId: $r, expectedVersion: 2) {{ ... on RiskAssessment {{ {FIELDS} }} }} }}"
    );
    let reverted = app.query_as(&editor, &revert, json!({ "r": creation["id"] })).await["revert"].clone();
    assert_eq!(reverted["severity"], risk["severity"], "what the old revision recorded comes back");
    for field in ["mitSubdomain", "mitEntity", "mitIntent", "mitTiming", "sourceUrl"] {
        assert_eq!(reverted[field], updated[field], "{field} keeps the current classification");
    }
    assert_eq!(reverted["version"], 3);

    // Reverting to a revision that has the fields restores them as usual.
    let latest = app.query_as(&editor, &history, json!({ "id": risk["id"] })).await["node"]["revisions"]["nodes"]
        .as_array()
        .unwrap()
        .clone();
    let update_revision = latest.iter().find(|r| r["action"] == "UPDATE").unwrap();
    let revert_to_update = revert.replace("expectedVersion: 2", "expectedVersion: 3");
    let again = app.query_as(&editor, &revert_to_update, json!({ "r": update_revision["id"] })).await["revert"].clone();
    assert_eq!(again["severity"], "CRITICAL");
    assert_eq!(again["mitSubdomain"], "INFORMATION_ECOSYSTEM_POLLUTION");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).unwrap()
}

/// The previous release's schema (the migrations before 000009) with the starter catalog in it: the
/// new migration adds the columns, fills what (category, cause) decides, and leaves the rest null.
#[tokio::test]
async fn the_migration_classifies_what_category_and_cause_decide_on_an_existing_database() {
    let db = TestDatabase::create().await;
    {
        // Today's schema and catalog, then the taxonomy migration and those after it rolled
        // back: the previous release's schema, holding a catalog.
        let app = spawn_app_on(db, |_| {}).await;
        let conn = Database::connect(&app.db.url).await.unwrap();
        let applied = migration::Migrator::get_applied_migrations(&conn).await.unwrap();
        let taxonomy = applied.iter().position(|m| m.name().contains("risk_taxonomy")).expect("applied");
        let undo = (applied.len() - taxonomy) as u32;
        migration::Migrator::down(&conn, Some(undo)).await.unwrap();
        let pending = migration::Migrator::get_pending_migrations(&conn).await.unwrap();
        assert_eq!(pending.len(), undo as usize, "the taxonomy migration and later ones are undone");
        assert!(pending[0].name().contains("risk_taxonomy"));
        conn.close().await.ok();
        let db = app.db;
        // The service migrates the database it is given on start.
        let app = spawn_app_on(db, |s| s.no_seed = true).await;
        let all = all_nodes(
            &app,
            "riskAssessments",
            "category cause mitSubdomain mitEntity mitIntent mitTiming sourceUrl",
            "",
        )
        .await;
        assert!(all.len() >= 100);
        for r in &all {
            let (category, cause) = (r["category"].as_str().unwrap(), r["cause"].as_str().unwrap());
            let classified = [&r["mitSubdomain"], &r["mitEntity"], &r["mitIntent"], &r["mitTiming"]];
            let expected: [Value; 4] = match (category, cause) {
                ("CYBER_OFFENSE" | "BIO_CHEM", "MALICIOUS") => {
                    ["CYBERATTACKS_WEAPONS_MASS_HARM", "HUMAN", "INTENTIONAL", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("DISINFORMATION", "MALICIOUS") => {
                    ["DISINFORMATION_SURVEILLANCE_INFLUENCE", "HUMAN", "INTENTIONAL", "POST_DEPLOYMENT"]
                        .map(Value::from)
                }
                ("FRAUD_IMPERSONATION", "MALICIOUS") => {
                    ["FRAUD_SCAMS_MANIPULATION", "HUMAN", "INTENTIONAL", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("PRIVACY", "ACCIDENTAL") => {
                    ["PRIVACY_COMPROMISE", "AI", "UNINTENTIONAL", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("PRIVACY", "MALICIOUS") => {
                    ["PRIVACY_COMPROMISE", "HUMAN", "INTENTIONAL", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("OVERRELIANCE", "ACCIDENTAL") => {
                    ["OVERRELIANCE_UNSAFE_USE", "AI", "UNINTENTIONAL", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("OVERRELIANCE", _) => [json!("OVERRELIANCE_UNSAFE_USE"), Value::Null, Value::Null, Value::Null],
                ("FRAUD_IMPERSONATION", _) => {
                    [json!("FRAUD_SCAMS_MANIPULATION"), Value::Null, Value::Null, Value::Null]
                }
                ("PRIVACY", _) => [json!("PRIVACY_COMPROMISE"), Value::Null, Value::Null, Value::Null],
                ("LABOR_ECONOMIC", "STRUCTURAL") => {
                    ["INEQUALITY_EMPLOYMENT_QUALITY", "OTHER", "OTHER", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("CONCENTRATION_OF_POWER", "STRUCTURAL") => {
                    ["POWER_CENTRALIZATION", "OTHER", "OTHER", "POST_DEPLOYMENT"].map(Value::from)
                }
                ("LABOR_ECONOMIC", _) => {
                    [json!("INEQUALITY_EMPLOYMENT_QUALITY"), Value::Null, Value::Null, Value::Null]
                }
                ("CONCENTRATION_OF_POWER", _) => [json!("POWER_CENTRALIZATION"), Value::Null, Value::Null, Value::Null],
                ("AUTONOMY_LOSS_OF_CONTROL", "ACCIDENTAL" | "STRUCTURAL") => {
                    [json!("MISALIGNED_GOALS"), json!("AI"), Value::Null, Value::Null]
                }
                // Bias and harmful content may be 1.1, 1.2 or 1.3; structural cyber or bio
                // risks are not one subdomain: left for editors.
                _ => [Value::Null, Value::Null, Value::Null, Value::Null],
            };
            assert_eq!(classified, expected.iter().collect::<Vec<_>>().as_slice(), "{r}");
            assert!(r["sourceUrl"].is_null(), "no source is invented: {r}");
        }
        let unclassified = app
            .query("{ riskAssessments(filter: { mitClassified: false }) { totalCount } }", json!({}))
            .await["riskAssessments"]["totalCount"]
            .as_u64()
            .unwrap();
        assert!(unclassified > 0 && (unclassified as usize) < all.len(), "{unclassified} left for editors");
    }
}
