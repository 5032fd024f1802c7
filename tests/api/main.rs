//! The integration suite: one binary, one module per feature, each test against the real
//! service over HTTP on a fresh database (see `helpers::spawn_app`).

mod catalog;
mod cli;
mod dataloader;
mod editing;
mod editors;
mod epoch_agreement;
mod helpers;
mod http_spec;
mod limits;
mod pagination;
mod race;
mod schema_contract;
mod validation;
