//! What the public sees of feedback: who is credited (names of consenting submitters with
//! accepted suggestions) and how many open submissions each model has. Counts and names only.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Expr, ExprTrait},
};

use crate::domain::{EntityType, FeedbackStatus};
use crate::entity::feedback;
use crate::service::page::{Page, PageArgs, text_key};
use crate::service::{ServiceError, ServiceResult};

/// A credited submitter.
#[derive(Clone, Debug)]
pub struct Contributor {
    pub name: String,
    pub accepted_count: u64,
}

fn credited() -> Select<feedback::Entity> {
    feedback::Entity::find()
        .select_only()
        .column(feedback::Column::SubmitterName)
        .filter(feedback::Column::Status.eq(FeedbackStatus::Accepted.as_str()))
        .filter(feedback::Column::CreditConsent.eq(true))
        .filter(feedback::Column::SubmitterName.is_not_null())
        .group_by(feedback::Column::SubmitterName)
}

/// A contributors cursor is the position in the list (the list is an aggregate: it has no row
/// ids to key on).
fn encode(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("contributor:{position}"))
}

fn decode(cursor: &str) -> ServiceResult<u64> {
    let invalid = || ServiceError::bad_input("after", "is not a cursor of this list");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("contributor:").and_then(|n| n.parse::<u32>().ok()).map(u64::from).ok_or_else(invalid)
}

/// Most accepted first, then by name; forward paging only.
pub async fn contributors(db: &impl ConnectionTrait, args: &PageArgs) -> ServiceResult<(Page<Contributor>, u64)> {
    if args.last.is_some() || args.before.is_some() {
        return Err(ServiceError::bad_input("last", "this list pages forward only: use `first` and `after`"));
    }
    let size = args.validated_size()?;
    let start = match &args.after {
        Some(cursor) => decode(cursor)? + 1,
        None => 0,
    };
    let count = Expr::col((feedback::Entity, feedback::Column::Id)).count();
    let name = text_key(Expr::col((feedback::Entity, feedback::Column::SubmitterName)), db.get_database_backend());
    let rows: Vec<(String, i64)> = credited()
        .column_as(count.clone(), "accepted_count")
        .order_by(count, Order::Desc)
        .order_by(name, Order::Asc)
        .offset(start)
        .limit(size + 1)
        .into_tuple()
        .all(db)
        .await?;
    let more = rows.len() as u64 > size;
    let rows = rows
        .into_iter()
        .take(size as usize)
        .enumerate()
        .map(|(i, (name, n))| {
            (encode(start + i as u64), Contributor { name, accepted_count: u64::try_from(n).unwrap_or(0) })
        })
        .collect();
    let total = credited().count(db).await?;
    Ok((Page { rows, has_previous_page: start > 0, has_next_page: more }, total))
}

/// Pending submissions about each of `model_ids`.
pub async fn open_counts(db: &impl ConnectionTrait, model_ids: &[i32]) -> ServiceResult<HashMap<i32, u64>> {
    let rows: Vec<(Option<i32>, i64)> = feedback::Entity::find()
        .select_only()
        .column(feedback::Column::SubjectId)
        .column_as(Expr::col(feedback::Column::Id).count(), "open_count")
        .filter(feedback::Column::SubjectType.eq(EntityType::Model.as_str()))
        .filter(crate::service::relations::one_of(
            db.get_database_backend(),
            feedback::Column::SubjectId,
            model_ids.iter().copied(),
        ))
        .filter(feedback::Column::Status.eq(FeedbackStatus::Pending.as_str()))
        .group_by(feedback::Column::SubjectId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, n)| id.map(|id| (id, u64::try_from(n).unwrap_or(0)))).collect())
}
