//! Whether a follower wants to hear of a change, and the feed's bounded read of the log.
//!
//! A change matches the filter's model conditions when a model it touches matched them before
//! the change or after it (a deletion has only a before). What a change touches, and the states
//! judged:
//! - a model's revision: that model, as its revision records it before and after;
//! - a risk assessment's or a prediction's (a resolution): its model (before and after, should it have moved), as the model's
//!   newest revision the follower may read records it (the catalog keeps no model state by time
//!   other than the log, and an assessment does not change its model);
//! - an organization's: the models linked to it now, each judged with the organization as it
//!   was before and as it is after the change (for `org` and `country`).
//!
//! A model's organizations other than the one changed are judged as they stand now.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::Value as Json;

use super::{ChangeFilter, classify};
use crate::domain::{ChangeKind, EntityType, name_key};
use crate::entity::model_organization;
use crate::service::revisions::{self, RevisionRow};
use crate::service::thresholds::{self, ThresholdRow};
use crate::service::{Audience, ServiceError, ServiceResult, models};

/// What the feed follows.
pub const FOLLOWED: [EntityType; 4] =
    [EntityType::Model, EntityType::Organization, EntityType::RiskAssessment, EntityType::Prediction];

/// The only entries whose changes have a kind (`classify`).
const WITH_KINDS: [EntityType; 3] = [EntityType::Model, EntityType::RiskAssessment, EntityType::Prediction];

/// Revisions read from the log at once by a filtered feed.
const BATCH: u64 = 500;

/// The most revisions a filtered feed reads: a filter that matches rarely lists what matched
/// among the newest this many changes.
pub const MAX_SCANNED: usize = 5_000;

/// A filter ready to judge changes for one audience.
pub struct Follower {
    filter: ChangeFilter,
    audience: Audience,
    /// The id of the model `filter.model` names.
    model_id: Option<i32>,
    /// The thresholds a crossing is judged against, read when following starts.
    thresholds: Vec<ThresholdRow>,
}

impl Follower {
    /// Refuses a model slug `audience` cannot see, naming `model_field`.
    pub async fn new(
        db: &impl ConnectionTrait,
        audience: Audience,
        filter: ChangeFilter,
        model_field: &str,
    ) -> ServiceResult<Follower> {
        let model_id = match &filter.model {
            Some(slug) => Some(
                models::by_slug(db, audience, slug)
                    .await?
                    .ok_or_else(|| ServiceError::bad_input(model_field, format!("no model has the slug `{slug}`")))?
                    .id,
            ),
            None => None,
        };
        let thresholds =
            if filter.kinds.contains(&ChangeKind::ThresholdCrossed) { thresholds::all(db).await? } else { vec![] };
        Ok(Follower { filter, audience, model_id, thresholds })
    }

    pub fn filter(&self) -> &ChangeFilter {
        &self.filter
    }

