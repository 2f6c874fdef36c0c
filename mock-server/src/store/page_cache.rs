//! The entries of recently answered search pages, as the bytes they were written as, so a page
//! asked again while its tenant's data stands still is copied to the socket instead of written
//! again. A sync client asks the same pages on every run (its windows' first pages above all), and
//! writing a page's entries was half of the work of answering a 50-entry search.
//!
//! An entry is keyed by tenant, the tenant data's generation (which every write access bumps: a
//! change to the data can never serve stale text) and what the caller says the text depends on
//! (for a page: the version, the base its `fullUrl`s start with, the type and the rows). The cache
//! belongs to one [`super::Store`], so a reset, which loads a new store, starts it empty. Small
//! texts are not kept (they are cheap to write); the cache holds at most [`MAX_ENTRIES`] texts and
//! [`MAX_BYTES`] in all, least recently used first out.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;

use crate::ids::TenantId;

/// Texts kept at most.
pub(super) const MAX_ENTRIES: usize = 64;
/// Bytes kept at most over all texts.
pub(super) const MAX_BYTES: usize = 16 << 20;
/// Texts shorter than this are not kept (about eight appointments).
pub(super) const MIN_BYTES: usize = 16 << 10;

#[derive(Debug, Default)]
pub(super) struct PageCache {
    /// Most recently used last.
    entries: Mutex<VecDeque<Entry>>,
}

#[derive(Debug)]
struct Entry {
    tenant: Box<str>,
    generation: u64,
    key: Box<[u8]>,
    text: Bytes,
}

impl Entry {
    fn is(&self, tenant: &TenantId, generation: u64, key: &[u8]) -> bool {
        self.generation == generation && *self.tenant == *tenant.as_str() && *self.key == *key
    }
}

impl PageCache {
    /// The text kept for `key` on this generation of the tenant's data, or `render`'s (kept when
    /// large enough).
    pub(super) fn get_or_render(
        &self,
        tenant: &TenantId,
        generation: u64,
        key: &[u8],
        render: impl FnOnce() -> String,
    ) -> Bytes {
        {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(at) = entries.iter().position(|e| e.is(tenant, generation, key)) {
                let entry = entries.remove(at).unwrap_or_else(|| unreachable!("position is in range"));
                let text = entry.text.clone();
                entries.push_back(entry);
                return text;
            }
        }
        let text = Bytes::from(render());
        if (MIN_BYTES..=MAX_BYTES).contains(&text.len()) {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            // Texts of an older generation of this tenant can never be asked for again; the same
            // text may have been written meanwhile by a request beside this one.
            entries.retain(|e| !(*e.tenant == *tenant.as_str() && (e.generation != generation || *e.key == *key)));
            let mut held: usize = entries.iter().map(|e| e.text.len()).sum();
            while !entries.is_empty() && (entries.len() >= MAX_ENTRIES || held + text.len() > MAX_BYTES) {
                held -= entries.pop_front().map_or(0, |e| e.text.len());
            }
            entries.push_back(Entry {
                tenant: tenant.as_str().into(),
                generation,
                key: key.into(),
                text: text.clone(),
            });
        }
        text
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str) -> TenantId {
        TenantId::parse(id).unwrap()
    }

    fn text(len: usize, fill: char) -> String {
        std::iter::repeat_n(fill, len).collect()
    }

    #[test]
    fn a_page_asked_again_is_written_once_and_a_new_generation_writes_it_again() {
        let cache = PageCache::default();
        let writes = std::cell::Cell::new(0);
        let page = |generation, key: &[u8], fill| {
            cache.get_or_render(&tenant("t"), generation, key, || {
                writes.set(writes.get() + 1);
                text(MIN_BYTES, fill)
            })
        };
        let first = page(1, b"r4 rows 1 2", 'a');
        assert_eq!(page(1, b"r4 rows 1 2", 'b'), first, "kept");
        assert_eq!(writes.get(), 1);
        assert_eq!(page(1, b"r4 rows 1 3", 'c')[0], b'c', "other rows are another page");
        assert_eq!(page(2, b"r4 rows 1 2", 'd')[0], b'd', "a new generation is written again");
        assert_eq!(writes.get(), 3);
        assert_eq!(cache.len(), 1, "the older generation is dropped");
        let other = cache.get_or_render(&tenant("u"), 2, b"r4 rows 1 2", || text(MIN_BYTES, 'e'));
        assert_eq!(other[0], b'e', "tenants never share pages");
    }

    #[test]
    fn small_texts_are_not_kept_and_the_size_is_bounded() {
        let cache = PageCache::default();
        cache.get_or_render(&tenant("t"), 0, b"small", || text(MIN_BYTES - 1, 'a'));
        assert_eq!(cache.len(), 0);
        for n in 0..MAX_ENTRIES + 5 {
            cache.get_or_render(&tenant("t"), 0, format!("page {n}").as_bytes(), || text(MIN_BYTES, 'a'));
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        let large = MAX_BYTES / 3 + 1;
        for n in 0..3 {
            cache.get_or_render(&tenant("t"), 0, format!("large {n}").as_bytes(), || text(large, 'a'));
        }
        let held: usize = cache.entries.lock().unwrap().iter().map(|e| e.text.len()).sum();
        assert!(held <= MAX_BYTES, "{held}");
        assert_eq!(cache.len(), 2, "the oldest went to make room");
    }
}
