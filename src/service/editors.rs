//! Editor accounts: creation, sign-in, tokens that still hold, deactivation and revocation.
//! Account changes are recorded in the history as private revisions.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::revisions::{self, NewRevision};
use super::throttle::LoginThrottle;
use super::{Actor, ServiceError, ServiceResult, begin_write, validate};
use crate::auth::{TokenKeys, password};
use crate::domain::{EditorRole, EntityType, RevisionAction};
use crate::entity::editor;

pub use editor::Model as EditorRow;

/// One message for every failed sign-in, so that it does not tell which emails exist.
const BAD_CREDENTIALS: &str = "the email or the password is wrong";

pub struct NewEditor {
    pub email: String,
    pub name: String,
    pub role: EditorRole,
    pub password: String,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn check_password(field: &str, password: &str) -> ServiceResult<()> {
    let chars = password.chars().count();
    if chars < password::MIN_PASSWORD_CHARS {
        return Err(ServiceError::bad_input(
            field,
            format!("is too weak: use at least {} characters", password::MIN_PASSWORD_CHARS),
        ));
    }
    if chars > password::MAX_PASSWORD_CHARS {
        return Err(ServiceError::bad_input(
            field,
            format!("must have at most {} characters", password::MAX_PASSWORD_CHARS),
        ));
    }
    Ok(())
}

/// What the history keeps of an account: never the password hash.
fn snapshot(row: &EditorRow) -> serde_json::Value {
    json!({ "email": row.email, "name": row.display_name, "role": row.role, "active": row.active,
            "tokenVersion": row.token_version })
}

async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    action: RevisionAction,
    before: Option<&EditorRow>,
    after: &EditorRow,
) -> ServiceResult<()> {
    revisions::record(
        db,
        NewRevision {
            entity_type: EntityType::Editor,
            entity_id: after.id,
            action,
            actor,
            summary: None,
            before: before.map(snapshot),
            after: Some(snapshot(after)),
            public: false,
        },
    )
    .await
    .map(|_| ())
}

pub async fn add(db: &DatabaseConnection, actor: &Actor, new: NewEditor) -> ServiceResult<EditorRow> {
    let email = normalize_email(&new.email);
    validate::email("input.email", &email)?;
    validate::text("input.name", &new.name, 1, 200)?;
    check_password("input.password", &new.password)?;
    let hash = password::hash(new.password).await.map_err(ServiceError::internal)?;
    let tx = begin_write(db).await?;
    if editor::Entity::find().filter(editor::Column::Email.eq(&email)).one(&tx).await?.is_some() {
        return Err(ServiceError::bad_input("input.email", "already has an account"));
    }
    let now = Utc::now();
    let row = editor::ActiveModel {
        email: Set(email),
        display_name: Set(new.name.trim().to_owned()),
        password_hash: Set(hash),
        role: Set(new.role),
        active: Set(true),
        token_version: Set(0),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    record(&tx, actor, RevisionAction::Create, None, &row).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn list(db: &impl ConnectionTrait) -> ServiceResult<Vec<EditorRow>> {
    Ok(editor::Entity::find().order_by_asc(editor::Column::Id).all(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i32) -> ServiceResult<Option<EditorRow>> {
    Ok(editor::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_email(db: &impl ConnectionTrait, email: &str) -> ServiceResult<Option<EditorRow>> {
    Ok(editor::Entity::find().filter(editor::Column::Email.eq(normalize_email(email))).one(db).await?)
}

/// Applies `change` to the account (bumping its version) and records it.
async fn change(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    change: impl FnOnce(&mut editor::ActiveModel, &EditorRow),
) -> ServiceResult<EditorRow> {
    let tx = begin_write(db).await?;
    let before = by_id(&tx, id).await?.ok_or_else(|| ServiceError::NotFound("editor".into()))?;
    let mut active: editor::ActiveModel = before.clone().into();
    change(&mut active, &before);
    active.version = Set(before.version + 1);
    active.updated_at = Set(Utc::now());
    let after = active.update(&tx).await?;
    record(&tx, actor, RevisionAction::Update, Some(&before), &after).await?;
    tx.commit().await?;
    Ok(after)
}

/// Signs the editor out everywhere and keeps them out.
pub async fn deactivate(db: &DatabaseConnection, actor: &Actor, id: i32) -> ServiceResult<EditorRow> {
    change(db, actor, id, |a, before| {
        a.active = Set(false);
        a.token_version = Set(before.token_version + 1);
    })
    .await
}

/// Revokes every token issued to the editor so far.
pub async fn revoke(db: &DatabaseConnection, actor: &Actor, id: i32) -> ServiceResult<EditorRow> {
    change(db, actor, id, |a, before| a.token_version = Set(before.token_version + 1)).await
}

/// Sets a new password and revokes every other token; the caller gets a fresh one. Each
/// attempt counts against the sign-in limits (per email and per client address), like a login:
/// a stolen token must not let its holder guess the current password at full speed.
pub async fn change_password(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    client: IpAddr,
    editor: &EditorRow,
    current: String,
    new: String,
) -> ServiceResult<EditorRow> {
    check_password("newPassword", &new)?;
    throttle.check(&normalize_email(&editor.email), client).await?;
    if !password::verify(current, Some(editor.password_hash.clone())).await {
        return Err(ServiceError::bad_input("currentPassword", "is wrong"));
    }
    let hash = password::hash(new).await.map_err(ServiceError::internal)?;
    let actor = Actor::editor(editor);
    change(db, &actor, editor.id, |a, before| {
        a.password_hash = Set(hash);
        a.token_version = Set(before.token_version + 1);
    })
    .await
}

/// A signed-in editor: their token and when it expires.
pub struct Session {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub editor: EditorRow,
}

pub fn issue(keys: &TokenKeys, editor: EditorRow) -> ServiceResult<Session> {
    let (token, expires_at) =
        keys.issue(editor.id, editor.role.as_str(), editor.token_version).map_err(ServiceError::internal)?;
    Ok(Session { token, expires_at, editor })
}

/// Checks the throttle, then the password (against a dummy hash when the email is unknown, so
/// that both failures take the same time), then that the account is active.
pub async fn login(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    throttle: &LoginThrottle,
    client: IpAddr,
    email: &str,
    password_text: String,
) -> ServiceResult<Session> {
    let email = normalize_email(email);
    throttle.check(&email, client).await?;
    if password_text.chars().count() > password::MAX_PASSWORD_CHARS {
        return Err(ServiceError::Unauthenticated(BAD_CREDENTIALS.into()));
    }
    let row = by_email(db, &email).await?;
    let stored = row.as_ref().map(|r| r.password_hash.clone());
    let matches = password::verify(password_text, stored).await;
    match row {
        Some(row) if matches && row.active => issue(keys, row),
        _ => Err(ServiceError::Unauthenticated(BAD_CREDENTIALS.into())),
    }
}

/// The editor a token speaks for, if the token checks out and still holds: the account exists,
/// is active and has not been revoked since. The role comes from the account, not the token.
pub async fn authenticate(db: &impl ConnectionTrait, keys: &TokenKeys, token: &str) -> ServiceResult<EditorRow> {
    let refused =
        || ServiceError::Unauthenticated("the token is not valid (it may have expired or been revoked)".into());
    let claims = keys.verify(token).ok_or_else(refused)?;
    let id: i32 = claims.sub.parse().map_err(|_| refused())?;
    let row = editor::Entity::find_by_id(id)
        .filter(editor::Column::Active.eq(true))
        .filter(editor::Column::TokenVersion.eq(claims.tv))
        .one(db)
        .await?;
    row.ok_or_else(refused)
}
