//! The matches of recent searches, so that paging through a large result does not run the search
//! again for every page. A sync client asks the same search page after page (the page token
//! carries its parameters); without the cache each page would collect, merge and sort every match.
//!
//! An entry is keyed by tenant, FHIR version, resource type, the search's parameters as received and the tenant
//! data's generation, which every write access bumps: a change to the data can never serve stale
//! matches. Small results are not kept (they are cheaper to compute than to look up); the cache
//! holds at most [`MAX_ENTRIES`] results and [`MAX_KEYS`] keys in all, least recently used first out.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use super::{Key, ResourceType};
use crate::ids::TenantId;
use crate::request::FhirVersion;

/// Results kept at most.
pub(super) const MAX_ENTRIES: usize = 32;
/// Keys kept at most over all results (16 bytes each: 64 MiB).
pub(super) const MAX_KEYS: usize = 4 << 20;
/// Results smaller than this are not kept. A search of 180 matches (a location's three months)
/// took about 20,000 instructions, 7 % of its request, against a few hundred for finding it here;
/// a handful of matches costs about as little to compute as to look up.
pub(super) const MIN_KEYS: usize = 64;

#[derive(Debug, Default)]
pub(super) struct SearchCache {
    /// Most recently used last.
    entries: Mutex<VecDeque<Entry>>,
}

#[derive(Debug)]
struct Entry {
    tenant: Box<str>,
    version: FhirVersion,
    resource_type: ResourceType,
    generation: u64,
    params: Box<str>,
    matches: Arc<[Key]>,
}

/// The parameters as one string, in the order received (`name=value` joined by `&`, unescaped,
/// with separators that cannot occur in decoded form parameters).
pub(super) fn params_key(params: &[(String, String)]) -> String {
    let mut key = String::with_capacity(params.iter().map(|(k, v)| k.len() + v.len() + 2).sum());
    for (name, value) in params {
        key.push_str(name);
        key.push('\u{0}');
        key.push_str(value);
        key.push('\u{1}');
    }
    key
}

impl SearchCache {
    /// The cached matches of this search, or `compute`'s (kept when large enough).
    pub(super) fn get_or_compute<E>(
        &self,
        tenant: &TenantId,
        version: FhirVersion,
        resource_type: ResourceType,
        generation: u64,
        params: &str,
        compute: impl FnOnce() -> Result<Vec<Key>, E>,
    ) -> Result<Arc<[Key]>, E> {
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            let found = entries.iter().position(|e| {
                e.generation == generation
                    && e.version == version
                    && e.resource_type == resource_type
                    && *e.tenant == *tenant.as_str()
                    && &*e.params == params
            });
            if let Some(at) = found {
                let entry = entries.remove(at).unwrap_or_else(|| unreachable!("position is in range"));
                let matches = entry.matches.clone();
                entries.push_back(entry);
                return Ok(matches);
            }
        }
        let matches: Arc<[Key]> = compute()?.into();
        if matches.len() >= MIN_KEYS && matches.len() <= MAX_KEYS {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            // Results of an older generation of this tenant can never be asked for again.
            entries.retain(|e| !(*e.tenant == *tenant.as_str() && e.generation != generation));
            let mut held: usize = entries.iter().map(|e| e.matches.len()).sum();
            while !entries.is_empty() && (entries.len() >= MAX_ENTRIES || held + matches.len() > MAX_KEYS) {
                held -= entries.pop_front().map_or(0, |e| e.matches.len());
            }
            entries.push_back(Entry {
                tenant: tenant.as_str().into(),
                version,
                resource_type,
                generation,
                params: params.into(),
                matches: matches.clone(),
            });
        }
        Ok(matches)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(n: usize, seed: i64) -> Vec<Key> {
        (0..n).map(|i| (seed + i as i64, i as u32)).collect()
    }

    fn tenant(id: &str) -> TenantId {
        TenantId::parse(id).unwrap()
    }

    #[test]
    fn a_repeated_search_is_computed_once_and_a_new_generation_computes_again() {
        let cache = SearchCache::default();
        let runs = std::cell::Cell::new(0);
        let search = |generation, seed| {
            cache
                .get_or_compute::<()>(
                    &tenant("t"),
                    FhirVersion::Dstu2,
                    ResourceType::Appointment,
                    generation,
                    "location\u{0}1\u{1}",
                    || {
                        runs.set(runs.get() + 1);
                        Ok(keys(MIN_KEYS, seed))
                    },
                )
                .unwrap()
        };
        let first = search(1, 0);
        assert_eq!(search(1, 99), first, "served from the cache");
        let other_version = cache
            .get_or_compute::<()>(
                &tenant("t"),
                FhirVersion::R4,
                ResourceType::Appointment,
                1,
                "location\u{0}1\u{1}",
                || Ok(keys(MIN_KEYS, 3)),
            )
            .unwrap();
        assert_eq!(other_version[0].0, 3, "another version's search is its own");
        let changed = search(2, 7);
        assert_eq!(changed[0].0, 7, "a new generation is computed again");
        assert_eq!(runs.get(), 2);
        assert_eq!(cache.len(), 1, "the older generation is dropped");
    }

    #[test]
    fn small_results_and_errors_are_not_kept_and_the_size_is_bounded() {
        let cache = SearchCache::default();
        let small = cache
            .get_or_compute::<()>(&tenant("t"), FhirVersion::Dstu2, ResourceType::Slot, 0, "a", || Ok(keys(3, 0)))
            .unwrap();
        assert_eq!(small.len(), 3);
        assert_eq!(cache.len(), 0);
        assert!(
            cache
                .get_or_compute(&tenant("t"), FhirVersion::Dstu2, ResourceType::Slot, 0, "b", || Err("too many"))
                .is_err()
        );
        for n in 0..MAX_ENTRIES + 5 {
            let params = format!("q{n}");
            cache
                .get_or_compute::<()>(&tenant("t"), FhirVersion::Dstu2, ResourceType::Slot, 0, &params, || {
                    Ok(keys(MIN_KEYS, 0))
                })
                .unwrap();
        }
        assert_eq!(cache.len(), MAX_ENTRIES - 1 + 1);
        let other = cache
            .get_or_compute::<()>(&tenant("u"), FhirVersion::Dstu2, ResourceType::Slot, 0, "q0", || {
                Ok(keys(MIN_KEYS, 5))
            })
            .unwrap();
        assert_eq!(other[0].0, 5, "tenants never share results");
    }

    #[test]
    fn parameters_are_keyed_in_full() {
        let a = params_key(&[("location".into(), "1,2".into()), ("date".into(), "ge2026".into())]);
        let b = params_key(&[("location".into(), "1".into()), ("2date".into(), "ge2026".into())]);
        assert_ne!(a, b);
    }
}
