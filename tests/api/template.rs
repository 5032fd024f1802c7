//! The databases a test starts from, made once per test process and copied for each test.
//!
//! Migrating and loading the starter catalog took about 2.4 s of every test on SQLite (debug
//! build, two tests at a time): most of the suite's time. Each is now done once per process and
//! backend, by the service's own `db::migrate` and `seed::load_if_empty`, and each test gets a
//! copy: a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on Postgres. The copies are real,
//! separate databases, so tests still never see each other's writes. Tests that start the
//! service on a database of their own (`TestDatabase::sqlite()`, `::postgres()`) still migrate
//! and seed it from nothing.
//!
//! A template lives as long as its process: it is named after the process id, dropped when the
//! process exits, and a template left by a process that no longer runs (killed, say) is dropped
//! by the next one.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use ai_tracker::config::DatabaseSettings;
use ai_tracker::{db, service::seed};
use sea_orm::{ConnectionTrait, Database};

/// What a template holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// Migrated, with the starter catalog (what `spawn_app` serves).
    Seeded,
    /// Migrated and empty (for `no_seed`).
    Migrated,
}

impl Template {
    fn suffix(self) -> &'static str {
        match self {
            Template::Seeded => "seeded",
            Template::Migrated => "migrated",
        }
    }
}

const PREFIX: &str = "ai_tracker_template_";

/// The SQLite template's file, made on first use.
pub fn sqlite_file(template: Template) -> PathBuf {
    static FILES: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    FILES[template as usize]
        .get_or_init(|| {
            let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
            remove_stale_files(&dir);
            let path = dir.join(format!("{PREFIX}{}_{}.db", std::process::id(), template.suffix()));
            let _ = std::fs::remove_file(&path);
            let work = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}?mode=rwc", work.path().join("template.db").display());
            let target = path.display().to_string().replace('\'', "''");
            prepare(&url, template, Some(format!("VACUUM INTO '{target}'")));
            register_cleanup(Cleanup::File(path.clone()));
            path
        })
        .clone()
}

/// The Postgres template's name on the server `admin_url` names, made on first use.
pub fn postgres_database(admin_url: &str, template: Template) -> String {
    static NAMES: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    NAMES[template as usize]
        .get_or_init(|| {
            let name = format!("{PREFIX}{}_{}", std::process::id(), template.suffix());
            let admin_url = admin_url.to_owned();
            let (admin, created) = (admin_url.clone(), name.clone());
            let created = block_on(async move {
                let admin = Database::connect(&admin).await.expect("connect to TEST_DATABASE_URL");
                remove_stale_databases(&admin).await;
                admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{created}\"")).await.ok();
                admin.execute_unprepared(&format!("CREATE DATABASE \"{created}\"")).await.expect("create the template");
                admin.close().await.ok();
            });
            assert!(created, "could not create the template database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&name);
            prepare(url.as_str(), template, None);
            register_cleanup(Cleanup::Database { admin_url, name: name.clone() });
            name
        })
        .clone()
}

/// Migrates (and seeds) the database at `url`, runs `last` if given, and closes every
/// connection, on a runtime of its own (the tests' runtimes come and go).
fn prepare(url: &str, template: Template, last: Option<String>) {
    let settings =
        DatabaseSettings { database_url: Some(url.to_owned()), db_pool_size: 5, statement_timeout_ms: 60_000 };
    let prepared = block_on(async move {
        let db = db::connect(&settings).await.expect("connect to the template");
        db::migrate(&db).await.expect("migrate the template");
        if template == Template::Seeded {
            seed::load_if_empty(&db).await.expect("seed the template");
        }
        if let Some(statement) = last {
            db.execute_unprepared(&statement).await.expect("copy the template");
        }
        db.close().await.expect("close the template's connections");
    });
    assert!(prepared, "could not prepare the {template:?} template at {url}");
}

/// Runs `future` on a runtime of its own, on a thread of its own; whether it finished.
fn block_on<F: Future<Output = ()> + Send + 'static>(future: F) -> bool {
    std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Runtime::new() {
            runtime.block_on(future)
        }
    })
    .join()
    .is_ok()
}

/// Whether the process that made a template (its id after the prefix) is gone.
fn left_by_a_gone_process(name: &str) -> bool {
    let pid = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()).and_then(|p| p.parse::<u32>().ok());
    pid.is_some_and(|pid| pid != std::process::id() && !PathBuf::from(format!("/proc/{pid}")).exists())
}

fn remove_stale_files(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if left_by_a_gone_process(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

async fn remove_stale_databases(admin: &sea_orm::DatabaseConnection) {
    let rows = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
        ))
        .await
        .unwrap_or_default();
    for row in rows {
        let Ok(name) = row.try_get::<String>("", "datname") else { continue };
        if left_by_a_gone_process(&name) {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

static CLEANUPS: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

/// Removes the templates when the test process exits (libtest ends with `exit`, which runs
/// `atexit` handlers).
fn register_cleanup(cleanup: Cleanup) {
    static REGISTERED: OnceLock<()> = OnceLock::new();
    REGISTERED.get_or_init(|| {
        extern "C" fn at_exit() {
            let cleanups = std::mem::take(&mut *CLEANUPS.lock().unwrap_or_else(|e| e.into_inner()));
            for cleanup in cleanups {
                match cleanup {
                    Cleanup::File(path) => {
                        let _ = std::fs::remove_file(path);
                    }
                    Cleanup::Database { admin_url, name } => {
                        block_on(async move {
                            if let Ok(admin) = Database::connect(&admin_url).await {
                                let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                                let _ = admin.execute_unprepared(&drop).await;
                                admin.close().await.ok();
                            }
                        });
                    }
                }
            }
        }
        // SAFETY: `at_exit` is an `extern "C" fn()` that never unwinds across the boundary
        // (every fallible step is ignored).
        unsafe { libc::atexit(at_exit) };
    });
    CLEANUPS.lock().unwrap_or_else(|e| e.into_inner()).push(cleanup);
}
