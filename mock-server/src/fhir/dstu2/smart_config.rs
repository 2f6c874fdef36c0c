//! `GET {base}.well-known/smart-configuration`. Cerner documents it for R4 only; the emulator serves
//! it for DSTU2 too (chosen; README, "Discovery") so clients can discover the token endpoint either way.
//! It advertises only what the emulator implements: the token, revocation and introspection
//! endpoints ([`crate::oauth::endpoints`]), client credentials with client_secret_basic or
//! private_key_jwt (RS384, ES384), and `system/*.read` scopes of the types DSTU2 serves.

use serde_json::{Value, json};

use crate::oauth::endpoints::smart_endpoints;
use crate::scope::Scope;

pub(super) fn body(origin: &str, tenant: &str) -> Value {
    let served = super::table::DECLARATION.resources.iter().map(|r| r.resource.as_str());
    let mut served: Vec<&str> = served.collect();
    served.sort_unstable();
    let scopes: Vec<String> = served.iter().map(|t| Scope::system_read(t).to_string()).collect();
    let mut body = smart_endpoints(origin, tenant);
    body.extend(
        json!({
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": scopes,
            "capabilities": ["client-confidential-symmetric", "client-confidential-asymmetric", "permission-v1"],
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    Value::Object(body)
}
