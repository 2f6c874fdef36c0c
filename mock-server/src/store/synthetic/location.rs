//! The tenant's locations as R4 Location resources (DSTU2 has none): the ids and names the
//! appointments refer to, with a seeded type, physical type and address, so R4 Location reads
//! and searches answer for every location an appointment names.

use serde_json::json;

use super::SyntheticSpec;
use super::names::TOWNS;
use super::world::World;
use crate::rng::{Rng, Stream};

/// `(code, display)` of HL7 v3 ServiceDeliveryLocationRoleType, the `type` of each location.
const TYPES: [(&str, &str); 4] = [
    ("OF", "Outpatient facility"),
    ("PC", "primary care clinic"),
    ("RH", "Rehabilitation hospital"),
    ("HOSP", "Hospital"),
];

/// `(code, display)` of HL7 location-physical-type.
const PHYSICAL_TYPES: [(&str, &str); 3] = [("bu", "Building"), ("wi", "Wing"), ("lvl", "Level")];

const STREETS: [&str; 5] = ["Main St", "Oak Ave", "Walnut St", "Grand Blvd", "Broadway"];

/// `(id, compact R4 JSON)` of every location of `spec`, last updated at the start of its first day.
pub fn locations(spec: &SyntheticSpec) -> Vec<(String, String)> {
    let world = World::new(spec);
    let mut rng = Rng::new(spec.seed, Stream::Location);
    let updated = format!("{}T00:00:00.000Z", spec.first_day);
    world
        .locations
        .iter()
        .map(|place| {
            let id = place.reference.trim_start_matches("Location/").to_owned();
            let (code, display) = TYPES[rng.index(TYPES.len())];
            let (physical, physical_display) = PHYSICAL_TYPES[rng.index(PHYSICAL_TYPES.len())];
            let town = TOWNS[rng.index(TOWNS.len())];
            let line = format!("{} {}", 100 + rng.below(9900), STREETS[rng.index(STREETS.len())]);
            let postal = format!("{}{:02}", town.zip3, rng.below(100));
            let body = json!({
                "resourceType": "Location",
                "id": id,
                "meta": { "versionId": "0", "lastUpdated": updated },
                "status": "active",
                "name": place.display,
                "mode": "instance",
                "address": {
                    "use": "work",
                    "text": format!("{line}\n{}, {} {postal}\nUS", town.city, town.state),
                    "line": [line],
                    "city": town.city,
                    "district": town.district,
                    "state": town.state,
                    "postalCode": postal,
                    "country": "US",
                },
                "type": [{
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                        "code": code,
                        "display": display,
                        "userSelected": false,
                    }],
                    "text": display,
                }],
                "physicalType": {
                    "coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                        "code": physical,
                        "display": physical_display,
                    }],
                    "text": physical_display,
                },
            });
            (id, body.to_string())
        })
        .collect()
}
