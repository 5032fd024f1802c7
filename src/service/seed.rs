//! The starter catalog in `seed/`, compiled into the binary and loaded in one transaction into an
//! empty database. It is written through the edit pipeline (`edits::create_in`), so every entry
//! passes the same checks as an editor's write and gets the same "create" revision. The files are
//! parsed, and the promises the starter catalog makes beyond those checks (sources, notes on
//! estimates) are checked, before anything is written.

pub mod check;

use std::collections::HashMap;

use chrono::NaiveDate;
use include_dir::{Dir, include_dir};
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait};
use serde::Deserialize;

use super::edits::{
    self, CapabilityLink, CapabilityRecord, DatasetRecord, ModelRecord, OrganizationRecord, Record,
    RiskAssessmentRecord, SourceRecord,
};
use super::predictions::{self, Resolution};
use super::{Actor, ServiceError, ServiceResult, begin_write, validate};
use crate::domain::{
    Access, CapabilityCategory, CapabilityStatus, Confidence, DatePrecision, Likelihood, MitEntity, MitIntent,
    MitSubdomain, MitTiming, Modality, OrganizationKind, PredictionOutcome, RiskCategory, RiskCause, RiskHorizon,
    Severity, SizeUnit,
};
use crate::entity::{model, organization};

static SEED_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/seed");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCatalog {
    #[serde(default)]
    pub organization: Vec<SeedOrganization>,
    #[serde(default)]
    pub capability: Vec<SeedCapability>,
    #[serde(default)]
    pub dataset: Vec<SeedDataset>,
    #[serde(default)]
    pub model: Vec<SeedModel>,
    /// Epoch AI rows the catalog leaves out on purpose (`seed --check --epoch`).
    #[serde(default)]
    pub coverage_exception: Vec<CoverageException>,
}

