//! `/predictions`: the ledger of predictions (newest recorded first, filtered and paged through
//! its URL) and the record, by year recorded and by organization, as tables and as a plot
//! (`/predictions/record.svg`, stacked bars of outcomes per year recorded).

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::ExplorerState;
use super::api::{self, PageError};
use super::chart::{self, Stack};
use super::format;
use super::layout::{self, Section};
use super::past;
use crate::service::ClientAddress;

const PAGE_SIZE: i32 = 25;

pub const KINDS: [&str; 2] = ["CAPABILITY", "RISK"];
pub const STATUSES: [&str; 3] = ["OPEN", "RESOLVED", "WITHDRAWN"];
pub const OUTCOMES: [&str; 4] = ["CONFIRMED", "PARTLY", "REFUTED", "UNRESOLVABLE"];

const LEDGER: &str = r#"
query ExplorerPredictions($filter: PredictionFilter, $first: Int, $after: String, $last: Int, $before: String, $at: DateTime) {
  predictions(filter: $filter, first: $first, after: $after, last: $last, before: $before, asRecordedAt: $at) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      kind recordedAt status outcome hindsight
      model { slug name organizations { name } }
      capability { name }
      claim { statement category severity likelihood }
      successor { slug name }
    }
  }
  byYear: forecastRecord(groupBy: [YEAR_RECORDED], asRecordedAt: $at) {
    total { ...Counts }
    groups { yearRecorded counts { ...Counts } }
  }
  byOrganization: forecastRecord(groupBy: [ORGANIZATION], asRecordedAt: $at) {
    groups { organization { slug name } counts { ...Counts } }
  }
}
fragment Counts on ForecastCounts { recorded open confirmed partly refuted unresolvable withdrawn hindsight hitRate }"#;

const BY_YEAR: &str = r#"
query ExplorerRecordPlot($at: DateTime) {
  forecastRecord(groupBy: [YEAR_RECORDED], asRecordedAt: $at) {
    groups { yearRecorded counts { recorded open confirmed partly refuted unresolvable withdrawn hindsight hitRate } }
  }
}"#;

/// The parameters `/predictions` takes; any other is refused, naming it.
const PARAMETERS: [&str; 7] = ["kind", "status", "outcome", "hindsight", "after", "before", "asRecordedAt"];

/// The checked query string.
#[derive(Debug, Default, Clone)]
struct View {
    kind: Option<&'static str>,
    status: Option<&'static str>,
    outcome: Option<&'static str>,
    hindsight: Option<bool>,
    after: Option<String>,
    before: Option<String>,
    at: Option<String>,
}

fn one_of(value: &str, field: &str, allowed: &[&'static str]) -> Result<&'static str, PageError> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(value))
        .copied()
        .ok_or_else(|| PageError::bad_input(field, format!("one of {}", allowed.join(", "))))
}

fn cursor(value: &str, field: &str) -> Result<String, PageError> {
    if value.len() > 200 || value.contains('\0') {
        return Err(PageError::bad_input(field, "a cursor from a page link"));
    }
    Ok(value.to_owned())
}

impl View {
    /// Checks the query string: each parameter known, given once, and usable; an empty one is
    /// absent (what an untouched form field sends).
    fn check(pairs: &[(String, String)]) -> Result<View, PageError> {
        let mut view = View::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in pairs {
            let Some(key) = PARAMETERS.iter().find(|p| **p == key.as_str()) else {
                let shown: String = key.chars().take(40).collect();
                return Err(PageError::bad_input(
                    &shown,
                    format!("not a parameter of this page, which takes {}", PARAMETERS.join(", ")),
                ));
            };
            if seen.contains(key) {
                return Err(PageError::bad_input(key, "given once at most"));
            }
            seen.push(key);
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match *key {
                "kind" => view.kind = Some(one_of(value, key, &KINDS)?),
                "status" => view.status = Some(one_of(value, key, &STATUSES)?),
                "outcome" => view.outcome = Some(one_of(value, key, &OUTCOMES)?),
                "hindsight" => {
                    view.hindsight = Some(match value {
                        "yes" | "true" => true,
                        "no" | "false" => false,
                        _ => return Err(PageError::bad_input(key, "yes or no")),
                    })
                }
                "after" => view.after = Some(cursor(value, key)?),
                "before" => view.before = Some(cursor(value, key)?),
                _ => view.at = past::instant(Some(value), "asRecordedAt")?,
            }
        }
        Ok(view)
    }

