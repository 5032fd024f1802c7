//! The `ai-tracker` command line.

use clap::{Parser, Subcommand};

use crate::config::{DatabaseSettings, ServeSettings};
use crate::startup::Application;
use crate::{db, graphql, service::seed};

#[derive(Parser, Debug)]
#[command(name = "ai-tracker", version, about = "AI Tracker: a GraphQL catalog of large AI models and their risks")]
pub struct Cli {
    #[command(flatten)]
    database: DatabaseSettings,

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
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve(ServeSettings::default_from_env())) {
        Command::Serve(settings) => {
            init_tracing();
            Application::build(&cli.database, &settings).await?.run_until_stopped().await?;
        }
        Command::Migrate => {
            init_tracing();
            let db = db::connect(&cli.database).await?;
            db::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::Seed { check } => {
            init_tracing();
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
    }
    Ok(())
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
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
