//! The ids of the embedded default profile (`fixtures/profile.toml`), defined once for the
//! emulator's tests, the harness and the sync client's tests. The sandbox tenant and the system
//! account are the ids of Cerner's own documentation and public sandbox.

/// Cerner's public sandbox tenant (fhir.cerner.com), approved for both default accounts.
pub const SANDBOX_TENANT: &str = "ec2458f2-1e24-41c8-b71b-0e701af7583d";
/// A second approved tenant, with synthetic data.
pub const SECOND_TENANT: &str = "0b8a0111-e8e6-4c26-a91c-5069cbc6b1ca";
/// A tenant that approves no account.
pub const UNAPPROVED_TENANT: &str = "d075cf8b-3261-481d-97e5-ba6c48d3b41f";
/// Approved, with data, but without DSTU2 system access (a production tenant).
pub const PRODUCTION_TENANT: &str = "7c3e9a51-2f4b-4d8e-b6a0-94d1c5e8f273";
/// The system account that authenticates with `client_secret_basic` (Cerner's documented example id).
pub const CLIENT_ID: &str = "bb318a62-fa61-49ae-b692-7d99214f0ec7";
/// Its secret: the profile's, not a real one.
pub const CLIENT_SECRET: &str = "secret";
/// The system account that authenticates with `private_key_jwt`.
pub const JWT_CLIENT_ID: &str = "4f1c7b6e-2a0d-4c8e-9a57-3d2b8e6f1a90";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;

    #[test]
    fn the_ids_are_those_of_the_embedded_profile() {
        let profile = Profile::embedded_default();
        let tenants: Vec<&str> = profile.tenants.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(tenants, [SANDBOX_TENANT, SECOND_TENANT, UNAPPROVED_TENANT, PRODUCTION_TENANT]);
        let approves = |client: &str, tenant: &str| {
            let account = profile.account(client).unwrap();
            account.approved_tenants.iter().any(|t| t.as_str() == tenant)
        };
        for client in [CLIENT_ID, JWT_CLIENT_ID] {
            assert!(approves(client, SANDBOX_TENANT) && approves(client, SECOND_TENANT), "{client}");
            assert!(!approves(client, UNAPPROVED_TENANT), "{client}");
        }
        let basic = profile.account(CLIENT_ID).unwrap();
        assert!(basic.secret.as_ref().is_some_and(|s| s.matches(CLIENT_SECRET)));
        assert!(profile.tenant(PRODUCTION_TENANT).is_some_and(|t| !t.dstu2_system_access));
    }
}
