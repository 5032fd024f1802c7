//! `/feed.atom`: the latest published changes to models, organizations and risk assessments,
//! as an Atom 1.0 feed. Entry ids are `tag:` URIs of the revision, so they never change; each
//! entry links to the revision through the GraphQL API. The explorer's filter parameters,
//! `model` and `kind` narrow it (`service::feed`); each filtered feed's id is its canonical URL.

use atom_syndication::{Category, Entry, Feed, Link, Person, Text};
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use serde_json::Value as Json;
use url::{Url, form_urlencoded};

use super::errors;
use super::{AppState, feed_crossings};
use crate::domain::{EntityType, RevisionAction};
use crate::graphql::{IdKind, global_id};
use crate::service::feed::{self, ChangeFilter, Follower};
use crate::service::revisions::RevisionRow;
use crate::service::thresholds::{self, ThresholdRow};
use crate::service::{Audience, Caller, ClientError, ErrorCode, ServiceError};

/// How many changes the feed lists.
const LENGTH: usize = 50;

/// The year in the `tag:` URIs (RFC 4151 wants a date the authority was held); never change it,
/// or every entry id changes.
const TAG_YEAR: &str = "2026";

/// The feed of the changes the query string's filter (`ChangeFilter::from_query`) lets through;
/// a parameter it cannot use is a 400 naming it.
pub async fn atom(State(state): State<AppState>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let Some(base) = base_url(&state, &headers) else {
        return errors::export(ClientError::new(ErrorCode::BadRequest, "the Host header is not a host name"));
    };
    let query = query.unwrap_or_default();
    let filter = match ChangeFilter::from_query(form_urlencoded::parse(query.as_bytes())) {
        Ok(filter) => filter,
        Err(error) => return errors::export(error.to_client()),
    };
    // The whole feed also lists each threshold crossing as an entry of its own; a filtered
    // feed lists the changes that crossed (category `threshold-crossed`) instead.
    let everything = filter.is_everything();
    let read = state.databases.read(&Caller::Anonymous, |db| {
        let filter = filter.clone();
        async move {
            let follower = Follower::new(&db, Audience::Public, filter, "model").await?;
            let (rows, scanned) = feed::latest_public(&db, &follower, LENGTH).await?;
            let crossings =
                if everything { crate::service::crossings::latest(&db, LENGTH as u64).await? } else { vec![] };
            Ok((rows, scanned, thresholds::all(&db).await?, crossings))
        }
    });
    let (rows, scanned, thresholds, crossings) = match read.await {
        Ok((found, _)) => found,
        Err(error) => return errors::export(error.to_client()),
    };
    crate::service::query_budget::rows_loaded(scanned + crossings.len());
    let mut feed = atom_feed(&base, &filter, &rows, &thresholds);
    if !crossings.is_empty() {
        let mut entries = feed.entries().to_vec();
        entries.extend(crossings.iter().map(|c| feed_crossings::entry(&base, c)));
        // Newest first; a crossing beside the change that caused it.
        entries.sort_by(|a, b| b.updated().cmp(a.updated()));
        if let Some(newest) = entries.first().map(|e| *e.updated()) {
            feed.set_updated(newest);
        }
        feed.set_entries(entries);
    }
    match feed.write_to(Vec::new()) {
        Ok(xml) => ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response(),
        Err(error) => errors::export(ServiceError::internal(error).to_client()),
    }
}

/// The feed's own URL: its filter's parameters in their canonical order, so that the same
/// filter always has the same URL, which is also the feed's id.
pub fn self_url(base: &Url, filter: &ChangeFilter) -> String {
    let mut url = base.join("feed.atom").unwrap_or_else(|_| base.clone());
    let pairs = filter.pairs();
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    url.into()
}

