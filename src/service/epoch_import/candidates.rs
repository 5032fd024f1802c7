//! The editors' import queue: candidates the sync wrote, read newest first; accepting one
//! publishes its draft or applies its proposed changes as a revision by the accepting editor
//! (through the edit pipeline, at the version the editor saw); dismissing one remembers each
//! proposed value, so the sync proposes that field again only when the source's value changes.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, Select, sea_query::Expr,
};
use serde_json::{Map, Value as Json};

use super::columns::EpochRow;
use super::organizations::{Organizations, known_countries};
use super::sync::{Change, value_hash};
use super::{SOURCE, remember, with_fields};
use crate::domain::{ImportCandidateKind, ImportCandidateStatus, RevisionAction};
use crate::entity::{import_candidate, import_dismissal, import_entry, model};
use crate::service::edits::{self, ModelRecord, Record};
use crate::service::page::{self, KeyKind, Page, PageArgs, SortKey};
use crate::service::{Actor, ServiceError, ServiceResult, begin_write};

pub use import_candidate::Model as CandidateRow;

fn queued(
    status: Option<ImportCandidateStatus>,
    kind: Option<ImportCandidateKind>,
) -> Select<import_candidate::Entity> {
    let mut select = import_candidate::Entity::find();
    if let Some(status) = status {
        select = select.filter(import_candidate::Column::Status.eq(status));
    }
    if let Some(kind) = kind {
        select = select.filter(import_candidate::Column::Kind.eq(kind));
    }
    select
}

/// Candidates, newest first, optionally of one status and kind (editors only: the caller checks).
pub async fn queue(
    db: &impl ConnectionTrait,
    status: Option<ImportCandidateStatus>,
    kind: Option<ImportCandidateKind>,
    args: &PageArgs,
) -> ServiceResult<Page<CandidateRow>> {
    let newest_first = [SortKey {
        column: Expr::col((import_candidate::Entity, import_candidate::Column::Id)),
        kind: KeyKind::Integer,
        descending: true,
    }];
    page::paginate(db, queued(status, kind), &newest_first, import_candidate::Column::Id, args, |row: &CandidateRow| {
        (vec![Json::from(row.id)], row.id)
    })
    .await
}

pub async fn queue_count(
    db: &impl ConnectionTrait,
    status: Option<ImportCandidateStatus>,
    kind: Option<ImportCandidateKind>,
) -> ServiceResult<u64> {
    page::total(db, queued(status, kind)).await
}

/// The proposed changes of a candidate as stored.
pub fn changes(row: &CandidateRow) -> Vec<Change> {
    serde_json::from_value(row.changes.clone()).unwrap_or_default()
}

const NOUN: &str = "import candidate";

async fn open_candidate(tx: &DatabaseTransaction, id: i32) -> ServiceResult<CandidateRow> {
    let row =
        import_candidate::Entity::find_by_id(id).one(tx).await?.ok_or_else(|| ServiceError::NotFound(NOUN.into()))?;
    if row.status != ImportCandidateStatus::Open {
        return Err(ServiceError::bad_input("id", format!("is {} already", row.status.as_str())));
    }
    Ok(row)
}

async fn resolve(
    tx: &DatabaseTransaction,
    row: CandidateRow,
    actor: &Actor,
    status: ImportCandidateStatus,
) -> ServiceResult<CandidateRow> {
    let now = Utc::now();
    let mut active = row.into_active_model();
    active.status = Set(status);
    active.resolved_at = Set(Some(now));
    active.resolved_by = Set(actor.editor_id);
    active.updated_at = Set(now);
    Ok(active.update(tx).await?)
}

