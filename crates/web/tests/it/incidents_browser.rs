//! Incidents in a real browser (issue 16): an inspector files one from a phone-sized window,
//! and the province HQ's list, open in another window, shows it without a reload and with its
//! filter kept.

use crate::browser::Browser;
use crate::support::{demo_station, TestApp, OWN_COUNTY};
use std::time::Duration;

/// Whether the page is wider than the window (it would scroll sideways), with the widths.
async fn scrolls_sideways(browser: &Browser) -> (bool, serde_json::Value) {
    let widths = browser
        .client
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    (scroll > client, widths)
}

/// The ids of the incidents the HQ's list shows.
async fn listed(browser: &Browser) -> Vec<String> {
    let ids = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('#incidents-table tr[data-incident]')).map(r => r.dataset.incident);",
            vec![],
        )
        .await
        .unwrap();
    ids.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn an_inspector_files_from_a_phone_and_the_provinces_list_shows_it() {
    let app = TestApp::with_config(web::Config {
        identity_limits: crate::support::unrationed(),
        live_refresh: Duration::from_secs(1),
        ..web::Config::default()
    })
    .await;
    let station = demo_station(|s| s.county_code == OWN_COUNTY).code.clone();

    // The HQ's list, filtered to the open incidents of the inspector's county.
    let hq = Browser::open(&app).await;
    hq.goto("/login").await;
    hq.log_in("hq").await;
    hq.goto(&format!("/incidents?county={OWN_COUNTY}&status=open"))
        .await;
    hq.find("#incidents-table").await;
    let before = listed(&hq).await;
    hq.client
        .execute("window.incidentsMarker = 'still here';", vec![])
        .await
        .unwrap();

    // The inspector, on a phone.
    let phone = Browser::open(&app).await;
    phone.client.set_window_size(390, 844).await.unwrap();
    phone.goto("/login").await;
    phone.log_in("inspection").await;
    phone.goto("/incidents/new").await;
    phone.find("#incident-form").await;
    let (sideways, widths) = scrolls_sideways(&phone).await;
    assert!(!sideways, "the filing page scrolls sideways: {widths}");
    phone
        .type_into("#incident-station", &domain::text::persian_digits(&station))
        .await;
    phone.select("#incident-subcategory", "vote_buying").await;
    phone.click("#severity-high").await;
    phone
        .type_into(
            "#incident-description",
            "گزارش پیشنهاد پول در برابر رأی در ورودی شعبه.",
        )
        .await;
    phone.click("#incident-submit").await;
    let status = phone.text("#incident-status").await;
    assert_eq!(status, "باز");
    phone.find("#incident-notice").await;
    let path = phone.client.current_url().await.unwrap().path().to_owned();
    let id = path
        .strip_prefix("/incidents/")
        .unwrap_or_else(|| panic!("on the incident's page, not {path}"))
        .to_owned();
    let (sideways, widths) = scrolls_sideways(&phone).await;
    assert!(!sideways, "the incident's page scrolls sideways: {widths}");
    phone.finish().await;
    assert!(!before.contains(&id));

    // The HQ's list shows it, in place, its filter kept.
    let mut shown = Vec::new();
    for _ in 0..100 {
        shown = listed(&hq).await;
        if shown.contains(&id) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.contains(&id), "{id} not in {shown:?}");
    let marker = hq
        .client
        .execute("return window.incidentsMarker || null;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!("still here"), "not reloaded");
    let status = hq
        .client
        .execute(
            "return document.getElementById('filter-status').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(status, serde_json::json!("open"), "the filter is kept");
    let row = hq
        .text(&format!("#incidents-table tr[data-incident='{id}']"))
        .await;
    assert!(row.contains("خرید و فروش رأی"), "{row}");
    assert!(
        row.contains(&domain::text::persian_digits(&station)),
        "{row}"
    );
    hq.finish().await;
}
