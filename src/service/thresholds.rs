//! Named training-compute thresholds (the defaults come with the migration) and when the
//! catalog's models crossed them. Admins change them through `edits` like any other entry.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::filter::{ModelFilter, threshold_slugs};
use super::{Audience, ServiceError, ServiceResult, models, trend::MAX_ANALYSED_MODELS};
use crate::domain::ThresholdStatusValue;
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

/// Refuses a models filter that names a threshold the catalog does not have, naming the field
/// (`filter.thresholdStatus.threshold`); one query, and none when the filter names no threshold.
pub async fn check_filter(
    db: &impl ConnectionTrait,
    filter: Option<&ModelFilter>,
    argument: &str,
) -> ServiceResult<()> {
    let Some(filter) = filter else { return Ok(()) };
    let mut named = Vec::new();
    threshold_slugs(filter, argument, &mut named);
    if named.is_empty() {
        return Ok(());
    }
    let slugs: Vec<&str> = named.iter().map(|(_, slug)| *slug).collect();
    let known: Vec<String> = compute_threshold::Entity::find()
        .select_only()
        .column(compute_threshold::Column::Slug)
        .filter(compute_threshold::Column::Slug.is_in(slugs))
        .into_tuple()
        .all(db)
        .await?;
    match named.iter().find(|(_, slug)| !known.iter().any(|k| k == slug)) {
        Some((path, slug)) => Err(ServiceError::bad_input(path.clone(), format!("no threshold has the slug `{slug}`"))),
        None => Ok(()),
    }
}

/// The thresholds a model's training compute is at or above, lowest first.
pub fn crossed_by(compute: Option<f64>, thresholds: &[ThresholdRow]) -> Vec<ThresholdRow> {
    thresholds.iter().filter(|t| compute.is_some_and(|c| c >= t.flop)).cloned().collect()
}

/// The compute figures of a model that a threshold's status reads.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ComputeParts {
    pub training: Option<f64>,
    pub training_low: Option<f64>,
    pub training_high: Option<f64>,
    pub finetune: Option<f64>,
    pub post_training: Option<f64>,
}

impl From<&models::ModelRow> for ComputeParts {
    fn from(m: &models::ModelRow) -> Self {
        ComputeParts {
            training: m.training_compute_flop,
            training_low: m.training_compute_flop_low,
            training_high: m.training_compute_flop_high,
            finetune: m.finetune_compute_flop,
            post_training: m.post_training_compute_flop,
        }
    }
}

/// The figure a threshold counted for a model, its interval, and the status they give.
#[derive(Clone, Debug, PartialEq)]
pub struct ThresholdStatus {
    pub threshold: ThresholdRow,
    pub counted: Option<f64>,
    pub counted_low: Option<f64>,
    pub counted_high: Option<f64>,
    pub standing: ThresholdStatusValue,
}

/// The status of a model against one threshold.
///
/// The counted figure is the training compute plus, when the threshold counts them, the
/// fine-tuning and post-training compute, each added only when the catalog knows it (an unknown
/// part adds nothing rather than making the sum unknown). The interval's bounds move by the same
/// added parts; a bound the catalog lacks stays unknown, so an estimate without an interval is
/// never ABOVE or BELOW, only LIKELY_ABOVE or LIKELY_BELOW. Epoch's training compute of a
/// fine-tuned model may already include its fine-tuning, so the flags add a part the figure
/// might count twice: that is why every flag starts false and is set only from a legal text.
pub fn status(parts: &ComputeParts, threshold: &ThresholdRow) -> ThresholdStatus {
    let Some(estimate) = parts.training else {
        return ThresholdStatus {
            threshold: threshold.clone(),
            counted: None,
            counted_low: None,
            counted_high: None,
            standing: ThresholdStatusValue::Unknown,
        };
    };
    let mut added = 0.0;
    if threshold.counts_finetune {
        added += parts.finetune.unwrap_or(0.0);
    }
    if threshold.counts_post_training {
        added += parts.post_training.unwrap_or(0.0);
    }
    let counted = estimate + added;
    let low = parts.training_low.map(|l| l + added);
    let high = parts.training_high.map(|h| h + added);
    let standing = if low.is_some_and(|l| l >= threshold.flop) {
        ThresholdStatusValue::Above
    } else if high.is_some_and(|h| h < threshold.flop) {
        ThresholdStatusValue::Below
    } else if counted >= threshold.flop {
        ThresholdStatusValue::LikelyAbove
    } else {
        ThresholdStatusValue::LikelyBelow
    };
    ThresholdStatus {
        threshold: threshold.clone(),
        counted: Some(counted),
        counted_low: low,
        counted_high: high,
        standing,
    }
}

