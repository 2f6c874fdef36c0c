//! The DSTU2 declaration: what fhir.cerner.com's DSTU2 pages (Appointment, Encounter, Patient,
//! Practitioner, Schedule, Slot) document for each type's search. There is no Location resource in
//! DSTU2. The parsers accept exactly these names and the Conformance statement lists them.

use crate::fhir::declared::ParamType::{Date, Number, Reference, String, Token};
use crate::fhir::declared::{Declaration, Include, ResourceDecl, SearchParam as P};
use crate::request::FhirVersion;
use crate::store::ResourceType;

const COUNT: P = P::new("_count", Number, "The maximum number of results to return in a page.");
const EXACT: &[&str] = &["exact"];

/// What the DSTU2 bases serve: resource types, search parameters and includes.
pub static DECLARATION: Declaration = Declaration {
    version: FhirVersion::Dstu2,
    resources: &[
        ResourceDecl {
            resource: ResourceType::Appointment,
            params: &[
                P::new(
                    "_id",
                    Token,
                    "A single or comma separated list of Appointment ids. Required if no other search parameter is given.",
                ),
                P::new(
                    "patient",
                    Reference,
                    "Patient ids (comma separated). One of patient, practitioner or location is required with date.",
                ),
                P::new(
                    "practitioner",
                    Reference,
                    "Practitioner ids (comma separated). One of patient, practitioner or location is required with date.",
                ),
                P::new(
                    "location",
                    Reference,
                    "Location ids (comma separated). One of patient, practitioner or location is required with date.",
                ),
                P::new(
                    "date",
                    Date,
                    "Appointment date: once without a prefix, or twice with one 'ge'/'gt' and one 'le'/'lt' prefix.",
                ),
                P::new("status", Token, "Appointment statuses, comma separated."),
                COUNT,
            ],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Encounter,
            params: &[
                P::new(
                    "_id",
                    Token,
                    "A single or comma separated list of Encounter ids. Required if patient is not given.",
                ),
                P::new("patient", Reference, "The patient present at the encounter. Required if _id is not given."),
                COUNT,
            ],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Patient,
            params: &[
                P::new("_id", Token, "A single or comma separated list of Patient ids."),
                P::new("identifier", Token, "A patient identifier."),
                P::new("name", String, "A portion of the family or given name.").with_modifiers(EXACT),
                P::new("family", String, "A portion of the family name.").with_modifiers(EXACT),
                P::new("given", String, "A portion of the given name.").with_modifiers(EXACT),
                P::new("birthdate", Date, "The patient's date of birth."),
                P::new("phone", Token, "A phone number."),
                P::new("email", Token, "An email address."),
                P::new("address-postalcode", String, "A postal code.").with_modifiers(EXACT),
                P::new("gender", Token, "Gender; only together with another parameter."),
                COUNT,
            ],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Practitioner,
            params: &[P::new("_id", Token, "A single or comma separated list of Practitioner ids.")],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Schedule,
            params: &[P::new("_id", Token, "A single or comma separated list of Schedule ids.")],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Slot,
            params: &[
                P::new("_id", Token, "A single or comma separated list of Slot ids."),
                P::new(
                    "slot-type",
                    Token,
                    "The type of appointments that can be booked into the slot. Required with start.",
                ),
                P::new("start", Date, "Slot start: once without a prefix, or a 'ge' and 'lt' pair."),
                P::new("schedule.actor", Reference, "The individual or location the schedule belongs to."),
                P::new("-location", Reference, "Location ids."),
                COUNT,
            ],
            includes: &[Include { value: "Slot:schedule", needs: ResourceType::Schedule }],
            rev_includes: &[],
        },
    ],
};