/// The configured public URL, or else the one the request's `Host` names.
fn base_url(state: &AppState, headers: &HeaderMap) -> Option<Url> {
    if let Some(url) = &state.public_url {
        return Some(url.clone());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let url = Url::parse(&format!("http://{host}/")).ok()?;
    // Only a host (and port): a Host header smuggling a path or credentials is refused.
    (url.path() == "/" && url.username().is_empty() && url.query().is_none()).then_some(url)
}

pub(super) fn link(href: String, rel: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link
}

fn person(name: &str) -> Person {
    let mut person = Person::default();
    person.set_name(name);
    person
}

fn atom_feed(base: &Url, filter: &ChangeFilter, rows: &[RevisionRow], thresholds: &[ThresholdRow]) -> Feed {
    let self_url = self_url(base, filter);
    let mut feed = Feed::default();
    let pairs = filter.pairs();
    if pairs.is_empty() {
        feed.set_title("AI Tracker: changes to the catalog");
    } else {
        let conditions: Vec<String> = pairs.iter().map(|(key, value)| format!("{key}={value}")).collect();
        feed.set_title(format!("AI Tracker: changes to the catalog ({})", conditions.join(", ")));
    }
    feed.set_subtitle(Text::plain(
        "New and changed models, organizations and risk assessments, and resolved predictions",
    ));
    feed.set_id(self_url.clone());
    feed.set_links(vec![link(self_url, "self"), link(join(base, "graphql"), "alternate")]);
    feed.set_authors(vec![person("AI Tracker")]);
    let updated = rows.first().map(|r| r.created_at).unwrap_or_else(chrono::Utc::now);
    feed.set_updated(updated.fixed_offset());
    feed.set_entries(rows.iter().map(|row| entry(base, row, thresholds)).collect::<Vec<_>>());
    feed
}

/// The `tag:` URI of `specific` (e.g. `revision/12`) on this host.
pub(super) fn tag(base: &Url, specific: &str) -> String {
    format!("tag:{},{TAG_YEAR}:{specific}", base.host_str().unwrap_or("localhost"))
}

fn join(base: &Url, path: &str) -> String {
    base.join(path).map(String::from).unwrap_or_else(|_| base.to_string())
}

/// An entry's categories: the kind of entry changed, then the kinds of news the change is
/// (`ChangeKind`, as the `kind` parameter spells them).
fn entry(base: &Url, row: &RevisionRow, thresholds: &[ThresholdRow]) -> Entry {
    let noun = match row.entity_type {
        EntityType::Model => "Model",
        EntityType::Organization => "Organization",
        EntityType::RiskAssessment => "Risk assessment",
        EntityType::Prediction => "Prediction",
        _ => "Entry",
    };
    let verb = match row.action {
        RevisionAction::Create => "added",
        RevisionAction::Update => "updated",
        RevisionAction::Delete => "deleted",
        RevisionAction::Publish => "published",
        RevisionAction::Unpublish => "withdrawn",
        RevisionAction::Revert => "reverted",
        RevisionAction::Restore => "restored",
    };
    let mut entry = Entry::default();
    entry.set_id(tag(base, &format!("revision/{}", row.id)));
    entry.set_title(match resolution(row) {
        Some(title) => title,
        None => format!("{noun} {} {verb}", name(row)),
    });
    entry.set_updated(row.created_at.fixed_offset());
    entry.set_authors(vec![person(&row.author_name)]);
    let terms = std::iter::once(row.entity_type.as_str())
        .chain(feed::classify(row, thresholds).into_iter().map(|k| k.as_str()));
    let categories: Vec<Category> = terms
        .map(|term| {
            let mut category = Category::default();
            category.set_term(term);
            category
        })
        .collect();
    entry.set_categories(categories);
    entry.set_links(vec![link(revision_url(base, row.id), "alternate")]);
    if let Some(summary) = &row.summary {
        entry.set_summary(Text::plain(summary.clone()));
    }
    entry
}

/// A prediction's resolution or reopening, as an entry's title says it.
fn resolution(row: &RevisionRow) -> Option<String> {
    if row.entity_type != EntityType::Prediction {
        return None;
    }
    let outcome = |state: &Option<Json>| state.as_ref()?.get("outcome")?.as_str().map(str::to_owned);
    Some(match (outcome(&row.before), outcome(&row.after)) {
        (_, Some(outcome)) => format!("Prediction #{} resolved: {}", row.entity_id, outcome.to_uppercase()),
        (Some(_), None) => format!("Prediction #{} reopened", row.entity_id),
        (None, None) => format!("Prediction #{} updated", row.entity_id),
    })
}

/// How the entry calls itself: a name, or a risk assessment's summary (shortened).
fn name(row: &RevisionRow) -> String {
    let field = |state: &Option<Json>, key: &str| state.as_ref()?.get(key)?.as_str().map(str::to_owned);
    let text = field(&row.after, "name")
        .or_else(|| field(&row.before, "name"))
        .or_else(|| field(&row.after, "summary"))
        .or_else(|| field(&row.before, "summary"))
        .unwrap_or_else(|| format!("#{}", row.entity_id));
    const LONGEST: usize = 80;
    if text.chars().count() > LONGEST {
        format!("“{}…”", text.chars().take(LONGEST).collect::<String>())
    } else {
        format!("“{text}”")
    }
}

/// The revision, as a GraphQL GET request.
pub(super) fn revision_url(base: &Url, revision: i32) -> String {
    let query = format!(
        "{{ node(id: \"{}\") {{ ... on Revision {{ entityType entityId action author summary createdAt \
         changedFields after }} }} }}",
        global_id(IdKind::Revision, revision).0
    );
    let mut url = base.join("graphql").unwrap_or_else(|_| base.clone());
    url.query_pairs_mut().append_pair("query", &query);
    url.into()
}
