//! A Bundle's `entry` array read one entry at a time, each handed to the caller as it is read,
//! and at most a given number of them: memory follows the entries kept, not the entries sent, so
//! a page of millions of tiny entries (within the body cap) is refused after the limit instead of
//! being held as a list first.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, SeqAccess, Visitor};

use super::{Entry, PageError};

/// Calls `each` with every entry of `raw` (a JSON array, or `null` for none), in order; more
/// than `max` entries is an error naming `max_page_entries`.
pub(super) fn each_entry<'a>(
    raw: &'a str,
    max: usize,
    each: &mut dyn FnMut(Entry<'a>) -> Result<(), PageError>,
) -> Result<(), PageError> {
    let mut stop = None;
    let visitor = Entries { max, each, stop: &mut stop };
    let mut deserializer = serde_json::Deserializer::from_str(raw);
    let read = deserializer.deserialize_any(visitor);
    match (stop, read) {
        (Some(error), _) => Err(error),
        (None, Ok(())) => Ok(()),
        (None, Err(e)) => Err(PageError(format!("the Bundle's entry cannot be read: {e}"))),
    }
}

struct Entries<'e, 'a> {
    max: usize,
    each: &'e mut dyn FnMut(Entry<'a>) -> Result<(), PageError>,
    /// Why the caller stopped the reading, when it did.
    stop: &'e mut Option<PageError>,
}

impl<'a> Visitor<'a> for Entries<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of entries")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut count = 0usize;
        while let Some(entry) = seq.next_element_seed(OneEntry)? {
            count += 1;
            if count > self.max {
                let max = self.max;
                *self.stop = Some(PageError(format!(
                    "the page holds more than max_page_entries ({max}) entries; memory follows entries, so it is refused"
                )));
                return Err(serde::de::Error::custom("too many entries"));
            }
            if let Err(error) = (self.each)(entry) {
                *self.stop = Some(error);
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

struct OneEntry;

impl<'a> DeserializeSeed<'a> for OneEntry {
    type Value = Entry<'a>;
    fn deserialize<D: Deserializer<'a>>(self, deserializer: D) -> Result<Entry<'a>, D::Error> {
        serde::Deserialize::deserialize(deserializer)
    }
}
