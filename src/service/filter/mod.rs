//! Filters on lists, as plain structs the GraphQL layer fills in, translated here into SQL
//! conditions (EXISTS sub-queries for relations) so that filtering, paging and counting all run
//! in the database. Every value is bound as a parameter; nothing the client sends becomes SQL text.
//!
//! Text matches are case-insensitive the same way on both backends: name columns are compared
//! through their stored `name_key` (Unicode lower case, computed in Rust); other text through
//! an ASCII-only `LOWER()` (SQLite's `lower()` is ASCII-only; on Postgres the `C` collation makes
//! it so), with the client's text folded the same way.

mod capability;
mod model;
mod organization;
mod prediction;
mod risk_assessment;

pub use capability::CapabilityFilter;
pub use model::{
    ModalityFilter, ModelCapabilityFilter, ModelFilter, ModelRiskFilter, ThresholdStatusFilter, threshold_slugs,
};
pub use organization::OrganizationFilter;
pub use prediction::{PredictionFilter, hindsight};
pub use risk_assessment::RiskAssessmentFilter;

use chrono::NaiveDate;
use sea_orm::{
    DbBackend,
    sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr, Value},
};

use super::{Audience, ServiceError, ServiceResult};
use crate::domain::Vocabulary;

/// `and`/`or`/`not` and relation filters nest at most this deep.
pub const MAX_DEPTH: usize = 5;
/// The longest `in`, `anyOf`, `allOf`, `and` or `or` list.
pub const MAX_LIST: usize = 100;
/// The longest text a text filter compares (`eq`, each `in` item, `contains`, `startsWith`), in
/// characters. Longer than any name, slug, URL or note worth matching; far inside SQLite's
/// limit on a LIKE pattern (50,000 bytes, past which the query fails), even at 4 bytes a
/// character with every one escaped.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// Where in the client's argument a filter sits, for error messages, and how deep it is.
#[derive(Clone, Debug)]
pub struct Scope {
    pub backend: DbBackend,
    /// Whether the caller sees published models only (sub-queries over models must too).
    pub public: bool,
    pub path: String,
    pub depth: usize,
}

impl Scope {
    pub fn root(backend: DbBackend, audience: Audience, argument: &str) -> Scope {
        Scope { backend, public: audience == Audience::Public, path: argument.to_owned(), depth: 0 }
    }

    pub fn field(&self, name: &str) -> Scope {
        Scope { backend: self.backend, public: self.public, path: format!("{}.{name}", self.path), depth: self.depth }
    }

    /// One level deeper (inside `and`, `or`, `not` or a relation); refused past `MAX_DEPTH`.
    pub fn nested(&self, name: &str) -> ServiceResult<Scope> {
        let scope = Scope {
            backend: self.backend,
            public: self.public,
            path: format!("{}.{name}", self.path),
            depth: self.depth + 1,
        };
        if scope.depth > MAX_DEPTH {
            return Err(scope.bad(format!("filters nest at most {MAX_DEPTH} levels deep")));
        }
        Ok(scope)
    }

    pub fn bad(&self, message: impl Into<String>) -> ServiceError {
        ServiceError::bad_input(self.path.clone(), message)
    }

    pub fn check_len<T>(&self, list: &[T]) -> ServiceResult<()> {
        if list.len() > MAX_LIST {
            return Err(self.bad(format!("at most {MAX_LIST} entries")));
        }
        Ok(())
    }

    /// Text to compare: at most `MAX_TEXT_CHARS` characters, and no NUL (Postgres cannot hold
    /// one in text, and SQLite would cut the pattern short there, matching every row).
    pub fn check_text(&self, text: &str) -> ServiceResult<()> {
        if text.contains('\0') {
            return Err(self.bad("must not contain a NUL character"));
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(self.bad(format!("at most {MAX_TEXT_CHARS} characters")));
        }
        Ok(())
    }
}

