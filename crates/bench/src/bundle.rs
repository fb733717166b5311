//! What a first load downloads: every file of the built app, raw, gzip -9,
//! zopfli and brotli (the last two as `quantumstate serve` compresses the build).

use anyhow::{bail, Context};
use quantumstate_server::serve::{brotli11, gzip9, gzip_zopfli};
use std::path::Path;

#[derive(Debug, Clone)]
pub struct FileSize {
    pub name: String,
    pub kind: &'static str,
    pub raw: u64,
    /// gzip -9 (what the targets are stated in).
    pub gzip: u64,
    /// The served `.gz` copy: zopfli, smaller than gzip -9 in the same format.
    pub zopfli: u64,
    pub brotli: u64,
}

fn kind(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("wasm") => "wasm",
        Some("js") => "JS",
        Some("css") => "CSS",
        Some("html") => "HTML",
        _ => "other",
    }
}

/// Every file directly in `dist` (Trunk puts the whole app there).
pub fn measure(dist: &Path) -> anyhow::Result<Vec<FileSize>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dist).with_context(|| format!("reading {}", dist.display()))? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        // `quantumstate serve` writes these next to the build: not part of it.
        if name.ends_with(".br") || name.ends_with(".gz") || name.contains(".tmp-") {
            continue;
        }
        let bytes = std::fs::read(entry.path())?;
        out.push(FileSize {
            kind: kind(&name),
            raw: bytes.len() as u64,
            gzip: gzip9(&bytes)?.len() as u64,
            zopfli: gzip_zopfli(&bytes)?.len() as u64,
            brotli: brotli11(&bytes)?.len() as u64,
            name,
        });
    }
    if !out.iter().any(|f| f.kind == "wasm") {
        bail!(
            "no .wasm in {}: build the app first (trunk build --release)",
            dist.display()
        );
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.raw));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_shrinks_repetitive_text_and_kinds_follow_extensions() {
        let text = "fn main() { println!(\"hello\"); }\n".repeat(200);
        let (g, b) = (gzip9(text.as_bytes()).unwrap(), brotli11(text.as_bytes()).unwrap());
        assert!(
            g.len() < text.len() / 10 && b.len() < text.len() / 10,
            "{} {}",
            g.len(),
            b.len()
        );
        assert_eq!(kind("app-123_bg.wasm"), "wasm");
        assert_eq!(kind("index.html"), "HTML");
        assert_eq!(kind("favicon.ico"), "other");
    }
}