/// The status of a model against every threshold, in the thresholds' order.
pub fn statuses(parts: &ComputeParts, thresholds: &[ThresholdRow]) -> Vec<ThresholdStatus> {
    thresholds.iter().map(|t| status(parts, t)).collect()
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
        assert!(all.iter().all(|t| !t.counts_finetune && !t.counts_post_training));
    }

    fn threshold(flop: f64, counts_finetune: bool, counts_post_training: bool) -> ThresholdRow {
        ThresholdRow {
            id: 1,
            slug: "t".into(),
            name: "T".into(),
            flop,
            description: String::new(),
            source_url: None,
            version: 1,
            counts_finetune,
            counts_post_training,
        }
    }

    fn parts(training: Option<f64>, low: Option<f64>, high: Option<f64>) -> ComputeParts {
        ComputeParts { training, training_low: low, training_high: high, ..ComputeParts::default() }
    }

    #[test]
    fn status_follows_the_interval_then_the_estimate() {
        use ThresholdStatusValue::*;
        let t = threshold(1e25, false, false);
        let cases = [
            (parts(None, None, None), Unknown),
            (parts(None, Some(2e25), Some(3e25)), Unknown),
            (parts(Some(2e25), None, None), LikelyAbove),
            (parts(Some(5e24), None, None), LikelyBelow),
            (parts(Some(1e25), None, None), LikelyAbove),
            (parts(Some(2e25), Some(1.5e25), Some(3e25)), Above),
            (parts(Some(2e25), Some(1e25), Some(3e25)), Above),
            (parts(Some(2e24), Some(1e24), Some(5e24)), Below),
            (parts(Some(9e24), Some(8e24), Some(1e25)), LikelyBelow),
            (parts(Some(2e25), Some(5e24), Some(3e25)), LikelyAbove),
            (parts(Some(8e24), Some(5e24), Some(3e25)), LikelyBelow),
            (parts(Some(2e25), Some(5e24), None), LikelyAbove),
            (parts(Some(8e24), None, Some(3e25)), LikelyBelow),
        ];
        for (i, (p, want)) in cases.iter().enumerate() {
            assert_eq!(status(p, &t).standing, *want, "case {i}: {p:?}");
        }
    }

    #[test]
    fn counted_parts_are_added_only_when_the_threshold_counts_them_and_they_are_known() {
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() <= b * 1e-12);
        let p = ComputeParts {
            training: Some(6e24),
            training_low: Some(5e24),
            training_high: Some(7e24),
            finetune: Some(2e24),
            post_training: Some(4e24),
        };
        let plain = status(&p, &threshold(1e25, false, false));
        assert_eq!((plain.counted, plain.standing), (Some(6e24), ThresholdStatusValue::Below));
        let finetune = status(&p, &threshold(1e25, true, false));
        assert!(
            close(finetune.counted, 8e24) && close(finetune.counted_low, 7e24) && close(finetune.counted_high, 9e24)
        );
        assert_eq!(finetune.standing, ThresholdStatusValue::Below);
        let post = status(&p, &threshold(1e25, false, true));
        assert!(close(post.counted, 1e25 * 1.0) && close(post.counted_high, 1.1e25));
        let both = status(&p, &threshold(1e25, true, true));
        assert!(close(both.counted, 1.2e25) && close(both.counted_low, 1.1e25));
        assert_eq!(both.standing, ThresholdStatusValue::Above);
        let unknown_part = ComputeParts { finetune: None, ..p };
        assert_eq!(status(&unknown_part, &threshold(1e25, true, false)).counted, Some(6e24));
    }
}