/// The `and`/`or`/`not` combinators every filter has, over that filter's own condition.
pub fn combine<F>(
    scope: &Scope,
    own: Condition,
    and: &[F],
    or: &[F],
    not: Option<&F>,
    condition: impl Fn(&F, &Scope) -> ServiceResult<Condition>,
) -> ServiceResult<Condition> {
    let mut all = own;
    if !and.is_empty() {
        scope.field("and").check_len(and)?;
        for (i, f) in and.iter().enumerate() {
            all = all.add(condition(f, &scope.nested(&format!("and[{i}]"))?)?);
        }
    }
    if !or.is_empty() {
        scope.field("or").check_len(or)?;
        let mut any = Condition::any();
        for (i, f) in or.iter().enumerate() {
            any = any.add(condition(f, &scope.nested(&format!("or[{i}]"))?)?);
        }
        all = all.add(any);
    }
    if let Some(f) = not {
        all = all.add(condition(f, &scope.nested("not")?)?.not());
    }
    Ok(all)
}

/// Comparisons on a number or date column. A model without the value matches no comparison
/// (and, as in SQL, not its negation either) but `isNull: true`.
#[derive(Clone, Debug, Default)]
pub struct Comparison<T> {
    pub eq: Option<T>,
    pub ne: Option<T>,
    pub gt: Option<T>,
    pub gte: Option<T>,
    pub lt: Option<T>,
    pub lte: Option<T>,
    pub in_list: Option<Vec<T>>,
    pub is_null: Option<bool>,
}

pub type NumberFilter = Comparison<f64>;
pub type DateFilter = Comparison<NaiveDate>;

impl<T: Clone + PartialOrd + std::fmt::Display + Into<Value>> Comparison<T> {
    /// Refuses ranges that can match nothing (e.g. `gte: 1e25, lt: 1e24`), naming the lower bound.
    fn check_range(&self, scope: &Scope) -> ServiceResult<()> {
        let lower = [("gt", &self.gt, true), ("gte", &self.gte, false)];
        let upper = [("lt", &self.lt, true), ("lte", &self.lte, false)];
        for (lname, lo, lstrict) in &lower {
            for (uname, hi, ustrict) in &upper {
                if let (Some(lo), Some(hi)) = (lo, hi)
                    && (lo > hi || (lo == hi && (*lstrict || *ustrict)))
                {
                    return Err(scope.field(lname).bad(format!("{lname} {lo} and {uname} {hi} can match nothing")));
                }
            }
        }
        Ok(())
    }

    pub fn condition(&self, column: Expr, scope: &Scope) -> ServiceResult<Condition> {
        self.check_range(scope)?;
        let mut all = Condition::all();
        type Compare<T> = fn(Expr, T) -> Expr;
        let ops: [(&Option<T>, Compare<T>); 6] = [
            (&self.eq, |c, v| c.eq(v)),
            (&self.ne, |c, v| c.ne(v)),
            (&self.gt, |c, v| c.gt(v)),
            (&self.gte, |c, v| c.gte(v)),
            (&self.lt, |c, v| c.lt(v)),
            (&self.lte, |c, v| c.lte(v)),
        ];
        for (value, op) in ops {
            if let Some(v) = value {
                all = all.add(op(column.clone(), v.clone()));
            }
        }
        if let Some(list) = &self.in_list {
            scope.field("in").check_len(list)?;
            all = all.add(column.clone().is_in(list.iter().cloned()));
        }
        match self.is_null {
            Some(true) => all = all.add(column.is_null()),
            Some(false) => all = all.add(column.is_not_null()),
            None => {}
        }
        Ok(all)
    }
}

/// Case-insensitive matches on a text column.
#[derive(Clone, Debug, Default)]
pub struct TextFilter {
    pub eq: Option<String>,
    pub in_list: Option<Vec<String>>,
    pub contains: Option<String>,
    pub starts_with: Option<String>,
}

