//! Public feedback through HTTP: the life of a submission, each validation rule, duplicates,
//! the editors' queue and reviews, links, contact erasure (by hand and by the server's sweep),
//! contributors and the open counts on models.

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

pub const SUBMIT: &str = "mutation($input: SubmitFeedbackInput!) {
    submitFeedback(input: $input) { id status receivedAt trackingCode } }";

const STATUS: &str = "query($code: String!) {
    feedbackStatus(trackingCode: $code) { trackingCode kind status receivedAt reviewedAt resolution } }";

const QUEUE: &str = "query($status: FeedbackStatus, $kind: FeedbackKind) {
    feedbackQueue(status: $status, kind: $kind, first: 50) { totalCount nodes {
        id kind status subjectId proposedModelName body sourceUrl submitterName contact contactErasedAt
        creditConsent trackingCode reviewerId note resolution linkedTo receivedAt reviewedAt version } } }";

const REVIEW: &str = "mutation($id: ID!, $decision: FeedbackDecision!, $note: String, $resolution: String,
        $linkedTo: ID, $version: Int!) {
    reviewFeedback(id: $id, decision: $decision, note: $note, resolution: $resolution, linkedTo: $linkedTo,
                   expectedVersion: $version) { id status note resolution linkedTo reviewedAt version contact } }";

const CONTRIBUTORS: &str = "{ contributors(first: 50) { totalCount nodes { name acceptedCount } } }";

/// A model of the starter catalog: (global ID, slug).
pub async fn some_model(app: &TestApp) -> (String, String) {
    let data = app.query("{ models(first: 1) { nodes { id slug } } }", json!({})).await;
    let node = &data["models"]["nodes"][0];
    (node["id"].as_str().unwrap().to_owned(), node["slug"].as_str().unwrap().to_owned())
}

pub async fn submit(app: &TestApp, input: Value) -> Value {
    app.query(SUBMIT, json!({ "input": input })).await["submitFeedback"].clone()
}

async fn queue(app: &TestApp, token: &str) -> Value {
    app.query_as(token, QUEUE, json!({})).await["feedbackQueue"].clone()
}

fn correction(body: &str) -> Value {
    json!({ "kind": "CORRECTION", "body": body })
}

