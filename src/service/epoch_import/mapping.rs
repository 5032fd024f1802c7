//! Epoch's vocabulary onto ours: countries, organization kinds, domains and tasks onto
//! modalities, accessibility onto access, confidence. The README's "Importing Epoch AI's data"
//! section is the same table in prose.

use serde_json::{Map, Value, json};

use super::columns::{Column, EpochRow, Layout};
use crate::domain::{Access, Confidence, Modality, OrganizationKind, SizeUnit};
use crate::service::validate;

/// The ISO code of a country as Epoch names it; `None` for "Multinational" and names we do not know.
pub fn country_code(name: &str) -> Option<&'static str> {
    let code = match name.trim().to_lowercase().as_str() {
        "united states of america" | "united states" | "usa" => "US",
        "united kingdom of great britain and northern ireland" | "united kingdom" | "uk" => "GB",
        "china" => "CN",
        "hong kong" => "HK",
        "taiwan" => "TW",
        "korea (republic of)" | "south korea" | "korea" => "KR",
        "japan" => "JP",
        "india" => "IN",
        "singapore" => "SG",
        "malaysia" => "MY",
        "israel" => "IL",
        "iran (islamic republic of)" | "iran" => "IR",
        "saudi arabia" => "SA",
        "united arab emirates" => "AE",
        "canada" => "CA",
        "argentina" => "AR",
        "brazil" => "BR",
        "australia" => "AU",
        "france" => "FR",
        "germany" => "DE",
        "switzerland" => "CH",
        "netherlands" => "NL",
        "belgium" => "BE",
        "austria" => "AT",
        "italy" => "IT",
        "spain" => "ES",
        "portugal" => "PT",
        "ireland" => "IE",
        "denmark" => "DK",
        "sweden" => "SE",
        "norway" => "NO",
        "finland" => "FI",
        "poland" => "PL",
        "czechia" | "czech republic" => "CZ",
        "croatia" => "HR",
        "bulgaria" => "BG",
        "ukraine" => "UA",
        "russia" | "russian federation" => "RU",
        "turkey" | "türkiye" => "TR",
        "vietnam" | "viet nam" => "VN",
        "indonesia" => "ID",
        "thailand" => "TH",
        "kazakhstan" => "KZ",
        "egypt" => "EG",
        "nigeria" => "NG",
        "south africa" => "ZA",
        "mexico" => "MX",
        "chile" => "CL",
        "new zealand" => "NZ",
        "greece" => "GR",
        "hungary" => "HU",
        "romania" => "RO",
        "estonia" => "EE",
        "luxembourg" => "LU",
        "qatar" => "QA",
        "pakistan" => "PK",
        _ => return None,
    };
    Some(code)
}

pub fn organization_kind(category: Option<&str>) -> OrganizationKind {
    match category.map(str::to_lowercase).as_deref() {
        Some("academia") => OrganizationKind::Academia,
        Some("government") => OrganizationKind::Government,
        Some("research collective") => OrganizationKind::Collaboration,
        Some("non-profit" | "nonprofit") => OrganizationKind::Nonprofit,
        _ => OrganizationKind::Industry,
    }
}

fn confidence(text: Option<&str>) -> Confidence {
    match text.map(str::to_lowercase).as_deref() {
        Some("confident") => Confidence::Confirmed,
        Some("likely") => Confidence::Likely,
        Some("speculative") => Confidence::Speculative,
        _ => Confidence::Unknown,
    }
}

/// Empty accessibility is mostly older research models that were never released.
fn access(text: Option<&str>) -> Access {
    match text.map(str::to_lowercase) {
        Some(t) if t.starts_with("open weights") => Access::OpenWeights,
        Some(t) if t.starts_with("api") => Access::Api,
        Some(t) if t.starts_with("hosted access") => Access::Product,
        Some(t) if t.starts_with("restricted") => Access::Restricted,
        _ => Access::Unreleased,
    }
}

/// What goes in and what comes out, from Epoch's domains and tasks.
fn modalities(row: &EpochRow) -> (Vec<Modality>, Vec<Modality>) {
    use Modality::*;
    let (mut input, mut output) = (vec![], vec![]);
    for domain in &row.domains {
        let (i, o): (&[Modality], &[Modality]) = match domain.to_lowercase().as_str() {
            "language" | "mathematics" => (&[Text], &[Text]),
            "vision" => (&[Image], &[Text]),
            "image generation" => (&[Text], &[Image]),
            "multimodal" => (&[Text, Image], &[Text]),
            "speech" => (&[Speech], &[Text]),
            "audio" => (&[Audio], &[Audio]),
            "video" => (&[Text], &[Video]),
            "games" | "robotics" | "driving" => (&[Image], &[Action]),
            "biology" | "medicine" | "materials science" => (&[Molecule], &[Molecule]),
            "3d modeling" => (&[Image], &[Image]),
            _ => (&[], &[]),
        };
        input.extend_from_slice(i);
        output.extend_from_slice(o);
    }
    for task in &row.tasks {
        let task = task.to_lowercase();
        if task.contains("code") {
            output.push(Code);
        }
        if task.contains("text-to-speech") || task.contains("speech synthesis") {
            output.push(Speech);
        }
    }
    for list in [&mut input, &mut output] {
        list.sort();
        list.dedup();
    }
    (input, output)
}

fn size_unit(row: &EpochRow) -> SizeUnit {
    let only = |d: &str| !row.domains.is_empty() && row.domains.iter().all(|x| x.eq_ignore_ascii_case(d));
    if only("language") {
        SizeUnit::Tokens
    } else if only("vision") {
        SizeUnit::Images
    } else {
        SizeUnit::Other
    }
}

