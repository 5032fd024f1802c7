//! What kind of news a revision is to a follower of the catalog (`ChangeKind`), read from the
//! revision alone: its entry type, its action and the record before and after.

use serde_json::Value as Json;

use crate::domain::{ChangeKind, EntityType, RevisionAction};
use crate::service::revisions::RevisionRow;
use crate::service::thresholds::{self, ComputeParts, ThresholdRow};

/// A model's figures: a change to any of them is `FiguresRevised` (keys of `ModelRecord`).
const FIGURES: [&str; 13] = [
    "parameters",
    "parametersLow",
    "parametersHigh",
    "trainingComputeFlop",
    "trainingComputeFlopLow",
    "trainingComputeFlopHigh",
    "finetuneComputeFlop",
    "postTrainingComputeFlop",
    "trainingDatasetSize",
    "trainingDatasetSizeUnit",
    "announcedOn",
    "announcedPrecision",
    "trainingCostUsd",
];

/// The kinds of `row`, given the catalog's thresholds (`thresholds::all`).
pub fn classify(row: &RevisionRow, thresholds: &[ThresholdRow]) -> Vec<ChangeKind> {
    let (before, after) = (row.before.as_ref(), row.after.as_ref());
    let mut kinds = Vec::new();
    match row.entity_type {
        EntityType::Model => {
            let published = |state: Option<&Json>| state.and_then(|s| s.get("published")).and_then(Json::as_bool);
            let first_seen = match row.action {
                RevisionAction::Create => published(after) == Some(true),
                RevisionAction::Publish => true,
                _ => false,
            };
            if first_seen {
                kinds.push(ChangeKind::ModelAdded);
            }
            let revised = matches!(row.action, RevisionAction::Update | RevisionAction::Revert)
                && FIGURES.iter().any(|key| field(before, key) != field(after, key));
            if revised {
                kinds.push(ChangeKind::FiguresRevised);
            }
            if crosses_threshold(row.action, before, after, thresholds) {
                kinds.push(ChangeKind::ThresholdCrossed);
            }
        }
        EntityType::RiskAssessment => {
            if matches!(
                row.action,
                RevisionAction::Create | RevisionAction::Update | RevisionAction::Revert | RevisionAction::Restore
            ) {
                kinds.push(ChangeKind::RiskAssessed);
            }
        }
        EntityType::Prediction => {
            let outcome = |state: Option<&Json>| field(state, "outcome").is_some();
            if outcome(after) && !outcome(before) {
                kinds.push(ChangeKind::PredictionResolved);
            }
        }
        _ => {}
    }
    kinds
}

fn field<'a>(state: Option<&'a Json>, key: &str) -> Option<&'a Json> {
    state.and_then(|s| s.get(key)).filter(|v| !v.is_null())
}

/// Whether a model write moved its counted training compute to the other side of a threshold:
/// from below (or unknown, or not yet in the catalog) to at or above it, or back. A deletion
/// crosses nothing. The one place that decides it, so that a richer notion of a crossing (one
/// that reads the figure's interval, say) can replace it.
pub fn crosses_threshold(
    action: RevisionAction,
    before: Option<&Json>,
    after: Option<&Json>,
    thresholds: &[ThresholdRow],
) -> bool {
    if action == RevisionAction::Delete || after.is_none() {
        return false;
    }
    let (before, after) = (parts(before), parts(after));
    thresholds.iter().any(|threshold| at_or_above(&before, threshold) != at_or_above(&after, threshold))
}

fn at_or_above(parts: &ComputeParts, threshold: &ThresholdRow) -> bool {
    thresholds::status(parts, threshold).counted.is_some_and(|counted| counted >= threshold.flop)
}

