//! Rounds and tenant leases: how `appointment-sync run --worker` processes share the tenants.
//!
//! A *round* is one sync of every configured tenant over one window. The first worker to arrive
//! opens it and lists its tenants; later workers join the open round of the same window (adding
//! any tenant their configuration has that the round lacks). Each tenant of a round is synced by
//! exactly one worker at a time:
//! - A worker claims a pending tenant, or one whose lease expired, with
//!   `SELECT … FOR UPDATE SKIP LOCKED`, so two workers never claim the same row.
//! - The lease lasts `ttl` and the owner renews it from a heartbeat. A worker that dies stops
//!   renewing; once the lease expires another worker claims the tenant and syncs it again from
//!   the start (pages are idempotent, so nothing is stored twice).
//! - Completing writes the tenant's outcome and state in one transaction, and only while the
//!   worker still owns the lease: a worker that lost its lease never overwrites its successor.
//! - A tenant leased in another open round (workers configured with another window) is not claimed
//!   until that lease ends: one tenant never serves two workers at once. A claim locks the tenant
//!   itself (a transaction-scoped advisory lock on its name), not only its row of the round, so two
//!   claims in different rounds cannot both miss each other's uncommitted lease.
//! - Completing also marks the tenant's vanished appointments, in the same owner-checked
//!   transaction: a worker that lost its lease cannot mark rows its successor has seen.
//! - A tenant whose `deferred_until` (from a long `Retry-After`) lies in the future is completed
//!   as deferred without being called. Times are the database server's (`now()`), so workers on
//!   machines with skewed clocks agree.
//!
//! The round ends when every tenant is done; the last worker to see that closes it. A round that
//! can no longer end that way is not joined: one in which none of the joining worker's tenants is
//! left to do (another tenant was removed from the configuration), or one that is abandoned (no
//! live lease, and nothing started or finished in it for a lease lifetime: its workers died). It
//! is closed and a new round opened, so a later run syncs every tenant again instead of finding
//! nothing to do and exiting 0.
//!
//! # Layout
//! - `round`: opening or joining a round, and reading one back.
//! - here: what a worker is given (claims), its lease's renewal and a tenant's completion.

use std::time::Duration;

use super::PgStore;
use time::OffsetDateTime;

use crate::store::{OutcomeKind, StoreError, TenantState, Window, optional_instant_text, stored_instant};

mod round;

/// A round, as numbered by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundId(pub i64);

/// What a worker is given when it asks for work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Sync this tenant: the lease is the worker's until it stops renewing. `attempt` counts the
    /// claims of this tenant in the round (2 or more when a worker took over from one that died).
    Lease {
        /// The tenant id to sync.
        tenant: String,
        /// This claim's number for the tenant in the round, from 1.
        attempt: i32,
    },
    /// Not called: an earlier sync was asked to wait until `until` (RFC 3339). Recorded as done.
    Deferred {
        /// The tenant id that was skipped.
        tenant: String,
        /// The time the earlier sync was told to wait for.
        until: OffsetDateTime,
    },
    /// Nothing to claim now, but other workers hold leases: look again later (one may die).
    Wait,
    /// Every tenant of the round is done.
    Done,
}

/// One tenant of a round as the store holds it (for reports and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTenant {
    /// The tenant id.
    pub tenant: String,
    /// "pending" | "leased" | "done".
    pub state: String,
    /// The worker holding or last holding the lease; `None` while pending.
    pub lease_owner: Option<String>,
    /// Claims of this tenant in the round; more than 1 when a lease expired and another worker took over.
    pub attempts: i32,
    /// How the tenant's sync ended, once `state` is "done".
    pub outcome: Option<OutcomeKind>,
}

/// The advisory lock class of claiming a tenant ("apst"); the second key is the tenant's hash.
pub(crate) const TENANT_LOCK_CLASS: i32 = 0x6170_7374;

/// The window a completed tenant's vanished appointments are marked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vanish {
    /// The run the worker records its appointments under.
    pub run: crate::store::RunId,
    /// The configured sync window; stored appointments in it that this sync did not see are marked.
    pub window: Window,
    /// The instant written as their `vanished_at`.
    pub at: OffsetDateTime,
}
const CLAIM: &str = "SELECT rt.tenant, ts.deferred_until,
       COALESCE(ts.deferred_until::timestamptz > now(), false) AS deferred, rt.lease_owner
     FROM round_tenants rt LEFT JOIN tenant_state ts ON ts.tenant = rt.tenant
     WHERE rt.round = $1 AND rt.tenant = ANY($2)
       AND (rt.state = 'pending' OR (rt.state = 'leased' AND rt.lease_expires < now()))
       AND NOT EXISTS (SELECT 1 FROM round_tenants other WHERE other.tenant = rt.tenant
         AND other.round <> rt.round AND other.state = 'leased' AND other.lease_expires >= now())
     ORDER BY rt.tenant
     LIMIT 1
     FOR UPDATE OF rt SKIP LOCKED";

/// The tenant's state after its sync; a sync that did not succeed keeps the last success.
const COMPLETE_STATE: &str = "INSERT INTO tenant_state (tenant, last_success, deferred_until, last_outcome, message)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant) DO UPDATE SET last_success = COALESCE(excluded.last_success, tenant_state.last_success),
       deferred_until = excluded.deferred_until, last_outcome = excluded.last_outcome, message = excluded.message";

