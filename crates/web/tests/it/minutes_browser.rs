//! Results in a real browser (issue 18): the station's staff close the box; once the guardians
//! have counted it, the staff draw up the minutes; the head makes a signing key in the browser
//! (WebCrypto Ed25519, kept in IndexedDB), the governor confirms it, and the head signs the
//! minutes with it; the public council page shows the result and its chart; the printed
//! minutes' QR code, read back from the printed page, holds the counts the page shows.

use crate::browser::Browser;
use crate::election_day::{council_codes, election_day, own_station, OPENING};
use crate::minutes::{minutes_of, officials, sign};
use crate::support::{Kiosk, TestApp};
use domain::results::minutes;
use std::process::Command;

/// Reads the one QR code of a printed PDF: every page rasterised by `pdftoppm` (Debian's
/// poppler-utils) to a greyscale PGM, each searched by `rqrr`, the code found decoded.
fn qr_of_printed(pdf: &std::path::Path) -> String {
    let dir = pdf.parent().unwrap();
    let out = Command::new("pdftoppm")
        // Crisp modules: no anti-aliasing, as a sharp photograph of the sheet would be.
        .args(["-gray", "-r", "400", "-aa", "no", "-aaVector", "no"])
        .arg(pdf)
        .arg(dir.join("page"))
        .output()
        .expect("pdftoppm (Debian's poppler-utils; scripts/test installs it)");
    assert!(out.status.success(), "pdftoppm failed");
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    pages.sort();
    let found: Vec<String> = pages.iter().filter_map(|page| qr_on_page(page)).collect();
    assert_eq!(
        found.len(),
        1,
        "one QR code on the printed sheet, found {}",
        found.len()
    );
    found.into_iter().next().unwrap_or_default()
}

/// The QR code on one rasterised page, if it has one.
fn qr_on_page(page: &std::path::Path) -> Option<String> {
    let bytes = std::fs::read(page).unwrap();
    // A binary PGM: "P5", width, height, the largest value, one whitespace, then the pixels.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(bytes[start..at].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    let (width, height): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &bytes[at + 1..];
    assert_eq!(pixels.len(), width * height);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert!(grids.len() <= 1, "at most one QR code on a page");
    grids
        .first()
        .map(|grid| grid.decode().expect("the printed QR code decodes").1)
}

