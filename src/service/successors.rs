//! Successor candidates: the later models that could be a model's "2–10× scaled successor", as
//! far as the catalog can tell (the successor that its extrapolated capabilities and near-term
//! risk assessments are about).
//!
//! A candidate of a subject model is a published model that
//! - has the subject's lead organization as its own lead organization (the organization at the
//!   lowest `position` of each model's links, which edits write as the first one given), or is in
//!   the subject's lineage: an ancestor (`baseModel`, its `baseModel`, ...) or a descendant
//!   (the models derived from it, and theirs), at most [`MAX_LINEAGE_DEPTH`] links away;
//! - was announced strictly later than the subject (a model without an announcement date is
//!   neither a subject with candidates nor a candidate: "later" cannot be told);
//! - has between [`MIN_RATIO`] and [`MAX_RATIO`] times the subject's training compute, both
//!   inclusive, when both figures are known. When either is unknown the model stays a candidate,
//!   marked `compute_known: false`.
//!
//! Each subject's list has the candidates of known compute first, then the others, each part by
//! announcement date and then id, and holds at most [`MAX_CANDIDATES`] of them.
//!
//! Drafts are never candidates, for anyone. The lineage is followed through the models the
//! caller may see, so that a public list never depends on a draft's links; a draft subject has
//! candidates only for editors, who alone can see it.
//!
//! One statement finds every subject's candidates (a recursive query walks the lineages, with
//! its depth bounded, so a cycle or a long chain in the data costs a bounded amount of work),
//! and one more reads the candidates' rows.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::{
    Audience, ServiceResult,
    models::ModelRow,
    relations::{self, MAX_REVERSE_LIST},
};

/// The least compute ratio of a candidate to its subject (inclusive).
pub const MIN_RATIO: f64 = 2.0;
/// The greatest compute ratio of a candidate to its subject (inclusive).
pub const MAX_RATIO: f64 = 10.0;
/// How far the bounds give to the rounding of the figures: 1e25 is not exactly ten times 1e24
/// in binary floating point, and a successor with ten times the compute must not drop out.
const ROUNDING: f64 = 1e-9;
/// The most base-model links followed from a subject in either direction. Real lineages are a
/// few links long (base, instruct, chat); the bound keeps a cycle (which edits refuse, but a
/// database written by other means could hold) or a very long chain from running away.
pub const MAX_LINEAGE_DEPTH: usize = 32;
/// The most candidates a model lists (the first ones in the list's order): as many as the other
/// lists that grow with the catalog, so the API's cost estimate charges it as one of them.
pub const MAX_CANDIDATES: usize = MAX_REVERSE_LIST;

/// A later model that may be a subject's scaled successor.
#[derive(Clone, Debug, PartialEq)]
pub struct SuccessorCandidateRow {
    pub model: Arc<ModelRow>,
    /// The candidate's training compute over the subject's, when both are known.
    pub compute_ratio: Option<f64>,
    /// Whether both models' training compute is known (and so the ratio checked).
    pub compute_known: bool,
}

