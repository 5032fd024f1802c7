//! Search across models (name, aliases, description), organizations and capabilities, ranked:
//! exact name, name prefix, alias, name elsewhere, description. Portable SQL (LIKE over folded
//! text, as filters use) on both backends, read rank by rank in name order so that a common
//! word costs an index range read however large the catalog (see `tiers`). A word that matches
//! few entries, and only in descriptions, is still a scan; pg_trgm would index that on Postgres,
//! but needs an extension that a managed database may not let the service create.

use sea_orm::{
    ConnectionTrait, EntityTrait, PartialModelTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    sea_query::{Condition, Expr, ExprTrait, Query},
};

use super::{
    Audience, ServiceError, ServiceResult,
    capabilities::CapabilityRow,
    filter::{TextColumn, like, like_escaped},
    models::{self, ModelRow},
    organizations::OrganizationRow,
    relations,
};
use crate::domain::name_key;
use crate::entity::{capability, model, model_alias, organization};

pub const DEFAULT_RESULTS: i32 = 10;
pub const MAX_RESULTS: i32 = 50;
pub const MAX_TEXT_CHARS: usize = 100;

/// One search result.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // short-lived, and at most 50 of them
pub enum Hit {
    Model(ModelRow),
    Organization(OrganizationRow),
    Capability(CapabilityRow),
}

/// How well a name, its aliases and its description match (lower is better).
fn rank(name_key_value: &str, aliases: &[String], key: &str, ascii: &str) -> u8 {
    if name_key_value == key {
        0
    } else if name_key_value.starts_with(key) {
        1
    } else if aliases.iter().any(|a| a.to_ascii_lowercase().contains(ascii)) {
        2
    } else if name_key_value.contains(key) {
        3
    } else {
        4
    }
}

/// One rank's matches of one kind: `rank` is the best rank a row of the tier can have, and
/// `matches` excludes the rows of every better tier, so that the tiers read one after the
/// other, each in name order, give the kind's matches in (rank, name) order.
struct Tier {
    rank: u8,
    matches: Condition,
}

/// The tiers of a kind: the name's prefix (ranks 0 and 1: the exact name is the smallest
/// name with the prefix, so name order puts it first), then an alias (models only), then the
/// name elsewhere, then the description.
///
/// Reading tier by tier with a LIMIT, rather than ranking every match and sorting, keeps the
/// cost flat as the catalog grows: a common word fills the page from the first tier, read off
/// the name index. Measured on the 50,000-model bench catalog, "nova" (matching 42,907 models)
/// took 150 ms to rank and sort in one statement, and takes one index range read of 20 rows
/// this way (bench/README.md, "Growth").
fn tiers(name: Expr, key: &str, alias: Option<Expr>, elsewhere: Expr, description: Expr) -> Vec<Tier> {
    // The range alone, not the range and a LIKE: the two say the same, but a prepared
    // statement's generic plan, which Postgres switches to after five runs, cannot see inside
    // a LIKE's parameter and guesses it keeps one row in 200; so guessing a single match, it
    // sorted every prefix match instead of reading the first ones in index order (3.9 ms
    // against 0.2 ms on the 50,000-model bench catalog for "nova").
    let prefix = match next_key(key) {
        Some(next) => Condition::all().add(name.clone().gte(key)).add(name.clone().lt(next)),
        None => Condition::all().add(name.clone().gte(key)).add(like(name.clone(), format!("{}%", like_escaped(key)))),
    };
    let not_prefix = prefix.clone().not();
    let mut tiers = vec![Tier { rank: 0, matches: prefix }];
    let mut better = Condition::all().add(not_prefix);
    if let Some(alias) = alias {
        tiers.push(Tier { rank: 2, matches: better.clone().add(alias.clone()) });
        better = better.add(alias.not());
    }
    tiers.push(Tier { rank: 3, matches: better.clone().add(elsewhere.clone()) });
    tiers.push(Tier { rank: 4, matches: better.add(elsewhere.not()).add(description) });
    tiers
}

/// The smallest string greater than every string that starts with `key` (its last character
/// incremented), so that a prefix is an index range: in code point order, which is the byte
/// order of UTF-8 that both backends compare `name_key` in (Postgres by its "C" collation),
/// `s` starts with `key` exactly when `key <= s < next_key(key)`. `None` where there is no
/// next character.
fn next_key(key: &str) -> Option<String> {
    let mut chars: Vec<char> = key.chars().collect();
    let last = chars.pop()?;
    chars.push(char::from_u32(last as u32 + 1)?);
    Some(chars.into_iter().collect())
}

/// The best `first` rows of `select` over `tiers` (those of rank ≤ `worst` only), in order.
async fn best<E, M>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    order: [Expr; 2],
    tiers: Vec<Tier>,
    worst: u8,
    first: u64,
) -> ServiceResult<Vec<M>>
where
    E: EntityTrait,
    M: PartialModelTrait + Send + Sync,
{
    let mut found = Vec::new();
    for tier in tiers.into_iter().filter(|t| t.rank <= worst) {
        let left = first - found.len() as u64;
        if left == 0 {
            break;
        }
        let [name, id] = order.clone();
        let rows = select
            .clone()
            .filter(tier.matches)
            .order_by_asc(name)
            .order_by_asc(id)
            .limit(left)
            .into_partial_model::<M>();
        found.extend(rows.all(db).await?);
    }
    Ok(found)
}

