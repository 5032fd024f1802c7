use async_graphql::Object;

use super::Model;
use crate::service::successors::SuccessorCandidateRow;

/// A later model that may be a model's 2–10× scaled successor (see `Model.successorCandidates`).
pub struct SuccessorCandidate(pub SuccessorCandidateRow, pub super::When);

#[Object]
impl SuccessorCandidate {
    async fn model(&self) -> Model {
        Model::from(self.0.model.clone()).when(self.1)
    }

    /// The candidate's training compute over the model's, when both are known.
    async fn compute_ratio(&self) -> Option<f64> {
        self.0.compute_ratio
    }

    /// Whether both models' training compute is known, so that the 2–10× range was checked.
    async fn compute_known(&self) -> bool {
        self.0.compute_known
    }
}
