//! What a transport knows of one request besides its document: who is calling, from where, and
//! how large an answer may be. `Api` makes the request's data from it, the same way for every
//! transport, and makes it again for a rerun.

use std::any::{Any, TypeId};

use async_graphql::{Data, Request};
use sea_orm::DatabaseConnection;

use super::budget::{AnswerBudget, AnswerLimits};
use super::loaders::{PastLoaders, for_request};
use super::rate_limit::BudgetView;
use crate::service::{Caller, ClientAddress};

/// One request's (or one websocket's) context, as its transport established it.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub caller: Caller,
    pub address: ClientAddress,
    pub answer_limits: AnswerLimits,
    /// The caller's query budget as this operation found it (for the `rateLimit` field).
    pub budget: Option<BudgetView>,
    /// Run only the `rateLimit` fields: the rest is priced, not run.
    pub dry_run: bool,
}

impl RequestContext {
    pub fn new(caller: Caller, address: ClientAddress, answer_limits: AnswerLimits) -> Self {
        RequestContext { caller, address, answer_limits, budget: None, dry_run: false }
    }

    /// Gives `request` its data: the database its route chose (every resolver and the loader
    /// read there), the caller and address, a fresh loader (nothing cached from an earlier run)
    /// and a fresh budget, which is returned so the answer can be bounded by it.
    pub(super) fn fill(&self, request: &mut Request, db: &DatabaseConnection) -> AnswerBudget {
        let budget = AnswerBudget::new(self.answer_limits);
        request.data.insert(db.clone());
        request.data.insert(for_request(db.clone(), self.caller.audience()));
        request.data.insert(PastLoaders::new(db.clone()));
        request.data.insert(self.caller.clone());
        request.data.insert(self.address);
        request.data.insert(budget.clone());
        if let Some(view) = self.budget {
            request.data.insert(view);
        }
        budget
    }

    /// The context a websocket's `connection_init` left in its session data.
    pub(super) fn of_session(data: &Data) -> Option<&RequestContext> {
        data.get(&TypeId::of::<RequestContext>()).and_then(|d| <dyn Any>::downcast_ref(&**d))
    }
}