/// How a text column is compared without regard to case.
#[derive(Clone, Debug)]
pub enum TextColumn {
    /// A `name_key` column: already Unicode lower case.
    Key(Expr),
    /// Any other text: compared through an ASCII-only `LOWER()`. (Custom SQL here is written
    /// per backend: sea-query's placeholder is `$1` on Postgres but `?` on SQLite.)
    Plain(Expr),
}

impl TextColumn {
    pub fn folded(&self, backend: DbBackend) -> Expr {
        match (self, backend) {
            (TextColumn::Key(c), _) => c.clone(),
            (TextColumn::Plain(c), DbBackend::Postgres) => Expr::cust_with_expr("LOWER($1 COLLATE \"C\")", c.clone()),
            (TextColumn::Plain(c), _) => Func::lower(c.clone()).into(),
        }
    }

    fn fold(&self, text: &str) -> String {
        match self {
            TextColumn::Key(_) => crate::domain::name_key(text),
            TextColumn::Plain(_) => text.to_ascii_lowercase(),
        }
    }
}

/// `text` with LIKE's wildcards escaped (by `\`), so it matches only itself.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A LIKE that means the same on both backends: both sides are folded already, and `\` escapes.
pub fn like(column: Expr, pattern: String) -> Expr {
    column.like(LikeExpr::new(pattern).escape('\\'))
}

impl TextFilter {
    pub fn condition(&self, column: &TextColumn, scope: &Scope) -> ServiceResult<Condition> {
        let col = column.folded(scope.backend);
        let mut all = Condition::all();
        if let Some(eq) = &self.eq {
            scope.field("eq").check_text(eq)?;
            all = all.add(col.clone().eq(column.fold(eq)));
        }
        if let Some(list) = &self.in_list {
            scope.field("in").check_len(list)?;
            for (i, item) in list.iter().enumerate() {
                scope.field(&format!("in[{i}]")).check_text(item)?;
            }
            all = all.add(col.clone().is_in(list.iter().map(|t| column.fold(t))));
        }
        if let Some(text) = &self.contains {
            scope.field("contains").check_text(text)?;
            all = all.add(like(col.clone(), format!("%{}%", like_escaped(&column.fold(text)))));
        }
        if let Some(text) = &self.starts_with {
            scope.field("startsWith").check_text(text)?;
            all = all.add(like(col, format!("{}%", like_escaped(&column.fold(text)))));
        }
        Ok(all)
    }
}

/// `eq`/`in` on a column holding one of a closed vocabulary.
#[derive(Clone, Debug)]
pub struct EnumFilter<T> {
    pub eq: Option<T>,
    pub in_list: Option<Vec<T>>,
}

impl<T> Default for EnumFilter<T> {
    fn default() -> Self {
        EnumFilter { eq: None, in_list: None }
    }
}

impl<T: Vocabulary> EnumFilter<T> {
    pub fn condition(&self, column: Expr, scope: &Scope) -> ServiceResult<Condition> {
        let mut all = Condition::all();
        if let Some(eq) = self.eq {
            all = all.add(column.clone().eq(eq.as_str()));
        }
        if let Some(list) = &self.in_list {
            scope.field("in").check_len(list)?;
            all = all.add(column.is_in(list.iter().map(|v| v.as_str())));
        }
        Ok(all)
    }
}

