//! The page shell every explorer page shares (skip link, navigation, stylesheet) and the pages
//! for errors (the service's one HTML error writer).

use axum::{
    http::header,
    response::{IntoResponse, Response},
};
use maud::{DOCTYPE, Markup, html};

use super::api::PageError;

const STYLESHEET: &str = include_str!("assets/style.css");

/// `/assets/style.css`, cached for a day (it changes only with the binary).
pub async fn stylesheet() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")], STYLESHEET)
}

/// Which navigation entry is the current page.
#[derive(Clone, Copy, PartialEq)]
pub enum Section {
    Catalog,
    Plots,
    Predictions,
    Other,
}

pub fn page(title: &str, section: Section, main: Markup) -> Markup {
    page_with_feed(title, section, None, main)
}

/// A page that has an Atom feed of what it shows (`href`), announced to feed readers.
pub fn page_with_feed(title: &str, section: Section, feed: Option<&str>, main: Markup) -> Markup {
    let current = |s: Section| if s == section { Some("page") } else { None };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · AI Tracker" }
                link rel="stylesheet" href="/assets/style.css";
                @if let Some(href) = feed {
                    link rel="alternate" type="application/atom+xml" title={ "Changes to " (title) } href=(href);
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    a.brand href="/" { "AI Tracker" }
                    nav aria-label="Site" {
                        ul {
                            li { a href="/" aria-current=[current(Section::Catalog)] { "Catalog" } }
                            li { a href="/plots" aria-current=[current(Section::Plots)] { "Plots" } }
                            li { a href="/predictions" aria-current=[current(Section::Predictions)] { "Predictions" } }
                            li { a href="/feedback" { "Suggest a model" } }
                            li { a href="/graphql" { "GraphQL API" } }
                        }
                    }
                }
                main #main tabindex="-1" { (main) }
                footer.site {
                    p {
                        "A public catalog of large AI models and the risks they pose. "
                        "Everything here comes from the "
                        a href="/graphql" { "GraphQL API" }
                        "."
                    }
                }
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.code().status();
        let (title, body) = match self {
            PageError::BadInput { field, message } => (
                "Bad request",
                html! {
                    p { "The parameter " code { (field) } " is not usable: " (message) "." }
                    p { a href="/" { "Back to the catalog" } }
                },
            ),
            PageError::NotFound(what) => (
                "Not found",
                html! {
                    p { (what) }
                    p { a href="/" { "Back to the catalog" } }
                },
            ),
            PageError::RateLimited(retry_after) => (
                "Too many requests",
                html! {
                    p {
                        "Too many requests came from your address. Please try again"
                        @if let Some(seconds) = retry_after { " in " (seconds.div_ceil(60)) " minutes" } @else { " later" }
                        "."
                    }
                },
            ),
            PageError::Unauthenticated(message) => ("Not signed in", html! { p { (message) } }),
            PageError::Forbidden(message) => (
                "Not allowed",
                html! {
                    p { "Your account may not do this: " (message) "." }
                    p { a href="/editor" { "Back to the desk" } }
                },
            ),
            PageError::Conflict => (
                "Changed meanwhile",
                html! { p { "Someone saved this entry after you opened it. Open it again to see the current version." } },
            ),
            PageError::Internal => {
                ("Something went wrong", html! { p { "The page could not be made. Please try again later." } })
            }
        };
        let markup = page(title, Section::Other, html! { h1 { (title) } (body) });
        (status, markup).into_response()
    }
}
