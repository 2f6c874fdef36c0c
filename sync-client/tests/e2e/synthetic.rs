//! The emulator profile of a synthetic fleet: tenants of generated appointments over a few
//! locations, rate limits off, one account approved for every tenant. One definition for the
//! worker tests and the scale check (`fleet.rs`) and the sync benchmark (`examples/bench_sync.rs`),
//! which include this file; each chooses its sizes.

use cerner_mock::Profile;

/// The sizes and names of a synthetic fleet.
pub(crate) struct Synthetic {
    /// The account approved for every tenant (its secret is `secret`).
    pub client_id: &'static str,
    /// The seed of the first tenant; the next ones count up from it.
    pub first_seed: usize,
    /// Appointments per tenant.
    pub appointments: u64,
    pub patients: u64,
    pub practitioners: u32,
    pub slots: u32,
    pub encounters: u32,
    pub days_before: u32,
    pub days_after: u32,
    /// `id:name` of each location.
    pub locations: &'static [&'static str],
}

impl Synthetic {
    /// The location ids, as a job names them.
    pub(crate) fn location_ids(&self) -> Vec<&'static str> {
        self.locations.iter().map(|l| l.split_once(':').map_or(*l, |(id, _)| id)).collect()
    }

    /// The profile of `tenants`, each with these sizes and a seed of its own.
    pub(crate) fn profile(&self, tenants: &[impl AsRef<str>]) -> Profile {
        let mut text = String::from("[limits]\nenabled = false\n");
        for (n, tenant) in tenants.iter().enumerate() {
            text.push_str(&format!(
                "\n[[tenants]]\nid = {tenant:?}\n[tenants.synthetic]\nseed = {seed}\nappointments = {}\npatients = {}\n\
                 practitioners = {}\nslots = {}\nencounters = {}\ndays_before = {}\ndays_after = {}\nlocations = {:?}\n",
                self.appointments,
                self.patients,
                self.practitioners,
                self.slots,
                self.encounters,
                self.days_before,
                self.days_after,
                self.locations,
                tenant = tenant.as_ref(),
                seed = self.first_seed + n,
            ));
        }
        let approved: Vec<&str> = tenants.iter().map(AsRef::as_ref).collect();
        text.push_str(&format!(
            "\n[[accounts]]\nclient_id = {:?}\nsecret = \"secret\"\nscopes = [\"system/Appointment.read\"]\napproved_tenants = {approved:?}\n",
            self.client_id
        ));
        Profile::from_toml(&text, std::path::Path::new(".")).unwrap_or_else(|e| panic!("synthetic profile: {e}"))
    }
}
