//! Relay global object identification: `ID`s are base64 of `Type:id`.

use async_graphql::{ID, Interface};
use base64::{Engine, engine::general_purpose::STANDARD};

use super::types::{Capability, Dataset, Model, Organization, RiskAssessment};

/// An object with a globally unique ID, fetchable with `node(id:)`.
// Built once per lookup and moved straight into the response: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The globally unique ID of this object."))]
pub enum Node {
    Model(Model),
    Organization(Organization),
    Capability(Capability),
    Dataset(Dataset),
    RiskAssessment(RiskAssessment),
}

pub fn global_id(type_name: &str, id: i32) -> ID {
    ID(STANDARD.encode(format!("{type_name}:{id}")))
}

/// The type name and row id inside a global ID; `None` for anything that is not one of ours.
pub fn parse_global_id(id: &str) -> Option<(String, i32)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (type_name, row) = text.split_once(':')?;
    Some((type_name.to_owned(), row.parse().ok()?))
}
