//! Erasing a submitter's contact: on an editor's request, or once a review is older than the
//! retention time. Revisions never held the contact, so clearing the row leaves no copy.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{FeedbackRow, by_id, record};
use crate::domain::RevisionAction;
use crate::entity::feedback;
use crate::service::{Actor, ServiceError, ServiceResult, begin_write};

/// Rows erased per transaction by the sweep.
const SWEEP_BATCH: u64 = 100;

/// Clears the contact of submission `id` (and the address hash kept for duplicates); a
/// revision records that it happened.
pub async fn erase_contact(db: &DatabaseConnection, actor: &Actor, id: i32) -> ServiceResult<FeedbackRow> {
    let tx = begin_write(db).await?;
    let before = by_id(&tx, id).await?.ok_or_else(|| ServiceError::NotFound("feedback".into()))?;
    if before.submitter_contact.is_none() && before.duplicate_key.is_none() {
        tx.commit().await?;
        return Ok(before);
    }
    let now = Utc::now();
    let mut row = before.clone().into_active_model();
    row.submitter_contact = Set(None);
    row.duplicate_key = Set(None);
    if before.submitter_contact.is_some() {
        row.contact_erased_at = Set(Some(now));
    }
    row.updated_at = Set(now);
    row.version = Set(before.version + 1);
    let after = row.update(&tx).await?;
    record(&tx, actor, RevisionAction::Update, "contact erased", Some(&before), &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Erases every contact whose submission was reviewed more than `retention` ago; returns how
/// many. The server runs this periodically.
pub async fn erase_expired_contacts(db: &DatabaseConnection, retention: Duration) -> ServiceResult<u64> {
    let actor = Actor::system("contact retention");
    let cutoff = Utc::now() - retention;
    let mut erased = 0;
    loop {
        let due: Vec<i32> = feedback::Entity::find()
            .select_only()
            .column(feedback::Column::Id)
            .filter(feedback::Column::SubmitterContact.is_not_null())
            .filter(feedback::Column::ReviewedAt.lte(cutoff))
            .order_by_asc(feedback::Column::Id)
            .limit(SWEEP_BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(erased);
        }
        for id in due {
            erase_contact(db, &actor, id).await?;
            erased += 1;
        }
    }
}
