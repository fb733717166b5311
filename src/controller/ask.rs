//! Asking first: starting something while Surgeon waits for approval
//! abandons that incident, so the app's dialog asks (see `views::AbandonDialog`).

use super::Controller;
use leptos::prelude::*;
use quantumstate_core::agents::ReportStatus;
use quantumstate_core::Scenario;

/// What a click asks to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    One(Scenario),
    All,
    /// Something else (an analysis of the user's data), kept to run on "abandon".
    Other(&'static str),
}

impl Start {
    /// In words, for the question the app asks first.
    pub fn words(self) -> &'static str {
        match self {
            Start::One(s) => s.title(),
            Start::All => "every scenario in sequence",
            Start::Other(what) => what,
        }
    }
}

impl Controller {
    /// Whether a new run may start now: while Surgeon waits for approval the
    /// app asks first (starting another abandons that incident; see [`Controller::answer`]).
    pub(crate) fn may_start(&self, start: Start) -> bool {
        if self.run.get_untracked().status != Some(ReportStatus::AwaitingApproval) {
            return true;
        }
        self.asking.set(Some(start));
        false
    }

    /// The answer to "abandon the incident that waits?": true starts what was asked.
    pub fn answer(&self, abandon: bool) {
        let Some(start) = self.asking.try_update(Option::take).flatten() else {
            return;
        };
        if abandon {
            crate::ui::restore_title();
            match start {
                Start::Other(_) => {
                    if let Some(go) = self.then.try_update_value(Option::take).flatten() {
                        self.pending.set(None);
                        self.run.update(|r| r.status = None);
                        go();
                    }
                }
                _ => self.begin(start),
            }
        }
    }

    /// Run `go` now, or once the user agrees to abandon the incident that
    /// waits for approval (the dialog asks first).
    pub(crate) fn start_or_ask(&self, what: &'static str, go: impl FnOnce() + 'static) {
        if self.may_start(Start::Other(what)) {
            go();
        } else {
            self.then.set_value(Some(Box::new(go)));
        }
    }
}