    /// The API's `PredictionFilter` (null when nothing is set).
    fn to_api_filter(&self) -> Json {
        let mut filter = serde_json::Map::new();
        if let Some(kind) = self.kind {
            filter.insert("kind".into(), json!(kind));
        }
        if let Some(status) = self.status {
            filter.insert("status".into(), json!(status));
        }
        if let Some(outcome) = self.outcome {
            filter.insert("outcome".into(), json!(outcome));
        }
        if let Some(hindsight) = self.hindsight {
            filter.insert("hindsight".into(), json!(hindsight));
        }
        if filter.is_empty() { Json::Null } else { Json::Object(filter) }
    }

    fn is_filtered(&self) -> bool {
        self.kind.is_some() || self.status.is_some() || self.outcome.is_some() || self.hindsight.is_some()
    }

    /// `path` with the filters and the past view's instant, and `extra` pairs.
    fn url(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let hindsight = self.hindsight.map(|h| if h { "yes" } else { "no" });
        for (k, v) in
            [("kind", self.kind), ("status", self.status), ("outcome", self.outcome), ("hindsight", hindsight)]
        {
            if let Some(v) = v {
                query.append_pair(k, v);
            }
        }
        if let Some(at) = &self.at {
            query.append_pair("asRecordedAt", at);
        }
        for (k, v) in extra {
            query.append_pair(k, v);
        }
        let query = query.finish();
        if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
    }

    /// The same view of the record as it is now.
    fn now(&self) -> View {
        View { at: None, ..self.clone() }
    }

