//! A search page as the client reads it: the Bundle's `link`s and, for each Appointment entry, the
//! few fields the store indexes plus the resource's text exactly as the server sent it. Each
//! resource is kept as a borrowed raw JSON slice: it is never parsed into a tree and written
//! back, which is most of the cost of a page.
//!
//! Fields are read leniently, as FHIR readers should: a field of an unexpected JSON type reads as
//! absent rather than failing the page. What does fail the page: a body that is not JSON, not a
//! Bundle, an Appointment without an id, or a `next` link to another origin.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use url::Url;

use crate::store::AppointmentRecord;

/// Implements the visitor methods for every JSON value a lenient reader skips: scalars give
/// `$none`, arrays and objects are read through and give `$none` too (nothing is buffered).
macro_rules! skip_others {
    ($none:expr, except: [$($kept:ident),*]) => {
        skip_others!(@scalars $none);
        skip_others!(@containers $none, [$($kept),*]);
    };
    (@scalars $none:expr) => {
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($none) }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($none) }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($none) }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($none) }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> { Ok($none) }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> { Ok($none) }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> { d.deserialize_any(self) }
    };
    (@containers $none:expr, []) => {
        skip_others!(@seq $none);
        skip_others!(@map $none);
        skip_others!(@str $none);
    };
    (@containers $none:expr, [str]) => {
        skip_others!(@seq $none);
        skip_others!(@map $none);
    };
    (@containers $none:expr, [map]) => {
        skip_others!(@seq $none);
        skip_others!(@str $none);
    };
    (@containers $none:expr, [seq]) => {
        skip_others!(@map $none);
        skip_others!(@str $none);
    };
    (@seq $none:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
    (@map $none:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
    (@str $none:expr) => {
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($none) }
    };
}

/// A string, or `None` for any other JSON value.
fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Lenient;
    impl<'de> Visitor<'de> for Lenient {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        skip_others!(None, except: [str]);
    }
    deserializer.deserialize_any(Lenient)
}

/// An object read as `T`, or `None` for any other JSON value.
struct MaybeObject<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
            type Value = MaybeObject<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| MaybeObject(Some(t)))
            }
            skip_others!(MaybeObject(None), except: [map]);
        }
        deserializer.deserialize_any(Object(PhantomData))
    }
}

/// A list of the objects of an array, read as `T`; empty for any other JSON value.
fn lenient_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct List<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for List<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(MaybeObject(item)) = seq.next_element::<MaybeObject<T>>()? {
                items.extend(item);
            }
            Ok(items)
        }
        skip_others!(Vec::new(), except: [seq]);
    }
    deserializer.deserialize_any(List(PhantomData))
}

#[derive(Deserialize)]
struct RawBundle<'a> {
    #[serde(rename = "resourceType", default, deserialize_with = "lenient")]
    resource_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    link: Vec<Link>,
    #[serde(default, borrow)]
    entry: Option<Vec<Entry<'a>>>,
}

#[derive(Deserialize)]
struct Link {
    #[serde(default, deserialize_with = "lenient")]
    relation: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    url: Option<String>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(default, borrow)]
    resource: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Fields {
    #[serde(rename = "resourceType", default, deserialize_with = "lenient")]
    resource_type: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    id: Option<String>,
    #[serde(default)]
    meta: Option<Meta>,
    #[serde(default, deserialize_with = "lenient")]
    start: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient_list")]
    participant: Vec<Participant>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(rename = "versionId", default, deserialize_with = "lenient")]
    version_id: Option<String>,
    #[serde(rename = "lastUpdated", default, deserialize_with = "lenient")]
    last_updated: Option<String>,
}

#[derive(Deserialize)]
struct Participant {
    #[serde(default)]
    actor: Option<Actor>,
}

#[derive(Deserialize)]
struct Actor {
    #[serde(default, deserialize_with = "lenient")]
    reference: Option<String>,
}

/// A parsed page: its Appointments as the store takes them, and its `next` link.
#[derive(Debug)]
pub struct Page {
    pub records: Vec<AppointmentRecord>,
    pub next: Option<Url>,
}

/// Why a page cannot be used. The text never quotes the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PageError(pub String);

