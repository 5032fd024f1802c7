//! A row's organizations: matched to ours by name or slug, created when missing. Epoch's
//! organization and country lists do not always line up (an organization in two countries has
//! two countries listed); then a new organization takes the country that `known_countries`
//! found for it in the whole file, so the outcome does not depend on the order of rows.

use std::collections::HashMap;

use sea_orm::{DatabaseTransaction, EntityTrait};

use super::mapping::{country_code, organization_kind};
use crate::domain::name_key;
use crate::entity::organization;
use crate::service::edits::{self, OrganizationRecord};
use crate::service::{Actor, ServiceResult};

/// Our organizations by name key and by slug.
pub struct Organizations {
    by_name: HashMap<String, i32>,
    by_slug: HashMap<String, i32>,
    /// Each organization's country as the file's rows with lined-up lists give it (by name
    /// key), so that a row whose lists do not line up places its organizations the same way
    /// whichever row comes first.
    countries: HashMap<String, &'static str>,
}

/// Countries of organizations across the file: from rows whose organization and country lists
/// line up first, then the first country we can place of the other rows.
pub fn known_countries<'a>(
    rows: impl Iterator<Item = (&'a [String], &'a [String])> + Clone,
) -> HashMap<String, &'static str> {
    let mut known = HashMap::new();
    for (names, countries) in rows.clone().filter(|(n, c)| n.len() == c.len()) {
        for (name, country) in names.iter().zip(countries) {
            if let Some(code) = country_code(country) {
                known.entry(name_key(name)).or_insert(code);
            }
        }
    }
    for (names, countries) in rows.filter(|(n, c)| n.len() != c.len()) {
        if let Some(code) = countries.iter().find_map(|c| country_code(c)) {
            for name in names {
                known.entry(name_key(name)).or_insert(code);
            }
        }
    }
    known
}

/// What resolving one row's organizations did.
#[derive(Default)]
pub struct Resolved {
    pub ids: Vec<i32>,
    pub created: Vec<(String, i32)>,
    pub misaligned: bool,
    /// Organizations left off the model: new ones whose country could not be told.
    pub without_country: Vec<String>,
}

pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.to_lowercase().replace('+', " plus ").chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug: String = slug.trim_end_matches('-').chars().take(70).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() < 2 { format!("entry-{slug}").trim_end_matches('-').to_owned() } else { slug }
}

impl Organizations {
    pub async fn load(
        db: &DatabaseTransaction,
        countries: HashMap<String, &'static str>,
    ) -> ServiceResult<Organizations> {
        let mut found = Organizations { by_name: HashMap::new(), by_slug: HashMap::new(), countries };
        for row in organization::Entity::find().all(db).await? {
            found.by_name.insert(row.name_key.clone(), row.id);
            found.by_slug.insert(row.slug.clone(), row.id);
        }
        Ok(found)
    }

    fn find(&self, name: &str) -> Option<i32> {
        self.by_name.get(&name_key(name)).or_else(|| self.by_slug.get(&slugify(name))).copied()
    }

    fn free_slug(&self, name: &str) -> String {
        let base = slugify(name);
        let mut slug = base.clone();
        let mut n = 2;
        while self.by_slug.contains_key(&slug) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        slug
    }

    /// The ids of the named organizations we have, and the names we do not: the sync creates no
    /// organization until an editor accepts the row that names it.
    pub fn matching(&self, names: &[String]) -> (Vec<i32>, Vec<String>) {
        let (mut ids, mut missing) = (vec![], vec![]);
        for name in names {
            match self.find(name) {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => missing.push(name.clone()),
            }
        }
        (ids, missing)
    }

    /// Forgets organizations created in a row that was then rolled back.
    pub fn forget(&mut self, created: &[(String, i32)]) {
        for (slug, id) in created {
            self.by_slug.remove(slug);
            self.by_name.retain(|_, v| v != id);
        }
    }

    pub async fn resolve(
        &mut self,
        tx: &DatabaseTransaction,
        actor: &Actor,
        names: &[String],
        countries: &[String],
        categories: &[String],
    ) -> ServiceResult<Resolved> {
        let mut resolved =
            Resolved { misaligned: !countries.is_empty() && names.len() != countries.len(), ..Default::default() };
        let codes: Vec<Option<&str>> = countries.iter().map(|c| country_code(c)).collect();
        for (i, name) in names.iter().enumerate() {
            if let Some(id) = self.find(name) {
                if !resolved.ids.contains(&id) {
                    resolved.ids.push(id);
                }
                continue;
            }
            let aligned = if resolved.misaligned { None } else { codes.get(i).copied().flatten() };
            let known = self.countries.get(&name_key(name)).copied();
            let Some(country) = aligned.or(known) else {
                resolved.without_country.push(name.clone());
                continue;
            };
            let kind_text = (categories.len() == names.len()).then(|| categories[i].as_str());
            let record = OrganizationRecord {
                slug: self.free_slug(name),
                name: name.chars().take(200).collect(),
                kind: organization_kind(kind_text),
                country: country.to_owned(),
                website: None,
                description: None,
            };
            let row = edits::create_in(tx, actor, record, Some("imported from Epoch AI")).await?;
            self.by_name.insert(row.name_key.clone(), row.id);
            self.by_slug.insert(row.slug.clone(), row.id);
            resolved.created.push((row.slug, row.id));
            resolved.ids.push(row.id);
        }
        Ok(resolved)
    }
}
