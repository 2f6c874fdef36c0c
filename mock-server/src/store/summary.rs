//! What a tenant holds, for `GET /__admin/tenants/{tenant}`: counts per type, the locations and
//! practitioners with their appointment counts, and the span of appointment dates, so users and
//! tests can find what to query.

use std::collections::BTreeMap;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ResourceType;
use super::query::Actor;
use super::tenant::TenantData;

#[derive(Debug, Clone, Serialize)]
pub struct TenantSummary {
    pub counts: BTreeMap<&'static str, usize>,
    pub appointment_statuses: BTreeMap<String, usize>,
    /// Earliest and latest appointment start.
    pub appointment_starts: Option<(String, String)>,
    /// Location ids with their appointment counts, most appointments first.
    pub locations: Vec<ActorCount>,
    pub practitioners: Vec<ActorCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActorCount {
    pub id: String,
    pub appointments: usize,
}

impl TenantData {
    pub fn summary(&self) -> TenantSummary {
        let counts = ResourceType::ALL.iter().map(|t| (t.as_str(), self.count(*t))).collect();
        let mut appointment_statuses = BTreeMap::new();
        let (mut first, mut last) = (i64::MAX, i64::MIN);
        for fields in &self.appointments {
            *appointment_statuses.entry(fields.status.to_string()).or_insert(0) += 1;
            if let Some(start) = fields.start {
                first = first.min(start);
                last = last.max(start);
            }
        }
        let appointment_starts = (first <= last).then(|| (format_ms(first), format_ms(last)));
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
                    .map(|(id, keys)| ActorCount { id: id.to_string(), appointments: keys.len() })
                    .collect()
            })
            .unwrap_or_default();
        counts.sort_by(|a, b| b.appointments.cmp(&a.appointments).then_with(|| a.id.cmp(&b.id)));
        counts
    }
}

fn format_ms(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}
