//! Every argument value of a document, and every variable, walked once with a loop (never by
//! recursion): a value nested deeper than the input depth, or a string holding NUL or longer
//! than the string cap, is refused naming the argument, before async-graphql validates or
//! converts it. Deep filter inputs overflowed the stack in conversion (`ModelFilterInput::parse`
//! takes some 40 KB of stack per level in a debug build); a NUL became INTERNAL on Postgres and
//! matched every row on SQLite.

use std::collections::HashMap;

use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, Positioned, ServerError, Value as ConstValue, Variables, indexmap::IndexMap};
use async_graphql_value::Value;

use super::{InputLimits, bad_argument};

/// A value of either kind async-graphql has: from the document (may hold variables) or constant.
trait InputValue: Sized {
    fn shape(&self) -> Shape<'_, Self>;
}

enum Shape<'a, V> {
    Text(&'a str),
    Variable(&'a str),
    List(&'a [V]),
    Object(&'a IndexMap<Name, V>),
    Other,
}

impl InputValue for Value {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Value::String(s) => Shape::Text(s),
            Value::Variable(name) => Shape::Variable(name),
            Value::List(items) => Shape::List(items),
            Value::Object(fields) => Shape::Object(fields),
            _ => Shape::Other,
        }
    }
}

impl InputValue for ConstValue {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            ConstValue::String(s) => Shape::Text(s),
            ConstValue::List(items) => Shape::List(items),
            ConstValue::Object(fields) => Shape::Object(fields),
            _ => Shape::Other,
        }
    }
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn path_of(argument: &str, segments: &[Segment<'_>]) -> String {
    let mut path = argument.to_owned();
    for segment in segments {
        match segment {
            Segment::Key(key) => {
                path.push('.');
                path.push_str(key);
            }
            Segment::Index(i) => path.push_str(&format!("[{i}]")),
        }
    }
    path
}

/// Where the variables of a document are used: the path of the first argument (or default
/// value) each appears in, so that a refused variable names the argument it feeds.
pub type VariableUses = HashMap<Name, String>;

/// Checks one argument value; records where it uses variables.
fn check_value<'a, V: InputValue>(
    argument: &str,
    root: &'a V,
    pos: Option<Pos>,
    limits: &InputLimits,
    uses: &mut VariableUses,
) -> Result<(), ServerError> {
    // (depth of the value, the segment that leads to it, the value); the path to the value
    // being looked at is kept in `path`, cut back to its depth as the walk moves on.
    let mut stack: Vec<(usize, Option<Segment<'a>>, &'a V)> = vec![(0, None, root)];
    let mut path: Vec<Segment<'a>> = Vec::new();
    while let Some((depth, segment, value)) = stack.pop() {
        path.truncate(depth.saturating_sub(1));
        if let Some(segment) = segment {
            path.push(segment);
        }
        let refuse = |message: String, path: &[Segment<'_>]| {
            let field = path_of(argument, path);
            Err(bad_argument(&field, format!("{field}: {message}"), pos))
        };
        match value.shape() {
            Shape::Text(text) => check_text(text, limits).or_else(|message| refuse(message, &path))?,
            Shape::Variable(name) => {
                uses.entry(Name::new(name)).or_insert_with(|| path_of(argument, &path));
            }
            Shape::List(items) => {
                if depth + 1 > limits.max_input_depth {
                    return refuse(format!("nests deeper than {} levels", limits.max_input_depth), &path);
                }
                stack.extend(items.iter().enumerate().rev().map(|(i, v)| (depth + 1, Some(Segment::Index(i)), v)));
            }
            Shape::Object(fields) => {
                if depth + 1 > limits.max_input_depth {
                    return refuse(format!("nests deeper than {} levels", limits.max_input_depth), &path);
                }
                for key in fields.keys() {
                    check_text(key, limits).or_else(|message| refuse(format!("a key {message}"), &path))?;
                }
                stack.extend(fields.iter().rev().map(|(k, v)| (depth + 1, Some(Segment::Key(k.as_str())), v)));
            }
            Shape::Other => {}
        }
    }
    Ok(())
}

/// Why a string is refused, if it is.
fn check_text(text: &str, limits: &InputLimits) -> Result<(), String> {
    if text.contains('\0') {
        return Err("must not contain the NUL character (U+0000)".into());
    }
    if text.len() > limits.max_string_bytes {
        return Err(format!("must be at most {} bytes long", limits.max_string_bytes));
    }
    Ok(())
}

fn check_directives(
    directives: &[Positioned<Directive>],
    limits: &InputLimits,
    uses: &mut VariableUses,
) -> Result<(), ServerError> {
    for directive in directives {
        for (name, value) in &directive.node.arguments {
            check_value(name.node.as_str(), &value.node, Some(value.pos), limits, uses)?;
        }
    }
    Ok(())
}

/// Checks every argument, directive argument and variable default in `document`; returns
/// where each variable is used.
pub fn check_document(document: &ExecutableDocument, limits: &InputLimits) -> Result<VariableUses, ServerError> {
    let mut uses = VariableUses::new();
    let mut sets: Vec<&SelectionSet> = Vec::new();
    for (_, operation) in document.operations.iter() {
        let operation = &operation.node;
        for variable in &operation.variable_definitions {
            let variable = &variable.node;
            if let Some(default) = &variable.default_value {
                let argument = format!("${}", variable.name.node);
                check_value(&argument, &default.node, Some(default.pos), limits, &mut uses)?;
            }
            check_directives(&variable.directives, limits, &mut uses)?;
        }
        check_directives(&operation.directives, limits, &mut uses)?;
        sets.push(&operation.selection_set.node);
    }
    for fragment in document.fragments.values() {
        check_directives(&fragment.node.directives, limits, &mut uses)?;
        sets.push(&fragment.node.selection_set.node);
    }
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        check_value(name.node.as_str(), &value.node, Some(value.pos), limits, &mut uses)?;
                    }
                    check_directives(&field.node.directives, limits, &mut uses)?;
                    sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(inline) => {
                    check_directives(&inline.node.directives, limits, &mut uses)?;
                    sets.push(&inline.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => check_directives(&spread.node.directives, limits, &mut uses)?,
            }
        }
    }
    Ok(uses)
}

/// Checks every variable's value; a refusal names the argument the variable feeds (or the
/// variable, `$name`, when no argument uses it).
pub fn check_variables(variables: &Variables, uses: &VariableUses, limits: &InputLimits) -> Result<(), ServerError> {
    let mut ignored = VariableUses::new();
    for (name, value) in variables.iter() {
        let argument = uses.get(name).cloned().unwrap_or_else(|| format!("${name}"));
        check_value(&argument, value, None, limits, &mut ignored)?;
    }
    Ok(())
}

/// Checks a filter given as JSON outside GraphQL (the export's `?filter=`), as its variable
/// would be checked.
pub fn check_json_argument(argument: &str, value: &ConstValue, limits: &InputLimits) -> Result<(), ServerError> {
    check_value(argument, value, None, limits, &mut VariableUses::new())
}