/// Adds `filter`'s condition on `column` when the client gave one.
pub fn add_some<F>(
    all: Condition,
    filter: &Option<F>,
    scope: &Scope,
    name: &str,
    condition: impl FnOnce(&F, &Scope) -> ServiceResult<Condition>,
) -> ServiceResult<Condition> {
    match filter {
        Some(f) => Ok(all.add(condition(f, &scope.field(name))?)),
        None => Ok(all),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escaped(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn impossible_ranges_name_the_lower_bound() {
        let scope = Scope::root(DbBackend::Sqlite, Audience::Public, "filter").field("trainingComputeFlop");
        let f = NumberFilter { gte: Some(1e25), lt: Some(1e24), ..Default::default() };
        let err = f.condition(Expr::val(1), &scope).unwrap_err();
        assert!(matches!(err, ServiceError::BadInput { ref field, .. } if field == "filter.trainingComputeFlop.gte"));
        let touching = NumberFilter { gt: Some(1.0), lte: Some(1.0), ..Default::default() };
        assert!(touching.condition(Expr::val(1), &scope).is_err());
        let point = NumberFilter { gte: Some(1.0), lte: Some(1.0), ..Default::default() };
        assert!(point.condition(Expr::val(1), &scope).is_ok());
    }

    #[test]
    fn text_is_bounded_and_has_no_nul() {
        let scope = Scope::root(DbBackend::Sqlite, Audience::Public, "filter").field("name");
        let column = TextColumn::Plain(Expr::val("x"));
        let long = TextFilter { contains: Some("a".repeat(MAX_TEXT_CHARS + 1)), ..Default::default() };
        let err = long.condition(&column, &scope).unwrap_err();
        assert!(matches!(err, ServiceError::BadInput { ref field, .. } if field == "filter.name.contains"));
        let nul = TextFilter { in_list: Some(vec!["a".into(), "b\0".into()]), ..Default::default() };
        let err = nul.condition(&column, &scope).unwrap_err();
        assert!(matches!(err, ServiceError::BadInput { ref field, .. } if field == "filter.name.in[1]"));
        let fits = TextFilter { starts_with: Some("é".repeat(MAX_TEXT_CHARS)), ..Default::default() };
        assert!(fits.condition(&column, &scope).is_ok());
    }

    #[test]
    fn depth_is_bounded() {
        let mut scope = Scope::root(DbBackend::Sqlite, Audience::Public, "filter");
        for _ in 0..MAX_DEPTH {
            scope = scope.nested("not").unwrap();
        }
        assert!(scope.nested("not").is_err());
    }

    /// Model filters as the database applies them, on a small catalog: a (US), b (US and FR),
    /// c (FR) and a US draft.
    mod in_the_database {
        use sea_orm::{DatabaseConnection, PaginatorTrait};

        use super::*;
        use crate::domain::{Confidence, Likelihood, Modality, RiskCategory, RiskCause, RiskHorizon, Severity};
        use crate::service::edits::RiskAssessmentRecord;
        use crate::service::models;
        use crate::service::testing::{memory_db, model, organization, plant};

        async fn catalog() -> DatabaseConnection {
            let db = memory_db().await;
            let us = plant(&db, organization("us-lab", "US")).await.id;
            let fr = plant(&db, organization("fr-lab", "FR")).await.id;
            let mut a = model("m-a", "2020-01-10");
            (a.name, a.organization_ids, a.parameters) = ("Ångström 7B".into(), vec![us], Some(7e9));
            a.input_modalities = vec![Modality::Text, Modality::Image];
            let mut b = model("m-b", "2021-01-10");
            (b.name, b.organization_ids, b.parameters) = ("Large 70%".into(), vec![us, fr], Some(7e10));
            b.input_modalities = vec![Modality::Text];
            let mut c = model("m-c", "2021-06-10");
            (c.name, c.organization_ids) = ("Small_1".into(), vec![fr]);
            let mut draft = model("draft", "2021-03-01");
            (draft.organization_ids, draft.parameters, draft.published) = (vec![us], Some(1e15), false);
            let mut ids = Vec::new();
            for m in [a, b, c, draft] {
                ids.push(plant(&db, m).await.id);
            }
            for (model_id, severity) in
                [(ids[0], Severity::Low), (ids[1], Severity::High), (ids[3], Severity::Critical)]
            {
                let risk = RiskAssessmentRecord {
                    model_id,
                    horizon: RiskHorizon::Immediate,
                    cause: RiskCause::Malicious,
                    category: RiskCategory::Disinformation,
                    severity,
                    likelihood: Likelihood::Medium,
                    summary: "A summary long enough".into(),
                    rationale: "A rationale long enough".into(),
                    confidence: Confidence::Likely,
                    assessed_on: "2024-01-01".parse().unwrap(),
                    author: None,
                    mit_subdomain: None,
                    mit_entity: None,
                    mit_intent: None,
                    mit_timing: None,
                    source_url: None,
                };
                plant(&db, risk).await;
            }
            db
        }

        async fn count(db: &DatabaseConnection, audience: Audience, filter: ModelFilter) -> u64 {
            models::filtered(db, audience, Some(&filter), "filter").unwrap().count(db).await.unwrap()
        }

        fn text(f: impl FnOnce(&mut TextFilter)) -> Option<TextFilter> {
            let mut filter = TextFilter::default();
            f(&mut filter);
            Some(filter)
        }

        #[tokio::test]
        async fn comparisons_and_text_matches_keep_the_right_models() {
            let db = catalog().await;
            let public = |f| count(&db, Audience::Public, f);
            assert_eq!(public(ModelFilter::default()).await, 3);
            assert_eq!(count(&db, Audience::Editor, ModelFilter::default()).await, 4);
            let big = NumberFilter { gte: Some(1e10), ..Default::default() };
            assert_eq!(public(ModelFilter { parameters: Some(big.clone()), ..Default::default() }).await, 1);
            assert_eq!(
                count(&db, Audience::Editor, ModelFilter { parameters: Some(big), ..Default::default() }).await,
                2
            );
            let unknown = NumberFilter { is_null: Some(true), ..Default::default() };
            assert_eq!(public(ModelFilter { parameters: Some(unknown), ..Default::default() }).await, 1);
            // Names match through their Unicode lower case; LIKE's wildcards match only themselves.
            assert_eq!(
                public(ModelFilter { name: text(|t| t.contains = Some("ÅNGSTRÖM".into())), ..Default::default() })
                    .await,
                1
            );
            assert_eq!(
                public(ModelFilter { name: text(|t| t.contains = Some("0%".into())), ..Default::default() }).await,
                1
            );
            assert_eq!(
                public(ModelFilter { name: text(|t| t.contains = Some("_".into())), ..Default::default() }).await,
                1
            );
            let from_2021 = DateFilter { gte: "2021-01-01".parse().ok(), ..Default::default() };
            let not_from_2021 = ModelFilter { announced_on: Some(from_2021), ..Default::default() };
            assert_eq!(public(ModelFilter { not: Some(Box::new(not_from_2021)), ..Default::default() }).await, 1);
        }

        #[tokio::test]
        async fn relation_filters_look_through_links() {
            let db = catalog().await;
            let public = |f| count(&db, Audience::Public, f);
            let in_france = OrganizationFilter { country: text(|t| t.eq = Some("fr".into())), ..Default::default() };
            assert_eq!(public(ModelFilter { organizations: Some(in_france), ..Default::default() }).await, 2);
            let both = ModalityFilter { all_of: Some(vec![Modality::Text, Modality::Image]), ..Default::default() };
            assert_eq!(public(ModelFilter { input_modalities: Some(both), ..Default::default() }).await, 1);
            let either = ModalityFilter { any_of: Some(vec![Modality::Text, Modality::Image]), ..Default::default() };
            assert_eq!(public(ModelFilter { input_modalities: Some(either), ..Default::default() }).await, 2);
            let serious = ModelRiskFilter { severity_at_least: Some(Severity::Medium), ..Default::default() };
            let serious = ModelFilter { risk_assessments: Some(serious), ..Default::default() };
            assert_eq!(public(serious.clone()).await, 1, "b; the draft's critical risk is not public");
            assert_eq!(count(&db, Audience::Editor, serious).await, 2);
        }
    }
}
