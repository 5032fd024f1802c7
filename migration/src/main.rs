use sea_orm_migration::prelude::*;

/// `cargo run -p migration -- up` (and `down`, `status`, `fresh`, ...). Without `DATABASE_URL` it
/// works on the embedded default, `ai-tracker.db` in the working directory, like the service.
fn main() -> std::io::Result<()> {
    // The migration CLI reads the URL from its `--database-url` flag or the environment only, so
    // the default goes into the environment, before the runtime starts any thread.
    if std::env::var_os("DATABASE_URL").is_none() {
        // SAFETY: no other thread exists yet, so nothing reads the environment concurrently.
        unsafe { std::env::set_var("DATABASE_URL", "sqlite://ai-tracker.db?mode=rwc") };
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(cli::run_cli(migration::Migrator));
    Ok(())
}
