//! What a first load downloads: every file of the built app, raw, gzip -9 and brotli.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct FileSize {
    pub name: String,
    pub kind: &'static str,
    pub raw: u64,
    pub gzip: u64,
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

pub fn gzip9(bytes: &[u8]) -> u64 {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory").len() as u64
}

/// Brotli at quality 11 (what `brotli -9`… `-q 11` and static pre-compression use).
pub fn brotli11(bytes: &[u8]) -> u64 {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli into memory");
    out.len() as u64
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
            gzip: gzip9(&bytes),
            brotli: brotli11(&bytes),
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
        let (g, b) = (gzip9(text.as_bytes()), brotli11(text.as_bytes()));
        assert!(g < text.len() as u64 / 10 && b < text.len() as u64 / 10, "{g} {b}");
        assert_eq!(kind("app-123_bg.wasm"), "wasm");
        assert_eq!(kind("index.html"), "HTML");
        assert_eq!(kind("favicon.ico"), "other");
    }
}