#[tokio::test]
async fn a_submission_lives_from_receipt_to_credit() {
    let app = spawn_app().await;
    let (model_id, slug) = some_model(&app).await;
    let count = format!("{{ model(slug: \"{slug}\") {{ openFeedbackCount }} }}");
    assert_eq!(app.query(&count, json!({})).await["model"]["openFeedbackCount"], 0);

    let receipt = submit(
        &app,
        json!({ "kind": "CORRECTION", "subjectId": model_id, "body": "The training compute figure is off by 10x.",
                "sourceUrl": "https://example.org/paper", "submitterName": "Grace H.",
                "contact": "grace@example.org", "creditConsent": true }),
    )
    .await;
    assert_eq!(receipt["status"], "PENDING");
    let code = receipt["trackingCode"].as_str().unwrap();
    assert_eq!(code.len(), 23, "{code}");
    assert!(chrono::DateTime::parse_from_rfc3339(receipt["receivedAt"].as_str().unwrap()).is_ok());
    assert_eq!(app.query(&count, json!({})).await["model"]["openFeedbackCount"], 1);

    let status = app.query(STATUS, json!({ "code": code.to_lowercase() })).await["feedbackStatus"].clone();
    assert_eq!(status["status"], "PENDING");
    assert_eq!(status["kind"], "CORRECTION");
    assert_eq!(status["resolution"], Value::Null);
    assert_eq!(app.query(STATUS, json!({ "code": "NOPE0-NOPE0-NOPE0-NOPE0" })).await["feedbackStatus"], Value::Null);

    // The queue is for editors only.
    let (_, error) = app.query_error(QUEUE, json!({})).await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");

    let token = app.editor_token(EditorRole::Editor).await;
    let queued = queue(&app, &token).await;
    assert_eq!(queued["totalCount"], 1);
    let item = &queued["nodes"][0];
    assert_eq!(item["id"], receipt["id"]);
    assert_eq!(item["contact"], "grace@example.org");
    assert_eq!(item["subjectId"], model_id.as_str());
    assert_eq!(item["submitterName"], "Grace H.");
    assert_eq!(item["creditConsent"], true);
    assert_eq!(item["version"], 1);
    assert_eq!(app.query(CONTRIBUTORS, json!({})).await["contributors"]["totalCount"], 0);

    let reviewed = app
        .query_as(
            &token,
            REVIEW,
            json!({ "id": receipt["id"], "decision": "ACCEPT", "note": "checked against the paper",
                    "resolution": "Corrected, thank you.", "version": 1 }),
        )
        .await["reviewFeedback"]
        .clone();
    assert_eq!(reviewed["status"], "ACCEPTED");
    assert_eq!(reviewed["version"], 2);
    assert_eq!(reviewed["note"], "checked against the paper");

    assert_eq!(app.query(&count, json!({})).await["model"]["openFeedbackCount"], 0);
    let contributors = app.query(CONTRIBUTORS, json!({})).await["contributors"].clone();
    assert_eq!(contributors, json!({ "totalCount": 1, "nodes": [{ "name": "Grace H.", "acceptedCount": 1 }] }));
    let status = app.query(STATUS, json!({ "code": code })).await["feedbackStatus"].clone();
    assert_eq!(status["status"], "ACCEPTED");
    assert_eq!(status["resolution"], "Corrected, thank you.");
    assert!(status["reviewedAt"].is_string());

    // Submission and review are in the history, for editors only, and without the contact.
    let history = "query($id: ID!) { revisions(entityId: $id, first: 10) { totalCount nodes { action author summary before after } } }";
    let revisions = app.query_as(&token, history, json!({ "id": receipt["id"] })).await["revisions"].clone();
    assert_eq!(revisions["totalCount"], 2, "{revisions}");
    assert_eq!(revisions["nodes"][0]["action"], "UPDATE");
    assert_eq!(revisions["nodes"][1]["action"], "CREATE");
    assert_eq!(revisions["nodes"][1]["author"], "public feedback");
    assert_eq!(revisions["nodes"][1]["after"]["hasContact"], true);
    assert!(!revisions.to_string().contains("grace@example.org"), "{revisions}");
    let public = app.query(history, json!({ "id": receipt["id"] })).await["revisions"].clone();
    assert_eq!(public["totalCount"], 0, "{public}");
}

#[tokio::test]
async fn every_validation_rule_refuses_with_the_field_and_writes_nothing() {
    let app = spawn_app().await;
    let (model_id, _) = some_model(&app).await;
    let missing_model = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("Model:999999")
    };
    let long = "x".repeat(5_001);
    let cases: Vec<(Value, &str)> = vec![
        (correction("too short"), "input.body"),
        (correction(&long), "input.body"),
        (correction("a NUL \u{0} byte in the body"), "input.body"),
        (correction("an escape \u{1b}[31m in the body"), "input.body"),
        (json!({ "kind": "NEW_MODEL", "body": "You are missing a model here." }), "input.proposedModelName"),
        (
            json!({ "kind": "CORRECTION", "proposedModelName": "X-1", "body": "A name for a correction." }),
            "input.proposedModelName",
        ),
        (
            json!({ "kind": "NEW_MODEL", "proposedModelName": "Bad\u{0}Name", "body": "A name with a NUL byte." }),
            "input.proposedModelName",
        ),
        (
            json!({ "kind": "GENERAL", "sourceUrl": "javascript:alert(1)", "body": "A script as the source." }),
            "input.sourceUrl",
        ),
        (
            json!({ "kind": "GENERAL", "contact": "not an email", "body": "A contact that is no email." }),
            "input.contact",
        ),
        (
            json!({ "kind": "GENERAL", "submitterName": "Eve\nNewline", "body": "A name over two lines." }),
            "input.submitterName",
        ),
        (
            json!({ "kind": "GENERAL", "submitterName": "x".repeat(201), "body": "A name that is far too long." }),
            "input.submitterName",
        ),
        (
            json!({ "kind": "GENERAL", "creditConsent": true, "body": "Credit me, but under what name?" }),
            "input.submitterName",
        ),
        (
            json!({ "kind": "CORRECTION", "subjectId": "garbage", "body": "A subject that is no ID." }),
            "input.subjectId",
        ),
        (
            json!({ "kind": "CORRECTION", "subjectId": missing_model, "body": "A subject that does not exist." }),
            "input.subjectId",
        ),
    ];
    for (input, field) in &cases {
        let (status, error) = app.query_error(SUBMIT, json!({ "input": input })).await;
        // A NUL byte is refused before execution, for every argument alike (a request error,
        // 400); the service's own rules refuse during execution (200 with `errors`).
        let expected = if input.to_string().contains("\\u0000") { 400 } else { 200 };
        assert_eq!(status, expected, "{input}: {error}");
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{input}: {error}");
        assert_eq!(error["extensions"]["field"], *field, "{input}: {error}");
    }
    // Boundaries are accepted: exactly 10 and exactly 5,000 characters.
    submit(&app, json!({ "kind": "CORRECTION", "subjectId": model_id, "body": "0123456789" })).await;
    submit(&app, correction(&"y".repeat(5_000))).await;
    // An unknown kind never reaches the service.
    let (_, error) =
        app.query_error(SUBMIT, json!({ "input": { "kind": "SPAM", "body": "Unknown kind here." } })).await;
    assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{error}");

    let token = app.editor_token(EditorRole::Editor).await;
    assert_eq!(queue(&app, &token).await["totalCount"], 2, "only the two valid submissions are stored");
}