    /// Whether the follower wants to hear of the change `row` records. `states` keeps what was
    /// read for the next call (for one read of the log: the states it holds do not move on).
    pub async fn wants(
        &self,
        db: &impl ConnectionTrait,
        row: &RevisionRow,
        states: &mut States,
    ) -> ServiceResult<bool> {
        if !self.filter.kinds.is_empty() {
            let kinds = classify(row, &self.thresholds);
            if !kinds.iter().any(|kind| self.filter.kinds.contains(kind)) {
                return Ok(false);
            }
        }
        if !self.filter.has_model_conditions() {
            return Ok(true);
        }
        let sides = [&row.before, &row.after];
        match row.entity_type {
            EntityType::Model => {
                for state in sides.into_iter().flatten() {
                    if self.model_matches(db, states, row.entity_id, state, None).await? {
                        return Ok(true);
                    }
                }
            }
            EntityType::RiskAssessment | EntityType::Prediction => {
                let mut ids: Vec<i32> = sides.into_iter().flatten().filter_map(|s| id_in(s.get("modelId"))).collect();
                ids.dedup();
                for id in ids {
                    if let Some(state) = states.current(db, self.audience, EntityType::Model, id).await?
                        && self.model_matches(db, states, id, &state, None).await?
                    {
                        return Ok(true);
                    }
                }
            }
            EntityType::Organization => {
                for id in states.models_of(db, row.entity_id).await? {
                    let Some(state) = states.current(db, self.audience, EntityType::Model, id).await? else { continue };
                    for organization in sides.into_iter().flatten() {
                        let changed = Some((row.entity_id, organization));
                        if self.model_matches(db, states, id, &state, changed).await? {
                            return Ok(true);
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(false)
    }

    /// Whether the model `id` in the state `model` (a `ModelRecord` as JSON) passes the
    /// filter's model conditions, with the organization `changed` (id and state) standing in for
    /// that organization's current state.
    async fn model_matches(
        &self,
        db: &impl ConnectionTrait,
        states: &mut States,
        id: i32,
        model: &Json,
        changed: Option<(i32, &Json)>,
    ) -> ServiceResult<bool> {
        let f = &self.filter;
        let text = |key: &str| model.get(key).and_then(Json::as_str);
        let year = text("announcedOn").and_then(|d| d.get(..4)?.parse::<i32>().ok());
        let compute = model.get("trainingComputeFlop").and_then(Json::as_f64);
        let has_modality = |m: &str| {
            ["inputModalities", "outputModalities"]
                .iter()
                .any(|key| model.get(*key).and_then(Json::as_array).is_some_and(|list| list.iter().any(|v| v == m)))
        };
        let own = self.model_id.is_none_or(|wanted| wanted == id)
            && f.q.as_ref().is_none_or(|q| text("name").is_some_and(|name| contains(name, q)))
            && f.access.is_none_or(|a| text("access") == Some(a.as_str()))
            && f.modality.is_none_or(|m| has_modality(m.as_str()))
            && f.from.is_none_or(|from| year.is_some_and(|y| y >= from))
            && f.to.is_none_or(|to| year.is_some_and(|y| y <= to))
            && f.min_compute.is_none_or(|min| compute.is_some_and(|c| c >= min));
        if !own || (f.org.is_none() && f.country.is_none()) {
            return Ok(own);
        }
        let (mut org_found, mut country_found) = (f.org.is_none(), f.country.is_none());
        let ids = model.get("organizationIds").and_then(Json::as_array).cloned().unwrap_or_default();
        for organization_id in ids.iter().filter_map(|v| id_in(Some(v))) {
            let organization = match changed {
                Some((changed_id, state)) if changed_id == organization_id => Some(state.clone()),
                _ => states.current(db, self.audience, EntityType::Organization, organization_id).await?,
            };
            let Some(organization) = organization else { continue };
            let field = |key: &str| organization.get(key).and_then(Json::as_str);
            org_found |= f.org.as_ref().is_some_and(|org| field("name").is_some_and(|name| contains(name, org)));
            country_found |= f.country.as_deref().is_some_and(|country| field("country") == Some(country));
        }
        Ok(org_found && country_found)
    }
}

/// Case-insensitive containment, as the API's name filters compare.
fn contains(text: &str, part: &str) -> bool {
    name_key(text).contains(&name_key(part))
}

fn id_in(value: Option<&Json>) -> Option<i32> {
    value?.as_i64().and_then(|id| i32::try_from(id).ok())
}

/// The states of entries and the links of organizations read while judging changes, kept for
/// the next change judged.
#[derive(Default)]
pub struct States {
    records: HashMap<(EntityType, i32), Option<Json>>,
    members: HashMap<i32, Vec<i32>>,
}

impl States {
    /// The entry as its newest revision `audience` may read records it (as it was before its
    /// deletion, if it was deleted).
    async fn current(
        &mut self,
        db: &impl ConnectionTrait,
        audience: Audience,
        kind: EntityType,
        id: i32,
    ) -> ServiceResult<Option<Json>> {
        if let Some(state) = self.records.get(&(kind, id)) {
            return Ok(state.clone());
        }
        let row = revisions::latest_visible(db, audience, kind, id).await?;
        let state = row.and_then(|r| r.after.or(r.before));
        self.records.insert((kind, id), state.clone());
        Ok(state)
    }

    /// The models linked to an organization now.
    async fn models_of(&mut self, db: &impl ConnectionTrait, organization: i32) -> ServiceResult<Vec<i32>> {
        if let Some(ids) = self.members.get(&organization) {
            return Ok(ids.clone());
        }
        let ids: Vec<i32> = model_organization::Entity::find()
            .select_only()
            .column(model_organization::Column::ModelId)
            .filter(model_organization::Column::OrganizationId.eq(organization))
            .into_tuple()
            .all(db)
            .await?;
        self.members.insert(organization, ids.clone());
        Ok(ids)
    }
}

/// The newest public changes `follower` wants, newest first, at most `limit` of them, and how
/// many revisions were read to find them. Unfiltered, that is one read of `limit` rows; filtered,
/// the log is read newest first `BATCH` at a time, at most `MAX_SCANNED` revisions in all.
pub async fn latest_public(
    db: &impl ConnectionTrait,
    follower: &Follower,
    limit: usize,
) -> ServiceResult<(Vec<RevisionRow>, usize)> {
    if follower.filter.is_everything() {
        let rows = revisions::latest_public(db, &FOLLOWED, None, limit as u64).await?;
        let read = rows.len();
        return Ok((rows, read));
    }
    let entries: &[EntityType] = if follower.filter.kinds.is_empty() { &FOLLOWED } else { &WITH_KINDS };
    let (mut states, mut found, mut scanned, mut older_than) = (States::default(), Vec::new(), 0, None);
    while scanned < MAX_SCANNED {
        let batch = revisions::latest_public(db, entries, older_than, BATCH).await?;
        scanned += batch.len();
        let (full, oldest) = (batch.len() as u64 == BATCH, batch.last().map(|r| r.id));
        for row in batch {
            if follower.wants(db, &row, &mut states).await? {
                found.push(row);
                if found.len() >= limit {
                    return Ok((found, scanned));
                }
            }
        }
        match oldest {
            Some(id) if full => older_than = Some(id),
            _ => break,
        }
    }
    Ok((found, scanned))
}