    /// `path` with only the past view's instant.
    fn at_url(&self, path: &str) -> String {
        View { at: self.at.clone(), ..View::default() }.url(path, &[])
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    predictions: Predictions,
    by_year: Record,
    by_organization: Record,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Predictions {
    total_count: i64,
    page_info: PageInfo,
    nodes: Vec<Prediction>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    has_previous_page: bool,
    start_cursor: Option<String>,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prediction {
    kind: String,
    recorded_at: Option<String>,
    status: String,
    outcome: Option<String>,
    hindsight: bool,
    model: Subject,
    capability: Option<Named>,
    claim: Claim,
    successor: Option<Linked>,
}

#[derive(Deserialize)]
struct Subject {
    slug: String,
    name: String,
    organizations: Vec<Named>,
}

#[derive(Deserialize)]
struct Named {
    name: String,
}

#[derive(Deserialize)]
struct Linked {
    slug: String,
    name: String,
}

#[derive(Deserialize)]
struct Claim {
    statement: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    likelihood: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    total: Option<Counts>,
    groups: Vec<Group>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    year_recorded: Option<i32>,
    organization: Option<Linked>,
    counts: Counts,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Counts {
    recorded: i64,
    open: i64,
    confirmed: i64,
    partly: i64,
    refuted: i64,
    unresolvable: i64,
    withdrawn: i64,
    hindsight: i64,
    hit_rate: Option<f64>,
}

pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Markup, PageError> {
    let view = View::check(&pairs)?;
    let backwards = view.before.is_some();
    let variables = json!({
        "filter": view.to_api_filter(),
        "first": if backwards { None } else { Some(PAGE_SIZE) },
        "after": view.after,
        "last": if backwards { Some(PAGE_SIZE) } else { None },
        "before": view.before,
        "at": view.at,
    });
    let data: Data = api::run(&state, client, LEDGER, variables).await?;
    let title = match &view.at {
        Some(at) => format!("Predictions as recorded at {}", past::readable(at)),
        None => "Predictions".to_owned(),
    };
    Ok(layout::page(&title, Section::Predictions, render(&view, &data)))
}

/// `/predictions/record.svg`: stacked bars of the outcomes of the predictions recorded each
/// year (and those still open or withdrawn), as recorded at `asRecordedAt` when given.
pub async fn record_svg(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    if let Some((key, _)) = pairs.iter().find(|(k, _)| k != "asRecordedAt") {
        let shown: String = key.chars().take(40).collect();
        return Err(PageError::bad_input(&shown, "not a parameter of this plot, which takes asRecordedAt"));
    }
    let at = past::instant(pairs.first().map(|(_, v)| v.as_str()), "asRecordedAt")?;
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct PlotData {
        forecast_record: Record,
    }
    let data: PlotData = api::run(&state, client, BY_YEAR, json!({ "at": at })).await?;
    let svg = plot(&data.forecast_record.groups);
    Ok(([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], svg)
        .into_response())
}

/// The years' groups in order, with the record's outcomes stacked.
fn plot(groups: &[Group]) -> String {
    let mut years: Vec<&Group> = groups.iter().filter(|g| g.year_recorded.is_some()).collect();
    years.sort_by_key(|g| g.year_recorded);
    let categories: Vec<String> = years.iter().map(|g| g.year_recorded.unwrap_or_default().to_string()).collect();
    let series = |f: fn(&Counts) -> i64| years.iter().map(|g| f(&g.counts) as f64).collect::<Vec<_>>();
    let stacks = vec![
        Stack { name: "Confirmed".into(), colour: chart::colour(2), values: series(|c| c.confirmed) },
        Stack { name: "Partly".into(), colour: chart::colour(4), values: series(|c| c.partly) },
        Stack { name: "Refuted".into(), colour: chart::colour(1), values: series(|c| c.refuted) },
        Stack { name: "Unresolvable".into(), colour: chart::colour(3), values: series(|c| c.unresolvable) },
        Stack { name: "Open".into(), colour: chart::colour(0), values: series(|c| c.open) },
        Stack { name: "Withdrawn".into(), colour: chart::GREY, values: series(|c| c.withdrawn) },
    ];
    chart::stacked_bars(
        "Predictions by year recorded, by outcome",
        "Year recorded",
        "Predictions",
        &categories,
        &stacks,
    )
}

fn hit_rate(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

/// A claim in words: its statement, and a risk's category, severity and likelihood.
fn claim(p: &Prediction) -> Markup {
    let c = &p.claim;
    let lower =
        |v: &Option<String>| v.as_deref().map(|v| format::label(v).to_lowercase()).unwrap_or_else(|| "—".into());
    html! {
        @if let Some(capability) = &p.capability { strong { (capability.name) } ": " }
        @if let Some(category) = &c.category { strong { (format::label(category)) } ": " }
        (c.statement.as_deref().map(|s| format::excerpt(s, 240)).unwrap_or_else(|| "—".into()))
        @if c.severity.is_some() || c.likelihood.is_some() {
            " " span.muted { "(severity " (lower(&c.severity)) ", likelihood " (lower(&c.likelihood)) ")" }
        }
    }
}

fn select(name: &str, label: &str, values: &[&'static str], current: Option<&str>) -> Markup {
    html! {
        div {
            label for={ "p-" (name) } { (label) }
            select id={ "p-" (name) } name=(name) {
                option value="" { "Any" }
                @for v in values { option value=(v) selected[current == Some(*v)] { (format::label(v)) } }
            }
        }
    }
}

fn counts_cells(c: &Counts) -> Markup {
    html! {
        td.num { (c.recorded) } td.num { (c.open) } td.num { (c.confirmed) } td.num { (c.partly) }
        td.num { (c.refuted) } td.num { (c.unresolvable) } td.num { (c.withdrawn) } td.num { (c.hindsight) }
        td.num { (hit_rate(c.hit_rate)) }
    }
}

fn record_table(caption: &str, first: &str, rows: Vec<(Markup, &Counts)>, total: Option<&Counts>) -> Markup {
    html! {
        div.table-wrap {
            table.record {
                caption { (caption) }
                thead {
                    tr {
                        th scope="col" { (first) } th.num scope="col" { "Recorded" } th.num scope="col" { "Open" }
                        th.num scope="col" { "Confirmed" } th.num scope="col" { "Partly" } th.num scope="col" { "Refuted" }
                        th.num scope="col" { "Unresolvable" } th.num scope="col" { "Withdrawn" }
                        th.num scope="col" { "Hindsight" } th.num scope="col" { "Hit rate" }
                    }
                }
                tbody {
                    @for (name, counts) in &rows { tr { th scope="row" { (name) } (counts_cells(counts)) } }
                    @if rows.is_empty() { tr { td colspan="10" { "No predictions recorded." } } }
                }
                @if let Some(total) = total {
                    tfoot { tr { th scope="row" { "All" } (counts_cells(total)) } }
                }
            }
        }
    }
}

fn render(view: &View, data: &Data) -> Markup {
    let predictions = &data.predictions;
    let info = &predictions.page_info;
    let paging_back = view.before.is_some();
    let paging_forward = view.after.is_some();
    let paged = View { after: None, before: None, ..view.clone() };
    let previous = (paging_forward || (paging_back && info.has_previous_page))
        .then_some(info.start_cursor.as_deref())
        .flatten()
        .map(|c| paged.url("/predictions", &[("before", c)]));
    let next = (info.has_next_page || paging_back)
        .then_some(info.end_cursor.as_deref())
        .flatten()
        .map(|c| paged.url("/predictions", &[("after", c)]));
    let at = view.at.as_deref();
    let model_url = |slug: &str| view.at_url(&format!("/models/{slug}"));
    let mut years: Vec<&Group> = data.by_year.groups.iter().collect();
    years.sort_by_key(|g| std::cmp::Reverse(g.year_recorded));
    let mut organizations: Vec<&Group> = data.by_organization.groups.iter().collect();
    organizations.sort_by_key(|g| std::cmp::Reverse(g.counts.recorded));
    html! {
        @if let Some(at) = at { (past::banner(at, &paged.now().url("/predictions", &[]))) }
        h1 { "Predictions on the record" @if let Some(at) = at { " as recorded at " (past::time(at)) } }
        p {
            "Each model's extrapolated capabilities and near-term risk assessments are predictions about its "
            "2–10× scaled successor, dated when they were first public and resolved against the successor that shipped. "
            "Predictions marked " span.tag.hindsight { "hindsight" } " were recorded on or after their successor's announcement: "
            strong { "hindsight predictions are counted but never scored" } ", so they are in the counts and not in the hit rate. "
            a href="#record" { "The record" } " is below the ledger."
        }
        h2 #ledger { "The ledger" }
        form.filters method="get" action="/predictions" role="search" aria-label="Filter the predictions" {
            (select("kind", "Kind", &KINDS, view.kind))
            (select("status", "Status", &STATUSES, view.status))
            (select("outcome", "Outcome", &OUTCOMES, view.outcome))
            div {
                label for="p-hindsight" { "Hindsight" }
                select #p-hindsight name="hindsight" {
                    option value="" { "Any" }
                    option value="yes" selected[view.hindsight == Some(true)] { "Hindsight only" }
                    option value="no" selected[view.hindsight == Some(false)] { "Not hindsight" }
                }
            }
            @if let Some(at) = at { input type="hidden" name="asRecordedAt" value=(at); }
            div.actions {
                button type="submit" { "Apply filters" }
                a href=(view.at_url("/predictions")) { "Clear" }
            }
        }
        p.muted { (predictions.total_count) " predictions" @if view.is_filtered() { " match the filters" } ", newest recorded first." }
        div.table-wrap {
            table.ledger {
                caption { "Predictions, newest recorded first" }
                thead {
                    tr {
                        th scope="col" { "Recorded" } th scope="col" { "Model" } th scope="col" { "Kind" }
                        th scope="col" { "Prediction" } th scope="col" { "Status" } th scope="col" { "Outcome" }
                        th scope="col" { "Successor" }
                    }
                }
                tbody {
                    @for p in &predictions.nodes {
                        tr {
                            td.num { (p.recorded_at.as_deref().map(format::short_date).unwrap_or("—")) }
                            th scope="row" {
                                a href=(model_url(&p.model.slug)) { (p.model.name) }
                                @if !p.model.organizations.is_empty() {
                                    br; span.muted { (p.model.organizations.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ")) }
                                }
                            }
                            td { (format::label(&p.kind)) }
                            td { (claim(p)) }
                            td {
                                span class={ "tag " (p.status.to_lowercase()) } { (format::label(&p.status)) }
                                @if p.hindsight { " " span.tag.hindsight { "hindsight" } }
                            }
                            td { @if let Some(o) = &p.outcome { strong { (format::label(o)) } } @else { "—" } }
                            td { @if let Some(s) = &p.successor { a href=(model_url(&s.slug)) { (s.name) } } @else { "—" } }
                        }
                    }
                    @if predictions.nodes.is_empty() { tr { td colspan="7" { "No prediction matches these filters." } } }
                }
            }
        }
        nav.pages aria-label="Pages" {
            @if let Some(url) = &previous { a rel="prev" href=(url) { "← Previous page" } } @else { span {} }
            @if let Some(url) = &next { a rel="next" href=(url) { "Next page →" } }
        }
        h2 #record { "The record" }
        @if let Some(total) = &data.by_year.total {
            p {
                (total.recorded) " predictions recorded: " (total.open) " open, "
                (total.confirmed + total.partly + total.refuted + total.unresolvable) " resolved, "
                (total.withdrawn) " withdrawn; " (total.hindsight) " hindsight. Hit rate: " (hit_rate(total.hit_rate))
                @if total.hit_rate.is_none() { " (nothing scored yet)" } "."
            }
        }
        p.muted { "The hit rate is (confirmed + ½ partly) / (confirmed + partly + refuted) over predictions that are not hindsight; “—” where there are none." }
        figure {
            img src=(view.at_url("/predictions/record.svg")) width=(chart::WIDTH) height=(chart::HEIGHT)
                alt="Stacked bars: for each year predictions were recorded, how many were confirmed, partly confirmed, refuted, unresolvable, are still open, or were withdrawn.";
            figcaption { "Predictions by the year they were recorded, stacked by outcome." }
        }
        h3 { "By year recorded" }
        (record_table(
            "The record by the year predictions were recorded",
            "Year",
            years.iter().map(|g| (html! { (g.year_recorded.map(|y| y.to_string()).unwrap_or_else(|| "—".into())) }, &g.counts)).collect(),
            data.by_year.total.as_ref(),
        ))
        h3 { "By organization" }
        (record_table(
            "The record by the lead organization of the predicting model",
            "Organization",
            organizations.iter().map(|g| (html! { (g.organization.as_ref().map(|o| o.name.as_str()).unwrap_or("—")) }, &g.counts)).collect(),
            data.by_year.total.as_ref(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    #[test]
    fn checks_and_keeps_the_view() {
        let view =
            View::check(&pairs("kind=risk&status=RESOLVED&outcome=&hindsight=yes&asRecordedAt=2026-01-01")).unwrap();
        assert_eq!(
            (view.kind, view.status, view.outcome, view.hindsight),
            (Some("RISK"), Some("RESOLVED"), None, Some(true))
        );
        assert_eq!(view.to_api_filter(), json!({ "kind": "RISK", "status": "RESOLVED", "hindsight": true }));
        let again = View::check(&pairs(view.url("/predictions", &[]).trim_start_matches("/predictions?"))).unwrap();
        assert_eq!(again.to_api_filter(), view.to_api_filter());
        assert_eq!(again.at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(View::check(&[]).unwrap().to_api_filter(), Json::Null);
    }

    #[test]
    fn names_the_bad_parameter() {
        for (query, field) in [
            ("kind=hope", "kind"),
            ("status=maybe", "status"),
            ("outcome=WON", "outcome"),
            ("hindsight=perhaps", "hindsight"),
            ("colour=red", "colour"),
            ("kind=RISK&kind=RISK", "kind"),
            ("asRecordedAt=soon", "asRecordedAt"),
        ] {
            match View::check(&pairs(query)) {
                Err(PageError::BadInput { field: f, .. }) => assert_eq!(f, field, "{query}"),
                other => panic!("{query}: {other:?}"),
            }
        }
    }
}
