use sea_orm::sea_query::{Condition, Expr};

use super::{EnumFilter, Scope, TextColumn, TextFilter, add_some, combine};
use crate::domain::OrganizationKind;
use crate::entity::organization::{Column, Entity};
use crate::service::ServiceResult;

/// Which organizations a list keeps (or, inside a model filter, which a model's organizations
/// must include one of).
#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    pub and: Vec<OrganizationFilter>,
    pub or: Vec<OrganizationFilter>,
    pub not: Option<Box<OrganizationFilter>>,
    pub name: Option<TextFilter>,
    pub slug: Option<TextFilter>,
    /// ISO 3166-1 alpha-2, any case.
    pub country: Option<TextFilter>,
    pub kind: Option<EnumFilter<OrganizationKind>>,
    pub website: Option<TextFilter>,
    pub description: Option<TextFilter>,
}

fn col(c: Column) -> Expr {
    Expr::col((Entity, c))
}

impl OrganizationFilter {
    pub fn condition(&self, scope: &Scope) -> ServiceResult<Condition> {
        let mut all = Condition::all();
        all = add_some(all, &self.name, scope, "name", |f, s| f.condition(&TextColumn::Key(col(Column::NameKey)), s))?;
        all = add_some(all, &self.slug, scope, "slug", |f, s| f.condition(&TextColumn::Plain(col(Column::Slug)), s))?;
        all = add_some(all, &self.country, scope, "country", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Country)), s)
        })?;
        all = add_some(all, &self.kind, scope, "kind", |f, s| f.condition(col(Column::Kind), s))?;
        all = add_some(all, &self.website, scope, "website", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Website)), s)
        })?;
        all = add_some(all, &self.description, scope, "description", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Description)), s)
        })?;
        combine(scope, all, &self.and, &self.or, self.not.as_deref(), |f, s| f.condition(s))
    }
}