/// Accepts candidate `id`: a new row's draft is published (with the organizations it names
/// that the catalog lacks, created now by `actor`); proposed changes are written to the model.
/// `expected_version` is the model's version the editor saw; the write is one revision by
/// `actor`, in one transaction with the candidate's resolution.
pub async fn accept(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    expected_version: i32,
    summary: Option<&str>,
) -> ServiceResult<(CandidateRow, model::Model)> {
    let tx = begin_write(db).await?;
    let candidate = open_candidate(&tx, id).await?;
    let model_id = candidate.model_id;
    let written = match candidate.kind {
        ImportCandidateKind::NewModel => {
            let row: EpochRow = serde_json::from_value(candidate.source_row.clone()).map_err(ServiceError::internal)?;
            let countries = known_countries(std::iter::once((&row.organizations[..], &row.countries[..])));
            let mut orgs = Organizations::load(&tx, countries).await?;
            let resolved =
                orgs.resolve(&tx, actor, &row.organizations, &row.countries, &row.organization_categories).await?;
            let created: Vec<i32> = resolved.created.iter().map(|(_, id)| *id).collect();
            let summary = summary.unwrap_or("accepted from the Epoch AI sync");
            edits::update_in::<ModelRecord>(
                &tx,
                actor,
                model_id,
                expected_version,
                RevisionAction::Publish,
                Some(summary),
                |r| {
                    if r.published {
                        return Err(ServiceError::bad_input("id", "names a model that is published already"));
                    }
                    for org in created {
                        if !r.organization_ids.contains(&org) {
                            r.organization_ids.push(org);
                        }
                    }
                    r.published = true;
                    Ok(())
                },
            )
            .await?
        }
        ImportCandidateKind::Change => {
            let proposed: Map<String, Json> = changes(&candidate).into_iter().map(|c| (c.field, c.proposed)).collect();
            let summary = summary.unwrap_or("proposed by the Epoch AI sync, accepted");
            let written = edits::update_in::<ModelRecord>(
                &tx,
                actor,
                model_id,
                expected_version,
                RevisionAction::Update,
                Some(summary),
                |r| {
                    *r = with_fields(r, &proposed)?;
                    Ok(())
                },
            )
            .await?;
            // What was taken from the source, for the three-way rule's next run.
            let entry = import_entry::Entity::find()
                .filter(import_entry::Column::Source.eq(SOURCE))
                .filter(import_entry::Column::NaturalKey.eq(&candidate.natural_key))
                .one(&tx)
                .await?;
            let mut imported = entry.and_then(|e| e.imported.as_object().cloned()).unwrap_or_default();
            imported.extend(proposed);
            remember(&tx, &candidate.natural_key, model_id, &imported).await?;
            written
        }
    };
    let candidate = resolve(&tx, candidate, actor, ImportCandidateStatus::Accepted).await?;
    tx.commit().await?;
    Ok((candidate, written))
}

/// Dismisses candidate `id`: each proposed value is remembered as dismissed, and a new row's
/// draft is deleted (a revision by `actor`).
pub async fn dismiss(db: &DatabaseConnection, actor: &Actor, id: i32) -> ServiceResult<CandidateRow> {
    let tx = begin_write(db).await?;
    let candidate = open_candidate(&tx, id).await?;
    let now = Utc::now();
    for change in changes(&candidate) {
        let hash = value_hash(&change.proposed);
        let known = import_dismissal::Entity::find()
            .filter(import_dismissal::Column::Source.eq(SOURCE))
            .filter(import_dismissal::Column::NaturalKey.eq(&candidate.natural_key))
            .filter(import_dismissal::Column::Field.eq(&change.field))
            .filter(import_dismissal::Column::ValueHash.eq(&hash))
            .one(&tx)
            .await?;
        if known.is_none() {
            import_dismissal::ActiveModel {
                source: Set(SOURCE.into()),
                natural_key: Set(candidate.natural_key.clone()),
                field: Set(change.field),
                value_hash: Set(hash),
                editor_id: Set(actor.editor_id),
                dismissed_at: Set(now),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
    }
    if candidate.kind == ImportCandidateKind::NewModel
        && let Some(draft) = ModelRecord::load(&tx, candidate.model_id).await?
        && !draft.record.published
    {
        edits::delete_in::<ModelRecord>(
            &tx,
            actor,
            candidate.model_id,
            draft.version,
            Some("dismissed from the Epoch AI sync"),
        )
        .await?;
        import_entry::Entity::delete_many()
            .filter(import_entry::Column::Source.eq(SOURCE))
            .filter(import_entry::Column::NaturalKey.eq(&candidate.natural_key))
            .exec(&tx)
            .await?;
    }
    let candidate = resolve(&tx, candidate, actor, ImportCandidateStatus::Dismissed).await?;
    tx.commit().await?;
    Ok(candidate)
}
