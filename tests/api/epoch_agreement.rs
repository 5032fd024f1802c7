//! Every figure of the starter catalog agrees with Epoch AI's data or says why not. Runs when
//! Epoch's exports are beside the checkout (`../shared/data/epoch-ai-models/`), as in CI.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ai_tracker::service::seed::{SeedModel, starter_catalog};

fn epoch_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/epoch-ai-models");
    dir.join("notable_ai_models.csv").exists().then_some(dir)
}

/// Epoch's rows by model name (trimmed, lower case); the notable file wins over large-scale.
fn epoch_rows(dir: &Path) -> HashMap<String, HashMap<String, String>> {
    let mut rows = HashMap::new();
    for file in ["large_scale_ai_models.csv", "notable_ai_models.csv"] {
        let mut reader = csv::Reader::from_path(dir.join(file)).expect("Epoch CSV opens");
        let headers = reader.headers().unwrap().clone();
        for record in reader.records() {
            let record = record.expect("a CSV record");
            let row: HashMap<String, String> =
                headers.iter().zip(record.iter()).map(|(h, v)| (h.to_owned(), v.trim().to_owned())).collect();
            rows.insert(row["Model"].to_lowercase(), row);
        }
    }
    rows
}

fn number(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    row.get(column).and_then(|v| v.parse::<f64>().ok())
}

fn differs(ours: f64, theirs: f64) -> bool {
    ((ours - theirs) / theirs).abs() > 0.01
}

fn has_note(note: &Option<String>) -> bool {
    note.as_deref().is_some_and(|n| !n.trim().is_empty())
}

#[test]
fn starter_catalog_figures_agree_with_epoch_or_say_why() {
    let Some(dir) = epoch_dir() else {
        println!("Epoch AI's exports are not beside the checkout; nothing to compare");
        return;
    };
    let epoch = epoch_rows(&dir);
    let catalog = starter_catalog().unwrap();
    let find = |m: &SeedModel| {
        std::iter::once(&m.name).chain(&m.aliases).find_map(|name| epoch.get(&name.trim().to_lowercase()))
    };
    let mut matched = 0;
    let mut explained = Vec::new();
    let mut unexplained = Vec::new();
    for model in &catalog.model {
        let Some(row) = find(model) else { continue };
        matched += 1;
        let checks = [
            ("parameters", model.parameters, number(row, "Parameters"), &model.parameters_note),
            (
                "training compute",
                model.training_compute_flop,
                number(row, "Training compute (FLOP)"),
                &model.training_compute_note,
            ),
        ];
        for (field, ours, theirs, note) in checks {
            if let (Some(ours), Some(theirs)) = (ours, theirs)
                && differs(ours, theirs)
            {
                let line = format!("{} {field}: ours {ours:e}, Epoch {theirs:e}", model.slug);
                if has_note(note) { explained.push(line) } else { unexplained.push(line) }
            }
        }
    }
    println!("{matched} of {} starter models found in Epoch's data by name or alias", catalog.model.len());
    println!("{} figures differ from Epoch with a note saying why:\n  {}", explained.len(), explained.join("\n  "));
    assert!(unexplained.is_empty(), "figures that differ from Epoch without a note:\n{}", unexplained.join("\n"));
    assert!(matched * 10 >= catalog.model.len() * 8, "most starter models should be found in Epoch's data: {matched}");
}
