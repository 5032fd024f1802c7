//! Search across models (name, aliases, description), organizations and capabilities, ranked:
//! exact name, name prefix, alias, name elsewhere, description. Portable SQL (LIKE over folded
//! text, as filters use) on both backends: at catalog scale a scan is cheap, and pg_trgm would
//! need an extension that a managed database may not let the service create.

use sea_orm::{
    ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
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

/// The same ranking in SQL, so each kind's best `first` come back.
fn rank_expr(name: Expr, alias_match: Option<Expr>, key: &str) -> Expr {
    let mut case = Expr::case(name.clone().eq(key), 0).case(like(name.clone(), format!("{}%", like_escaped(key))), 1);
    if let Some(alias) = alias_match {
        case = case.case(alias, 2);
    }
    case.case(like(name, format!("%{}%", like_escaped(key))), 3).finally(4).into()
}

fn ranked<E: EntityTrait>(select: Select<E>, matches: Condition, rank: Expr, name: Expr, first: u64) -> Select<E> {
    select.filter(matches).order_by_asc(rank).order_by_asc(name).limit(first)
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
    let matches = Condition::any()
        .add(contains(TextColumn::Key(name.clone())))
        .add(alias_match.clone())
        .add(contains(TextColumn::Plain(Expr::col((model::Entity, model::Column::Description)))));
    let found_models =
        ranked(models::visible(audience), matches, rank_expr(name.clone(), Some(alias_match), &key), name, n)
            .into_partial_model::<ModelRow>()
            .all(db)
            .await?;
    let ids: Vec<i32> = found_models.iter().map(|m| m.id).collect();
    let mut aliases = relations::aliases(db, &ids).await?;

    let name = Expr::col((organization::Entity, organization::Column::NameKey));
    let matches = Condition::any()
        .add(contains(TextColumn::Key(name.clone())))
        .add(contains(TextColumn::Plain(Expr::col((organization::Entity, organization::Column::Description)))));
    let found_orgs = ranked(organization::Entity::find(), matches, rank_expr(name.clone(), None, &key), name, n)
        .into_partial_model::<OrganizationRow>()
        .all(db)
        .await?;

    let name = Expr::col((capability::Entity, capability::Column::NameKey));
    let matches = Condition::any()
        .add(contains(TextColumn::Key(name.clone())))
        .add(contains(TextColumn::Plain(Expr::col((capability::Entity, capability::Column::Description)))));
    let found_caps = ranked(capability::Entity::find(), matches, rank_expr(name.clone(), None, &key), name, n)
        .into_partial_model::<CapabilityRow>()
        .all(db)
        .await?;

    let mut hits: Vec<(u8, u8, String, i32, Hit)> = Vec::new();
    for m in found_models {
        let r = rank(&m.name_key, &aliases.remove(&m.id).unwrap_or_default(), &key, &ascii);
        hits.push((r, 0, m.name_key.clone(), m.id, Hit::Model(m)));
    }
    for o in found_orgs {
        hits.push((rank(&o.name_key, &[], &key, &ascii), 1, o.name_key.clone(), o.id, Hit::Organization(o)));
    }
    for c in found_caps {
        hits.push((rank(&c.name_key, &[], &key, &ascii), 2, c.name_key.clone(), c.id, Hit::Capability(c)));
    }
    hits.sort_by(|a, b| (a.0, &a.2, a.1, a.3).cmp(&(b.0, &b.2, b.1, b.3)));
    Ok(hits.into_iter().take(first as usize).map(|h| h.4).collect())
}
