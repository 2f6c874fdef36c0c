//! `record` against `cerner-mock --replay`: a recording of the emulator, replayed and recorded
//! again, comes back the same, file for file and byte for byte, on each version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use cerner_harness::scenario::SANDBOX;

use crate::{BIN, CLIENT_ID, CLIENT_SECRET, emulator};

/// `record` of `secured` (and `open`) into `out`, with the sandbox account's credentials or none.
async fn record(secured: String, open: String, out: PathBuf, credentials: bool) {
    let output = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(BIN);
        command.args(["record", "--fhir-base", &secured, "--open-base", &open, "--out"]).arg(&out);
        if credentials {
            command.env("CERNER_CLIENT_ID", CLIENT_ID).env("CERNER_CLIENT_SECRET", CLIENT_SECRET);
        } else {
            command.env_remove("CERNER_CLIENT_ID").env_remove("CERNER_CLIENT_SECRET");
        }
        command.output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| (path.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&path).unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recording_the_replay_of_a_recording_gives_the_same_recording() {
    let server = emulator().await;
    let origin = server.origin().to_owned();
    for version in ["dstu2", "r4"] {
        let scratch = std::env::temp_dir().join(format!("cerner-harness-replay-{version}-{}", std::process::id()));
        let (first, second) = (scratch.join("first"), scratch.join("second"));
        let bases =
            |origin: &str| (format!("{origin}/{version}/{SANDBOX}/"), format!("{origin}/open/{version}/{SANDBOX}/"));
        let (secured, open) = bases(&origin);
        record(secured, open, first.clone(), true).await;

        let recording = cerner_mock::replay::Recording::load(&first).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let replay = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(cerner_mock::serve(listener, cerner_mock::replay::router(recording), async {
            let _ = stopped.await;
        }));
        // No credentials: the replay answers as recorded, token or not.
        let (secured, open) = bases(&replay);
        record(secured, open, second.clone(), false).await;
        let _ = stop.send(());
        serving.await.unwrap().unwrap();

        let (recorded, replayed) = (files(&first), files(&second));
        assert!(recorded.len() >= 13, "{version}: {} probes recorded", recorded.len());
        assert_eq!(recorded.keys().collect::<Vec<_>>(), replayed.keys().collect::<Vec<_>>(), "{version}");
        for (name, text) in &recorded {
            assert_eq!(text, &replayed[name], "{version} {name}");
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(value["request"]["tenant"], SANDBOX, "{version} {name}: the request is kept");
        }
        // The read answers keep their ETag, so the replay serves one.
        assert!(recorded["patient-read.json"].contains("\"etag\""), "{}", recorded["patient-read.json"]);
        let _ = std::fs::remove_dir_all(&scratch);
    }
}
