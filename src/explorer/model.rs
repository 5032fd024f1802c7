//! `/models/{slug}`: one model with every field, its sources, capabilities, risk assessments
//! grouped by horizon and cause, lineage, history, and where it sits on the compute trend.

use axum::extract::{Path, Query, State};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::ExplorerState;
use super::api::{self, PageError};
use super::feedback::{self, FeedbackForm};
use super::format;
use super::layout::{self, Section};
use super::past;
use crate::service::ClientAddress;

const DOCUMENT: &str = r#"
query ExplorerModel($slug: String!, $at: DateTime, $since: DateTime!, $withChanges: Boolean!) {
  model(slug: $slug, asRecordedAt: $at) {
    id slug name aliases announcedOn announcedPrecision
    organizations { slug name country kind }
    inputModalities outputModalities
    parameters parametersConfidence parametersNote
    trainingComputeFlop trainingComputeConfidence trainingComputeNote
    trainingDataset trainingDatasetSize trainingDatasetSizeUnit
    datasets { name }
    hardware trainingCostUsd trainingCostNote access license
    description industryContext
    capabilities { status evidence sourceUrl capability { name category } }
    riskAssessments { horizon cause category severity likelihood summary rationale confidence assessedOn author }
    baseModel { slug name }
    derivedModels { slug name }
    sources { url title }
    thresholdsCrossed { name flop }
    thresholdStatus { threshold { name flop } countedFlop countedFlopLow countedFlopHigh status }
    predictions {
      kind capability { name } recordedAt status outcome hindsight evidence sourceUrl
      claim { ...Claim } asFirstRecorded { ...Claim }
      successor { slug name }
    }
    successorCandidates { model { slug name announcedOn announcedPrecision } computeRatio computeKnown }
    updatedAt
    revisions(first: 20) {
      totalCount
      nodes { action author summary changedFields createdAt }
    }
    changes(since: $since) @include(if: $withChanges) { field before after }
  }
}
fragment Claim on PredictionClaim { statement category severity likelihood }"#;

