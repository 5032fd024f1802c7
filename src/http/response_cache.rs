//! The response cache: answers to anonymous queries, kept under the catalog's generation (see
//! `service::changes`). A change committed by this process, another instance or the command line
//! moves the generation on, and no answer read before it is served again; an answer read while a
//! change was landing is kept under the generation it started in, so it is never served after.
//!
//! The key is the query with insignificant whitespace, commas and comments dropped, the
//! operation name, the variables with their keys sorted, and the day (UTC): `thresholdCrossings`
//! counts up to today. Only anonymous requests are cached: editors see drafts and private
//! history, and must see their own writes. Only a query's data without errors is kept.
//! Concurrent requests for the same missing key wait for one run instead of each running.

use std::{
    io::Write,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{body::Bytes, http::HeaderValue};
use chrono::{NaiveDate, Utc};
use moka::future::Cache;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

use super::negotiate::Coding;
use crate::metrics::CacheResult;
use crate::service::changes::ChangeHub;

/// A safety net for writes made outside the service (SQL by hand), which the revision log does
/// not see: no answer is kept longer than this.
const LONGEST_KEPT: Duration = Duration::from_secs(3_600);

/// An answer as clients receive it.
#[derive(Clone, Debug)]
pub struct Answer {
    pub body: Bytes,
    /// Refused before running (parse, validation, limits): 400 under graphql-response+json.
    pub request_error: bool,
    /// A query's data without errors, which may be kept and revalidated.
    pub cacheable: bool,
}

/// Bodies shorter than this are sent as they are.
const WORTH_CODING: usize = 256;

/// An answer that may be reused, with the digest its entity tag is made of, and its body
/// compressed the first time a client asks for each coding (then every later client gets those
/// bytes).
#[derive(Debug)]
pub struct Kept {
    pub body: Bytes,
    digest: String,
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

impl Kept {
    fn new(body: Bytes) -> Kept {
        Kept { digest: digest_of(&body), body, brotli: OnceLock::new(), gzip: OnceLock::new() }
    }

    /// The body's entity tag (see [`etag_of`]).
    pub fn etag(&self, strong: bool) -> HeaderValue {
        tag(&self.digest, strong)
    }

    /// The body in `coding`, or `None` when it is too short to be worth it (or failed).
    pub fn coded(&self, coding: Coding) -> Option<Bytes> {
        if self.body.len() < WORTH_CODING {
            return None;
        }
        let slot = match coding {
            Coding::Brotli => &self.brotli,
            Coding::Gzip => &self.gzip,
        };
        slot.get_or_init(|| compress(&self.body, coding).ok()).clone()
    }
}

/// Compressed harder than the compression layer does on the fly (brotli 4, gzip 6): it is done
/// once per answer and generation, and sent many times.
fn compress(body: &[u8], coding: Coding) -> std::io::Result<Bytes> {
    let mut out = Vec::with_capacity(body.len() / 4);
    match coding {
        Coding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams { quality: 9, ..Default::default() };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
        }
        Coding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(&mut out, flate2::Compression::best());
            encoder.write_all(body)?;
            encoder.finish()?;
        }
    }
    Ok(Bytes::from(out))
}

/// An entity tag for a response body: 128 bits of its SHA-256, so equal bodies (from any
/// instance) have equal tags. Weak, unless the answer can never change (`strong`: it reads only
/// the past, see `Api::only_past_reads`).
pub fn etag_of(body: &[u8], strong: bool) -> HeaderValue {
    tag(&digest_of(body), strong)
}

/// 128 bits of the SHA-256 of `body`, in hex.
fn digest_of(body: &[u8]) -> String {
    let mut hex = format!("{:x}", Sha256::digest(body));
    hex.truncate(32);
    hex
}

fn tag(digest: &str, strong: bool) -> HeaderValue {
    let weak = if strong { "" } else { "W/" };
    HeaderValue::from_str(&format!("{weak}\"{digest}\"")).expect("hex is a valid header value")
}

/// What answering a request gave.
pub enum Served {
    Kept(Arc<Kept>),
    Once(Answer),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    generation: u64,
    day: NaiveDate,
    request: String,
}

#[derive(Clone)]
pub struct ResponseCache {
    /// `None` when the cache is off.
    entries: Option<Cache<Key, Arc<Kept>>>,
    changes: ChangeHub,
    /// The newest generation a key was made in: when it moves on, older entries are dropped.
    newest: Arc<AtomicU64>,
}

impl ResponseCache {
    /// A cache of at most `max_bytes` of answers (0: no cache).
    pub fn new(max_bytes: u64, changes: ChangeHub) -> ResponseCache {
        let entries = (max_bytes > 0).then(|| {
            Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &Key, kept: &Arc<Kept>| {
                    u32::try_from(key.request.len() + kept.body.len() + 128).unwrap_or(u32::MAX)
                })
                .time_to_live(LONGEST_KEPT)
                .build()
        });
        ResponseCache { entries, changes, newest: Arc::new(AtomicU64::new(0)) }
    }

    /// The key of an anonymous request, or `None` when nothing may be cached now (the cache is
    /// off, or changes are not being followed).
    pub fn key(&self, query: &str, operation_name: Option<&str>, variables: Option<&Map<String, Json>>) -> Option<Key> {
        let entries = self.entries.as_ref()?;
        let generation = self.changes.generation()?;
        if self.newest.fetch_max(generation, Ordering::SeqCst) < generation {
            entries.invalidate_all();
        }
        let mut request = normalized(query);
        request.push('\0');
        request.push_str(operation_name.unwrap_or_default());
        request.push('\0');
        if let Some(variables) = variables {
            canonical_object(variables, &mut request);
        }
        Some(Key { generation, day: Utc::now().date_naive(), request })
    }

    /// The kept answer for `key`, or `run`'s (kept when it may be). Requests for the same key
    /// arriving while it runs wait for its answer.
    pub async fn answer(&self, key: Key, run: impl Future<Output = Answer>) -> (Served, CacheResult) {
        let Some(entries) = &self.entries else { return (Served::Once(run.await), CacheResult::Bypass) };
        let found = entries
            .entry(key)
            .or_try_insert_with(async {
                let answer = run.await;
                if answer.cacheable { Ok(Arc::new(Kept::new(answer.body))) } else { Err(answer) }
            })
            .await;
        match found {
            Ok(entry) if entry.is_fresh() => (Served::Kept(entry.into_value()), CacheResult::Miss),
            Ok(entry) => (Served::Kept(entry.into_value()), CacheResult::Hit),
            Err(answer) => (Served::Once(Answer::clone(&answer)), CacheResult::Miss),
        }
    }

    /// Bytes held now (for metrics).
    pub fn bytes(&self) -> u64 {
        self.entries.as_ref().map_or(0, Cache::weighted_size)
    }
}

