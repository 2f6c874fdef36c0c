//! A search answer's Bundle read in one pass: its `resourceType` and `link` kept, its `entry`
//! array read one entry at a time, each handed to the caller as it is read, and at most a given
//! number of them. Memory follows the entries kept, not the entries sent, so a page of millions of
//! tiny entries (within the body cap) is refused after the limit instead of being held as a list
//! first; and the entries are not scanned once to find the array's end and again to read them.
//!
//! Only a body that is not JSON (or a Bundle object with a duplicate key) stops the reading. What
//! is wrong with the entries (an array that is not one, an entry that is not an object, too many,
//! an entry the caller refuses) is kept as the answer's [`Head::entries`] while the rest of the
//! body is read through, so the caller can report first what is more basic (not a Bundle).

use std::fmt;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::lenient::{MaybeObject, lenient};
use super::{Entry, PageError};

/// What the pass found besides the entries it handed over.
pub(super) struct Head<'a> {
    /// `resourceType` when it is a string.
    pub resource_type: Option<String>,
    /// The `link` value as sent, read by the caller.
    pub link: Option<&'a RawValue>,
    /// `Err` when the entries could not all be read or the caller refused one.
    pub entries: Result<(), PageError>,
}

/// Reads `body`, calling `each` with every entry in order; more than `max` entries is an error
/// naming `max_page_entries`. `Err` only when the body is not a JSON value of a Bundle's shape.
pub(super) fn read_bundle<'a>(
    body: &'a [u8],
    max: usize,
    each: &mut dyn FnMut(Entry<'a>) -> Result<(), PageError>,
) -> Result<Head<'a>, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let head = deserializer.deserialize_any(Bundle { max, each })?;
    deserializer.end()?;
    Ok(head)
}

struct Bundle<'e, 'a> {
    max: usize,
    each: &'e mut dyn FnMut(Entry<'a>) -> Result<(), PageError>,
}

/// The Bundle's keys the client reads; every other key is skipped.
enum Key {
    ResourceType,
    Link,
    Entry,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "resourceType" => Key::ResourceType,
                    "link" => Key::Link,
                    "entry" => Key::Entry,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_identifier(Name)
    }
}

/// A string `resourceType`, or `None` for any other JSON value.
#[derive(Deserialize)]
struct ResourceType(#[serde(deserialize_with = "lenient")] Option<String>);

impl<'a> Visitor<'a> for Bundle<'_, 'a> {
    type Value = Head<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Bundle")
    }

    /// Not an object: read through, it is not a Bundle.
    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<Head<'a>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Head { resource_type: None, link: None, entries: Ok(()) })
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<Head<'a>, A::Error> {
        let (mut resource_type, mut link, mut entries) = (None, None, None);
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::ResourceType if resource_type.is_some() => {
                    return Err(serde::de::Error::duplicate_field("resourceType"));
                }
                Key::ResourceType => resource_type = Some(map.next_value::<ResourceType>()?.0),
                Key::Link if link.is_some() => return Err(serde::de::Error::duplicate_field("link")),
                Key::Link => link = Some(map.next_value::<Option<&'a RawValue>>()?),
                Key::Entry if entries.is_some() => return Err(serde::de::Error::duplicate_field("entry")),
                Key::Entry => entries = Some(map.next_value_seed(Entries { max: self.max, each: &mut *self.each })?),
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Head { resource_type: resource_type.flatten(), link: link.flatten(), entries: entries.unwrap_or(Ok(())) })
    }
}

/// The `entry` value: an array of entries, or `null` for none.
struct Entries<'e, 'a> {
    max: usize,
    each: &'e mut dyn FnMut(Entry<'a>) -> Result<(), PageError>,
}

/// Why `entry` is not an array of entries.
fn unreadable(what: &str) -> Result<(), PageError> {
    Err(PageError(format!("the Bundle's entry cannot be read: {what}, not an array of entries")))
}

impl<'a> DeserializeSeed<'a> for Entries<'_, 'a> {
    type Value = Result<(), PageError>;

    fn deserialize<D: Deserializer<'a>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'a> Visitor<'a> for Entries<'_, 'a> {
    type Value = Result<(), PageError>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of entries")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Ok(()))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(unreadable("a boolean"))
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(unreadable("a number"))
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(unreadable("a number"))
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(unreadable("a number"))
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(unreadable("a string"))
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(unreadable("an object"))
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut count = 0usize;
        let mut outcome = Ok(());
        while outcome.is_ok() {
            let Some(MaybeObject(entry)) = seq.next_element::<MaybeObject<Entry<'a>>>()? else { return Ok(outcome) };
            count += 1;
            outcome = match entry {
                _ if count > self.max => Err(PageError(format!(
                    "the page holds more than max_page_entries ({}) entries; memory follows entries, so it is refused",
                    self.max
                ))),
                Some(entry) => (self.each)(entry),
                None => Err(PageError("the Bundle's entry cannot be read: an entry that is not an object".to_owned())),
            };
        }
        // The rest is read through (not kept): the body must still be JSON to the end.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(outcome)
    }
}
