//! A look at the query text before async-graphql's parser sees it. The parser, and every walk
//! after it (converting values, validation, the filter inputs' `parse`), recurse once per level
//! of `{`, `[` and `(`: ten thousand levels in a 20 KB document overflowed a worker's stack and
//! aborted the process. This scan is a loop, so it costs the same at any depth.

use async_graphql::ServerError;

use super::{bad_argument, with_code};
use crate::service::ErrorCode;

/// The deepest selection nesting async-graphql's parser accepts (its own recursion limit); a
/// document that nests deeper outside arguments is refused here, before the parser recurses.
pub const MAX_SELECTION_NESTING: usize = 64;

/// An open argument list: where it opened, and the name of the argument being read.
struct Arguments<'q> {
    level: usize,
    name: &'q str,
}

/// Refuses `query` if its argument values nest deeper than `max_input_depth` (BAD_USER_INPUT
/// naming the argument) or its selections deeper than [`MAX_SELECTION_NESTING`]. Strings and
/// comments are skipped; anything malformed is left for the parser to report.
pub fn check(query: &str, max_input_depth: usize) -> Result<(), ServerError> {
    let bytes = query.as_bytes();
    let mut open = 0usize;
    let mut arguments: Vec<Arguments<'_>> = Vec::new();
    let mut last_name = "";
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' => i = skip_string(bytes, i),
            b'(' => {
                open += 1;
                arguments.push(Arguments { level: open, name: "" });
            }
            b'{' | b'[' => {
                open += 1;
                match arguments.last() {
                    Some(args) if open - args.level > max_input_depth => {
                        let field = if args.name.is_empty() { "argument" } else { args.name };
                        return Err(bad_argument(
                            field,
                            format!("`{field}` nests deeper than {max_input_depth} levels"),
                            None,
                        ));
                    }
                    None if open > MAX_SELECTION_NESTING => {
                        return Err(with_code(
                            ServerError::new(
                                format!("the document nests selections deeper than {MAX_SELECTION_NESTING} levels"),
                                None,
                            ),
                            ErrorCode::GraphqlParseFailed,
                        ));
                    }
                    _ => {}
                }
            }
            b')' | b'}' | b']' => {
                if arguments.last().is_some_and(|args| args.level == open) {
                    arguments.pop();
                }
                open = open.saturating_sub(1);
            }
            b':' => {
                if let Some(args) = arguments.last_mut().filter(|args| args.level == open) {
                    args.name = last_name;
                }
            }
            c if c == b'_' || c.is_ascii_alphanumeric() => {
                let start = i;
                while i + 1 < bytes.len() && (bytes[i + 1] == b'_' || bytes[i + 1].is_ascii_alphanumeric()) {
                    i += 1;
                }
                last_name = &query[start..=i];
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The index of the last byte of the string that opens at `start` (`"…"` or `"""…"""`).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    if bytes[start..].starts_with(b"\"\"\"") {
        let mut i = start + 3;
        while i < bytes.len() {
            if bytes[i..].starts_with(b"\\\"\"\"") {
                i += 4;
            } else if bytes[i..].starts_with(b"\"\"\"") {
                return i + 2;
            } else {
                i += 1;
            }
        }
        return bytes.len();
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' | b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(error: ServerError) -> String {
        error.extensions.unwrap().get("field").unwrap().to_string()
    }

    #[test]
    fn deep_arguments_are_refused_naming_the_argument() {
        let deep = format!("{{ models(first: 1, filter: {}{}) {{ totalCount }} }}", "{not:".repeat(40), "}".repeat(40));
        assert_eq!(field_of(check(&deep, 32).unwrap_err()), "\"filter\"");
        let lists = format!("{{ models(filter: {}{}) {{ totalCount }} }}", "{and:[".repeat(20), "]}".repeat(20));
        assert!(check(&lists, 32).is_err());
        let fine = format!("{{ models(filter: {}{}) {{ totalCount }} }}", "{not:".repeat(31), "}".repeat(31));
        assert!(check(&fine, 32).is_ok());
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let query = format!(
            "{{ models(filter: {{name: {{eq: \"{}\"}}}}) {{ totalCount }} }} # {}",
            "[".repeat(100),
            "{".repeat(100)
        );
        assert!(check(&query, 32).is_ok());
        let block = format!("{{ s(t: \"\"\" \\\"\"\" {} \"\"\") }}", "{".repeat(100));
        assert!(check(&block, 32).is_ok());
    }

    #[test]
    fn deep_selections_are_refused_before_parsing() {
        let deep = format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
        let error = check(&deep, 32).unwrap_err();
        assert_eq!(error.extensions.unwrap().get("code").unwrap().to_string(), "\"GRAPHQL_PARSE_FAILED\"");
    }
}
