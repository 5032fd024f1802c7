//! `ai-tracker seed --check`: the promises of issue 19 about the starter catalog, each broken
//! promise reported with its file, entry and field, all of them at once.
//!
//! - point 1 (with Epoch AI's files): every Epoch row at or above 1e25 FLOP, every 2025-2026 row
//!   at or above 1e24 FLOP and every "Frontier model" row from 2017 on is a starter model (by
//!   name or alias), or a `[[coverage_exception]]` with a reason;
//! - point 2: every model at or above 1e25 FLOP, and every open-weights model at or above 1e24,
//!   has an immediate accidental, an immediate malicious and a near-term assessment and an
//!   extrapolated capability; every assessment has a rationale, a confidence and a source;
//! - point 3: every source URL is http(s), not a placeholder, and listed once per entry;
//! - point 4: every assessment has the four MIT AI Risk Repository fields;
//! - no boilerplate: no sentence of eight or more words in the risk or capability texts of two
//!   different models;
//! - a training cost, when given, is above zero; and the promises the loader checks
//!   (organizations, sources, notes on estimates).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use super::{SeedCatalog, SeedModel, check_model};
use crate::domain::{Access, CapabilityStatus, MitSubdomain, RiskCause, RiskHorizon};
use crate::service::ServiceError;

/// Training compute from which every model needs the full set of assessments.
pub const FRONTIER_FLOP: f64 = 1e25;
/// The same for open-weights models, and point 1's bar for 2025-2026 releases.
pub const OPEN_WEIGHTS_FLOP: f64 = 1e24;
/// The shortest sentence the boilerplate rule counts, in words.
pub const BOILERPLATE_WORDS: usize = 8;

/// One broken promise.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The file, e.g. `seed/models-2023-2026.toml` or an Epoch CSV.
    pub file: String,
    /// The entry, e.g. `model gpt-4`.
    pub entry: String,
    /// Which promise, e.g. `point 2`.
    pub rule: &'static str,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: [{}] {}", self.file, self.entry, self.rule, self.message)
    }
}

/// What the check found: the violations and the catalog's counts.
#[derive(Debug)]
pub struct Report {
    pub violations: Vec<Violation>,
    pub counts: Counts,
    /// Point 1's result, or why it was skipped.
    pub epoch: EpochCoverage,
}

#[derive(Debug)]
pub enum EpochCoverage {
    Skipped(String),
    Checked { required: usize, matched: usize, excepted: usize },
}

/// The figures `seed/README.md` shows.
#[derive(Debug, Default)]
pub struct Counts {
    pub models: usize,
    pub with_compute: usize,
    /// Models point 2 applies to.
    pub in_scope: usize,
    /// Of those, the ones with the full set.
    pub complete: usize,
    pub assessments: usize,
    /// (horizon, cause) -> assessments.
    pub by_horizon_and_cause: BTreeMap<(RiskHorizon, RiskCause), usize>,
    /// Assessments with all four MIT fields.
    pub classified: usize,
    pub with_source: usize,
    pub by_subdomain: BTreeMap<MitSubdomain, usize>,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| models | {} |", self.models)?;
        writeln!(f, "| models with training compute | {} |", self.with_compute)?;
        writeln!(
            f,
            "| models ≥ 1e25 FLOP, or open weights ≥ 1e24 (point 2) | {} ({} with the full set) |",
            self.in_scope, self.complete
        )?;
        writeln!(f, "| risk assessments | {} |", self.assessments)?;
        for ((horizon, cause), n) in &self.by_horizon_and_cause {
            writeln!(f, "| {horizon} {cause} | {n} |")?;
        }
        writeln!(f, "| with all four MIT fields | {} of {} |", self.classified, self.assessments)?;
        writeln!(f, "| with a source URL | {} of {} |", self.with_source, self.assessments)?;
        for (subdomain, n) in &self.by_subdomain {
            writeln!(f, "| MIT {} {subdomain} | {n} |", subdomain.code())?;
        }
        Ok(())
    }
}

impl Report {
    /// Every line `seed --check` prints: the violations, then the counts.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for v in &self.violations {
            out.push_str(&format!("{v}\n"));
        }
        out.push_str("\n| what | count |\n|---|---|\n");
        out.push_str(&self.counts.to_string());
        match &self.epoch {
            EpochCoverage::Skipped(why) => out.push_str(&format!("\npoint 1 (Epoch coverage) skipped: {why}\n")),
            EpochCoverage::Checked { required, matched, excepted } => out.push_str(&format!(
                "\npoint 1 (Epoch coverage): {required} rows required, {matched} in the catalog, {excepted} listed as exceptions\n"
            )),
        }
        out.push_str(&format!("{} violations\n", self.violations.len()));
        out
    }
}