impl Page {
    /// Reads a search answer's body. `base` is the tenant's FHIR base: a `next` link must stay on
    /// its origin, because the bearer token is sent there.
    pub fn parse(body: &[u8], base: &Url) -> Result<Self, PageError> {
        let bundle: RawBundle<'_> = serde_json::from_slice(body)
            .map_err(|e| PageError(format!("the answer is not a FHIR JSON Bundle: {e}")))?;
        if bundle.resource_type.as_deref() != Some("Bundle") {
            return Err(PageError("the answer is not a Bundle".to_owned()));
        }
        let next = next_link(&bundle.link, base)?;
        let mut records = Vec::new();
        for resource in bundle.entry.iter().flatten().filter_map(|e| e.resource) {
            if let Some(record) = record(resource)? {
                records.push(record);
            }
        }
        Ok(Self { records, next })
    }
}

/// The Appointment in `resource`, or `None` for another resource type (an `_include`, an
/// OperationOutcome).
fn record(resource: &RawValue) -> Result<Option<AppointmentRecord>, PageError> {
    let fields: Fields = match serde_json::from_str(resource.get()) {
        Ok(fields) => fields,
        // Not an object: not an Appointment either.
        Err(_) => return Ok(None),
    };
    if fields.resource_type.as_deref() != Some("Appointment") {
        return Ok(None);
    }
    let id = fields.id.filter(|id| !id.is_empty()).ok_or_else(|| PageError("an Appointment without an id".into()))?;
    let locations = fields
        .participant
        .into_iter()
        .filter_map(|p| p.actor?.reference?.strip_prefix("Location/").map(str::to_owned))
        .collect();
    let meta = fields.meta.unwrap_or_default();
    // The parser has checked the text: only whitespace between tokens can hold a line break.
    let raw = if resource.get().contains(['\n', '\r']) {
        let value: serde_json::Value = serde_json::from_str(resource.get())
            .map_err(|e| PageError(format!("appointment {id} is not valid JSON: {e}")))?;
        value.to_string()
    } else {
        resource.get().to_owned()
    };
    Ok(Some(AppointmentRecord {
        id,
        version_id: meta.version_id.unwrap_or_else(|| "0".to_owned()),
        last_updated: meta.last_updated,
        start: fields.start,
        status: fields.status.unwrap_or_default(),
        locations,
        raw,
    }))
}

