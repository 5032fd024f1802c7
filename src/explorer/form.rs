//! The filter form the catalog and the plots share: a GET form, so every result is an address
//! that can be shared.

use maud::{Markup, html};

use super::filter::{ACCESS, Filter, MODALITIES};
use super::format;

/// The form posting to `action`, keeping `hidden` pairs (the sort order, the colouring) and
/// showing `extra` fields before the buttons.
pub fn filters(filter: &Filter, action: &str, hidden: &[(&str, &str)], extra: Markup) -> Markup {
    html! {
        form.filters method="get" action=(action) role="search" aria-label="Filter the models" {
            div { label for="f-q" { "Name contains" } input #f-q type="search" name="q" value=[filter.q.as_deref()]; }
            div { label for="f-org" { "Organization" } input #f-org type="text" name="org" value=[filter.org.as_deref()]; }
            div {
                label for="f-country" { "Country (ISO code)" }
                input #f-country type="text" name="country" maxlength="2" autocapitalize="characters" placeholder="e.g. US" value=[filter.country.as_deref()];
            }
            div {
                label for="f-access" { "Access" }
                select #f-access name="access" {
                    option value="" { "Any" }
                    @for a in ACCESS { option value=(a) selected[filter.access == Some(a)] { (format::label(a)) } }
                }
            }
            div {
                label for="f-modality" { "Modality" }
                select #f-modality name="modality" {
                    option value="" { "Any" }
                    @for m in MODALITIES { option value=(m) selected[filter.modality == Some(m)] { (format::label(m)) } }
                }
            }
            div { label for="f-from" { "From year" } input #f-from type="number" name="from" min="1900" max="2200" value=[filter.from]; }
            div { label for="f-to" { "To year" } input #f-to type="number" name="to" min="1900" max="2200" value=[filter.to]; }
            div {
                label for="f-min" { "Compute at least (FLOP)" }
                input #f-min type="text" name="minCompute" inputmode="decimal" placeholder="e.g. 1e24" value=[filter.min_compute.map(|f| format!("{f:e}"))];
            }
            (extra)
            @for (name, value) in hidden { input type="hidden" name=(name) value=(value); }
            @if let Some(at) = &filter.as_recorded_at { input type="hidden" name="asRecordedAt" value=(at); }
            div.actions {
                button type="submit" { "Apply filters" }
                a href=(Filter { as_recorded_at: filter.as_recorded_at.clone(), ..Filter::default() }.url(action, &[])) { "Clear" }
            }
        }
    }
}
