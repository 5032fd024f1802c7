//! Named training-compute thresholds (the defaults come with the migration) and when the
//! catalog's models crossed them. Writes are for admins: the GraphQL layer must check the role
//! before calling `create`, `update` or `delete`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{Audience, ServiceError, ServiceResult, models, trend::MAX_ANALYSED_MODELS};
use crate::domain::Slug;
use crate::entity::{compute_threshold, model};

pub use compute_threshold::Model as ThresholdRow;

/// Thresholds above this are refused as typos (1e40 FLOP is far past any plan on record).
pub const MAX_THRESHOLD_FLOP: f64 = 1e40;

/// Every threshold, lowest first.
pub async fn all(db: &impl ConnectionTrait) -> ServiceResult<Vec<ThresholdRow>> {
    Ok(compute_threshold::Entity::find()
        .order_by_asc(compute_threshold::Column::Flop)
        .order_by_asc(compute_threshold::Column::Id)
        .all(db)
        .await?)
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
    let first = over().order_by_asc(model::Column::AnnouncedOn).order_by_asc(model::Column::Id).one(db).await?;
    let dates: Vec<NaiveDate> =
        over().select_only().column(model::Column::AnnouncedOn).limit(MAX_ANALYSED_MODELS).into_tuple().all(db).await?;
    let mut per_year: BTreeMap<i32, u64> = BTreeMap::new();
    if let Some(first) = &first.as_ref().and_then(|m| m.announced_on) {
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

/// A threshold as an admin writes it.
#[derive(Clone, Debug)]
pub struct ThresholdInput {
    pub slug: String,
    pub name: String,
    pub flop: f64,
    pub description: String,
    pub source_url: Option<String>,
}

fn validate(input: &ThresholdInput) -> ServiceResult<()> {
    Slug::parse(&input.slug).map_err(|m| ServiceError::bad_input("slug", m))?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::bad_input("name", "must be 1 to 200 characters"));
    }
    if !(input.flop.is_finite() && input.flop > 0.0 && input.flop <= MAX_THRESHOLD_FLOP) {
        return Err(ServiceError::bad_input("flop", format!("must be above 0 and at most {MAX_THRESHOLD_FLOP:e}")));
    }
    if input.description.chars().count() > 4_000 {
        return Err(ServiceError::bad_input("description", "must be at most 4000 characters"));
    }
    if let Some(url) = &input.source_url {
        let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(ServiceError::bad_input("sourceUrl", "must be an http(s) URL"));
        }
    }
    Ok(())
}

async fn slug_taken(db: &impl ConnectionTrait, slug: &str, except: Option<i32>) -> ServiceResult<bool> {
    Ok(by_slug(db, slug).await?.is_some_and(|t| Some(t.id) != except))
}

