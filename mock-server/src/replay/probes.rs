//! The fixed probe lists `cerner-harness record` asks, one per FHIR version: the documented reads
//! and searches a sync client touches (with the ids fhir.cerner.com's examples use, so documented
//! payloads line up), discovery, and the error answers a client must handle. A fixed list keeps a
//! recording from a rate-limited sandbox small and repeatable. They live here, beside the replay,
//! because a recording made before recordings kept their request is replayed by probe name: this
//! list says which request each name answered.

use serde::{Deserialize, Serialize};

use crate::request::FhirVersion;

/// Which of a tenant's bases a probe is asked on (in a recording: `secured` or `open`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Base {
    /// The secured base (`/dstu2/{tenant}/`, `/r4/{tenant}/`).
    Secured,
    /// The open base (`/open/r4/{tenant}/`; fhir-open.cerner.com on Cerner's hosts), asked only when
    /// one is given.
    Open,
}

/// One request of a probe list, relative to a FHIR base (`{base}{path}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Stable name: the file name of a recording and the key documented payloads map to.
    pub name: &'static str,
    /// Path and query under the FHIR base, without a leading `/`.
    pub path: &'static str,
    /// Whether the request needs a bearer token (everything but discovery).
    pub secured: bool,
    /// Which of the tenant's bases it is asked on.
    pub base: Base,
    /// The `Accept` the documentation's request sends.
    pub accept: &'static str,
}

/// The probes of `version`.
pub fn probes(version: FhirVersion) -> Vec<Probe> {
    match version {
        FhirVersion::Dstu2 => dstu2(),
        FhirVersion::R4 => r4(),
    }
}

const DSTU2_JSON: &str = "application/json+fhir";
const R4_JSON: &str = "application/fhir+json";

const fn probe(name: &'static str, path: &'static str, secured: bool, accept: &'static str) -> Probe {
    Probe { name, path, secured, base: Base::Secured, accept }
}

fn dstu2() -> Vec<Probe> {
    let p = |name, path, secured| probe(name, path, secured, DSTU2_JSON);
    vec![
        p("metadata", "metadata", false),
        p("appointment-read", "Appointment/4817508", true),
        p("appointment-search", "Appointment?patient=12724066&date=2020", true),
        p("patient-read", "Patient/12724067", true),
        p("patient-search", "Patient?_id=12724067", true),
        p("practitioner-read", "Practitioner/4122622", true),
        p("practitioner-search", "Practitioner?_id=4122622", true),
        p("schedule-read", "Schedule/24477854-21304876-62852027-0", true),
        p("schedule-search", "Schedule?_id=24477854-21304876-62852027-0%2C24477854-21304876-62852027-15", true),
        p("slot-read", "Slot/24477854-21304876-62852027-0", true),
        p("slot-search", DSTU2_SLOT_SEARCH, true),
        p("encounter-read", "Encounter/97953477", true),
        p("encounter-search", "Encounter?patient=12724066", true),
        p("search-no-parameters", "Appointment", true),
        p("unknown-id", "Appointment/1", true),
    ]
}

/// The documented Slot search (fhir.cerner.com DSTU2 Slot), minus its `_count`.
const DSTU2_SLOT_SEARCH: &str = "Slot?slot-type=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F14249%7C24477854&schedule.actor=Practitioner%2F593923&start=2020";

