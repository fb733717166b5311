//! The footprint rows: what a cold load fetches before the app answers clicks
//! (the `app-interactive` mark), how long that takes, and how memory grows
//! over many runs in one page. `--only-footprint` measures just these and
//! puts them into the existing report in place of the old ones.

use crate::bundle::FileSize;
use crate::page::{Load, Memory};
use crate::report::{kb, mib, verdict, Table};
use crate::stats::{thousands, Sample};
use std::fmt::Write;

/// Issue 16: bytes before interactive, gzip -9, now and the next step.
pub const BEFORE_INTERACTIVE_TARGET_GZIP: u64 = 186_000;
pub const BEFORE_INTERACTIVE_NEXT_GZIP: u64 = 150_000;
const INTERACTIVE_TARGET_MS: f64 = 300.0;
/// Stated bound: after the warm-up round, JS heap plus wasm memory grow by no
/// more than this per audit record the app keeps.
const MEMORY_PER_RECORD_BOUND: f64 = 8.0 * 1024.0;

/// The build's files by when a cold load fetched them.
#[derive(Debug, Default)]
pub struct Split<'a> {
    /// Requested before the `app-interactive` mark in at least one load.
    pub before: Vec<&'a FileSize>,
    /// Requested only after the mark.
    pub later: Vec<&'a FileSize>,
    /// Never requested by a cold load (icons the browser may ask for, share images, …).
    pub unfetched: Vec<&'a FileSize>,
}

pub fn split<'a>(bundle: &'a [FileSize], loads: &[Load]) -> Split<'a> {
    let mut out = Split::default();
    for f in bundle {
        let requests = loads.iter().flat_map(|l| {
            l.fetched
                .iter()
                .filter(|r| r.path == f.name)
                .map(move |r| r.start_ms < l.interactive_ms)
        });
        let (mut any, mut early) = (false, false);
        for before in requests {
            any = true;
            early |= before;
        }
        match (any, early) {
            (_, true) => out.before.push(f),
            (true, false) => out.later.push(f),
            _ => out.unfetched.push(f),
        }
    }
    out
}