fn parts(state: Option<&Json>) -> ComputeParts {
    let number = |key: &str| field(state, key).and_then(Json::as_f64);
    ComputeParts {
        training: number("trainingComputeFlop"),
        training_low: number("trainingComputeFlopLow"),
        training_high: number("trainingComputeFlopHigh"),
        finetune: number("finetuneComputeFlop"),
        post_training: number("postTrainingComputeFlop"),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn threshold(flop: f64) -> ThresholdRow {
        ThresholdRow {
            id: 1,
            slug: "eu-ai-act".into(),
            name: "EU AI Act".into(),
            flop,
            description: String::new(),
            source_url: None,
            version: 1,
            counts_finetune: false,
            counts_post_training: false,
        }
    }

    fn revision(
        entity_type: EntityType,
        action: RevisionAction,
        before: Option<Json>,
        after: Option<Json>,
    ) -> RevisionRow {
        RevisionRow {
            id: 1,
            entity_type,
            entity_id: 1,
            action,
            editor_id: None,
            author_name: "test".into(),
            summary: None,
            before,
            after,
            created_at: chrono::Utc::now(),
            public: true,
        }
    }

    fn model(compute: Option<f64>, published: bool) -> Json {
        json!({ "name": "M", "published": published, "trainingComputeFlop": compute, "parameters": 1e9 })
    }

    #[test]
    fn a_model_is_added_when_the_public_first_sees_it() {
        let t = [threshold(1e25)];
        let created = revision(EntityType::Model, RevisionAction::Create, None, Some(model(None, true)));
        assert_eq!(classify(&created, &t), [ChangeKind::ModelAdded]);
        let draft = revision(EntityType::Model, RevisionAction::Create, None, Some(model(None, false)));
        assert!(classify(&draft, &t).is_empty());
        let published =
            revision(EntityType::Model, RevisionAction::Publish, Some(model(None, false)), Some(model(None, true)));
        assert_eq!(classify(&published, &t), [ChangeKind::ModelAdded]);
    }

    #[test]
    fn figures_are_revised_when_a_figure_changes_and_not_otherwise() {
        let t = [threshold(1e25)];
        let mut renamed = model(Some(1e20), true);
        renamed["name"] = json!("N");
        let rename = revision(EntityType::Model, RevisionAction::Update, Some(model(Some(1e20), true)), Some(renamed));
        assert!(classify(&rename, &t).is_empty());
        let mut bigger = model(Some(1e20), true);
        bigger["parameters"] = json!(2e9);
        let revised = revision(EntityType::Model, RevisionAction::Update, Some(model(Some(1e20), true)), Some(bigger));
        assert_eq!(classify(&revised, &t), [ChangeKind::FiguresRevised]);
    }

    #[test]
    fn a_threshold_is_crossed_both_ways_but_not_by_a_deletion() {
        let t = [threshold(1e25)];
        let up = revision(
            EntityType::Model,
            RevisionAction::Update,
            Some(model(Some(5e24), true)),
            Some(model(Some(2e25), true)),
        );
        assert_eq!(classify(&up, &t), [ChangeKind::FiguresRevised, ChangeKind::ThresholdCrossed]);
        let down = revision(
            EntityType::Model,
            RevisionAction::Revert,
            Some(model(Some(2e25), true)),
            Some(model(Some(5e24), true)),
        );
        assert!(classify(&down, &t).contains(&ChangeKind::ThresholdCrossed));
        let above_both = revision(
            EntityType::Model,
            RevisionAction::Update,
            Some(model(Some(2e25), true)),
            Some(model(Some(3e25), true)),
        );
        assert_eq!(classify(&above_both, &t), [ChangeKind::FiguresRevised]);
        let added_above = revision(EntityType::Model, RevisionAction::Create, None, Some(model(Some(2e25), true)));
        assert_eq!(classify(&added_above, &t), [ChangeKind::ModelAdded, ChangeKind::ThresholdCrossed]);
        let deleted = revision(EntityType::Model, RevisionAction::Delete, Some(model(Some(2e25), true)), None);
        assert!(classify(&deleted, &t).is_empty());
    }

    #[test]
    fn risk_assessments_are_assessed_unless_deleted_and_only_a_resolution_resolves_a_prediction() {
        let t = [threshold(1e25)];
        for action in [RevisionAction::Create, RevisionAction::Update, RevisionAction::Restore] {
            let row = revision(EntityType::RiskAssessment, action, None, Some(json!({ "modelId": 1 })));
            assert_eq!(classify(&row, &t), [ChangeKind::RiskAssessed]);
        }
        let deleted = revision(EntityType::RiskAssessment, RevisionAction::Delete, Some(json!({ "modelId": 1 })), None);
        assert!(classify(&deleted, &t).is_empty());
        let organization = revision(EntityType::Organization, RevisionAction::Create, None, Some(json!({})));
        assert!(classify(&organization, &t).is_empty());
        let open = json!({ "modelId": 1, "outcome": null });
        let resolved = json!({ "modelId": 1, "outcome": "confirmed", "successorId": 2 });
        let resolution =
            revision(EntityType::Prediction, RevisionAction::Update, Some(open.clone()), Some(resolved.clone()));
        assert_eq!(classify(&resolution, &t), [ChangeKind::PredictionResolved]);
        let reopening = revision(EntityType::Prediction, RevisionAction::Update, Some(resolved), Some(open));
        assert!(classify(&reopening, &t).is_empty());
    }
}
