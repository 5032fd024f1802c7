//! `/editor/models/new`: the model form, empty, with the slug to create it under; it saves a
//! draft through `createModel` (publishing is a button on the model's form once it exists).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::{Form, extract::State, response::Response};

use super::SignedIn;
use super::create::CreateForm;
use super::fields::{self, Field, Kind};
use crate::explorer::ExplorerState;
use crate::service::ClientAddress;

/// The slug, which only a new model's form asks for (a rename is not this form's business).
const SLUG: Field = Field {
    name: "slug",
    label: "Slug (lower case and hyphens, e.g. gpt-4; the public address)",
    kind: Kind::Line,
    required: true,
    read: "slug",
};

/// The slug, then the model form's fields.
static FIELDS: LazyLock<Vec<Field>> =
    LazyLock::new(|| std::iter::once(SLUG).chain(fields::MODEL.iter().copied()).collect());

static FORM: LazyLock<CreateForm> = LazyLock::new(|| CreateForm {
    title: "Add a model",
    action: "/editor/models/new",
    intro: Some(
        "The model is saved as a draft, which only editors see. Lists take one entry per line; other entries are named by their slugs.",
    ),
    fields: &FIELDS,
    mutation: Cow::Borrowed(
        r#"
mutation WorkspaceCreateModel($input: CreateModelInput!, $summary: String) {
  created: createModel(input: $input, summary: $summary) { slug }
}"#,
    ),
    summary: true,
    button: "Create the draft",
    // `CreateModelInput` has a default for every field.
    empty_takes_default: true,
    done: |slug| format!("/editor/models/{slug}?created=1"),
});

/// `GET /editor/models/new`.
pub async fn page(session: SignedIn) -> Response {
    FORM.page(&session)
}

/// `POST /editor/models/new`.
pub async fn submit(
    State(state): State<ExplorerState>,
    ClientAddress(client): ClientAddress,
    session: SignedIn,
    Form(posted): Form<BTreeMap<String, String>>,
) -> Response {
    FORM.submit(&state, client, &session, &posted).await
}