/// The successor candidates of each of the models `subject_ids` that `audience` may see, in
/// the order described in the module's documentation (two statements for any number of subjects).
pub async fn candidates_of_models(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<SuccessorCandidateRow>>> {
    if subject_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let subjects = match backend {
        DbBackend::Postgres => Value::from(subject_ids.to_vec()),
        _ => Value::from(serde_json::to_string(subject_ids).expect("ids serialize")),
    };
    let bounds = [MIN_RATIO * (1.0 - ROUNDING), MAX_RATIO * (1.0 + ROUNDING)];
    let statement = Statement::from_sql_and_values(
        backend,
        candidates_sql(backend, audience),
        [subjects, bounds[0].into(), bounds[1].into()],
    );
    let mut pairs = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let subject_id: i32 = row.try_get_by_index(0)?;
        let candidate_id: i32 = row.try_get_by_index(1)?;
        let subject_compute: Option<f64> = row.try_get_by_index(2)?;
        pairs.push((subject_id, candidate_id, subject_compute));
    }
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }

    let mut ids: Vec<i32> = pairs.iter().map(|p| p.1).collect();
    ids.sort_unstable();
    ids.dedup();
    // Read as the public sees them: drafts are never candidates, whoever asks.
    let rows: HashMap<i32, Arc<ModelRow>> = relations::models_by_ids(db, Audience::Public, &ids)
        .await?
        .into_iter()
        .map(|(id, row)| (id, Arc::new(row)))
        .collect();

    let mut found: HashMap<i32, Vec<SuccessorCandidateRow>> = HashMap::new();
    for (subject_id, candidate_id, subject_compute) in pairs {
        // A candidate unpublished between the two statements is left out.
        let Some(model) = rows.get(&candidate_id) else { continue };
        let compute_ratio = match (known(model.training_compute_flop), known(subject_compute)) {
            (Some(candidate), Some(subject)) => Some(candidate / subject),
            _ => None,
        };
        found.entry(subject_id).or_default().push(SuccessorCandidateRow {
            model: model.clone(),
            compute_ratio,
            compute_known: compute_ratio.is_some(),
        });
    }
    Ok(found)
}

/// A training compute figure that can be compared: edits refuse any other, but a database
/// written by other means must not make a ratio infinite.
fn known(flop: Option<f64>) -> Option<f64> {
    flop.filter(|f| f.is_finite() && *f > 0.0)
}

