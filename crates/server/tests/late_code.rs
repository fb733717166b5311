//! The app's code arrives after the first screen answers clicks
//! (`src/bin/shell.rs`): a click on a scenario right after load, before the
//! app's wasm has arrived, is queued and runs once it has. The real server
//! serves the build; a gate in front of it holds the app's wasm back until the
//! test has clicked, so "before it arrived" is certain, not a race.

mod support;

use axum::extract::Request;
use axum::middleware::{self, Next};
use fantoccini::{Client, Locator};
use quantumstate_core::Scenario;
use quantumstate_server::serve::{app, ServeConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

const WAIT: Duration = Duration::from_secs(60);

async fn wait(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
        Ok(e) => e,
        Err(e) => {
            support::screenshot(client, "late-code-failure").await;
            panic!("{css}: {e}")
        }
    }
}

/// The real server, with the app's wasm held back until `open.send(true)`.
async fn gated() -> (String, watch::Sender<bool>) {
    let (open, gate) = watch::channel(false);
    let gate = Arc::new(gate);
    let router = app(&ServeConfig {
        dist: support::dist(),
        proxy: Default::default(),
    })
    .unwrap()
    .layer(middleware::from_fn(move |request: Request, next: Next| {
        let mut gate = (*gate).clone();
        async move {
            if request.uri().path().ends_with("quantumstate-app_bg.wasm") {
                let _ = gate.wait_for(|open| *open).await;
            }
            next.run(request).await
        }
    }));
    (support::spawn_router(router).await, open)
}

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn a_scenario_clicked_before_the_app_arrives_runs_once_it_has() {
    let (client, _driver) = support::browser(1440, 900).await;
    for scenario in Scenario::ALL {
        let (url, open) = gated().await;
        client.goto(&url).await.unwrap();
        // The first screen answers clicks while the app is held back.
        wait(&client, "#shell:not([inert])").await;
        let seed = client.find(Locator::Css("#shell [name=seed]")).await.unwrap();
        seed.clear().await.unwrap();
        seed.send_keys("7").await.unwrap();
        let button = format!("#shell [data-queue='{}']", scenario.name());
        client.find(Locator::Css(&button)).await.unwrap().click().await.unwrap();
        let status = wait(&client, "#shell .status-line .busy span")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            status.starts_with(&format!("{}: starts once the simulator has loaded", scenario.title())),
            "{status}"
        );
        assert!(
            client.find(Locator::Css("#verdict")).await.is_err(),
            "the app has not mounted while its wasm is held back"
        );
        open.send(true).unwrap();
        // The app ran what was queued, with the seed typed before it arrived.
        let counts = wait(&client, &format!("p.counts[data-scenario='{}']", scenario.name())).await;
        assert!(
            counts.text().await.unwrap().contains("seed 7"),
            "{}",
            counts.text().await.unwrap()
        );
        let verdict = if scenario == Scenario::Healthy {
            "noincident"
        } else {
            "resolved"
        };
        wait(&client, &format!("#verdict.{verdict}")).await;
        assert!(
            client.find(Locator::Css("#shell")).await.is_err(),
            "the app replaced the shell"
        );
        // Nothing of the app was fetched before the first screen answered clicks.
        let order: serde_json::Value = client
            .execute(
                "const mark = performance.getEntriesByName('app-interactive')[0].startTime;
                 return performance.getEntriesByType('resource')
                     .filter(r => ['quantumstate-app.js', 'quantumstate-app_bg.wasm']
                         .includes(new URL(r.name).pathname.split('/').pop()))
                     .map(r => r.startTime >= mark);",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            order,
            serde_json::json!([true, true]),
            "the app's glue and wasm, after app-interactive"
        );
    }
    client.close().await.unwrap();
}
