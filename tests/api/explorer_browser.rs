//! The explorer in a real headless Chromium driven over WebDriver (chromedriver): open the
//! catalog, filter it, open a model page, see its plot, send feedback and see the tracking
//! code, open the compute plot, run a query in GraphiQL, and keep a
//! screenshot of each in `target/explorer-screenshots/`. Skipped, with a message, where
//! chromium or chromedriver is not installed, except under CI, where that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// Chromium and chromedriver for `what`'s browser test, or `None` (said, and a failure under CI)
/// where either is missing.
pub fn chromium_for(what: &str) -> Option<(PathBuf, PathBuf)> {
    match (installed(&["chromium", "chromium-browser", "google-chrome"]), installed(&["chromedriver"])) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ => {
            let message = format!("{what} browser test skipped: chromium and chromedriver are not installed");
            assert!(std::env::var_os("CI").is_none(), "{message}");
            println!("{message}");
            None
        }
    }
}

pub fn installed(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name))).find(|p| p.is_file())
}

/// chromedriver on a free port, stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start_driver(binary: &Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client.get(format!("{}/status", driver.url)).send().await.is_ok_and(|r| r.status().is_success()) {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {}", driver.url);
}

pub async fn browser(driver: &Driver, chromium: &Path, profile: &Path) -> Client {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.display()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a browser session")
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/explorer-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn save_screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshot_dir().join(name), png).unwrap();
}

/// Waits until `script` returns true in the page.
pub async fn wait_until(browser: &Client, script: &str) {
    for _ in 0..100 {
        if browser.execute(script, vec![]).await.unwrap() == json!(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never true: {script}");
}

#[tokio::test]
async fn a_reader_filters_the_catalog_opens_a_model_and_sees_the_plot() {
    let (Some(chromium), Some(chromedriver)) =
        (installed(&["chromium", "chromium-browser", "google-chrome"]), installed(&["chromedriver"]))
    else {
        let message = "explorer browser test skipped: chromium and chromedriver are not installed";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        println!("{message}");
        return;
    };
    let app = spawn_app().await;
    let british = app
        .query(r#"{ models(filter: { organizations: { country: { eq: "GB" } } }) { totalCount } }"#, json!({}))
        .await["models"]["totalCount"]
        .as_i64()
        .unwrap();
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;

    // The catalog, filtered through its form.
    browser.goto(&app.url("/")).await.unwrap();
    let heading = browser.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(heading, "The catalog of large AI models");
    browser.find(Locator::Id("f-country")).await.unwrap().send_keys("GB").await.unwrap();
    browser.find(Locator::Css("form.filters button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_until(&browser, "return location.search.includes('country=GB')").await;
    let rows = browser.find_all(Locator::Css("tbody th[scope=row] a")).await.unwrap();
    assert_eq!(rows.len() as i64, british.min(25), "the table shows the API's British models");
    save_screenshot(&browser, "catalog.png").await;

    // A model page, with its plot drawn.
    let name = rows[0].text().await.unwrap();
    rows[0].click().await.unwrap();
    wait_until(&browser, "return location.pathname.startsWith('/models/')").await;
    assert_eq!(browser.find(Locator::Css("h1")).await.unwrap().text().await.unwrap(), name);
    wait_until(
        &browser,
        "const img = document.querySelector('figure img'); return img.complete && img.naturalWidth > 0",
    )
    .await;
    browser.set_window_size(1280, 2400).await.unwrap();
    save_screenshot(&browser, "model.png").await;

    // Feedback from the model page, answered with a tracking code the API knows.
    browser.set_window_size(1280, 1000).await.unwrap();
    browser.find(Locator::Id("fb-kind")).await.unwrap().select_by_value("CORRECTION").await.unwrap();
    browser
        .find(Locator::Id("fb-body"))
        .await
        .unwrap()
        .send_keys("The announced date should be a day earlier.")
        .await
        .unwrap();
    browser.find(Locator::Css("form.feedback button[type=submit]")).await.unwrap().click().await.unwrap();
    let code = browser.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    let status = app
        .query("query($code: String!) { feedbackStatus(trackingCode: $code) { status } }", json!({ "code": code }))
        .await;
    assert_eq!(status["feedbackStatus"]["status"], "PENDING");
    save_screenshot(&browser, "feedback.png").await;

    // The compute plot alone, as another site embeds it.
    browser.set_window_size(1040, 760).await.unwrap();
    browser.goto(&app.url("/plots/compute.svg")).await.unwrap();
    wait_until(&browser, "return document.querySelectorAll('circle').length > 50").await;
    save_screenshot(&browser, "compute-plot.png").await;

    browser.close().await.unwrap();
}

#[tokio::test]
async fn graphiql_loads_from_the_service_alone_and_runs_a_query() {
    let (Some(chromium), Some(chromedriver)) =
        (installed(&["chromium", "chromium-browser", "google-chrome"]), installed(&["chromedriver"]))
    else {
        let message = "GraphiQL browser test skipped: chromium and chromedriver are not installed";
        assert!(std::env::var_os("CI").is_none(), "{message}");
        println!("{message}");
        return;
    };
    let app = spawn_app().await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = browser(&driver, &chromium, profile.path()).await;

    browser.goto(&app.url("/graphql")).await.unwrap();
    wait_until(&browser, "return document.querySelector('.graphiql-query-editor .CodeMirror') !== null").await;
    browser
        .execute(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror
                .setValue('{ models(first: 1) { totalCount } }')",
            vec![],
        )
        .await
        .unwrap();
    browser.find(Locator::Css(".graphiql-execute-button")).await.unwrap().click().await.unwrap();
    wait_until(
        &browser,
        "const result = document.querySelector('.result-window'); return !!result && result.textContent.includes('totalCount')",
    )
    .await;
    // Everything it loaded came from the service: no CDN, so it works offline.
    let foreign = browser
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(foreign, json!([]));
    save_screenshot(&browser, "graphiql.png").await;
    browser.close().await.unwrap();
}
