//! The client as an OS process: `sh -c CMD` in a process group of its own, its stdout and stderr
//! read while it runs (so a client killed at the time limit keeps what it printed), the whole group
//! killed at the limit, and its peak memory read from `getrusage` once it is reaped.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};

use crate::evidence::{ClientRun, PeakRss};
use crate::runner::millis;

/// What is kept of each stream; the rest is read and dropped, so a client printing without end
/// neither blocks on a full pipe nor fills the harness's memory.
const KEEP_BYTES: usize = 16 * 1024 * 1024;

/// How long the pipes may stay open after the process ended or was killed.
const DRAIN: Duration = Duration::from_secs(2);

/// Runs `cmd` with `HARNESS_JOB` set to `job`; kills its process group after `limit`. With
/// `measurer` (this harness's executable), the client runs under its `measure` command, which
/// reports the client's own peak memory; without, the peak is told from this process's children.
pub async fn run(cmd: &str, job: &Path, limit: Duration, measurer: Option<&Path>) -> std::io::Result<ClientRun> {
    let started = Instant::now();
    let before = children_max_rss_kib();
    let rss_file = job.with_extension(format!("rss-{}", uuid::Uuid::new_v4().simple()));
    let mut command = match measurer {
        Some(exe) => {
            let mut command = tokio::process::Command::new(exe);
            command.arg("measure").arg(&rss_file).arg(cmd);
            command
        }
        None => {
            let mut command = tokio::process::Command::new("sh");
            command.arg("-c").arg(cmd);
            command
        }
    };
    let mut child = command
        .env("HARNESS_JOB", job)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let stdout = Captured::start(child.stdout.take());
    let stderr = Captured::start(child.stderr.take());
    let (status, timed_out) = match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => (Some(status?), false),
        Err(_) => {
            if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
                // The whole group: `sh` may have started the client as its child.
                let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
            let _ = child.kill().await;
            (None, true)
        }
    };
    let duration_ms = millis(started.elapsed());
    let after = children_max_rss_kib();
    let measured = std::fs::read_to_string(&rss_file).ok().and_then(|t| t.trim().parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok(ClientRun {
        exit_code: status.and_then(|s| s.code()),
        timed_out,
        stdout: stdout.finish().await,
        stderr: stderr.finish().await,
        duration_ms,
        output_lines_after: 0,
        peak_rss: measured.map_or_else(|| peak(before, after), PeakRss::Exact),
        journal_next_seq: 0,
    })
}

/// The `measure` command: runs `sh -c CMD` as its only child, writes that child's peak resident
/// memory (KiB) to `out`, and exits as the child did (128 + signal when killed by one).
pub fn measure(out: &Path, cmd: &str) -> u8 {
    let status = match std::process::Command::new("sh").arg("-c").arg(cmd).status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("cerner-harness measure: cannot run sh: {e}");
            return 2;
        }
    };
    if let Some(kib) = children_max_rss_kib() {
        let _ = std::fs::write(out, kib.to_string());
    }
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().or_else(|| status.signal().map(|s| 128 + s)).unwrap_or(1);
    u8::try_from(code).unwrap_or(1)
}

/// The kernel keeps the largest peak of all reaped children: when it grew during this run, it is
/// this client's; otherwise this client stayed at or below the earlier peak.
fn peak(before: Option<u64>, after: Option<u64>) -> PeakRss {
    match (before, after) {
        (Some(b), Some(a)) if a > b => PeakRss::Exact(a),
        (Some(b), Some(_)) => PeakRss::AtMost(b),
        _ => PeakRss::Unknown,
    }
}

/// `ru_maxrss` of the reaped children, in KiB (Linux reports KiB).
fn children_max_rss_kib() -> Option<u64> {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).ok()?;
    u64::try_from(usage.max_rss()).ok()
}

/// A stream read into a shared buffer by a task, so what arrived is there even if the reader
/// never sees the end.
struct Captured {
    buffer: Arc<Mutex<Vec<u8>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Captured {
    fn start(stream: Option<impl AsyncRead + Unpin + Send + 'static>) -> Self {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let task = stream.map(|mut stream| {
            let buffer = buffer.clone();
            tokio::spawn(async move {
                let mut chunk = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = stream.read(&mut chunk).await {
                    let mut kept = buffer.lock().unwrap_or_else(PoisonError::into_inner);
                    let room = KEEP_BYTES.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                }
            })
        });
        Self { buffer, task }
    }

    async fn finish(mut self) -> String {
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(DRAIN, task).await.is_err() {
                abort.abort();
            }
        }
        let bytes = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(PoisonError::into_inner));
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[tokio::test]
    async fn a_client_killed_at_the_time_limit_keeps_what_it_printed_and_loses_its_group() {
        // The limit only has to outlast two echos; what is asserted is what happened, not how fast.
        let pid_file = std::env::temp_dir().join(format!("cerner-harness-pid-{}", uuid::Uuid::new_v4().simple()));
        let cmd = format!("echo started; echo 'on stderr' >&2; sleep 300 & echo $! > '{}'; wait", pid_file.display());
        let run = run(&cmd, Path::new("/nonexistent"), limit(3), None).await.unwrap();
        assert!(run.timed_out && run.exit_code.is_none());
        assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("started\n", "on stderr\n"));
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let _ = std::fs::remove_file(&pid_file);
        // The grandchild `sleep` was killed with its group (it is gone or a zombie about to be reaped).
        let proc_dir = format!("/proc/{}", pid.trim());
        let alive = || {
            std::fs::read_to_string(format!("{proc_dir}/stat"))
                .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
        };
        for _ in 0..100 {
            if !alive() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the client's sleep {} outlived the kill", pid.trim());
    }

    #[tokio::test]
    async fn a_finished_client_has_its_exit_code_output_and_job_path() {
        let run = run("echo \"$HARNESS_JOB\"; exit 3", Path::new("/tmp/job.json"), limit(10), None).await.unwrap();
        assert_eq!((run.exit_code, run.timed_out, run.stdout.as_str()), (Some(3), false, "/tmp/job.json\n"));
    }

    #[test]
    fn the_peak_is_this_clients_only_when_the_kernel_figure_grew() {
        assert_eq!(peak(Some(10), Some(50)), PeakRss::Exact(50));
        assert_eq!(peak(Some(50), Some(50)), PeakRss::AtMost(50));
        assert_eq!(peak(None, Some(50)), PeakRss::Unknown);
    }
}