fn violation(file: &str, entry: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Violation {
    Violation { file: format!("seed/{file}"), entry: entry.into(), rule, message: message.into() }
}

/// Checks `catalog`, and with `epoch` (a folder of Epoch AI CSV files) point 1 as well.
pub fn run(catalog: &SeedCatalog, epoch: Option<&Path>) -> Report {
    let mut violations = Vec::new();
    let mut counts = Counts { models: catalog.model.len(), ..Counts::default() };
    for m in &catalog.model {
        let entry = format!("model {}", m.slug);
        if let Err(ServiceError::BadInput { message, .. }) = check_model(m) {
            violations.push(violation(&m.file, &entry, "catalog", message));
        }
        if m.training_cost_usd.is_some_and(|c| c.is_nan() || c <= 0.0) {
            violations.push(violation(&m.file, &entry, "catalog", "training_cost_usd must be above zero"));
        }
        counts.with_compute += usize::from(m.training_compute_flop.is_some());
        if in_scope(m) {
            counts.in_scope += 1;
            let missing = point_two(m);
            counts.complete += usize::from(missing.is_empty());
            for what in missing {
                violations.push(violation(&m.file, &entry, "point 2", format!("needs {what}")));
            }
        }
        sources(m, &entry, &mut violations);
        for (i, r) in m.risk_assessments.iter().enumerate() {
            let at = format!("{entry}, risk_assessments[{i}]");
            counts.assessments += 1;
            *counts.by_horizon_and_cause.entry((r.horizon, r.cause)).or_default() += 1;
            if r.rationale.trim().is_empty() {
                violations.push(violation(&m.file, &at, "point 2", "rationale is empty"));
            }
            match &r.source_url {
                Some(_) => counts.with_source += 1,
                None => violations.push(violation(&m.file, &at, "point 2", "source_url is missing")),
            }
            let mit = [
                ("mit_subdomain", r.mit_subdomain.is_some()),
                ("mit_entity", r.mit_entity.is_some()),
                ("mit_intent", r.mit_intent.is_some()),
                ("mit_timing", r.mit_timing.is_some()),
            ];
            for (field, present) in mit {
                if !present {
                    violations.push(violation(&m.file, &at, "point 4", format!("{field} is missing")));
                }
            }
            if mit.iter().all(|(_, present)| *present) {
                counts.classified += 1;
            }
            if let Some(s) = r.mit_subdomain {
                *counts.by_subdomain.entry(s).or_default() += 1;
            }
        }
    }
    violations.extend(boilerplate(catalog));
    let epoch = match epoch {
        None => EpochCoverage::Skipped("no --epoch DIR given".into()),
        Some(dir) => coverage(catalog, dir, &mut violations),
    };
    for e in &catalog.coverage_exception {
        if e.reason.trim().is_empty() {
            violations.push(violation(
                &e.file,
                format!("coverage_exception {}", e.epoch_name),
                "point 1",
                "reason is empty",
            ));
        }
    }
    Report { violations, counts, epoch }
}

/// Whether point 2 applies to the model.
pub fn in_scope(m: &SeedModel) -> bool {
    let compute = m.training_compute_flop.unwrap_or(0.0);
    compute >= FRONTIER_FLOP || (m.access == Access::OpenWeights && compute >= OPEN_WEIGHTS_FLOP)
}

/// What the model lacks of point 2's set.
fn point_two(m: &SeedModel) -> Vec<&'static str> {
    let has = |horizon: RiskHorizon, cause: Option<RiskCause>| {
        m.risk_assessments.iter().any(|r| r.horizon == horizon && cause.is_none_or(|c| r.cause == c))
    };
    let mut missing = Vec::new();
    if !has(RiskHorizon::Immediate, Some(RiskCause::Accidental)) {
        missing.push("an IMMEDIATE ACCIDENTAL risk assessment");
    }
    if !has(RiskHorizon::Immediate, Some(RiskCause::Malicious)) {
        missing.push("an IMMEDIATE MALICIOUS risk assessment");
    }
    if !has(RiskHorizon::NearTerm, None) {
        missing.push("a NEAR_TERM risk assessment");
    }
    if !m.capabilities.iter().any(|c| c.status == CapabilityStatus::Extrapolated) {
        missing.push("an extrapolated capability");
    }
    missing
}