/// The query's tokens as written, separated by one space only where two tokens could otherwise
/// run together: whitespace, commas (insignificant in GraphQL) and comments are dropped, string
/// literals are kept verbatim. Two documents with the same result have the same tokens.
fn normalized(query: &str) -> String {
    /// Punctuators that end a token on both sides: no space is needed next to them.
    fn self_delimiting(c: char) -> bool {
        matches!(c, '{' | '}' | '(' | ')' | '[' | ']' | ':' | '!' | '=' | '$' | '@' | '|' | '&')
    }
    let mut out = String::with_capacity(query.len());
    let mut gap = false;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' | ',' | '\u{feff}' => gap = true,
            '#' => {
                while chars.next_if(|&c| c != '\n' && c != '\r').is_some() {}
                gap = true;
            }
            _ => {
                if gap && !out.is_empty() && !self_delimiting(c) && !out.ends_with(self_delimiting) {
                    out.push(' ');
                }
                gap = false;
                out.push(c);
                if c == '"' {
                    copy_string(&mut chars, &mut out);
                }
            }
        }
    }
    out
}

/// Copies a string literal whose opening quote was just copied: a block string (`"""…"""`,
/// where `\"""` is an escaped quote) or a one-line string (where `\` escapes the next character).
fn copy_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    if chars.peek() == Some(&'"') {
        chars.next();
        out.push('"');
        if chars.peek() != Some(&'"') {
            return; // "" is the empty string
        }
        chars.next();
        out.push('"');
        let mut quotes = 0;
        while let Some(c) = chars.next() {
            out.push(c);
            if c == '\\' && chars.peek() == Some(&'"') {
                // \""" inside a block string: copy the quotes without counting them.
                while let Some(q) = chars.next_if_eq(&'"') {
                    out.push(q);
                }
                quotes = 0;
                continue;
            }
            quotes = if c == '"' { quotes + 1 } else { 0 };
            if quotes == 3 {
                return;
            }
        }
        return;
    }
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            }
            '"' | '\n' | '\r' => return,
            _ => {}
        }
    }
}

/// JSON with every object's keys in order, so that the same variables make the same key.
fn canonical(value: &Json, out: &mut String) {
    match value {
        Json::Object(object) => canonical_object(object, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn canonical_object(object: &Map<String, Json>, out: &mut String) {
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    out.push('{');
    for (i, key) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Json::String(key.clone()).to_string());
        out.push(':');
        canonical(&object[key], out);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_comments_do_not_matter() {
        let a = "query Page($n: Int) {\n  models(first: $n) { nodes { slug, name } } # the page\n}";
        let b = "query Page($n:Int){models(first:$n){nodes{slug name}}}";
        assert_eq!(normalized(a), normalized(b));
        assert_eq!(normalized(b), "query Page($n:Int){models(first:$n){nodes{slug name}}}");
    }

    #[test]
    fn tokens_that_would_run_together_keep_a_space() {
        assert_ne!(normalized("{ a b }"), normalized("{ ab }"));
        assert_eq!(normalized("{ ...  on   Model { a } }"), "{... on Model{a}}");
        assert_ne!(normalized(r#"{ a(x: "" y: "z") }"#), normalized(r#"{ a(x: """y""" }"#));
    }

    #[test]
    fn strings_are_kept_verbatim() {
        assert_ne!(normalized(r#"{ search(text: "a  b") }"#), normalized(r#"{ search(text: "a b") }"#));
        assert_eq!(normalized(r#"{ s(t: "a, # not a comment") }"#), r#"{s(t:"a, # not a comment")}"#);
        assert_eq!(normalized(r#"{ s(t: "say \"hi\"  ") }"#), r#"{s(t:"say \"hi\"  ")}"#);
        assert_eq!(normalized("{ s(t: \"\"\"a \\\"\"\" ,  b\"\"\") x }"), "{s(t:\"\"\"a \\\"\"\" ,  b\"\"\")x}");
        assert_eq!(normalized(r#"{ s(t: "") x }"#), r#"{s(t:"")x}"#);
    }

    #[test]
    fn variables_are_keyed_whatever_their_order() {
        let mut a = String::new();
        let mut b = String::new();
        canonical(&serde_json::json!({"b": 1, "a": {"y": [1, "x"], "x": null}}), &mut a);
        canonical(&serde_json::json!({"a": {"x": null, "y": [1, "x"]}, "b": 1}), &mut b);
        assert_eq!(a, b);
        assert_eq!(a, r#"{"a":{"x":null,"y":[1,"x"]},"b":1}"#);
    }
}
