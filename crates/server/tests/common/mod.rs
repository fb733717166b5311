//! What the CLI test files share.

use std::process::Command;

/// Run the real binary: (success, stdout, stderr).
pub fn quantumstate(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_quantumstate"))
        .args(args)
        .output()
        .expect("run quantumstate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}