/// Why `url` is not a real source, if it is not.
pub fn url_problem(url: &str) -> Option<String> {
    let lower = url.to_lowercase();
    for marker in ["todo", "tbd", "fixme", "xxx", "placeholder", "lorem", "<", ">", " "] {
        if lower.contains(marker) {
            return Some(format!("looks like a placeholder (contains {marker:?})"));
        }
    }
    let parsed = match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        _ => return Some("is not an absolute http or https URL".into()),
    };
    let host = parsed.host_str().unwrap_or_default().trim_end_matches('.').to_lowercase();
    let reserved = ["example.com", "example.org", "example.net", "localhost"];
    let reserved_tld = [".example", ".test", ".invalid", ".localhost", ".local"];
    if host.is_empty()
        || reserved.iter().any(|r| host == *r || host.ends_with(&format!(".{r}")))
        || reserved_tld.iter().any(|t| host.ends_with(t))
        || ["127.0.0.1", "0.0.0.0", "[::1]", "[::]"].contains(&host.as_str())
    {
        return Some(format!("is a placeholder or local address ({host})"));
    }
    None
}

/// Point 3 for one model: its sources, its capabilities' and its assessments' source URLs.
fn sources(m: &SeedModel, entry: &str, violations: &mut Vec<Violation>) {
    let mut seen = BTreeSet::new();
    for (i, s) in m.sources.iter().enumerate() {
        if let Some(problem) = url_problem(&s.url) {
            violations.push(violation(&m.file, entry, "point 3", format!("sources[{i}].url {problem}")));
        }
        if !seen.insert(s.url.trim_end_matches('/')) {
            violations.push(violation(
                &m.file,
                entry,
                "point 3",
                format!("sources[{i}].url {} is listed twice", s.url),
            ));
        }
    }
    for (i, c) in m.capabilities.iter().enumerate() {
        if let Some(problem) = c.source_url.as_deref().and_then(url_problem) {
            violations.push(violation(&m.file, entry, "point 3", format!("capabilities[{i}].source_url {problem}")));
        }
    }
    for (i, r) in m.risk_assessments.iter().enumerate() {
        if let Some(problem) = r.source_url.as_deref().and_then(url_problem) {
            let at = format!("{entry}, risk_assessments[{i}]");
            violations.push(violation(&m.file, &at, "point 3", format!("source_url {problem}")));
        }
    }
}

