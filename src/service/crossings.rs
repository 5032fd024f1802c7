//! Threshold crossings: a committed change that moves a published model from below a compute
//! threshold to at or above it, or back. They are derived from the revision log, never stored:
//! a model's revision compares its counted figure (`thresholds::status`) before and after
//! against every threshold as it stood then; a threshold's revision that moves its FLOP or its
//! flags compares every published model against the old and the new line. A draft (or a
//! deleted model) is not in the catalog: publishing a model above a line crosses it, and
//! withdrawing it crosses back. A threshold that is created or deleted moves no model: the
//! line appears or goes, the models stay where they were.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::Deserialize;
use serde_json::Value as Json;

use super::thresholds::{self, ComputeParts, ThresholdRow, ThresholdStatus};
use super::{ServiceError, ServiceResult, revisions::RevisionRow};
use crate::domain::EntityType;
use crate::entity::{model, revision};

/// Most threshold revisions read to know how the thresholds stood (admins write them; a few
/// per year are expected).
const MAX_THRESHOLD_REVISIONS: u64 = 10_000;

/// Most revisions of one model read for its history.
const MAX_MODEL_REVISIONS: u64 = 1_000;

/// Models read at once while comparing a changed threshold against the catalog.
const BATCH: u64 = 500;

/// One crossing: `model` moved across `threshold` at `revision_id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Crossing {
    pub revision_id: i32,
    pub at: DateTime<Utc>,
    pub model_id: i32,
    /// The model's name as the change left it (or as it was, when it was withdrawn).
    pub model_name: String,
    pub threshold_id: i32,
    /// The model's standing before the change; `None` when it was not in the public catalog.
    /// Its `threshold` is the line as it stood then.
    pub before: Option<ThresholdStatus>,
    /// The standing after the change; `None` once the model left the public catalog.
    pub after: Option<ThresholdStatus>,
}

impl Crossing {
    /// Whether the model went from below to at or above (else it went back below).
    pub fn upward(&self) -> bool {
        at_or_above(self.after.as_ref())
    }

    /// The threshold as the change left it (as it was, for a model's change).
    pub fn threshold(&self) -> &ThresholdRow {
        let standing = self.after.as_ref().or(self.before.as_ref());
        &standing.expect("a crossing has a standing on one side").threshold
    }
}

/// The side of a line a standing is on: at or above needs a counted figure at or above it.
fn at_or_above(standing: Option<&ThresholdStatus>) -> bool {
    standing.is_some_and(|s| s.counted.is_some_and(|c| c >= s.threshold.flop))
}

/// What a model revision's JSON says about the model's place in the public catalog.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelState {
    name: String,
    published: bool,
    training_compute_flop: Option<f64>,
    #[serde(default)]
    training_compute_flop_low: Option<f64>,
    #[serde(default)]
    training_compute_flop_high: Option<f64>,
    #[serde(default)]
    finetune_compute_flop: Option<f64>,
    #[serde(default)]
    post_training_compute_flop: Option<f64>,
}

impl ModelState {
    /// The state a revision recorded, if the model was published in it.
    fn published(json: Option<&Json>) -> Option<ModelState> {
        let state: ModelState = serde_json::from_value(json?.clone()).ok()?;
        state.published.then_some(state)
    }

    fn parts(&self) -> ComputeParts {
        ComputeParts {
            training: self.training_compute_flop,
            training_low: self.training_compute_flop_low,
            training_high: self.training_compute_flop_high,
            finetune: self.finetune_compute_flop,
            post_training: self.post_training_compute_flop,
        }
    }
}

/// What a threshold revision's JSON says about the line.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThresholdState {
    slug: String,
    name: String,
    flop: f64,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    counts_finetune: bool,
    #[serde(default)]
    counts_post_training: bool,
}

fn threshold_row(id: i32, json: Option<&Json>) -> Option<ThresholdRow> {
    let s: ThresholdState = serde_json::from_value(json?.clone()).ok()?;
    Some(ThresholdRow {
        id,
        slug: s.slug,
        name: s.name,
        flop: s.flop,
        description: s.description,
        source_url: s.source_url,
        version: 0,
        counts_finetune: s.counts_finetune,
        counts_post_training: s.counts_post_training,
    })
}

type LoggedChange = (i32, DateTime<Utc>, i32, Option<Json>, Option<Json>);

/// A model's revision: (revision id, time, before, after).
type LoggedChangeOfModel = (i32, DateTime<Utc>, Option<Json>, Option<Json>);

/// The thresholds' own history, to tell how they stood at any revision. The thresholds the
/// migration made have no revision until an admin first changes them.
pub struct ThresholdLog {
    /// (revision id, time, threshold id, before, after), oldest first.
    revisions: Vec<LoggedChange>,
    current: Vec<ThresholdRow>,
}

