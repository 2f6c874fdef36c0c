//! The NDJSON output of contract v1: one line per appointment stored, `{"tenant", "resource"}`,
//! appended, so the last line per (tenant, id) is the client's final view. Lines are flushed after
//! every page, so a crash leaves whole lines only.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::store::StoredAppointment;

#[derive(Debug)]
pub struct Output {
    file: BufWriter<File>,
}

impl Output {
    pub fn open(path: &Path) -> std::io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self { file: BufWriter::new(file) })
    }

    /// Appends a page's appointments as stored (the newest version of each) and flushes.
    pub fn write_page(&mut self, tenant: &str, stored: &[StoredAppointment]) -> std::io::Result<()> {
        let mut page = Vec::with_capacity(stored.len() * 1024);
        for appointment in stored {
            page.extend_from_slice(b"{\"tenant\":");
            page.extend_from_slice(serde_json::to_string(tenant).unwrap_or_default().as_bytes());
            page.extend_from_slice(b",\"resource\":");
            page.extend_from_slice(appointment.raw.as_bytes());
            page.extend_from_slice(b"}\n");
        }
        self.file.write_all(&page)?;
        self.file.flush()
    }
}
