//! Keeping a model's predictions in step with its extrapolated capabilities and near-term risk
//! assessments, in the transaction of the change that moved them (`edits::record_change`).
//!
//! A capability prediction is the pair (model, capability), not the link row, because a model's
//! links are rewritten whole on every save; a risk prediction is its assessment. A prediction
//! gets `recorded_at` (and its first wording) from the first revision in which it is public, and
//! never again. One whose source goes away, stops being a forecast, or whose model is deleted is
//! WITHDRAWN; it comes back OPEN if its source does.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

use crate::domain::{CapabilityStatus, Likelihood, PredictionKind, RiskCategory, RiskHorizon, Severity};
use crate::entity::{model, model_capability, prediction, risk_assessment};
use crate::service::revisions::RevisionRow;
use crate::service::{ServiceError, ServiceResult};

/// What a prediction says: its wording and, for a risk, how bad and how likely.
#[derive(Clone, Debug, PartialEq)]
struct Claim {
    model_id: i32,
    statement: Option<String>,
    category: Option<RiskCategory>,
    severity: Option<Severity>,
    likelihood: Option<Likelihood>,
}

/// A forecast the model's current state makes, and what identifies it.
struct Source {
    kind: PredictionKind,
    capability_id: Option<i32>,
    risk_assessment_id: Option<i32>,
    claim: Claim,
}

/// Whether a change that would alter a resolved prediction is refused (an editor's write) or
/// applied as recorded (a replay of the revision log).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Strict,
    Replay,
}

/// Brings the predictions of model `model_id` in line with its state in `tx`, as of `revision`.
/// `field` names the input a refusal blames (the capabilities list, or an assessment's field).
pub async fn sync(
    tx: &DatabaseTransaction,
    model_id: i32,
    revision: &RevisionRow,
    mode: Mode,
    field: &str,
) -> ServiceResult<()> {
    let subject = model::Entity::find_by_id(model_id).one(tx).await?;
    let published = subject.as_ref().is_some_and(|m| m.published);
    let sources = if subject.is_some() { sources(tx, model_id).await? } else { vec![] };
    let assessment_ids: Vec<i32> = sources.iter().filter_map(|s| s.risk_assessment_id).collect();
    let existing = prediction::Entity::find()
        .filter(
            Condition::any()
                .add(prediction::Column::ModelId.eq(model_id))
                .add(prediction::Column::RiskAssessmentId.is_in(assessment_ids)),
        )
        .order_by_asc(prediction::Column::Id)
        .all(tx)
        .await?;
    let now = Utc::now();
    let mut kept = Vec::new();
    for source in &sources {
        let found = existing.iter().find(|p| match source.kind {
            PredictionKind::Capability => {
                p.kind == PredictionKind::Capability
                    && p.model_id == model_id
                    && p.capability_id == source.capability_id
            }
            PredictionKind::Risk => p.risk_assessment_id == source.risk_assessment_id,
        });
        let Some(found) = found else {
            insert(tx, source, published, revision).await?;
            continue;
        };
        kept.push(found.id);
        let current = claim_of(found);
        let reworded = current != source.claim;
        if reworded && found.outcome.is_some() && mode == Mode::Strict {
            return Err(resolved(field, found));
        }
        let record = published && found.recorded_at.is_none();
        if !reworded && !record && !found.withdrawn {
            continue;
        }
        let mut row = found.clone().into_active_model();
        set_claim(&mut row, &source.claim);
        row.withdrawn = Set(false);
        if record {
            set_recorded(&mut row, &source.claim, revision);
        }
        bump(&mut row, found.version, now);
        row.update(tx).await?;
    }
    for gone in existing.iter().filter(|p| !kept.contains(&p.id) && !p.withdrawn) {
        // A prediction leaves its model only by losing its source; a deleted model's resolved
        // predictions stay resolved (and unseen while the model is gone).
        if gone.model_id != model_id && gone.kind == PredictionKind::Risk {
            continue;
        }
        if gone.outcome.is_some() {
            if subject.is_none() {
                continue;
            }
            if mode == Mode::Strict {
                return Err(resolved(field, gone));
            }
        }
        let mut row = gone.clone().into_active_model();
        row.withdrawn = Set(true);
        bump(&mut row, gone.version, now);
        row.update(tx).await?;
    }
    Ok(())
}