impl ThresholdLog {
    pub async fn load(db: &impl ConnectionTrait) -> ServiceResult<ThresholdLog> {
        use revision::Column as R;
        let revisions: Vec<LoggedChange> = revision::Entity::find()
            .select_only()
            .columns([R::Id, R::CreatedAt, R::EntityId, R::Before, R::After])
            .filter(revision::Column::EntityType.eq(EntityType::ComputeThreshold.as_str()))
            .order_by_asc(revision::Column::Id)
            .limit(MAX_THRESHOLD_REVISIONS + 1)
            .into_tuple()
            .all(db)
            .await?;
        if revisions.len() as u64 > MAX_THRESHOLD_REVISIONS {
            return Err(ServiceError::internal(anyhow::anyhow!(
                "more than {MAX_THRESHOLD_REVISIONS} threshold revisions: crossings are not read past that"
            )));
        }
        Ok(ThresholdLog { revisions, current: thresholds::all(db).await? })
    }

    /// Every threshold as it stood just after revision `at`, lowest first.
    pub fn as_of(&self, at: i32) -> Vec<ThresholdRow> {
        let mut ids: Vec<i32> = self.current.iter().map(|t| t.id).chain(self.revisions.iter().map(|r| r.2)).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut rows: Vec<ThresholdRow> = ids
            .into_iter()
            .filter_map(|id| {
                let mine = || self.revisions.iter().filter(move |r| r.2 == id);
                if let Some(last) = mine().rfind(|r| r.0 <= at) {
                    return threshold_row(id, last.4.as_ref());
                }
                if let Some(next) = mine().find(|r| r.0 > at) {
                    return threshold_row(id, next.3.as_ref());
                }
                self.current.iter().find(|t| t.id == id).cloned()
            })
            .collect();
        rows.sort_by(|a, b| a.flop.total_cmp(&b.flop).then(a.id.cmp(&b.id)));
        rows
    }
}

/// The crossings a model's change caused, against `lines` (the thresholds as they stood).
fn of_model_change(
    revision: (i32, DateTime<Utc>),
    model_id: i32,
    before: Option<&ModelState>,
    after: Option<&ModelState>,
    lines: &[ThresholdRow],
) -> Vec<Crossing> {
    let Some(name) = after.or(before).map(|m| m.name.clone()) else { return vec![] };
    lines
        .iter()
        .filter_map(|line| {
            let was = before.map(|m| thresholds::status(&m.parts(), line));
            let is = after.map(|m| thresholds::status(&m.parts(), line));
            (at_or_above(was.as_ref()) != at_or_above(is.as_ref())).then(|| Crossing {
                revision_id: revision.0,
                at: revision.1,
                model_id,
                model_name: name.clone(),
                threshold_id: line.id,
                before: was,
                after: is,
            })
        })
        .collect()
}

/// The crossing a threshold's move from `old` to `new` made of one published model, if any.
fn of_threshold_change(
    revision: (i32, DateTime<Utc>),
    model: (i32, &str, &ComputeParts),
    old: &ThresholdRow,
    new: &ThresholdRow,
) -> Option<Crossing> {
    let was = thresholds::status(model.2, old);
    let is = thresholds::status(model.2, new);
    (at_or_above(Some(&was)) != at_or_above(Some(&is))).then(|| Crossing {
        revision_id: revision.0,
        at: revision.1,
        model_id: model.0,
        model_name: model.1.to_owned(),
        threshold_id: new.id,
        before: Some(was),
        after: Some(is),
    })
}

/// A threshold revision's line before and after, when both exist and the line moved.
fn moved_line(id: i32, before: Option<&Json>, after: Option<&Json>) -> Option<(ThresholdRow, ThresholdRow)> {
    let old = threshold_row(id, before)?;
    let new = threshold_row(id, after)?;
    let moved = old.flop != new.flop
        || old.counts_finetune != new.counts_finetune
        || old.counts_post_training != new.counts_post_training;
    moved.then_some((old, new))
}

/// The crossings one revision caused, in model then threshold order, at most `limit` of them;
/// the flag says whether there were more. A model's revision is read against `log`; a
/// threshold's revision against the published models as they stand now (the catalog read in
/// batches, and only the models whose figures lie between the old and the new line), which is
/// the state at the change for a change just made.
pub async fn of_revision(
    db: &impl ConnectionTrait,
    log: &ThresholdLog,
    row: &RevisionRow,
    limit: usize,
) -> ServiceResult<(Vec<Crossing>, bool)> {
    let revision = (row.id, row.created_at);
    match row.entity_type {
        EntityType::Model => {
            let before = ModelState::published(row.before.as_ref());
            let after = ModelState::published(row.after.as_ref());
            let mut found =
                of_model_change(revision, row.entity_id, before.as_ref(), after.as_ref(), &log.as_of(row.id));
            let more = found.len() > limit;
            found.truncate(limit);
            Ok((found, more))
        }
        EntityType::ComputeThreshold => {
            let Some((old, new)) = moved_line(row.entity_id, row.before.as_ref(), row.after.as_ref()) else {
                return Ok((vec![], false));
            };
            across_the_catalog(db, revision, &old, &new, limit).await
        }
        _ => Ok((vec![], false)),
    }
}