/// The worst rank that can still make the answer: once `first` hits are found, a hit of
/// another kind ranked below all of them cannot, so its tiers are not read.
fn worst_useful(hits: &[(u8, u8, String, i32, Hit)], first: usize) -> u8 {
    if hits.len() < first {
        return 4;
    }
    let mut ranks: Vec<u8> = hits.iter().map(|h| h.0).collect();
    ranks.sort_unstable();
    ranks[first - 1]
}

pub async fn search(
    db: &impl ConnectionTrait,
    audience: Audience,
    text: &str,
    first: Option<i32>,
) -> ServiceResult<Vec<Hit>> {
    let first = first.unwrap_or(DEFAULT_RESULTS);
    if !(1..=MAX_RESULTS).contains(&first) {
        return Err(ServiceError::bad_input("first", format!("must be between 1 and {MAX_RESULTS}")));
    }
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ServiceError::bad_input("text", format!("must be 1 to {MAX_TEXT_CHARS} characters")));
    }
    // Postgres cannot hold a NUL in text (the query would fail), and SQLite would cut the
    // pattern short there and match everything.
    if text.contains('\0') {
        return Err(ServiceError::bad_input("text", "must not contain a NUL character"));
    }
    let backend = db.get_database_backend();
    let (key, ascii) = (name_key(text), text.to_ascii_lowercase());
    let contains = |column: TextColumn| {
        let folded = match &column {
            TextColumn::Key(_) => key.clone(),
            TextColumn::Plain(_) => ascii.clone(),
        };
        like(column.folded(backend), format!("%{}%", like_escaped(&folded)))
    };
    let n = first as u64;

    let alias_match = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(model_alias::Entity)
            .and_where(
                Expr::col((model_alias::Entity, model_alias::Column::ModelId))
                    .equals((model::Entity, model::Column::Id)),
            )
            .and_where(contains(TextColumn::Plain(Expr::col((model_alias::Entity, model_alias::Column::Alias)))))
            .take(),
    );
    let name = Expr::col((model::Entity, model::Column::NameKey));
    let model_tiers = tiers(
        name.clone(),
        &key,
        Some(alias_match),
        contains(TextColumn::Key(name.clone())),
        contains(TextColumn::Plain(Expr::col((model::Entity, model::Column::Description)))),
    );
    let order = [name, Expr::col((model::Entity, model::Column::Id))];
    let found_models: Vec<ModelRow> = best(db, models::visible(audience), order, model_tiers, 4, n).await?;
    let ids: Vec<i32> = found_models.iter().map(|m| m.id).collect();
    let mut aliases = relations::aliases(db, &ids).await?;

    let mut hits: Vec<(u8, u8, String, i32, Hit)> = Vec::new();
    for m in found_models {
        let r = rank(&m.name_key, &aliases.remove(&m.id).unwrap_or_default(), &key, &ascii);
        hits.push((r, 0, m.name_key.clone(), m.id, Hit::Model(m)));
    }

    let name = Expr::col((organization::Entity, organization::Column::NameKey));
    let org_tiers = tiers(
        name.clone(),
        &key,
        None,
        contains(TextColumn::Key(name.clone())),
        contains(TextColumn::Plain(Expr::col((organization::Entity, organization::Column::Description)))),
    );
    let order = [name, Expr::col((organization::Entity, organization::Column::Id))];
    let worst = worst_useful(&hits, first as usize);
    let found_orgs: Vec<OrganizationRow> = best(db, organization::Entity::find(), order, org_tiers, worst, n).await?;
    for o in found_orgs {
        hits.push((rank(&o.name_key, &[], &key, &ascii), 1, o.name_key.clone(), o.id, Hit::Organization(o)));
    }

    let name = Expr::col((capability::Entity, capability::Column::NameKey));
    let capability_tiers = tiers(
        name.clone(),
        &key,
        None,
        contains(TextColumn::Key(name.clone())),
        contains(TextColumn::Plain(Expr::col((capability::Entity, capability::Column::Description)))),
    );
    let order = [name, Expr::col((capability::Entity, capability::Column::Id))];
    let worst = worst_useful(&hits, first as usize);
    let found_caps: Vec<CapabilityRow> =
        best(db, capability::Entity::find(), order, capability_tiers, worst, n).await?;
    for c in found_caps {
        hits.push((rank(&c.name_key, &[], &key, &ascii), 2, c.name_key.clone(), c.id, Hit::Capability(c)));
    }

    hits.sort_by(|a, b| (a.0, &a.2, a.1, a.3).cmp(&(b.0, &b.2, b.1, b.3)));
    Ok(hits.into_iter().take(first as usize).map(|h| h.4).collect())
}

#[cfg(test)]
mod tests {
    use super::next_key;

    #[test]
    fn a_prefix_is_the_range_up_to_its_next_key() {
        assert_eq!(next_key("nova").as_deref(), Some("novb"));
        assert_eq!(next_key("gpt-4").as_deref(), Some("gpt-5"));
        assert_eq!(next_key("é").as_deref(), Some("ê"));
        assert_eq!(next_key(""), None);
        assert_eq!(next_key("a\u{D7FF}"), None, "no character follows U+D7FF (surrogates are not characters)");
        assert_eq!(next_key("a\u{10FFFF}"), None);
        // Exactly the strings with the prefix fall in [key, next_key) in byte order.
        let (key, next) = ("nov", next_key("nov").unwrap());
        for s in ["nov", "nova", "nov\u{10FFFF}", "novz9", "nov~"] {
            assert!(key <= s && s < next.as_str(), "{s}");
        }
        for s in ["no", "nou\u{10FFFF}", "now", "nox"] {
            assert!(!(key <= s && s < next.as_str()), "{s}");
        }
    }
}
