//! Running a query once more when all it met was a lost database connection. Postgres may end a
//! pooled session at any moment (a restart, a failover, `pg_terminate_backend`); the pool tests
//! only connections idle for a while, so the first statement on a freshly ended one fails. A
//! read is safe to run again on another connection, and a client then sees no error. Mutations
//! are never run again.

use std::any::{Any, TypeId};

use async_graphql::{Data, Request, Variables};

use super::budget::AnswerBudget;
use super::caller::{Caller, ClientAddress};
use super::loaders::RequestLoader;

/// What it takes to run a query again: its text and variables, and its request data made anew
/// (the same caller and address, a fresh loader, so nothing failed is served from its cache).
pub struct Rerun {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
    caller: Caller,
    address: ClientAddress,
    loader: RequestLoader,
    /// The answer's budget, started over for the second run (the same one the transport checks).
    budget: Option<AnswerBudget>,
}

fn get<T: Any>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>()).and_then(|d| d.downcast_ref::<T>())
}

impl Rerun {
    /// The makings of a second run of `request`, if its data holds only what this knows how to
    /// make again (a transport that adds other request data must be taught here first).
    pub fn of(request: &Request) -> Option<Rerun> {
        let budget = get::<AnswerBudget>(&request.data).cloned();
        if request.data.len() != 3 + usize::from(budget.is_some()) || !request.uploads.is_empty() {
            return None;
        }
        let loader = get::<RequestLoader>(&request.data)?.loader().fresh();
        Some(Rerun {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
            caller: get::<Caller>(&request.data)?.clone(),
            address: *get::<ClientAddress>(&request.data)?,
            loader,
            budget,
        })
    }

    pub fn request(self) -> Request {
        let mut request = Request::new(self.query).variables(self.variables);
        request.operation_name = self.operation_name;
        let request = request.data(self.loader).data(self.caller).data(self.address);
        match self.budget {
            Some(budget) => {
                budget.reset();
                request.data(budget)
            }
            None => request,
        }
    }
}
