//! A table of one resource type in one tenant: rows in arrival order, found by id. A removed row
//! leaves an empty place behind and row numbers are never reused, so a row number is a stable
//! handle that indexes and page cursors can hold: a cursor on a removed row finds nothing there.
//! The id index holds row numbers only (hashing the row's own id), so an id is stored once.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::ops::Deref;
use std::sync::OnceLock;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::synthetic::StoredAppointment;

/// One stored resource: its body (whose JSON has `meta.versionId` and `meta.lastUpdated` inside)
/// and the version, kept apart for `ETag`.
#[derive(Debug, Clone)]
pub struct Row {
    /// The resource's id.
    pub id: Box<str>,
    /// Its `meta.versionId`, answered as the `ETag` `W/"…"`.
    pub version: Cow<'static, str>,
    /// Its content.
    pub body: Body,
}

/// A resource's content: compact JSON as received, or a synthetic appointment in its compact form
/// (written out as JSON when served).
#[derive(Debug, Clone)]
pub enum Body {
    /// A resource stored as received (fixtures, changes).
    Json(JsonText),
    /// A synthetic appointment, rendered per FHIR version when served.
    Appointment(StoredAppointment),
}

/// A stored resource's JSON as received (DSTU2's shape, or R4's for a Location), with its R4
/// rendering kept once made: a row never changes (a change stores a new row, a removal empties its
/// place), so an R4 read or
/// search renders a fixture resource once instead of parsing and rewriting it on every request.
#[derive(Debug, Clone)]
pub struct JsonText {
    text: Box<str>,
    r4: OnceLock<Option<Box<str>>>,
}

impl JsonText {
    /// The length of the R4 text when made, else of the text as received.
    fn r4_len_hint(&self) -> usize {
        self.r4.get().and_then(Option::as_deref).map_or(self.text.len(), str::len)
    }

    /// The R4 text, made by `render` the first time it is asked for; `None` when it cannot be
    /// rendered.
    pub fn r4_with(&self, render: impl FnOnce() -> Option<String>) -> Option<&str> {
        self.r4.get_or_init(|| render().map(String::into_boxed_str)).as_deref()
    }
}

impl Deref for JsonText {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl From<Box<str>> for JsonText {
    fn from(text: Box<str>) -> Self {
        JsonText { text, r4: OnceLock::new() }
    }
}

impl From<&str> for JsonText {
    fn from(text: &str) -> Self {
        JsonText::from(Box::<str>::from(text))
    }
}

/// Version texts that need no allocation of their own (most resources are at a small version).
const SMALL_VERSIONS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// A `meta.versionId`, borrowed from [`SMALL_VERSIONS`] when it is one of them.
pub(super) fn version_text(version: &str) -> Cow<'static, str> {
    match SMALL_VERSIONS.iter().find(|v| **v == version) {
        Some(small) => Cow::Borrowed(small),
        None => Cow::Owned(version.to_owned()),
    }
}

impl Row {
    /// Appends the resource's compact JSON to `out`.
    pub fn write_json(&self, out: &mut String) {
        match &self.body {
            Body::Json(json) => out.push_str(json),
            Body::Appointment(appointment) => appointment.write_json(out),
        }
    }

