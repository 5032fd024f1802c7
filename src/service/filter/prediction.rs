use chrono::{DateTime, Utc};
use sea_orm::{
    DbBackend,
    sea_query::{Alias, Condition, Expr, ExprTrait, Query},
};

use super::Scope;
use crate::domain::{CountryCode, PredictionKind, PredictionOutcome, PredictionStatus};
use crate::entity::{model, model_organization, organization, prediction};
use crate::service::ServiceResult;

/// Which predictions the ledger (and the record) takes in. Every condition given must hold.
/// Unknown model or organization slugs match nothing, as in the models filter.
#[derive(Clone, Debug, Default)]
pub struct PredictionFilter {
    /// The subject model is one of these (slugs).
    pub model: Option<Vec<String>>,
    /// One of the subject model's organizations has this slug.
    pub organization: Option<String>,
    /// One of the subject model's organizations is of this country (ISO 3166-1 alpha-2, any case).
    pub country: Option<String>,
    pub kind: Option<PredictionKind>,
    pub status: Option<PredictionStatus>,
    pub outcome: Option<PredictionOutcome>,
    /// Recorded at or after this instant.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded strictly before this instant.
    pub recorded_before: Option<DateTime<Utc>>,
    pub hindsight: Option<bool>,
}

fn col(c: prediction::Column) -> Expr {
    Expr::col((prediction::Entity, c))
}

/// Whether the prediction was recorded with the answer known: on or after the start (UTC) of
/// its successor's announced day. False without a successor (or without its date), and for the
/// public when the successor is not published. The same rule as `Prediction.hindsight` (which
/// reads the successor as the caller may see it), written in SQL so that filters and counts run
/// in the database.
pub fn hindsight(backend: DbBackend, public: bool) -> Expr {
    let successor = Alias::new("successor");
    let announced = Expr::col((successor.clone(), model::Column::AnnouncedOn));
    let recorded = col(prediction::Column::RecordedAt);
    // SQLite holds both as ISO 8601 text (`2024-05-13T…+00:00` against `2024-05-13`), which
    // compare as the instants they name; Postgres needs the day's start made UTC explicitly,
    // whatever the session's time zone.
    let on_or_after = match backend {
        DbBackend::Postgres => {
            Expr::cust_with_exprs("($1 >= (CAST($2 AS timestamp) AT TIME ZONE 'UTC'))", [recorded, announced])
        }
        _ => recorded.gte(announced),
    };
    let mut select = Query::select()
        .expr(Expr::val(1))
        .from_as(model::Entity, successor.clone())
        .and_where(
            Expr::col((successor.clone(), model::Column::Id))
                .equals((prediction::Entity, prediction::Column::SuccessorId)),
        )
        .and_where(col(prediction::Column::RecordedAt).is_not_null())
        .and_where(on_or_after)
        .take();
    if public {
        select.and_where(Expr::col((successor, model::Column::Published)).eq(true));
    }
    Expr::exists(select)
}

/// `EXISTS` one of the subject model's organizations matching `condition`.
fn organization_matches(condition: Expr) -> Expr {
    let select = Query::select()
        .expr(Expr::val(1))
        .from(model_organization::Entity)
        .inner_join(
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((model_organization::Entity, model_organization::Column::OrganizationId)),
        )
        .and_where(
            Expr::col((model_organization::Entity, model_organization::Column::ModelId))
                .equals((prediction::Entity, prediction::Column::ModelId)),
        )
        .and_where(condition)
        .take();
    Expr::exists(select)
}

impl PredictionFilter {
    pub fn condition(&self, scope: &Scope) -> ServiceResult<Condition> {
        use prediction::Column as P;
        let mut all = Condition::all();
        if let Some(slugs) = &self.model {
            let field = scope.field("model");
            field.check_len(slugs)?;
            for (i, slug) in slugs.iter().enumerate() {
                scope.field(&format!("model[{i}]")).check_text(slug)?;
            }
            let models = Query::select()
                .column((model::Entity, model::Column::Id))
                .from(model::Entity)
                .and_where(Expr::col((model::Entity, model::Column::Slug)).is_in(slugs.iter().map(String::as_str)))
                .take();
            all = all.add(col(P::ModelId).in_subquery(models));
        }
        if let Some(slug) = &self.organization {
            scope.field("organization").check_text(slug)?;
            all = all.add(organization_matches(
                Expr::col((organization::Entity, organization::Column::Slug)).eq(slug.as_str()),
            ));
        }
        if let Some(country) = &self.country {
            let code = CountryCode::parse(&country.to_ascii_uppercase()).map_err(|e| scope.field("country").bad(e))?;
            all = all.add(organization_matches(
                Expr::col((organization::Entity, organization::Column::Country)).eq(code.as_str()),
            ));
        }
        if let Some(kind) = self.kind {
            all = all.add(col(P::Kind).eq(kind.as_str()));
        }
        if let Some(status) = self.status {
            all = all.add(match status {
                PredictionStatus::Withdrawn => Condition::all().add(col(P::Withdrawn).eq(true)),
                PredictionStatus::Resolved => {
                    Condition::all().add(col(P::Withdrawn).eq(false)).add(col(P::Outcome).is_not_null())
                }
                PredictionStatus::Open => {
                    Condition::all().add(col(P::Withdrawn).eq(false)).add(col(P::Outcome).is_null())
                }
            });
        }
        if let Some(outcome) = self.outcome {
            all = all.add(col(P::Outcome).eq(outcome.as_str()));
        }
        if let (Some(from), Some(before)) = (self.recorded_from, self.recorded_before)
            && from >= before
        {
            return Err(scope.field("recordedFrom").bad("is not before `recordedBefore`: the range holds nothing"));
        }
        if let Some(from) = self.recorded_from {
            all = all.add(col(P::RecordedAt).gte(from));
        }
        if let Some(before) = self.recorded_before {
            all = all.add(col(P::RecordedAt).lt(before));
        }
        match self.hindsight {
            Some(true) => all = all.add(hindsight(scope.backend, scope.public)),
            Some(false) => all = all.add(hindsight(scope.backend, scope.public).not()),
            None => {}
        }
        Ok(all)
    }
}
