//! The R4 declaration: what fhir.cerner.com's R4 pages (`content/millennium/r4/…`) document for
//! each type's search, in the order of Cerner's published CapabilityStatement. The parsers accept
//! exactly these names and the CapabilityStatement lists them; the parameters a page documents but
//! Cerner's statement leaves out are declared `unlisted`, with that page's line.

use crate::fhir::declared::ParamType::{Date, Number, Reference, String, Token};
use crate::fhir::declared::{Declaration, Include, ResourceDecl, RevInclude, SearchParam as P};
use crate::request::FhirVersion;
use crate::store::ResourceType;

const COUNT: P = P::new("_count", Number, "The maximum number of results to return in a page.");
const EXACT: &[&str] = &["exact"];

/// fhir.cerner.com Millennium R4 Encounter and Patient: "`_revinclude` … May be provided once with
/// the value of `Provenance:target`" and, on the closed endpoint, needs "`system/Provenance.read`";
/// Cerner's statement lists it as their `searchRevInclude`.
const PROVENANCE: &[RevInclude] = &[RevInclude { value: "Provenance:target", needs: "Provenance" }];

/// What the R4 bases serve: resource types, search parameters and includes.
pub static DECLARATION: Declaration = Declaration {
    version: FhirVersion::R4,
    resources: &[
        ResourceDecl {
            resource: ResourceType::Appointment,
            params: &[
                P::new(
                    "_id",
                    Token,
                    "A single or comma separated list of Appointment ids. Either '_id' or one of 'patient', 'practitioner' or 'location' must be set.",
                ),
                P::new("_count", Number, "The maximum number of results to return in a page. Not honored when '_id' is set."),
                P::new(
                    "date",
                    Date,
                    "Required with patient, practitioner or location unless '-date-or-req-period' is given: once with a prefix (ge, gt, le, lt, eq), once without one (that period), or twice as a lower and an upper bound.",
                ),
                P::new("-date-or-req-period", Date, "As 'date', also matching proposed appointments by their requestedPeriod."),
                P::new("patient", Reference, "Patient ids (comma separated). Not combinable with practitioner or location."),
                P::new(
                    "practitioner",
                    Reference,
                    "Practitioner ids (comma separated). Not combinable with patient or location.",
                ),
                P::new("location", Reference, "Location ids (comma separated). Not combinable with patient or practitioner."),
                P::new("status", Token, "Appointment statuses, comma separated."),
            ],
            includes: &[],
            rev_includes: &[],
        },
        ResourceDecl {
            resource: ResourceType::Encounter,
            params: &[
                P::new("_id", Token, "A single or comma separated list of Encounter ids."),
                P::new("_count", Number, "The maximum number of results to return in a page. Not honored when '_id' is set."),
                P::new("patient", Reference, "The patient present at the encounter."),
                P::new("subject", Reference, "The patient present at the encounter (Patient/id).")
                    .with_modifiers(&["Patient"]),
                P::new("status", Token, "Encounter statuses (planned, in-progress, finished, cancelled), comma separated; with patient or subject."),
                P::new("date", Date, "A date within the period of the encounter, prefixed by ge, gt, le or lt; with patient or subject."),
                P::new("identifier", Token, "An identifier of the encounter ([system|]value, comma separated)."),
                P::new("account", Reference, "The account associated with the encounter (Account/id).").unlisted(
                    "fhir.cerner.com Millennium R4 Encounter, Search parameters: `account` | Conditional | reference (\"The account associated with the Encounters\")",
                ),
                P::new("_lastUpdated", Date, "When the encounter last changed (at most twice: eq, ge, gt, le, lt).")
                    .unlisted(
                        "fhir.cerner.com Millennium R4 Encounter, Search parameters: `_lastUpdated` | No | dateTime (\"Datetime on which the Encounter was last updated\")",
                    ),
            ],
            includes: &[],
            rev_includes: PROVENANCE,
        },
        ResourceDecl {
            resource: ResourceType::Location,
            params: &[
                P::new("_id", Token, "A single or comma separated list of Location ids."),
                P::new("-physicalType", Token, "A location-physical-type code (system|code)."),
                P::new("identifier", Token, "A location identifier; with -physicalType or an address parameter narrows."),
                P::new("address", String, "Any part of the address."),
                P::new("address-city", String, "The city; needs address-state or address-postalcode."),
                P::new("address-state", String, "The state."),
                P::new("address-postalcode", String, "The postal code."),
                P::new("name", String, "The location's name; with -physicalType, identifier or an address parameter."),
                P::new("organization", Reference, "The organization that manages the location; with -physicalType, identifier or an address parameter."),
                P::new("type", Token, "The location's type code.").unlisted(
                    "fhir.cerner.com Millennium R4 Location, Search parameters: `type` | Conditionally | token",
                ),
                COUNT.unlisted(
                    "fhir.cerner.com Millennium R4 Location, Search parameters: `_count` | No | number | Default: `100`",
                ),
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
                P::new("given", String, "A portion of the given name.").with_modifiers(EXACT),
                P::new("family", String, "A portion of the family name.").with_modifiers(EXACT),
                P::new("address-postalcode", String, "A postal code."),
                P::new("birthdate", Date, "The patient's date of birth."),
                P::new("phone", Token, "A phone number."),
                P::new("email", Token, "An email address."),
                P::new("gender", Token, "Gender; only together with another parameter."),
                COUNT,
            ],
            includes: &[],
            rev_includes: PROVENANCE,
        },
        ResourceDecl {
            resource: ResourceType::Practitioner,
            params: &[
                P::new("_id", Token, "A single or comma separated list of Practitioner ids."),
                P::new("identifier", Token, "A practitioner identifier (system|code)."),
                P::new("given", String, "The start of a given name; only with family."),
                P::new("family", String, "The start of the family name."),
                P::new("name", String, "The start of any part of the name, at least 2 characters."),
                P::new("active", Token, "Whether the practitioner record is active."),
                P::new("_count", Number, "The maximum number of results to return in a page. Not honored when '_id' is set."),
            ],
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
                P::new("start", Date, "Twice: a 'ge' and an 'lt' value with times."),
                P::new(
                    "service-type",
                    Token,
                    "Service types, comma separated: all standard codes or all proprietary (https://fhir.cerner.com/{source}/codeSet/{set}) codes. Required with start.",
                ),
                P::new("schedule.actor", Reference, "The practitioners of the slot's schedule (Practitioner/id, comma separated)."),
                P::new("-location", Reference, "Location ids."),
                P::new("_count", Number, "The maximum number of results to return in a page (5-200)."),
            ],
            includes: &[
                Include { value: "Slot:schedule", needs: ResourceType::Schedule },
                Include { value: "Schedule:actor:Practitioner", needs: ResourceType::Practitioner },
            ],
            rev_includes: &[],
        },
    ],
};
