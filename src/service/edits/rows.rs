//! The row operations every record shares: the insert (under a given id when restoring), the
//! versioned UPDATE and DELETE whose `WHERE version = ?` is the conflict check, and the lookups
//! for a taken slug or for links that keep an entry from being deleted.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, PrimaryKeyTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::constraint;
use crate::service::ServiceResult;

/// A table of editable entries: an `id`, a `version`, and perhaps a slug and a creation time.
pub trait Table: EntityTrait<PrimaryKey: PrimaryKeyTrait<ValueType = i32>> {
    const ID: Self::Column;
    const VERSION: Self::Column;
    const SLUG: Option<Self::Column>;
    const CREATED_AT: Option<Self::Column>;
}

/// Inserts `row` at version 1 (under `id` when given) and returns its id. A constraint the
/// database catches is blamed on `field`.
pub async fn insert<T: Table>(
    db: &DatabaseTransaction,
    mut row: T::ActiveModel,
    id: Option<i32>,
    field: &str,
) -> ServiceResult<i32>
where
    T::ActiveModel: ActiveModelTrait<Entity = T> + Send,
{
    if let Some(id) = id {
        row.set(T::ID, id.into());
    }
    row.set(T::VERSION, 1.into());
    if let Some(created_at) = T::CREATED_AT {
        row.set(created_at, Utc::now().into());
    }
    let inserted = T::insert(row).exec(db).await.map_err(|e| constraint(e, field))?;
    Ok(id.unwrap_or(inserted.last_insert_id))
}

/// Writes `row` over entry `id` if it is still at version `expected`, bumping the version; false
/// if it is not.
pub async fn update<T: Table>(
    db: &DatabaseTransaction,
    row: T::ActiveModel,
    id: i32,
    expected: i32,
    field: &str,
) -> ServiceResult<bool>
where
    T::ActiveModel: ActiveModelTrait<Entity = T> + Send,
{
    let result = T::update_many()
        .set(row)
        .col_expr(T::VERSION, Expr::col(T::VERSION).add(1))
        .filter(T::ID.eq(id))
        .filter(T::VERSION.eq(expected))
        .exec(db)
        .await
        .map_err(|e| constraint(e, field))?;
    Ok(result.rows_affected == 1)
}

/// Deletes entry `id` if it is still at version `expected`; false if it is not.
pub async fn delete<T: Table>(db: &DatabaseTransaction, id: i32, expected: i32) -> ServiceResult<bool> {
    let result = T::delete_many().filter(T::ID.eq(id)).filter(T::VERSION.eq(expected)).exec(db).await?;
    Ok(result.rows_affected == 1)
}

/// Whether an entry other than `id` has `slug`.
pub async fn slug_taken<T: Table>(db: &DatabaseTransaction, slug: &str, id: Option<i32>) -> ServiceResult<bool>
where
    T::Model: Sync,
{
    let Some(column) = T::SLUG else { return Ok(false) };
    Ok(T::find().filter(column.eq(slug)).filter(T::ID.ne(id.unwrap_or(0))).count(db).await? > 0)
}

/// How many rows of `L` point at `id` through `column`.
pub async fn links<L: EntityTrait>(db: &DatabaseTransaction, column: L::Column, id: i32) -> ServiceResult<u64>
where
    L::Model: Sync,
{
    Ok(L::find().filter(column.eq(id)).count(db).await?)
}

macro_rules! table {
    ($entity:ident, slug: $slug:expr, created_at: $created:expr) => {
        impl Table for crate::entity::$entity::Entity {
            const ID: Self::Column = crate::entity::$entity::Column::Id;
            const VERSION: Self::Column = crate::entity::$entity::Column::Version;
            const SLUG: Option<Self::Column> = $slug;
            const CREATED_AT: Option<Self::Column> = $created;
        }
    };
}

use crate::entity::{capability, compute_threshold, dataset, model, organization, prediction, risk_assessment};
table!(model, slug: Some(model::Column::Slug), created_at: Some(model::Column::CreatedAt));
table!(organization, slug: Some(organization::Column::Slug), created_at: Some(organization::Column::CreatedAt));
table!(capability, slug: Some(capability::Column::Slug), created_at: Some(capability::Column::CreatedAt));
table!(dataset, slug: Some(dataset::Column::Slug), created_at: Some(dataset::Column::CreatedAt));
table!(risk_assessment, slug: None, created_at: Some(risk_assessment::Column::CreatedAt));
table!(compute_threshold, slug: Some(compute_threshold::Column::Slug), created_at: None);
table!(prediction, slug: None, created_at: Some(prediction::Column::CreatedAt));
