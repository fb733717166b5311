//! The file reader's Web Worker: reads the files the user dropped a slice at a
//! time (`FileReaderSync` over `File.slice`), feeds core's one reader
//! ([`quantumstate_core::ingest::Stream`]) and posts the documents back in
//! batches, so a 50 MB file never holds the page. Only the reader is linked
//! here (no agents, no UI), which keeps this wasm small.
//!
//! Protocol (every message an object with a `type`):
//! - worker → page `ready`: the worker listens (sent once, first).
//! - page → worker `{files: [File, …]}`: read these, in order.
//! - worker → page `file {index, name, kind, size}`: file `index` begins.
//! - worker → page `progress {done, total}`: bytes read over all files.
//! - worker → page `metrics {index, keys, t, v, s}`: a batch of metric documents
//!   as columns: `keys` (JSON) the series first seen in this batch as
//!   `[service, region, metric_type, unit]`, numbered on from the last batch; `t`
//!   epoch milliseconds, `v` values (Float64Array), `s` series numbers (Uint32Array),
//!   all transferred, not copied.
//! - worker → page `docs {index, kind, json}`: a batch of log or incident documents (JSON array).
//! - worker → page `read {index, form, good, bad_count, bad, refused}`: the file's
//!   verdict: `bad` the first bad lines as JSON `[[line, reason], …]`, `refused`
//!   the reader's message when the file is not in the model.
//! - worker → page `finished {memory}`: every file is read; `memory` is the
//!   worker's linear memory in bytes (it only grows: the peak).
//!
//! Cancel is the page terminating the worker.

