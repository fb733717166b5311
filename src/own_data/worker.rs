//! The page's end of the file-reading worker (`src/bin/worker.rs`, where the
//! protocol is described): start it, hand it the files once it says it is
//! ready, decode what it posts, and terminate it (done or cancelled).

use js_sys::{Array, Float64Array, Object, Reflect, Uint32Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker};

/// The loader Trunk writes next to the page for the worker binary (`data-loader-shim`).
pub const LOADER: &str = "quantumstate-worker_loader.js";

/// One message from the worker.
#[derive(Debug)]
pub enum Msg {
    File {
        index: usize,
        kind: String,
    },
    Progress {
        done: f64,
        total: f64,
    },
    Metrics {
        keys: String,
        t: Vec<f64>,
        v: Vec<f64>,
        s: Vec<u32>,
    },
    Docs {
        kind: String,
        json: String,
    },
    Read {
        index: usize,
        form: String,
        good: usize,
        bad_count: usize,
        bad: Vec<(usize, String)>,
        refused: Option<String>,
    },
    /// Every file is read; `memory`: bytes of linear memory the worker held.
    Finished {
        memory: f64,
    },
    Failed(String),
}

fn field(o: &JsValue, name: &str) -> JsValue {
    Reflect::get(o, &name.into()).unwrap_or(JsValue::UNDEFINED)
}

fn text(o: &JsValue, name: &str) -> String {
    field(o, name).as_string().unwrap_or_default()
}

fn number(o: &JsValue, name: &str) -> f64 {
    field(o, name).as_f64().unwrap_or(0.0)
}

fn decode(data: &JsValue) -> Option<Msg> {
    Some(match text(data, "type").as_str() {
        "file" => Msg::File {
            index: number(data, "index") as usize,
            kind: text(data, "kind"),
        },
        "progress" => Msg::Progress {
            done: number(data, "done"),
            total: number(data, "total"),
        },
        "metrics" => Msg::Metrics {
            keys: text(data, "keys"),
            t: field(data, "t").dyn_into::<Float64Array>().ok()?.to_vec(),
            v: field(data, "v").dyn_into::<Float64Array>().ok()?.to_vec(),
            s: field(data, "s").dyn_into::<Uint32Array>().ok()?.to_vec(),
        },
        "docs" => Msg::Docs {
            kind: text(data, "kind"),
            json: text(data, "json"),
        },
        "read" => Msg::Read {
            index: number(data, "index") as usize,
            form: text(data, "form"),
            good: number(data, "good") as usize,
            bad_count: number(data, "bad_count") as usize,
            bad: serde_json::from_str(&text(data, "bad")).unwrap_or_default(),
            refused: field(data, "refused").as_string(),
        },
        "finished" => Msg::Finished {
            memory: number(data, "memory"),
        },
        "failed" => Msg::Failed(text(data, "reason")),
        _ => return None,
    })
}

/// A running worker; dropping it (or [`Job::cancel`]) terminates it.
pub struct Job {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Job {
    /// Start a worker that reads `files`, calling `on` with every message.
    pub fn start(files: Vec<File>, on: impl FnMut(Msg) + 'static) -> Result<Job, String> {
        let on = Rc::new(RefCell::new(on));
        let on_failure = on.clone();
        let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        let base = document.base_uri().ok().flatten().unwrap_or_default();
        let url = web_sys::Url::new_with_base(LOADER, &base).map_err(|e| format!("{e:?}"))?;
        let worker = Worker::new(&url.href()).map_err(|e| format!("cannot start the reader: {e:?}"))?;
        let list: Array = files.iter().map(JsValue::from).collect();
        let job = Object::new();
        let _ = Reflect::set(&job, &"files".into(), &list);
        let handle = worker.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            if text(&data, "type") == "ready" {
                // Sent before the worker listened would be lost: wait for it.
                if let Err(e) = handle.post_message(&job) {
                    (on.borrow_mut())(Msg::Failed(format!("{e:?}")));
                }
                return;
            }
            if let Some(msg) = decode(&data) {
                (on.borrow_mut())(msg);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            let why = Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| "it did not load".into());
            (on_failure.borrow_mut())(Msg::Failed(why));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Job {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
