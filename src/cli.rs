//! The `ai-tracker` command line.

use clap::{Parser, Subcommand};

use crate::config::{DatabaseSettings, ServeSettings};
use crate::domain::EditorRole;
use crate::service::{
    Actor,
    editors::{self, NewEditor},
};
use crate::startup::Application;
use crate::{db, graphql, service::seed};

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
    Serve(ServeSettings),
    /// Run the database migrations and exit.
    Migrate,
    /// Load the starter catalog (refused if its entries already exist).
    Seed {
        /// Only parse and check the starter catalog, and print what it holds.
        #[arg(long)]
        check: bool,
    },
    /// Print the GraphQL schema (SDL) to stdout; needs no database.
    Schema,
    /// Manage editor accounts.
    #[command(subcommand)]
    Editor(EditorCommand),
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

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(ServeSettings::default_from_env())) {
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
        Command::Seed { check } => {
            init_tracing(cli.log_format);
            let catalog = seed::starter_catalog()?;
            println!("{}", seed::coverage(&catalog)?);
            if !check {
                let db = db::connect(&cli.database).await?;
                db::migrate(&db).await?;
                let summary = seed::load(&db).await?;
                println!("loaded {summary:?}");
            }
        }
        Command::Schema => print!("{}", graphql::sdl()),
        Command::Editor(command) => {
            init_tracing(cli.log_format);
            editor_command(&cli.database, command).await?;
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

impl ServeSettings {
    /// The serve settings when no subcommand was given: flags are not parsed then, but the
    /// environment still applies.
    fn default_from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeSettings,
        }
        Only::parse_from(["ai-tracker"]).serve
    }
}
