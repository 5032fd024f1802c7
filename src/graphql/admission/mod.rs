//! What a request must pass before async-graphql parses, validates or runs it. async-graphql
//! recurses over the document, its values and its fragments, and validates by expanding every
//! fragment spread; each of these let one small document abort the process (stack overflow) or
//! take a core for minutes. The checks here are loops, linear in the document:
//!
//! - the text's nesting, before parsing ([`nesting`]);
//! - every argument value and variable: depth, NUL, length ([`values`]);
//! - the fields and aliases selected once fragments are expanded, counted without expanding
//!   them, and the length of fragment chains ([`fragments`]).

mod fragments;
mod nesting;
mod values;

use async_graphql::{Pos, ServerError, Value as ConstValue, Variables, parser::types::ExecutableDocument};

pub use values::VariableUses;

use super::error::with_code;
use crate::service::ErrorCode;

pub use crate::config::InputLimits;

/// BAD_USER_INPUT naming `field`, as the service's own refusals do.
fn bad_argument(field: &str, message: String, pos: Option<Pos>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", ErrorCode::BadUserInput.as_str());
    extensions.set("field", field);
    error
}

/// Checks the query text before it is parsed.
pub fn check_text(query: &str, limits: &InputLimits) -> Result<(), ServerError> {
    nesting::check(query, limits.max_input_depth)
}

/// Checks a parsed document: its argument values and its size once fragments are expanded.
/// Returns where each variable is used, for [`check_variables`].
pub fn check_document(document: &ExecutableDocument, limits: &InputLimits) -> Result<VariableUses, ServerError> {
    let uses = values::check_document(document, limits)?;
    fragments::check(document, limits)?;
    Ok(uses)
}

/// Checks a request's variables; a refusal names the argument the variable feeds.
pub fn check_variables(variables: &Variables, uses: &VariableUses, limits: &InputLimits) -> Result<(), ServerError> {
    values::check_variables(variables, uses, limits)
}

/// Checks an input given as JSON outside GraphQL (the export's `?filter=`) as a variable.
pub fn check_json_argument(argument: &str, value: &ConstValue, limits: &InputLimits) -> Result<(), ServerError> {
    values::check_json_argument(argument, value, limits)
}
