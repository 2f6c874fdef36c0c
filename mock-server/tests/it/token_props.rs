//! Property tests through the router itself: whatever the body, scope or Authorization header, the
//! token endpoint answers 200, 400 or 401 — never a 500, never a panic.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cerner_mock::clock::DEFAULT_MANUAL_START;
use cerner_mock::{AppState, Clock, Profile, build_router};
use proptest::prelude::*;
use tower::ServiceExt;

use crate::helpers::*;

/// One emulator state for every case: building it loads every tenant's data.
fn state() -> AppState {
    static STATE: OnceLock<AppState> = OnceLock::new();
    STATE
        .get_or_init(|| {
            let origin = url::Url::parse("http://127.0.0.1:8080").unwrap();
            let clock = Clock::manual(DEFAULT_MANUAL_START);
            let mut profile = Profile::embedded_default();
            profile.limits.enabled = false;
            AppState::new(profile, &origin, clock, Default::default()).unwrap()
        })
        .clone()
}

fn status(state: &AppState, authorization: &str, body: Vec<u8>) -> StatusCode {
    let request = Request::post(token_path(SANDBOX))
        .header("content-type", FORM)
        .header("authorization", authorization)
        .body(Body::from(body))
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(build_router(state.clone()).oneshot(request)).unwrap().status()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_body_is_answered_with_200_or_400(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let status = status(&state(), &basic(CLIENT, SECRET), body);
        prop_assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status}");
    }

    #[test]
    fn any_scope_string_is_granted_or_refused_with_400(scope in "\\PC{0,60}") {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("grant_type", "client_credentials")
            .append_pair("scope", &scope)
            .finish();
        let status = status(&state(), &basic(CLIENT, SECRET), body.into_bytes());
        prop_assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status}");
    }

    #[test]
    fn any_authorization_header_is_answered_with_401_or_400(value in "[ -~]{0,80}") {
        let body = b"grant_type=client_credentials&scope=system%2FPatient.read".to_vec();
        let status = status(&state(), &value, body);
        prop_assert!(status == StatusCode::UNAUTHORIZED || status == StatusCode::BAD_REQUEST, "{status}");
    }
}

/// The handlers take the credentials the instrument parsed; mounted without it, they read the
/// same credentials themselves and answer alike.
#[test]
fn the_token_endpoint_and_fhir_answer_alike_without_the_instrument() {
    let state = state();
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let bare = || {
        axum::Router::new()
            .merge(cerner_mock::oauth::router())
            .merge(cerner_mock::fhir::router())
            .with_state(state.clone())
    };
    let token = |router: axum::Router, authorization: &str| {
        let request = Request::post(token_path(SANDBOX))
            .header("content-type", FORM)
            .header("authorization", authorization)
            .body(Body::from("grant_type=client_credentials&scope=system%2FPatient.read"))
            .unwrap();
        runtime.block_on(async {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
            (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default())
        })
    };
    for router in [bare(), build_router(state.clone())] {
        assert_eq!(token(router.clone(), &basic(CLIENT, "wrong")).0, StatusCode::UNAUTHORIZED);
        let (status, body) = token(router.clone(), &basic(CLIENT, SECRET));
        assert_eq!(status, StatusCode::OK, "{body}");
        let access = body["access_token"].as_str().unwrap();
        let read = |bearer: &str| {
            let request = Request::get(format!("/dstu2/{SANDBOX}/Patient/12724066"))
                .header("accept", "application/json+fhir")
                .header("authorization", format!("Bearer {bearer}"))
                .body(Body::empty())
                .unwrap();
            runtime.block_on(router.clone().oneshot(request)).unwrap().status()
        };
        assert_eq!(read(access), StatusCode::OK);
        assert_eq!(read("not-a-token"), StatusCode::UNAUTHORIZED);
    }
}
