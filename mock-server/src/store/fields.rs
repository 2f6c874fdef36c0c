//! The few fields of each resource that searches look at, read once when a resource is stored.
//! Each `*Doc` deserializes only those fields (serde skips the rest quickly), so loading a million
//! appointments parses each one once and builds no JSON tree.

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// Parses a FHIR instant/dateTime to Unix milliseconds. A bare date counts from its midnight UTC.
pub fn instant_ms(text: &str) -> Option<i64> {
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = Date::parse(text, &format).ok()?;
    Some(date.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp() * 1000)
}

/// A FHIR instant with milliseconds, as Cerner writes them: `2020-10-06T14:00:00.000Z`.
pub fn format_instant_ms(ms: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&format).ok()
}

/// The id a reference like `Patient/123` points to, when it is of `resource_type`.
pub(super) fn reference_id<'a>(reference: &'a str, resource_type: &str) -> Option<&'a str> {
    let (kind, id) = reference.rsplit_once('/')?;
    let kind = kind.rsplit('/').next().unwrap_or(kind);
    (kind == resource_type && !id.is_empty()).then_some(id)
}

#[derive(Deserialize, Default)]
pub(super) struct Reference {
    pub reference: Option<String>,
    pub display: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct Meta {
    #[serde(rename = "versionId")]
    pub version_id: Option<String>,
    #[serde(rename = "lastUpdated")]
    pub last_updated: Option<String>,
}

/// Every field any search looks at, for every served type, so each resource is parsed once.
/// Fields a type does not have stay empty. DSTU2 writes some as an object in one type and a list in
/// another (`name`, `type`), hence [`one_or_many`].
#[derive(Deserialize)]
pub(super) struct ResourceDoc {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    pub id: Option<String>,
    #[serde(default)]
    pub meta: Meta,
    pub status: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    #[serde(default)]
    pub participant: Vec<Participant>,
    #[serde(rename = "freeBusyType")]
    pub free_busy_type: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "one_or_many")]
    pub kind: Vec<CodeableConcept>,
    #[serde(default)]
    pub schedule: Reference,
    #[serde(default)]
    pub extension: Vec<Extension>,
    #[serde(default)]
    pub actor: Reference,
    #[serde(default)]
    pub patient: Reference,
    #[serde(default)]
    pub period: Period,
    /// An R4 Appointment's `requestedPeriod` (a proposed one's only period).
    #[serde(rename = "requestedPeriod", default)]
    pub requested_period: Vec<Period>,
    /// Encounter `account` references (DSTU2 and R4 alike).
    #[serde(default)]
    pub account: Vec<Reference>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub name: Vec<HumanName>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub telecom: Vec<ContactPoint>,
    #[serde(default)]
    pub address: Vec<Address>,
    pub gender: Option<String>,
    #[serde(rename = "birthDate")]
    pub birth_date: Option<String>,
}

/// The type, id and meta of a resource no search field is read from (Location, whose R4 shape
/// `ResourceDoc`'s DSTU2 fields do not fit).
#[derive(Deserialize)]
pub(super) struct IdDoc {
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    pub id: Option<String>,
    #[serde(default)]
    pub meta: Meta,
}

/// Accepts a single value or a list of them, without buffering either.
fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    use serde::de::{MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};

    struct OneOrMany<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object or a list of objects")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<T>, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map)).map(|one| vec![one])
        }
    }

    deserializer.deserialize_any(OneOrMany(std::marker::PhantomData))
}

#[derive(Deserialize)]
pub(super) struct Participant {
    #[serde(default)]
    pub actor: Reference,
}

/// Cerner's `scheduling-location` extension names a Slot's location.
pub(super) const SCHEDULING_LOCATION: &str =
    "https://fhir-ehr.cerner.com/dstu2/StructureDefinition/scheduling-location";

#[derive(Deserialize)]
pub(super) struct Extension {
    #[serde(default)]
    pub url: String,
    #[serde(rename = "valueReference", default)]
    pub value_reference: Reference,
}

#[derive(Deserialize, Default)]
pub(super) struct Period {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct HumanName {
    #[serde(default)]
    pub family: Vec<String>,
    #[serde(default)]
    pub given: Vec<String>,
    pub text: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct ContactPoint {
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct Address {
    #[serde(rename = "postalCode")]
    pub postal_code: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_dates_become_milliseconds() {
        assert_eq!(instant_ms("1970-01-01T00:00:01.500Z"), Some(1500));
        assert_eq!(instant_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(instant_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(instant_ms("soon"), None);
        assert_eq!(format_instant_ms(1_601_992_800_000).as_deref(), Some("2020-10-06T14:00:00.000Z"));
    }

    #[test]
    fn references_resolve_by_type() {
        assert_eq!(reference_id("Patient/12724066", "Patient"), Some("12724066"));
        assert_eq!(reference_id("https://x/dstu2/t/Patient/1", "Patient"), Some("1"));
        assert_eq!(reference_id("Location/1", "Patient"), None);
        assert_eq!(reference_id("Patient/", "Patient"), None);
    }
}
