//! sea-orm entities, one file per table (see `migration/` for the schema itself).

pub mod capability;
pub mod compute_threshold;
pub mod dataset;
pub mod editor;
pub mod feedback;
pub mod former_slug;
pub mod import_candidate;
pub mod import_dismissal;
pub mod import_entry;
pub mod model;
pub mod model_alias;
pub mod model_capability;
pub mod model_dataset;
pub mod model_modality;
pub mod model_organization;
pub mod model_source;
pub mod organization;
pub mod prediction;
pub mod revision;
pub mod risk_assessment;
pub mod sync_source;
