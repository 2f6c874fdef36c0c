//! Seeded "days of scheduling activity": what a clinic's front desk does to future appointments
//! between two daily syncs. Each simulated day reschedules about 2% of the future appointments,
//! cancels about 1% and books about 1% new ones (at least one of each when there are any), so an
//! incremental sync has versions, starts and statuses to pick up.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ResourceType;
use super::changes::Change;
use super::fields::format_instant_ms;
use super::tenant::TenantData;
use crate::rng::{Rng, Stream};

const DAY_MS: i64 = 86_400_000;

impl TenantData {
    /// The changes `days` of activity would make, decided by `seed` and the current data.
    pub fn simulated_changes(&self, days: u32, seed: u64, now: OffsetDateTime) -> Vec<Change> {
        let now_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
        let future: Vec<(u32, i64)> = self
            .appointments
            .iter()
            .zip(0u32..)
            .filter(|(f, _)| f.start.is_some_and(|s| s > now_ms) && &*f.status != "cancelled")
            .filter_map(|(f, row)| f.start.map(|s| (row, s)))
            .collect();
        if future.is_empty() {
            return Vec::new();
        }
        let mut rng = Rng::new(seed, Stream::Activity);
        let mut next_id = self.max_numeric_id(ResourceType::Appointment).saturating_add(1);
        let per_day = |per_mille: usize| (future.len() * per_mille / 1000).max(1);
        let mut changes = Vec::new();
        let mut touched = std::collections::HashSet::new();
        for _ in 0..days {
            for _ in 0..per_day(20) {
                let (row, start) = future[rng.index(future.len())];
                if touched.insert(row) {
                    changes.extend(self.rescheduled(row, start + DAY_MS * (1 + rng.below(7) as i64)));
                }
            }
            for _ in 0..per_day(10) {
                let (row, _) = future[rng.index(future.len())];
                if touched.insert(row) {
                    changes.extend(
                        self.table(ResourceType::Appointment)
                            .and_then(|t| t.row(row))
                            .map(|r| Change::Cancel { id: r.id.to_string() }),
                    );
                }
            }
            for _ in 0..per_day(10) {
                let (row, start) = future[rng.index(future.len())];
                changes.extend(self.booked_like(row, &next_id.to_string(), start + DAY_MS * 7));
                next_id = next_id.saturating_add(1);
            }
        }
        changes
    }

    fn max_numeric_id(&self, resource_type: ResourceType) -> u64 {
        self.table(resource_type)
            .map(|t| t.rows().filter_map(|(_, r)| r.id.parse::<u64>().ok()).max().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The appointment at `row` moved to `start`, keeping its length.
    fn rescheduled(&self, row: u32, start: i64) -> Option<Change> {
        let fields = self.appointment(row)?;
        let resource = self.appointment_json(row)?;
        let end = resource["end"].as_str().and_then(super::fields::instant_ms).unwrap_or(start);
        let length = end - fields.start.unwrap_or(end);
        let id = resource["id"].as_str()?.to_owned();
        Some(Change::Reschedule {
            id,
            start: format_instant_ms(start)?,
            end: format_instant_ms(start + length.max(0))?,
        })
    }

    /// A new booked appointment like the one at `row`, at `start`.
    fn booked_like(&self, row: u32, id: &str, start: i64) -> Option<Change> {
        let mut resource = self.appointment_json(row)?;
        let end = resource["end"].as_str().and_then(super::fields::instant_ms)?;
        let length = end - self.appointment(row)?.start?;
        resource["id"] = json!(id);
        resource["status"] = json!("booked");
        resource["start"] = json!(format_instant_ms(start)?);
        resource["end"] = json!(format_instant_ms(start + length)?);
        resource["meta"] = json!({ "versionId": "0" });
        Some(Change::Add { resource })
    }

    fn appointment_json(&self, row: u32) -> Option<Value> {
        let row = self.table(ResourceType::Appointment)?.row(row)?;
        serde_json::from_str(&row.json()).ok()
    }
}
