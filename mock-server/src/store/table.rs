//! A table of one resource type in one tenant: rows in arrival order, found by id. Rows are
//! never removed, so a row number is a stable handle that indexes and page cursors can hold.

use std::collections::HashMap;

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
    by_id: HashMap<Box<str>, u32>,
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
        self.by_id.get(id).copied()
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
        self.by_id.insert(row.id.clone(), index);
        self.rows.push(row);
        Ok((index, None))
    }

    pub fn rows(&self) -> impl Iterator<Item = (u32, &Row)> {
        (0u32..).zip(self.rows.iter())
    }

    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        self.by_id.reserve(additional);
    }
}
