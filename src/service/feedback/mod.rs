//! Public feedback: anyone submits (rate-limited, checked, duplicates folded into the first
//! receipt), editors review, consenting contributors are credited. The submitter's contact is
//! private: only editors read it, no revision ever holds it, and it is erased on request or a
//! set time after review.

mod credit;
mod erasure;
mod review;

pub use credit::{Contributor, contributors, open_counts};
pub use erasure::{erase_contact, erase_expired_contacts};
pub use review::{Link, Review, review};

use std::net::IpAddr;

use chrono::{Duration, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Select, sea_query::Expr,
};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::page::{self, KeyKind, Page, PageArgs, SortKey};
use super::revisions::{self, NewRevision};
use super::throttle::FeedbackThrottle;
use super::{
    Actor, Audience, ServiceError, ServiceResult, begin_write, capabilities, datasets, models, organizations,
    risk_assessments, thresholds, validate,
};
use crate::domain::{EntityType, FeedbackKind, FeedbackStatus, RevisionAction};
use crate::entity::feedback;

pub use feedback::Model as FeedbackRow;

pub const MIN_BODY_CHARS: usize = 10;
pub const MAX_BODY_CHARS: usize = 5_000;
const MAX_NAME_CHARS: usize = 200;
/// The same body from the same address within this time is the same submission.
const DUPLICATE_WINDOW_MINUTES: i64 = 60;

/// What a reader sends in.
pub struct Submission {
    pub kind: FeedbackKind,
    /// The catalog entry it is about.
    pub subject: Option<(EntityType, i32)>,
    pub proposed_model_name: Option<String>,
    pub body: String,
    pub source_url: Option<String>,
    pub submitter_name: Option<String>,
    pub contact: Option<String>,
    pub credit_consent: bool,
}

/// Empty optional text means "not given".
fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn check(s: &Submission) -> ServiceResult<()> {
    validate::text("input.body", &s.body, MIN_BODY_CHARS, MAX_BODY_CHARS)?;
    match (s.kind, &s.proposed_model_name) {
        (FeedbackKind::NewModel, None) => {
            return Err(ServiceError::bad_input("input.proposedModelName", "names the missing model: give it"));
        }
        (FeedbackKind::NewModel, Some(name)) => validate::line("input.proposedModelName", name, 1, MAX_NAME_CHARS)?,
        (_, Some(_)) => {
            return Err(ServiceError::bad_input("input.proposedModelName", "is only for kind NEW_MODEL"));
        }
        (_, None) => {}
    }
    validate::optional_url("input.sourceUrl", s.source_url.as_deref())?;
    if let Some(name) = &s.submitter_name {
        validate::line("input.submitterName", name, 1, MAX_NAME_CHARS)?;
    }
    if let Some(contact) = &s.contact {
        validate::email("input.contact", contact)?;
    }
    if s.credit_consent && s.submitter_name.is_none() {
        return Err(ServiceError::bad_input(
            "input.submitterName",
            "is the name to credit: give it with creditConsent",
        ));
    }
    Ok(())
}

/// Whether `audience` can see the catalog entry.
async fn entry_exists(db: &impl ConnectionTrait, audience: Audience, kind: EntityType, id: i32) -> ServiceResult<bool> {
    Ok(match kind {
        EntityType::Model => models::by_id(db, audience, id).await?.is_some(),
        EntityType::Organization => organizations::by_id(db, id).await?.is_some(),
        EntityType::Capability => capabilities::by_id(db, id).await?.is_some(),
        EntityType::Dataset => datasets::by_id(db, id).await?.is_some(),
        EntityType::RiskAssessment => risk_assessments::by_id(db, audience, id).await?.is_some(),
        EntityType::ComputeThreshold => thresholds::by_id(db, id).await?.is_some(),
        EntityType::Prediction => super::predictions::by_id(db, audience, id).await?.is_some(),
        EntityType::Editor | EntityType::Feedback | EntityType::ImportCandidate => false,
    })
}

/// The same body from the same address: a hash, so the address itself is not kept.
fn duplicate_key(client: IpAddr, body: &str) -> String {
    let digest = Sha256::new().chain_update(client.to_string()).chain_update([0]).chain_update(body).finalize();
    format!("{digest:x}")
}

/// 20 characters of an unambiguous alphabet (100 bits): unguessable, easy to read aloud.
fn tracking_code() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..20).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// What the history keeps of a submission: never the contact, only whether there is one.
fn snapshot(row: &FeedbackRow) -> Json {
    json!({
        "kind": row.kind, "status": row.status, "subjectType": row.subject_type, "subjectId": row.subject_id,
        "proposedModelName": row.subject_name, "body": row.body, "sourceUrl": row.source_url,
        "submitterName": row.submitter_name, "hasContact": row.submitter_contact.is_some(),
        "contactErased": row.contact_erased_at.is_some(), "creditConsent": row.credit_consent,
        "reviewerId": row.reviewer_id, "reviewNote": row.review_note, "resolution": row.resolution,
        "linkedType": row.linked_type, "linkedId": row.linked_id,
    })
}

