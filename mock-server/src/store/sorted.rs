//! A sorted list of `(sort key, row)` pairs: the building block of every index. Compact (16 bytes
//! an entry), range-searchable by binary search, and cheap to keep sorted under the rare changes.

/// `(sort key, row number)`; the sort key is an instant in Unix milliseconds, or 0 where a type
/// has no natural order (then arrival order decides).
pub type Key = (i64, u32);

#[derive(Debug, Clone)]
pub(super) struct SortedKeys {
    keys: Vec<Key>,
    sorted: bool,
}

impl SortedKeys {
    /// Appends without sorting; call [`SortedKeys::finish`] after a bulk load.
    pub(super) fn push(&mut self, key: Key) {
        if self.keys.last().is_some_and(|last| *last > key) {
            self.sorted = false;
        }
        self.keys.push(key);
    }

    pub(super) fn finish(&mut self) {
        if !self.sorted {
            self.keys.sort_unstable();
            self.keys.dedup();
            self.sorted = true;
        }
    }

    pub(super) fn insert(&mut self, key: Key) {
        self.finish();
        if let Err(at) = self.keys.binary_search(&key) {
            self.keys.insert(at, key);
        }
    }

    pub(super) fn remove(&mut self, key: Key) {
        self.finish();
        if let Ok(at) = self.keys.binary_search(&key) {
            self.keys.remove(at);
        }
    }

    /// Keys whose sort key lies in `[from, to)`, in order.
    pub(super) fn range(&self, from: i64, to: i64) -> &[Key] {
        let start = self.keys.partition_point(|k| k.0 < from);
        let end = self.keys.partition_point(|k| k.0 < to);
        &self.keys[start..end.max(start)]
    }

    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl Default for SortedKeys {
    fn default() -> Self {
        Self { keys: Vec::new(), sorted: true }
    }
}