/// Waits (bounded) until the element `css` holds `expected` in its text.
async fn wait_for_text(browser: &Browser, css: &str, expected: &str) -> String {
    let mut text = String::new();
    for _ in 0..100 {
        text = browser.text(css).await;
        if text.contains(expected) {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{css} never said {expected:?}: {text:?}");
}

async fn vote_close_and_count(
    app: &TestApp,
    browser: &Browser,
    roll: &[domain::roll::Voter],
) -> (String, Vec<String>) {
    let (station, token) = (own_station(), app.token("station").await);
    let council = crate::support::demo_station(|s| s.code == station)
        .council_code
        .clone();
    let codes = council_codes(app, &council).await;
    assert_eq!(
        crate::election_day::act(app, &token, &station, "open", OPENING)
            .await
            .status,
        200
    );
    let kiosk = Kiosk::pair(app, &token, &station).await;
    for (voter, picked) in roll.iter().zip([
        vec![codes[0].clone(), codes[1].clone()],
        vec![codes[1].clone()],
    ]) {
        kiosk
            .check_in_and_vote(app, &token, &station, voter.national_id.as_str(), &picked)
            .await;
    }
    // The staff close the box from their console.
    app.clock.set(time::macros::datetime!(2026-05-01 14:35 UTC));
    browser.goto("/login").await;
    browser.log_in("station").await;
    browser.goto(&format!("/stations/{station}/day")).await;
    browser
        .click("#close-form input[name=confirm_counts]")
        .await;
    browser.click("#close-form button").await;
    browser.find("#day-notice").await;
    assert_eq!(browser.text("#day-state").await, "بسته");
    // The guardians count it.
    crate::results::decrypt(app, &station).await;
    (council, codes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn staff_close_count_and_sign_and_the_printed_qr_code_holds_the_counts() {
    let (app, _, roll) = election_day().await;
    let station = own_station();
    let browser = Browser::open(&app).await;
    let (council, codes) = vote_close_and_count(&app, &browser, &roll).await;
    // Every official has an account and a confirmed key before the minutes name them; the
    // head's is made again below, in this browser.
    let officials = officials(&app, &station).await;

    // The staff draw the minutes up from the count.
    browser
        .goto(&format!("/results/stations/{station}/minutes"))
        .await;
    browser.find("#minutes-none").await;
    browser.click("#minutes-draw button[type=submit]").await;
    wait_for_text(&browser, "#minutes-notice", "صورتجلسه تنظیم شد").await;
    assert_eq!(
        browser
            .find("#minutes-standing")
            .await
            .attr("data-fully-signed")
            .await
            .unwrap()
            .as_deref(),
        Some("false")
    );

    let governor = app.token("governor").await;
    let keys = app
        .get("/api/v1/signing-keys?county=11", Some(&governor))
        .await
        .json();
    let head_key = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["username"] == "official-head")
        .unwrap();
    let revoked = app
        .post(
            &format!("/api/v1/signing-keys/{}/revoke", head_key["id"]),
            &governor,
            "",
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    browser.client.delete_all_cookies().await.unwrap();
    browser.goto("/login").await;
    browser.log_in("official-head").await;
    browser.goto("/signing-keys").await;
    browser
        .type_into(
            "#register-key input[name=national_id]",
            &domain::text::persian_digits(head_key["national_id"].as_str().unwrap()),
        )
        .await;
    browser.click("#register-key button").await;
    let row = browser.find("#own-keys-table tr[data-state=pending]").await;
    let made_here = row.attr("data-key").await.unwrap().unwrap();
    wait_for_text(
        &browser,
        &format!("#own-keys-table tr[data-key=\"{made_here}\"] td[data-device-key]"),
        "بله",
    )
    .await;
    let confirmed = app
        .post(
            &format!("/api/v1/signing-keys/{made_here}/confirm"),
            &governor,
            "",
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());

    // The head signs in the browser; the others through the API.
    browser
        .goto(&format!("/results/stations/{station}/minutes"))
        .await;
    browser
        .click("#minutes-sign button[data-sign-minutes]")
        .await;
    wait_for_text(&browser, "#minutes-notice", "امضای شما ثبت شد").await;
    let text = minutes_of(&app, &station).await["versions"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    for official in &officials[1..] {
        let signed = sign(&app, official, &station, 1, &text).await;
        assert_eq!(signed.status, 200, "{}", signed.text());
    }
    let published = minutes_of(&app, &station).await;
    assert_eq!(published["fully_signed"], true);
    let head_mark = &published["versions"][0]["marks"][0];
    assert_eq!(head_mark["post"], "head");
    assert_eq!(
        head_mark["key"].to_string(),
        made_here,
        "signed with the browser's key"
    );

    // The public council page: the result and its chart, no login needed.
    browser.client.delete_all_cookies().await.unwrap();
    browser.goto(&format!("/results/{council}")).await;
    let chart = browser.find("svg").await;
    assert!(chart.is_displayed().await.unwrap());
    let result = app
        .get(&format!("/api/v1/results/{council}"), None)
        .await
        .json();
    assert_eq!(result["ballots_cast"], 2);
    let own = result["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == station.as_str())
        .unwrap();
    assert_eq!(own["standing"], "reported");
    let page = browser.client.source().await.unwrap();
    assert!(
        page.contains(&domain::text::persian_digits(&codes[1])),
        "{page}"
    );

    // The printed minutes: their QR code, read from the printed page, holds the page's counts
    // and signatures that verify.
    browser
        .goto(&format!("/results/stations/{station}/minutes"))
        .await;
    browser.find("#minutes-qr svg").await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = browser.printed_pdf(dir.path()).await;
    let payload = qr_of_printed(&pdf);
    let (read, marks) = minutes::read_qr(&payload).unwrap();
    assert_eq!(read.canonical(), text);
    assert_eq!(marks.len(), officials.len());
    for (_, mark) in &marks {
        let minutes::Mark::Signed { key, signature } = mark else {
            panic!("every official signed");
        };
        assert!(minutes::verify(&text, key, signature));
    }
    let shown = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('section[data-council] tr[data-candidate]')).map(r => [r.closest('section').dataset.council, r.dataset.candidate, Number(r.dataset.votes)]);",
            vec![],
        )
        .await
        .unwrap();
    let on_page: Vec<(String, String, u64)> = serde_json::from_value(shown).unwrap();
    let in_code: Vec<(String, String, u64)> = read
        .councils
        .iter()
        .flat_map(|c| {
            c.votes
                .iter()
                .map(|v| (c.council.clone(), v.candidate.clone(), v.votes))
        })
        .collect();
    assert_eq!(on_page, in_code);
    assert_eq!(
        read.council(&council)
            .unwrap()
            .votes
            .iter()
            .map(|v| v.votes)
            .sum::<u64>(),
        3,
        "two ballots, three marks"
    );
    browser.finish().await;
}
