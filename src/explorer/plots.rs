//! `/plots` and the SVG plots it shows, which other sites may embed as plain images:
//! `/plots/compute.svg`, `/plots/parameters.svg` and `/plots/timeline.svg`, each taking the
//! catalog's filter parameters plus `color` (`country`, the default, or `access`) and, for the
//! scatter plots, `highlight` (a model's slug to circle).

use std::net::IpAddr;

use axum::{
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::ExplorerState;
use super::api::{self, PageError};
use super::chart::{self, Point, TrendLine};
use super::filter::{Filter, RawFilter};
use super::form;
use super::format;
use super::layout::{self, Section};
use super::past;
use crate::service::ClientAddress;

/// The most models a plot draws (pages of 100 from the API).
const MOST_MODELS: usize = 5_000;

const FIRST_PAGE: &str = r#"
query ExplorerPlot($filter: ModelFilter, $metric: TrendMetric!, $first: Int, $at: DateTime) {
  computeTrend(filter: $filter, metric: $metric, asRecordedAt: $at) {
    n growthFactorPerYear doublingTimeMonths rSquared firstDate lastDate fittedAtFirstDate fittedAtLastDate reason
  }
  models(filter: $filter, first: $first, orderBy: [{ field: ANNOUNCED_ON, direction: ASC }], asRecordedAt: $at) {
    pageInfo { hasNextPage endCursor }
    nodes { ...PlotModel }
  }
}
fragment PlotModel on Model { slug name announcedOn parameters trainingComputeFlop access organizations { country } }"#;

const NEXT_PAGE: &str = r#"
query ExplorerPlotPage($filter: ModelFilter, $first: Int, $after: String, $at: DateTime) {
  models(filter: $filter, first: $first, after: $after, orderBy: [{ field: ANNOUNCED_ON, direction: ASC }], asRecordedAt: $at) {
    pageInfo { hasNextPage endCursor }
    nodes { ...PlotModel }
  }
}
fragment PlotModel on Model { slug name announcedOn parameters trainingComputeFlop access organizations { country } }"#;

#[derive(Deserialize)]
pub struct PlotParams {
    #[serde(flatten)]
    filter: RawFilter,
    color: Option<String>,
    highlight: Option<String>,
}

#[derive(Clone, Copy, PartialEq)]
enum ColourBy {
    Country,
    Access,
}

impl ColourBy {
    fn parse(value: Option<&str>) -> Result<Self, PageError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None | Some("country") => Ok(ColourBy::Country),
            Some("access") => Ok(ColourBy::Access),
            Some(_) => Err(PageError::bad_input("color", "country or access")),
        }
    }

    fn key(self) -> &'static str {
        match self {
            ColourBy::Country => "country",
            ColourBy::Access => "access",
        }
    }
}

#[derive(Clone, Copy)]
enum Metric {
    Compute,
    Parameters,
}

