use crate::controller::Controller;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The files of a file list, in order.
fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

fn megabytes(bytes: f64) -> String {
    format!("{:.1} MB", bytes / 1e6)
}

/// "Your data": choose or drop metrics and logs files; they are read in a
/// worker with a progress bar and Cancel, then analysed in advisory mode.
/// Each file's result (documents, bad lines with their numbers, or why it was
/// refused) and the services found stay on screen.
#[component]
pub fn OwnDataPanel() -> impl IntoView {
    let c = expect_context::<Controller>();
    let own = c.own;
    // Files dropped anywhere on the page.
    let over = window_event_listener(leptos::ev::dragover, |ev| ev.prevent_default());
    let dropped = window_event_listener(leptos::ev::drop, move |ev| {
        ev.prevent_default();
        c.read_own_files(files_of(ev.data_transfer().and_then(|d| d.files())));
    });
    on_cleanup(move || {
        over.remove();
        dropped.remove();
    });
    let on_choose = move |ev: leptos::ev::Event| {
        let input = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok());
        if let Some(input) = input {
            c.read_own_files(files_of(input.files()));
            // Choosing the same files again reads them again.
            input.set_value("");
        }
    };
    view! {
        <section id="own-data" class="panel own-data" aria-labelledby="own-title"
            data-worker-memory=move || own.worker_memory.get().map(|m| m.to_string())>
            <h2 id="own-title">"Your data"</h2>
            <p class="hint">
                "Drop files anywhere on the page or choose them: metrics as NDJSON or CSV ("
                <code>"timestamp,service,metric_type,value"</code>"), logs as NDJSON, in the seed's data model. "
                "They are read in this browser and nothing is uploaded; the agents analyse them in advisory mode "
                "(they recommend, they do not act)."
            </p>
            <label class="file-pick">"Choose files "
                <input id="own-files" type="file" multiple accept=".ndjson,.jsonl,.json,.csv,.txt"
                    disabled=move || c.busy.get().is_some() || own.reading() on:change=on_choose />
            </label>
            {move || own.progress.get().map(|(done, total)| view! {
                <div id="own-progress" class="busy" role="status" data-done=done.to_string() data-total=total.to_string()>
                    <span>{format!("Reading your files in the background: {} of {}", megabytes(done), megabytes(total))}</span>
                    <progress max=total.to_string() value=done.to_string() aria-label="Bytes read"></progress>
                    <button id="own-cancel" class="ghost" on:click=move |_| c.cancel_reading()>"Cancel"</button>
                </div>
            })}
            {move || own.message.get().map(|m| view! { <p id="own-message" class="error" role="alert">{m}</p> })}
            <ul id="own-file-reports" class="file-reports">
                {move || own.files.get().into_iter().map(|f| {
                    let bad = f.bad.clone();
                    let more = f.bad_count.saturating_sub(bad.len());
                    view! {
                        <li data-file=f.name.clone() data-kind=f.kind.clone().unwrap_or_default()
                            data-good=f.good.to_string() data-bad=f.bad_count.to_string()
                            data-refused=f.refused.is_some().to_string()>
                            <span class="summary">{f.summary()}</span>
                            {(!bad.is_empty()).then(|| view! {
                                <ul class="bad-lines">
                                    {bad.into_iter().map(|(line, why)| view! {
                                        <li data-line=line.to_string()>{format!("line {line}: {why}")}</li>
                                    }).collect_view()}
                                    {(more > 0).then(|| view! { <li class="more">{format!("… and {more} more")}</li> })}
                                </ul>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || c.run.get().own.map(|o| view! {
                <div class="own-summary">
                    <p>{format!("Analysed {}: {} metrics and {} log lines, {} to {} UTC, readings every {} s.",
                        o.source, o.metrics, o.logs, quantumstate_core::time::ymd_hm(o.start),
                        quantumstate_core::time::ymd_hm(o.end), o.interval_secs)}</p>
                    <ul id="own-services">
                        {o.services.into_iter().map(|s| view! {
                            <li data-service=s.service.clone() data-judged=s.judged().to_string()>{s.describe()}</li>
                        }).collect_view()}
                    </ul>
                </div>
            })}
            {move || (c.mode.get() == "Elasticsearch").then(|| view! {
                <button id="analyse-indices" disabled=move || c.busy.get().is_some() on:click=move |_| c.analyse_indices()
                    title="Run the agents over what the cluster holds now, in advisory mode; no scenario is written">
                    "Analyse the indices as they are"</button>
            })}
        </section>
    }
}
