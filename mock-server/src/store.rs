//! Per-tenant resource store: tables of DSTU2 resources with their versions, and the indexes that
//! make Cerner's searches fast. Tenants never share data: each has its own [`TenantData`] behind
//! its own lock (held only for the length of a read or a change, never across an `.await`).
//!
//! # Layout
//! - `table`: rows of one type, by id; `sorted`: the sorted-key lists indexes are made of.
//! - `fields`: the search fields read from each resource; `tenant`: one tenant's tables and indexes.
//! - [`query`]: the typed queries the store runs; `search`: runs one; `changes`: data changes between runs; `summary`: what a tenant holds.
//! - `search_cache` and `page_cache`: the matches of recent searches and the text of recent pages.
//! - [`synthetic`]: the seeded generator.

mod changes;
mod encounters;
mod fields;
mod page_cache;
pub mod query;
mod resource_type;
mod search;
mod search_cache;
mod simulate;
mod sorted;
mod summary;
pub mod synthetic;
mod table;
mod tenant;

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::body::Bytes;
use time::{Date, Duration};

pub use changes::{Change, ChangeError};
pub use fields::{format_instant_ms, instant_ms};
pub use query::Query;
pub use resource_type::{ResourceType, UnknownType};
pub use search::{PATIENT_MATCH_LIMIT, SearchError, WindowAppointment};
pub use sorted::Key;
pub use summary::{ActorCount, AppointmentStarts, TenantSummary};
pub use table::{Body, JsonText, Row};
pub use tenant::{AppointmentFields, IngestError, Parsed, TenantData};

use crate::ids::TenantId;
use crate::profile::{Profile, SyntheticSettings, Tenant};
use crate::request::FhirVersion;
use synthetic::{SyntheticError, SyntheticSpec};

/// Every tenant's data.
#[derive(Debug, Default)]
pub struct Store {
    tenants: HashMap<TenantId, RwLock<TenantData>>,
    searches: search_cache::SearchCache,
    pages: page_cache::PageCache,
}

/// Why the store could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A fixture resource of a tenant could not be stored.
    #[error("tenant {tenant}: {source}")]
    Resource {
        /// The tenant whose data it is.
        tenant: TenantId,
        /// Why the resource was refused.
        source: IngestError,
    },
    /// Loading a tenant's data stopped on a defect of the emulator (a panic).
    #[error("tenant {tenant}: loading its data failed unexpectedly (see the panic above)")]
    Panicked {
        /// The tenant whose data could not be loaded.
        tenant: TenantId,
    },
    /// The `--synthetic` overrides (or a tenant's synthetic settings) are invalid.
    #[error("--synthetic: {0}")]
    Synthetic(#[from] SyntheticError),
}

/// What goes into the store besides the profile.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `key=value,…` applied to every tenant's synthetic settings (`--synthetic`).
    pub synthetic: Option<String>,
}

impl Store {
    /// Loads every tenant of `profile`: its fixtures, then its synthetic data around `today`.
    /// Tenants load in parallel, on as many threads as the process may run on (a fleet of a
    /// thousand tenants does not start a thousand threads); with fewer tenants than threads, each
    /// tenant's generation, parsing and indexing overlap on threads of their own instead.
    pub fn load(profile: &Profile, today: Date, options: &LoadOptions) -> Result<Self, LoadError> {
        let specs = profile
            .tenants
            .iter()
            .map(|tenant| synthetic_spec(tenant, today, options.synthetic.as_deref()))
            .collect::<Result<Vec<_>, _>>()?;
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let pipelined = profile.tenants.len() < threads;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            let mut loaded = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (Some(tenant), Some(spec)) = (profile.tenants.get(index), specs.get(index)) else { break };
                loaded.push((index, load_tenant(tenant, spec.as_ref(), pipelined)));
            }
            loaded
        };
        let mut loaded: Vec<(usize, Result<TenantData, LoadError>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.min(profile.tenants.len())).map(|_| scope.spawn(work)).collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        loaded.sort_by_key(|(index, _)| *index);
        let mut tenants = HashMap::new();
        let mut loaded = loaded.into_iter().peekable();
        for (index, tenant) in profile.tenants.iter().enumerate() {
            // A loading thread that panicked took its tenants with it: never serve them empty.
            let data = match loaded.next_if(|(i, _)| *i == index) {
                Some((_, data)) => data?,
                None => return Err(LoadError::Panicked { tenant: tenant.id.clone() }),
            };
            tenants.insert(tenant.id.clone(), RwLock::new(data));
        }
        Ok(Self { tenants, searches: search_cache::SearchCache::default(), pages: page_cache::PageCache::default() })
    }

    /// Read access to a tenant's data. A lookup by name, so callers holding a path segment or a
    /// test's constant need no [`TenantId`]; `None` for a tenant the profile does not have.
    pub fn read(&self, tenant: &str) -> Option<RwLockReadGuard<'_, TenantData>> {
        let lock = self.tenants.get(tenant)?;
        Some(lock.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Write access to a tenant's data. It bumps the data's generation, so no search cached
    /// before the write is served after it.
    pub fn write(&self, tenant: &str) -> Option<RwLockWriteGuard<'_, TenantData>> {
        let lock = self.tenants.get(tenant)?;
        let mut data = lock.write().unwrap_or_else(PoisonError::into_inner);
        data.generation += 1;
        Some(data)
    }

    /// The matches of a search of `data` (read from this store for `tenant`), from the cache of
    /// recent searches when the same parameters were searched on the same data.
    pub fn search_cached(
        &self,
        tenant: &TenantId,
        version: FhirVersion,
        data: &TenantData,
        resource_type: ResourceType,
        params: &[(String, String)],
        query: &Query,
    ) -> Result<Arc<[Key]>, SearchError> {
        let params = search_cache::params_key(params);
        self.searches.get_or_compute(tenant, version, resource_type, data.generation, &params, || data.search(query))
    }

    /// Text written from `data` (read from this store for `tenant`) that depends on nothing but
    /// that data and `key`: as `render` wrote it when the same key was asked on the same data
    /// (a page's entries), else `render`'s.
    pub fn rendered(&self, tenant: &TenantId, data: &TenantData, key: &[u8], render: impl FnOnce() -> String) -> Bytes {
        self.pages.get_or_render(tenant, data.generation, key, render)
    }
}

