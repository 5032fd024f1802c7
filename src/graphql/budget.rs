//! The hard bounds on one operation's answer, whatever its complexity estimate said: how many
//! catalog rows its resolvers are handed, and how many bytes its answer holds.
//!
//! The complexity limit is an estimate made before anything runs; these are counted as the
//! answer grows, so that no operation holds more than a bounded answer in memory. Rows are
//! counted where a list or page is handed to the resolvers (one atomic add per list, not per
//! field), cache hits included: the request's loader answers a repeated key from its cache
//! without reading anything, and it is the answer that grows, not the reads. Long texts are
//! counted against the byte limit as they resolve, since a few thousand rows of 50,000-character
//! descriptions would otherwise fill memory before the serialized answer could be measured.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_graphql::{Context, Response};

use super::error::{coded, server_error};
use crate::service::{ClientError, ErrorCode};

pub use crate::config::AnswerLimits;

/// What one operation's answer has used of its limits. Travels in the request's data; each
/// transport makes one per operation (per event, for a subscription).
#[derive(Clone)]
pub struct AnswerBudget(Arc<Used>);

struct Used {
    limits: AnswerLimits,
    rows: AtomicUsize,
    text_bytes: AtomicUsize,
    exceeded: AtomicBool,
}

impl AnswerBudget {
    pub fn new(limits: AnswerLimits) -> Self {
        AnswerBudget(Arc::new(Used {
            limits,
            rows: AtomicUsize::new(0),
            text_bytes: AtomicUsize::new(0),
            exceeded: AtomicBool::new(false),
        }))
    }

    fn charge_rows(&self, rows: usize) -> async_graphql::Result<()> {
        self.charge(&self.0.rows, rows, self.0.limits.max_rows, "too many rows")
    }

    fn charge_text(&self, bytes: usize) -> async_graphql::Result<()> {
        self.charge(&self.0.text_bytes, bytes, self.0.limits.max_bytes, "too many bytes")
    }

    /// Adds `amount` to `used`; past `limit` the answer is marked for refusal.
    fn charge(&self, used: &AtomicUsize, amount: usize, limit: usize, what: &str) -> async_graphql::Result<()> {
        if used.fetch_add(amount, Ordering::Relaxed).saturating_add(amount) > limit {
            self.0.exceeded.store(true, Ordering::Relaxed);
            return Err(coded(ErrorCode::ResponseTooLarge, what));
        }
        Ok(())
    }

    /// Catalog rows the answer holds so far.
    pub fn rows(&self) -> usize {
        self.0.rows.load(Ordering::Relaxed)
    }

    /// Whether the operation went past a limit (its answer is then refused whole).
    pub fn exceeded(&self) -> bool {
        self.0.exceeded.load(Ordering::Relaxed)
    }

    /// Starts over: a subscription's next event is an answer of its own.
    pub fn reset(&self) {
        self.0.rows.store(0, Ordering::Relaxed);
        self.0.text_bytes.store(0, Ordering::Relaxed);
        self.0.exceeded.store(false, Ordering::Relaxed);
    }

    /// `response`, or the refusal when the answer went past a limit: while resolving, or once
    /// serialized (measured without keeping the bytes). For transports that serialize later.
    pub fn bound(&self, response: Response) -> Response {
        if self.exceeded() {
            return refusal(self.0.limits);
        }
        let mut counter = Within { written: 0, limit: self.0.limits.max_bytes, kept: None };
        match serde_json::to_writer(&mut counter, &response) {
            Err(_) if counter.written > counter.limit => refusal(self.0.limits),
            _ => response,
        }
    }

    pub fn limits(&self) -> AnswerLimits {
        self.0.limits
    }
}

/// Counts `rows` list items or page nodes handed to the operation's resolvers.
pub fn charge_rows(ctx: &Context<'_>, rows: usize) -> async_graphql::Result<()> {
    ctx.data_opt::<AnswerBudget>().map_or(Ok(()), |budget| budget.charge_rows(rows))
}

/// Counts a long text (a description, a rationale) put into the answer.
pub fn charge_text(ctx: &Context<'_>, text: &str) -> async_graphql::Result<()> {
    ctx.data_opt::<AnswerBudget>().map_or(Ok(()), |budget| budget.charge_text(text.len()))
}

/// The answer to an operation that asked for too much: one error, no data. RESPONSE_TOO_LARGE,
/// not GRAPHQL_VALIDATION_FAILED: the same document may pass on a small catalog and be refused
/// on a larger one, and the client's remedy (smaller pages, fewer nested lists) differs from
/// fixing its document.
pub fn refusal(limits: AnswerLimits) -> Response {
    let message = format!(
        "the answer is too large: one operation may return at most {} rows and {} bytes; ask for \
         smaller pages or fewer nested lists",
        limits.max_rows, limits.max_bytes
    );
    Response::from_errors(vec![server_error(ClientError::new(ErrorCode::ResponseTooLarge, message))])
}

/// Serializes `value` as JSON if it takes at most `limit` bytes; `Ok(None)` past the limit,
/// having written no more than `limit` bytes.
pub fn to_json_within<T: serde::Serialize>(value: &T, limit: usize) -> serde_json::Result<Option<Vec<u8>>> {
    let mut writer = Within { written: 0, limit, kept: Some(Vec::with_capacity(FIRST_CAPACITY.min(limit))) };
    match serde_json::to_writer(&mut writer, value) {
        Ok(()) => Ok(writer.kept.map(|mut kept| {
            // An answer may be kept (the response cache weighs it by its length): no spare room.
            if kept.capacity() - kept.len() > kept.len() / 4 {
                kept.shrink_to_fit();
            }
            kept
        })),
        Err(_) if writer.written > limit => Ok(None),
        Err(error) => Err(error),
    }
}

/// The room an answer starts with. serde_json writes a few bytes at a time, and growing from
/// nothing to a catalog page's 100 KB reallocated the buffer a dozen times: 4 % of a catalog
/// page's instructions (callgrind).
const FIRST_CAPACITY: usize = 32 * 1024;

/// A writer that stops with an error once more than `limit` bytes were written to it, keeping
/// them (`kept`) or only counting them.
struct Within {
    written: usize,
    limit: usize,
    kept: Option<Vec<u8>>,
}

impl io::Write for Within {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    /// serde_json calls this for every token it writes (the default loops over `write`).
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written = self.written.saturating_add(bytes.len());
        if self.written > self.limit {
            return Err(io::Error::other("the answer is past its byte limit"));
        }
        if let Some(kept) = &mut self.kept {
            kept.extend_from_slice(bytes);
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_writing_past_the_limit() {
        let text = "x".repeat(100);
        assert_eq!(to_json_within(&text, 102).unwrap().map(|b| b.len()), Some(102));
        assert_eq!(to_json_within(&text, 101).unwrap(), None);
    }
}
