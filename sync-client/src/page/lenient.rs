//! Lenient readers: a field of an unexpected JSON type reads as absent, as FHIR readers should,
//! instead of failing the whole page.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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
pub(super) fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
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
pub(super) struct MaybeObject<T>(pub(super) Option<T>);

impl<T> Default for MaybeObject<T> {
    fn default() -> Self {
        Self(None)
    }
}

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
pub(super) fn lenient_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
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