fn load_tenant(tenant: &Tenant, spec: Option<&SyntheticSpec>, pipelined: bool) -> Result<TenantData, LoadError> {
    let mut data = TenantData::default();
    let fail = |source| LoadError::Resource { tenant: tenant.id.clone(), source };
    data.begin_load();
    for (resource_type, json) in &tenant.fixtures {
        data.ingest(*resource_type, json.clone()).map_err(fail)?;
    }
    if let Some(spec) = spec {
        if pipelined { load_synthetic_pipelined(&mut data, spec) } else { load_synthetic(&mut data, spec) }
            .map_err(fail)?;
        // A fixture Location of the same id (documented shape) stays as it is.
        for (id, json) in synthetic::location::locations(spec) {
            if data.read(ResourceType::Location, &id).is_none() {
                data.ingest(ResourceType::Location, json).map_err(fail)?;
            }
        }
    }
    data.finish_load();
    Ok(data)
}

/// A generated resource made ready for [`TenantData::insert`].
fn parse(resource: synthetic::Resource) -> Result<Parsed, IngestError> {
    match resource {
        synthetic::Resource::Json(resource_type, json) => Parsed::new(resource_type, json),
        synthetic::Resource::Appointment(appointment) => Ok(Parsed::appointment(appointment)),
    }
}

/// Generates, parses and indexes on the calling thread (the other threads load other tenants).
fn load_synthetic(data: &mut TenantData, spec: &SyntheticSpec) -> Result<(), IngestError> {
    let mut failed = None;
    synthetic::generate(spec, |resource| {
        if failed.is_none()
            && let Err(error) = parse(resource).and_then(|parsed| data.insert(parsed))
        {
            failed = Some(error);
        }
    });
    failed.map_or(Ok(()), Err)
}

/// Three stages, each on its own thread: generate, parse, index. On two cores they overlap well
/// (generating and parsing cost about the same; indexing less).
fn load_synthetic_pipelined(data: &mut TenantData, spec: &SyntheticSpec) -> Result<(), IngestError> {
    const BATCH: usize = 4096;
    let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel::<Vec<synthetic::Resource>>(4);
    let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel::<Result<Vec<Parsed>, IngestError>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            synthetic::generate(spec, |resource| {
                batch.push(resource);
                if batch.len() == BATCH {
                    // A closed channel means a later stage stopped on an error; nothing to do then.
                    let _ = raw_tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            let _ = raw_tx.send(batch);
        });
        scope.spawn(move || {
            for batch in raw_rx {
                if parsed_tx.send(batch.into_iter().map(parse).collect()).is_err() {
                    break;
                }
            }
        });
        for batch in parsed_rx {
            for parsed in batch? {
                data.insert(parsed)?;
            }
        }
        Ok(())
    })
}

/// The generator's spec for a tenant: its own settings, with the command line's overrides.
fn synthetic_spec(tenant: &Tenant, today: Date, overrides: Option<&str>) -> Result<Option<SyntheticSpec>, LoadError> {
    let settings = match (&tenant.synthetic, overrides) {
        (Some(settings), _) => settings.clone(),
        (None, Some(_)) => SyntheticSettings::default(),
        (None, None) => return Ok(None),
    };
    let mut spec = SyntheticSpec {
        seed: settings.seed,
        first_day: today.saturating_sub(Duration::days(settings.days_before.into())),
        last_day: today.saturating_add(Duration::days(settings.days_after.into())),
        patients: settings.patients,
        practitioners: settings.practitioners,
        appointments: settings.appointments,
        slots: settings.slots,
        encounters: settings.encounters,
        locations: settings.locations,
        first_location_share: settings.first_location_share,
        id_base: settings.id_base,
        mess: settings.mess,
        tenant: tenant.id.to_string(),
    };
    if let Some(text) = overrides {
        spec.apply_overrides(text, today)?;
    }
    Ok(Some(spec))
}