pub async fn create(db: &impl ConnectionTrait, input: ThresholdInput) -> ServiceResult<ThresholdRow> {
    validate(&input)?;
    if slug_taken(db, &input.slug, None).await? {
        return Err(ServiceError::bad_input("slug", "is taken by another threshold"));
    }
    let row = compute_threshold::ActiveModel {
        slug: Set(input.slug),
        name: Set(input.name.trim().to_owned()),
        flop: Set(input.flop),
        description: Set(input.description),
        source_url: Set(input.source_url),
        version: Set(1),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Replaces the threshold `slug`, if `version` is still the one stored (else the edit would
/// overwrite a change the admin has not seen).
pub async fn update(
    db: &impl ConnectionTrait,
    slug: &str,
    version: i32,
    input: ThresholdInput,
) -> ServiceResult<ThresholdRow> {
    validate(&input)?;
    let current = by_slug(db, slug).await?.ok_or_else(|| ServiceError::NotFound(format!("threshold `{slug}`")))?;
    if current.version != version {
        return Err(ServiceError::bad_input(
            "version",
            format!("is {version}, but the threshold is at {}", current.version),
        ));
    }
    if slug_taken(db, &input.slug, Some(current.id)).await? {
        return Err(ServiceError::bad_input("slug", "is taken by another threshold"));
    }
    let result = compute_threshold::Entity::update_many()
        .filter(compute_threshold::Column::Id.eq(current.id))
        .filter(compute_threshold::Column::Version.eq(version))
        .col_expr(compute_threshold::Column::Slug, input.slug.clone().into())
        .col_expr(compute_threshold::Column::Name, input.name.trim().to_owned().into())
        .col_expr(compute_threshold::Column::Flop, input.flop.into())
        .col_expr(compute_threshold::Column::Description, input.description.clone().into())
        .col_expr(compute_threshold::Column::SourceUrl, input.source_url.clone().into())
        .col_expr(compute_threshold::Column::Version, (version + 1).into())
        .exec(db)
        .await?;
    if result.rows_affected != 1 {
        return Err(ServiceError::bad_input("version", "the threshold changed meanwhile"));
    }
    by_slug(db, &input.slug).await?.ok_or_else(|| ServiceError::internal(anyhow::anyhow!("updated threshold vanished")))
}

pub async fn delete(db: &impl ConnectionTrait, slug: &str) -> ServiceResult<ThresholdRow> {
    let current = by_slug(db, slug).await?.ok_or_else(|| ServiceError::NotFound(format!("threshold `{slug}`")))?;
    compute_threshold::Entity::delete_by_id(current.id).exec(db).await?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migration::{Migrator, MigratorTrait};

    async fn db() -> sea_orm::DatabaseConnection {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        db
    }

    fn input(slug: &str, flop: f64) -> ThresholdInput {
        ThresholdInput { slug: slug.into(), name: "A line".into(), flop, description: String::new(), source_url: None }
    }

    #[tokio::test]
    async fn the_migration_seeds_three_defaults_in_order() {
        let db = db().await;
        let all = all(&db).await.unwrap();
        assert_eq!(all.iter().map(|t| t.flop).collect::<Vec<_>>(), vec![1e23, 1e25, 1e26]);
        assert_eq!(crossed_by(Some(2e25), &all).len(), 2);
        assert!(crossed_by(None, &all).is_empty());
    }

    #[tokio::test]
    async fn create_update_and_delete_validate_what_they_write() {
        let db = db().await;
        let created = create(&db, input("one-e-27", 1e27)).await.unwrap();
        assert_eq!(created.version, 1);
        for (bad, field) in [
            (input("One E27", 1e27), "slug"),
            (input("x-27", 0.0), "flop"),
            (input("x-27", f64::INFINITY), "flop"),
            (input("one-e-27", 1e27), "slug"),
            (ThresholdInput { name: " ".into(), ..input("x-27", 1e27) }, "name"),
            (ThresholdInput { source_url: Some("ftp://x".into()), ..input("x-27", 1e27) }, "sourceUrl"),
        ] {
            match create(&db, bad).await {
                Err(ServiceError::BadInput { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let updated = update(&db, "one-e-27", 1, input("ten-e-26", 1e27)).await.unwrap();
        assert_eq!((updated.slug.as_str(), updated.version), ("ten-e-26", 2));
        let stale = update(&db, "ten-e-26", 1, input("ten-e-26", 2e27)).await;
        assert!(matches!(stale, Err(ServiceError::BadInput { ref field, .. }) if field == "version"));
        let taken = update(&db, "ten-e-26", 2, input("eu-ai-act-systemic-risk", 2e27)).await;
        assert!(matches!(taken, Err(ServiceError::BadInput { ref field, .. }) if field == "slug"));
        delete(&db, "ten-e-26").await.unwrap();
        assert!(matches!(delete(&db, "ten-e-26").await, Err(ServiceError::NotFound(_))));
        assert_eq!(all(&db).await.unwrap().len(), 3);
    }
}
