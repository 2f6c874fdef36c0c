//! A table of one resource type in one tenant: rows in arrival order, found by id. Rows are
//! never removed, so a row number is a stable handle that indexes and page cursors can hold.
//! The id index holds row numbers only (hashing the row's own id), so an id is stored once.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// One stored resource: its compact JSON (with `meta.versionId` and `meta.lastUpdated` inside)
/// and the version, kept apart for `ETag`.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: Box<str>,
    pub version: Box<str>,
    pub json: Box<str>,
}

#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
    by_id: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

/// A table cannot hold more than `u32::MAX` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many resources of one type in one tenant")]
pub struct TableFull;

impl Table {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn row(&self, index: u32) -> Option<&Row> {
        self.rows.get(index as usize)
    }

    pub fn find(&self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.by_id.find(hash, |&i| &*self.rows[i as usize].id == id).copied()
    }

    pub fn get(&self, id: &str) -> Option<&Row> {
        self.find(id).and_then(|i| self.row(i))
    }

    /// Inserts a new row or replaces the row with the same id; returns its row number and the
    /// row it replaced.
    pub fn upsert(&mut self, row: Row) -> Result<(u32, Option<Row>), TableFull> {
        if let Some(index) = self.find(&row.id) {
            let slot = &mut self.rows[index as usize];
            return Ok((index, Some(std::mem::replace(slot, row))));
        }
        let index = u32::try_from(self.rows.len()).map_err(|_| TableFull)?;
        let hash = self.hasher.hash_one(&*row.id);
        let (rows, hasher) = (&self.rows, &self.hasher);
        self.by_id.insert_unique(hash, index, |&i| hasher.hash_one(&*rows[i as usize].id));
        self.rows.push(row);
        Ok((index, None))
    }

    pub fn rows(&self) -> impl Iterator<Item = (u32, &Row)> {
        (0u32..).zip(self.rows.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, version: &str) -> Row {
        Row { id: id.into(), version: version.into(), json: "{}".into() }
    }

    #[test]
    fn rows_are_found_by_id_and_replaced_in_place() {
        let mut table = Table::default();
        for i in 0..1000 {
            let (index, old) = table.upsert(row(&i.to_string(), "0")).unwrap();
            assert_eq!((index, old.is_none()), (i, true));
        }
        let (index, old) = table.upsert(row("17", "1")).unwrap();
        assert_eq!((index, old.map(|r| r.version)), (17, Some("0".into())));
        assert_eq!(table.get("17").map(|r| &*r.version), Some("1"));
        assert_eq!(table.find("999"), Some(999));
        assert_eq!(table.find("1000"), None);
        assert_eq!(table.len(), 1000);
    }
}
