use crate::controller::Controller;
use crate::view_model;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Save `href` as `name` (an anchor with `download`, clicked).
fn download(href: &str, name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(a) = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    else {
        return;
    };
    a.set_href(href);
    a.set_download(name);
    a.click();
}

/// `text` as a `data:` URL (percent-encoded).
fn data_url(mime: &str, text: &str) -> String {
    let encoded: String = js_sys::encode_uri_component(text).into();
    format!("data:{mime};charset=utf-8,{encoded}")
}

/// The story chart as a PNG.
fn download_chart() {
    let canvas = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("metric-chart"))
        .and_then(|e| e.dyn_into::<web_sys::HtmlCanvasElement>().ok());
    if let Some(url) = canvas.and_then(|c| c.to_data_url_with_type("image/png").ok()) {
        download(&url, "quantumstate-chart.png");
    }
}

/// Under the story of a finished run (simulated or the user's data): copy or
/// download its post-mortem (core's renderer) and the chart as PNG, with the
/// post-mortem itself one click away.
#[component]
pub fn ExportBar() -> impl IntoView {
    let c = expect_context::<Controller>();
    let markdown = Memo::new(move |_| view_model::postmortem_markdown(&c.run.get()));
    let told = move || c.run.get().cards() <= c.revealed.get();
    move || {
        let md = markdown.get().filter(|_| told())?;
        let name = view_model::postmortem_file_name(&c.run.get_untracked());
        let md_for_download = md.clone();
        Some(view! {
            <section class="panel export" aria-label="Export">
                <div class="run-buttons">
                    <button id="copy-postmortem" on:click=move |_| c.copy_postmortem()>"Copy post-mortem"</button>
                    <button id="download-postmortem" class="ghost"
                        on:click=move |_| download(&data_url("text/markdown", &md_for_download), &name)>"Download .md"</button>
                    <button id="download-chart" class="ghost" on:click=move |_| download_chart()>"Download chart (PNG)"</button>
                </div>
                <details>
                    <summary>"Post-mortem"</summary>
                    <pre id="postmortem">{md}</pre>
                </details>
            </section>
        })
    }
}
