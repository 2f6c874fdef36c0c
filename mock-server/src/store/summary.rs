//! What a tenant holds, for `GET /__admin/tenants/{tenant}`: counts per type, the locations and
//! practitioners with their appointment counts, and the span of appointment dates, so users and
//! tests can find what to query.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ResourceType;
use super::query::Actor;
use super::tenant::TenantData;

/// What a tenant holds, so a test can pick ids and dates that exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TenantSummary {
    /// Resources per type, e.g. `"Appointment" -> 1200`.
    pub counts: BTreeMap<String, u64>,
    /// Appointments per status, e.g. `"booked" -> 900`.
    pub appointment_statuses: BTreeMap<String, u64>,
    /// The earliest and latest appointment start; `null` when no appointment has a start.
    #[schema(value_type = Option<Vec<String>>, example = json!(["2026-01-05T08:00:00Z", "2026-03-01T16:30:00Z"]))]
    pub appointment_starts: Option<AppointmentStarts>,
    /// Location ids with their appointment counts, most appointments first.
    pub locations: Vec<ActorCount>,
    /// Most appointments first.
    pub practitioners: Vec<ActorCount>,
}

/// The earliest and latest appointment start (on the wire, a two-element array of RFC 3339 texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StartsWire", into = "StartsWire")]
pub struct AppointmentStarts {
    /// The earliest start.
    pub first: OffsetDateTime,
    /// The latest start.
    pub last: OffsetDateTime,
}

#[derive(Clone, Copy, Serialize, Deserialize)]
struct StartsWire(
    #[serde(with = "time::serde::rfc3339")] OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")] OffsetDateTime,
);

impl From<StartsWire> for AppointmentStarts {
    fn from(StartsWire(first, last): StartsWire) -> Self {
        Self { first, last }
    }
}

impl From<AppointmentStarts> for StartsWire {
    fn from(starts: AppointmentStarts) -> Self {
        Self(starts.first, starts.last)
    }
}

/// A location or practitioner id with how many appointments reference it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ActorCount {
    /// The Location or Practitioner id.
    pub id: String,
    /// Appointments naming it as a participant.
    pub appointments: u64,
}

impl TenantData {
    /// Counts of what the tenant holds, for `GET /__admin/tenants/{tenant}`.
    pub fn summary(&self) -> TenantSummary {
        let counts = ResourceType::ALL.iter().map(|t| (t.as_str().to_owned(), self.count(*t) as u64)).collect();
        let mut appointment_statuses = BTreeMap::new();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        let table = self.table(ResourceType::Appointment);
        // A removed appointment's place holds empty fields: count only the rows that are there.
        let stored =
            self.appointments.iter().zip(0u32..).filter(|(_, row)| table.is_some_and(|t| t.row(*row).is_some()));
        for (fields, _) in stored {
            *appointment_statuses.entry(fields.status.to_string()).or_insert(0) += 1;
            if let Some(start) = fields.start {
                first = first.min(start);
                last = last.max(start);
            }
        }
        let appointment_starts = match (instant(first), instant(last)) {
            (Some(first), Some(last)) if first <= last => Some(AppointmentStarts { first, last }),
            _ => None,
        };
        TenantSummary {
            counts,
            appointment_statuses,
            appointment_starts,
            locations: self.actor_counts(Actor::Location),
            practitioners: self.actor_counts(Actor::Practitioner),
        }
    }

    fn actor_counts(&self, actor: Actor) -> Vec<ActorCount> {
        let mut counts: Vec<ActorCount> = self
            .by_actor
            .get(&actor)
            .map(|by_id| {
                by_id
                    .iter()
                    .filter(|(_, keys)| !keys.is_empty())
                    .map(|(id, keys)| ActorCount { id: id.to_string(), appointments: keys.len() as u64 })
                    .collect()
            })
            .unwrap_or_default();
        counts.sort_by(|a, b| b.appointments.cmp(&a.appointments).then_with(|| a.id.cmp(&b.id)));
        counts
    }
}

fn instant(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}