/// A row of Epoch AI's files that point 1 of issue 19 would require, left out with a reason.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageException {
    /// The file it was read from, under `seed/`.
    #[serde(skip)]
    pub file: String,
    /// The row's `Model` as Epoch spells it.
    pub epoch_name: String,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrganization {
    /// The file it was read from, under `seed/`.
    #[serde(skip)]
    pub file: String,
    pub slug: String,
    pub name: String,
    pub kind: OrganizationKind,
    pub country: String,
    pub website: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedCapability {
    /// The file it was read from, under `seed/`.
    #[serde(skip)]
    pub file: String,
    pub slug: String,
    pub name: String,
    pub category: CapabilityCategory,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDataset {
    /// The file it was read from, under `seed/`.
    #[serde(skip)]
    pub file: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub size: Option<f64>,
    pub size_unit: Option<SizeUnit>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSource {
    pub url: String,
    pub title: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedModelCapability {
    pub capability: String,
    pub status: CapabilityStatus,
    pub evidence: Option<String>,
    pub source_url: Option<String>,
    /// An extrapolation's outcome, where its successor is in the catalog (issue 17).
    pub resolution: Option<SeedResolution>,
}

/// How a prediction of the starter catalog came out: written as a resolution revision when the
/// catalog loads (hindsight, since the catalog was written after its successors shipped).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedResolution {
    pub outcome: PredictionOutcome,
    /// The successor's slug; needed for every outcome but `unresolvable`.
    pub successor: Option<String>,
    pub evidence: String,
    pub source_url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRiskAssessment {
    pub horizon: RiskHorizon,
    pub cause: RiskCause,
    pub category: RiskCategory,
    pub severity: Severity,
    pub likelihood: Likelihood,
    pub summary: String,
    pub rationale: String,
    pub confidence: Confidence,
    pub assessed_on: NaiveDate,
    pub author: Option<String>,
    /// The MIT AI Risk Repository classification; `seed --check` requires all four.
    pub mit_subdomain: Option<MitSubdomain>,
    pub mit_entity: Option<MitEntity>,
    pub mit_intent: Option<MitIntent>,
    pub mit_timing: Option<MitTiming>,
    /// The evidence the rationale cites; `seed --check` requires it.
    pub source_url: Option<String>,
    /// A near-term assessment's outcome, where its successor is in the catalog (issue 17).
    pub resolution: Option<SeedResolution>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedModel {
    /// The file it was read from, under `seed/`.
    #[serde(skip)]
    pub file: String,
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub organizations: Vec<String>,
    pub announced_on: NaiveDate,
    pub announced_precision: DatePrecision,
    pub input_modalities: Vec<Modality>,
    pub output_modalities: Vec<Modality>,
    pub parameters: Option<f64>,
    /// A 90% interval around `parameters`, only where a cited source states one.
    pub parameters_low: Option<f64>,
    pub parameters_high: Option<f64>,
    pub parameters_confidence: Option<Confidence>,
    pub parameters_note: Option<String>,
    pub training_compute_flop: Option<f64>,
    /// An interval around `training_compute_flop`, only where the note states one.
    pub training_compute_flop_low: Option<f64>,
    pub training_compute_flop_high: Option<f64>,
    pub finetune_compute_flop: Option<f64>,
    pub post_training_compute_flop: Option<f64>,
    pub training_compute_confidence: Option<Confidence>,
    pub training_compute_note: Option<String>,
    pub training_dataset: Option<String>,
    pub training_dataset_size: Option<f64>,
    pub training_dataset_size_unit: Option<SizeUnit>,
    #[serde(default)]
    pub datasets: Vec<String>,
    pub hardware: Option<String>,
    pub training_cost_usd: Option<f64>,
    pub training_cost_note: Option<String>,
    pub access: Access,
    pub license: Option<String>,
    pub base_model: Option<String>,
    pub description: String,
    pub industry_context: String,
    pub sources: Vec<SeedSource>,
    #[serde(default)]
    pub capabilities: Vec<SeedModelCapability>,
    #[serde(default)]
    pub risk_assessments: Vec<SeedRiskAssessment>,
}

/// Parses every `seed/*.toml` file and checks the starter catalog's own promises.
pub fn starter_catalog() -> ServiceResult<SeedCatalog> {
    let catalog = starter_catalog_unchecked()?;
    check(&catalog)?;
    Ok(catalog)
}

/// The built-in starter catalog, parsed but not checked: `seed --check` reports every broken
/// promise instead of stopping at the first.
pub fn starter_catalog_unchecked() -> ServiceResult<SeedCatalog> {
    let mut files: Vec<_> = SEED_DIR.files().filter(|f| f.path().extension().is_some_and(|e| e == "toml")).collect();
    files.sort_by_key(|f| f.path());
    parse(files.into_iter().map(|file| {
        let name = file.path().to_str().unwrap_or("(a file whose name is not UTF-8)").to_owned();
        let text = file.contents_utf8().ok_or_else(|| ServiceError::bad_input(format!("seed/{name}"), "is not UTF-8"));
        (name, text.map(str::to_owned))
    }))
}

/// Parses every `*.toml` file in `dir` as a starter catalog (for `seed --check --dir`), without
/// checking its promises: the check reports those.
pub fn catalog_in(dir: &std::path::Path) -> ServiceResult<SeedCatalog> {
    let listed = std::fs::read_dir(dir)
        .map_err(|e| ServiceError::bad_input(dir.display().to_string(), format!("cannot be read: {e}")))?;
    let mut paths: Vec<_> = listed
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    parse(paths.into_iter().map(|path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ServiceError::bad_input(format!("seed/{name}"), format!("cannot be read: {e}")));
        (name, text)
    }))
}

/// The catalog the files hold, each entry knowing its file; a file that is not a catalog is
/// refused naming it.
fn parse(files: impl Iterator<Item = (String, ServiceResult<String>)>) -> ServiceResult<SeedCatalog> {
    let mut catalog = SeedCatalog::default();
    for (name, text) in files {
        let at = format!("seed/{name}");
        let mut part: SeedCatalog = toml::from_str(&text?).map_err(|e| ServiceError::bad_input(&at, e.to_string()))?;
        part.organization.iter_mut().for_each(|o| o.file = name.clone());
        part.capability.iter_mut().for_each(|c| c.file = name.clone());
        part.dataset.iter_mut().for_each(|d| d.file = name.clone());
        part.model.iter_mut().for_each(|m| m.file = name.clone());
        part.coverage_exception.iter_mut().for_each(|e| e.file = name.clone());
        catalog.organization.extend(part.organization);
        catalog.capability.extend(part.capability);
        catalog.dataset.extend(part.dataset);
        catalog.model.extend(part.model);
        catalog.coverage_exception.extend(part.coverage_exception);
    }
    Ok(catalog)
}

/// How errors name an entry: its file and its slug.
pub(crate) fn at(file: &str, noun: &str, slug: &str) -> String {
    format!("seed/{file}: {noun} `{slug}`")
}

impl SeedModel {
    pub(crate) fn at(&self) -> String {
        at(&self.file, "model", &self.slug)
    }
}

/// An estimated figure says how sure it is, and why unless it is confirmed.
fn check_figure(
    m: &SeedModel,
    field: &str,
    value: Option<f64>,
    confidence: Option<Confidence>,
    note: &Option<String>,
) -> ServiceResult<()> {
    if value.is_none() {
        return Ok(());
    }
    let confidence =
        confidence.ok_or_else(|| ServiceError::bad_input(m.at(), format!("{field} needs {field}_confidence")))?;
    if confidence != Confidence::Confirmed && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(ServiceError::bad_input(m.at(), format!("an estimated {field} needs {field}_note")));
    }
    Ok(())
}

/// What the starter catalog promises beyond what any write is checked for; the rest (slugs,
/// countries, URLs, ranges, references) is checked as each entry is written.
fn check(catalog: &SeedCatalog) -> ServiceResult<()> {
    catalog.model.iter().try_for_each(check_model)
}

/// One model's part of [`check`].
pub(crate) fn check_model(m: &SeedModel) -> ServiceResult<()> {
    let missing = |what: &str| Err(ServiceError::bad_input(m.at(), format!("needs {what}")));
    if m.organizations.is_empty() {
        return missing("an organization");
    }
    if m.sources.is_empty() {
        return missing("a source");
    }
    if m.description.trim().is_empty() || m.industry_context.trim().is_empty() {
        return missing("a description and industry context");
    }
    check_figure(m, "parameters", m.parameters, m.parameters_confidence, &m.parameters_note)?;
    check_figure(
        m,
        "training_compute",
        m.training_compute_flop,
        m.training_compute_confidence,
        &m.training_compute_note,
    )?;
    if m.training_cost_usd.is_some() && m.training_cost_note.is_none() {
        return Err(ServiceError::bad_input(m.at(), "a training cost needs training_cost_note"));
    }
    let intervals = [
        (
            "parameters",
            m.parameters,
            m.parameters_low,
            m.parameters_high,
            validate::parameters as fn(&str, Option<f64>) -> ServiceResult<()>,
        ),
        (
            "training_compute_flop",
            m.training_compute_flop,
            m.training_compute_flop_low,
            m.training_compute_flop_high,
            validate::flop,
        ),
    ];
    for (name, estimate, low, high, check) in intervals {
        // The seed spells the bounds `<name>_low` and `<name>_high`.
        validate::interval(name, estimate, low, high, check).map_err(|error| match error {
            ServiceError::BadInput { field, message } => {
                let field = field.replace("Low", "_low").replace("High", "_high");
                ServiceError::bad_input(m.at(), format!("{field} {message}"))
            }
            other => other,
        })?;
    }
    Ok(())
}

/// Loads the starter catalog if the database has no catalog yet. Returns whether it loaded.
pub async fn load_if_empty(db: &DatabaseConnection) -> ServiceResult<bool> {
    let models = model::Entity::find().count(db).await?;
    let orgs = organization::Entity::find().count(db).await?;
    if models > 0 || orgs > 0 {
        return Ok(false);
    }
    load(db).await?;
    Ok(true)
}

/// Who the history says wrote the starter catalog.
pub const LOADER: &str = "AI Tracker starter catalog";

/// Who a risk assessment without an author is credited to.
const EDITORS: &str = "AI Tracker editors";

/// Loads the starter catalog, and a "create" revision for each entry, in one transaction;
/// fails (writing nothing) if a slug exists.
pub async fn load(db: &DatabaseConnection) -> ServiceResult<SeedSummary> {
    let catalog = starter_catalog()?;
    let txn = begin_write(db).await?;
    let summary = write(&txn, &catalog).await?;
    txn.commit().await?;
    Ok(summary)
}

#[derive(Debug)]
pub struct SeedSummary {
    pub organizations: usize,
    pub capabilities: usize,
    pub datasets: usize,
    pub models: usize,
    pub risk_assessments: usize,
}

/// Writes `record` as the entry `at` names; a refusal names the entry and the field.
pub(crate) async fn create<R: Record>(tx: &DatabaseTransaction, at: &str, record: R) -> ServiceResult<R::Row> {
    edits::create_in(tx, &Actor::system(LOADER), record, None).await.map_err(|error| match error {
        ServiceError::BadInput { field, message } => {
            ServiceError::bad_input(format!("{at}, {}", field.trim_start_matches("input.")), message)
        }
        other => other,
    })
}

/// Resolves the prediction of model `model_id` about a capability or from an assessment; a
/// refusal names the entry and the field.
pub(crate) async fn resolve(
    tx: &DatabaseTransaction,
    at: &str,
    models: &HashMap<&str, i32>,
    model_id: i32,
    capability_id: Option<i32>,
    risk_assessment_id: Option<i32>,
    resolution: &SeedResolution,
) -> ServiceResult<()> {
    let Some(prediction) = predictions::find(tx, model_id, capability_id, risk_assessment_id).await? else {
        return Err(ServiceError::bad_input(
            at,
            "is not on a prediction: only extrapolated capabilities and near-term assessments are",
        ));
    };
    let successor_id = resolution.successor.as_deref().map(|s| id_of(models, s, at, "successor")).transpose()?;
    let resolution = Resolution {
        outcome: resolution.outcome,
        successor_id,
        evidence: resolution.evidence.clone(),
        source_url: resolution.source_url.clone(),
    };
    predictions::resolve_in(tx, &Actor::system(LOADER), prediction.id, prediction.version, resolution, None)
        .await
        .map_err(|error| match error {
            ServiceError::BadInput { field, message } => ServiceError::bad_input(format!("{at}, {field}"), message),
            other => other,
        })?;
    Ok(())
}

/// The id `slug` was written under, as `field` of the entry `at` refers to it.
pub(crate) fn id_of(ids: &HashMap<&str, i32>, slug: &str, at: &str, field: &str) -> ServiceResult<i32> {
    ids.get(slug)
        .copied()
        .ok_or_else(|| ServiceError::bad_input(format!("{at}, {field}"), format!("names no entry `{slug}`")))
}

/// Every entry, in the order (and so under the ids) the catalog has always been written in:
/// organizations, capabilities, datasets, models in file order, then risk assessments.
async fn write(tx: &DatabaseTransaction, catalog: &SeedCatalog) -> ServiceResult<SeedSummary> {
    let mut organizations = HashMap::new();
    for o in &catalog.organization {
        let record = o.record();
        let row = create(tx, &at(&o.file, "organization", &o.slug), record).await?;
        organizations.insert(o.slug.as_str(), row.id);
    }
    let mut capabilities = HashMap::new();
    for c in &catalog.capability {
        let record = c.record();
        let row = create(tx, &at(&c.file, "capability", &c.slug), record).await?;
        capabilities.insert(c.slug.as_str(), row.id);
    }
    let mut datasets = HashMap::new();
    for d in &catalog.dataset {
        let record = d.record();
        let row = create(tx, &at(&d.file, "dataset", &d.slug), record).await?;
        datasets.insert(d.slug.as_str(), row.id);
    }
    let mut models = HashMap::new();
    for m in lineage_order(&catalog.model)? {
        let at = m.at();
        let record = m.record(&organizations, &capabilities, &datasets, &models)?;
        let row = create(tx, &at, record).await?;
        models.insert(m.slug.as_str(), row.id);
    }
    let mut risk_assessments = 0;
    let mut resolutions = Vec::new();
    for m in &catalog.model {
        let model_id = models[m.slug.as_str()];
        for (i, c) in m.capabilities.iter().enumerate() {
            if let Some(resolution) = &c.resolution {
                let at = format!("{}, capabilities[{i}].resolution", m.at());
                resolutions.push((at, model_id, Some(capabilities[c.capability.as_str()]), None, resolution));
            }
        }
        for (i, r) in m.risk_assessments.iter().enumerate() {
            let record = r.record(model_id);
            let at = format!("{}, risk_assessments[{i}]", m.at());
            let row = create(tx, &at, record).await?;
            risk_assessments += 1;
            if let Some(resolution) = &r.resolution {
                resolutions.push((format!("{at}.resolution"), model_id, None, Some(row.id), resolution));
            }
        }
    }
    for (at, model_id, capability_id, risk_assessment_id, resolution) in resolutions {
        resolve(tx, &at, &models, model_id, capability_id, risk_assessment_id, resolution).await?;
    }
    Ok(SeedSummary {
        organizations: organizations.len(),
        capabilities: capabilities.len(),
        datasets: datasets.len(),
        models: models.len(),
        risk_assessments,
    })
}

impl SeedModel {
    /// The model as the edit pipeline writes it, its references resolved through the ids the
    /// entries they name were written under.
    pub(crate) fn record(
        &self,
        organizations: &HashMap<&str, i32>,
        capabilities: &HashMap<&str, i32>,
        datasets: &HashMap<&str, i32>,
        models: &HashMap<&str, i32>,
    ) -> ServiceResult<ModelRecord> {
        let m = self;
        let at = m.at();
        let ids = |slugs: &[String], ids: &HashMap<&str, i32>, field: &str| {
            slugs
                .iter()
                .enumerate()
                .map(|(i, s)| id_of(ids, s, &at, &format!("{field}[{i}]")))
                .collect::<ServiceResult<Vec<_>>>()
        };
        let capability_links = m
            .capabilities
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Ok(CapabilityLink {
                    capability_id: id_of(capabilities, &c.capability, &at, &format!("capabilities[{i}]"))?,
                    status: c.status,
                    evidence: c.evidence.clone(),
                    source_url: c.source_url.clone(),
                })
            })
            .collect::<ServiceResult<_>>()?;
        let base_model_id = m.base_model.as_deref().map(|b| id_of(models, b, &at, "base_model")).transpose()?;
        Ok(ModelRecord {
            slug: m.slug.clone(),
            name: m.name.clone(),
            aliases: m.aliases.clone(),
            organization_ids: ids(&m.organizations, organizations, "organizations")?,
            announced_on: Some(m.announced_on),
            announced_precision: m.announced_precision,
            input_modalities: m.input_modalities.clone(),
            output_modalities: m.output_modalities.clone(),
            parameters: m.parameters,
            parameters_low: m.parameters_low,
            parameters_high: m.parameters_high,
            parameters_confidence: m.parameters_confidence.unwrap_or(Confidence::Unknown),
            parameters_note: m.parameters_note.clone(),
            training_compute_flop: m.training_compute_flop,
            training_compute_flop_low: m.training_compute_flop_low,
            training_compute_flop_high: m.training_compute_flop_high,
            finetune_compute_flop: m.finetune_compute_flop,
            post_training_compute_flop: m.post_training_compute_flop,
            training_compute_confidence: m.training_compute_confidence.unwrap_or(Confidence::Unknown),
            training_compute_note: m.training_compute_note.clone(),
            training_dataset: m.training_dataset.clone(),
            training_dataset_size: m.training_dataset_size,
            training_dataset_size_unit: m.training_dataset_size_unit,
            dataset_ids: ids(&m.datasets, datasets, "datasets")?,
            hardware: m.hardware.clone(),
            training_cost_usd: m.training_cost_usd,
            training_cost_note: m.training_cost_note.clone(),
            access: m.access,
            license: m.license.clone(),
            base_model_id,
            // TOML's multi-line strings end in a line break.
            description: m.description.trim().to_owned(),
            industry_context: m.industry_context.trim().to_owned(),
            capabilities: capability_links,
            sources: m.sources.iter().map(|s| SourceRecord { url: s.url.clone(), title: s.title.clone() }).collect(),
            published: true,
        })
    }
}

