//! The `ai-tracker` command line.

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::{DatabaseSettings, FetchSettings, SelectionSettings, ServeSettings};
use crate::domain::EditorRole;
use crate::service::{
    Actor, Audience, ServiceError,
    editors::{self, NewEditor},
    epoch_import::{self, EpochFile},
    export::{self, Format},
    history,
};
use crate::startup::Application;
use crate::{
    db, epoch_sync, graphql,
    service::{seed, seed_update},
};

#[derive(Parser, Debug)]
#[command(name = "ai-tracker", version, about = "AI Tracker: a GraphQL catalog of large AI models and their risks")]
pub struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,

    /// Log lines as plain text or as one JSON object per line (levels come from `RUST_LOG`).
    #[arg(long, env = "AI_TRACKER_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the GraphQL API (what a bare `ai-tracker` does).
    Serve(Box<ServeSettings>),
    /// Run the database migrations and exit.
    Migrate,
    /// Make the history (what `asRecordedAt` reads) again from the revision log and the live
    /// tables: for a catalog loaded with SQL around the service, e.g. the benchmark's.
    RebuildHistory,
    /// Load the starter catalog (refused if its entries already exist).
    Seed {
        /// Only check the starter catalog against its promises (issue 19: risk assessments
        /// where the risk is, real sources, the MIT classification, no boilerplate), print every
        /// violation and the catalog's counts, and exit non-zero if there is any violation.
        #[arg(long)]
        check: bool,
        /// With --check: check the TOML files in this folder instead of the built-in catalog.
        #[arg(long, requires = "check")]
        dir: Option<std::path::PathBuf>,
        /// With --check: also check that every Epoch AI row the coverage rule requires (the CSV
        /// files in this folder) is a starter model or a listed exception.
        #[arg(long, requires = "check")]
        epoch: Option<std::path::PathBuf>,
        /// Write the starter catalog into a database that has one: add new entries, update
        /// fields no editor has changed since they were seeded, never overwrite an editor's.
        #[arg(long, conflicts_with = "check")]
        update: bool,
    },
    /// Print the GraphQL schema (SDL) to stdout; needs no database.
    Schema,
    /// Manage editor accounts.
    #[command(subcommand)]
    Editor(EditorCommand),
    /// Load data from another catalog.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Bring another catalog's news to the editors' queue (nothing is published).
    #[command(subcommand)]
    Sync(SyncCommand),
    /// Write the catalog's models to standard output, attribution first.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: FormatArg,
        /// The `models` query's filter as JSON, in the GraphQL input's shape, e.g.
        /// '{"trainingComputeFlop":{"gte":1e25}}'.
        #[arg(long)]
        filter: Option<String>,
        /// Include drafts (published entries only otherwise).
        #[arg(long, conflicts_with = "as_recorded_at")]
        include_drafts: bool,
        /// A citable snapshot: the public catalog as recorded at this instant (RFC 3339, e.g.
        /// 2025-01-31T12:00:00Z), its header stating the instant, the revision and the SHA-256 of
        /// the body; the same bytes as `/export/models.{csv,json}?asRecordedAt=`.
        #[arg(long, value_parser = rfc3339)]
        as_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

fn rfc3339(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&chrono::Utc))
        .map_err(|e| format!("not an RFC 3339 instant (e.g. 2025-01-31T12:00:00Z): {e}"))
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Csv,
    Json,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// An export of Epoch AI's models database (e.g. notable_ai_models.csv); see the README.
    Epoch {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Check everything and print the summary, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
        /// The most bytes one field of the file may have; a longer one stops the import before
        /// anything is written (the file streams in, so memory stays bounded by this).
        #[arg(long, env = "AI_TRACKER_IMPORT_MAX_FIELD_BYTES", default_value_t = epoch_import::DEFAULT_MAX_FIELD_BYTES)]
        max_field_bytes: usize,
    },
}