#[cfg(target_arch = "wasm32")]
mod worker {
    use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array, Uint8Array};
    use quantumstate_core::ingest::{Kind, Stream};
    use quantumstate_core::MetricDoc;
    use std::collections::HashMap;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{DedicatedWorkerGlobalScope, File, FileReaderSync, MessageEvent};

    /// Bytes read per slice.
    const SLICE: f64 = 1024.0 * 1024.0;
    /// Bad lines sent per file (the count is always complete).
    const BAD_SHOWN: usize = 5;

    fn scope() -> DedicatedWorkerGlobalScope {
        js_sys::global().unchecked_into()
    }

    fn message(kind: &str, fields: &[(&str, JsValue)]) -> Object {
        let o = Object::new();
        let _ = Reflect::set(&o, &"type".into(), &kind.into());
        for (k, v) in fields {
            let _ = Reflect::set(&o, &(*k).into(), v);
        }
        o
    }

    fn post(o: &Object, transfer: &[JsValue]) {
        let list: Array = transfer.iter().collect();
        let _ = scope().post_message_with_transfer(o, &list);
    }

    /// Series numbers across all files of a job.
    #[derive(Default)]
    struct Interner {
        ids: HashMap<(String, String, String, String), u32>,
        fresh: Vec<[String; 4]>,
    }

    impl Interner {
        fn id(&mut self, d: &MetricDoc) -> u32 {
            let key = (
                d.service.clone(),
                d.region.clone(),
                d.metric_type.clone(),
                d.unit.clone(),
            );
            let next = self.ids.len() as u32;
            *self.ids.entry(key).or_insert_with(|| {
                self.fresh.push([
                    d.service.clone(),
                    d.region.clone(),
                    d.metric_type.clone(),
                    d.unit.clone(),
                ]);
                next
            })
        }
    }

    fn post_metrics(index: usize, docs: Vec<MetricDoc>, interner: &mut Interner) {
        if docs.is_empty() {
            return;
        }
        let mut t = Vec::with_capacity(docs.len());
        let mut v = Vec::with_capacity(docs.len());
        let mut s = Vec::with_capacity(docs.len());
        for d in &docs {
            s.push(interner.id(d));
            t.push(d.timestamp.timestamp_millis() as f64);
            v.push(d.value);
        }
        let keys = serde_json::to_string(&std::mem::take(&mut interner.fresh)).unwrap_or_default();
        let (t, v, s) = (
            Float64Array::from(&t[..]),
            Float64Array::from(&v[..]),
            Uint32Array::from(&s[..]),
        );
        let o = message(
            "metrics",
            &[
                ("index", index.into()),
                ("keys", keys.into()),
                ("t", t.clone().into()),
                ("v", v.clone().into()),
                ("s", s.clone().into()),
            ],
        );
        post(&o, &[t.buffer().into(), v.buffer().into(), s.buffer().into()]);
    }

    fn post_docs<T: serde::Serialize>(index: usize, kind: Kind, docs: Vec<T>) {
        if docs.is_empty() {
            return;
        }
        let json = serde_json::to_string(&docs).unwrap_or_default();
        post(
            &message(
                "docs",
                &[
                    ("index", index.into()),
                    ("kind", kind.as_str().into()),
                    ("json", json.into()),
                ],
            ),
            &[],
        );
    }

    /// One of the three readers, by what the file's first line says.
    enum Reader {
        Metrics(Stream<MetricDoc>),
        Logs(Stream<quantumstate_core::LogDoc>),
        Incidents(Stream<quantumstate_core::IncidentDoc>),
    }

    impl Reader {
        fn feed(&mut self, index: usize, text: &str, interner: &mut Interner) {
            match self {
                Reader::Metrics(s) => {
                    s.feed(text);
                    post_metrics(index, s.take_docs(), interner);
                }
                Reader::Logs(s) => {
                    s.feed(text);
                    post_docs(index, Kind::Logs, s.take_docs());
                }
                Reader::Incidents(s) => {
                    s.feed(text);
                    post_docs(index, Kind::Incidents, s.take_docs());
                }
            }
        }

        fn finish(self) -> Verdict {
            fn verdict<T>(s: Stream<T>) -> Verdict {
                let good = s.good();
                match s.finish() {
                    Ok((bad, form)) => Verdict {
                        form,
                        good,
                        shown: bad.iter().take(BAD_SHOWN).map(|e| (e.line, e.reason.clone())).collect(),
                        bad: bad.len(),
                        refused: None,
                    },
                    Err(e) => Verdict {
                        form: "",
                        good: 0,
                        shown: Vec::new(),
                        bad: 0,
                        refused: Some(e.to_string()),
                    },
                }
            }
            match self {
                Reader::Metrics(s) => verdict(s),
                Reader::Logs(s) => verdict(s),
                Reader::Incidents(s) => verdict(s),
            }
        }
    }

    /// What one file gave.
    struct Verdict {
        form: &'static str,
        good: usize,
        /// The first bad lines: (line, reason).
        shown: Vec<(usize, String)>,
        bad: usize,
        /// Why the file is not in the model.
        refused: Option<String>,
    }

    /// The complete lines of `carry` (as text), keeping a partial last line in it.
    fn complete_lines(carry: &mut Vec<u8>, last: bool) -> String {
        let cut = if last {
            carry.len()
        } else {
            carry.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1)
        };
        let rest = carry.split_off(cut);
        let text = String::from_utf8_lossy(&carry[..]).into_owned();
        *carry = rest;
        text
    }

    fn read_file(
        index: usize,
        file: &File,
        reader: &FileReaderSync,
        done: &mut f64,
        total: f64,
        interner: &mut Interner,
    ) -> Result<(), JsValue> {
        let size = file.size();
        let mut at = 0.0;
        let mut carry: Vec<u8> = Vec::new();
        let mut stream: Option<Reader> = None;
        while at < size || !carry.is_empty() {
            let end = (at + SLICE).min(size);
            if at < size {
                let slice = file.slice_with_f64_and_f64(at, end)?;
                let buffer = reader.read_as_array_buffer(&slice)?;
                carry.extend(Uint8Array::new(&buffer).to_vec());
            }
            let last = end >= size;
            let text = complete_lines(&mut carry, last);
            let parser = stream.get_or_insert_with(|| {
                let kind = Kind::sniff(&text);
                post(
                    &message(
                        "file",
                        &[
                            ("index", index.into()),
                            ("name", file.name().into()),
                            ("kind", kind.as_str().into()),
                            ("size", size.into()),
                        ],
                    ),
                    &[],
                );
                match kind {
                    Kind::Metrics => Reader::Metrics(Stream::metrics()),
                    Kind::Logs => Reader::Logs(Stream::logs()),
                    Kind::Incidents => Reader::Incidents(Stream::incidents()),
                }
            });
            parser.feed(index, &text, interner);
            *done += end - at;
            at = end;
            post(
                &message("progress", &[("done", (*done).into()), ("total", total.into())]),
                &[],
            );
            if last {
                break;
            }
        }
        let v = stream.unwrap_or_else(|| Reader::Metrics(Stream::metrics())).finish();
        post(
            &message(
                "read",
                &[
                    ("index", index.into()),
                    ("name", file.name().into()),
                    ("form", v.form.into()),
                    ("good", v.good.into()),
                    ("bad_count", v.bad.into()),
                    ("bad", serde_json::to_string(&v.shown).unwrap_or_default().into()),
                    ("refused", v.refused.map(JsValue::from).unwrap_or(JsValue::NULL)),
                ],
            ),
            &[],
        );
        Ok(())
    }

    fn job(event: MessageEvent) {
        let files: Array = Reflect::get(&event.data(), &"files".into())
            .map(|f: JsValue| f.unchecked_into::<Array>())
            .unwrap_or_else(|_| Array::new());
        let files: Vec<File> = files.iter().filter_map(|f| f.dyn_into().ok()).collect();
        let total: f64 = files.iter().map(|f| f.size()).sum();
        let mut done = 0.0;
        let mut interner = Interner::default();
        match FileReaderSync::new() {
            Ok(reader) => {
                for (i, f) in files.iter().enumerate() {
                    if let Err(e) = read_file(i, f, &reader, &mut done, total, &mut interner) {
                        let why = e.as_string().unwrap_or_else(|| format!("{e:?}"));
                        post(
                            &message(
                                "read",
                                &[
                                    ("index", i.into()),
                                    ("name", f.name().into()),
                                    ("refused", format!("the browser could not read it ({why})").into()),
                                ],
                            ),
                            &[],
                        );
                    }
                }
            }
            Err(e) => post(&message("failed", &[("reason", format!("{e:?}").into())]), &[]),
        }
        let memory = (core::arch::wasm32::memory_size(0) * 65_536) as f64;
        post(&message("finished", &[("memory", memory.into())]), &[]);
    }

    pub fn start() {
        let onmessage = Closure::<dyn Fn(MessageEvent)>::new(job);
        scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        post(&message("ready", &[]), &[]);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("quantumstate-worker is the app's file-reading Web Worker: Trunk builds it (see index.html)");
}