impl SeedOrganization {
    pub(crate) fn record(&self) -> OrganizationRecord {
        OrganizationRecord {
            slug: self.slug.clone(),
            name: self.name.clone(),
            kind: self.kind,
            country: self.country.clone(),
            website: self.website.clone(),
            description: self.description.clone(),
        }
    }
}

impl SeedCapability {
    pub(crate) fn record(&self) -> CapabilityRecord {
        CapabilityRecord {
            slug: self.slug.clone(),
            name: self.name.clone(),
            category: self.category,
            description: self.description.clone(),
        }
    }
}

impl SeedDataset {
    pub(crate) fn record(&self) -> DatasetRecord {
        DatasetRecord {
            slug: self.slug.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            size: self.size,
            size_unit: self.size_unit,
            url: self.url.clone(),
        }
    }
}

impl SeedRiskAssessment {
    pub(crate) fn record(&self, model_id: i32) -> RiskAssessmentRecord {
        let r = self;
        RiskAssessmentRecord {
            model_id,
            horizon: r.horizon,
            cause: r.cause,
            category: r.category,
            severity: r.severity,
            likelihood: r.likelihood,
            summary: r.summary.trim().to_owned(),
            rationale: r.rationale.trim().to_owned(),
            confidence: r.confidence,
            assessed_on: r.assessed_on,
            author: Some(r.author.clone().unwrap_or_else(|| EDITORS.into())),
            mit_subdomain: r.mit_subdomain,
            mit_entity: r.mit_entity,
            mit_intent: r.mit_intent,
            mit_timing: r.mit_timing,
            source_url: r.source_url.clone(),
        }
    }
}

