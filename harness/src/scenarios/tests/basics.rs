//! The healthy-emulator scenarios' own checks, passing and failing over hand-built evidence.

use super::*;
use crate::scenarios::kit::*;

fn synced() -> Evidence {
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked"), ("2", "0", "cancelled")]);
    with_truth(&mut ev, SECOND, &[("1", "0", "noshow"), ("3", "0", "proposed")]);
    with_output(&mut ev, SANDBOX, &[("1", "0", "booked"), ("2", "0", "cancelled")]);
    with_output(&mut ev, SECOND, &[("1", "0", "noshow"), ("3", "0", "proposed")]);
    ev.journal = vec![
        token(1, SANDBOX),
        search(2, SANDBOX, "date=ge2026", 200),
        token(3, SECOND),
        search(4, SECOND, "date=ge2026", 200),
    ];
    ev
}

#[test]
fn happy_passes_a_full_sync_and_fails_a_missing_tenant() {
    assert!(happy(&synced()).iter().all(|c| c.verdict.passed()));
    let mut ev = synced();
    ev.output.retain(|l| l.tenant == SANDBOX);
    fails(named(&happy(&ev), "stores exactly the ground truth of 0b8a0111"), "1 missing");
}

#[test]
fn token_reuse_counts_token_requests_per_tenant_and_introspection() {
    let checks = token_reuse(&synced());
    passes(named(&checks, "requests one token for ec2458f2"), "1 token request(s) for 1 FHIR calls: #1");
    passes(named(&checks, "never calls an introspection"), "none");
    let mut ev = synced();
    ev.journal.push(token(5, SANDBOX));
    ev.journal.push(entry(6, SANDBOX, "/tokeninfo", None, 200));
    let checks = token_reuse(&ev);
    fails(named(&checks, "requests one token for ec2458f2"), "2 token request(s) for 1 FHIR calls: #1, #5");
    fails(named(&checks, "never calls an introspection"), "#6 GET /tokeninfo");
}

#[test]
fn scopes_refuse_writes_wildcards_and_unused_scopes() {
    let checks = scopes(&synced());
    passes(named(&checks, "requests only system/*.read"), "2 token requests");
    passes(named(&checks, "requests no scope it does not use"), "only system/Appointment.read");
    let mut ev = synced();
    ev.journal[0].scope = Some("system/Appointment.read system/*.write".into());
    ev.journal[2].scope = Some("system/Patient.read".into());
    let checks = scopes(&ev);
    fails(named(&checks, "requests only system/*.read"), "asked for Some(\"system/Appointment.read system/*.write\")");
    fails(named(&checks, "requests no scope it does not use"), "#1 POST");
}

#[test]
fn valid_parameters_fails_on_a_refused_search() {
    passes(named(&valid_parameters(&synced()), "causes no 400"), "4 requests, none refused");
    let mut ev = synced();
    ev.journal.push(search(5, SANDBOX, "date=2026", 400));
    fails(named(&valid_parameters(&ev), "causes no 400"), "#5 GET");
}

#[test]
fn no_duplicates_cites_the_repeated_request() {
    passes(&no_duplicates(&synced())[0], "distinct requests");
    let mut ev = synced();
    ev.journal.push(search(5, SANDBOX, "date=ge2026", 200));
    fails(&no_duplicates(&ev)[0], "repeats #2");
}

#[test]
fn accept_wraps_the_accept_header_check() {
    passes(&accept(&synced())[0], "2 FHIR requests");
    let mut ev = synced();
    ev.journal[1].accept = None;
    fails(&accept(&ev)[0], "sent Accept None");
}

#[test]
fn statuses_need_each_status_kept_and_present_in_the_truth() {
    let checks = statuses(&synced());
    for status in ["cancelled", "noshow", "proposed"] {
        passes(named(&checks, &format!("keeps {status}")), &format!("1 {status} appointments kept"));
    }
    let mut ev = synced();
    ev.output.retain(|l| l.resource["status"] != "noshow");
    fails(named(&statuses(&ev), "keeps noshow"), "0b8a0111 1 is missing or not noshow");
    let mut ev = evidence();
    with_truth(&mut ev, SANDBOX, &[("1", "0", "booked")]);
    fails(named(&statuses(&ev), "keeps cancelled"), "0 cancelled appointments kept");
}

#[test]
fn identity_needs_shared_ids_stored_for_both_tenants_and_no_401() {
    let checks = identity(&synced());
    passes(named(&checks, "keeps the same id in two tenants"), "1 of 1 shared ids stored for both tenants");
    passes(named(&checks, "never uses one tenant's token"), "no 401");
    let mut ev = synced();
    ev.output.retain(|l| !(l.tenant == SECOND && l.resource["id"] == "1"));
    ev.journal.push(search(5, SECOND, "x", 401));
    let checks = identity(&ev);
    fails(named(&checks, "keeps the same id in two tenants"), "0 of 1 shared ids");
    fails(named(&checks, "never uses one tenant's token"), "#5 GET");
}

#[test]
fn hygiene_adds_basic_only_on_token_requests() {
    passes(named(&hygiene(&synced()), "sends the secret to the token endpoint only"), "Basic only on token requests");
    let mut ev = synced();
    ev.journal[1].authorization = Some("Basic".into());
    fails(named(&hygiene(&ev), "sends the secret to the token endpoint only"), "#2 GET");
}
