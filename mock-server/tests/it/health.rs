//! `cerner-mock health` (a container's `HEALTHCHECK`) and who may ask `GET /__admin/health`.

use std::net::SocketAddr;
use std::process::Command;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use cerner_mock::{AppState, Clock, Profile, StateOptions, build_router};
use tower::ServiceExt;

use crate::cli::spawn;

const BIN: &str = env!("CARGO_BIN_EXE_cerner-mock");

fn health(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let output = Command::new(BIN).arg("health").args(args).envs(env.iter().copied()).output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn health_exits_0_with_one_line_when_the_emulator_answers_ok() {
    let (mut child, address) = spawn(&[], &[]);
    let port = address.rsplit(':').next().unwrap().to_owned();
    let by_address = health(&[&address], &[]);
    // Without an address: the loopback address of CERNER_MOCK_BIND (every interface here, as in the
    // container) on CERNER_MOCK_PORT.
    let by_environment = health(&[], &[("CERNER_MOCK_BIND", "0.0.0.0"), ("CERNER_MOCK_PORT", &port)]);
    let by_flag = health(&["--port", &port], &[]);
    let _ = child.kill();
    let _ = child.wait();
    for (code, stdout, stderr) in [by_address, by_environment, by_flag] {
        assert_eq!(code, Some(0), "{stderr}");
        assert_eq!(stdout, format!("healthy: http://127.0.0.1:{port}/__admin/health answered ok\n"));
    }
}

#[test]
fn health_exits_1_with_one_line_when_nothing_listens() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (code, stdout, stderr) = health(&[&closed.to_string()], &[]);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("cerner-mock health: not healthy: cannot connect to"), "{stderr}");
}

/// A listener that accepts and never answers: the check gives up at its timeout instead of hanging.
#[test]
fn health_gives_up_on_a_server_that_never_answers() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = silent.local_addr().unwrap().to_string();
    let (code, _, stderr) = health(&[&address, "--timeout", "0.3"], &[]);
    drop(silent);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("no answer from") && stderr.contains("within 0.3 s"), "{stderr}");
    let (code, _, stderr) = health(&["--timeout", "0"], &[]);
    assert_eq!(code, Some(2), "{stderr}");
}

/// A caller from another address (a container engine's probe, a CI service check) gets health but
/// nothing else of the admin API.
#[tokio::test]
async fn health_answers_every_caller_and_the_rest_of_the_admin_api_loopback_only() {
    let origin = url::Url::parse("http://127.0.0.1:8080").unwrap();
    let state = AppState::new(Profile::embedded_default(), &origin, Clock::system(), StateOptions::default()).unwrap();
    let router = build_router(state);
    let from = |path: &str, peer: &str| {
        let mut request = Request::get(path).body(Body::empty()).unwrap();
        request.extensions_mut().insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        request
    };
    let status = |request: Request<Body>| {
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status().as_u16() }
    };
    assert_eq!(status(from("/__admin/health", "192.0.2.7:40000")).await, 200);
    assert_eq!(status(from("/__admin/journal", "192.0.2.7:40000")).await, 403);
    assert_eq!(status(from("/__admin/journal", "127.0.0.1:40000")).await, 200);
}
