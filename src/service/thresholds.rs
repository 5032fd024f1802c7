//! Named training-compute thresholds (the defaults come with the migration) and when the
//! catalog's models crossed them. Admins change them through `edits` like any other entry.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{Audience, ServiceError, ServiceResult, models, trend::MAX_ANALYSED_MODELS};
use crate::entity::{compute_threshold, model};

pub use compute_threshold::Model as ThresholdRow;

/// Every threshold, lowest first.
pub async fn all(db: &impl ConnectionTrait) -> ServiceResult<Vec<ThresholdRow>> {
    Ok(compute_threshold::Entity::find()
        .order_by_asc(compute_threshold::Column::Flop)
        .order_by_asc(compute_threshold::Column::Id)
        .all(db)
        .await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<ThresholdRow>> {
    Ok(compute_threshold::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_slug(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<Option<ThresholdRow>> {
    Ok(compute_threshold::Entity::find().filter(compute_threshold::Column::Slug.eq(slug)).one(db).await?)
}

/// The thresholds a model's training compute is at or above, lowest first.
pub fn crossed_by(compute: Option<f64>, thresholds: &[ThresholdRow]) -> Vec<ThresholdRow> {
    thresholds.iter().filter(|t| compute.is_some_and(|c| c >= t.flop)).cloned().collect()
}

/// When the catalog first reached a threshold, and how many models reached it each year since.
#[derive(Clone, Debug)]
pub struct Crossings {
    pub threshold: ThresholdRow,
    /// The earliest announced model at or above the threshold (ties: first catalogued).
    pub first: Option<models::ModelRow>,
    /// Every year from the first crossing to the later of the last crossing and `today`.
    pub per_year: Vec<(i32, u64)>,
    /// Models at or above the threshold with an announced date.
    pub total: u64,
}

pub async fn crossings(
    db: &impl ConnectionTrait,
    audience: Audience,
    slug: &str,
    today: NaiveDate,
) -> ServiceResult<Crossings> {
    let threshold = by_slug(db, slug).await?.ok_or_else(|| ServiceError::NotFound(format!("threshold `{slug}`")))?;
    let over = || {
        models::visible(audience)
            .filter(model::Column::TrainingComputeFlop.gte(threshold.flop))
            .filter(model::Column::AnnouncedOn.is_not_null())
    };
    let first = over()
        .order_by_asc(model::Column::AnnouncedOn)
        .order_by_asc(model::Column::Id)
        .into_partial_model()
        .one(db)
        .await?;
    let dates: Vec<NaiveDate> =
        over().select_only().column(model::Column::AnnouncedOn).limit(MAX_ANALYSED_MODELS).into_tuple().all(db).await?;
    let mut per_year: BTreeMap<i32, u64> = BTreeMap::new();
    if let Some(first) = &first.as_ref().and_then(|m: &models::ModelRow| m.announced_on) {
        let last = dates.iter().map(|d| d.year()).max().unwrap_or(first.year()).max(today.year());
        for year in first.year()..=last {
            per_year.insert(year, 0);
        }
    }
    for d in &dates {
        *per_year.entry(d.year()).or_default() += 1;
    }
    Ok(Crossings { threshold, first, per_year: per_year.into_iter().collect(), total: dates.len() as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::testing::memory_db;

    #[tokio::test]
    async fn the_migration_seeds_three_defaults_in_order() {
        let db = memory_db().await;
        let all = all(&db).await.unwrap();
        assert_eq!(all.iter().map(|t| t.flop).collect::<Vec<_>>(), vec![1e23, 1e25, 1e26]);
        assert_eq!(crossed_by(Some(2e25), &all).len(), 2);
        assert!(crossed_by(None, &all).is_empty());
    }
}
