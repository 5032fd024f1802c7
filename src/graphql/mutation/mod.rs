//! The mutation root: sign-in and accounts, catalog edits, and the history's revert and restore.
//! Every resolver here is thin: it checks the caller's role, turns IDs into rows, and calls
//! `service::edits` or `service::editors`, which validate and write.

mod accounts;
mod catalog;
mod feedback;
mod history;
mod imports;
mod models;
mod predictions;
mod thresholds;

use async_graphql::{MaybeUndefined, MergedObject};

#[derive(MergedObject, Default)]
pub struct Mutation(
    accounts::AccountMutation,
    models::ModelMutation,
    catalog::CatalogMutation,
    thresholds::ThresholdMutation,
    history::HistoryMutation,
    feedback::FeedbackMutation,
    imports::ImportMutation,
    predictions::PredictionMutation,
);

/// An update input's nullable field: absent keeps the value, null clears it.
fn maybe<T>(value: MaybeUndefined<T>, target: &mut Option<T>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => *target = None,
        MaybeUndefined::Value(v) => *target = Some(v),
    }
}

/// An update input's non-null field: absent keeps the value.
fn set<T>(value: Option<T>, target: &mut T) {
    if let Some(v) = value {
        *target = v;
    }
}
