//! The reference client on R4. These need `appointment-sync` to read `fhirVersion` from
//! `{base}metadata` and speak R4 on an R4 base; until it does, they fail (its DSTU2 searches miss
//! the proposed appointments R4's `date` leaves out).

use std::process::Command;

use crate::BIN;

/// `rehearse --fhir-version both`: every scenario on both versions, the production tenant's on R4.
#[test]
fn the_reference_client_passes_every_scenario_on_both_versions() {
    let output =
        Command::new(BIN).args(["rehearse", "--fhir-version", "both", "--list-failures-only"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("; FHIR DSTU2 and R4; client: appointment-sync (reference)"), "{stdout}");
}

#[test]
fn the_reference_client_syncs_the_production_tenant_over_r4() {
    let output = Command::new(BIN)
        .args(["rehearse", "--fhir-version", "r4", "--scenario", "production-tenant"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
}