#[derive(Deserialize)]
struct Data {
    model: Option<Model>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Model {
    id: String,
    slug: String,
    name: String,
    aliases: Vec<String>,
    announced_on: Option<String>,
    announced_precision: String,
    organizations: Vec<Organization>,
    input_modalities: Vec<String>,
    output_modalities: Vec<String>,
    parameters: Option<f64>,
    parameters_confidence: String,
    parameters_note: Option<String>,
    training_compute_flop: Option<f64>,
    training_compute_confidence: String,
    training_compute_note: Option<String>,
    training_dataset: Option<String>,
    training_dataset_size: Option<f64>,
    training_dataset_size_unit: Option<String>,
    datasets: Vec<Named>,
    hardware: Option<String>,
    training_cost_usd: Option<f64>,
    training_cost_note: Option<String>,
    access: String,
    license: Option<String>,
    description: String,
    industry_context: String,
    capabilities: Vec<CapabilityLink>,
    risk_assessments: Vec<Risk>,
    base_model: Option<Linked>,
    derived_models: Vec<Linked>,
    sources: Vec<Source>,
    thresholds_crossed: Vec<Threshold>,
    threshold_status: Vec<ThresholdStatus>,
    predictions: Vec<Prediction>,
    successor_candidates: Vec<Candidate>,
    updated_at: String,
    revisions: Revisions,
    changes: Option<Vec<FieldChange>>,
}

#[derive(Deserialize)]
struct FieldChange {
    field: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

/// The query string: a past view's instant, and the instant to list changes since (the past
/// view's when absent).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelParams {
    as_recorded_at: Option<String>,
    changed_since: Option<String>,
}

/// A past view's instant and the instant changes are listed since, each checked.
struct View {
    at: Option<String>,
    since: Option<String>,
}

#[derive(Deserialize)]
struct Organization {
    name: String,
    country: String,
    kind: String,
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
struct Source {
    url: String,
    title: Option<String>,
}

#[derive(Deserialize)]
struct Threshold {
    name: String,
    flop: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThresholdStatus {
    threshold: Threshold,
    counted_flop: Option<f64>,
    counted_flop_low: Option<f64>,
    counted_flop_high: Option<f64>,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Prediction {
    kind: String,
    capability: Option<Named>,
    recorded_at: Option<String>,
    status: String,
    outcome: Option<String>,
    hindsight: bool,
    evidence: Option<String>,
    source_url: Option<String>,
    claim: Claim,
    as_first_recorded: Option<Claim>,
    successor: Option<Linked>,
}

/// What a prediction says (or said when first recorded).
#[derive(Deserialize, PartialEq)]
struct Claim {
    statement: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    likelihood: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    model: CandidateModel,
    compute_ratio: Option<f64>,
    compute_known: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CandidateModel {
    slug: String,
    name: String,
    announced_on: Option<String>,
    announced_precision: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CapabilityLink {
    status: String,
    evidence: Option<String>,
    source_url: Option<String>,
    capability: Capability,
}

#[derive(Deserialize)]
struct Capability {
    name: String,
    category: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Risk {
    horizon: String,
    cause: String,
    category: String,
    severity: String,
    likelihood: String,
    summary: String,
    rationale: String,
    confidence: String,
    assessed_on: String,
    author: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Revisions {
    total_count: i64,
    nodes: Vec<Revision>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Revision {
    action: String,
    author: String,
    summary: Option<String>,
    changed_fields: Vec<String>,
    created_at: String,
}

pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(slug): Path<String>,
    Query(params): Query<ModelParams>,
) -> Result<Markup, PageError> {
    // No slug is that long or holds a NUL (which Postgres could not even compare).
    if slug.len() > 200 || slug.contains('\0') {
        return Err(PageError::NotFound("There is no model by that name.".into()));
    }
    let at = past::instant(params.as_recorded_at.as_deref(), "asRecordedAt")?;
    let since = past::instant(params.changed_since.as_deref(), "changedSince")?.or_else(|| at.clone());
    let variables = json!({
        "slug": slug,
        "at": at,
        "since": since.as_deref().unwrap_or("1970-01-01T00:00:00Z"),
        "withChanges": since.is_some(),
    });
    let data: Data = api::run(&state, client, DOCUMENT, variables).await.map_err(|error| match error {
        // The API names its own argument; the reader set `changedSince`.
        PageError::BadInput { field, message } if field == "since" => {
            PageError::BadInput { field: "changedSince".into(), message }
        }
        other => other,
    })?;
    let model = data.model.ok_or_else(|| match &at {
        Some(at) => PageError::NotFound(format!("The catalog had no model “{slug}” at {}.", past::readable(at))),
        None => PageError::NotFound(format!("The catalog has no model “{slug}”.")),
    })?;
    let view = View { at, since };
    let title = match &view.at {
        Some(at) => format!("{} as recorded at {}", model.name, past::readable(at)),
        None => model.name.clone(),
    };
    let feed = feed_url(&model.slug);
    Ok(layout::page_with_feed(&title, Section::Other, Some(&feed), render(&model, &view)))
}

/// `path` with the past view's instant, if any, as its query string.
fn keeping(view: &View, path: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    if let Some(at) = &view.at {
        query.append_pair("asRecordedAt", at);
    }
    let query = query.finish();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// An estimate with its confidence and note.
fn estimate(value: String, confidence: &str, note: Option<&str>) -> Markup {
    html! {
        (value)
        " " span.tag { (format::label(confidence)) }
        @if let Some(note) = note { br; span.muted { (note) } }
    }
}

fn render(m: &Model, view: &View) -> Markup {
    let modalities = |v: &[String]| v.iter().map(|x| format::label(x)).collect::<Vec<_>>().join(", ");
    let model_url = |slug: &str| keeping(view, &format!("/models/{slug}"), &[]);
    html! {
        @if let Some(at) = &view.at { (past::banner(at, &format!("/models/{}", m.slug))) }
        p { a href=(keeping(view, "/", &[])) { "← Catalog" } }
        h1 { (m.name) @if let Some(at) = &view.at { " " span.muted { "as recorded at " (past::time(at)) } } }
        @if !m.aliases.is_empty() { p.muted { "Also known as " (m.aliases.join(", ")) } }
        @if !m.description.is_empty() { div.prose { (m.description) } }
        h2 { "Facts" }
        dl.facts {
            dt { "Organizations" }
            dd {
                @for (i, o) in m.organizations.iter().enumerate() {
                    @if i > 0 { "; " }
                    (o.name) " (" (o.country) ", " (format::label(&o.kind).to_lowercase()) ")"
                }
                @if m.organizations.is_empty() { "—" }
            }
            dt { "Announced" } dd { (format::date(m.announced_on.as_deref(), &m.announced_precision)) }
            dt { "Input modalities" } dd { (modalities(&m.input_modalities)) }
            dt { "Output modalities" } dd { (modalities(&m.output_modalities)) }
            dt { "Parameters" }
            dd { (estimate(format::count(m.parameters), &m.parameters_confidence, m.parameters_note.as_deref())) }
            dt { "Training compute" }
            dd { (estimate(format!("{} FLOP", format::flop(m.training_compute_flop)), &m.training_compute_confidence, m.training_compute_note.as_deref())) }
            dt { "Compute thresholds crossed" }
            dd {
                @if m.thresholds_crossed.is_empty() { "none" }
                @for (i, t) in m.thresholds_crossed.iter().enumerate() {
                    @if i > 0 { ", " }
                    (t.name) " (" (format::flop(Some(t.flop))) ")"
                }
            }
            dt { "Threshold status" }
            dd {
                @if m.threshold_status.is_empty() { "—" } @else {
                ul {
                    @for t in &m.threshold_status {
                        li {
                            (t.threshold.name) " (" (format::flop(Some(t.threshold.flop))) "): "
                            strong { (format::label(&t.status)) }
                            @if let Some(counted) = t.counted_flop {
                                ", counted " (format::flop(Some(counted))) " FLOP"
                                @if t.counted_flop_low.is_some() || t.counted_flop_high.is_some() {
                                    " (90% interval " (format::flop(t.counted_flop_low)) " to " (format::flop(t.counted_flop_high)) ")"
                                }
                            }
                        }
                    }
                }
                }
            }
            dt { "Training data" }
            dd {
                (m.training_dataset.as_deref().unwrap_or("—"))
                @if let Some(size) = m.training_dataset_size {
                    " (" (format::count(Some(size))) " " (m.training_dataset_size_unit.as_deref().map(|u| format::label(u).to_lowercase()).unwrap_or_default()) ")"
                }
                @if !m.datasets.is_empty() {
                    br; "Datasets: " (m.datasets.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", "))
                }
            }
            dt { "Hardware" } dd { (m.hardware.as_deref().unwrap_or("—")) }
            dt { "Training cost" }
            dd {
                (format::dollars(m.training_cost_usd))
                @if let Some(note) = &m.training_cost_note { br; span.muted { (note) } }
            }
            dt { "Access" } dd { (format::label(&m.access)) }
            dt { "License" } dd { (m.license.as_deref().unwrap_or("—")) }
            dt { "Lineage" }
            dd {
                @if let Some(base) = &m.base_model {
                    "Derived from " a href=(model_url(&base.slug)) { (base.name) } ". "
                }
                @if !m.derived_models.is_empty() {
                    "Models derived from it: "
                    @for (i, d) in m.derived_models.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href=(model_url(&d.slug)) { (d.name) }
                    }
                    "."
                }
                @if m.base_model.is_none() && m.derived_models.is_empty() { "none recorded" }
            }
            dt { "Last changed" } dd { (m.updated_at.get(..10).unwrap_or(&m.updated_at)) }
        }
        @if !m.industry_context.is_empty() {
            h2 { "In the industry" }
            div.prose { (m.industry_context) }
        }
        h2 { "On the compute trend" }
        figure {
            img src=(keeping(view, "/plots/compute.svg", &[("highlight", m.slug.as_str())])) width="960" height="560"
                alt={ "Training compute of every model in the catalog against its announced date, log scale, with the fitted trend line; " (m.name) " is marked." };
            figcaption { "Training compute against announced date; " (m.name) " is circled. " a href=(keeping(view, "/plots", &[])) { "More plots" } }
        }
        (capabilities(&m.capabilities))
        (risks(&m.risk_assessments))
        (predictions(&m.predictions, &model_url))
        (successor_candidates(&m.successor_candidates, &model_url))
        h2 { "Sources" }
        @if m.sources.is_empty() { p { "None recorded." } }
        ul {
            @for s in &m.sources { li { a href=(s.url) rel="nofollow" { (s.title.as_deref().unwrap_or(&s.url)) } } }
        }
        @if let (Some(since), Some(changes)) = (&view.since, &m.changes) { (changed_since(since, changes)) }
        (history(&m.slug, &m.revisions))
        h2 #feedback { "Feedback" }
        p { "Is something about " (m.name) " wrong or missing? Tell the editors; they read every message." }
        (feedback::form(Some((&m.id, &m.slug, &m.name)), &FeedbackForm::default(), None))
    }
}

fn capabilities(links: &[CapabilityLink]) -> Markup {
    let group = |status: &str| links.iter().filter(|l| l.status == status).collect::<Vec<_>>();
    html! {
        h2 { "Capabilities" }
        @for (status, heading) in [("DEMONSTRATED", "Demonstrated"), ("EXTRAPOLATED", "Extrapolated (expected of a 2–10× scaled successor)")] {
            h3 { (heading) }
            @let these = group(status);
            @if these.is_empty() { p { "None recorded." } }
            @else {
                ul {
                    @for l in these {
                        li {
                            strong { (l.capability.name) } " " span.tag { (format::label(&l.capability.category)) }
                            @if let Some(e) = &l.evidence { " — " (e) }
                            @if let Some(url) = &l.source_url { " (" a href=(url) rel="nofollow" { "source" } ")" }
                        }
                    }
                }
            }
        }
    }
}

fn risks(risks: &[Risk]) -> Markup {
    html! {
        h2 { "Risk assessments" }
        @if risks.is_empty() { p { "None recorded." } }
        @for (horizon, heading) in [("IMMEDIATE", "Immediate: from the model as it is"), ("NEAR_TERM", "Near term: from a 2–10× scaled successor")] {
            @let of_horizon = risks.iter().filter(|r| r.horizon == horizon).collect::<Vec<_>>();
            @if !of_horizon.is_empty() {
                h3 { (heading) }
                @for cause in ["ACCIDENTAL", "MALICIOUS", "STRUCTURAL"] {
                    @let these = of_horizon.iter().filter(|r| r.cause == cause).collect::<Vec<_>>();
                    @if !these.is_empty() {
                        h4 { (format::label(cause)) }
                        ul {
                            @for r in these {
                                li {
                                    strong { (format::label(&r.category)) } ": " (r.summary)
                                    br;
                                    span.muted {
                                        "Severity " (format::label(&r.severity).to_lowercase())
                                        ", likelihood " (format::label(&r.likelihood).to_lowercase())
                                        ", confidence " (format::label(&r.confidence).to_lowercase())
                                        "; assessed " (r.assessed_on)
                                        @if let Some(a) = &r.author { " by " (a) }
                                    }
                                    @if !r.rationale.is_empty() { div.prose { (r.rationale) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A claim in words: its statement, and a risk's category, severity and likelihood.
fn claim(c: &Claim) -> Markup {
    html! {
        @if let Some(category) = &c.category { strong { (format::label(category)) } ": " }
        (c.statement.as_deref().unwrap_or("—"))
        @if c.severity.is_some() || c.likelihood.is_some() {
            " " span.muted {
                "(severity " (c.severity.as_deref().map(|v| format::label(v).to_lowercase()).unwrap_or_else(|| "—".into()))
                ", likelihood " (c.likelihood.as_deref().map(|v| format::label(v).to_lowercase()).unwrap_or_else(|| "—".into())) ")"
            }
        }
    }
}

/// The model's predictions about its successor: what each says (and said when first recorded,
/// where an editor has reworded it since), when it was recorded, and how it came out.
fn predictions(predictions: &[Prediction], model_url: &dyn Fn(&str) -> String) -> Markup {
    html! {
        section #predictions aria-labelledby="predictions-heading" {
            h2 #predictions-heading { "Predictions" }
            @if predictions.is_empty() { p { "None recorded." } }
            @else {
                p.muted {
                    "What this model's record expects of a 2–10× scaled successor, and how it came out. "
                    "Predictions marked " span.tag { "hindsight" } " were recorded after the successor was announced: "
                    "they are counted but never scored. " a href="/predictions" { "The whole record" } "."
                }
                div.table-wrap {
                    table.predictions {
                        thead {
                            tr {
                                th scope="col" { "Kind" } th scope="col" { "Prediction" } th scope="col" { "Recorded" }
                                th scope="col" { "Status" } th scope="col" { "Outcome" } th scope="col" { "Successor" }
                            }
                        }
                        tbody {
                            @for p in predictions {
                                tr {
                                    td { (format::label(&p.kind)) }
                                    td {
                                        @if let Some(c) = &p.capability { strong { (c.name) } ": " }
                                        (claim(&p.claim))
                                        @if let Some(first) = p.as_first_recorded.as_ref().filter(|f| **f != p.claim) {
                                            br; span.muted { "As first recorded: " (claim(first)) }
                                        }
                                    }
                                    td.num { @if let Some(at) = &p.recorded_at { (when(at)) } @else { "—" } }
                                    td {
                                        span class={ "tag " (p.status.to_lowercase()) } { (format::label(&p.status)) }
                                        @if p.hindsight { " " span.tag.hindsight { "hindsight" } }
                                    }
                                    td {
                                        @if let Some(outcome) = &p.outcome { strong { (format::label(outcome)) } } @else { "—" }
                                        @if let Some(evidence) = &p.evidence { br; span.muted { (evidence) } }
                                        @if let Some(url) = &p.source_url { " (" a href=(url) rel="nofollow" { "source" } ")" }
                                    }
                                    td {
                                        @if let Some(s) = &p.successor { a href=(model_url(&s.slug)) { (s.name) } } @else { "—" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Later models that may be this one's 2–10× scaled successor.
fn successor_candidates(candidates: &[Candidate], model_url: &dyn Fn(&str) -> String) -> Markup {
    html! {
        section #successors aria-labelledby="successors-heading" {
            h2 #successors-heading { "Successor candidates" }
            @if candidates.is_empty() { p { "None in the catalog." } }
            @else {
                p.muted {
                    "Later models of the same organization or lineage with 2–10× its training compute, "
                    "then those whose compute (or this model's) is unknown."
                }
                ul.candidates {
                    @for c in candidates {
                        li {
                            a href=(model_url(&c.model.slug)) { (c.model.name) }
                            ", announced " (format::date(c.model.announced_on.as_deref(), &c.model.announced_precision)) ", "
                            @match (c.compute_known, c.compute_ratio) {
                                (true, Some(ratio)) => { (format!("{ratio:.1}")) "× the training compute" },
                                _ => { "compute unknown" },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A timestamp as its day, with the instant to the second for machines.
fn when(timestamp: &str) -> Markup {
    match chrono::DateTime::parse_from_rfc3339(timestamp) {
        Ok(t) => {
            html! { time datetime=(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) { (t.format("%Y-%m-%d")) } }
        }
        Err(_) => html! { (timestamp) },
    }
}

/// The feed of the changes to a model (and to its risk assessments and organizations).
fn feed_url(slug: &str) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("model", slug).finish();
    format!("/feed.atom?{query}")
}

fn history(slug: &str, revisions: &Revisions) -> Markup {
    html! {
        h2 { "History" }
        p.muted {
            (revisions.total_count) " recorded changes" @if revisions.total_count > 20 { "; the 20 latest" } ". "
            a href=(feed_url(slug)) type="application/atom+xml" { "Follow this model's changes (Atom feed)" } "."
        }
        @if !revisions.nodes.is_empty() {
            div.table-wrap {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Change" } th scope="col" { "By" } th scope="col" { "Fields" } th scope="col" { "Summary" } } }
                    tbody {
                        @for r in &revisions.nodes {
                            tr {
                                td { (when(&r.created_at)) }
                                td { (format::label(&r.action)) }
                                td { (r.author) }
                                td { (r.changed_fields.join(", ")) }
                                td { (r.summary.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A field's value in a record, for reading: text as it is, nothing as a dash, the rest as JSON.
fn value(value: &Option<serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The fields of the model's public record that changed between `since` and now.
fn changed_since(since: &str, changes: &[FieldChange]) -> Markup {
    html! {
        section #changes aria-labelledby="changes-heading" {
            h2 #changes-heading { "Changed since " (past::time(since)) }
            @if changes.is_empty() { p { "No field of its record has changed since then." } }
            @else {
                p.muted { (changes.len()) " fields of its record differ from then to now (references to other entries are row ids)." }
                div.table-wrap {
                    table {
                        thead { tr { th scope="col" { "Field" } th scope="col" { "Then" } th scope="col" { "Now" } } }
                        tbody {
                            @for c in changes {
                                tr { th scope="row" { code { (c.field) } } td { (value(&c.before)) } td { (value(&c.after)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