/// The page's `next` link, which must stay on the FHIR base's origin: a token never goes elsewhere.
fn next_link(links: &[Link], base: &Url) -> Result<Option<Url>, PageError> {
    let Some(link) = links.iter().find(|l| l.relation.as_deref() == Some("next")) else { return Ok(None) };
    let text = link.url.as_deref().ok_or_else(|| PageError("the next link has no url".into()))?;
    let url = Url::parse(text).map_err(|e| PageError(format!("the next link is not a URL: {e}")))?;
    if url.origin() != base.origin() {
        let host = url.host_str().unwrap_or("?");
        return Err(PageError(format!(
            "refused a next link to another origin ({}://{host}); the token is not sent there",
            url.scheme()
        )));
    }
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    fn base() -> Url {
        Url::parse("https://fhir.example/dstu2/t1/").unwrap()
    }

    fn parse(value: &serde_json::Value) -> Result<Page, PageError> {
        Page::parse(value.to_string().as_bytes(), &base())
    }

    #[test]
    fn reads_the_fields_and_keeps_the_resource_text_as_sent() {
        let body = br#"{"resourceType":"Bundle","link":[{"relation":"self","url":"https://fhir.example/dstu2/t1/Appointment?x=1"},{"relation":"next","url":"https://fhir.example/dstu2/t1/Appointment?-pageContext=abc"}],
          "entry":[{"resource":{"resourceType":"Appointment","id":"4817","meta":{"versionId":"3","lastUpdated":"2026-01-05T08:00:00.000Z"},"status":"booked","start":"2026-01-06T09:00:00.000-05:00","participant":[{"actor":{"reference":"Patient/1"}},{"actor":{"reference":"Location/21304876"}},{"actor":{"display":"x"}}],"comment":"caf\u00e9 \"quoted\""}},
                   {"resource":{"resourceType":"Patient","id":"1"}}]}"#;
        let page = Page::parse(body, &base()).unwrap();
        assert_eq!(page.next.unwrap().as_str(), "https://fhir.example/dstu2/t1/Appointment?-pageContext=abc");
        assert_eq!(page.records.len(), 1, "only Appointments");
        let record = &page.records[0];
        assert_eq!((record.id.as_str(), record.version_id.as_str(), record.status.as_str()), ("4817", "3", "booked"));
        assert_eq!(record.start.as_deref(), Some("2026-01-06T09:00:00.000-05:00"));
        assert_eq!(record.last_updated.as_deref(), Some("2026-01-05T08:00:00.000Z"));
        assert_eq!(record.locations, ["21304876"]);
        assert!(record.raw.starts_with(r#"{"resourceType":"Appointment","id":"4817""#), "{}", record.raw);
        assert!(record.raw.contains(r#""comment":"caf\u00e9 \"quoted\"""#), "escapes kept as sent: {}", record.raw);
    }

    #[test]
    fn a_pretty_printed_resource_is_stored_on_one_line() {
        let body = b"{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\n  \"resourceType\": \"Appointment\",\n  \"id\": \"a\"\n}}]}";
        let page = Page::parse(body, &base()).unwrap();
        assert_eq!(page.records[0].raw, r#"{"resourceType":"Appointment","id":"a"}"#);
        assert_eq!(page.records[0].version_id, "0", "no meta: version 0");
        assert!(page.next.is_none());
    }

    #[test]
    fn fields_of_unexpected_types_read_as_absent() {
        let page = parse(&json!({"resourceType": "Bundle", "link": "nope", "entry": [
            {"resource": {"resourceType": "Appointment", "id": "a", "status": 7, "meta": {"versionId": 2},
                          "participant": [3, {"actor": {"reference": ["Location/1"]}}, {"actor": {"reference": "Location/9"}}]}},
            {"resource": "text"}, {"fullUrl": "x"}
        ]}))
        .unwrap();
        let record = &page.records[0];
        assert_eq!((record.status.as_str(), record.version_id.as_str()), ("", "0"));
        assert_eq!(record.locations, ["9"]);
    }

    #[test]
    fn what_fails_a_page() {
        let cases = [
            (json!({"resourceType": "OperationOutcome"}), "the answer is not a Bundle"),
            (json!([1, 2]), "the answer is not a Bundle"),
            (
                json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Appointment"}}]}),
                "an Appointment without an id",
            ),
            (
                json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Appointment", "id": ""}}]}),
                "an Appointment without an id",
            ),
            (json!({"resourceType": "Bundle", "link": [{"relation": "next"}]}), "the next link has no url"),
            (
                json!({"resourceType": "Bundle", "link": [{"relation": "next", "url": "/relative"}]}),
                "the next link is not a URL",
            ),
            (
                json!({"resourceType": "Bundle", "link": [{"relation": "next", "url": "https://evil.example/dstu2/t1/Appointment"}]}),
                "refused a next link to another origin (https://evil.example)",
            ),
            (
                json!({"resourceType": "Bundle", "link": [{"relation": "next", "url": "http://fhir.example/dstu2/t1/Appointment"}]}),
                "refused a next link to another origin (http://fhir.example)",
            ),
        ];
        for (body, message) in cases {
            let err = parse(&body).unwrap_err();
            assert!(err.0.starts_with(message), "{body}: {err}");
        }
        let cut = Page::parse(b"{\"resourceType\":\"Bundle\",", &base()).unwrap_err();
        assert!(cut.0.starts_with("the answer is not a FHIR JSON Bundle"), "a cut body: {cut}");
    }

    proptest! {
        #[test]
        fn any_bytes_parse_or_fail_cleanly(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = Page::parse(&body, &base());
        }

        #[test]
        fn the_stored_text_is_the_resource_as_sent(comment in "\\PC{0,30}", version in 0u32..1000) {
            let resource = json!({"resourceType": "Appointment", "id": "x", "meta": {"versionId": version.to_string()}, "comment": comment});
            let page = parse(&json!({"resourceType": "Bundle", "entry": [{"resource": resource}]})).unwrap();
            prop_assert_eq!(&page.records[0].raw, &resource.to_string());
            prop_assert_eq!(&page.records[0].version_id, &version.to_string());
        }
    }
}
