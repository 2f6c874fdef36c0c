//! The ceiling for `bench/load.sh`'s metadata figure: a bare HTTP server that answers one fixed
//! body, through the emulator's own connection handling ([`cerner_mock::serve`]: hyper, the
//! emulator's connection limits, the same allocator), with no routing, instrument, journal,
//! fault rules, rate limits, CORS or documented headers. Not a test and not part of the emulator:
//! it shows how fast any server could answer the same bytes on the machine, which puts the
//! emulator's figure and WireMock's side by side with what the machine allows.
//!
//! ```sh
//! cargo run --release -p cerner-mock --example bench_ceiling -- PORT BODY_FILE
//! ```
//!
//! Serves `BODY_FILE`'s bytes with `Content-Type: application/json+fhir` to every request on
//! `127.0.0.1:PORT` until killed.

#![allow(clippy::print_stderr)]

use std::process::ExitCode;

use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;

/// The emulator binary's allocator, so the comparison is of the work and not of the allocator.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(port), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_ceiling PORT BODY_FILE");
        return ExitCode::from(2);
    };
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("bench_ceiling: {port:?} is not a port number");
        return ExitCode::from(2);
    };
    let body = match std::fs::read(&file) {
        Ok(body) => Bytes::from(body),
        Err(e) => {
            eprintln!("bench_ceiling: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("bench_ceiling: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    let answer = move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "application/json+fhir")], body).into_response() }
    };
    let router = axum::Router::new().fallback(answer);
    match cerner_mock::serve(listener, router, std::future::pending()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_ceiling: {e}");
            ExitCode::from(1)
        }
    }
}
