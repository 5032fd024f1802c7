//! The slugs a form names other entries by (a model's organizations, datasets, capabilities,
//! base model), turned into the ids the API's inputs take, with one query for the whole form.
//! A slug that names nothing is reported against its field, so it shows beside the list.

use std::net::IpAddr;

use serde_json::{Map, Value as Json};

use super::SignedIn;
use super::fields::{self, ColumnKind, Entry, Field, Kind};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};

/// A slug in the input, and where it is: the field, and (for a row) the row's index and column.
struct Named {
    field: &'static str,
    entry: Entry,
    slug: String,
    at: Option<(usize, &'static str)>,
}

/// Replaces the slugs in `input` (as `fields::sent` made it) by ids. `Err` names the field whose
/// slug names nothing, with a message.
pub async fn resolve(
    state: &ExplorerState,
    session: &SignedIn,
    client: IpAddr,
    form: &[Field],
    input: &mut Map<String, Json>,
) -> Result<(), PageError> {
    let mut named = Vec::new();
    for field in form {
        let Some(value) = input.get(field.name) else { continue };
        match field.kind {
            Kind::Ref(entry) => {
                if let Some(slug) = value.as_str() {
                    named.push(Named { field: field.name, entry, slug: slug.to_owned(), at: None });
                }
            }
            Kind::Refs(entry) => {
                for (i, slug) in value.as_array().into_iter().flatten().enumerate() {
                    let slug = slug.as_str().unwrap_or_default().to_owned();
                    named.push(Named { field: field.name, entry, slug, at: Some((i, "")) });
                }
            }
            Kind::Rows(columns) => {
                for (i, row) in value.as_array().into_iter().flatten().enumerate() {
                    for column in columns {
                        if let (ColumnKind::Ref(entry), Some(slug)) = (column.kind, row[column.name].as_str()) {
                            named.push(Named {
                                field: field.name,
                                entry,
                                slug: slug.to_owned(),
                                at: Some((i, column.name)),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if named.is_empty() {
        return Ok(());
    }
    let declared: Vec<String> = (0..named.len()).map(|i| format!("$r{i}: String!")).collect();
    let selected: Vec<String> =
        named.iter().enumerate().map(|(i, n)| format!("r{i}: {}(slug: $r{i}) {{ id }}", n.entry.query)).collect();
    let document = format!("query WorkspaceLinks({}) {{ {} }}", declared.join(", "), selected.join(" "));
    let variables: Map<String, Json> =
        named.iter().enumerate().map(|(i, n)| (format!("r{i}"), Json::String(n.slug.clone()))).collect();
    let found: Map<String, Json> =
        api::run_as(state, session.caller.clone(), client, &document, Json::Object(variables)).await.map_err(
            |error| match error {
                // A slug the API cannot take at all (too long, say) names nothing either.
                PageError::BadInput { .. } => {
                    PageError::bad_input(named[0].field, "names an entry that does not exist")
                }
                other => other,
            },
        )?;
    for (i, n) in named.iter().enumerate() {
        let Some(id) = found.get(&format!("r{i}")).and_then(|e| e["id"].as_str()) else {
            return Err(PageError::bad_input(n.field, format!("names no {} `{}`", n.entry.noun, n.slug)));
        };
        let id = Json::String(id.to_owned());
        let value = input.get_mut(n.field).expect("collected from the input");
        match n.at {
            None => *value = id,
            Some((row, "")) => value[row] = id,
            Some((row, column)) => value[row][column] = id,
        }
    }
    Ok(())
}

/// Where an API error's path (`input.capabilities[1].evidence`) shows on a form of `form`'s
/// fields: the field's name ("form" if none), and the message, which names the line of a list.
pub fn placed(form: &'static [Field], path: &str, message: String) -> (String, String) {
    let path = path.strip_prefix("input.").unwrap_or(path);
    let name = path.split(['.', '[']).next().unwrap_or(path);
    let Some(field) = fields::named_in(form, name) else { return ("form".to_owned(), message) };
    let line = path[name.len()..].strip_prefix('[').and_then(|rest| rest.split(']').next()?.parse::<usize>().ok());
    let message = match line {
        Some(i) => format!("(line {}) {message}", i + 1),
        None => message,
    };
    (field.name.to_owned(), message)
}
