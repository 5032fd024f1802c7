//! Resolving predictions against the successors that ship; editors only. Each is a revision of
//! the prediction, public when its model is.

use async_graphql::{Context, ID, InputObject, Object};

use crate::domain::{EntityType, PredictionOutcome};
use crate::graphql::{
    caller::{Role, actor, write},
    db,
    error::OrGraphqlError,
    node::{row_id, row_ids},
    types::Prediction,
};
use crate::service::predictions::{self, Resolution};

#[derive(InputObject)]
pub struct ResolvePredictionInput {
    pub outcome: PredictionOutcome,
    /// The model the prediction was judged on: a published model announced after the
    /// prediction's. Needed for every outcome but UNRESOLVABLE.
    pub successor_id: Option<ID>,
    /// What the successor did that decides the outcome (20 to 2,000 characters).
    pub evidence: String,
    /// Where that is stated.
    pub source_url: String,
}

#[derive(Default)]
pub struct PredictionMutation;

#[Object]
impl PredictionMutation {
    /// Editors only. Resolves an OPEN prediction; BAD_USER_INPUT naming the field for an outcome
    /// without the successor it needs, a successor announced before the prediction's model, or
    /// a prediction that is withdrawn, resolved already, or not yet recorded.
    #[graphql(guard = "Role::Editor")]
    async fn resolve_prediction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ResolvePredictionInput,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Prediction> {
        let id = row_id("id", &id, EntityType::Prediction).gql()?;
        let successor_id = match &input.successor_id {
            Some(successor) => {
                Some(row_ids("input.successorId", std::slice::from_ref(successor), EntityType::Model).gql()?[0])
            }
            None => None,
        };
        let resolution =
            Resolution { outcome: input.outcome, successor_id, evidence: input.evidence, source_url: input.source_url };
        let actor = actor(ctx)?;
        let done = predictions::resolve(db(ctx), &actor, id, expected_version, resolution, summary.as_deref());
        Ok(Prediction::from(write(ctx, done).await?))
    }

    /// Editors only. Takes back a resolution, so that the prediction's claim can be edited or it
    /// can be resolved again.
    #[graphql(guard = "Role::Editor")]
    async fn reopen_prediction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        summary: Option<String>,
    ) -> async_graphql::Result<Prediction> {
        let id = row_id("id", &id, EntityType::Prediction).gql()?;
        let actor = actor(ctx)?;
        let done = predictions::reopen(db(ctx), &actor, id, expected_version, summary.as_deref());
        Ok(Prediction::from(write(ctx, done).await?))
    }
}