fn names(files: &[&FileSize]) -> String {
    if files.is_empty() {
        return "none".into();
    }
    files
        .iter()
        .map(|f| format!("`{}` {} B", f.name, thousands(f.gzip)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The bundle, footprint and load rows.
pub fn load_rows(t: &mut Table, bundle: &[FileSize], loads: &[Load]) {
    for f in bundle {
        t.row(
            "Bundle",
            &format!("{} `{}`", f.kind, f.name),
            &format!(
                "raw {} B · gzip -9 {} B · served .gz (zopfli) {} B · brotli {} B",
                thousands(f.raw),
                thousands(f.gzip),
                thousands(f.zopfli),
                thousands(f.brotli)
            ),
            "",
            "",
        );
    }
    let s = split(bundle, loads);
    let sum = |files: &[&FileSize], size: fn(&FileSize) -> u64| files.iter().map(|f| size(f)).sum::<u64>();
    let gzip = sum(&s.before, |f| f.gzip);
    t.row(
        "Footprint",
        "fetched before `app-interactive` on a cold load (gzip -9 each)",
        &names(&s.before),
        "",
        "",
    );
    t.row(
        "Footprint",
        "fetched after `app-interactive` · not fetched by a cold load",
        &format!("{} · {}", names(&s.later), names(&s.unfetched)),
        "",
        "",
    );
    let wire = Sample::new(
        loads
            .iter()
            .map(|l| {
                l.fetched
                    .iter()
                    .filter(|r| r.start_ms < l.interactive_ms)
                    .map(|r| r.transferred as f64)
                    .sum()
            })
            .collect(),
    );
    t.row(
        "Footprint",
        "bytes before the app answers clicks",
        &format!(
            "gzip -9 {} · as served to gzip clients (zopfli) {} · brotli {} · over the wire from \
             `quantumstate serve` (brotli to Chromium, median) {}",
            kb(gzip),
            kb(sum(&s.before, |f| f.zopfli)),
            kb(sum(&s.before, |f| f.brotli)),
            kb(wire.median() as u64)
        ),
        &format!(
            "≤ {} gzip -9 (next: {})",
            kb(BEFORE_INTERACTIVE_TARGET_GZIP),
            kb(BEFORE_INTERACTIVE_NEXT_GZIP)
        ),
        &format!(
            "{} ({:.2}× the target, {:.2}× the next step)",
            verdict(gzip <= BEFORE_INTERACTIVE_TARGET_GZIP),
            gzip as f64 / BEFORE_INTERACTIVE_TARGET_GZIP as f64,
            gzip as f64 / BEFORE_INTERACTIVE_NEXT_GZIP as f64
        ),
    );

    let interactive = Sample::new(loads.iter().map(|l| l.interactive_ms).collect());
    t.row(
        "Load",
        "cold load → interactive: navigation start → `app-interactive` (the first screen answers clicks: the shell module ran)",
        &interactive.show(0, "ms"),
        &format!("≤ {INTERACTIVE_TARGET_MS:.0} ms"),
        verdict(interactive.median() <= INTERACTIVE_TARGET_MS),
    );
    let ready = Sample::new(loads.iter().filter_map(|l| l.ready_ms).collect());
    t.row(
        "Load",
        "cold load → app ready: navigation start → `app-ready` (the app loaded, mounted, opening run settled; clicks before it are queued)",
        &ready.show(0, "ms"),
        "",
        "",
    );
    let fcp = Sample::new(loads.iter().filter_map(|l| l.fcp_ms).collect());
    t.row(
        "Load",
        "first contentful paint, cold profile",
        &fcp.show(0, "ms"),
        "",
        "",
    );
    let median = |f: fn(&Load) -> Option<f64>| Sample::new(loads.iter().filter_map(f).collect()).median();
    t.row(
        "Load",
        "where the time goes (medians)",
        &format!(
            "shell answers clicks (`app-interactive`) {:.0} ms → app's wasm downloaded {:.0} ms → compiled, \
             instantiated, `main` running (`app-start`) {:.0} ms → app's DOM built (`app-mounted`) {:.0} ms → \
             opening run settled, buttons enabled (`app-ready`) {:.0} ms",
            interactive.median(),
            median(|l| l.wasm_loaded_ms),
            median(|l| l.start_ms),
            median(|l| l.mounted_ms),
            ready.median()
        ),
        "",
        "",
    );
}

/// The memory rows: "Run all" repeatedly in one page.
pub fn memory_rows(t: &mut Table, memory: &[Memory], run_all_ms: &[f64]) {
    let (Some(first), Some(warm), Some(last)) = (memory.first(), memory.get(1), memory.last()) else {
        return;
    };
    let runs = Sample::new(run_all_ms.to_vec());
    t.row(
        "Memory",
        "after round 1 of \"Run all\" (5 scenarios), after `gc()`",
        &format!("JS heap {} · wasm memory {}", mib(first.js_heap), mib(first.wasm)),
        "",
        "",
    );
    let growth = (last.js_heap + last.wasm) - (warm.js_heap + warm.wasm);
    let records = last.decisions.unwrap_or(f64::NAN) - warm.decisions.unwrap_or(f64::NAN);
    t.row(
        "Memory",
        &format!("after round {} (one \"Run all\": {})", memory.len(), runs.show(0, "ms")),
        &format!(
            "JS heap {} ({:+.1}% since round 2) · wasm memory {} ({:+.1}%)",
            mib(last.js_heap),
            100.0 * (last.js_heap - warm.js_heap) / warm.js_heap,
            mib(last.wasm),
            100.0 * (last.wasm - warm.wasm) / warm.wasm
        ),
        "",
        "",
    );
    t.row(
        "Memory",
        "growth after warm-up per audit record kept",
        &format!(
            "{:+.1} KiB per record ({:+.2} MiB over {:.0} records added in rounds 3–{})",
            growth / records / 1024.0,
            growth / 1_048_576.0,
            records,
            memory.len()
        ),
        &format!("≤ {:.0} KiB per record", MEMORY_PER_RECORD_BOUND / 1024.0),
        verdict(growth / records <= MEMORY_PER_RECORD_BOUND),
    );
    t.row(
        "Memory",
        "audit records the embedded store keeps",
        &format!(
            "the newest {} (`DECISIONS_KEPT`), said above the audit trail; older ones are dropped",
            thousands(quantumstate_core::store::DECISIONS_KEPT as u64)
        ),
        "≤ 8 KiB per record, or a cap stated in the UI",
        "met (by the cap)",
    );
    let series = |f: fn(&Memory) -> f64| {
        memory
            .iter()
            .map(|m| format!("{:.2}", f(m) / 1_048_576.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    t.row(
        "Memory",
        "by round (MiB)",
        &format!("JS heap {} · wasm {}", series(|m| m.js_heap), series(|m| m.wasm)),
        "",
        "",
    );
}

/// Put `rows` (table lines `| area | …`) into the report `old` in place of
/// its rows of the same areas (each area where its first old row was, or at
/// the table's end), note when they were regenerated, and use the current
/// "How it is measured" section.
pub fn splice(old: &str, rows: &str, note: &str, how: &str) -> String {
    let area = |line: &str| {
        line.strip_prefix("| ")
            .and_then(|l| l.split(" |").next())
            .map(str::to_string)
    };
    let (head, how_and_after) = old.split_once("\n## How it is measured").unwrap_or((old, ""));
    // Sections after "How it is measured" (Lighthouse) stay.
    let after = how_and_after.find("\n## ").map_or("", |i| &how_and_after[i..]);
    let old_areas: Vec<String> = head.lines().filter(|l| l.starts_with('|')).filter_map(area).collect();
    // New rows by the old area they go with: an area the report lacks goes
    // after the area before it in `rows` (or at the table's end).
    let mut blocks: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for line in rows.lines() {
        let Some(a) = area(line) else { continue };
        let anchor = if old_areas.contains(&a) {
            Some(a)
        } else {
            blocks.last().and_then(|b| b.0.clone())
        };
        match blocks.last_mut() {
            Some((b, lines)) if *b == anchor => lines.push(line.to_string()),
            _ => blocks.push((anchor, vec![line.to_string()])),
        }
    }
    let replaced: Vec<String> = blocks.iter().filter_map(|b| b.0.clone()).collect();
    let mut out: Vec<String> = Vec::new();
    let mut placed: Vec<String> = Vec::new();
    let mut table_end = None;
    for line in head.lines() {
        if line.starts_with("Footprint rows regenerated ") {
            continue;
        }
        if !line.starts_with('|') {
            out.push(line.to_string());
            continue;
        }
        match area(line).filter(|a| replaced.contains(a)) {
            Some(a) if !placed.contains(&a) => {
                for (_, lines) in blocks.iter().filter(|b| b.0.as_ref() == Some(&a)) {
                    out.extend(lines.iter().cloned());
                }
                placed.push(a);
            }
            Some(_) => {}
            None => out.push(line.to_string()),
        }
        table_end = Some(out.len());
    }
    let rest: Vec<String> = blocks
        .iter()
        .filter(|b| b.0.is_none())
        .flat_map(|b| b.1.iter().cloned())
        .collect();
    let at = table_end.unwrap_or(out.len());
    out.splice(at..at, rest);
    // The note goes right above the table.
    let table = out.iter().position(|l| l.starts_with('|')).unwrap_or(out.len());
    out.insert(table, String::new());
    out.insert(table, note.to_string());
    let mut text = out.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    let _ = write!(text, "\n{}", how.trim_start_matches('\n'));
    text.push_str(after);
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Fetched;

    fn file(name: &str, gzip: u64) -> FileSize {
        FileSize {
            name: name.into(),
            kind: "other",
            raw: gzip * 3,
            gzip,
            zopfli: gzip - 1,
            brotli: gzip - 2,
        }
    }

    fn load(interactive_ms: f64, fetched: &[(&str, f64)]) -> Load {
        Load {
            interactive_ms,
            ready_ms: None,
            fcp_ms: None,
            wasm_loaded_ms: None,
            start_ms: None,
            mounted_ms: None,
            transferred: 0,
            fetched: fetched
                .iter()
                .map(|(path, start_ms)| Fetched {
                    path: path.to_string(),
                    start_ms: *start_ms,
                    end_ms: start_ms + 10.0,
                    transferred: 100,
                })
                .collect(),
        }
    }

    #[test]
    fn files_count_before_interactive_if_any_load_asked_for_them_before_the_mark() {
        let bundle = [
            file("index.html", 700),
            file("app.wasm", 300_000),
            file("es.wasm", 40_000),
            file("og.png", 9),
        ];
        let loads = [
            load(500.0, &[("index.html", 0.0), ("app.wasm", 20.0), ("es.wasm", 600.0)]),
            // A slower load asked for the late module after its mark too.
            load(900.0, &[("index.html", 0.0), ("app.wasm", 40.0), ("es.wasm", 950.0)]),
        ];
        let s = split(&bundle, &loads);
        let names = |v: &[&FileSize]| v.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&s.before), ["index.html", "app.wasm"]);
        assert_eq!(names(&s.later), ["es.wasm"]);
        assert_eq!(names(&s.unfetched), ["og.png"]);
    }

    #[test]
    fn splice_replaces_the_rows_of_each_area_in_place_and_keeps_the_others() {
        let old = "# Benchmarks\n\nMeasured then.\n\n| area | measure | result | target | |\n|---|---|---|---|---|\n\
                   | Bundle | old wasm | 1 |  |  |\n| Load | old load | 2 |  |  |\n| Click to verdict | x | 3 |  |  |\n\
                   | Memory | old memory | 4 |  |  |\n\n## How it is measured\n\nold how\n\n## Lighthouse\n\nscores\n";
        let rows =
            "| Bundle | new wasm | 5 |  |  |\n| Footprint | new before | 6 |  |  |\n| Load | new load | 7 |  |  |\n\
                    | Memory | new memory | 8 |  |  |\n";
        let text = splice(
            old,
            rows,
            "Footprint rows regenerated now.",
            "\n## How it is measured\n\nnew how\n",
        );
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| area"))
            .collect();
        assert_eq!(
            lines,
            [
                "| Bundle | new wasm | 5 |  |  |",
                "| Footprint | new before | 6 |  |  |",
                "| Load | new load | 7 |  |  |",
                "| Click to verdict | x | 3 |  |  |",
                "| Memory | new memory | 8 |  |  |",
            ]
        );
        assert!(text.contains("Measured then.") && text.contains("Footprint rows regenerated now."));
        assert!(text.contains("new how") && !text.contains("old how"));
        assert!(text.ends_with("## Lighthouse\n\nscores\n"), "{text}");
        // Splicing again replaces the note rather than adding a second one.
        let again = splice(
            &text,
            rows,
            "Footprint rows regenerated later.",
            "\n## How it is measured\n\nnew how\n",
        );
        assert_eq!(again.matches("Footprint rows regenerated").count(), 1);
    }
}
