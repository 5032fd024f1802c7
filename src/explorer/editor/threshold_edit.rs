//! `/editor/thresholds`: the named compute thresholds, each with a form (`/editor/thresholds/{id}`)
//! that saves through `updateComputeThreshold`. Admins only, as adding one is: anyone else gets
//! the same 403 page before a form is shown or anything is sent.

use std::collections::BTreeMap;

use axum::{
    Form,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use maud::html;
use serde::Deserialize;
use serde_json::json;

use super::entry_edit::{EntryForm, Frame, Loaded, segment};
use super::fields;
use super::thresholds::admins_only;
use super::{SignedIn, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api;
use crate::explorer::format;
use crate::service::ClientAddress;

const FORM: EntryForm = EntryForm {
    noun: "compute threshold",
    typename: "ComputeThreshold",
    fields: fields::THRESHOLD,
    update: "updateComputeThreshold",
    input: "UpdateComputeThresholdInput",
    extra: "",
};

const LIST: &str = "query WorkspaceThresholds { computeThresholds { id slug name flop } }";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    compute_thresholds: Vec<Threshold>,
}

#[derive(Deserialize)]
struct Threshold {
    id: String,
    slug: String,
    name: String,
    flop: f64,
}

#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    saved: Option<String>,
}

/// `GET /editor/thresholds`.
pub async fn list(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
) -> Response {
    if !session.is_admin() {
        return admins_only(&session);
    }
    let listed: Listed = match api::run_as(&state, session.caller.clone(), client, LIST, json!({})).await {
        Ok(listed) => listed,
        Err(error) => return error.into_response(),
    };
    let main = html! {
        h1 { "Compute thresholds" }
        p { a href="/editor/thresholds/new" { "Add a threshold" } }
        @if listed.compute_thresholds.is_empty() { p { "No thresholds yet." } }
        @else {
            table {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Slug" } th scope="col" { "FLOP" } th scope="col" { "History" } } }
                tbody {
                    @for t in &listed.compute_thresholds {
                        tr {
                            td { a href={ "/editor/thresholds/" (segment(&t.id)) } { (t.name) } }
                            td { code { (t.slug) } }
                            td { (format::flop(Some(t.flop))) }
                            td { a href={ "/editor/history/" (segment(&t.id)) } { "History" } }
                        }
                    }
                }
            }
        }
    };
    shell("Compute thresholds", &session, main).into_response()
}

fn frame(loaded: &Loaded) -> Frame {
    let name = loaded.values.get("name").cloned().unwrap_or_default();
    Frame {
        title: format!("Edit the threshold {name}"),
        head: html! {
            h1 { "Edit the threshold " (name) }
            p {
                "Version " (loaded.version) " · "
                a href="/editor/thresholds" { "All thresholds" } " · "
                a href={ "/editor/history/" (segment(&loaded.id)) } { "History" }
            }
        },
        tail: html! {},
        action: format!("/editor/thresholds/{}", segment(&loaded.id)),
    }
}

/// `GET /editor/thresholds/{id}`.
pub async fn page(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    Query(notice): Query<Notice>,
    session: SignedIn,
) -> Response {
    if !session.is_admin() {
        return admins_only(&session);
    }
    let loaded = match FORM.load(&state, &session, client, &id).await {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    let notice = notice.saved.map(|_| html! { p.notice role="status" { "Saved." } });
    let edit = EntryForm::opened(&loaded);
    FORM.page(&session, &frame(&loaded), &loaded.id, &edit, notice, &BTreeMap::new()).into_response()
}

/// `POST /editor/thresholds/{id}`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    Path(id): Path<String>,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    if !session.is_admin() {
        return admins_only(&session);
    }
    let current = match FORM.load(&state, &session, client, &id).await {
        Ok(loaded) => loaded,
        Err(error) => return error.into_response(),
    };
    FORM.submit(&state, &session, client, current, frame, &posted).await
}
