//! The editors' verdict on a submission, written like every catalog change: against the version
//! the editor saw, with a revision in the same transaction.

use chrono::Utc;
use sea_orm::{ActiveEnum, ActiveModelTrait, ActiveValue::Set, DatabaseConnection, IntoActiveModel};

use super::{FeedbackRow, by_id, entry_exists, given, record};
use crate::domain::{EntityType, FeedbackDecision, RevisionAction};
use crate::service::{Actor, Audience, ServiceError, ServiceResult, begin_write, revisions, validate};

/// What acted on a submission.
#[derive(Clone, Copy, Debug)]
pub enum Link {
    Revision(i32),
    Entry(EntityType, i32),
}

impl Link {
    fn stored(self) -> (&'static str, i32) {
        match self {
            Link::Revision(id) => ("revision", id),
            Link::Entry(kind, id) => (kind.as_str(), id),
        }
    }

    /// The link `row` keeps, if any: the stored kind is `revision` or an entity type, so it is
    /// text rather than a vocabulary column.
    pub fn of(row: &FeedbackRow) -> ServiceResult<Option<Link>> {
        let (Some(kind), Some(id)) = (&row.linked_type, row.linked_id) else { return Ok(None) };
        Ok(Some(match kind.as_str() {
            "revision" => Link::Revision(id),
            _ => Link::Entry(EntityType::try_from_value(kind)?, id),
        }))
    }
}

pub struct Review {
    pub decision: FeedbackDecision,
    /// For editors only.
    pub note: Option<String>,
    /// What the submitter (and anyone with the tracking code) reads.
    pub resolution: Option<String>,
    /// Kept as it was when absent.
    pub link: Option<Link>,
    pub expected_version: i32,
}

pub async fn review(db: &DatabaseConnection, actor: &Actor, id: i32, review: Review) -> ServiceResult<FeedbackRow> {
    let note = given(review.note);
    let resolution = given(review.resolution);
    if let Some(note) = &note {
        validate::text("note", note, 1, 5_000)?;
    }
    if let Some(resolution) = &resolution {
        validate::text("resolution", resolution, 1, 2_000)?;
    }
    let tx = begin_write(db).await?;
    if let Some(link) = review.link {
        let exists = match link {
            Link::Revision(id) => revisions::by_id(&tx, Audience::Editor, id).await?.is_some(),
            Link::Entry(kind, id) => entry_exists(&tx, Audience::Editor, kind, id).await?,
        };
        if !exists {
            return Err(ServiceError::bad_input("linkedTo", "names nothing that exists"));
        }
    }
    let before = by_id(&tx, id).await?.ok_or_else(|| ServiceError::NotFound("feedback".into()))?;
    if before.version != review.expected_version {
        return Err(ServiceError::Conflict {
            what: "feedback".into(),
            expected: review.expected_version,
            current: before.version,
        });
    }
    let mut row = before.clone().into_active_model();
    row.status = Set(review.decision.status());
    row.reviewer_id = Set(actor.editor_id);
    row.review_note = Set(note);
    row.resolution = Set(resolution);
    if let Some(link) = review.link {
        let (kind, id) = link.stored();
        row.linked_type = Set(Some(kind.into()));
        row.linked_id = Set(Some(id));
    }
    let now = Utc::now();
    row.reviewed_at = Set(Some(now));
    row.updated_at = Set(now);
    row.version = Set(before.version + 1);
    let after = row.update(&tx).await?;
    let summary = format!("review: {}", review.decision.as_str());
    record(&tx, actor, RevisionAction::Update, &summary, Some(&before), &after).await?;
    tx.commit().await?;
    Ok(after)
}
