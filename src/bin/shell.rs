//! index.html's first screen made live: the only wasm a cold load needs before
//! the page answers clicks. The app itself (`src/lib.rs`, most of the bytes)
//! is fetched as soon as this has run and takes the page over once it has
//! loaded.
//!
//! Until then the theme toggles here, the knobs take values, and a scenario,
//! "Run all in sequence", "Reset telemetry" or files chosen or dropped on the
//! page are queued: the button shows it (`aria-pressed`), and the status line
//! says it starts once the simulator has loaded, with the bytes loaded so far.
//! The app takes the queue and the changed knobs over when it mounts
//! (`src/handoff.rs`; the names both read are in `src/shell_contract.rs`). If
//! the app cannot be fetched the status line says why and offers to try again;
//! the queue stays.

#[cfg(target_arch = "wasm32")]
#[path = "../shell_contract.rs"]
#[allow(dead_code)] // the app's half (src/handoff.rs) reads the rest
mod contract;

#[cfg(target_arch = "wasm32")]
fn main() {
    live::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("quantumstate-shell is the app's first screen: Trunk builds it (see index.html)");
}

#[cfg(target_arch = "wasm32")]
mod live {
    use super::contract::{FILES, OWN_FILES, QUEUE, QUEUED, SHELL_ID, STORAGE_THEME};
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::{Document, Element, Event, HtmlInputElement};

    // The app's glue and wasm lie next to this module's (Trunk writes this
    // snippet to `snippets/<crate>-<hash>/inline0.js`); the wasm is fetched
    // here so its bytes can be counted while they arrive. `attempt` > 0 asks
    // past a failed earlier import, which the browser would otherwise repeat.
    #[wasm_bindgen(inline_js = r#"
export function load_app(attempt, progress, done) {
    const base = new URL('../../', import.meta.url);
    const again = attempt ? '?attempt=' + attempt : '';
    import(new URL('quantumstate-app.js' + again, base).href).then(async app => {
        const url = new URL('quantumstate-app_bg.wasm' + again, base).href;
        const answer = await fetch(url);
        if (!answer.ok) throw new Error(url + ' answered HTTP ' + answer.status);
        let seen = 0;
        const counted = answer.body.pipeThrough(new TransformStream({
            transform(chunk, out) { seen += chunk.length; progress(seen); out.enqueue(chunk); } }));
        await app.default({ module_or_path: new Response(counted, { headers: { 'content-type': 'application/wasm' } }) });
        window.quantumstateApp = app;
        done(undefined);
    }).catch(e => done(String(e && e.message || e)));
}
"#)]
    extern "C" {
        fn load_app(attempt: u32, progress: &Closure<dyn FnMut(f64)>, done: &Closure<dyn FnMut(Option<String>)>);
    }

    /// What the status line says.
    #[derive(Default)]
    struct Status {
        /// What is queued, in the button's words.
        queued: Option<String>,
        /// Whether that is files (said in "Your data" too, where they were chosen).
        files: bool,
        /// Bytes of the app's wasm received so far.
        received: u32,
        /// Why the app could not be loaded (the last attempt).
        failed: Option<String>,
        attempts: u32,
    }

    thread_local!(static STATUS: RefCell<Status> = RefCell::new(Status::default()));

    fn document() -> Option<Document> {
        web_sys::window()?.document()
    }

    /// The static first screen, while it is on the page.
    fn shell() -> Option<Element> {
        document()?.get_element_by_id(SHELL_ID)
    }

    fn listen(target: &web_sys::EventTarget, kind: &str, f: impl FnMut(Event) + 'static) {
        let f = Closure::<dyn FnMut(Event)>::new(f);
        let _ = target.add_event_listener_with_callback(kind, f.as_ref().unchecked_ref());
        // The listeners last as long as the page; once the app has replaced
        // the shell they find no shell and do nothing.
        f.forget();
    }

