//! What the user did on index.html's live first screen (`src/bin/shell.rs`)
//! before the app arrived: read once when the app mounts, before the shell is
//! removed, and taken by [`crate::controller::Controller::start`].

use crate::shell_contract::{FILES, KNOBS, OWN_FILES, QUEUED, RESET, RUN_ALL};
use quantumstate_core::{Scenario, Service};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::{Element, File, HtmlInputElement};

/// The action queued on the first screen (the last one clicked).
#[derive(Clone, Debug, PartialEq)]
pub enum Queued {
    Scenario(Scenario),
    RunAll,
    Reset,
    /// The files chosen or dropped, in order.
    OwnFiles(Vec<File>),
}

/// A knob the user changed on the first screen, parsed as the app's own
/// controls parse it (`views/scenarios.rs`).
#[derive(Clone, Debug, PartialEq)]
pub enum Knob {
    Seed(u64),
    Intensity(f64),
    Target(Option<Service>),
    Threshold(f64),
    /// `staged`, `instant` or `live`.
    Speed(String),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Handoff {
    pub queued: Option<Queued>,
    pub knobs: Vec<Knob>,
}

thread_local!(static KEPT: RefCell<Option<Handoff>> = const { RefCell::new(None) });

/// Keep the first screen's state (read with [`read`] while the shell is on the page) for [`take`].
pub fn keep(handoff: Handoff) {
    KEPT.set(Some(handoff));
}

/// The first screen's state, once (empty when there was no shell or it was taken).
pub fn take() -> Handoff {
    KEPT.take().unwrap_or_default()
}

/// `#shell`'s queued action and changed knobs.
pub fn read(shell: &Element) -> Handoff {
    let select = |s: &str| shell.query_selector(s).ok().flatten();
    let knobs = KNOBS
        .iter()
        .filter_map(|name| {
            let control = select(&format!("[name={name}]"))?;
            let now = js_sys::Reflect::get(&control, &"value".into()).ok()?.as_string()?;
            (now != default_value(&control))
                .then(|| knob(name, now.trim()))
                .flatten()
        })
        .collect();
    let queued = shell.get_attribute(QUEUED).and_then(|action| match action.as_str() {
        RUN_ALL => Some(Queued::RunAll),
        RESET => Some(Queued::Reset),
        OWN_FILES => {
            let input = select(&format!("input[name={FILES}]"))?
                .dyn_into::<HtmlInputElement>()
                .ok()?;
            let list = input.files()?;
            let files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
            (!files.is_empty()).then_some(Queued::OwnFiles(files))
        }
        name => Scenario::parse(name).map(Queued::Scenario),
    });
    Handoff { queued, knobs }
}

/// What a control held when the page was loaded: an input's `value`
/// attribute, a select's `selected` option (else its first).
fn default_value(control: &Element) -> String {
    if control.tag_name().eq_ignore_ascii_case("select") {
        let option = control
            .query_selector("option[selected]")
            .ok()
            .flatten()
            .or_else(|| control.query_selector("option").ok().flatten());
        option.and_then(|o| o.get_attribute("value")).unwrap_or_default()
    } else {
        control.get_attribute("value").unwrap_or_default()
    }
}

/// The knob `name` set to `value`; `None` for a value the app's control would not take.
fn knob(name: &str, value: &str) -> Option<Knob> {
    Some(match name {
        "seed" => Knob::Seed(value.parse().ok()?),
        "intensity" => Knob::Intensity(value.parse::<f64>().ok().filter(|v| v.is_finite())?.clamp(0.5, 2.0)),
        "target" => Knob::Target(Service::parse(value)),
        "threshold" => Knob::Threshold(value.parse::<f64>().ok().filter(|v| v.is_finite())?.clamp(0.0, 1.0)),
        "speed" if ["staged", "instant", "live"].contains(&value) => Knob::Speed(value.to_string()),
        _ => return None,
    })
}
