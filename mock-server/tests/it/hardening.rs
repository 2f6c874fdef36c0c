//! The server under abuse: a thousand connections at once, a connection cap, slow-loris headers,
//! oversized bodies.

use std::time::Duration;

use cerner_mock::{ConnectionLimits, MockServer, Profile, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

async fn server(limits: ConnectionLimits) -> MockServer {
    let mut config = ServerConfig::new(Profile::embedded_default());
    config.limits = limits;
    MockServer::start(config).await.unwrap()
}

/// Sends one raw HTTP/1.1 request and reads the whole answer.
async fn exchange(stream: &mut TcpStream, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_all_get_correct_answers() {
    let server = server(ConnectionLimits::default()).await;
    let mut streams = Vec::new();
    for _ in 0..1000 {
        streams.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    let path = format!("/open/dstu2/{SANDBOX}/Patient/12724067");
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            let path = path.clone();
            tokio::spawn(async move { exchange(&mut stream, &path).await })
        })
        .collect();
    for task in tasks {
        let answer = task.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{}", &answer[..answer.len().min(200)]);
        assert!(answer.contains("\"id\":\"12724067\""));
    }
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_is_refused_with_503() {
    let server = server(ConnectionLimits { max_connections: 3, ..Default::default() }).await;
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(server.addr()).await.unwrap();
    let mut answer = String::new();
    extra.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"));
    drop(idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut fresh = TcpStream::connect(server.addr()).await.unwrap();
    assert!(exchange(&mut fresh, "/__admin/health").await.starts_with("HTTP/1.1 200"), "served again once others left");
}

#[tokio::test]
async fn a_slow_loris_connection_is_closed_after_the_header_timeout() {
    let limits = ConnectionLimits { header_read_timeout: Duration::from_millis(300), ..Default::default() };
    let server = server(limits).await;
    let mut slow = TcpStream::connect(server.addr()).await.unwrap();
    slow.write_all(b"GET /__admin/health HTTP/1.1\r\nHost: loc").await.unwrap();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the server closed the connection instead of waiting forever");
    let mut normal = TcpStream::connect(server.addr()).await.unwrap();
    assert!(exchange(&mut normal, "/__admin/health").await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let app = spawn_app().await;
    let huge = format!("grant_type=client_credentials&scope={}", "a".repeat(100 * 1024));
    let response = app.post_token(SANDBOX, Some(&basic(CLIENT, SECRET)), &huge).await;
    assert_eq!(response.status(), 413);
    let rule = serde_json::json!({ "id": "x".repeat(2 * 1024 * 1024), "action": { "type": "reset" } });
    let response = app.http.post(app.url("/__admin/faults")).json(&rule).send().await.unwrap();
    assert_eq!(response.status(), 413);
}
