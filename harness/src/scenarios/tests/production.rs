//! The production tenant's checks, passing and failing over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

fn r4_search(seq: u64, tenant: &str, status: u16) -> cerner_mock::journal::JournalEntry {
    let mut e = entry(seq, tenant, &format!("/r4/{tenant}/Appointment"), Some("location=1"), status);
    e.fhir_version = Some(cerner_mock::request::FhirVersion::R4);
    e
}

fn synced() -> Evidence {
    let mut ev = evidence();
    ev.fhir_version = FhirVersion::R4;
    ev.tenants = vec![PRODUCTION.into(), SANDBOX.into()];
    with_truth(&mut ev, PRODUCTION, &[("1", "0", "booked"), ("2", "3", "proposed")]);
    with_output(&mut ev, PRODUCTION, &[("1", "0", "booked"), ("2", "3", "proposed")]);
    with_truth(&mut ev, SANDBOX, &[("5", "0", "booked")]);
    with_output(&mut ev, SANDBOX, &[("5", "0", "booked")]);
    ev.journal =
        vec![token(1, PRODUCTION), r4_search(2, PRODUCTION, 200), token(3, SANDBOX), r4_search(4, SANDBOX, 200)];
    ev
}

#[test]
fn an_r4_sync_of_the_production_tenant_passes_every_check() {
    let checks = production(&synced());
    assert!(checks.iter().all(|c| c.verdict.passed()), "{checks:#?}");
    passes(named(&checks, "reads 7c3e9a51 without being refused"), "1 Appointment search(es) answered 200");
    passes(named(&checks, "keeps the proposed appointments of 7c3e9a51"), "1 proposed appointments kept");
}

#[test]
fn a_dstu2_call_refused_with_403_fails_served() {
    let mut ev = synced();
    ev.journal.push(entry(5, PRODUCTION, &format!("/dstu2/{PRODUCTION}/Appointment"), Some("date=ge2026"), 403));
    fails(&served(&ev, PRODUCTION), "#5 GET /dstu2/7c3e9a51");
    let mut none = synced();
    none.journal.retain(|e| e.tenant.as_deref() != Some(PRODUCTION) || e.path.ends_with("/token"));
    fails(&served(&none, PRODUCTION), "0 Appointment search(es)");
}

#[test]
fn a_missing_proposed_appointment_fails_keeps_proposed_and_none_at_all_is_not_a_pass() {
    let mut ev = synced();
    ev.output.retain(|l| l.resource["status"] != "proposed");
    fails(&keeps_proposed(&ev, PRODUCTION), "1 of 1 proposed missing, e.g. 2");
    let mut empty = synced();
    empty.truth.clear();
    fails(&keeps_proposed(&empty, PRODUCTION), "0 proposed appointments kept");
}