async fn across_the_catalog(
    db: &impl ConnectionTrait,
    revision: (i32, DateTime<Utc>),
    old: &ThresholdRow,
    new: &ThresholdRow,
    limit: usize,
) -> ServiceResult<(Vec<Crossing>, bool)> {
    use model::Column as C;
    let zero = |c: C| Func::coalesce([Expr::col(c), Expr::val(0.0_f64)]);
    // A counted figure lies between the training compute and it plus every part: a model whose
    // whole range is on one side of both lines cannot cross.
    let (low, high) = (old.flop.min(new.flop), old.flop.max(new.flop));
    let most =
        Expr::col(C::TrainingComputeFlop).add(zero(C::FinetuneComputeFlop)).add(zero(C::PostTrainingComputeFlop));
    let mut found = Vec::new();
    let mut after_id = 0;
    loop {
        let batch = figures()
            .filter(C::Published.eq(true))
            .filter(C::Id.gt(after_id))
            .filter(C::TrainingComputeFlop.lt(high))
            .filter(most.clone().gte(low))
            .order_by_asc(C::Id)
            .limit(BATCH)
            .into_model::<ModelFigures>()
            .all(db)
            .await?;
        for model in batch.iter().map(ModelFigures::state) {
            after_id = model.0;
            if let Some(crossing) = of_threshold_change(revision, (model.0, &model.1.name, &model.1.parts()), old, new)
            {
                if found.len() == limit {
                    return Ok((found, true));
                }
                found.push(crossing);
            }
        }
        if (batch.len() as u64) < BATCH {
            return Ok((found, false));
        }
    }
}

/// A model's crossings, oldest first, from its own revisions and the thresholds' (so the
/// history covers every change ever logged). Against a threshold's change the model is taken
/// as it stood then. At most the newest `limit`.
pub async fn history(db: &impl ConnectionTrait, model_id: i32, limit: usize) -> ServiceResult<Vec<Crossing>> {
    let revisions: Vec<LoggedChangeOfModel> = revision::Entity::find()
        .select_only()
        .columns([revision::Column::Id, revision::Column::CreatedAt, revision::Column::Before, revision::Column::After])
        .filter(revision::Column::EntityType.eq(EntityType::Model.as_str()))
        .filter(revision::Column::EntityId.eq(model_id))
        .order_by_asc(revision::Column::Id)
        .limit(MAX_MODEL_REVISIONS + 1)
        .into_tuple()
        .all(db)
        .await?;
    if revisions.len() as u64 > MAX_MODEL_REVISIONS {
        return Err(ServiceError::bad_input(
            "thresholdHistory",
            format!("the model has more than {MAX_MODEL_REVISIONS} revisions: its history is not derived past that"),
        ));
    }
    let current = if revisions.is_empty() { current_state(db, model_id).await? } else { None };
    let log = ThresholdLog::load(db).await?;
    // The model as it stood just after revision `at`: its last revision by then, else the
    // state its first later revision started from, else (never revised) as it stands.
    let state_at = |at: i32| -> Option<ModelState> {
        if let Some(last) = revisions.iter().rfind(|r| r.0 <= at) {
            return ModelState::published(last.3.as_ref());
        }
        match revisions.iter().find(|r| r.0 > at) {
            Some(next) => ModelState::published(next.2.as_ref()),
            None => current.clone(),
        }
    };
    let mut found = Vec::new();
    for (id, at, before, after) in &revisions {
        let (was, is) = (ModelState::published(before.as_ref()), ModelState::published(after.as_ref()));
        found.extend(of_model_change((*id, *at), model_id, was.as_ref(), is.as_ref(), &log.as_of(*id)));
    }
    for (id, at, threshold_id, before, after) in &log.revisions {
        let (Some((old, new)), Some(model)) =
            (moved_line(*threshold_id, before.as_ref(), after.as_ref()), state_at(*id))
        else {
            continue;
        };
        found.extend(of_threshold_change((*id, *at), (model_id, &model.name, &model.parts()), &old, &new));
    }
    // Stable: a revision's crossings stay in the thresholds' order.
    found.sort_by_key(|c| c.revision_id);
    let skip = found.len().saturating_sub(limit);
    Ok(found.split_off(skip))
}

