//! Relay global object identification: `ID`s are base64 of `Type:id`.

use async_graphql::{ID, Interface};
use base64::{Engine, engine::general_purpose::STANDARD};
use sea_orm::DatabaseConnection;

use super::error::OrGraphqlError;
use super::types::{Capability, ComputeThreshold, Dataset, Model, Organization, Prediction, Revision, RiskAssessment};
use crate::domain::EntityType;
use crate::service::{
    Audience, ServiceError, ServiceResult, capabilities, datasets, models, organizations, predictions, revisions,
    risk_assessments, thresholds,
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
    Prediction(Prediction),
    ComputeThreshold(ComputeThreshold),
    Revision(Revision),
}

/// What a global ID names: an entity of the catalog (or a private record), or a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Entity(EntityType),
    Revision,
}

impl From<EntityType> for IdKind {
    fn from(kind: EntityType) -> Self {
        IdKind::Entity(kind)
    }
}

impl IdKind {
    /// The GraphQL type name an ID carries: the one place that names each kind's type.
    pub fn type_name(self) -> &'static str {
        match self {
            IdKind::Entity(EntityType::Model) => "Model",
            IdKind::Entity(EntityType::Organization) => "Organization",
            IdKind::Entity(EntityType::Capability) => "Capability",
            IdKind::Entity(EntityType::Dataset) => "Dataset",
            IdKind::Entity(EntityType::RiskAssessment) => "RiskAssessment",
            IdKind::Entity(EntityType::ComputeThreshold) => "ComputeThreshold",
            IdKind::Entity(EntityType::Editor) => "Editor",
            IdKind::Entity(EntityType::Feedback) => "Feedback",
            IdKind::Entity(EntityType::ImportCandidate) => "ImportCandidate",
            IdKind::Entity(EntityType::Prediction) => "Prediction",
            IdKind::Revision => "Revision",
        }
    }

    fn named(type_name: &str) -> Option<Self> {
        EntityType::ALL
            .iter()
            .copied()
            .map(IdKind::Entity)
            .chain([IdKind::Revision])
            .find(|k| k.type_name() == type_name)
    }
}

pub fn global_id(kind: impl Into<IdKind>, id: i32) -> ID {
    ID(STANDARD.encode(format!("{}:{id}", kind.into().type_name())))
}

/// The kind and row id inside a global ID; `None` for anything that is not shaped like one of
/// ours, and a kind of `None` for a well-formed ID of a type we do not have.
/// Only the canonical decimal form we hand out decodes (`Model:01` or `Model:+1` are not
/// `Model:1`): one object has one ID, so IDs can be compared, cached and logged as strings.
pub fn parse_global_id(id: &str) -> Option<(Option<IdKind>, i32)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, row) = text.split_once(':')?;
    let id: i32 = row.parse().ok()?;
    (id.to_string() == row).then(|| (IdKind::named(type_name), id))
}

/// The row id inside a global ID that must name a `kind`; BAD_USER_INPUT naming `field`
/// otherwise.
pub fn row_id(field: &str, id: &ID, kind: impl Into<IdKind>) -> ServiceResult<i32> {
    let kind = kind.into();
    match parse_global_id(id) {
        Some((Some(k), row)) if k == kind => Ok(row),
        _ => Err(ServiceError::bad_input(field, format!("is not the ID of a {}", kind.type_name()))),
    }
}

/// Row ids of a list of global IDs, each checked like `row_id`.
pub fn row_ids(field: &str, ids: &[ID], kind: impl Into<IdKind>) -> ServiceResult<Vec<i32>> {
    let kind = kind.into();
    ids.iter().enumerate().map(|(i, id)| row_id(&format!("{field}[{i}]"), id, kind)).collect()
}

/// The object of kind `kind` with row id `id`, if `audience` may see it (private records are
/// not nodes).
pub async fn load_node(
    db: &DatabaseConnection,
    audience: Audience,
    kind: IdKind,
    id: i32,
) -> async_graphql::Result<Option<Node>> {
    let IdKind::Entity(entity) = kind else {
        return Ok(revisions::by_id(db, audience, id).await.gql()?.map(|r| Node::Revision(Revision(r))));
    };
    Ok(match entity {
        EntityType::Model => models::by_id(db, audience, id).await.gql()?.map(|r| Node::Model(r.into())),
        EntityType::Organization => organizations::by_id(db, id).await.gql()?.map(|r| Node::Organization(r.into())),
        EntityType::Capability => capabilities::by_id(db, id).await.gql()?.map(|r| Node::Capability(r.into())),
        EntityType::Dataset => datasets::by_id(db, id).await.gql()?.map(|r| Node::Dataset(r.into())),
        EntityType::RiskAssessment => {
            risk_assessments::by_id(db, audience, id).await.gql()?.map(|r| Node::RiskAssessment(r.into()))
        }
        EntityType::ComputeThreshold => {
            thresholds::by_id(db, id).await.gql()?.map(|r| Node::ComputeThreshold(r.into()))
        }
        EntityType::Prediction => predictions::by_id(db, audience, id).await.gql()?.map(|r| Node::Prediction(r.into())),
        EntityType::Editor | EntityType::Feedback | EntityType::ImportCandidate => None,
    })
}

/// The catalog entry a global ID names (a model, an organization, ...); BAD_USER_INPUT naming
/// `field` for anything else.
pub fn catalog_entry(field: &str, id: &ID) -> ServiceResult<(EntityType, i32)> {
    match parse_global_id(id) {
        Some((Some(IdKind::Entity(kind)), row)) if kind.is_catalog() => Ok((kind, row)),
        _ => Err(ServiceError::bad_input(field, "is not the ID of a catalog entry")),
    }
}
