//! No contact detail reaches an anonymous caller: the test introspects the schema, walks every
//! query field it can reach (filling required arguments), and searches every response for the
//! contacts it submitted.

use std::collections::HashMap;

use ai_tracker::domain::EditorRole;
use serde_json::{Value, json};

use crate::feedback::{some_model, submit};
use crate::helpers::{TestApp, spawn_app_with};

const TYPE_REF: &str = "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// How deep the walk nests object selections below each root field.
const DEPTH: usize = 4;

struct Schema {
    types: HashMap<String, Value>,
}

/// The named type under any NON_NULL/LIST wrappers.
fn named(type_ref: &Value) -> &Value {
    if type_ref["ofType"].is_null() { type_ref } else { named(&type_ref["ofType"]) }
}

impl Schema {
    async fn introspect(app: &TestApp) -> Schema {
        let query = format!(
            "{{ __schema {{ types {{ name kind enumValues {{ name }} possibleTypes {{ name }}
                inputFields {{ name type {{ {TYPE_REF} }} }}
                fields {{ name args {{ name type {{ {TYPE_REF} }} }} type {{ {TYPE_REF} }} }} }} }} }}"
        );
        let data = app.query(&query, json!({})).await;
        let types = data["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
            .collect();
        Schema { types }
    }

    /// A GraphQL literal for a required argument of `type_ref`; `known` supplies real values
    /// by argument name.
    fn literal(&self, name: &str, type_ref: &Value, known: &HashMap<&str, String>) -> Option<String> {
        if let Some(value) = known.get(name) {
            return Some(format!("{value:?}"));
        }
        match type_ref["kind"].as_str().unwrap() {
            "NON_NULL" => self.literal(name, &type_ref["ofType"], known),
            "LIST" => self.literal(name, &type_ref["ofType"], known).map(|v| format!("[{v}]")),
            "ENUM" => {
                let t = &self.types[type_ref["name"].as_str().unwrap()];
                Some(t["enumValues"][0]["name"].as_str().unwrap().to_owned())
            }
            "INPUT_OBJECT" => {
                let t = &self.types[type_ref["name"].as_str().unwrap()];
                let mut fields = Vec::new();
                for field in t["inputFields"].as_array().unwrap() {
                    if field["type"]["kind"] == "NON_NULL" {
                        let name = field["name"].as_str().unwrap();
                        fields.push(format!("{name}: {}", self.literal(name, &field["type"], known)?));
                    }
                }
                Some(format!("{{ {} }}", fields.join(", ")))
            }
            _ => match type_ref["name"].as_str().unwrap() {
                "Int" => Some("3".into()),
                "Float" => Some("1.0".into()),
                "Boolean" => Some("true".into()),
                "String" | "ID" => Some("\"a\"".into()),
                "Date" => Some("\"2020-01-01\"".into()),
                _ => None,
            },
        }
    }

    /// The arguments for a field: every required one, and `first: 3` to keep pages small.
    fn arguments(&self, field: &Value, known: &HashMap<&str, String>) -> Option<String> {
        let mut args = Vec::new();
        for arg in field["args"].as_array().unwrap() {
            let name = arg["name"].as_str().unwrap();
            if name == "first" {
                args.push("first: 3".to_owned());
            } else if arg["type"]["kind"] == "NON_NULL" {
                args.push(format!("{name}: {}", self.literal(name, &arg["type"], known)?));
            }
        }
        Some(if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) })
    }

    /// Every field of `type_name` down to `depth` levels of objects.
    fn selection(&self, type_name: &str, depth: usize, known: &HashMap<&str, String>) -> String {
        let t = &self.types[type_name];
        let mut parts = vec!["__typename".to_owned()];
        match t["kind"].as_str().unwrap() {
            "INTERFACE" | "UNION" => {
                if depth > 0 {
                    for possible in t["possibleTypes"].as_array().unwrap() {
                        let name = possible["name"].as_str().unwrap();
                        parts.push(format!("... on {name} {{ {} }}", self.selection(name, depth - 1, known)));
                    }
                }
            }
            _ => {
                for field in t["fields"].as_array().unwrap() {
                    let Some(args) = self.arguments(field, known) else { continue };
                    let name = field["name"].as_str().unwrap();
                    let target = named(&field["type"]);
                    match target["kind"].as_str().unwrap() {
                        "SCALAR" | "ENUM" => parts.push(format!("{name}{args}")),
                        _ if depth > 0 => {
                            let inner = self.selection(target["name"].as_str().unwrap(), depth - 1, known);
                            parts.push(format!("{name}{args} {{ {inner} }}"));
                        }
                        _ => {}
                    }
                }
            }
        }
        parts.join(" ")
    }
}

