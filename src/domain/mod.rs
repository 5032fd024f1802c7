//! Plain validated types of the catalog's domain. Imports nothing else of ours.

#[macro_use]
mod enums;
mod analysis;
mod country;
mod ordering;
mod slug;

pub use analysis::*;
pub use country::CountryCode;
pub use enums::*;
pub use ordering::*;
pub use slug::Slug;

/// The key that names are ordered by: Unicode lower case, compared byte by byte on every backend,
/// so an ordering (and a cursor into it) means the same on SQLite and Postgres.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
