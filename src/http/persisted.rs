//! Apollo's automatic persisted queries: a client sends `extensions.persistedQuery` =
//! `{ version: 1, sha256Hash }` without the query; if this instance knows the hash it runs the
//! query stored under it, else it answers PERSISTED_QUERY_NOT_FOUND and the client sends the
//! query with its hash once, which is checked and stored. Then a query fits in a short GET URL,
//! which CDNs cache.
//!
//! The store is per instance and bounded (the least used go first): a miss only costs the
//! client one more round trip. Written here rather than with async-graphql's extension so that
//! the HTTP layer has the query text (the response cache keys on it, and GET must refuse a
//! mutation before it runs) and the errors carry codes.

use std::sync::Arc;

use moka::sync::Cache;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};

/// Bytes of query text the store keeps.
const STORE_BYTES: u64 = 4 * 1024 * 1024;

/// Why a request's query could not be found or accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The hash is not known here: send the query with it.
    NotFound,
    /// The extension or the query is malformed; the message names the field.
    BadRequest(&'static str),
}

#[derive(Clone)]
pub struct PersistedQueries {
    /// Query text by the lower-case hex SHA-256 of it.
    store: Cache<String, Arc<str>>,
}

impl Default for PersistedQueries {
    fn default() -> Self {
        PersistedQueries {
            store: Cache::builder()
                .max_capacity(STORE_BYTES)
                .weigher(|hash: &String, query: &Arc<str>| u32::try_from(hash.len() + query.len()).unwrap_or(u32::MAX))
                .build(),
        }
    }
}

impl PersistedQueries {
    /// The query the request runs: its own (stored under its hash when it carries one), or the
    /// one stored under its hash.
    pub fn resolve(&self, query: Option<String>, extensions: Option<&Map<String, Json>>) -> Result<String, Refusal> {
        let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return query.ok_or(Refusal::BadRequest("the request has no `query`"));
        };
        let Json::Object(persisted) = persisted else {
            return Err(Refusal::BadRequest("`extensions.persistedQuery` must be an object"));
        };
        if persisted.get("version").and_then(Json::as_i64) != Some(1) {
            return Err(Refusal::BadRequest("`extensions.persistedQuery.version` must be 1"));
        }
        let hash = match persisted.get("sha256Hash").and_then(Json::as_str) {
            Some(hash) if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => hash.to_ascii_lowercase(),
            _ => {
                return Err(Refusal::BadRequest(
                    "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal digits",
                ));
            }
        };
        match query {
            Some(query) => {
                if format!("{:x}", Sha256::digest(query.as_bytes())) != hash {
                    return Err(Refusal::BadRequest(
                        "`extensions.persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                    ));
                }
                self.store.insert(hash, Arc::from(query.as_str()));
                Ok(query)
            }
            None => self.store.get(&hash).map(|q| q.to_string()).ok_or(Refusal::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn extension(hash: &str) -> Map<String, Json> {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).as_object().cloned().unwrap()
    }

    const QUERY: &str = "{ models(first: 1) { nodes { slug } } }";

    fn hash_of(query: &str) -> String {
        format!("{:x}", Sha256::digest(query.as_bytes()))
    }

    #[test]
    fn a_hash_is_found_once_its_query_was_sent() {
        let store = PersistedQueries::default();
        let ext = extension(&hash_of(QUERY));
        assert_eq!(store.resolve(None, Some(&ext)), Err(Refusal::NotFound));
        assert_eq!(store.resolve(Some(QUERY.into()), Some(&ext)).as_deref(), Ok(QUERY));
        assert_eq!(store.resolve(None, Some(&ext)).as_deref(), Ok(QUERY));
        // Upper-case hex names the same hash.
        let upper = extension(&hash_of(QUERY).to_uppercase());
        assert_eq!(store.resolve(None, Some(&upper)).as_deref(), Ok(QUERY));
    }

    #[test]
    fn a_wrong_hash_is_refused_and_not_stored() {
        let store = PersistedQueries::default();
        let ext = extension(&hash_of("{ other }"));
        assert!(
            matches!(store.resolve(Some(QUERY.into()), Some(&ext)), Err(Refusal::BadRequest(m)) if m.contains("sha256Hash"))
        );
        assert_eq!(store.resolve(None, Some(&ext)), Err(Refusal::NotFound));
    }

    #[test]
    fn malformed_extensions_name_the_field() {
        let store = PersistedQueries::default();
        for (ext, field) in [
            (json!({ "persistedQuery": "abc" }), "persistedQuery`"),
            (json!({ "persistedQuery": { "version": 2, "sha256Hash": hash_of(QUERY) } }), "version"),
            (json!({ "persistedQuery": { "version": 1, "sha256Hash": "xyz" } }), "sha256Hash"),
            (json!({ "persistedQuery": { "version": 1 } }), "sha256Hash"),
        ] {
            let ext = ext.as_object().cloned().unwrap();
            match store.resolve(None, Some(&ext)) {
                Err(Refusal::BadRequest(message)) => assert!(message.contains(field), "{message}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(store.resolve(None, None), Err(Refusal::BadRequest("the request has no `query`")));
    }
}