#[tokio::test]
async fn the_same_body_from_the_same_address_returns_the_first_receipt() {
    let app = spawn_app().await;
    let first = submit(&app, correction("The parameter count should be 175B.")).await;
    let again = submit(&app, correction("  The parameter count should be 175B.  ")).await;
    assert_eq!(first, again);
    let other = submit(&app, correction("The release date is wrong.")).await;
    assert_ne!(first["id"], other["id"]);
    let token = app.editor_token(EditorRole::Editor).await;
    assert_eq!(queue(&app, &token).await["totalCount"], 2);
}

#[tokio::test]
async fn reviews_check_the_version_the_caller_and_the_link() {
    let app = spawn_app().await;
    let (model_id, _) = some_model(&app).await;
    let receipt = submit(
        &app,
        json!({ "kind": "NEW_MODEL", "proposedModelName": "Nimbus-7", "body": "Announced last week, 2e25 FLOP." }),
    )
    .await;
    let id = receipt["id"].clone();

    let (_, error) = app.query_error(REVIEW, json!({ "id": id, "decision": "REJECT", "version": 1 })).await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED", "{error}");

    let token = app.editor_token(EditorRole::Editor).await;
    let (_, error) = app.query_error_as(&token, REVIEW, json!({ "id": id, "decision": "REJECT", "version": 7 })).await;
    assert_eq!(error["extensions"]["code"], "CONFLICT", "{error}");
    assert_eq!(error["extensions"]["currentVersion"], 1, "{error}");
    let (_, error) = app
        .query_error_as(&token, REVIEW, json!({ "id": id, "decision": "ACCEPT", "linkedTo": "garbage", "version": 1 }))
        .await;
    assert_eq!(error["extensions"]["field"], "linkedTo", "{error}");
    let (_, error) = app
        .query_error_as(&token, REVIEW, json!({ "id": id, "decision": "ACCEPT", "note": "\u{0}", "version": 1 }))
        .await;
    assert_eq!(error["extensions"]["field"], "note", "{error}");
    let queued = queue(&app, &token).await;
    assert_eq!(queued["nodes"][0]["version"], 1, "refused reviews wrote nothing");
    assert_eq!(queued["nodes"][0]["status"], "PENDING");

    // Accept, linking the catalog entry that acted on it; then resolve, linking a revision.
    let reviewed = app
        .query_as(&token, REVIEW, json!({ "id": id, "decision": "ACCEPT", "linkedTo": model_id, "version": 1 }))
        .await;
    assert_eq!(reviewed["reviewFeedback"]["linkedTo"], model_id.as_str());
    let revision = app.query("{ recentChanges(first: 1) { nodes { id } } }", json!({})).await["recentChanges"]["nodes"]
        [0]["id"]
        .clone();
    let resolved = app
        .query_as(&token, REVIEW, json!({ "id": id, "decision": "RESOLVE", "linkedTo": revision, "version": 2 }))
        .await;
    assert_eq!(resolved["reviewFeedback"]["linkedTo"], revision);
    assert_eq!(resolved["reviewFeedback"]["status"], "RESOLVED");

    let by_status = app.query_as(&token, QUEUE, json!({ "status": "RESOLVED", "kind": "NEW_MODEL" })).await;
    assert_eq!(by_status["feedbackQueue"]["totalCount"], 1);
    let none = app.query_as(&token, QUEUE, json!({ "status": "PENDING" })).await;
    assert_eq!(none["feedbackQueue"]["totalCount"], 0);
}

