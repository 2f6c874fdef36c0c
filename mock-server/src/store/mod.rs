//! Per-tenant resource store.

mod resource_type;

pub use resource_type::{ResourceType, UnknownType};