    /// The resource's compact JSON.
    pub fn json(&self) -> Cow<'_, str> {
        match &self.body {
            Body::Json(json) => Cow::Borrowed(&**json),
            Body::Appointment(appointment) => {
                let mut json = String::with_capacity(appointment.json_len_hint());
                appointment.write_json(&mut json);
                Cow::Owned(json)
            }
        }
    }

    /// About how long [`Row::json`] is, for sizing buffers.
    pub fn json_len_hint(&self) -> usize {
        match &self.body {
            Body::Json(json) => json.len(),
            Body::Appointment(appointment) => appointment.json_len_hint(),
        }
    }

    /// About how long the resource's R4 JSON is, for sizing buffers.
    pub fn json_len_hint_r4(&self) -> usize {
        match &self.body {
            Body::Json(json) => json.r4_len_hint(),
            Body::Appointment(appointment) => appointment.json_len_hint_r4(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Table {
    /// `None` where a row was removed (`Option<Row>` costs no more than `Row`).
    rows: Vec<Option<Row>>,
    /// Rows not removed.
    live: usize,
    /// Row numbers of the rows not removed.
    by_id: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

/// A table cannot hold more than `u32::MAX` rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many resources of one type in one tenant")]
pub struct TableFull;

/// The id of the row at `index` of `rows`, for the id index (which holds no removed row).
fn id_at(rows: &[Option<Row>], index: u32) -> &str {
    rows.get(index as usize).and_then(Option::as_ref).map_or("", |row| &row.id)
}

impl Table {
    /// The rows it holds (removed ones not counted).
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The row at `index`; `None` past the end or where a row was removed.
    pub fn row(&self, index: u32) -> Option<&Row> {
        self.rows.get(index as usize)?.as_ref()
    }

    pub fn find(&self, id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.by_id.find(hash, |&i| id_at(&self.rows, i) == id).copied()
    }

    pub fn get(&self, id: &str) -> Option<&Row> {
        self.find(id).and_then(|i| self.row(i))
    }

    /// Inserts a new row or replaces the row with the same id; returns its row number and the
    /// row it replaced.
    pub fn upsert(&mut self, row: Row) -> Result<(u32, Option<Row>), TableFull> {
        if let Some(index) = self.find(&row.id) {
            let slot = &mut self.rows[index as usize];
            return Ok((index, slot.replace(row)));
        }
        let index = u32::try_from(self.rows.len()).map_err(|_| TableFull)?;
        let hash = self.hasher.hash_one(&*row.id);
        let (rows, hasher) = (&self.rows, &self.hasher);
        self.by_id.insert_unique(hash, index, |&i| hasher.hash_one(id_at(rows, i)));
        self.rows.push(Some(row));
        self.live += 1;
        Ok((index, None))
    }

    /// Removes the row with this id; returns its row number and the row. Its place stays empty:
    /// the number is never given to another row.
    pub fn remove(&mut self, id: &str) -> Option<(u32, Row)> {
        let hash = self.hasher.hash_one(id);
        let rows = &self.rows;
        let (index, _) = self.by_id.find_entry(hash, |&i| id_at(rows, i) == id).ok()?.remove();
        let row = self.rows.get_mut(index as usize)?.take()?;
        self.live -= 1;
        Some((index, row))
    }

    /// Every row not removed, with its row number, in row order.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &Row)> {
        (0u32..).zip(self.rows.iter()).filter_map(|(index, row)| Some((index, row.as_ref()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, version: &str) -> Row {
        Row { id: id.into(), version: version_text(version), body: Body::Json("{}".into()) }
    }

    #[test]
    fn rows_are_found_by_id_and_replaced_in_place() {
        let mut table = Table::default();
        for i in 0..1000 {
            let (index, old) = table.upsert(row(&i.to_string(), "0")).unwrap();
            assert_eq!((index, old.is_none()), (i, true));
        }
        let (index, old) = table.upsert(row("17", "1")).unwrap();
        assert_eq!((index, old.map(|r| r.version)), (17, Some(Cow::Borrowed("0"))));
        assert_eq!(table.get("17").map(|r| &*r.version), Some("1"));
        assert_eq!(table.find("999"), Some(999));
        assert_eq!(table.find("1000"), None);
        assert_eq!(table.len(), 1000);
    }

    #[test]
    fn a_removed_row_is_gone_and_its_number_is_not_reused() {
        let mut table = Table::default();
        for i in 0..10 {
            table.upsert(row(&i.to_string(), "0")).unwrap();
        }
        let (index, removed) = table.remove("3").unwrap();
        assert_eq!((index, &*removed.id), (3, "3"));
        assert!(table.remove("3").is_none(), "removed once");
        assert!(table.remove("nope").is_none());
        assert_eq!((table.find("3"), table.get("3").is_none(), table.row(3).is_none()), (None, true, true));
        assert_eq!(table.len(), 9);
        assert_eq!(table.rows().map(|(i, _)| i).collect::<Vec<_>>(), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
        assert_eq!(table.find("4"), Some(4), "the others keep their numbers");
        let (again, old) = table.upsert(row("3", "0")).unwrap();
        assert_eq!((again, old.is_none(), table.len()), (10, true, 10), "an id added again is a new row");
        for i in 10..2000 {
            table.upsert(row(&i.to_string(), "0")).unwrap();
        }
        assert_eq!((table.find("3"), table.find("1999"), table.find("9")), (Some(10), Some(2000), Some(9)));
    }

    #[test]
    fn an_empty_place_costs_nothing_beside_a_row() {
        assert_eq!(size_of::<Option<Row>>(), size_of::<Row>());
    }
}
