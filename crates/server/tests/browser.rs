//! End-to-end: the real server, the real built app, a real headless Chromium.
//! Run by scripts/test.sh (`--include-ignored`) after `trunk build`.

mod support;

use fantoccini::Locator;
use std::time::Duration;

#[tokio::test]
#[ignore = "needs dist/ and chromedriver: run scripts/test.sh"]
async fn memory_leak_click_draws_a_chart_and_shows_counts() {
    let (_server, url) = support::serve(&[]);
    let (client, _driver) = support::browser(1440, 900).await;
    client.goto(&url).await.unwrap();

    let button = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("button[data-scenario='memory-leak']"))
        .await
        .expect("scenario button");
    // The healthy platform is drawn first; wait for it so the click is not swallowed.
    client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".counts[data-scenario='healthy']"))
        .await
        .expect("initial healthy run");
    let title = client.title().await.unwrap();
    assert!(title.contains("QuantumState"), "{title}");
    assert_eq!(client.find_all(Locator::Css(".service")).await.unwrap().len(), 4);

    button.click().await.unwrap();
    let counts = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".counts[data-scenario='memory-leak']"))
        .await
        .expect("memory leak run finished");
    let text = counts.text().await.unwrap();
    assert!(text.contains("generated"), "{text}");
    assert!(text.contains("4 incidents"), "{text}");
    // The leak has pushed payment-service out of the healthy range.
    let payment = client
        .find(Locator::Css(".service[data-service='payment-service']"))
        .await
        .unwrap();
    let class = payment.attr("class").await.unwrap().unwrap_or_default();
    assert!(class.contains("critical"), "{class}");

    let painted = support::painted_pixels(&client, "#metric-chart").await;
    assert!(painted > 2_000, "chart looks blank: {painted} painted pixels");
    support::screenshot(&client, "first-screen-memory-leak-1440x900").await;
    client.close().await.unwrap();
}