#[tokio::test]
async fn no_contact_is_reachable_by_an_anonymous_client() {
    let app = spawn_app_with(|s| {
        // Every field to a depth of several objects multiplies out; the walk is about privacy,
        // not cost, so it may ask for more than any client could.
        s.limits.max_complexity = 1_000_000_000;
        s.limits.max_depth = 64;
        // The walk asks for everything, many times over: more than an hour's anonymous budget.
        s.limits.query_budget_anonymous = 0;
    })
    .await;
    let (model_id, slug) = some_model(&app).await;
    let token = app.editor_token(EditorRole::Editor).await;
    let contacts: Vec<String> = (0..4).map(|i| format!("private-contact-{i}@secret.example")).collect();
    let mut codes = Vec::new();
    let mut ids = Vec::new();
    for (i, contact) in contacts.iter().enumerate() {
        let receipt = submit(
            &app,
            json!({ "kind": "CORRECTION", "subjectId": model_id, "body": format!("A correction, number {i}."),
                    "submitterName": format!("Reader {i}"), "contact": contact, "creditConsent": i % 2 == 0 }),
        )
        .await;
        codes.push(receipt["trackingCode"].as_str().unwrap().to_owned());
        ids.push(receipt["id"].as_str().unwrap().to_owned());
        if i < 2 {
            let review = "mutation($id: ID!) { reviewFeedback(id: $id, decision: ACCEPT, resolution: \"Fixed.\",
                expectedVersion: 1) { status } }";
            app.query_as(&token, review, json!({ "id": receipt["id"] })).await;
        }
    }

    let schema = Schema::introspect(&app).await;
    let mut known: HashMap<&str, String> = HashMap::new();
    known.insert("slug", slug.clone());
    known.insert("trackingCode", codes[0].clone());
    known.insert("id", model_id.clone());
    known.insert("entityId", model_id.clone());

    let mut responses = Vec::new();
    let mut walked = Vec::new();
    let query_type = &schema.types["Query"];
    for field in query_type["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap();
        let Some(args) = schema.arguments(field, &known) else {
            panic!("the walk cannot fill the arguments of Query.{name}: teach it");
        };
        let target = named(&field["type"]);
        let query = match target["kind"].as_str().unwrap() {
            "SCALAR" | "ENUM" => format!("{{ {name}{args} }}"),
            _ => format!(
                "{{ {name}{args} {{ {} }} }}",
                schema.selection(target["name"].as_str().unwrap(), DEPTH, &known)
            ),
        };
        let (_, body) = app.post_graphql(&query, json!({})).await;
        walked.push(name.to_owned());
        responses.push(body);
    }
    // The private records by their own IDs, and each submission's public status.
    for id in &ids {
        let query =
            "query($id: ID!) { node(id: $id) { id } revisions(entityId: $id) { totalCount nodes { before after } } }";
        responses.push(app.post_graphql(query, json!({ "id": id })).await.1);
    }
    for code in &codes {
        let query = "query($c: String!) { feedbackStatus(trackingCode: $c) { trackingCode kind status resolution } }";
        responses.push(app.post_graphql(query, json!({ "c": code })).await.1);
    }

    let everything = serde_json::to_string(&responses).unwrap();
    println!(
        "walked {} root fields anonymously ({} bytes of responses): {}",
        walked.len(),
        everything.len(),
        walked.join(", ")
    );
    for contact in &contacts {
        assert!(!everything.contains(contact.as_str()), "{contact} reached an anonymous client");
        assert!(!everything.contains("secret.example"), "a contact's domain reached an anonymous client");
    }
    // The walk saw real data: the model page, the credited reader and the status of a submission.
    assert!(everything.contains(&slug), "the walk did not reach the catalog");
    assert!(everything.contains("Reader 0"), "the walk did not reach the contributors");
    assert!(everything.contains("\"openFeedbackCount\":2"), "the walk did not reach the open counts");
    // And an editor does see the contacts, so the search above would have found them.
    let queue = app.query_as(&token, "{ feedbackQueue { nodes { contact } } }", json!({})).await.to_string();
    assert!(contacts.iter().all(|c| queue.contains(c.as_str())), "{queue}");
}