impl Metric {
    fn api_name(self) -> &'static str {
        match self {
            Metric::Compute => "TRAINING_COMPUTE",
            Metric::Parameters => "PARAMETERS",
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FirstPage {
    compute_trend: Trend,
    models: ModelPage,
}

#[derive(Deserialize)]
struct NextPage {
    models: ModelPage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelPage {
    page_info: PageInfo,
    nodes: Vec<PlotModel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageInfo {
    has_next_page: bool,
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlotModel {
    slug: String,
    name: String,
    announced_on: Option<NaiveDate>,
    parameters: Option<f64>,
    training_compute_flop: Option<f64>,
    access: String,
    organizations: Vec<Country>,
}

#[derive(Deserialize)]
struct Country {
    country: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Trend {
    n: i64,
    growth_factor_per_year: Option<f64>,
    doubling_time_months: Option<f64>,
    r_squared: Option<f64>,
    first_date: Option<NaiveDate>,
    last_date: Option<NaiveDate>,
    fitted_at_first_date: Option<f64>,
    fitted_at_last_date: Option<f64>,
    reason: Option<String>,
}

impl Trend {
    /// "×4.1 per year, doubling every 5.9 months (n = 80, R² = 0.82)", or why there is no fit.
    fn sentence(&self) -> String {
        match (self.growth_factor_per_year, self.doubling_time_months) {
            (Some(growth), Some(doubling)) => format!(
                "×{growth:.2} per year, doubling every {doubling:.1} months (n = {}, R² = {:.2})",
                self.n,
                self.r_squared.unwrap_or(f64::NAN)
            ),
            (Some(growth), None) => format!("×{growth:.2} per year (n = {})", self.n),
            _ => format!("No trend: {}", self.reason.as_deref().unwrap_or("too few models")),
        }
    }

    fn line(&self) -> Option<TrendLine> {
        Some(TrendLine {
            from: (self.first_date?, self.fitted_at_first_date?),
            to: (self.last_date?, self.fitted_at_last_date?),
            text: self.sentence(),
        })
    }
}

/// The trend of `metric` and every model the filter keeps (up to `MOST_MODELS`), as recorded at
/// the filter's instant (now when it has none).
async fn fetch(
    state: &ExplorerState,
    client: IpAddr,
    filter: &Filter,
    metric: Metric,
) -> Result<(Trend, Vec<PlotModel>), PageError> {
    let (at, filter) = (&filter.as_recorded_at, &filter.to_model_filter());
    let variables = json!({ "filter": filter, "metric": metric.api_name(), "first": 100, "at": at });
    let first: FirstPage = api::run(state, client, FIRST_PAGE, variables).await?;
    let mut models = first.models.nodes;
    let mut page = first.models.page_info;
    while page.has_next_page && models.len() < MOST_MODELS {
        let Some(after) = page.end_cursor else { break };
        let next: NextPage =
            api::run(state, client, NEXT_PAGE, json!({ "filter": filter, "first": 100, "after": after, "at": at }))
                .await?;
        models.extend(next.models.nodes);
        page = next.models.page_info;
    }
    Ok((first.compute_trend, models))
}

fn points(models: &[PlotModel], metric: Option<Metric>, colour: ColourBy, highlight: Option<&str>) -> Vec<Point> {
    models
        .iter()
        .filter_map(|m| {
            let value = match metric {
                Some(Metric::Compute) => m.training_compute_flop?,
                Some(Metric::Parameters) => m.parameters?,
                None => 1.0,
            };
            let group = match colour {
                ColourBy::Country => m.organizations.first().map(|o| o.country.clone()).unwrap_or_else(|| "—".into()),
                ColourBy::Access => format::label(&m.access),
            };
            Some(Point {
                label: m.name.clone(),
                date: m.announced_on?,
                value,
                group,
                highlighted: highlight == Some(m.slug.as_str()),
            })
        })
        .collect()
}

fn svg(body: String) -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], body)
        .into_response()
}

async fn scatter(
    state: ExplorerState,
    client: IpAddr,
    params: PlotParams,
    metric: Metric,
) -> Result<Response, PageError> {
    let filter = params.filter.check()?;
    let colour = ColourBy::parse(params.color.as_deref())?;
    let (trend, models) = fetch(&state, client, &filter, metric).await?;
    let highlight = params.highlight.as_deref().filter(|h| !h.is_empty());
    let points = points(&models, Some(metric), colour, highlight);
    let (title, y_label) = match metric {
        Metric::Compute => ("Training compute of AI models over time", "Training compute (FLOP, log scale)"),
        Metric::Parameters => ("Parameters of AI models over time", "Parameters (log scale)"),
    };
    Ok(svg(chart::scatter(title, y_label, &points, trend.line().as_ref())))
}

pub async fn compute_svg(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<PlotParams>,
) -> Result<Response, PageError> {
    scatter(state, client, params, Metric::Compute).await
}

pub async fn parameters_svg(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<PlotParams>,
) -> Result<Response, PageError> {
    scatter(state, client, params, Metric::Parameters).await
}

pub async fn timeline_svg(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<PlotParams>,
) -> Result<Response, PageError> {
    let filter = params.filter.check()?;
    let colour = ColourBy::parse(params.color.as_deref())?;
    let (_, models) = fetch(&state, client, &filter, Metric::Compute).await?;
    let points = points(&models, None, colour, None);
    let title = match colour {
        ColourBy::Country => "Model releases by country of the lead organization",
        ColourBy::Access => "Model releases by access",
    };
    Ok(svg(chart::timeline(title, &points)))
}

const PAGE_DOCUMENT: &str = r#"
query ExplorerPlots($filter: ModelFilter, $at: DateTime) {
  compute: computeTrend(filter: $filter, metric: TRAINING_COMPUTE, asRecordedAt: $at) { ...TrendFit }
  parameters: computeTrend(filter: $filter, metric: PARAMETERS, asRecordedAt: $at) { ...TrendFit }
  models(filter: $filter, first: 1, asRecordedAt: $at) { totalCount }
}
fragment TrendFit on Trend {
  n growthFactorPerYear doublingTimeMonths rSquared firstDate lastDate fittedAtFirstDate fittedAtLastDate reason
}"#;

#[derive(Deserialize)]
struct PageData {
    compute: Trend,
    parameters: Trend,
    models: Count,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Count {
    total_count: i64,
}

/// `/plots`: the three plots for the filter, the trends in words, and how to embed them.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Query(params): Query<PlotParams>,
) -> Result<Markup, PageError> {
    let filter = params.filter.check()?;
    let colour = ColourBy::parse(params.color.as_deref())?;
    let variables = json!({ "filter": filter.to_model_filter(), "at": filter.as_recorded_at });
    let data: PageData = api::run(&state, client, PAGE_DOCUMENT, variables).await?;
    let main = render(&filter, colour, &data.compute, &data.parameters, data.models.total_count);
    let title = match &filter.as_recorded_at {
        Some(at) => format!("Plots as recorded at {}", past::readable(at)),
        None => "Plots".to_owned(),
    };
    Ok(layout::page(&title, Section::Plots, main))
}

fn render(filter: &Filter, colour: ColourBy, compute: &Trend, parameters: &Trend, count: i64) -> Markup {
    let with = |path: &str| filter.url(path, &[("color", colour.key())]);
    let compute_src = with("/plots/compute.svg");
    let colour_field = html! {
        div {
            label for="f-color" { "Colour by" }
            select #f-color name="color" {
                option value="country" selected[colour == ColourBy::Country] { "Country" }
                option value="access" selected[colour == ColourBy::Access] { "Access" }
            }
        }
    };
    let at = filter.as_recorded_at.as_deref();
    html! {
        @if let Some(at) = at { (past::banner(at, &filter.now().url("/plots", &[("color", colour.key())]))) }
        h1 { "Plots" @if let Some(at) = at { " as recorded at " (past::time(at)) } }
        p.muted {
            (count) " models" @if !filter.is_empty() { " match the filters" } ". "
            a href=(filter.url("/", &[])) { "See them in the catalog" } "."
        }
        (form::filters(filter, "/plots", &[], colour_field))
        h2 { "Training compute" }
        p { "Trend: " (compute.sentence()) "." }
        figure {
            img src=(compute_src) width=(chart::WIDTH) height=(chart::HEIGHT)
                alt={ "Training compute against announced date, log scale, one point per model, coloured by " (colour.key()) ", with the fitted trend: " (compute.sentence()) };
            figcaption { "Each point is a model; the line is the least-squares fit of log10(compute) against date." }
        }
        h2 { "Parameters" }
        p { "Trend: " (parameters.sentence()) "." }
        figure {
            img src=(with("/plots/parameters.svg")) width=(chart::WIDTH) height=(chart::HEIGHT)
                alt={ "Parameter count against announced date, log scale, one point per model, with the fitted trend: " (parameters.sentence()) };
        }
        h2 { "Timeline of releases" }
        figure {
            img src=(with("/plots/timeline.svg")) width=(chart::WIDTH)
                alt={ "Each model's announcement as a dot on a timeline, one lane per " (colour.key()) };
        }
        h2 { "Embed a plot" }
        p { "Each plot is a plain SVG image at an address that keeps these filters; another page can embed it:" }
        pre.embed { code { "<img src=\"" (compute_src) "\" alt=\"Training compute of AI models over time\">" } }
    }
}
