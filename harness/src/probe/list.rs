//! The fixed probe lists, one per FHIR version. They are the emulator's
//! ([`cerner_mock::replay::probes`]), since the emulator replays a recording made before recordings
//! kept their request by probe name; here they are asked by the harness's version type.

pub use cerner_mock::replay::probes::{Base, Probe};

use crate::version::FhirVersion;

/// The probes of `version`.
pub fn probes(version: FhirVersion) -> Vec<Probe> {
    cerner_mock::replay::probes::probes(mock_version(version))
}

/// The emulator's name for a harness version.
pub fn mock_version(version: FhirVersion) -> cerner_mock::request::FhirVersion {
    match version {
        FhirVersion::Dstu2 => cerner_mock::request::FhirVersion::Dstu2,
        FhirVersion::R4 => cerner_mock::request::FhirVersion::R4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_version_asks_its_own_list() {
        assert!(probes(FhirVersion::R4).iter().any(|p| p.name == "metadata-open"));
        assert!(!probes(FhirVersion::Dstu2).iter().any(|p| p.name == "metadata-open"));
    }
}
