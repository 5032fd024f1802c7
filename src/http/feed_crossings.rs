//! The feed's threshold crossings: each crossing a recent change caused is an entry of its own
//! (beside the change's entry), with an id of its own under the revision's.

use atom_syndication::{Category, Entry, Text};
use url::Url;

use super::feed::{link, revision_url, tag};
use crate::service::crossings::Crossing;

/// The Atom entry of one crossing, e.g. `“GPT-5” crossed 1e25 FLOP`.
pub fn entry(base: &Url, crossing: &Crossing) -> Entry {
    let threshold = crossing.threshold();
    let verb = if crossing.upward() { "crossed" } else { "fell below" };
    let mut entry = Entry::default();
    entry.set_id(tag(
        base,
        &format!("revision/{}/crossing/model/{}/threshold/{}", crossing.revision_id, crossing.model_id, threshold.id),
    ));
    entry.set_title(format!("“{}” {verb} {:e} FLOP", crossing.model_name, threshold.flop));
    entry.set_updated(crossing.at.fixed_offset());
    let mut category = Category::default();
    category.set_term("threshold-crossed");
    entry.set_categories(vec![category]);
    entry.set_links(vec![link(revision_url(base, crossing.revision_id), "alternate")]);
    let counted = |side: Option<&crate::service::thresholds::ThresholdStatus>| match side {
        None => "not in the public catalog".to_owned(),
        Some(s) => match s.counted {
            Some(c) => format!("{c:e} FLOP counted against {:e}", s.threshold.flop),
            None => "no compute estimate".to_owned(),
        },
    };
    entry.set_summary(Text::plain(format!(
        "{} ({}): before, {}; after, {}.",
        threshold.name,
        threshold.slug,
        counted(crossing.before.as_ref()),
        counted(crossing.after.as_ref())
    )));
    entry
}
