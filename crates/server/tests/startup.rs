//! Start-up validation: a setting that cannot work stops `quantumstate serve`
//! before it listens, with a message naming the flag.

use std::process::Command;

fn serve(args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quantumstate"))
        .args(["serve", "--bind", "127.0.0.1:0", "--dist"])
        .arg(dir.path())
        .args(args)
        .env_remove("ES_URL")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_settings_stop_start_up_and_name_their_flag() {
    let cases: &[(&[&str], &str)] = &[
        (&["--allow-origin", "*"], "--allow-origin '*'"),
        (&["--allow-origin", "demo.example"], "--allow-origin"),
        (&["--allow-origin", "https://demo.example/app"], "--allow-origin"),
        (&["--allow-origin", "null"], "--allow-origin"),
        (&["--allowed-host", "http://demo.example/"], "--allowed-host"),
        (&["--upstream-timeout", "0"], "--upstream-timeout"),
        (&["--header-timeout", "0"], "--header-timeout"),
        (&["--header-timeout", "61"], "--header-timeout"),
        (&["--body-timeout", "0"], "--body-timeout"),
        (&["--max-connections", "0"], "--max-connections"),
        (&["--body-limit", "0"], "--body-limit"),
        (&["--es-url", "ftp://x"], "http or https"),
    ];
    for (args, named) in cases {
        let (ok, stdout, stderr) = serve(args);
        assert!(!ok, "{args:?} started");
        assert!(!stdout.contains("listening"), "{args:?} printed {stdout}");
        assert!(stderr.contains(named), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_valid_origin_is_accepted() {
    // Start-up gets as far as listening (the process is then killed).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let (_server, url) = quantumstate_testkit::serve(
        env!("CARGO_BIN_EXE_quantumstate").as_ref(),
        dir.path(),
        &[
            "--allow-origin",
            "https://Demo.example:443",
            "--allowed-host",
            "demo.example",
        ],
    );
    assert!(url.starts_with("http://127.0.0.1:"));
}
