//! Raw query pairs → [`Search`], per resource type.

use super::{ParamError, Search};
use crate::store::ResourceType;

/// Parses the decoded query pairs (in request order) of a search on `resource`.
pub fn parse_search(resource: ResourceType, pairs: &[(String, String)]) -> Result<Search, ParamError> {
    let _ = (resource, pairs);
    Err(ParamError::NoSupportedParameters)
}
