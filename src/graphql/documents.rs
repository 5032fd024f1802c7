//! Parsed documents, kept by their text. Frontends send the same few queries over and over, and
//! parsing one with async-graphql's parser cost about a twentieth of a catalog page; a kept
//! document is copied instead (a tenth of the parse).
//!
//! Bounded by the text it keeps (the least used go first) and only documents of up to
//! [`MAX_KEPT_QUERY`] bytes are kept, so that many distinct queries cannot make it large.
//! Documents that do not parse are not kept: their error is found again.

use std::sync::Arc;

use async_graphql::{ServerError, parser::parse_query, parser::types::ExecutableDocument};
use moka::sync::Cache;

/// Bytes of query text kept (a parsed document takes several times its text).
const KEPT_BYTES: u64 = 256 * 1024;
/// The longest query kept.
const MAX_KEPT_QUERY: usize = 16 * 1024;

#[derive(Clone)]
pub struct Documents {
    kept: Cache<String, Arc<ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Documents {
            kept: Cache::builder()
                .max_capacity(KEPT_BYTES)
                .weigher(|query: &String, _| u32::try_from(query.len()).unwrap_or(u32::MAX))
                .build(),
        }
    }
}

impl Documents {
    /// The document `query` parses to, parsed once while it is kept.
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(document) = self.kept.get(query) {
            return Ok(document);
        }
        let document = Arc::new(parse_query(query)?);
        if query.len() <= MAX_KEPT_QUERY {
            self.kept.insert(query.to_owned(), document.clone());
        }
        Ok(document)
    }
}
