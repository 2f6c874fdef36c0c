//! `cerner-mock health`: asks a running emulator's `GET /__admin/health` and says whether it
//! answered `200 {"status":"ok"}`. It is what a container's `HEALTHCHECK` runs, so it needs no
//! runtime and no HTTP client: one HTTP/1.1 request over a plain TCP connection, with a deadline
//! on connecting, writing and reading, and a bounded read.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The most of an answer read; a health answer is a few hundred bytes.
const MAX_ANSWER: u64 = 64 * 1024;

/// Why the emulator is not healthy. Each message is one line.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    /// Nothing accepted the connection.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address checked.
        addr: SocketAddr,
        /// Why the connection failed.
        source: std::io::Error,
    },
    /// The whole exchange did not finish within the deadline.
    #[error("no answer from {addr} within {seconds:.1} s")]
    Timeout {
        /// The address checked.
        addr: SocketAddr,
        /// The deadline, in seconds.
        seconds: f64,
    },
    /// The connection failed while sending or reading.
    #[error("talking to {addr}: {source}")]
    Io {
        /// The address checked.
        addr: SocketAddr,
        /// The read or write error.
        source: std::io::Error,
    },
    /// An answer other than `200`.
    #[error("{addr} answered {status_line:?}, not 200")]
    Status {
        /// The address checked.
        addr: SocketAddr,
        /// The answer's status line, as sent.
        status_line: String,
    },
    /// A `200` whose body is not the health document.
    #[error("{addr} answered 200 but not {{\"status\":\"ok\"}}: {body:?}")]
    Body {
        /// The address checked.
        addr: SocketAddr,
        /// The body received (at most 64 KiB).
        body: String,
    },
    /// Bytes that are not an HTTP answer.
    #[error("{addr} sent no HTTP answer")]
    NotHttp {
        /// The address checked.
        addr: SocketAddr,
    },
}

/// `GET /__admin/health` on `addr`, all of it within `timeout`.
pub fn check(addr: SocketAddr, timeout: Duration) -> Result<(), HealthError> {
    let deadline = Instant::now() + timeout;
    let timed_out = || HealthError::Timeout { addr, seconds: timeout.as_secs_f64() };
    let io = |source: std::io::Error| match source.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => timed_out(),
        _ => HealthError::Io { addr, source },
    };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|source| match source.kind() {
        std::io::ErrorKind::TimedOut => timed_out(),
        _ => HealthError::Connect { addr, source },
    })?;
    let left = || deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero());
    stream.set_write_timeout(Some(left().ok_or_else(timed_out)?)).map_err(io)?;
    let request = format!(
        "GET /__admin/health HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut answer = Vec::new();
    let mut limited = (&stream).take(MAX_ANSWER);
    let mut chunk = [0u8; 4096];
    loop {
        stream.set_read_timeout(Some(left().ok_or_else(timed_out)?)).map_err(io)?;
        match limited.read(&mut chunk).map_err(io)? {
            0 => break,
            n => answer.extend_from_slice(&chunk[..n]),
        }
    }
    judge(addr, &answer)
}

/// A whole `Connection: close` answer: status 200 and a JSON body `{"status":"ok"}`.
fn judge(addr: SocketAddr, answer: &[u8]) -> Result<(), HealthError> {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").ok_or(HealthError::NotHttp { addr })?;
    let status_line = head.lines().next().unwrap_or_default();
    let mut parts = status_line.split(' ');
    if !parts.next().is_some_and(|v| v.starts_with("HTTP/1.")) {
        return Err(HealthError::NotHttp { addr });
    }
    if parts.next() != Some("200") {
        return Err(HealthError::Status { addr, status_line: status_line.to_owned() });
    }
    let ok = serde_json::from_str::<crate::admin::wire::StatusBody>(body).is_ok_and(|b| b.status == "ok");
    if ok { Ok(()) } else { Err(HealthError::Body { addr, body: body.chars().take(200).collect() }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 9))
    }

    #[test]
    fn judges_status_and_body() {
        let ok = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"status\":\"ok\"}";
        assert!(judge(addr(), ok).is_ok());
        let refused = b"HTTP/1.1 403 Forbidden\r\n\r\n{\"error\":\"no\"}";
        let error = judge(addr(), refused).unwrap_err().to_string();
        assert!(error.contains("403 Forbidden") && error.contains("not 200"), "{error}");
        let wrong = b"HTTP/1.1 200 OK\r\n\r\n{\"status\":\"reset\"}";
        assert!(matches!(judge(addr(), wrong), Err(HealthError::Body { .. })));
        assert!(matches!(judge(addr(), b"SSH-2.0-OpenSSH\r\n\r\n"), Err(HealthError::NotHttp { .. })));
        assert!(matches!(judge(addr(), b""), Err(HealthError::NotHttp { .. })));
    }
}
