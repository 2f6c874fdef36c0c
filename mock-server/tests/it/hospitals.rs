//! Hospitals differ (README, "Hospitals differ"): per-tenant grants (`tenant_scopes`), a LIMITED
//! account (`status`), per-tenant rate limits (`[tenants.limits]`) and messy synthetic data
//! (`[tenants.synthetic.mess]`), each loaded from profile text as a user writes it.

use cerner_mock::Profile;
use cerner_mock::store::LoadOptions;
use serde_json::Value;

use crate::helpers::*;

/// The default profile with `extra` appended (more keys for the default account and tenants are
/// given by replacing the lines they follow).
fn profile(edit: impl Fn(String) -> String) -> Profile {
    let text = edit(include_str!("../../../fixtures/profile.toml").to_owned());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    Profile::from_toml(&text, &dir).expect("the edited profile loads")
}

/// Adds `key = value` lines to the default account (after its `approved_tenants`).
fn default_account_with(lines: &str) -> Profile {
    profile(|text| {
        let anchor = "  \"7c3e9a51-2f4b-4d8e-b6a0-94d1c5e8f273\",\n]\n";
        assert!(text.contains(anchor), "the default account's approved_tenants end as expected");
        text.replacen(anchor, &format!("{anchor}{lines}\n"), 1)
    })
}

const BOTH: &str = "system/Appointment.read system/Patient.read";

#[tokio::test]
async fn a_tenant_grants_only_its_tenant_scopes_and_refuses_fhir_beyond_them() {
    let p = default_account_with(&format!("tenant_scopes = {{ \"{SECOND}\" = [\"system/Patient.read\"] }}"));
    let app = spawn_app_with_profile(p, LoadOptions::default()).await;
    let body = format!("grant_type=client_credentials&scope={}", BOTH.replace(' ', "+"));

    let at_second: Value = app.post_token(SECOND, Some(&basic(CLIENT, SECRET)), &body).await.json().await.unwrap();
    assert_eq!(at_second["scope"], "system/Patient.read", "requested ∩ registered ∩ the tenant's");
    let azs = &claims(at_second["access_token"].as_str().unwrap())["urn:com:cerner:authorization:claims"]["azs"];
    assert_eq!(azs, "system/Patient.read");
    let at_sandbox: Value = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), &body).await.json().await.unwrap();
    assert_eq!(at_sandbox["scope"], BOTH, "other tenants grant what the account registered");

    let token = at_second["access_token"].as_str().unwrap();
    let search = format!("/dstu2/{SECOND}/Appointment?location=4048128&date=2026-01-06");
    let refused = app.fhir(&search, Some(token)).await;
    assert_eq!(refused.status(), 403);
    let challenge = refused.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
    let patient = app.fhir(&format!("/dstu2/{SECOND}/Patient?name=a"), Some(token)).await;
    assert_eq!(patient.status(), 200, "the granted scope still reads");

    // Asking only for what the tenant does not grant leaves nothing: unauthorized_client.
    let only = app
        .post_token(SECOND, Some(&basic(CLIENT, SECRET)), "grant_type=client_credentials&scope=system/Appointment.read")
        .await;
    assert_eq!(only.status(), 400);
    let body: Value = only.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
}

