use sea_orm::sea_query::{Condition, Expr};

use super::{EnumFilter, Scope, TextColumn, TextFilter, add_some, combine};
use crate::domain::CapabilityCategory;
use crate::entity::capability::{Column, Entity};
use crate::service::ServiceResult;

/// Which capabilities a list keeps.
#[derive(Clone, Debug, Default)]
pub struct CapabilityFilter {
    pub and: Vec<CapabilityFilter>,
    pub or: Vec<CapabilityFilter>,
    pub not: Option<Box<CapabilityFilter>>,
    pub name: Option<TextFilter>,
    pub slug: Option<TextFilter>,
    pub category: Option<EnumFilter<CapabilityCategory>>,
    pub description: Option<TextFilter>,
}

fn col(c: Column) -> Expr {
    Expr::col((Entity, c))
}

impl CapabilityFilter {
    pub fn condition(&self, scope: &Scope) -> ServiceResult<Condition> {
        let mut all = Condition::all();
        all = add_some(all, &self.name, scope, "name", |f, s| f.condition(&TextColumn::Key(col(Column::NameKey)), s))?;
        all = add_some(all, &self.slug, scope, "slug", |f, s| f.condition(&TextColumn::Plain(col(Column::Slug)), s))?;
        all = add_some(all, &self.category, scope, "category", |f, s| f.condition(col(Column::Category), s))?;
        all = add_some(all, &self.description, scope, "description", |f, s| {
            f.condition(&TextColumn::Plain(col(Column::Description)), s)
        })?;
        combine(scope, all, &self.and, &self.or, self.not.as_deref(), |f, s| f.condition(s))
    }
}