#[tokio::test]
async fn the_queue_is_newest_first_and_pages() {
    let app = spawn_app().await;
    for i in 0..5 {
        submit(&app, correction(&format!("Correction number {i} for the queue."))).await;
    }
    let token = app.editor_token(EditorRole::Editor).await;
    let page = "query($after: String) { feedbackQueue(first: 2, after: $after) { totalCount
        pageInfo { hasNextPage endCursor } nodes { body } } }";
    let mut bodies = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app.query_as(&token, page, json!({ "after": after })).await["feedbackQueue"].clone();
        assert_eq!(data["totalCount"], 5);
        bodies.extend(data["nodes"].as_array().unwrap().iter().map(|n| n["body"].as_str().unwrap().to_owned()));
        if data["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = data["pageInfo"]["endCursor"].clone();
    }
    let expected: Vec<String> = (0..5).rev().map(|i| format!("Correction number {i} for the queue.")).collect();
    assert_eq!(bodies, expected);
}

#[tokio::test]
async fn editors_erase_contacts_and_no_copy_remains() {
    let app = spawn_app().await;
    let receipt =
        submit(&app, json!({ "kind": "GENERAL", "body": "Please add an RSS feed.", "contact": "ada@example.net" }))
            .await;
    let token = app.editor_token(EditorRole::Editor).await;
    let erase = "mutation($id: ID!) { eraseFeedbackContact(id: $id) { contact contactErasedAt version } }";
    let (_, error) = app.query_error(erase, json!({ "id": receipt["id"] })).await;
    assert_eq!(error["extensions"]["code"], "UNAUTHENTICATED");
    let erased = app.query_as(&token, erase, json!({ "id": receipt["id"] })).await["eraseFeedbackContact"].clone();
    assert_eq!(erased["contact"], Value::Null);
    assert!(erased["contactErasedAt"].is_string());
    let everything = format!(
        "{} {}",
        queue(&app, &token).await,
        app.query_as(&token, "{ recentChanges(first: 100) { nodes { before after summary } } }", json!({})).await
    );
    assert!(!everything.contains("ada@example.net"), "{everything}");
}

