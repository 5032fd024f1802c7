//! Parsed documents, kept by their text. Frontends send the same few queries over and over, and
//! parsing one with async-graphql's parser cost about a twentieth of a catalog page; a kept
//! document is copied instead (a tenth of the parse).
//!
//! Bounded by the text it keeps (the least used go first) and only documents of up to
//! [`MAX_KEPT_QUERY`] bytes are kept, so that many distinct queries cannot make it large.
//! Documents that do not parse, or that the admission checks refuse, are not kept: their
//! error is found again. A kept document has passed them (they depend on its text only).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::{ServerError, parser::parse_query, parser::types::ExecutableDocument};
use moka::sync::Cache;

use super::admission::{self, InputLimits, VariableUses};
use super::error::with_code;
use crate::service::ErrorCode;

/// Bytes of query text kept (a parsed document takes several times its text).
const KEPT_BYTES: u64 = 256 * 1024;
/// The longest query kept.
const MAX_KEPT_QUERY: usize = 16 * 1024;

/// A parsed document that passed the admission checks.
pub struct Admitted {
    pub document: ExecutableDocument,
    /// Where each variable is used (a refused variable names its argument).
    pub uses: VariableUses,
    /// It ran once without variables and passed every validation rule: run so again, its
    /// outcome is the same (see [`Admitted::checked`]).
    checked: AtomicBool,
}

impl Admitted {
    /// Whether a run of this document without variables may skip the validation rules that
    /// depend only on the document and the schema (async-graphql's `ValidationMode::Fast`,
    /// which still computes depth and complexity against their limits). True once a run
    /// without variables passed all of them.
    pub fn checked(&self) -> bool {
        self.checked.load(Ordering::Relaxed)
    }

    /// A run without variables passed every rule.
    pub fn mark_checked(&self) {
        self.checked.store(true, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct Documents {
    kept: Cache<String, Arc<Admitted>>,
    limits: InputLimits,
}

impl Documents {
    pub fn new(limits: InputLimits) -> Self {
        Documents {
            kept: Cache::builder()
                .max_capacity(KEPT_BYTES)
                .weigher(|query: &String, _| u32::try_from(query.len()).unwrap_or(u32::MAX))
                .build(),
            limits,
        }
    }

    pub fn limits(&self) -> &InputLimits {
        &self.limits
    }

    /// The document `query` parses to, parsed and checked once while it is kept. The error is
    /// coded: GRAPHQL_PARSE_FAILED, or the admission check's own code.
    pub fn parse(&self, query: &str) -> Result<Arc<Admitted>, ServerError> {
        if let Some(document) = self.kept.get(query) {
            return Ok(document);
        }
        admission::check_text(query, &self.limits)?;
        let document = parse_query(query).map_err(|e| with_code(e.into(), ErrorCode::GraphqlParseFailed))?;
        let uses = admission::check_document(&document, &self.limits)?;
        let admitted = Arc::new(Admitted { document, uses, checked: AtomicBool::new(false) });
        if query.len() <= MAX_KEPT_QUERY {
            self.kept.insert(query.to_owned(), admitted.clone());
        }
        Ok(admitted)
    }
}