async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: RevisionAction,
    summary: &str,
    before: Option<&FeedbackRow>,
    after: &FeedbackRow,
) -> ServiceResult<()> {
    let new = NewRevision {
        entity_type: EntityType::Feedback,
        entity_id: after.id,
        action,
        actor,
        summary: Some(summary),
        before: before.map(snapshot),
        after: Some(snapshot(after)),
        public: false,
    };
    revisions::record(db, new).await.map(|_| ())
}

/// Takes a submission from `client`. Every call counts against the rate limits, first of all
/// (hence `subject` comes as the caller parsed it, error or not, to be reported after); a body the same address sent within the hour returns that submission's receipt.
pub async fn submit(
    db: &DatabaseConnection,
    throttle: &FeedbackThrottle,
    client: IpAddr,
    submission: Submission,
    subject: ServiceResult<Option<(EntityType, i32)>>,
) -> ServiceResult<FeedbackRow> {
    throttle.check(client).await?;
    let s = Submission {
        subject: subject?,
        proposed_model_name: given(submission.proposed_model_name),
        source_url: given(submission.source_url),
        submitter_name: given(submission.submitter_name),
        contact: given(submission.contact),
        ..submission
    };
    check(&s)?;
    if let Some((kind, id)) = s.subject
        && !entry_exists(db, Audience::Public, kind, id).await?
    {
        return Err(ServiceError::bad_input("input.subjectId", "names nothing in the catalog"));
    }
    let body = s.body.trim().to_owned();
    let key = duplicate_key(client, &body);
    let tx = begin_write(db).await?;
    let since = Utc::now() - Duration::minutes(DUPLICATE_WINDOW_MINUTES);
    let earlier = feedback::Entity::find()
        .filter(feedback::Column::DuplicateKey.eq(&key))
        .filter(feedback::Column::CreatedAt.gt(since))
        .order_by_asc(feedback::Column::Id)
        .one(&tx)
        .await?;
    if let Some(earlier) = earlier {
        tx.commit().await?;
        return Ok(earlier);
    }
    let now = Utc::now();
    let row = feedback::ActiveModel {
        tracking_code: Set(tracking_code()),
        kind: Set(s.kind),
        subject_type: Set(s.subject.map(|(k, _)| k)),
        subject_id: Set(s.subject.map(|(_, id)| id)),
        subject_name: Set(s.proposed_model_name),
        body: Set(body),
        source_url: Set(s.source_url),
        submitter_name: Set(s.submitter_name),
        submitter_contact: Set(s.contact),
        credit_consent: Set(s.credit_consent),
        status: Set(FeedbackStatus::Pending),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        duplicate_key: Set(Some(key)),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    record(&tx, &Actor::system("public feedback"), RevisionAction::Create, "submitted", None, &row).await?;
    tx.commit().await?;
    Ok(row)
}

/// The submission a tracking code names (codes are matched whatever their case).
pub async fn by_tracking_code(db: &impl ConnectionTrait, code: &str) -> ServiceResult<Option<FeedbackRow>> {
    let code = code.trim().to_uppercase();
    if code.len() > 40 {
        return Ok(None);
    }
    Ok(feedback::Entity::find().filter(feedback::Column::TrackingCode.eq(code)).one(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<FeedbackRow>> {
    Ok(feedback::Entity::find_by_id(id).one(db).await?)
}

fn queued(status: Option<FeedbackStatus>, kind: Option<FeedbackKind>) -> Select<feedback::Entity> {
    let mut select = feedback::Entity::find();
    if let Some(status) = status {
        select = select.filter(feedback::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = kind {
        select = select.filter(feedback::Column::Kind.eq(kind.as_str()));
    }
    select
}

/// The editors' queue, newest first.
pub async fn queue(
    db: &impl ConnectionTrait,
    status: Option<FeedbackStatus>,
    kind: Option<FeedbackKind>,
    args: &PageArgs,
) -> ServiceResult<Page<FeedbackRow>> {
    let newest_first = [SortKey {
        column: Expr::col((feedback::Entity, feedback::Column::Id)),
        kind: KeyKind::Integer,
        descending: true,
    }];
    page::paginate(db, queued(status, kind), &newest_first, feedback::Column::Id, args, |row: &feedback::Model| {
        (vec![Json::from(row.id)], row.id)
    })
    .await
}

pub async fn queue_count(
    db: &impl ConnectionTrait,
    status: Option<FeedbackStatus>,
    kind: Option<FeedbackKind>,
) -> ServiceResult<u64> {
    page::total(db, queued(status, kind)).await
}
