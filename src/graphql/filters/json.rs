//! A filter given as JSON outside GraphQL (the export's `?filter=`, `ai-tracker export
//! --filter`), in the GraphQL input's camelCase shape, read into the same service filter the
//! `models` query uses, so the same checks apply and errors name the same fields.

use async_graphql::{InputType, Value};
use serde_json::Value as Json;

use super::ModelFilterInput;
use crate::graphql::admission::{self, InputLimits};
use crate::service::{ServiceError, ServiceResult, filter::ModelFilter};

/// The first key of `given` that the parsed input does not have: a misspelt field, which GraphQL
/// refuses and which would otherwise silently filter nothing.
fn unknown_field(given: &Json, known: &Value, path: &str) -> Option<String> {
    match (given, known) {
        (Json::Object(given), Value::Object(known)) => given.iter().find_map(|(key, value)| {
            let here = format!("{path}.{key}");
            match known.get(key.as_str()) {
                None => Some(here),
                Some(inner) => unknown_field(value, inner, &here),
            }
        }),
        (Json::Array(given), Value::List(known)) => {
            given.iter().zip(known).enumerate().find_map(|(i, (g, k))| unknown_field(g, k, &format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// Reads `json` as a `ModelFilter` input given as the argument `argument`.
pub fn model_filter_from_json(json: Json, argument: &str) -> ServiceResult<ModelFilter> {
    if !json.is_object() {
        return Err(ServiceError::bad_input(argument, "must be a JSON object in the shape of the ModelFilter input"));
    }
    let value = Value::from_json(json.clone()).map_err(|e| ServiceError::bad_input(argument, e.to_string()))?;
    // As a GraphQL variable would be: too deep a filter overflows the stack in `parse`.
    admission::check_json_argument(argument, &value, &InputLimits::default()).map_err(|e| {
        let field = match e.extensions.as_ref().and_then(|x| x.get("field")) {
            Some(Value::String(field)) => field.clone(),
            _ => argument.to_owned(),
        };
        let message = e.message.strip_prefix(&format!("{field}: ")).unwrap_or(&e.message).to_owned();
        ServiceError::bad_input(field, message)
    })?;
    let input = ModelFilterInput::parse(Some(value))
        .map_err(|e| ServiceError::bad_input(argument, e.into_server_error(Default::default()).message))?;
    if let Some(field) = unknown_field(&json, &input.to_value(), argument) {
        return Err(ServiceError::bad_input(field, "is not a field of the ModelFilter input"));
    }
    Ok(input.into())
}
