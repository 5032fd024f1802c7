//! The starter catalog in `seed/`, compiled into the binary and loaded in one transaction into an
//! empty database. The files are parsed and checked in full (slugs, countries, enums, references,
//! required notes) before anything is written.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, bail, ensure};
use chrono::{NaiveDate, Utc};
use include_dir::{Dir, include_dir};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Deserialize;

use super::{Actor, ServiceResult, begin_write, edits};
use crate::domain::{
    Access, CapabilityCategory, CapabilityStatus, Confidence, CountryCode, DatePrecision, EntityType, Likelihood,
    Modality, ModalityDirection, OrganizationKind, RiskCategory, RiskCause, RiskHorizon, Severity, SizeUnit, Slug,
    name_key,
};
use crate::entity::{
    capability, dataset, model, model_alias, model_capability, model_dataset, model_modality, model_organization,
    model_source, organization, risk_assessment,
};

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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrganization {
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
    pub slug: String,
    pub name: String,
    pub category: CapabilityCategory,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDataset {
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
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedModel {
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
    pub parameters_confidence: Option<Confidence>,
    pub parameters_note: Option<String>,
    pub training_compute_flop: Option<f64>,
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

/// Parses every `seed/*.toml` file and checks the whole catalog.
pub fn starter_catalog() -> anyhow::Result<SeedCatalog> {
    let mut catalog = SeedCatalog::default();
    let mut files: Vec<_> = SEED_DIR.files().filter(|f| f.path().extension().is_some_and(|e| e == "toml")).collect();
    files.sort_by_key(|f| f.path());
    for file in files {
        let name = file.path().display().to_string();
        let text = file.contents_utf8().with_context(|| format!("{name} is not UTF-8"))?;
        let part: SeedCatalog = toml::from_str(text).with_context(|| format!("seed file {name}"))?;
        catalog.organization.extend(part.organization);
        catalog.capability.extend(part.capability);
        catalog.dataset.extend(part.dataset);
        catalog.model.extend(part.model);
    }
    check(&catalog)?;
    Ok(catalog)
}

fn unique_slugs<'a>(what: &str, slugs: impl Iterator<Item = &'a String>) -> anyhow::Result<HashSet<&'a str>> {
    let mut seen = HashSet::new();
    for slug in slugs {
        Slug::parse(slug).map_err(|e| anyhow::anyhow!("{what} slug `{slug}` {e}"))?;
        ensure!(seen.insert(slug.as_str()), "{what} slug `{slug}` is defined twice");
    }
    Ok(seen)
}

/// The same rule as the API's URL inputs, so the starter catalog holds no link an editor could
/// not enter.
fn check_url(what: &str, url: &str) -> anyhow::Result<()> {
    crate::service::validate::url(what, url).map_err(|e| anyhow::anyhow!("`{url}`: {e}"))
}

fn check_figure(
    model: &str,
    field: &str,
    value: Option<f64>,
    confidence: Option<Confidence>,
    note: &Option<String>,
) -> anyhow::Result<()> {
    let Some(value) = value else { return Ok(()) };
    ensure!(value.is_finite() && value > 0.0, "model {model}: {field} must be positive");
    let confidence = confidence.with_context(|| format!("model {model}: {field} needs {field}_confidence"))?;
    if confidence != Confidence::Confirmed {
        ensure!(
            note.as_deref().is_some_and(|n| !n.trim().is_empty()),
            "model {model}: an estimated {field} needs {field}_note"
        );
    }
    Ok(())
}

fn check(catalog: &SeedCatalog) -> anyhow::Result<()> {
    let orgs = unique_slugs("organization", catalog.organization.iter().map(|o| &o.slug))?;
    let caps = unique_slugs("capability", catalog.capability.iter().map(|c| &c.slug))?;
    let sets = unique_slugs("dataset", catalog.dataset.iter().map(|d| &d.slug))?;
    let models = unique_slugs("model", catalog.model.iter().map(|m| &m.slug))?;
    for org in &catalog.organization {
        CountryCode::parse(&org.country).map_err(|e| anyhow::anyhow!("organization {}: country {e}", org.slug))?;
        if let Some(url) = &org.website {
            check_url(&org.slug, url)?;
        }
    }
    for m in &catalog.model {
        let s = &m.slug;
        ensure!(!m.organizations.is_empty(), "model {s}: needs an organization");
        for o in &m.organizations {
            ensure!(orgs.contains(o.as_str()), "model {s}: unknown organization `{o}`");
        }
        for d in &m.datasets {
            ensure!(sets.contains(d.as_str()), "model {s}: unknown dataset `{d}`");
        }
        for c in &m.capabilities {
            ensure!(caps.contains(c.capability.as_str()), "model {s}: unknown capability `{}`", c.capability);
        }
        if let Some(b) = &m.base_model {
            ensure!(models.contains(b.as_str()) && b != s, "model {s}: unknown base model `{b}`");
        }
        ensure!(!m.sources.is_empty(), "model {s}: needs a source");
        for src in &m.sources {
            check_url(s, &src.url)?;
        }
        ensure!(
            !m.description.trim().is_empty() && !m.industry_context.trim().is_empty(),
            "model {s}: needs a description and industry context"
        );
        check_figure(s, "parameters", m.parameters, m.parameters_confidence, &m.parameters_note)?;
        check_figure(
            s,
            "training_compute",
            m.training_compute_flop,
            m.training_compute_confidence,
            &m.training_compute_note,
        )?;
        if m.training_cost_usd.is_some() {
            ensure!(m.training_cost_note.is_some(), "model {s}: a training cost needs training_cost_note");
        }
    }
    Ok(())
}

/// Loads the starter catalog if the database has no catalog yet. Returns whether it loaded.
pub async fn load_if_empty(db: &DatabaseConnection) -> anyhow::Result<bool> {
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

/// Loads the starter catalog, and a "create" revision for each entry, in one transaction;
/// fails (writing nothing) if a slug exists.
pub async fn load(db: &DatabaseConnection) -> anyhow::Result<SeedSummary> {
    let catalog = starter_catalog()?;
    let txn = begin_write(db).await?;
    let (summary, written) = insert(&txn, &catalog).await?;
    let actor = Actor::system(LOADER);
    for (kind, id) in written {
        edits::record_created(&txn, &actor, kind, id).await?;
    }
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

async fn insert(
    db: &DatabaseTransaction,
    catalog: &SeedCatalog,
) -> ServiceResult<(SeedSummary, Vec<(EntityType, i32)>)> {
    let now = Utc::now();
    let mut org_ids = HashMap::new();
    for o in &catalog.organization {
        let row = organization::ActiveModel {
            slug: Set(o.slug.clone()),
            name: Set(o.name.clone()),
            name_key: Set(name_key(&o.name)),
            kind: Set(o.kind),
            country: Set(o.country.clone()),
            website: Set(o.website.clone()),
            description: Set(o.description.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        org_ids.insert(o.slug.as_str(), organization::Entity::insert(row).exec(db).await?.last_insert_id);
    }
    let mut cap_ids = HashMap::new();
    for c in &catalog.capability {
        let row = capability::ActiveModel {
            slug: Set(c.slug.clone()),
            name: Set(c.name.clone()),
            name_key: Set(name_key(&c.name)),
            category: Set(c.category),
            description: Set(c.description.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        cap_ids.insert(c.slug.as_str(), capability::Entity::insert(row).exec(db).await?.last_insert_id);
    }
    let mut set_ids = HashMap::new();
    for d in &catalog.dataset {
        let row = dataset::ActiveModel {
            slug: Set(d.slug.clone()),
            name: Set(d.name.clone()),
            name_key: Set(name_key(&d.name)),
            description: Set(d.description.clone()),
            size: Set(d.size),
            size_unit: Set(d.size_unit),
            url: Set(d.url.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        set_ids.insert(d.slug.as_str(), dataset::Entity::insert(row).exec(db).await?.last_insert_id);
    }

    let mut model_ids = HashMap::new();
    let mut risk_count = 0;
    for m in &catalog.model {
        let confidence = |c: Option<Confidence>| c.unwrap_or(Confidence::Unknown);
        let row = model::ActiveModel {
            slug: Set(m.slug.clone()),
            name: Set(m.name.clone()),
            name_key: Set(name_key(&m.name)),
            announced_on: Set(Some(m.announced_on)),
            announced_precision: Set(m.announced_precision),
            parameters: Set(m.parameters),
            parameters_confidence: Set(confidence(m.parameters_confidence)),
            parameters_note: Set(m.parameters_note.clone()),
            training_compute_flop: Set(m.training_compute_flop),
            training_compute_confidence: Set(confidence(m.training_compute_confidence)),
            training_compute_note: Set(m.training_compute_note.clone()),
            training_dataset: Set(m.training_dataset.clone()),
            training_dataset_size: Set(m.training_dataset_size),
            training_dataset_size_unit: Set(m.training_dataset_size_unit),
            hardware: Set(m.hardware.clone()),
            training_cost_usd: Set(m.training_cost_usd),
            training_cost_note: Set(m.training_cost_note.clone()),
            access: Set(m.access),
            license: Set(m.license.clone()),
            base_model_id: Set(None),
            description: Set(m.description.trim().to_owned()),
            industry_context: Set(m.industry_context.trim().to_owned()),
            published: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let id = model::Entity::insert(row).exec(db).await?.last_insert_id;
        model_ids.insert(m.slug.as_str(), id);

        let aliases = m.aliases.iter().enumerate().map(|(i, a)| model_alias::ActiveModel {
            model_id: Set(id),
            alias: Set(a.clone()),
            position: Set(i as i32),
            ..Default::default()
        });
        model_alias::Entity::insert_many(aliases).exec_without_returning(db).await?;
        let orgs = m.organizations.iter().enumerate().map(|(i, o)| model_organization::ActiveModel {
            model_id: Set(id),
            organization_id: Set(org_ids[o.as_str()]),
            position: Set(i as i32),
        });
        model_organization::Entity::insert_many(orgs).exec_without_returning(db).await?;
        let directions =
            [(ModalityDirection::Input, &m.input_modalities), (ModalityDirection::Output, &m.output_modalities)];
        let modalities = directions.into_iter().flat_map(|(direction, list)| {
            list.iter().collect::<HashSet<_>>().into_iter().map(move |modality| model_modality::ActiveModel {
                model_id: Set(id),
                direction: Set(direction),
                modality: Set(*modality),
            })
        });
        model_modality::Entity::insert_many(modalities).exec_without_returning(db).await?;
        let sources = m.sources.iter().enumerate().map(|(i, s)| model_source::ActiveModel {
            model_id: Set(id),
            url: Set(s.url.clone()),
            title: Set(s.title.clone()),
            position: Set(i as i32),
            ..Default::default()
        });
        model_source::Entity::insert_many(sources).exec_without_returning(db).await?;
        let sets = m
            .datasets
            .iter()
            .map(|d| model_dataset::ActiveModel { model_id: Set(id), dataset_id: Set(set_ids[d.as_str()]) });
        model_dataset::Entity::insert_many(sets).exec_without_returning(db).await?;
        let caps = m.capabilities.iter().map(|c| model_capability::ActiveModel {
            model_id: Set(id),
            capability_id: Set(cap_ids[c.capability.as_str()]),
            status: Set(c.status),
            evidence: Set(c.evidence.clone()),
            source_url: Set(c.source_url.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        model_capability::Entity::insert_many(caps).exec_without_returning(db).await?;
        risk_count += m.risk_assessments.len();
        let risks = m.risk_assessments.iter().map(|r| risk_assessment::ActiveModel {
            model_id: Set(id),
            horizon: Set(r.horizon),
            cause: Set(r.cause),
            category: Set(r.category),
            severity: Set(r.severity),
            likelihood: Set(r.likelihood),
            summary: Set(r.summary.trim().to_owned()),
            rationale: Set(r.rationale.trim().to_owned()),
            confidence: Set(r.confidence),
            assessed_on: Set(r.assessed_on),
            author: Set(Some(r.author.clone().unwrap_or_else(|| "AI Tracker editors".into()))),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        risk_assessment::Entity::insert_many(risks).exec_without_returning(db).await?;
    }
    for m in &catalog.model {
        if let Some(base) = &m.base_model {
            let row = model::ActiveModel {
                id: Set(model_ids[m.slug.as_str()]),
                base_model_id: Set(Some(model_ids[base.as_str()])),
                ..Default::default()
            };
            model::Entity::update(row).exec(db).await?;
        }
    }
    let summary = SeedSummary {
        organizations: org_ids.len(),
        capabilities: cap_ids.len(),
        datasets: set_ids.len(),
        models: model_ids.len(),
        risk_assessments: risk_count,
    };
    let risk_ids: Vec<i32> = risk_assessment::Entity::find()
        .select_only()
        .column(risk_assessment::Column::Id)
        .filter(risk_assessment::Column::ModelId.is_in(model_ids.values().copied()))
        .order_by_asc(risk_assessment::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut written: Vec<(EntityType, i32)> = Vec::new();
    let sorted = |ids: HashMap<&str, i32>| {
        let mut ids: Vec<i32> = ids.into_values().collect();
        ids.sort();
        ids
    };
    written.extend(sorted(org_ids).into_iter().map(|id| (EntityType::Organization, id)));
    written.extend(sorted(cap_ids).into_iter().map(|id| (EntityType::Capability, id)));
    written.extend(sorted(set_ids).into_iter().map(|id| (EntityType::Dataset, id)));
    written.extend(sorted(model_ids).into_iter().map(|id| (EntityType::Model, id)));
    written.extend(risk_ids.into_iter().map(|id| (EntityType::RiskAssessment, id)));
    Ok((summary, written))
}

/// Refuses a catalog that would not meet the starter catalog's promises; used by the tests and
/// by `ai-tracker seed --check`.
pub fn coverage(catalog: &SeedCatalog) -> anyhow::Result<String> {
    let with_compute = catalog.model.iter().filter(|m| m.training_compute_flop.is_some()).count();
    let with_risks = catalog.model.iter().filter(|m| !m.risk_assessments.is_empty()).count();
    let risks: Vec<_> = catalog.model.iter().flat_map(|m| &m.risk_assessments).collect();
    for h in RiskHorizon::ALL {
        if !risks.iter().any(|r| r.horizon == *h) {
            bail!("no risk assessment has horizon {h}");
        }
    }
    for c in RiskCause::ALL {
        if !risks.iter().any(|r| r.cause == *c) {
            bail!("no risk assessment has cause {c}");
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
