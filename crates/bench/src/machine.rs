//! Where the figures come from: date, CPU, cores, tool versions, commit.

use std::process::Command;

pub struct Machine {
    pub date: String,
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub commit: String,
    /// (tool, version line)
    pub tools: Vec<(&'static str, String)>,
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "not found".into())
}

fn proc_field(file: &str, key: &str) -> Option<String> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

pub fn describe() -> Machine {
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    let commit = first_line("git", &["rev-parse", "--short", "HEAD"]);
    Machine {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        cpu: proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into()),
        cores: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        memory: proc_field("/proc/meminfo", "MemTotal")
            .and_then(|kb| kb.trim_end_matches(" kB").trim().parse::<u64>().ok())
            .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into()),
        commit: if dirty {
            format!("{commit} (with uncommitted changes)")
        } else {
            commit
        },
        tools: vec![
            ("rustc", first_line("rustc", &["--version"])),
            ("trunk", first_line("trunk", &["--version"])),
            ("wasm-bindgen", first_line("wasm-bindgen", &["--version"])),
            ("wasm-opt", first_line("wasm-opt", &["--version"])),
            ("Chromium", first_line("chromium", &["--version"])),
            ("ChromeDriver", first_line("chromedriver", &["--version"])),
            (
                "osmem-server",
                first_line(
                    "python3",
                    &["-c", "import importlib.metadata as m; print(m.version('osmem-server'))"],
                ),
            ),
        ],
    }
}