/// A sentence as the boilerplate rule compares it: lower case, letters and digits, one space.
fn normalize(sentence: &str) -> String {
    let cleaned: String = sentence
        .chars()
        .map(|c| if c.is_alphanumeric() { c.to_lowercase().next().unwrap_or(c) } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The sentences of a text: split after `.`, `!` or `?` followed by white space, and at line
/// breaks.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (k, (i, c)) in chars.iter().enumerate() {
        let next_is_space = chars.get(k + 1).is_none_or(|(_, n)| n.is_whitespace());
        if *c == '\n' || (matches!(c, '.' | '!' | '?') && next_is_space) {
            out.push(&text[start..*i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&text[start..]);
    out.retain(|s| !s.trim().is_empty());
    out
}

/// Every sentence of eight or more words that appears in the texts of two different models.
fn boilerplate(catalog: &SeedCatalog) -> Vec<Violation> {
    let mut seen: HashMap<String, Vec<(&SeedModel, String)>> = HashMap::new();
    for m in &catalog.model {
        let mut texts: Vec<(String, &str)> = Vec::new();
        for (i, r) in m.risk_assessments.iter().enumerate() {
            texts.push((format!("risk_assessments[{i}].summary"), &r.summary));
            texts.push((format!("risk_assessments[{i}].rationale"), &r.rationale));
        }
        for (i, c) in m.capabilities.iter().enumerate() {
            if let Some(evidence) = &c.evidence {
                texts.push((format!("capabilities[{i}].evidence"), evidence));
            }
        }
        for (field, text) in texts {
            for sentence in sentences(text) {
                let key = normalize(sentence);
                if key.split(' ').count() < BOILERPLATE_WORDS {
                    continue;
                }
                let places = seen.entry(key).or_default();
                if !places.iter().any(|(other, _)| other.slug == m.slug) {
                    places.push((m, field.clone()));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (sentence, places) in seen {
        if places.len() < 2 {
            continue;
        }
        let all: Vec<String> = places.iter().map(|(m, field)| format!("{} {field}", m.slug)).collect();
        for (m, field) in &places {
            out.push(violation(
                &m.file,
                format!("model {}", m.slug),
                "boilerplate",
                format!(
                    "{field} repeats a sentence found in {} models ({}): \"{sentence}\"",
                    places.len(),
                    all.join(", ")
                ),
            ));
        }
    }
    out.sort();
    out
}

/// Lower-case letters and digits only: how Epoch's names meet ours.
pub fn name_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Point 1: the rows of the CSV files in `dir` that the catalog must hold.
fn coverage(catalog: &SeedCatalog, dir: &Path, violations: &mut Vec<Violation>) -> EpochCoverage {
    let listed = match std::fs::read_dir(dir) {
        Ok(listed) => listed,
        Err(e) => return EpochCoverage::Skipped(format!("{} cannot be read: {e}", dir.display())),
    };
    let mut paths: Vec<_> =
        listed.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "csv")).collect();
    paths.sort();
    if paths.is_empty() {
        return EpochCoverage::Skipped(format!("{} holds no CSV file", dir.display()));
    }
    let names: BTreeSet<String> =
        catalog.model.iter().flat_map(|m| std::iter::once(&m.name).chain(&m.aliases)).map(|n| name_key(n)).collect();
    let excepted: BTreeSet<String> = catalog.coverage_exception.iter().map(|e| name_key(&e.epoch_name)).collect();
    let (mut required, mut matched, mut exceptions) = (BTreeSet::new(), 0, 0);
    for path in paths {
        let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut reader = match csv::ReaderBuilder::new().flexible(true).from_path(&path) {
            Ok(reader) => reader,
            Err(e) => {
                violations.push(Violation { file, entry: "the file".into(), rule: "point 1", message: e.to_string() });
                continue;
            }
        };
        let headers = reader.headers().cloned().unwrap_or_default();
        let column = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(model), Some(date), Some(compute)) =
            (column("Model"), column("Publication date"), column("Training compute (FLOP)"))
        else {
            violations.push(Violation {
                file,
                entry: "the header".into(),
                rule: "point 1",
                message: "lacks Model, Publication date or Training compute (FLOP)".into(),
            });
            continue;
        };
        let frontier = column("Frontier model");
        for record in reader.records().filter_map(Result::ok) {
            let name = record.get(model).unwrap_or_default().trim();
            let year: i32 = record.get(date).and_then(|d| d.get(..4)).and_then(|y| y.parse().ok()).unwrap_or(0);
            let flop: f64 = record.get(compute).and_then(|c| c.trim().parse().ok()).unwrap_or(0.0);
            let flagged = frontier.and_then(|i| record.get(i)).is_some_and(|v| v.trim() == "True");
            let why = if flop >= FRONTIER_FLOP {
                "training compute ≥ 1e25 FLOP"
            } else if (2025..=2026).contains(&year) && flop >= OPEN_WEIGHTS_FLOP {
                "a 2025-2026 row with training compute ≥ 1e24 FLOP"
            } else if flagged && year >= 2017 {
                "flagged \"Frontier model\""
            } else {
                continue;
            };
            let key = name_key(name);
            if !required.insert(key.clone()) {
                continue; // the same model in another file
            }
            if names.contains(&key) {
                matched += 1;
            } else if excepted.contains(&key) {
                exceptions += 1;
            } else {
                violations.push(Violation {
                    file: file.clone(),
                    entry: format!("row {name:?}"),
                    rule: "point 1",
                    message: format!(
                        "{why}, but no starter model has this name or alias, and no [[coverage_exception]] lists it"
                    ),
                });
            }
        }
    }
    EpochCoverage::Checked { required: required.len(), matched, excepted: exceptions }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_and_normalize() {
        let text = "One two three. Four, five! The GPT-4 system card (2023) says so.\nNext line";
        let keys: Vec<String> = sentences(text).into_iter().map(normalize).collect();
        assert_eq!(keys, ["one two three", "four five", "the gpt 4 system card 2023 says so", "next line"]);
        assert_eq!(name_key("GPT-4o (May 2024)"), "gpt4omay2024");
    }

    #[test]
    fn placeholders_and_local_addresses_are_refused() {
        for bad in [
            "https://example.com/paper",
            "http://localhost:8080/x",
            "https://docs.example.org",
            "TODO",
            "https://arxiv.org/abs/TODO",
            "ftp://arxiv.org/abs/1",
            "https://127.0.0.1/",
        ] {
            assert!(url_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(url_problem("https://arxiv.org/abs/2303.08774"), None);
    }
}