#[tokio::test]
async fn the_server_erases_contacts_a_set_time_after_review() {
    // Retention 0 days, swept every second: a contact goes as soon as its submission is reviewed.
    let app = spawn_app_with(|s| {
        s.feedback.feedback_contact_retention_days = 0;
        s.feedback.feedback_erasure_interval_secs = 1;
    })
    .await;
    let reviewed =
        submit(&app, json!({ "kind": "GENERAL", "body": "First message here.", "contact": "a@example.org" })).await;
    submit(&app, json!({ "kind": "GENERAL", "body": "Second message here.", "contact": "b@example.org" })).await;
    let token = app.editor_token(EditorRole::Editor).await;
    app.query_as(&token, REVIEW, json!({ "id": reviewed["id"], "decision": "REJECT", "version": 1 })).await;
    let mut contacts = Vec::new();
    for _ in 0..50 {
        let queued = queue(&app, &token).await;
        contacts = queued["nodes"].as_array().unwrap().iter().map(|n| n["contact"].clone()).collect();
        if contacts.contains(&Value::Null) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Newest first: the unreviewed second submission keeps its contact.
    assert_eq!(contacts, vec![json!("b@example.org"), Value::Null]);
    let history = app.query_as(&token, "{ recentChanges(first: 1) { nodes { author summary } } }", json!({})).await;
    assert_eq!(
        history["recentChanges"]["nodes"][0],
        json!({ "author": "contact retention", "summary": "contact erased" })
    );
}

#[tokio::test]
async fn contributors_are_only_those_who_consented_and_were_accepted() {
    let app = spawn_app().await;
    let token = app.editor_token(EditorRole::Editor).await;
    let cases = [
        ("Lin", true, "ACCEPT"),
        ("Lin", true, "ACCEPT"),
        ("Noor", true, "ACCEPT"),
        ("Quiet Person", false, "ACCEPT"),
        ("Rejected Person", true, "REJECT"),
        ("Pending Person", true, ""),
    ];
    for (i, (name, consent, decision)) in cases.iter().enumerate() {
        let receipt = submit(
            &app,
            json!({ "kind": "GENERAL", "body": format!("Suggestion {i} from {name}."), "submitterName": name,
                    "creditConsent": consent }),
        )
        .await;
        if !decision.is_empty() {
            app.query_as(&token, REVIEW, json!({ "id": receipt["id"], "decision": decision, "version": 1 })).await;
        }
    }
    let list = app.query(CONTRIBUTORS, json!({})).await["contributors"].clone();
    assert_eq!(
        list,
        json!({ "totalCount": 2, "nodes": [{ "name": "Lin", "acceptedCount": 2 }, { "name": "Noor", "acceptedCount": 1 }] })
    );
    let first =
        app.query("{ contributors(first: 1) { pageInfo { endCursor hasNextPage } nodes { name } } }", json!({})).await;
    assert_eq!(first["contributors"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["contributors"]["pageInfo"]["endCursor"].clone();
    let next = app
        .query(
            "query($a: String) { contributors(first: 1, after: $a) { pageInfo { hasNextPage } nodes { name } } }",
            json!({ "a": cursor }),
        )
        .await;
    assert_eq!(next["contributors"]["nodes"], json!([{ "name": "Noor" }]));
    assert_eq!(next["contributors"]["pageInfo"]["hasNextPage"], false);
    for hostile in ["Y29udHJpYnV0b3I6MTg0NDY3NDQwNzM3MDk1NTE2MTU", "bm90IGEgY3Vyc29y", "%%%"] {
        let query = "query($a: String) { contributors(after: $a) { totalCount } }";
        let (_, error) = app.query_error(query, json!({ "a": hostile })).await;
        assert_eq!(error["extensions"]["field"], "after", "{hostile}: {error}");
    }
    let (_, error) = app.query_error("{ contributors(first: 101) { totalCount } }", json!({})).await;
    assert_eq!(error["extensions"]["field"], "first", "{error}");
}

#[tokio::test]
async fn open_feedback_counts_cost_one_statement_for_a_whole_page() {
    // Statements are counted on runs: no answer may come from the response cache.
    let app = spawn_app_with(|settings| settings.cache.response_cache_bytes = 0).await;
    let data = app.query("{ models(first: 3) { nodes { id slug } } }", json!({})).await;
    let models: Vec<Value> = data["models"]["nodes"].as_array().unwrap().clone();
    for (i, model) in models.iter().enumerate() {
        for j in 0..=i {
            submit(&app, json!({ "kind": "CORRECTION", "subjectId": model["id"], "body": format!("Fix {i}.{j} for this model.") }))
                .await;
        }
    }
    let plain = "{ models(first: 50) { nodes { id } } }";
    let counted = "{ models(first: 50) { nodes { id openFeedbackCount } } }";
    // Warm: the pool's first use of a connection runs set-up statements of its own.
    let statements = |query: &'static str| {
        let app = &app;
        async move {
            let mut fewest = u64::MAX;
            for _ in 0..3 {
                let before = app.statements_so_far();
                app.query(query, json!({})).await;
                fewest = fewest.min(app.statements_so_far() - before);
            }
            fewest
        }
    };
    let without = statements(plain).await;
    let with = statements(counted).await;
    let data = app.query(counted, json!({})).await;
    assert_eq!(with, without + 1, "one statement for every count on the page");
    let nodes = data["models"]["nodes"].as_array().unwrap();
    for (i, model) in models.iter().enumerate() {
        let node = nodes.iter().find(|n| n["id"] == model["id"]).unwrap();
        assert_eq!(node["openFeedbackCount"], i + 1);
    }
    assert_eq!(nodes.iter().map(|n| n["openFeedbackCount"].as_u64().unwrap()).sum::<u64>(), 6);
}
