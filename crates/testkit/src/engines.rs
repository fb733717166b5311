//! The search engines the Elasticsearch tests run on: osmem-server (started
//! per test, light), a real OpenSearch node (one per test binary: it takes
//! seconds to start) and noida-db (an Elasticsearch 8.15 persona).

use crate::{free_port, osmem, Running};
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Which engine a test talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// osmem-server: a Go emulator of the Elasticsearch API (no near-real-time refresh).
    Osmem,
    /// OpenSearch 2.19 (Lucene), in-process from Maven Central jars.
    OpenSearch,
    /// noida-db: answers as Elasticsearch 8.15, lacks some aggregations.
    Noida,
}

impl std::fmt::Display for EngineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EngineKind::Osmem => "osmem",
            EngineKind::OpenSearch => "opensearch",
            EngineKind::Noida => "noida",
        })
    }
}

/// A running engine: its base URL, and the process when this handle owns it
/// (the shared OpenSearch node is owned by the test binary).
pub struct Engine {
    pub kind: EngineKind,
    pub url: String,
    _process: Option<Running>,
}

impl Engine {
    /// A fresh engine of `kind` (OpenSearch: the binary's shared node).
    pub fn start(kind: EngineKind) -> Engine {
        match kind {
            EngineKind::Osmem => {
                let (process, url) = osmem();
                Engine {
                    kind,
                    url,
                    _process: Some(process),
                }
            }
            EngineKind::OpenSearch => Engine {
                kind,
                url: shared_opensearch().to_string(),
                _process: None,
            },
            EngineKind::Noida => {
                let (process, url) = noida();
                Engine {
                    kind,
                    url,
                    _process: Some(process),
                }
            }
        }
    }

    /// A prefix for index names that no other test of this binary uses on
    /// this engine (the OpenSearch node is shared): `name` plus a counter.
    pub fn prefix(&self, name: &str) -> String {
        static NEXT: Mutex<u32> = Mutex::new(0);
        let mut next = NEXT.lock().unwrap_or_else(|e| e.into_inner());
        *next += 1;
        format!("{}-{}-{}-", name.to_ascii_lowercase(), self.kind, *next)
    }
}

/// osmem and OpenSearch: the stand-in and the real engine.
pub fn engines() -> Vec<Engine> {
    vec![Engine::start(EngineKind::Osmem), Engine::start(EngineKind::OpenSearch)]
}

/// `scripts/engine.sh` at the workspace root.
pub fn engine_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/engine.sh")
}

/// An OpenSearch node of our own (`scripts/engine.sh`): stops when the handle
/// drops. Its standard error goes to `log`. Returns it, its URL and how long
/// it took to answer.
pub fn opensearch(log: &std::path::Path) -> (OpenSearchNode, String, Duration) {
    let t0 = Instant::now();
    let log_file = std::fs::File::create(log).unwrap_or_else(|e| panic!("create {}: {e}", log.display()));
    let mut child = Command::new("bash")
        .arg(engine_script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .expect("start scripts/engine.sh");
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(url) = line.strip_prefix("ENGINE_URL=") {
                    break url.trim().to_string();
                }
            }
            _ => {
                let mut err = String::new();
                let _ = std::fs::File::open(log).and_then(|mut f| f.read_to_string(&mut err));
                let tail: String = err
                    .lines()
                    .rev()
                    .take(30)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!(
                    "scripts/engine.sh exited before printing ENGINE_URL; its log ({}):\n{tail}",
                    log.display()
                );
            }
        }
    };
    // Keep reading stdout so the node never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (
        OpenSearchNode {
            process: Some(Running(child)),
            stdin,
        },
        url,
        t0.elapsed(),
    )
}

/// An OpenSearch node started by [`opensearch`].
pub struct OpenSearchNode {
    process: Option<Running>,
    stdin: Option<ChildStdin>,
}

impl OpenSearchNode {
    /// Stop the node as an operator would (SIGTERM) and wait until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut running) = self.process.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &running.0.id().to_string()])
                .status();
            let _ = running.0.wait();
        }
        self.stdin = None;
    }
}

impl Drop for OpenSearchNode {
    fn drop(&mut self) {
        // Closing stdin stops the node and removes its data directory.
        self.stdin = None;
        if let Some(mut running) = self.process.take() {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = running.0.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// The OpenSearch node this test binary shares, started on first use. It is
/// never dropped: it stops when the binary exits and its stdin pipe closes.
pub fn shared_opensearch() -> &'static str {
    static NODE: OnceLock<(OpenSearchNode, String)> = OnceLock::new();
    &NODE
        .get_or_init(|| {
            let log = std::env::temp_dir().join(format!("qs-engine-{}.log", std::process::id()));
            let (node, url, took) = opensearch(&log);
            eprintln!(
                "OpenSearch answering at {url} after {:.1} s (log: {})",
                took.as_secs_f64(),
                log.display()
            );
            (node, url)
        })
        .1
}

/// Start noida-db with only its Elasticsearch service, on a free loopback
/// port, data in a temporary directory (`pip install noida-db`;
/// scripts/test.sh does). Returns it and its base URL once it answers.
pub fn noida() -> (Running, String) {
    let dir = std::env::temp_dir().join(format!("qs-noida-{}-{}", std::process::id(), free_port()));
    let port = free_port();
    // The binary itself, not the pip wrapper script: killing a wrapper would orphan it.
    let bin = Command::new("python3")
        .args([
            "-c",
            "import importlib.resources as r; print(r.files('noida_db').joinpath('noida-db'))",
        ])
        .output()
        .expect("python3");
    assert!(
        bin.status.success(),
        "noida-db is not installed: pip install noida-db (scripts/test.sh does)"
    );
    let bin = String::from_utf8_lossy(&bin.stdout).trim().to_string();
    let child = Command::new(bin)
        .args(["start", "--only", "elasticsearch", "--host", "127.0.0.1"])
        .arg("--data-dir")
        .arg(&dir)
        .args(["--elasticsearch-port", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start noida-db (pip install noida-db; scripts/test.sh does)");
    let running = Running(child);
    let url = format!("http://127.0.0.1:{port}");
    // It listens within a moment: poll the port, bounded.
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "noida-db did not listen on {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (running, url)
}
