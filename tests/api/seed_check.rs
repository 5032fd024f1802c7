//! `ai-tracker seed --check` as a user runs it: on the starter catalog, and on small catalogs
//! (`--dir`) that break one promise each, where every violation names its file, entry and
//! field, and the command fails.

use std::path::{Path, PathBuf};

use tokio::process::Command;

async fn seed_check(args: &[&str]) -> (bool, String, String) {
    let folder = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ai-tracker"))
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .current_dir(folder.path())
        .args(["seed", "--check"])
        .args(args)
        .output()
        .await
        .unwrap();
    assert!(!folder.path().join("ai-tracker.db").exists(), "--check touches no database");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A folder holding `files` (name, TOML).
fn catalog(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

async fn check_dir(dir: &Path, more: &[&str]) -> (bool, String, String) {
    let mut args = vec!["--dir", dir.to_str().unwrap()];
    args.extend_from_slice(more);
    seed_check(&args).await
}

/// A model with what every model needs; `extra` adds keys, `tail` adds arrays of tables.
fn model(slug: &str, extra: &str, tail: &str) -> String {
    format!(
        r#"
[[model]]
slug = "{slug}"
name = "{slug} name"
organizations = ["lab"]
announced_on = "2025-03-01"
announced_precision = "day"
input_modalities = ["text"]
output_modalities = ["text"]
access = "api"
description = "A model."
industry_context = "Context."
sources = [ {{ url = "https://arxiv.org/abs/2501.00001" }} ]
{extra}
{tail}
"#
    )
}

/// An assessment with every field, whose texts are unique to `slug` and `n`.
fn risk(slug: &str, n: usize, horizon: &str, cause: &str) -> String {
    format!(
        r#"
[[model.risk_assessments]]
horizon = "{horizon}"
cause = "{cause}"
category = "cyber_offense"
severity = "medium"
likelihood = "medium"
summary = "Risk {n} of {slug}."
rationale = """Evidence {n} about {slug} from its card."""
confidence = "likely"
assessed_on = "2026-12-01"
mit_subdomain = "cyberattacks_weapons_mass_harm"
mit_entity = "human"
mit_intent = "intentional"
mit_timing = "post_deployment"
source_url = "https://arxiv.org/abs/2501.00001"
"#
    )
}

const EXTRAPOLATED: &str = r#"
[[model.capabilities]]
capability = "code-generation"
status = "extrapolated"
evidence = "Expected of a scaled successor."
"#;

fn complete(slug: &str) -> String {
    let tail = [
        risk(slug, 1, "immediate", "accidental"),
        risk(slug, 2, "immediate", "malicious"),
        risk(slug, 3, "near_term", "structural"),
        EXTRAPOLATED.to_owned(),
    ]
    .concat();
    model(slug, "training_compute_flop = 3e25\ntraining_compute_confidence = \"confirmed\"", &tail)
}

#[tokio::test]
async fn a_catalog_that_keeps_every_promise_passes_and_its_counts_are_printed() {
    let dir = catalog(&[("models.toml", complete("big"))]);
    let (ok, stdout, stderr) = check_dir(dir.path(), &[]).await;
    assert!(ok, "{stdout}\n{stderr}");
    for line in [
        "| models | 1 |",
        "(1 with the full set)",
        "| immediate accidental | 1 |",
        "| near_term structural | 1 |",
        "| with all four MIT fields | 3 of 3 |",
        "| MIT 4.2 cyberattacks_weapons_mass_harm | 3 |",
        "point 1 (Epoch coverage) skipped: no --epoch DIR given",
        "0 violations",
    ] {
        assert!(stdout.contains(line), "{line:?} missing in\n{stdout}");
    }
}

#[tokio::test]
async fn each_rule_names_the_file_the_entry_and_the_field() {
    let incomplete_risk = risk("big", 1, "immediate", "malicious")
        .replace("mit_entity = \"human\"\n", "")
        .replace("source_url = \"https://arxiv.org/abs/2501.00001\"\n", "");
    let local_risk = risk("big", 2, "near_term", "malicious")
        .replace("https://arxiv.org/abs/2501.00001", "http://localhost:8080/card");
    let big = model(
        "big",
        "training_compute_flop = 2e25\ntraining_compute_confidence = \"likely\"\ntraining_compute_note = \"Estimated.\"",
        &[incomplete_risk, local_risk].concat(),
    )
    .replace(
        r#"sources = [ { url = "https://arxiv.org/abs/2501.00001" } ]"#,
        r#"sources = [ { url = "https://example.com/paper" }, { url = "https://arxiv.org/abs/2501.00001" }, { url = "https://arxiv.org/abs/2501.00001/" } ]"#,
    );
    let open = model(
        "open",
        "access = \"open_weights\"\ntraining_compute_flop = 2e24\ntraining_compute_confidence = \"confirmed\"\ntraining_cost_usd = 0.0\ntraining_cost_note = \"Free?\"",
        "[[model.capabilities]]\ncapability = \"code-generation\"\nstatus = \"demonstrated\"\nsource_url = \"TODO\"\n",
    )
    .replacen("access = \"api\"\n", "", 1);
    let small_open = model(
        "small-open",
        "training_compute_flop = 5e23\ntraining_compute_confidence = \"confirmed\"",
        "",
    )
    .replacen("access = \"api\"", "access = \"open_weights\"", 1);
    let copied = "The developer published no evaluation of this model for any misuse at all.";
    let copy_a = model(
        "copy-a",
        "",
        &risk("copy-a", 1, "immediate", "accidental").replace("Evidence 1 about copy-a from its card.", copied),
    );
    let copy_b = model(
        "copy-b",
        "",
        &risk("copy-b", 1, "immediate", "accidental")
            .replace("Risk 1 of copy-b.", &format!("{}!", copied.to_uppercase())),
    );
    let dir =
        catalog(&[("models-a.toml", [big, open, small_open].concat()), ("models-b.toml", [copy_a, copy_b].concat())]);
    let (ok, stdout, stderr) = check_dir(dir.path(), &[]).await;
    assert!(!ok, "violations make the command fail:\n{stdout}");
    assert!(stderr.contains("breaks"), "{stderr}");
    for line in [
        "seed/models-a.toml: model big: [point 2] needs an IMMEDIATE ACCIDENTAL risk assessment",
        "seed/models-a.toml: model big: [point 2] needs an extrapolated capability",
        "seed/models-a.toml: model big, risk_assessments[0]: [point 2] source_url is missing",
        "seed/models-a.toml: model big, risk_assessments[0]: [point 4] mit_entity is missing",
        "seed/models-a.toml: model big, risk_assessments[1]: [point 3] source_url is a placeholder or local address (localhost)",
        "seed/models-a.toml: model big: [point 3] sources[0].url is a placeholder or local address (example.com)",
        "seed/models-a.toml: model big: [point 3] sources[2].url https://arxiv.org/abs/2501.00001/ is listed twice",
        "seed/models-a.toml: model open: [point 2] needs an IMMEDIATE MALICIOUS risk assessment",
        "seed/models-a.toml: model open: [point 3] capabilities[0].source_url looks like a placeholder (contains \"todo\")",
        "seed/models-a.toml: model open: [catalog] training_cost_usd must be above zero",
        "seed/models-b.toml: model copy-a: [boilerplate] risk_assessments[0].rationale repeats a sentence found in 2 models (copy-a risk_assessments[0].rationale, copy-b risk_assessments[0].summary): \"the developer published no evaluation of this model for any misuse at all\"",
        "seed/models-b.toml: model copy-b: [boilerplate] risk_assessments[0].summary repeats a sentence",
    ] {
        assert!(stdout.contains(line), "{line:?} missing in\n{stdout}");
    }
    assert!(!stdout.contains("model small-open: [point 2]"), "open weights below 1e24 are out of scope:\n{stdout}");
    assert!(!stdout.contains("model copy-a: [point 2] needs"), "a model without compute is out of scope");
    assert!(!stdout.contains("risk_assessments[1]: [point 4]"), "a complete classification passes");
    let count = stdout.lines().filter(|l| l.contains(": [")).count();
    assert!(stdout.contains(&format!("{count} violations")), "every violation is counted:\n{stdout}");
}

#[tokio::test]
async fn a_file_that_is_not_a_catalog_is_refused_naming_it() {
    let dir = catalog(&[("broken.toml", complete("big").replace("mit_timing", "mit_timeline"))]);
    let (ok, _, stderr) = check_dir(dir.path(), &[]).await;
    assert!(!ok);
    assert!(stderr.contains("seed/broken.toml") && stderr.contains("mit_timeline"), "{stderr}");
    let (ok, _, stderr) = check_dir(Path::new("/nonexistent/seed"), &[]).await;
    assert!(!ok && stderr.contains("/nonexistent/seed"), "{stderr}");
}

#[tokio::test]
async fn epoch_coverage_is_checked_only_with_the_files() {
    let exceptions = r#"
[[coverage_exception]]
epoch_name = "Frontier 2019"
reason = "A research prototype that was never described well enough to catalog."

[[coverage_exception]]
epoch_name = "No Reason"
reason = " "
"#;
    let with_alias =
        complete("big").replace("name = \"big name\"", "name = \"Big Model\"\naliases = [\"Big-Model 2\"]");
    let dir = catalog(&[("models.toml", with_alias), ("coverage.toml", exceptions.into())]);
    let epoch = tempfile::tempdir().unwrap();
    let csv = "Model,Publication date,Training compute (FLOP),Frontier model\n\
        Big-Model (2),2024-05-01,2e25,\n\
        Missing Giant,2024-06-01,3.0e+25,\n\
        \"New Mid\n\",2025-02-01,2e24,\n\
        Old Frontier,2016-01-01,1e22,True\n\
        Frontier 2019,2019-01-01,1e22,True\n\
        Small 2025,2025-03-01,5e23,\n\
        Flagged,2023-01-01,,True\n";
    std::fs::write(epoch.path().join("notable.csv"), csv).unwrap();
    std::fs::write(
        epoch.path().join("other.csv"),
        "Model,Publication date,Training compute (FLOP)\nMissing Giant,2024-06-01,3e25\n",
    )
    .unwrap();
    let (ok, stdout, _) = check_dir(dir.path(), &["--epoch", epoch.path().to_str().unwrap()]).await;
    assert!(!ok);
    for line in [
        "notable.csv: row \"Missing Giant\": [point 1] training compute ≥ 1e25 FLOP, but no starter model has this name or alias",
        "notable.csv: row \"New Mid\": [point 1] a 2025-2026 row with training compute ≥ 1e24 FLOP",
        "notable.csv: row \"Flagged\": [point 1] flagged \"Frontier model\"",
        "seed/coverage.toml: coverage_exception No Reason: [point 1] reason is empty",
        "point 1 (Epoch coverage): 5 rows required, 1 in the catalog, 1 listed as exceptions",
    ] {
        assert!(stdout.contains(line), "{line:?} missing in\n{stdout}");
    }
    for absent in ["Big-Model (2)", "Old Frontier", "Small 2025", "other.csv", "row \"Frontier 2019\""] {
        assert!(
            !stdout.contains(&format!("{absent}\": [point 1]")) && !stdout.contains(&format!("{absent}: ")),
            "{absent}:\n{stdout}"
        );
    }

    let (_, stdout, _) = check_dir(dir.path(), &[]).await;
    assert!(stdout.contains("point 1 (Epoch coverage) skipped: no --epoch DIR given"), "{stdout}");
    let (_, stdout, _) = check_dir(dir.path(), &["--epoch", "/nonexistent/epoch"]).await;
    assert!(stdout.contains("point 1 (Epoch coverage) skipped: /nonexistent/epoch cannot be read"), "{stdout}");
}

/// The starter catalog keeps points 2 to 4: every big model has its assessment sets, sources
/// are real URLs, every assessment is classified, and no sentence is copied between models.
#[tokio::test]
async fn the_starter_catalog_keeps_points_2_to_4() {
    let (ok, stdout, stderr) = seed_check(&[]).await;
    assert!(ok, "{stdout}\n{stderr}");
}

/// Point 1 against the shared copy of Epoch AI's files, when this checkout has one.
#[tokio::test]
async fn the_starter_catalog_covers_epochs_rows() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/epoch-ai-models");
    if !dir.is_dir() {
        println!("skipped: {} is not here", dir.display());
        return;
    }
    let (ok, stdout, stderr) = seed_check(&["--epoch", dir.to_str().unwrap()]).await;
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("point 1 (Epoch coverage): "), "{stdout}");
}
