//! Relay global object identification: `ID`s are base64 of `Type:id`.

use async_graphql::{ID, Interface};
use base64::{Engine, engine::general_purpose::STANDARD};
use sea_orm::DatabaseConnection;

use super::error::OrGraphqlError;
use super::types::{Capability, ComputeThreshold, Dataset, Model, Organization, Revision, RiskAssessment, node_type};
use crate::domain::EntityType;
use crate::service::{
    Audience, ServiceError, ServiceResult, capabilities, datasets, models, organizations, revisions, risk_assessments,
    thresholds,
};

/// An object with a globally unique ID, fetchable with `node(id:)`.
// Built once per lookup and moved straight into the response: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The globally unique ID of this object."))]
pub enum Node {
    Model(Model),
    Organization(Organization),
    Capability(Capability),
    Dataset(Dataset),
    RiskAssessment(RiskAssessment),
    ComputeThreshold(ComputeThreshold),
    Revision(Revision),
}

pub fn global_id(type_name: &str, id: i32) -> ID {
    ID(STANDARD.encode(format!("{type_name}:{id}")))
}

/// The type name and row id inside a global ID; `None` for anything that is not one of ours.
/// Only the canonical decimal form we hand out decodes (`Model:01` or `Model:+1` are not
/// `Model:1`): one object has one ID, so IDs can be compared, cached and logged as strings.
pub fn parse_global_id(id: &str) -> Option<(String, i32)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, row) = text.split_once(':')?;
    let id: i32 = row.parse().ok()?;
    (id.to_string() == row).then(|| (type_name.to_owned(), id))
}

/// The row id inside a global ID that must name a `type_name`; BAD_USER_INPUT naming `field`
/// otherwise.
pub fn row_id(field: &str, id: &ID, type_name: &str) -> ServiceResult<i32> {
    match parse_global_id(id) {
        Some((t, row)) if t == type_name => Ok(row),
        _ => Err(ServiceError::bad_input(field, format!("is not the ID of a {type_name}"))),
    }
}

/// Row ids of a list of global IDs, each checked like `row_id`.
pub fn row_ids(field: &str, ids: &[ID], type_name: &str) -> ServiceResult<Vec<i32>> {
    ids.iter().enumerate().map(|(i, id)| row_id(&format!("{field}[{i}]"), id, type_name)).collect()
}

/// The object of type `type_name` with row id `id`, if `audience` may see it.
pub async fn load_node(
    db: &DatabaseConnection,
    audience: Audience,
    type_name: &str,
    id: i32,
) -> async_graphql::Result<Option<Node>> {
    Ok(match type_name {
        "Model" => models::by_id(db, audience, id).await.gql()?.map(|r| Node::Model(r.into())),
        "Organization" => organizations::by_id(db, id).await.gql()?.map(|r| Node::Organization(r.into())),
        "Capability" => capabilities::by_id(db, id).await.gql()?.map(|r| Node::Capability(r.into())),
        "Dataset" => datasets::by_id(db, id).await.gql()?.map(|r| Node::Dataset(r.into())),
        "RiskAssessment" => {
            risk_assessments::by_id(db, audience, id).await.gql()?.map(|r| Node::RiskAssessment(r.into()))
        }
        "ComputeThreshold" => thresholds::by_id(db, id).await.gql()?.map(|r| Node::ComputeThreshold(r.into())),
        "Revision" => revisions::by_id(db, audience, id).await.gql()?.map(|r| Node::Revision(Revision(r))),
        _ => None,
    })
}

/// The catalog entry a global ID names (a model, an organization, ...); BAD_USER_INPUT naming
/// `field` for anything else.
pub fn catalog_entry(field: &str, id: &ID) -> ServiceResult<(EntityType, i32)> {
    parse_global_id(id)
        .and_then(|(type_name, row)| {
            EntityType::ALL.iter().copied().find(|k| k.is_catalog() && node_type(*k) == type_name).map(|k| (k, row))
        })
        .ok_or_else(|| ServiceError::bad_input(field, "is not the ID of a catalog entry"))
}