/// The R4 probes, named as fhir.cerner.com's R4 examples are (`r4-<probe>.json`). Where an R4
/// example's request names a resource the sandbox does not hold, or finds nothing (the docs
/// contradict themselves there), the probe asks what the example's own body shows: the DSTU2
/// examples' Appointment `4817508` and Encounter `97953477`, the Patient search's self link
/// (`_id=12724067`), and the physical type the documented Location carries.
fn r4() -> Vec<Probe> {
    let p = |name, path| probe(name, path, true, R4_JSON);
    vec![
        probe("metadata", "metadata", false, R4_JSON),
        Probe { base: Base::Open, ..probe("metadata-open", "metadata", false, R4_JSON) },
        probe("smart-configuration", ".well-known/smart-configuration", false, "application/json"),
        p("appointment-read", "Appointment/4817508"),
        p("appointment-search", "Appointment?patient=12724066&date=ge2020-01-01T22%3A22%3A16.270Z"),
        p("location-read", "Location/21250409"),
        p("location-search", "Location?_id=21250409"),
        p("location-search-physical-type", R4_LOCATION_PHYSICAL_TYPE),
        p("patient-read", "Patient/12724067"),
        p("patient-search", "Patient?_id=12724067"),
        p("practitioner-read", "Practitioner/4122622"),
        p("practitioner-search", "Practitioner?identifier=http%3A%2F%2Fhl7.org%2Ffhir%2Fsid%2Fus-npi%7C1111111111"),
        p("encounter-read", "Encounter/97953477"),
        p("encounter-search", "Encounter?patient=12724066"),
        p("slot-read", "Slot/4047611-32216049-61518614-0"),
        p("slot-search", R4_SLOT_SEARCH),
        p("slot-search-include-schedule", R4_SLOT_SEARCH_INCLUDE_SCHEDULE),
        p("slot-search-include-practitioner", R4_SLOT_SEARCH_INCLUDE_PRACTITIONER),
        p("schedule-read", "Schedule/24477854-21304876-62852027-0"),
        p("schedule-search", "Schedule?_id=24477854-21304876-62852027-0"),
        p("search-no-parameters", "Appointment"),
        p("unknown-id", "Appointment/1"),
    ]
}

const R4_LOCATION_PHYSICAL_TYPE: &str =
    "Location?-physicalType=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F222%7C783";
/// The documented R4 Slot searches (fhir.cerner.com R4 Slot), the `_include` ones spelt as the
/// parameter table spells them (`Schedule:actor:Practitioner`; the request lines have typos).
const R4_SLOT_SEARCH: &str = "Slot?service-type=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F14249%7C4047611&start=ge2016-01-23T22%3A05%3A47Z&start=lt2020-06-08T18%3A13%3A55Z&-location=Location%2F32216049";
const R4_SLOT_SEARCH_INCLUDE_SCHEDULE: &str = "Slot?service-type=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F14249%7C4047611&start=ge2016-01-23T22%3A05%3A47Z&start=lt2020-06-08T18%3A13%3A55Z&_include=Slot%3Aschedule&_count=5";
const R4_SLOT_SEARCH_INCLUDE_PRACTITIONER: &str = "Slot?service-type=https%3A%2F%2Ffhir.cerner.com%2Fec2458f2-1e24-41c8-b71b-0e701af7583d%2FcodeSet%2F14249%7C4047611&start=ge2016-01-23T22%3A05%3A47Z&start=lt2020-06-08T18%3A13%3A55Z&_include=Schedule%3Aactor%3APractitioner&_count=5";

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn probe_names_are_unique_and_paths_are_relative_on_every_version() {
        for version in FhirVersion::ALL {
            let probes = probes(version);
            let names: BTreeSet<_> = probes.iter().map(|p| p.name).collect();
            assert_eq!(names.len(), probes.len(), "{version:?}");
            assert!(probes.iter().all(|p| !p.path.starts_with('/')), "{version:?}");
            assert!(probes.iter().filter(|p| !p.secured).all(|p| !p.path.contains('?')), "discovery only is open");
        }
    }

    #[test]
    fn r4_asks_discovery_on_both_bases_and_location_which_dstu2_has_not() {
        let r4 = probes(FhirVersion::R4);
        let open: Vec<_> = r4.iter().filter(|p| p.base == Base::Open).map(|p| p.name).collect();
        assert_eq!(open, ["metadata-open"]);
        assert!(r4.iter().any(|p| p.path.starts_with("Location/")));
        assert!(!probes(FhirVersion::Dstu2).iter().any(|p| p.path.starts_with("Location") || p.base == Base::Open));
    }
}