#[derive(Subcommand, Debug)]
enum SyncCommand {
    /// Epoch AI's models CSV: new rows become drafts, changed figures of published models
    /// become proposed changes, both in the editors' `importCandidates` queue; see the README.
    Epoch {
        /// Fetch the CSV from this URL (a conditional request when it was fetched before).
        #[arg(long, required_unless_present = "file", conflicts_with = "file")]
        url: Option<String>,
        /// Read the CSV from this file.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[command(flatten)]
        selection: SelectionSettings,
        #[command(flatten)]
        fetch: FetchSettings,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
enum EditorCommand {
    /// Create an account; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        email: String,
        /// The name shown publicly on the editor's changes.
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value = "editor")]
        role: RoleArg,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List every account.
    List,
    /// Stop an account from signing in, and revoke its tokens.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Revoke every token issued to an account so far.
    Revoke {
        #[arg(long)]
        email: String,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum RoleArg {
    Editor,
    Admin,
}

/// Who the history names for changes made from the command line.
const COMMAND_LINE: &str = "ai-tracker command line";

async fn editor_command(database: &DatabaseSettings, command: EditorCommand) -> anyhow::Result<()> {
    let db = db::connect(database).await?;
    db::migrate(&db).await?;
    let actor = Actor::system(COMMAND_LINE);
    let find = |email: String| {
        let db = db.clone();
        async move {
            editors::by_email(&db, &email).await?.ok_or_else(|| anyhow::anyhow!("no editor has the email {email}"))
        }
    };
    match command {
        EditorCommand::Add { email, name, role, password_stdin: _ } => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = line.strip_suffix('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).unwrap_or(&line);
            let role = match role {
                RoleArg::Editor => EditorRole::Editor,
                RoleArg::Admin => EditorRole::Admin,
            };
            let new = NewEditor { email, name, role, password: password.to_owned() };
            let row = editors::add(&db, &actor, new).await?;
            println!("added {} <{}> as {}", row.display_name, row.email, row.role);
        }
        EditorCommand::List => {
            for row in editors::list(&db).await? {
                let state = if row.active { "active" } else { "deactivated" };
                println!("{}\t{}\t{}\t{}", row.email, row.display_name, row.role, state);
            }
        }
        EditorCommand::Deactivate { email } => {
            let row = editors::deactivate(&db, &actor, find(email).await?.id).await?;
            println!("deactivated {}; their tokens no longer work", row.email);
        }
        EditorCommand::Revoke { email } => {
            let row = editors::revoke(&db, &actor, find(email).await?.id).await?;
            println!("revoked every token of {}", row.email);
        }
    }
    Ok(())
}

async fn import_epoch(
    database: &DatabaseSettings,
    file: &std::path::Path,
    dry_run: bool,
    json: bool,
    max_field_bytes: usize,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let opened = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let export = EpochFile::read(opened, max_field_bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let db = db::connect(database).await?;
    db::migrate(&db).await?;
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(export.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let started = std::time::Instant::now();
    let summary =
        epoch_import::import(&db, &export, dry_run, || bar.inc(1)).await.map_err(ServiceError::with_detail)?;
    bar.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("{summary}");
        println!("took {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

async fn export_models(
    database: &DatabaseSettings,
    format: FormatArg,
    filter: Option<&str>,
    include_drafts: bool,
    as_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let format = match format {
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
    };
    let filter = filter
        .map(|text| {
            let json = serde_json::from_str(text).context("--filter is not JSON")?;
            graphql::model_filter_from_json(json, "filter").map_err(anyhow::Error::from)
        })
        .transpose()?;
    let db = db::connect(database).await?;
    db::migrate(&db).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut write = |bytes: &[u8]| out.write_all(bytes).map_err(ServiceError::internal);
    match as_recorded_at {
        None => {
            let audience = if include_drafts { Audience::Editor } else { Audience::Public };
            let preamble = export::preamble(format);
            // The present's preamble ends with the body's start, which `write_body` writes.
            let header = preamble.strip_suffix(&export::body_start(format)).expect("the preamble ends so");
            write(header.as_bytes())?;
            export::write_body(&db, audience, filter.as_ref(), format, write).await?;
        }
        Some(at) => {
            // Two passes, one page in memory at a time: the first hashes the body, whose digest
            // the header states; the second writes it.
            let past = history::as_recorded_at(&db, "--as-recorded-at", at).await?;
            let reader = history::Reader::past(db.clone(), past);
            let (snapshot, _) = export::snapshot(&reader, past, filter.as_ref(), format).await?;
            write(snapshot.header(format).as_bytes())?;
            export::write_body(&reader, Audience::Public, filter.as_ref(), format, write).await?;
        }
    }
    out.flush()?;
    Ok(())
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or_else(|| Command::Serve(Box::new(ServeSettings::from_env()))) {
        Command::Serve(settings) => {
            init_tracing(cli.log_format);
            Application::build(&cli.database, &settings).await?.run_until_stopped().await?;
        }
        Command::Migrate => {
            init_tracing(cli.log_format);
            let db = db::connect(&cli.database).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::RebuildHistory => {
            init_tracing(cli.log_format);
            let db = db::connect(&cli.database).await?;
            db::migrate(&db).await?;
            crate::service::history::rebuild(&db).await?;
            println!("history rebuilt");
        }
        Command::Seed { check: true, dir, epoch, .. } => {
            init_tracing(cli.log_format);
            let catalog = match &dir {
                Some(dir) => seed::catalog_in(dir)?,
                None => seed::starter_catalog_unchecked()?,
            };
            let report = seed::check::run(&catalog, epoch.as_deref());
            print!("{}", report.render());
            if !report.violations.is_empty() {
                anyhow::bail!("the starter catalog breaks {} of its promises (listed above)", report.violations.len());
            }
        }
        Command::Seed { check: false, update, .. } => {
            init_tracing(cli.log_format);
            let catalog = seed::starter_catalog()?;
            println!("{}", seed::coverage(&catalog)?);
            let db = db::connect(&cli.database).await?;
            db::migrate(&db).await?;
            if update {
                let summary = seed_update::update(&db).await.map_err(ServiceError::with_detail)?;
                println!("{summary}");
            } else {
                let summary = seed::load(&db).await.map_err(ServiceError::with_detail)?;
                println!("loaded {summary:?}");
            }
        }
        Command::Schema => print!("{}", graphql::sdl()),
        Command::Editor(command) => {
            init_tracing(cli.log_format);
            editor_command(&cli.database, command).await?;
        }
        Command::Export { format, filter, include_drafts, as_recorded_at } => {
            init_tracing(cli.log_format);
            export_models(&cli.database, format, filter.as_deref(), include_drafts, as_recorded_at).await?;
        }
        Command::Sync(SyncCommand::Epoch { url, file, selection, fetch, json }) => {
            init_tracing(cli.log_format);
            let source = match (url, file) {
                (Some(url), _) => epoch_sync::Source::Url(url),
                (None, Some(file)) => epoch_sync::Source::File(file),
                (None, None) => anyhow::bail!("give --url or --file"),
            };
            let db = db::connect(&cli.database).await?;
            db::migrate(&db).await?;
            let request = epoch_sync::SyncRequest::new(source, &selection, &fetch);
            let summary = epoch_sync::run(&db, &request).await.map_err(|e| match e {
                epoch_sync::SyncError::Service(e) => e.with_detail(),
                other => anyhow::anyhow!(other),
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                println!("{summary}");
            }
        }
        Command::Import(ImportCommand::Epoch { file, dry_run, json, max_field_bytes }) => {
            init_tracing(cli.log_format);
            import_epoch(&cli.database, &file, dry_run, json, max_field_bytes).await?;
        }
    }
    Ok(())
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: info, and sqlx's warnings only).
fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => logs.try_init(),
        LogFormat::Json => logs.json().flatten_event(true).with_current_span(false).try_init(),
    };
}