/// The models in file order, except that a base model comes before the models built on it (it
/// must exist when they are written). A base model that is not in the catalog is left to the
/// write to refuse; a base-model cycle is refused here.
pub(crate) fn lineage_order(models: &[SeedModel]) -> ServiceResult<Vec<&SeedModel>> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, m) in models.iter().enumerate() {
        index.entry(m.slug.as_str()).or_insert(i);
    }
    let mut placed = vec![false; models.len()];
    let mut order = Vec::with_capacity(models.len());
    for start in 0..models.len() {
        let mut chain = Vec::new();
        let mut next = Some(start);
        while let Some(i) = next.filter(|&i| !placed[i]) {
            if chain.contains(&i) {
                return Err(ServiceError::bad_input(models[start].at(), "is its own ancestor through base_model"));
            }
            chain.push(i);
            next = models[i].base_model.as_deref().and_then(|b| index.get(b).copied());
        }
        for i in chain.into_iter().rev() {
            placed[i] = true;
            order.push(&models[i]);
        }
    }
    Ok(order)
}

/// Refuses a catalog that would not meet the starter catalog's promises; used by the tests and
/// by `ai-tracker seed --check`.
pub fn coverage(catalog: &SeedCatalog) -> ServiceResult<String> {
    let with_compute = catalog.model.iter().filter(|m| m.training_compute_flop.is_some()).count();
    let with_risks = catalog.model.iter().filter(|m| !m.risk_assessments.is_empty()).count();
    let risks: Vec<_> = catalog.model.iter().flat_map(|m| &m.risk_assessments).collect();
    for h in RiskHorizon::ALL {
        if !risks.iter().any(|r| r.horizon == *h) {
            return Err(ServiceError::bad_input("seed", format!("no risk assessment has horizon {h}")));
        }
    }
    for c in RiskCause::ALL {
        if !risks.iter().any(|r| r.cause == *c) {
            return Err(ServiceError::bad_input("seed", format!("no risk assessment has cause {c}")));
        }
    }
    Ok(format!(
        "{} models ({} with training compute, {} with risk assessments), {} organizations, {} capabilities, {} datasets, {} risk assessments",
        catalog.model.len(),
        with_compute,
        with_risks,
        catalog.organization.len(),
        catalog.capability.len(),
        catalog.dataset.len(),
        risks.len()
    ))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ColumnTrait, QueryFilter};

    use super::*;
    use crate::entity::revision;
    use crate::service::testing::memory_db;

    #[tokio::test]
    async fn the_catalog_passes_the_edit_checks_and_each_entry_gets_a_create_revision_and_each_resolution_one() {
        let db = memory_db().await;
        let catalog = starter_catalog().unwrap();
        assert!(load_if_empty(&db).await.unwrap());
        let entries = catalog.organization.len()
            + catalog.capability.len()
            + catalog.dataset.len()
            + catalog.model.len()
            + catalog.model.iter().map(|m| m.risk_assessments.len()).sum::<usize>();
        let created = revision::Entity::find()
            .filter(revision::Column::Action.eq("create"))
            .filter(revision::Column::AuthorName.eq(LOADER))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(created, entries as u64);
        // Besides, one revision per resolved prediction.
        let resolutions = catalog
            .model
            .iter()
            .map(|m| {
                m.capabilities.iter().filter(|c| c.resolution.is_some()).count()
                    + m.risk_assessments.iter().filter(|r| r.resolution.is_some()).count()
            })
            .sum::<usize>();
        assert!(resolutions >= 25, "the starter catalog resolves {resolutions} predictions");
        let resolved = revision::Entity::find()
            .filter(revision::Column::EntityType.eq("prediction"))
            .filter(revision::Column::Action.eq("update"))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(resolved, resolutions as u64);
        assert_eq!(revision::Entity::find().count(&db).await.unwrap(), created + resolved, "and nothing else");
        assert!(!load_if_empty(&db).await.unwrap(), "a catalog is there now");

        let again = load(&db).await.unwrap_err();
        let first = &catalog.organization[0];
        let ServiceError::BadInput { field, message } = &again else { panic!("{again:?}") };
        assert_eq!(field, &format!("seed/{}: organization `{}`, slug", first.file, first.slug));
        assert!(message.contains("taken"), "{message}");
        assert_eq!(
            revision::Entity::find().count(&db).await.unwrap(),
            created + resolved,
            "the refused load wrote nothing"
        );
    }

    fn models(toml: &str) -> Vec<SeedModel> {
        let required = r#"organizations = ["o"]
            announced_on = "2020-01-01"
            announced_precision = "day"
            input_modalities = ["text"]
            output_modalities = ["text"]
            access = "api"
            description = "d"
            industry_context = "i"
            sources = []"#;
        let toml = toml.replace("REQUIRED", required);
        let mut catalog: SeedCatalog = toml::from_str(&toml).unwrap();
        catalog.model.iter_mut().for_each(|m| m.file = "test.toml".into());
        catalog.model
    }

    #[test]
    fn a_base_model_is_written_before_the_models_built_on_it() {
        let list = models(
            "[[model]]\nslug = \"tuned\"\nname = \"t\"\nbase_model = \"base\"\nREQUIRED\n\
             [[model]]\nslug = \"other\"\nname = \"o\"\nREQUIRED\n\
             [[model]]\nslug = \"base\"\nname = \"b\"\nREQUIRED\n",
        );
        let order: Vec<&str> = lineage_order(&list).unwrap().iter().map(|m| m.slug.as_str()).collect();
        assert_eq!(order, ["base", "tuned", "other"]);

        let cycle = models(
            "[[model]]\nslug = \"x\"\nname = \"x\"\nbase_model = \"y\"\nREQUIRED\n\
             [[model]]\nslug = \"y\"\nname = \"y\"\nbase_model = \"x\"\nREQUIRED\n",
        );
        let error = lineage_order(&cycle).unwrap_err();
        assert!(matches!(error, ServiceError::BadInput { ref field, .. } if field == "seed/test.toml: model `x`"));
    }
}
