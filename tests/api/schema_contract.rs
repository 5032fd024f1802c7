//! `schema.graphql` is the contract: it must be exactly what `ai-tracker schema` prints.

use std::process::Command;

#[test]
fn schema_graphql_is_what_the_binary_prints() {
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .arg("schema")
        .env_remove("DATABASE_URL")
        .env_remove("AI_TRACKER_JWT_SECRET")
        .output()
        .expect("ai-tracker runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    assert!(
        printed == committed,
        "schema.graphql differs from the code: run `cargo run -q -- schema > schema.graphql` and review the diff"
    );
    for contract in ["type Query", "interface Node", "scalar Date", "type ModelConnection", "totalCount: Int!"] {
        assert!(printed.contains(contract), "{contract}");
    }
}