/// A model that was never revised, as it stands (planted by hand, or from before the log).
async fn current_state(db: &impl ConnectionTrait, model_id: i32) -> ServiceResult<Option<ModelState>> {
    let row = figures().filter(model::Column::Id.eq(model_id)).into_model::<ModelFigures>().one(db).await?;
    Ok(row.map(|row| row.state().1).filter(|state| state.published))
}

/// A model's row as far as its place against the thresholds goes.
#[derive(FromQueryResult)]
struct ModelFigures {
    id: i32,
    name: String,
    published: bool,
    training_compute_flop: Option<f64>,
    training_compute_flop_low: Option<f64>,
    training_compute_flop_high: Option<f64>,
    finetune_compute_flop: Option<f64>,
    post_training_compute_flop: Option<f64>,
}

impl ModelFigures {
    fn state(&self) -> (i32, ModelState) {
        let state = ModelState {
            name: self.name.clone(),
            published: self.published,
            training_compute_flop: self.training_compute_flop,
            training_compute_flop_low: self.training_compute_flop_low,
            training_compute_flop_high: self.training_compute_flop_high,
            finetune_compute_flop: self.finetune_compute_flop,
            post_training_compute_flop: self.post_training_compute_flop,
        };
        (self.id, state)
    }
}

fn figures() -> sea_orm::Select<model::Entity> {
    use model::Column as C;
    model::Entity::find().select_only().columns([
        C::Id,
        C::Name,
        C::Published,
        C::TrainingComputeFlop,
        C::TrainingComputeFlopLow,
        C::TrainingComputeFlopHigh,
        C::FinetuneComputeFlop,
        C::PostTrainingComputeFlop,
    ])
}

/// The changes that can cause crossings.
pub const CAUSES: [EntityType; 2] = [EntityType::Model, EntityType::ComputeThreshold];

/// The crossings of the newest `length` public changes to models and thresholds, newest
/// change first; at most `length` crossings in all.
pub async fn latest(db: &impl ConnectionTrait, length: u64) -> ServiceResult<Vec<Crossing>> {
    let rows = super::revisions::latest_public(db, &CAUSES, None, length).await?;
    let mut found = Vec::new();
    if rows.is_empty() {
        return Ok(found);
    }
    let log = ThresholdLog::load(db).await?;
    let most = length as usize;
    for row in &rows {
        let (crossings, _) = of_revision(db, &log, row, most - found.len()).await?;
        found.extend(crossings);
        if found.len() == most {
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::edits::{self, ThresholdRecord};
    use crate::service::testing::memory_db;
    use crate::service::{Actor, Audience, revisions};

    fn eu(log: &ThresholdLog, at: i32) -> f64 {
        log.as_of(at).iter().find(|t| t.slug == "eu-ai-act-systemic-risk").unwrap().flop
    }

    /// The migration's thresholds have no revision until first changed: before that change a
    /// threshold stood as the change's `before` says, after it as its `after` (and the last).
    #[tokio::test]
    async fn thresholds_stand_as_their_log_says_at_each_revision() {
        let db = memory_db().await;
        let actor = Actor::system("test");
        let eu_row = thresholds::by_slug(&db, "eu-ai-act-systemic-risk").await.unwrap().unwrap();
        assert_eq!(eu(&ThresholdLog::load(&db).await.unwrap(), 0), 1e25, "no revision: as it stands");
        let lower = |r: &mut ThresholdRecord| {
            r.flop = 4e24;
            Ok(())
        };
        let action = crate::domain::RevisionAction::Update;
        edits::update::<ThresholdRecord>(&db, &actor, eu_row.id, eu_row.version, action, None, lower).await.unwrap();
        let raise = |r: &mut ThresholdRecord| {
            r.flop = 2e25;
            Ok(())
        };
        edits::update::<ThresholdRecord>(&db, &actor, eu_row.id, eu_row.version + 1, action, None, raise)
            .await
            .unwrap();
        let args = Default::default();
        let page = revisions::page(&db, Audience::Public, Some((EntityType::ComputeThreshold, eu_row.id)), &args);
        let ids: Vec<i32> = page.await.unwrap().rows.into_iter().map(|(_, r)| r.id).rev().collect();
        let log = ThresholdLog::load(&db).await.unwrap();
        assert_eq!((eu(&log, ids[0] - 1), eu(&log, ids[0]), eu(&log, ids[1])), (1e25, 4e24, 2e25));
        let raised = revisions::by_id(&db, Audience::Public, ids[1]).await.unwrap().unwrap();
        let (crossed, more) = of_revision(&db, &log, &raised, 10).await.unwrap();
        assert!(crossed.is_empty() && !more, "an empty catalog has nothing to cross");
    }
}
