//! `ai-tracker sync epoch` and the background sync: fetch Epoch AI's CSV (a conditional request
//! with the validators the last fetch of that URL left, a total time limit, a size limit counted
//! on the streamed bytes), make sure the file is whole, and hand it to
//! `service::epoch_import::sync`, all of whose writes, and the new validators, commit in one
//! transaction. One sync per database runs at a time: on Postgres, a session advisory lock held
//! on a connection of its own (across instances); on SQLite, a lock of the process.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use chrono::Utc;
use reqwest::{StatusCode, header};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, sqlx,
};

use crate::config::{EpochSyncSettings, FetchSettings, SelectionSettings};
use crate::entity::sync_source;
use crate::service::epoch_import::sync::{self, Selection, SyncSummary};
use crate::service::epoch_import::{DEFAULT_MAX_FIELD_BYTES, EpochFile};
use crate::service::{ServiceError, begin_write};

/// Where the file comes from.
#[derive(Clone, Debug)]
pub enum Source {
    Url(String),
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("another sync of this database is running; nothing was done")]
    Busy,
    /// The file could not be had whole: nothing was written.
    #[error("{0}; nothing was written")]
    Fetch(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl From<sea_orm::DbErr> for SyncError {
    fn from(error: sea_orm::DbErr) -> Self {
        SyncError::Service(error.into())
    }
}

/// The advisory lock's key: "EPOCHSYN" as a number, distinct from the revision log's.
const LOCK_KEY: i64 = 0x4550_4f43_4853_594e;

static PROCESS_LOCK: LazyLock<Arc<tokio::sync::Mutex<()>>> = LazyLock::new(Default::default);

/// Held while a sync runs; dropping it releases the lock (on Postgres by closing the connection
/// that holds it, so that an error or a panic cannot leave it held in the pool).
enum SyncLock {
    Postgres(#[allow(dead_code)] sqlx::PgConnection),
    Process(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>),
}

impl SyncLock {
    async fn try_acquire(db: &DatabaseConnection) -> Result<Option<SyncLock>, SyncError> {
        if db.get_database_backend() == DbBackend::Postgres {
            let internal = |e: sqlx::Error| SyncError::Service(ServiceError::internal(e));
            let mut connection = db.get_postgres_connection_pool().acquire().await.map_err(internal)?.detach();
            let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(LOCK_KEY)
                .fetch_one(&mut connection)
                .await
                .map_err(internal)?;
            Ok(held.then_some(SyncLock::Postgres(connection)))
        } else {
            Ok(PROCESS_LOCK.clone().try_lock_owned().ok().map(SyncLock::Process))
        }
    }
}

/// What a sync is asked to do.
#[derive(Clone, Debug)]
pub struct SyncRequest {
    pub source: Source,
    pub selection: Selection,
    pub max_bytes: u64,
    pub timeout: std::time::Duration,
}

impl SyncRequest {
    pub fn new(source: Source, selection: &SelectionSettings, fetch: &FetchSettings) -> Self {
        SyncRequest {
            source,
            selection: Selection { min_compute: selection.min_compute, since: selection.since },
            max_bytes: fetch.max_bytes,
            timeout: fetch.timeout(),
        }
    }
}

/// The validators a response carried, to send back next time.
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Fetched {
    NotModified,
    Body(Vec<u8>, Validators),
}

/// Runs one sync.
pub async fn run(db: &DatabaseConnection, request: &SyncRequest) -> Result<SyncSummary, SyncError> {
    let _lock = SyncLock::try_acquire(db).await?.ok_or(SyncError::Busy)?;
    let (body, validators) = match &request.source {
        Source::File(path) => (read_file(path, request.max_bytes)?, None),
        Source::Url(url) => match fetch(db, url, request).await? {
            Fetched::NotModified => return Ok(SyncSummary { not_modified: true, ..Default::default() }),
            Fetched::Body(body, validators) => (body, Some((url, validators))),
        },
    };
    whole(&body)?;
    let file = EpochFile::read(&body[..], DEFAULT_MAX_FIELD_BYTES).map_err(SyncError::Fetch)?;
    drop(body);
    let tx = begin_write(db).await?;
    let summary = sync::apply(&tx, &file, &request.selection).await?;
    if let Some((url, validators)) = validators {
        remember_validators(&tx, url, validators).await?;
    }
    tx.commit().await?;
    Ok(summary)
}

fn read_file(path: &std::path::Path, max_bytes: u64) -> Result<Vec<u8>, SyncError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| SyncError::Fetch(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut body = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut body).map_err(cannot)?;
    if body.len() as u64 > max_bytes {
        return Err(too_large(&path.display().to_string(), max_bytes));
    }
    Ok(body)
}

fn too_large(what: &str, max_bytes: u64) -> SyncError {
    SyncError::Fetch(format!(
        "{what} is larger than the size limit of {max_bytes} bytes (--max-bytes, or AI_TRACKER_EPOCH_SYNC_MAX_BYTES)"
    ))
}

/// A file cut short in the middle of a record is refused: a whole CSV file ends with a line
/// break outside quotes (Epoch's do). A file cut cleanly after a record is a valid, shorter file.
fn whole(body: &[u8]) -> Result<(), SyncError> {
    let cut = |why: &str| Err(SyncError::Fetch(format!("the file is cut short: {why}")));
    if body.is_empty() {
        return cut("it is empty");
    }
    if body.iter().filter(|b| **b == b'"').count() % 2 == 1 {
        return cut("it ends inside a quoted field");
    }
    if !matches!(body.last(), Some(b'\n' | b'\r')) {
        return cut("its last record has no line end");
    }
    Ok(())
}

async fn fetch(db: &DatabaseConnection, url: &str, request: &SyncRequest) -> Result<Fetched, SyncError> {
    let fail = |what: String| SyncError::Fetch(what);
    let client = reqwest::Client::builder()
        .connect_timeout(request.timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("ai-tracker/", env!("CARGO_PKG_VERSION"), " (Epoch AI sync)"))
        .build()
        .map_err(|e| fail(format!("cannot make an HTTP client: {e}")))?;
    let saved = sync_source::Entity::find().filter(sync_source::Column::Url.eq(url)).one(db).await?;
    let mut get = client.get(url);
    if let Some(saved) = &saved {
        if let Some(etag) = &saved.etag {
            get = get.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(date) = &saved.last_modified {
            get = get.header(header::IF_MODIFIED_SINCE, date);
        }
    }
    let download = async {
        let mut response = get.send().await.map_err(|e| fail(format!("cannot fetch {url}: {e}")))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(fail(format!("{url} answered HTTP {status}")));
        }
        let header_text =
            |name| response.headers().get(name).and_then(|v: &header::HeaderValue| v.to_str().ok()).map(str::to_owned);
        let validators =
            Validators { etag: header_text(header::ETAG), last_modified: header_text(header::LAST_MODIFIED) };
        let length: Option<u64> = header_text(header::CONTENT_LENGTH).and_then(|l| l.parse().ok());
        if length.is_some_and(|l| l > request.max_bytes) {
            return Err(too_large(url, request.max_bytes));
        }
        let mut body = Vec::with_capacity(length.unwrap_or(0) as usize);
        loop {
            let chunk = response
                .chunk()
                .await
                .map_err(|e| fail(format!("the download of {url} broke off after {} bytes: {e}", body.len())))?;
            let Some(chunk) = chunk else { break };
            if (body.len() + chunk.len()) as u64 > request.max_bytes {
                return Err(too_large(url, request.max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        if let Some(length) = length
            && body.len() as u64 != length
        {
            return Err(fail(format!("the file is cut short: {} of its {length} bytes arrived", body.len())));
        }
        Ok(Fetched::Body(body, validators))
    };
    tokio::time::timeout(request.timeout, download)
        .await
        .map_err(|_| fail(format!("fetching {url} took longer than {} s", request.timeout.as_secs())))?
}

async fn remember_validators(
    tx: &sea_orm::DatabaseTransaction,
    url: &str,
    validators: Validators,
) -> Result<(), SyncError> {
    let etag = validators.etag.filter(|e| e.len() <= 1000);
    let last_modified = validators.last_modified.filter(|d| d.len() <= 200);
    match sync_source::Entity::find().filter(sync_source::Column::Url.eq(url)).one(tx).await? {
        Some(saved) => {
            let mut saved = saved.into_active_model();
            saved.etag = Set(etag);
            saved.last_modified = Set(last_modified);
            saved.fetched_at = Set(Utc::now());
            saved.update(tx).await?;
        }
        None if url.len() <= 2000 => {
            sync_source::ActiveModel {
                url: Set(url.to_owned()),
                etag: Set(etag),
                last_modified: Set(last_modified),
                fetched_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(tx)
            .await?;
        }
        None => {}
    }
    Ok(())
}

/// The background sync of `serve`: every interval (the first one interval after start), one
/// sync; failures are logged and tried again next time. Another instance's running sync is
/// not waited for.
pub async fn sync_periodically(db: DatabaseConnection, settings: EpochSyncSettings) {
    let Some(url) = settings.epoch_sync_url.clone() else { return };
    let request = SyncRequest::new(Source::Url(url.clone()), &settings.selection, &settings.fetch);
    let interval = settings.interval();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(%url, every_secs = interval.as_secs(), "Epoch AI background sync is on");
    loop {
        ticks.tick().await;
        match run(&db, &request).await {
            Ok(summary) if summary.not_modified => tracing::info!(%url, "Epoch AI sync: not modified"),
            Ok(summary) => tracing::info!(
                %url,
                new = summary.new_candidates,
                changes = summary.change_candidates,
                skipped = summary.skipped.len(),
                "Epoch AI sync done"
            ),
            Err(SyncError::Busy) => tracing::info!("Epoch AI sync: another instance is syncing"),
            Err(error) => tracing::warn!(%url, %error, "Epoch AI sync failed"),
        }
    }
}