    pub fn start() {
        let (Some(doc), Some(screen)) = (document(), shell()) else {
            return;
        };
        listen(&screen, "click", |ev| {
            let hit = ev.target().and_then(|t| t.dyn_into::<Element>().ok());
            if let Some(button) = hit.and_then(|t| t.closest("[data-queue], [data-shell]").ok().flatten()) {
                clicked(&button);
            }
        });
        listen(&screen, "input", |ev| {
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok()) else {
                return;
            };
            if input.name() == "intensity" {
                show_intensity(&input);
            }
        });
        listen(&screen, "change", |ev| {
            let input = ev.target().and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
            if input.is_some_and(|i| i.name() == FILES && i.files().is_some_and(|f| f.length() > 0)) {
                queue(None, OWN_FILES, "Reading your files".into());
            }
        });
        // Files dropped anywhere on the page go into the file input.
        listen(&doc, "dragover", |ev| {
            if shell().is_some() {
                ev.prevent_default();
            }
        });
        listen(&doc, "drop", |ev| {
            let Some(shell) = shell() else { return };
            ev.prevent_default();
            let files = ev
                .dyn_into::<web_sys::DragEvent>()
                .ok()
                .and_then(|d| d.data_transfer())
                .and_then(|d| d.files());
            let input = shell
                .query_selector(&format!("input[name={FILES}]"))
                .ok()
                .flatten()
                .and_then(|i| i.dyn_into::<HtmlInputElement>().ok());
            if let (Some(files), Some(input)) = (files.filter(|f| f.length() > 0), input) {
                input.set_files(Some(&files));
                queue(None, OWN_FILES, "Reading your files".into());
            }
        });
        if let Some(theme) = screen.query_selector("[data-shell=theme]").ok().flatten() {
            let _ = theme.set_attribute("aria-pressed", &is_dark(&doc).to_string());
        }
        let _ = screen.remove_attribute("inert");
        let _ = screen.remove_attribute("aria-busy");
        if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
            // The first screen answers clicks from here on (read by the benchmarks).
            let _ = perf.mark("app-interactive");
        }
        load();
    }

    /// Fetch and start the app (it mounts itself, `src/lib.rs`).
    fn load() {
        let attempt = STATUS.with_borrow_mut(|s| {
            s.failed = None;
            s.received = 0;
            s.attempts += 1;
            s.attempts - 1
        });
        show();
        let progress = Closure::<dyn FnMut(f64)>::new(|bytes: f64| {
            STATUS.with_borrow_mut(|s| s.received = bytes as u32);
            show();
        });
        let done = Closure::<dyn FnMut(Option<String>)>::new(|error: Option<String>| {
            if let Some(error) = error {
                STATUS.with_borrow_mut(|s| s.failed = Some(error));
                show();
            }
        });
        load_app(attempt, &progress, &done);
        // Called for as long as the load lasts, once or more.
        progress.forget();
        done.forget();
    }

    fn clicked(button: &Element) {
        match button.get_attribute("data-shell").as_deref() {
            Some("theme") => toggle_theme(button),
            Some("retry") => load(),
            _ => {
                let Some(action) = button.get_attribute(QUEUE) else {
                    return;
                };
                let words = button
                    .query_selector(".title")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| button.clone())
                    .text_content()
                    .unwrap_or_default();
                queue(Some(button), &action, words);
            }
        }
    }

    /// Queue `action` (the last one wins, as the app runs one thing at a time).
    fn queue(button: Option<&Element>, action: &str, words: String) {
        let Some(shell) = shell() else { return };
        let _ = shell.set_attribute(QUEUED, action);
        if let Ok(Some(before)) = shell.query_selector("[aria-pressed][data-queue]") {
            let _ = before.remove_attribute("aria-pressed");
        }
        if let Some(button) = button {
            let _ = button.set_attribute("aria-pressed", "true");
        }
        STATUS.with_borrow_mut(|s| {
            s.queued = Some(words);
            s.files = action == OWN_FILES;
        });
        show();
    }

    /// The status line: what is queued, how much has arrived, or why it failed;
    /// for files, also under the file input.
    fn show() {
        let Some(shell) = shell() else { return };
        let (Ok(Some(line)), Ok(Some(retry))) = (
            shell.query_selector(".status-line .busy span"),
            shell.query_selector("[data-shell=retry]"),
        ) else {
            return;
        };
        let text = STATUS.with_borrow(|s| {
            let loaded = match s.received / 1000 {
                0 => String::new(),
                kb => format!(" ({kb} kB so far)"),
            };
            match (&s.failed, &s.queued) {
                (Some(error), _) => format!("The simulator could not be loaded: {error}."),
                (None, Some(what)) => format!("{what}: starts once the simulator has loaded{loaded}…"),
                (None, None) => format!("Loading the simulator{loaded}…"),
            }
        });
        line.set_text_content(Some(&text));
        if let Ok(Some(own)) = shell.query_selector("[data-shell=own-status]") {
            let files = STATUS.with_borrow(|s| s.files);
            if let (true, Ok(Some(span))) = (files, own.query_selector("span")) {
                span.set_text_content(Some(&text));
                let _ = own.remove_attribute("hidden");
            } else {
                let _ = own.set_attribute("hidden", "");
            }
        }
        let failed = STATUS.with_borrow(|s| s.failed.is_some());
        let _ = if failed {
            retry.remove_attribute("hidden")
        } else {
            retry.set_attribute("hidden", "")
        };
        if let Some(parent) = line.parent_element() {
            let _ = parent.set_attribute("role", if failed { "alert" } else { "status" });
        }
    }

    fn is_dark(doc: &Document) -> bool {
        doc.document_element()
            .and_then(|e| e.get_attribute("data-theme"))
            .as_deref()
            != Some("light")
    }

    /// The same toggle as the app's (`Controller::toggle_theme`), kept in the
    /// same storage key, which the app reads when it starts.
    fn toggle_theme(button: &Element) {
        let Some(doc) = document() else { return };
        let dark = !is_dark(&doc);
        let theme = if dark { "dark" } else { "light" };
        if let Some(root) = doc.document_element() {
            let _ = root.set_attribute("data-theme", theme);
        }
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = storage.set_item(STORAGE_THEME, theme);
        }
        let _ = button.set_attribute("aria-pressed", &dark.to_string());
    }

    /// The intensity's value beside its slider, as the app shows it ("1.0×").
    fn show_intensity(input: &HtmlInputElement) {
        let value = input.value();
        let shown = if value.contains('.') {
            format!("{value}×")
        } else {
            format!("{value}.0×")
        };
        if let Some(output) = input.next_element_sibling() {
            output.set_text_content(Some(&shown));
        }
    }
}