/// Cuts text to our field's limit (Epoch's notes run longer than ours allow).
fn fit(text: &Option<String>, max: usize, truncated: &mut bool) -> Option<String> {
    text.as_ref().map(|t| {
        if t.chars().count() > max {
            *truncated = true;
            let mut cut: String = t.chars().take(max - 1).collect();
            cut.push('…');
            cut
        } else {
            t.clone()
        }
    })
}

/// The model fields this row sets, in `ModelRecord`'s JSON shape; only fields whose columns the
/// file has, so that an older export never clears what a newer one set.
pub struct Mapped {
    pub fields: Map<String, Value>,
    pub truncated: bool,
    pub links_dropped: usize,
    /// What of the row was left out and why, for the import report.
    pub warnings: Vec<String>,
}

pub fn model_fields(layout: &Layout, row: &EpochRow, organization_ids: &[i32], base_model_id: Option<i32>) -> Mapped {
    let mut fields = Map::new();
    let mut truncated = false;
    let mut warnings = row.warnings.clone();
    let mut set = |key: &str, value: Value| {
        fields.insert(key.to_owned(), value);
    };
    let has = |c| layout.has(c);
    let conf = confidence(row.confidence.as_deref());
    let figure_conf = |v: Option<f64>| if v.is_some() { conf } else { Confidence::Unknown };
    if has(Column::Organization) {
        set("organizationIds", json!(organization_ids));
    }
    if has(Column::PublicationDate) {
        set("announcedOn", json!(row.published_on));
    }
    if has(Column::Domain) || has(Column::Task) {
        let (input, output) = modalities(row);
        set("inputModalities", json!(input));
        set("outputModalities", json!(output));
    }
    if has(Column::Parameters) {
        set("parameters", json!(row.parameters));
        if has(Column::Confidence) {
            set("parametersConfidence", json!(figure_conf(row.parameters)));
        }
    }
    if has(Column::ParametersNotes) {
        set("parametersNote", json!(fit(&row.parameters_notes, 2_000, &mut truncated)));
    }
    if has(Column::TrainingCompute) {
        set("trainingComputeFlop", json!(row.training_compute));
        if has(Column::Confidence) {
            set("trainingComputeConfidence", json!(figure_conf(row.training_compute)));
        }
    }
    let intervals = [
        (
            "parameters",
            row.parameters,
            Column::ParametersLow,
            row.parameters_low,
            Column::ParametersHigh,
            row.parameters_high,
            validate::parameters as fn(&str, Option<f64>) -> _,
        ),
        (
            "trainingComputeFlop",
            row.training_compute,
            Column::TrainingComputeLow,
            row.training_compute_low,
            Column::TrainingComputeHigh,
            row.training_compute_high,
            validate::flop,
        ),
    ];
    for (field, estimate, low_column, low, high_column, high, check) in intervals {
        if !(has(low_column) || has(high_column)) {
            continue;
        }
        // Bounds that do not hold the estimate are not imported; the estimate is.
        let (low, high) = match validate::interval(field, estimate, low, high, check) {
            Ok(()) => (low, high),
            Err(error) => {
                warnings.push(format!("{field}'s interval left out: {error}"));
                (None, None)
            }
        };
        if has(low_column) {
            set(&format!("{field}Low"), json!(low));
        }
        if has(high_column) {
            set(&format!("{field}High"), json!(high));
        }
    }
    if has(Column::FinetuneCompute) {
        set("finetuneComputeFlop", json!(row.finetune_compute));
    }
    if has(Column::PostTrainingCompute) {
        set("postTrainingComputeFlop", json!(row.post_training_compute));
    }
    if has(Column::TrainingComputeNotes) {
        set("trainingComputeNote", json!(fit(&row.training_compute_notes, 2_000, &mut truncated)));
    }
    if has(Column::TrainingDataset) {
        set("trainingDataset", json!(fit(&row.training_dataset, 2_000, &mut truncated)));
    }
    if has(Column::TrainingDatasetSize) {
        set("trainingDatasetSize", json!(row.training_dataset_size));
        set("trainingDatasetSizeUnit", json!(row.training_dataset_size.map(|_| size_unit(row))));
    }
    if has(Column::TrainingHardware) {
        set("hardware", json!(fit(&row.training_hardware, 500, &mut truncated)));
    }
    if has(Column::TrainingCost) {
        set("trainingCostUsd", json!(row.training_cost));
    }
    if has(Column::TrainingCostNotes) {
        set("trainingCostNote", json!(fit(&row.training_cost_notes, 2_000, &mut truncated)));
    }
    if has(Column::Accessibility) {
        set("access", json!(access(row.accessibility.as_deref())));
    }
    if has(Column::BaseModel) {
        set("baseModelId", json!(base_model_id));
    }
    if has(Column::Abstract) {
        set("description", json!(fit(&row.abstract_text, 50_000, &mut truncated).unwrap_or_default()));
    }
    let mut links_dropped = 0;
    if has(Column::Link) {
        let mut sources: Vec<Value> = vec![];
        for url in &row.links {
            let ok = crate::service::validate::url("link", url).is_ok();
            if !ok || sources.iter().any(|s| s["url"] == *url) || sources.len() == 50 {
                links_dropped += 1;
                continue;
            }
            let title = if sources.is_empty() { fit(&row.reference, 500, &mut truncated) } else { None };
            sources.push(json!({ "url": url, "title": title }));
        }
        set("sources", Value::Array(sources));
    }
    Mapped { fields, truncated, links_dropped, warnings }
}