#[tokio::test]
async fn a_limited_account_cannot_sign_in_at_any_tenant() {
    let app = spawn_app_with_profile(default_account_with("status = \"limited\""), LoadOptions::default()).await;
    for tenant in [SANDBOX, SECOND] {
        let body = "grant_type=client_credentials&scope=system/Appointment.read";
        let response = app.post_token(tenant, Some(&basic(CLIENT, SECRET)), body).await;
        assert_eq!(response.status(), 400, "{tenant}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "unauthorized_client");
        assert!(body["error_uri"].as_str().unwrap().contains("limited%2Dapplication"), "{body}");
    }
    // A wrong secret is still invalid_client: the status is told only to the account's owner.
    let wrong = app
        .post_token(
            SANDBOX,
            Some(&basic(CLIENT, "nope")),
            "grant_type=client_credentials&scope=system/Appointment.read",
        )
        .await;
    assert_eq!(wrong.status(), 401);
}

#[tokio::test]
async fn a_tenant_with_limits_of_its_own_throttles_apart_from_the_others() {
    let p = profile(|text| {
        let anchor = "id = \"0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca\"\nname = \"Second Hospital\"\n";
        assert!(text.contains(anchor));
        text.replacen(anchor, &format!("{anchor}\n[tenants.limits]\nfhir_burst = 2\nfhir_per_second = 1\n"), 1)
    });
    let app = spawn_app_with_profile(p, LoadOptions::default()).await;
    let second = app.token(SECOND, "system/Patient.read").await;
    let statuses: Vec<u16> = futures_statuses(&app, SECOND, &second, 3).await;
    assert_eq!(statuses, [200, 200, 429], "the tenant's own burst of 2");
    let sandbox = app.token(SANDBOX, "system/Patient.read").await;
    let statuses = futures_statuses(&app, SANDBOX, &sandbox, 3).await;
    assert_eq!(statuses, [200, 200, 200], "[limits]' burst of 50 elsewhere");
}

async fn futures_statuses(app: &TestApp, tenant: &str, token: &str, n: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..n {
        statuses.push(app.fhir(&format!("/dstu2/{tenant}/Patient?name=a"), Some(token)).await.status().as_u16());
    }
    statuses
}

fn with_mess(lines: &str) -> Profile {
    profile(|text| {
        let anchor = "id_base = 30000000\n\n[[tenants]]\nid = \"0b8a0111";
        assert!(text.contains(anchor));
        text.replacen(
            anchor,
            &format!("id_base = 30000000\n\n[tenants.synthetic.mess]\n{lines}\n\n[[tenants]]\nid = \"0b8a0111"),
            1,
        )
    })
}

/// Every appointment of the sandbox tenant's window, through paging.
async fn sandbox_appointments(app: &TestApp) -> Vec<Value> {
    let token = app.token(SANDBOX, "system/Appointment.read system/Practitioner.read").await;
    let first = format!(
        "/dstu2/{SANDBOX}/Appointment?location=21503380,21304876,32216049,32216052&date=ge2025-12-01&date=lt2026-03-01&_count=100"
    );
    let mut page: Value = app.fhir(&first, Some(&token)).await.json().await.unwrap();
    let mut all = Vec::new();
    loop {
        all.extend(page["entry"].as_array().into_iter().flatten().map(|e| e["resource"].clone()));
        let Some(next) = link(&page, "next").map(str::to_owned) else { return all };
        page = app.follow(&next, &token).await;
    }
}

#[tokio::test]
async fn messy_appointments_leave_out_optional_elements_carry_unknown_extensions_and_dangle() {
    let p = with_mess("missing_optional = 0.2\nunknown_extensions = 0.2\ndangling_references = 0.1");
    let app = spawn_app_with_profile(p, LoadOptions::default()).await;
    let all = sandbox_appointments(&app).await;
    let synthetic: Vec<&Value> = all.iter().filter(|a| a["id"].as_str().unwrap().starts_with("43")).collect();
    let sparse = synthetic.iter().filter(|a| a.get("text").is_none() && a.get("minutesDuration").is_none()).count();
    let extended = synthetic
        .iter()
        .filter(|a| a["extension"][0]["url"].as_str().is_some_and(|u| u.contains("example.invalid")))
        .count();
    let dangling: Vec<&str> = synthetic
        .iter()
        .filter_map(|a| a["participant"].as_array().filter(|p| p.len() == 4)?[3]["actor"]["reference"].as_str())
        .collect();
    let n = synthetic.len();
    assert!(n > 300, "{n}");
    for (what, count, share) in
        [("sparse", sparse, 0.2), ("extended", extended, 0.2), ("dangling", dangling.len(), 0.1)]
    {
        let expected = share * n as f64;
        assert!((count as f64 - expected).abs() < expected * 0.5, "{what}: {count} of {n}");
    }
    assert!(synthetic.iter().all(|a| a["start"].is_string() && a["status"].is_string()), "required stay");
    let token = app.token(SANDBOX, "system/Practitioner.read").await;
    let read = app.fhir(&format!("/dstu2/{SANDBOX}/{}", dangling[0]), Some(&token)).await;
    assert_eq!(read.status(), 404, "{} must not exist", dangling[0]);

    // Seeded: a second emulator marks the same appointments.
    let again = spawn_app_with_profile(
        with_mess("missing_optional = 0.2\nunknown_extensions = 0.2\ndangling_references = 0.1"),
        LoadOptions::default(),
    )
    .await;
    assert_eq!(sandbox_appointments(&again).await, all);
}

#[tokio::test]
async fn clean_data_is_what_it_was_without_a_mess_section() {
    let zero = with_mess("missing_optional = 0.0");
    let app = spawn_app_with_profile(zero, LoadOptions::default()).await;
    let plain = spawn_app().await;
    assert_eq!(sandbox_appointments(&app).await, sandbox_appointments(&plain).await);
}

#[test]
fn bad_values_are_refused_naming_the_field() {
    let text = include_str!("../../../fixtures/profile.toml");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let anchor = "  \"7c3e9a51-2f4b-4d8e-b6a0-94d1c5e8f273\",\n]\n";
    let account = |line: &str| text.replacen(anchor, &format!("{anchor}{line}\n"), 1);
    let mess_anchor = "id_base = 30000000\n\n[[tenants]]\nid = \"0b8a0111";
    let mess = |line: &str| {
        text.replacen(
            mess_anchor,
            &format!("id_base = 30000000\n\n[tenants.synthetic.mess]\n{line}\n\n[[tenants]]\nid = \"0b8a0111"),
            1,
        )
    };
    let limits_anchor = "name = \"Second Hospital\"\n";
    let limits = |line: &str| text.replacen(limits_anchor, &format!("{limits_anchor}\n[tenants.limits]\n{line}\n"), 1);
    let cases = [
        (account("status = \"LIMITED\""), "accounts[0].status"),
        (account("tenant_scopes = { \"nope\" = [] }"), "accounts[0].tenant_scopes.\"nope\""),
        (
            account(&format!("tenant_scopes = {{ \"{SECOND}\" = [\"ok\", \"bad scope\"] }}")),
            &format!("accounts[0].tenant_scopes.\"{SECOND}\"[1]"),
        ),
        (mess("missing_optional = 1.5"), "tenants[0].synthetic.mess.missing_optional"),
        (mess("dangling_references = -0.1"), "tenants[0].synthetic.mess.dangling_references"),
        (limits("fhir_burst = 0"), "tenants[1].limits.fhir_burst"),
    ];
    for (text, field) in cases {
        match Profile::from_toml(&text, &dir) {
            Err(cerner_mock::ProfileError::Invalid { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let typo = Profile::from_toml(&limits("fhir_brust = 3"), &dir).unwrap_err().to_string();
    assert!(typo.contains("fhir_brust"), "{typo}");
}
