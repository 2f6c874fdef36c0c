//! The reference client on R4: every scenario on both versions, the production tenant's on R4.

/// `rehearse --fhir-version both`: every scenario on both versions.
#[test]
fn the_reference_client_passes_every_scenario_on_both_versions() {
    let list = std::process::Command::new(crate::BIN).arg("list").output().unwrap();
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    let mut command = crate::rehearse();
    command.args(["--fhir-version", "both", "--list-failures-only", "--time-limit", crate::GENEROUS]);
    for name in &names {
        command.args(["--scenario", name]);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("; FHIR DSTU2 and R4; client: appointment-sync (reference)"), "{stdout}");
}

#[test]
fn the_reference_client_syncs_the_production_tenant_over_r4() {
    let output = crate::rehearse()
        .args(["--fhir-version", "r4", "--scenario", "production-tenant", "--time-limit", crate::GENEROUS])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
}
