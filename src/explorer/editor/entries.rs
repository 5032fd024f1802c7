//! The catalog's other entries an editor keeps: organizations, capabilities and datasets. Each
//! type's fields are declared once here (named as the API's create and update inputs name them,
//! and as revisions' `before`/`after` do); its list, new-entry form, edit form, delete button and
//! history (`entry_form.rs`; the history is `history.rs`, shared with every other entry) are the same code for all three.

use std::collections::BTreeMap;

use axum::{
    Router,
    extract::FromRef,
    routing::{get, post},
};
use maud::{Markup, html};

use super::fields::{Field, Kind};
use super::{entry_form, history};
use crate::explorer::ExplorerState;
use crate::request::{TokenCheck, TrustedProxies};

/// One type of entry: where its pages are, what the API calls it, and its fields.
pub struct EntryType {
    /// The path under `/editor` (`organizations`).
    pub path: &'static str,
    /// The API's single lookup by slug (`organization`), also the noun pages use.
    pub query: &'static str,
    /// The list's lookup (`organizations`).
    pub list: &'static str,
    /// The API's type name, from which its mutations and inputs are named (`createOrganization`,
    /// `UpdateOrganizationInput`).
    pub api: &'static str,
    /// The plural, capitalised, for titles.
    pub plural: &'static str,
    pub new_title: &'static str,
    pub new_path: &'static str,
    /// The slug first, then the rest, in the order the forms show them.
    pub fields: &'static [Field],
}

/// A type of entry, as the handlers' type parameter (so each route is one generic handler).
pub trait Catalog: Send + Sync + 'static {
    const TYPE: &'static EntryType;
}

pub struct Organizations;
pub struct Capabilities;
pub struct Datasets;

impl Catalog for Organizations {
    const TYPE: &'static EntryType = &ORGANIZATIONS;
}
impl Catalog for Capabilities {
    const TYPE: &'static EntryType = &CAPABILITIES;
}
impl Catalog for Datasets {
    const TYPE: &'static EntryType = &DATASETS;
}

const fn line(name: &'static str, label: &'static str, required: bool) -> Field {
    Field { name, label, kind: Kind::Line, required, read: name }
}

const fn text(name: &'static str, label: &'static str, required: bool) -> Field {
    Field { name, label, kind: Kind::Text, required, read: name }
}

const fn choice(name: &'static str, label: &'static str, values: &'static [&'static str], optional: bool) -> Field {
    Field { name, label, kind: Kind::Choice { values, optional }, required: !optional, read: name }
}

const SLUG: Field = line("slug", "Slug (lower case and hyphens; a rename keeps the old slug working)", true);
const NAME: Field = line("name", "Name", true);

// Checked against their vocabularies with the workspace's other choices (`fields.rs`).
pub(super) const ORGANIZATION_KIND: &[&str] = &["INDUSTRY", "ACADEMIA", "GOVERNMENT", "NONPROFIT", "COLLABORATION"];
pub(super) const CAPABILITY_CATEGORY: &[&str] =
    &["LANGUAGE", "REASONING", "CODE", "VISION", "AUDIO", "VIDEO", "AGENCY", "SCIENCE", "DUAL_USE"];

pub const ORGANIZATIONS: EntryType = EntryType {
    path: "organizations",
    query: "organization",
    list: "organizations",
    api: "Organization",
    plural: "Organizations",
    new_title: "Add an organization",
    new_path: "/editor/organizations/new",
    fields: &[
        SLUG,
        NAME,
        choice("kind", "Kind", ORGANIZATION_KIND, false),
        line("country", "Country (ISO 3166-1 alpha-2, e.g. US)", true),
        line("website", "Website (URL)", false),
        text("description", "Description (Markdown)", false),
    ],
};

pub const CAPABILITIES: EntryType = EntryType {
    path: "capabilities",
    query: "capability",
    list: "capabilities",
    api: "Capability",
    plural: "Capabilities",
    new_title: "Add a capability",
    new_path: "/editor/capabilities/new",
    fields: &[
        SLUG,
        NAME,
        choice("category", "Category", CAPABILITY_CATEGORY, false),
        text("description", "Description (Markdown)", true),
    ],
};

pub const DATASETS: EntryType = EntryType {
    path: "datasets",
    query: "dataset",
    list: "datasets",
    api: "Dataset",
    plural: "Datasets",
    new_title: "Add a dataset",
    new_path: "/editor/datasets/new",
    fields: &[
        SLUG,
        NAME,
        text("description", "Description (Markdown)", false),
        Field { name: "size", label: "Size", kind: Kind::Number, required: false, read: "size" },
        choice("sizeUnit", "Size: unit (needed exactly when a size is given)", super::fields::SIZE_UNIT, true),
        line("url", "URL", false),
    ],
};

/// Every entry type, for the desk.
pub const ALL: [&EntryType; 3] = [&ORGANIZATIONS, &CAPABILITIES, &DATASETS];

/// The routes of every entry type's pages.
pub fn routes<S>() -> Router<S>
where
    ExplorerState: FromRef<S>,
    TrustedProxies: FromRef<S>,
    TokenCheck: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    let router = Router::new();
    let router = add::<Organizations, S>(router);
    let router = add::<Capabilities, S>(router);
    add::<Datasets, S>(router)
}

fn add<T: Catalog, S>(router: Router<S>) -> Router<S>
where
    ExplorerState: FromRef<S>,
    TrustedProxies: FromRef<S>,
    TokenCheck: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    let path = T::TYPE.path;
    router
        .route(&format!("/editor/{path}"), get(entry_form::list::<T>))
        .route(&format!("/editor/{path}/new"), get(entry_form::new_page::<T>).post(entry_form::create::<T>))
        .route(&format!("/editor/{path}/{{slug}}"), get(entry_form::page::<T>).post(entry_form::submit::<T>))
        .route(&format!("/editor/{path}/{{slug}}/delete"), post(entry_form::delete::<T>))
        .route(&format!("/editor/{path}/{{slug}}/history"), get(history::entry_page::<T>))
}

/// The desk's section: each type's list and new-entry form.
pub fn desk_section() -> Markup {
    html! {
        section aria-labelledby="desk-entries" {
            h2 #desk-entries { "Organizations, capabilities, datasets" }
            ul {
                @for t in ALL {
                    li { a href={ "/editor/" (t.path) } { (t.plural) } " · " a href=(t.new_path) { (t.new_title) } }
                }
            }
        }
    }
}

/// Links from a model's form to the entries it names (its saved organizations, datasets and
/// capabilities, as the form's texts hold them).
pub fn linked(values: &BTreeMap<String, String>) -> Markup {
    let slugs = |name: &str| -> Vec<String> {
        values
            .get(name)
            .map(|text| {
                text.lines()
                    .filter_map(|l| l.split('|').next())
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let groups = [
        (&ORGANIZATIONS, slugs("organizationIds")),
        (&DATASETS, slugs("datasetIds")),
        (&CAPABILITIES, slugs("capabilities")),
    ];
    html! {
        @if groups.iter().any(|(_, s)| !s.is_empty()) {
            p.linked {
                "Edit what it names: "
                @for (i, (t, slugs)) in groups.iter().filter(|(_, s)| !s.is_empty()).enumerate() {
                    @if i > 0 { "; " }
                    (t.plural) " "
                    @for (j, slug) in slugs.iter().enumerate() {
                        @if j > 0 { ", " }
                        a href={ "/editor/" (t.path) "/" (slug) } { (slug) }
                    }
                }
            }
        }
    }
}