/// The forecasts model `model_id` makes now: its extrapolated capabilities (in capability
/// order) and its near-term assessments (in id order).
async fn sources(tx: &DatabaseTransaction, model_id: i32) -> ServiceResult<Vec<Source>> {
    let links = model_capability::Entity::find()
        .filter(model_capability::Column::ModelId.eq(model_id))
        .filter(model_capability::Column::Status.eq(CapabilityStatus::Extrapolated))
        .order_by_asc(model_capability::Column::CapabilityId)
        .all(tx)
        .await?;
    let assessments = risk_assessment::Entity::find()
        .filter(risk_assessment::Column::ModelId.eq(model_id))
        .filter(risk_assessment::Column::Horizon.eq(RiskHorizon::NearTerm))
        .order_by_asc(risk_assessment::Column::Id)
        .all(tx)
        .await?;
    let mut found = Vec::with_capacity(links.len() + assessments.len());
    for link in links {
        found.push(Source {
            kind: PredictionKind::Capability,
            capability_id: Some(link.capability_id),
            risk_assessment_id: None,
            claim: Claim { model_id, statement: link.evidence, category: None, severity: None, likelihood: None },
        });
    }
    for assessment in assessments {
        found.push(Source {
            kind: PredictionKind::Risk,
            capability_id: None,
            risk_assessment_id: Some(assessment.id),
            claim: Claim {
                model_id,
                statement: Some(assessment.summary),
                category: Some(assessment.category),
                severity: Some(assessment.severity),
                likelihood: Some(assessment.likelihood),
            },
        });
    }
    Ok(found)
}

fn claim_of(row: &prediction::Model) -> Claim {
    Claim {
        model_id: row.model_id,
        statement: row.statement.clone(),
        category: row.category,
        severity: row.severity,
        likelihood: row.likelihood,
    }
}

fn set_claim(row: &mut prediction::ActiveModel, claim: &Claim) {
    row.model_id = Set(claim.model_id);
    row.statement = Set(claim.statement.clone());
    row.category = Set(claim.category);
    row.severity = Set(claim.severity);
    row.likelihood = Set(claim.likelihood);
}

/// The first public revision: its time, and the wording the prediction had then.
fn set_recorded(row: &mut prediction::ActiveModel, claim: &Claim, revision: &RevisionRow) {
    row.recorded_at = Set(Some(revision.created_at));
    row.recorded_revision_id = Set(Some(revision.id));
    row.first_statement = Set(claim.statement.clone());
    row.first_category = Set(claim.category);
    row.first_severity = Set(claim.severity);
    row.first_likelihood = Set(claim.likelihood);
}

fn bump(row: &mut prediction::ActiveModel, version: i32, now: chrono::DateTime<Utc>) {
    row.version = Set(version + 1);
    row.updated_at = Set(now);
}

async fn insert(
    tx: &DatabaseTransaction,
    source: &Source,
    published: bool,
    revision: &RevisionRow,
) -> ServiceResult<()> {
    let now = Utc::now();
    // The claim is set below; the time of record and the resolution start empty.
    let mut row = prediction::ActiveModel {
        kind: Set(source.kind),
        capability_id: Set(source.capability_id),
        risk_assessment_id: Set(source.risk_assessment_id),
        withdrawn: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_claim(&mut row, &source.claim);
    if published {
        set_recorded(&mut row, &source.claim, revision);
    }
    prediction::Entity::insert(row).exec(tx).await?;
    Ok(())
}

fn resolved(field: &str, prediction: &prediction::Model) -> ServiceError {
    let what = match prediction.kind {
        PredictionKind::Capability => "an extrapolated capability",
        PredictionKind::Risk => "a near-term risk assessment",
    };
    ServiceError::bad_input(
        field,
        format!("would change or withdraw {what} whose prediction is resolved: reopen the prediction first"),
    )
}
