//! The integration suite: one binary, one module per feature, each test against the real
//! service over HTTP on a fresh database (see `helpers::spawn_app`).

mod backend_agreement;
mod catalog;
mod cli;
mod cost_limits;
mod dataloader;
mod editing;
mod editors;
mod epoch_agreement;
mod epoch_import;
mod explorer;
mod explorer_browser;
mod export;
mod feed;
mod feedback;
mod feedback_abuse;
mod feedback_privacy;
mod filters;
mod helpers;
mod http_spec;
mod limits;
mod live;
mod live_limits;
mod operations;
mod pagination;
mod race;
mod response_cache;
mod schema_contract;
mod search;
mod statistics;
mod thresholds;
mod trend;
mod validation;
