//! `/`: the catalog as a sortable, filterable, paginated table whose URL carries the whole view.

use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::ExplorerState;
use super::api::{self, PageError};
use super::filter::{Filter, RawFilter};
use super::form;
use super::format;
use super::layout::{self, Section};
use super::past;
use crate::service::ClientAddress;

const PAGE_SIZE: i32 = 25;

const DOCUMENT: &str = r#"
query ExplorerCatalog($filter: ModelFilter, $orderBy: [ModelOrder!], $first: Int, $after: String, $last: Int, $before: String, $at: DateTime) {
  models(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before, asRecordedAt: $at) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      slug name announcedOn announcedPrecision parameters trainingComputeFlop
      inputModalities outputModalities access
      organizations { name country }
    }
  }
}"#;

/// The columns a reader can sort by: (query-string key, API order field, heading).
const SORTABLE: [(&str, &str, &str); 5] = [
    ("name", "NAME", "Model"),
    ("date", "ANNOUNCED_ON", "Announced"),
    ("parameters", "PARAMETERS", "Parameters"),
    ("compute", "TRAINING_COMPUTE_FLOP", "Training compute (FLOP)"),
    ("access", "ACCESS", "Access"),
];

#[derive(Deserialize)]
pub struct CatalogParams {
    #[serde(flatten)]
    filter: RawFilter,
    sort: Option<String>,
    dir: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    models: Models,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Models {
    total_count: i64,
    page_info: PageInfo,
    nodes: Vec<Row>,
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
struct Row {
    slug: String,
    name: String,
    announced_on: Option<String>,
    announced_precision: String,
    parameters: Option<f64>,
    training_compute_flop: Option<f64>,
    input_modalities: Vec<String>,
    output_modalities: Vec<String>,
    access: String,
    organizations: Vec<Org>,
}

#[derive(Deserialize)]
struct Org {
    name: String,
    country: String,
}

/// The checked sort: a key of `SORTABLE` and a direction.
struct Sort {
    key: &'static str,
    field: &'static str,
    descending: bool,
}

fn sort(params: &CatalogParams) -> Result<Sort, PageError> {
    let key = params.sort.as_deref().filter(|s| !s.is_empty()).unwrap_or("date");
    let (key, field, _) = SORTABLE
        .iter()
        .find(|(k, _, _)| *k == key)
        .ok_or_else(|| PageError::bad_input("sort", "one of name, date, parameters, compute, access"))?;
    let descending = match params.dir.as_deref().filter(|d| !d.is_empty()) {
        None => *key == "date" || *key == "compute" || *key == "parameters",
        Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(PageError::bad_input("dir", "asc or desc")),
    };
    Ok(Sort { key, field, descending })
}

pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<CatalogParams>,
) -> Result<Markup, PageError> {
    let filter = params.filter.check()?;
    let sort = sort(&params)?;
    let cursor = |c: &Option<String>| c.clone().filter(|c| !c.is_empty());
    let (after, before) = (cursor(&params.after), cursor(&params.before));
    let direction = if sort.descending { "DESC" } else { "ASC" };
    let variables = json!({
        "filter": filter.to_model_filter(),
        "orderBy": [{ "field": sort.field, "direction": direction }],
        "first": if before.is_some() { None } else { Some(PAGE_SIZE) },
        "after": after,
        "last": if before.is_some() { Some(PAGE_SIZE) } else { None },
        "before": before,
        "at": filter.as_recorded_at,
    });
    let data: Data = api::run(&state, client, DOCUMENT, variables).await?;
    let title = match &filter.as_recorded_at {
        Some(at) => format!("Catalog as recorded at {}", past::readable(at)),
        None => "Catalog".to_owned(),
    };
    // The feed follows the catalog as it changes from now on, whatever instant the page shows.
    let feed = filter.now().url("/feed.atom", &[]);
    Ok(layout::page_with_feed(&title, Section::Catalog, Some(&feed), render(&filter, &sort, &params, &data.models)))
}

fn render(filter: &Filter, sort: &Sort, params: &CatalogParams, models: &Models) -> Markup {
    let dir = if sort.descending { "desc" } else { "asc" };
    let info = &models.page_info;
    let paging_back = params.before.as_deref().is_some_and(|b| !b.is_empty());
    let paging_forward = params.after.as_deref().is_some_and(|a| !a.is_empty());
    let previous = (paging_forward || (paging_back && info.has_previous_page))
        .then_some(info.start_cursor.as_deref())
        .flatten()
        .map(|c| filter.url("/", &[("sort", sort.key), ("dir", dir), ("before", c)]));
    let next = (info.has_next_page || paging_back)
        .then_some(info.end_cursor.as_deref())
        .flatten()
        .map(|c| filter.url("/", &[("sort", sort.key), ("dir", dir), ("after", c)]));
    let plot = filter.url("/plots", &[]);
    let at = filter.as_recorded_at.as_deref();
    let model_url = |slug: &str| match at {
        Some(at) => format!(
            "/models/{slug}?{}",
            url::form_urlencoded::Serializer::new(String::new()).append_pair("asRecordedAt", at).finish()
        ),
        None => format!("/models/{slug}"),
    };
    html! {
        @if let Some(at) = at { (past::banner(at, &filter.now().url("/", &[("sort", sort.key), ("dir", dir)]))) }
        h1 { "The catalog of large AI models" @if let Some(at) = at { " as recorded at " (past::time(at)) } }
        p.muted {
            (models.total_count) " models" @if !filter.is_empty() { " match the filters" } ". "
            "Sort by a column heading; the address keeps the view, so it can be shared. "
            a href=(plot) { "Plot these models" } "; "
            a href=(filter.now().url("/feed.atom", &[])) type="application/atom+xml" { "follow their changes (Atom feed)" } ". "
            "Missing a model? " a href="/feedback" { "Suggest it" } "."
        }
        (form::filters(filter, "/", &[("sort", sort.key), ("dir", dir)], html! {}))
        div.table-wrap {
            table {
                caption { "Models, sorted by " (sort_heading(sort.key)) (if sort.descending { ", descending" } else { ", ascending" }) }
                thead {
                    tr {
                        (heading(filter, sort, "name"))
                        th scope="col" { "Organizations" }
                        (heading(filter, sort, "date"))
                        (heading(filter, sort, "parameters"))
                        (heading(filter, sort, "compute"))
                        th scope="col" { "Modalities (in → out)" }
                        (heading(filter, sort, "access"))
                    }
                }
                tbody {
                    @for row in &models.nodes {
                        tr {
                            th scope="row" { a href=(model_url(&row.slug)) { (row.name) } }
                            td {
                                @for (i, org) in row.organizations.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (org.name) " (" abbr title="country" { (org.country) } ")"
                                }
                            }
                            td.num { (format::date(row.announced_on.as_deref(), &row.announced_precision)) }
                            td.num { (format::count(row.parameters)) }
                            td.num { (format::flop(row.training_compute_flop)) }
                            td { (modalities(&row.input_modalities)) " → " (modalities(&row.output_modalities)) }
                            td { (format::label(&row.access)) }
                        }
                    }
                    @if models.nodes.is_empty() {
                        tr { td colspan="7" { "No model matches these filters." } }
                    }
                }
            }
        }
        nav.pages aria-label="Pages" {
            @if let Some(url) = &previous { a rel="prev" href=(url) { "← Previous page" } } @else { span {} }
            @if let Some(url) = &next { a rel="next" href=(url) { "Next page →" } }
        }
    }
}

fn modalities(values: &[String]) -> String {
    values.iter().map(|m| format::label(m).to_lowercase()).collect::<Vec<_>>().join(", ")
}

fn sort_heading(key: &str) -> &'static str {
    SORTABLE.iter().find(|(k, _, _)| *k == key).map(|(_, _, h)| *h).unwrap_or("")
}

/// A column heading that sorts by its column (and reverses the order when it already does).
fn heading(filter: &Filter, sort: &Sort, key: &'static str) -> Markup {
    let active = sort.key == key;
    let next_dir = if active && sort.descending {
        "asc"
    } else if active {
        "desc"
    } else if key == "name" || key == "access" {
        "asc"
    } else {
        "desc"
    };
    let aria = active.then_some(if sort.descending { "descending" } else { "ascending" });
    let class = if key == "name" || key == "access" { "" } else { "num" };
    html! {
        th scope="col" class=(class) aria-sort=[aria] {
            a href=(filter.url("/", &[("sort", key), ("dir", next_dir)])) {
                (sort_heading(key))
                @if active { span aria-hidden="true" { (if sort.descending { " ▼" } else { " ▲" }) } }
            }
        }
    }
}
