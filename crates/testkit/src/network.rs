//! A slow network for the end-to-end tests: ChromeDriver's network conditions,
//! which are Chromium's DevTools throttling (every request of the page,
//! loopback included).

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Client;

/// What the page's network is allowed.
#[derive(Debug, Clone, Copy)]
pub struct Conditions {
    /// Added to every request, in milliseconds.
    pub latency: f64,
    /// Bytes per second; -1 for no limit.
    pub download_throughput: f64,
    /// Bytes per second; -1 for no limit.
    pub upload_throughput: f64,
    pub offline: bool,
}

impl Conditions {
    /// Lighthouse's mobile throttling as DevTools applies it
    /// (`throttlingMethod: devtools`): 562.5 ms per request, 1,474.6 kbit/s
    /// down, 675 kbit/s up.
    pub const LIGHTHOUSE_MOBILE: Conditions = Conditions {
        latency: 562.5,
        download_throughput: 1_474.56 * 1000.0 / 8.0,
        upload_throughput: 675.0 * 1000.0 / 8.0,
        offline: false,
    };
}

#[derive(Debug)]
struct SetNetworkConditions(Conditions);

impl WebDriverCompatibleCommand for SetNetworkConditions {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let c = self.0;
        let body = serde_json::json!({ "network_conditions": {
            "latency": c.latency,
            "download_throughput": c.download_throughput,
            "upload_throughput": c.upload_throughput,
            "offline": c.offline,
        } });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Throttle every later request of `client`'s page to `conditions`.
pub async fn throttle(client: &Client, conditions: Conditions) {
    client
        .issue_cmd(SetNetworkConditions(conditions))
        .await
        .unwrap_or_else(|e| panic!("ChromeDriver refused network conditions {conditions:?}: {e}"));
}
