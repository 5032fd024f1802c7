//! The one "create an entry from a form" flow that every new-entry form of the workspace shares:
//! the form's fields become the API's input, the create mutation runs as the editor, and a
//! success redirects; a refusal (the page's own, a slug that names nothing, or the API's
//! BAD_USER_INPUT) shows the form again (400) with the reason beside its field and every value
//! kept.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use super::fields::{self, Field, Kind};
use super::model_form::control;
use super::{CSRF_FIELD, SignedIn, links, shell};
use crate::explorer::ExplorerState;
use crate::explorer::api::{self, PageError};

/// A form that creates one entry.
pub struct CreateForm {
    pub title: &'static str,
    /// Where the form posts (its own path).
    pub action: &'static str,
    /// A paragraph under the title.
    pub intro: Option<&'static str>,
    /// The fields, in the order shown, named as the API's create input names them.
    pub fields: &'static [Field],
    /// The mutation: takes `$input` (and `$summary` when `summary` is set) and answers
    /// `created { slug }`.
    pub mutation: Cow<'static, str>,
    /// Whether the form asks for an edit summary.
    pub summary: bool,
    pub button: &'static str,
    /// Whether a field left empty takes the API's default (every field of the input is
    /// optional); if not, an empty required field is refused on the page. Either way a required
    /// text is sent empty, so that the API names it.
    pub empty_takes_default: bool,
    /// Where a success leads, given the created entry's slug.
    pub done: fn(&str) -> String,
}

#[derive(Deserialize)]
struct Created {
    created: Saved,
}

#[derive(Deserialize)]
struct Saved {
    slug: String,
}

impl CreateForm {
    /// The empty form.
    pub fn page(&self, session: &SignedIn) -> Response {
        shell(self.title, session, self.render(session, &BTreeMap::new(), &BTreeMap::new())).into_response()
    }

    fn render(
        &self,
        session: &SignedIn,
        values: &BTreeMap<String, String>,
        errors: &BTreeMap<String, String>,
    ) -> Markup {
        let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
        html! {
            h1 { (self.title) }
            @if let Some(intro) = self.intro { p { (intro) } }
            @if !errors.is_empty() {
                p.notice.error role="alert" {
                    "Nothing was saved: " (errors.len()) " field(s) need a change. Each is marked below."
                    @if let Some(form) = errors.get("form") { " The form " (form) "." }
                }
            }
            form.feedback.editor method="post" action=(self.action) {
                input type="hidden" name=(CSRF_FIELD) value=(session.csrf());
                @for field in self.fields { (control(field, value(field.name), errors.get(field.name))) }
                @if self.summary {
                    div.field {
                        label for="f-summary" { "Edit summary (optional, public)" }
                        input #f-summary type="text" name="summary" maxlength="500" value=(value("summary"));
                    }
                }
                button type="submit" { (self.button) }
            }
        }
    }

    /// The posted form: the entry created, or the form again with the reasons it was not.
    pub async fn submit(
        &self,
        state: &ExplorerState,
        client: IpAddr,
        session: &SignedIn,
        posted: &BTreeMap<String, String>,
    ) -> Response {
        let refused = |errors: BTreeMap<String, String>| {
            (StatusCode::BAD_REQUEST, shell(self.title, session, self.render(session, posted, &errors))).into_response()
        };
        let mut input = Map::new();
        let mut errors = BTreeMap::new();
        for field in self.fields {
            let text = posted.get(field.name).map(String::as_str).unwrap_or("");
            let sends_empty = field.required && matches!(field.kind, Kind::Line | Kind::Text);
            if self.empty_takes_default && text.trim().is_empty() && !sends_empty {
                continue;
            }
            match fields::sent(field, text) {
                Ok(Json::Null) => {}
                Ok(value) => {
                    input.insert(field.name.to_owned(), value);
                }
                Err(reason) => {
                    errors.insert(field.name.to_owned(), reason.to_owned());
                }
            }
        }
        if !errors.is_empty() {
            return refused(errors);
        }
        if let Err(error) = links::resolve(state, session, client, self.fields, &mut input).await {
            return match error {
                PageError::BadInput { field, message } => {
                    refused(BTreeMap::from([links::placed(self.fields, &field, message)]))
                }
                error => error.into_response(),
            };
        }
        let mut variables = json!({ "input": input });
        if self.summary {
            let summary = posted.get("summary").map(|s| s.trim()).filter(|s| !s.is_empty());
            variables["summary"] = json!(summary);
        }
        match api::run_as::<Created>(state, session.caller.clone(), client, &self.mutation, variables).await {
            Ok(Created { created }) => Redirect::to(&(self.done)(&created.slug)).into_response(),
            Err(PageError::BadInput { field, message }) => {
                refused(BTreeMap::from([links::placed(self.fields, &field, message)]))
            }
            Err(error) => error.into_response(),
        }
    }
}
