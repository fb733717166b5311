//! Page load: a saved Elasticsearch choice is set up again, then a share
//! link is replayed (or the healthy platform shown), unless the user queued
//! something on the first screen before the app arrived ([`crate::handoff`]).

use super::{Controller, Start};
use crate::api::AppStore;
use crate::handoff::{Knob, Queued};
use leptos::prelude::*;
use leptos::task::spawn_local;
use quantumstate_core::share::ShareLink;
use quantumstate_core::Scenario;

impl Controller {
    /// On page load: replay a share link (or say why it cannot) or show the
    /// healthy platform, unless the user queued something on the first
    /// screen before the app arrived ([`crate::handoff`]): that runs instead,
    /// with the knobs they changed there.
    pub fn start(&self) {
        let c = *self;
        match self.store() {
            AppStore::Elastic(_) => spawn_local(async move {
                let why = c.reconnect().await;
                c.first_run();
                // After the first run has said what it says, so both stay.
                if let Some(why) = why {
                    c.notice.update(|n| {
                        *n = Some(match n.take() {
                            Some(n) => format!("{why} {n}"),
                            None => why,
                        })
                    });
                }
            }),
            _ => c.first_run(),
        }
    }

    /// Elasticsearch chosen on an earlier visit: set its indices up again (the
    /// engine may be new or wiped since). If it cannot be used, this visit is
    /// on the embedded store; returns why (the choice stays saved for the next).
    async fn reconnect(&self) -> Option<String> {
        let proxy = self.proxy_url.get_untracked();
        let e = self.connect(&self.store(), &proxy).await.err()?;
        self.store.set_value(AppStore::embedded());
        self.mode.set(self.store().label());
        Some(format!(
            "Elasticsearch was chosen on an earlier visit, but the proxy at {proxy} cannot be used: {e}. \
             This visit is on the embedded store; choose Elasticsearch again to retry."
        ))
    }

    fn first_run(&self) {
        let early = crate::handoff::take();
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let (opening, anchor, shared) = match ShareLink::parse(&query) {
            Some(Ok(link)) => {
                self.knobs.seed.set(link.seed);
                self.knobs.intensity.set(link.intensity);
                self.knobs.target.set(link.target);
                self.knobs.threshold.set(link.threshold);
                self.knobs.live.set(link.live);
                self.notice.set(Some(format!(
                    "Replaying a shared demo: {} (seed {}, anchor {} UTC).",
                    link.scenarios.iter().map(|s| s.title()).collect::<Vec<_>>().join(", "),
                    link.seed,
                    quantumstate_core::time::ymd_hm(link.anchor)
                )));
                (link.scenarios.clone(), link.anchor, true)
            }
            Some(Err(e)) => {
                self.notice.set(Some(format!(
                    "This share link cannot be replayed: {e}. Showing the default demo instead."
                )));
                (vec![Scenario::Healthy], self.fresh_anchor(), false)
            }
            None => (vec![Scenario::Healthy], self.fresh_anchor(), false),
        };
        for knob in early.knobs {
            self.set_knob(knob);
        }
        let instead = |what: &str| {
            shared.then(|| {
                format!("You chose {what} before the app had loaded, so it ran instead of the shared demo: open the link again to replay it.")
            })
        };
        match early.queued {
            None => self.run_sequence(opening, anchor),
            Some(Queued::Scenario(s)) => {
                self.begin(Start::One(s));
                self.notice.set(instead(s.title()));
            }
            Some(Queued::RunAll) => {
                self.begin(Start::All);
                self.notice.set(instead(Start::All.words()));
            }
            Some(Queued::Reset) => {
                let c = *self;
                spawn_local(async move {
                    if c.clear_telemetry().await {
                        c.run_sequence(opening, anchor);
                    }
                });
            }
            Some(Queued::OwnFiles(files)) => self.read_own_files(files),
        }
    }

    fn set_knob(&self, knob: Knob) {
        let k = self.knobs;
        match knob {
            Knob::Seed(v) => k.seed.set(v),
            Knob::Intensity(v) => k.intensity.set(v),
            Knob::Target(v) => k.target.set(v),
            Knob::Threshold(v) => k.threshold.set(v),
            Knob::Speed(v) => k.set_speed(&v),
        }
    }
}
