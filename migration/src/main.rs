use sea_orm_migration::prelude::*;

/// `cargo run -p migration -- up` (and `down`, `status`, `fresh`, ...). Without `DATABASE_URL` it
/// works on the embedded default, `ai-tracker.db` in the working directory, like the service.
#[tokio::main]
async fn main() {
    if std::env::var_os("DATABASE_URL").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("DATABASE_URL", "sqlite://ai-tracker.db?mode=rwc") };
    }
    cli::run_cli(migration::Migrator).await;
}