impl PgStore {
    /// Claims the next tenant of the round among `tenants` (the ones this worker can sync).
    pub async fn claim(
        &self,
        round: RoundId,
        worker: &str,
        tenants: &[String],
        ttl: Duration,
    ) -> Result<Claim, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let Some(row) = tx.query_opt(CLAIM, &[&round.0, &tenants]).await? else {
            let open: i64 = tx
                .query_one(
                    "SELECT count(*) FROM round_tenants WHERE round = $1 AND state <> 'done' AND tenant = ANY($2)",
                    &[&round.0, &tenants],
                )
                .await?
                .get(0);
            if open > 0 {
                return Ok(Claim::Wait);
            }
            tx.execute(
                "UPDATE rounds SET finished_at = now() WHERE id = $1 AND finished_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM round_tenants WHERE round = $1 AND state <> 'done')",
                &[&round.0],
            )
            .await?;
            tx.commit().await?;
            return Ok(Claim::Done);
        };
        let (tenant, until, deferred): (String, Option<String>, bool) = (row.get(0), row.get(1), row.get(2));
        let previous: Option<String> = row.get(3);
        // Lock the tenant itself: a claim of it in another round waits here until this one
        // commits, then sees its lease (the row lock above only covers this round's row).
        tx.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", &[&TENANT_LOCK_CLASS, &tenant]).await?;
        let elsewhere: bool = tx
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM round_tenants WHERE tenant = $1 AND round <> $2
                   AND state = 'leased' AND lease_expires >= now())",
                &[&tenant, &round.0],
            )
            .await?
            .get(0);
        if elsewhere {
            return Ok(Claim::Wait);
        }
        if deferred {
            // `deferred` holds only for a readable time in the future.
            let until = stored_instant(until)?.unwrap_or_else(OffsetDateTime::now_utc);
            tx.execute(
                "UPDATE round_tenants SET state = 'done', outcome = 'deferred', lease_owner = $3, finished_at = now()
                 WHERE round = $1 AND tenant = $2",
                &[&round.0, &tenant, &worker],
            )
            .await?;
            tx.commit().await?;
            return Ok(Claim::Deferred { tenant, until });
        }
        let attempt: i32 = tx
            .query_one(
                "UPDATE round_tenants SET state = 'leased', lease_owner = $3,
                   lease_expires = now() + make_interval(secs => $4), attempts = attempts + 1
                 WHERE round = $1 AND tenant = $2 RETURNING attempts",
                &[&round.0, &tenant, &worker, &ttl.as_secs_f64()],
            )
            .await?
            .get(0);
        tx.commit().await?;
        if let Some(previous) = previous.filter(|_| attempt > 1) {
            tracing::warn!(%tenant, %previous, attempt, "taking over a tenant whose lease expired");
        }
        Ok(Claim::Lease { tenant, attempt })
    }

    /// Extends the worker's lease on a tenant by `ttl` from now. `false` when the worker no longer
    /// holds it (it expired and another worker claimed the tenant).
    /// The statement may wait at most a third of `ttl` (a row locked elsewhere, a slow server).
    pub async fn renew(&self, round: RoundId, tenant: &str, worker: &str, ttl: Duration) -> Result<bool, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let limit = (ttl / 3).as_millis().max(1);
        tx.batch_execute(&format!("SET LOCAL statement_timeout = {limit}")).await?;
        let renewed = tx
            .execute(
                "UPDATE round_tenants SET lease_expires = now() + make_interval(secs => $4)
                 WHERE round = $1 AND tenant = $2 AND lease_owner = $3 AND state = 'leased'",
                &[&round.0, &tenant, &worker, &ttl.as_secs_f64()],
            )
            .await?;
        tx.commit().await?;
        Ok(renewed == 1)
    }

    /// Marks the worker's tenant done with `outcome`, writes its state and, given `vanish`, marks
    /// its vanished appointments, in one transaction and only if the worker still holds the lease.
    /// `None` (and nothing written) when it does not; else how many appointments were marked.
    pub async fn complete(
        &self,
        round: RoundId,
        tenant: &str,
        worker: &str,
        outcome: OutcomeKind,
        state: &TenantState,
        vanish: Option<&Vanish>,
    ) -> Result<Option<u64>, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let done = tx
            .execute(
                "UPDATE round_tenants SET state = 'done', outcome = $4, finished_at = now(), lease_expires = NULL
                 WHERE round = $1 AND tenant = $2 AND lease_owner = $3 AND state = 'leased'",
                &[&round.0, &tenant, &worker, &outcome.as_str()],
            )
            .await?;
        if done != 1 {
            return Ok(None);
        }
        tx.execute(
            COMPLETE_STATE,
            &[
                &tenant,
                &optional_instant_text(state.last_success)?,
                &optional_instant_text(state.deferred_until)?,
                &state.last_outcome.map(OutcomeKind::as_str),
                &state.message,
            ],
        )
        .await?;
        let marked = match vanish {
            Some(v) => super::page::mark_vanished(&tx, v.run, tenant, &v.window, v.at).await?,
            None => 0,
        };
        tx.commit().await?;
        Ok(Some(marked))
    }
}
