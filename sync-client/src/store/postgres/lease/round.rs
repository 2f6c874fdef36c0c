//! Opening, joining and reading rounds: what every worker does once before it claims any tenant,
//! and what reports and tests read back, kept apart from the claims and leases that follow.

use std::time::Duration;

use super::super::PgStore;
use super::{RoundId, RoundTenant};
use crate::store::{StoreError, stored_outcome};

/// The advisory lock key of opening or joining a round ("apsr").
const ROUND_LOCK: i64 = 0x6170_7372;

/// The open round of a window, whether it still has work for the joining worker's tenants, and
/// whether anyone is alive in it (a live lease, or a start or finish within `$4` seconds).
const OPEN_ROUND: &str = "SELECT r.id,
       EXISTS (SELECT 1 FROM unnest($3::text[]) AS t(tenant) WHERE NOT EXISTS (SELECT 1 FROM round_tenants rt
         WHERE rt.round = r.id AND rt.tenant = t.tenant AND rt.state = 'done')) AS has_work,
       (EXISTS (SELECT 1 FROM round_tenants rt WHERE rt.round = r.id AND rt.state = 'leased' AND rt.lease_expires >= now())
        OR GREATEST(r.started_at, (SELECT max(rt.finished_at) FROM round_tenants rt WHERE rt.round = r.id))
           >= now() - make_interval(secs => $4)) AS live
     FROM rounds r WHERE r.finished_at IS NULL AND r.window_start = $1 AND r.window_end = $2
     ORDER BY r.id DESC LIMIT 1";

impl PgStore {
    /// Joins the open round of this window, or opens one, and makes sure it lists `tenants`. An
    /// open round with nothing left for `tenants`, or abandoned for longer than `ttl`, is closed
    /// and a new one opened.
    pub async fn join_round(
        &self,
        window_start: &str,
        window_end: &str,
        tenants: &[String],
        ttl: Duration,
    ) -> Result<RoundId, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ROUND_LOCK]).await?;
        let open = tx.query_opt(OPEN_ROUND, &[&window_start, &window_end, &tenants, &ttl.as_secs_f64()]).await?;
        let joinable = match open {
            Some(row) if row.get::<_, bool>(1) && row.get::<_, bool>(2) => Some(row.get::<_, i64>(0)),
            Some(row) => {
                let (round, has_work): (i64, bool) = (row.get(0), row.get(1));
                let why =
                    if has_work { "abandoned by its workers" } else { "nothing left in it for this worker's tenants" };
                tracing::warn!(round, "closing an unfinished round ({why}); opening a new one");
                tx.execute("UPDATE rounds SET finished_at = now() WHERE id = $1", &[&round]).await?;
                None
            }
            None => None,
        };
        let round: i64 = match joinable {
            Some(round) => round,
            None => tx
                .query_one(
                    "INSERT INTO rounds (window_start, window_end) VALUES ($1, $2) RETURNING id",
                    &[&window_start, &window_end],
                )
                .await?
                .get(0),
        };
        tx.execute(
            "INSERT INTO round_tenants (round, tenant) SELECT $1, t FROM unnest($2::text[]) AS t ON CONFLICT DO NOTHING",
            &[&round, &tenants],
        )
        .await?;
        tx.commit().await?;
        Ok(RoundId(round))
    }

    /// The tenants of a round, by tenant.
    pub async fn round_tenants(&self, round: RoundId) -> Result<Vec<RoundTenant>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT tenant, state, lease_owner, attempts, outcome FROM round_tenants WHERE round = $1 ORDER BY tenant",
                &[&round.0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                Ok(RoundTenant {
                    tenant: row.get(0),
                    state: row.get(1),
                    lease_owner: row.get(2),
                    attempts: row.get(3),
                    outcome: stored_outcome(row.get(4))?,
                })
            })
            .collect()
    }

    /// The most recent round, if any (for reports and tests).
    pub async fn latest_round(&self) -> Result<Option<RoundId>, StoreError> {
        let client = self.client().await?;
        let row = client.query_opt("SELECT id FROM rounds ORDER BY id DESC LIMIT 1", &[]).await?;
        Ok(row.map(|r| RoundId(r.get(0))))
    }
}