/// The statement that finds each subject's candidates: rows of (subject id, candidate id, the
/// subject's training compute), each subject's candidates in their order, at most
/// [`MAX_CANDIDATES`] each. Bound values: $1 the subjects' ids, $2 and $3 the compute ratio's
/// bounds.
fn candidates_sql(backend: DbBackend, audience: Audience) -> String {
    // Postgres takes the ids as one array; SQLite, which has none, as a JSON list.
    let subject_ids = match backend {
        DbBackend::Postgres => "= ANY($1)",
        _ => "IN (SELECT value FROM json_each($1))",
    };
    // What `audience` may see of the models named `m` (the lineage is followed through these).
    let visible = |m: &str| match audience {
        Audience::Public => format!("{m}.published = TRUE"),
        Audience::Editor => "TRUE".to_owned(),
    };
    let lead = |link: &str| {
        format!(
            "NOT EXISTS (SELECT 1 FROM model_organization e WHERE e.model_id = {link}.model_id
                AND (e.position < {link}.position
                     OR (e.position = {link}.position AND e.organization_id < {link}.organization_id)))"
        )
    };
    let known = |flop: &str| format!("({flop} > 0)");
    let (subject_visible, parent_visible, child_visible) = (visible("m"), visible("p"), visible("c"));
    let (subject_lead, candidate_lead) = (lead("so"), lead("co"));
    let both_known = format!("{} AND {}", known("s.compute"), known("c.training_compute_flop"));
    format!(
        "WITH RECURSIVE
        subject AS (
            SELECT m.id, m.announced_on, m.training_compute_flop AS compute, m.base_model_id
            FROM model m
            WHERE m.id {subject_ids} AND {subject_visible} AND m.announced_on IS NOT NULL
        ),
        ancestor(subject_id, model_id, depth) AS (
            SELECT s.id, p.id, 1 FROM subject s JOIN model p ON p.id = s.base_model_id
            WHERE {parent_visible}
            UNION ALL
            SELECT a.subject_id, p.id, a.depth + 1
            FROM ancestor a JOIN model c ON c.id = a.model_id JOIN model p ON p.id = c.base_model_id
            WHERE a.depth < {MAX_LINEAGE_DEPTH} AND {parent_visible}
        ),
        descendant(subject_id, model_id, depth) AS (
            SELECT s.id, c.id, 1 FROM subject s JOIN model c ON c.base_model_id = s.id
            WHERE {child_visible}
            UNION ALL
            SELECT d.subject_id, c.id, d.depth + 1
            FROM descendant d JOIN model c ON c.base_model_id = d.model_id
            WHERE d.depth < {MAX_LINEAGE_DEPTH} AND {child_visible}
        ),
        related(subject_id, model_id) AS (
            SELECT s.id, co.model_id
            FROM subject s
            JOIN model_organization so ON so.model_id = s.id
            JOIN model_organization co ON co.organization_id = so.organization_id
            WHERE {subject_lead} AND {candidate_lead}
            UNION SELECT subject_id, model_id FROM ancestor
            UNION SELECT subject_id, model_id FROM descendant
        ),
        candidate AS (
            SELECT r.subject_id, c.id AS model_id, s.compute AS subject_compute, c.announced_on,
                CASE WHEN {both_known} THEN 1 ELSE 0 END AS compute_known
            FROM related r
            JOIN subject s ON s.id = r.subject_id
            JOIN model c ON c.id = r.model_id
            WHERE c.published = TRUE
              AND c.announced_on > s.announced_on
              AND CASE WHEN {both_known}
                  THEN c.training_compute_flop >= s.compute * $2 AND c.training_compute_flop <= s.compute * $3
                  ELSE TRUE END
        ),
        ranked AS (
            SELECT subject_id, model_id, subject_compute,
                ROW_NUMBER() OVER (PARTITION BY subject_id
                                   ORDER BY compute_known DESC, announced_on, model_id) AS place
            FROM candidate
        )
        SELECT subject_id, model_id, subject_compute FROM ranked
        WHERE place <= {MAX_CANDIDATES}
        ORDER BY subject_id, place"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::{memory_db, model as record, organization, plant};

    async fn slugs_of(db: &impl ConnectionTrait, audience: Audience, id: i32) -> Vec<(String, Option<f64>)> {
        let mut found = candidates_of_models(db, audience, &[id]).await.unwrap();
        found.remove(&id).unwrap_or_default().into_iter().map(|c| (c.model.slug.clone(), c.compute_ratio)).collect()
    }

    /// Descendants further than the bound are not followed, however long the chain.
    #[tokio::test]
    async fn a_long_chain_is_followed_to_the_depth_bound() {
        let db = memory_db().await;
        let mut previous = None;
        let mut ids = Vec::new();
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        for i in 0..MAX_LINEAGE_DEPTH + 5 {
            let date = start + chrono::Days::new(i as u64);
            let mut m = record(&format!("m{i}"), &date.to_string());
            m.base_model_id = previous;
            let id = plant(&db, m).await.id;
            ids.push(id);
            previous = Some(id);
        }
        let listed = slugs_of(&db, Audience::Public, ids[0]).await;
        assert_eq!(listed.len(), MAX_LINEAGE_DEPTH, "{listed:?}");
        assert_eq!(listed.last().unwrap().0, format!("m{MAX_LINEAGE_DEPTH}"));
        assert!(listed.iter().all(|(_, ratio)| ratio.is_none()), "no compute known");
    }

    /// The lead organization is the one at the lowest position; a model that merely counts the
    /// subject's lead among its other organizations is not a candidate through it.
    #[tokio::test]
    async fn only_the_lead_organization_counts() {
        let db = memory_db().await;
        let lab = plant(&db, organization("lab", "US")).await.id;
        let other = plant(&db, organization("other", "FR")).await.id;
        let mut subject = record("subject", "2020-01-01");
        subject.organization_ids = vec![lab, other];
        let subject = plant(&db, subject).await.id;
        let mut led = record("led-by-lab", "2021-01-01");
        led.organization_ids = vec![lab];
        plant(&db, led).await;
        let mut partner = record("lab-as-partner", "2021-01-01");
        partner.organization_ids = vec![other, lab];
        plant(&db, partner).await;
        let listed = slugs_of(&db, Audience::Public, subject).await;
        assert_eq!(listed, [("led-by-lab".to_owned(), None)]);
    }
}
