//! Issue 18 through the API and the public pages: a council's result follows its station from
//! voting to closed to counted — the votes the guardians decrypt are the candidates' totals,
//! ranked, with members and alternates — and says which stations are missing and why.

use crate::election_day::{act, council_codes, election_day, own_station, OPENING};
use crate::support::{Kiosk, TestApp};
use ballot_crypto::EncryptedTally;

/// A council's result as the public API gives it.
async fn result(app: &TestApp, council: &str) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/results/{council}"), None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "application/json");
    r.json()
}

/// A station's count and receipts as the public API gives them.
async fn station_count(app: &TestApp, station: &str) -> serde_json::Value {
    let r = app
        .get(&format!("/api/v1/results/stations/{station}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// The station's standing in a result.
fn standing<'a>(result: &'a serde_json::Value, station: &str) -> &'a serde_json::Value {
    &result["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == station)
        .expect("the station serves the council")["standing"]
}

/// Guardians 0 and 2 (the threshold is two of three) decrypt every tally of a closed station
/// through the public API.
pub async fn decrypt(app: &TestApp, station: &str) {
    let listed = app
        .get(&format!("/api/v1/tallies?station={station}"), None)
        .await
        .json();
    let mut rng = rand::rngs::OsRng;
    for guardian in [0usize, 2] {
        let shares: Vec<serde_json::Value> = listed["stations"][0]["tallies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let tally: EncryptedTally = serde_json::from_value(t["tally"].clone()).unwrap();
                serde_json::json!({
                    "station": station,
                    "council": t["council"],
                    "share": app.guardians[guardian].decrypt(&tally, &mut rng),
                })
            })
            .collect();
        let body = serde_json::json!({ "guardian": guardian, "shares": shares }).to_string();
        let posted = app
            .json(
                axum::http::Method::POST,
                "/api/v1/tallies/shares",
                None,
                &body,
            )
            .await;
        assert_eq!(posted.status, 200, "{}", posted.text());
    }
}

#[tokio::test]
async fn a_councils_result_follows_its_station_from_the_vote_to_the_count() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    assert!(codes.len() >= 3, "the council has candidates to rank");

    // Before the polls open: every candidate at zero, the station not closed, nothing counted.
    let before = result(&app, &council).await;
    assert_eq!(before["status"], "unofficial_partial");
    assert_eq!(before["ballots_cast"], 0);
    assert_eq!(before["blank"], serde_json::Value::Null);
    assert_eq!(before["stations_reported"], 0);
    let total = before["stations_total"].as_u64().unwrap();
    assert!(total >= 1);
    assert_eq!(standing(&before, &station), "not_closed");
    assert_eq!(before["candidates"].as_array().unwrap().len(), codes.len());
    let ranks: Vec<u64> = before["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["votes"], 0);
            c["rank"].as_u64().unwrap()
        })
        .collect();
    // All tied at zero: only the law's tie-breaks (family, degree) order them, from rank 1.
    assert_eq!(ranks[0], 1);
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");

    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    // Three voters: the second candidate gets two votes, the first one, and one ballot is blank.
    let choices = [
        vec![codes[0].clone(), codes[1].clone()],
        vec![codes[1].clone()],
        vec![],
    ];
    let mut receipts = Vec::new();
    for (voter, picked) in roll.iter().zip(&choices) {
        let cast = kiosk
            .check_in_and_vote(&app, &token, &station, voter.national_id.as_str(), picked)
            .await;
        receipts.push(cast.json()["receipt"].as_str().unwrap().to_owned());
    }
    // Voting: the running box tells nothing.
    let voting = result(&app, &council).await;
    assert_eq!(standing(&voting, &station), "not_closed");
    assert_eq!(voting["ballots_cast"], 0);
    let open = station_count(&app, &station).await;
    assert_eq!(open["state"], "open");
    assert_eq!(
        open["receipts"],
        serde_json::json!([]),
        "listed once the box is closed"
    );

    app.clock.set(time::macros::datetime!(2026-05-01 14:30 UTC));
    let token = app.token("station").await;
    let closed = act(&app, &token, &station, "close", "").await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let waiting = result(&app, &council).await;
    assert_eq!(standing(&waiting, &station), "not_counted");
    assert_eq!(
        waiting["ballots_cast"], 0,
        "not in the totals before the count"
    );

    decrypt(&app, &station).await;
    // Counted: in the totals, but not reported until its minutes are signed.
    let unsigned = result(&app, &council).await;
    assert_eq!(standing(&unsigned, &station), "not_signed");
    assert_eq!(unsigned["ballots_cast"], 3);
    assert_eq!(unsigned["stations_reported"], 0);
    assert_eq!(unsigned["status"], "unofficial_partial");
    crate::minutes::sign_all(&app, &token, &station).await;
    let counted = result(&app, &council).await;
    assert_eq!(standing(&counted, &station), "reported");
    assert_eq!(counted["ballots_cast"], 3);
    assert_eq!(counted["stations_reported"], 1);
    assert_eq!(
        counted["status"],
        if total == 1 {
            "unofficial_complete"
        } else {
            "unofficial_partial"
        }
    );
    let candidates = counted["candidates"].as_array().unwrap();
    let votes = |code: &str| {
        candidates
            .iter()
            .find(|c| c["code"] == code)
            .map(|c| (c["votes"].as_u64().unwrap(), c["rank"].as_u64().unwrap()))
            .unwrap()
    };
    assert_eq!(votes(&codes[1]), (2, 1));
    assert_eq!(votes(&codes[0]), (1, 2));
    assert_eq!(
        candidates
            .iter()
            .map(|c| c["votes"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    assert_eq!(candidates[0]["code"], codes[1].as_str(), "best first");
    assert_eq!(candidates[0]["outcome"], "member");
    assert_eq!(candidates[1]["outcome"], "member");
    // Every candidate has one outcome; no more members than seats.
    let seats = counted["main_seats"].as_u64().unwrap() as usize;
    let members = candidates
        .iter()
        .filter(|c| c["outcome"] == "member")
        .count();
    assert!(members <= seats);
    // The checked-in voters all cast: no finding.
    let own = counted["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == station)
        .unwrap();
    assert_eq!(own["findings"], serde_json::json!([]));
    assert_eq!(own["ballots"], 3);

    // The station's count and the receipts in its box: each voter finds theirs.
    let counted_here = station_count(&app, &station).await;
    assert_eq!(counted_here["state"], "closed");
    assert_eq!(counted_here["check_ins"], 3);
    let listed: Vec<String> = counted_here["receipts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    let mut expected_receipts = receipts.clone();
    expected_receipts.sort();
    assert_eq!(listed, expected_receipts);
    let here = &counted_here["councils"][0];
    assert_eq!(
        (here["council"].as_str(), here["counted"].as_bool()),
        (Some(council.as_str()), Some(true))
    );
    let mine = &receipts[1];
    let searched = app
        .page(
            &format!(
                "/results/stations/{station}?q={}",
                crate::support::enc(&domain::text::persian_digits(mine))
            ),
            None,
        )
        .await;
    assert_eq!(searched.status, 200, "{}", searched.text());
    let html = searched.text();
    assert!(
        html.contains(&format!(
            "<bdi>{}</bdi>",
            domain::text::persian_digits(mine)
        )),
        "{html}"
    );
    assert!(
        html.contains("data-found=\"۱\""),
        "only the one searched: {html}"
    );

    // The county's aggregation: the council with its stations reported and its members.
    let county = counted["county"].as_str().unwrap().to_owned();
    let area = app
        .get(&format!("/api/v1/results?county={county}"), None)
        .await;
    assert_eq!(area.status, 200, "{}", area.text());
    let area = area.json();
    let summary = area["councils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["council"] == council.as_str())
        .expect("the council is in its county's results");
    assert_eq!(summary["stations_reported"], 1);
    assert_eq!(summary["ballots_cast"], 3);
    assert_eq!(
        summary["stations_not_closed"].as_u64().unwrap() + 1,
        summary["stations_total"].as_u64().unwrap()
    );
    assert_eq!(summary["members"][0]["code"], codes[1].as_str());
    assert!(area["councils"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["county"] == county.as_str()));
    assert_eq!(
        area["ballots_cast"], 3,
        "no other station of the county voted"
    );
    app.get("/api/v1/results?county=99", None)
        .await
        .assert_problem(404, "not_found");

    // The public page shows the same, with its chart.
    let page = app.page(&format!("/results/{council}"), None).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(&format!(
            "data-candidate=\"{}\" data-votes=\"2\" data-outcome=\"member\"",
            codes[1]
        )),
        "{html}"
    );
    assert!(html.contains("data-ballots=\"3\""), "{html}");
    assert!(html.contains("<svg"), "a chart of the votes: {html}");
    let index = app
        .page(
            &format!(
                "/results?county={}&q={}",
                counted["county"].as_str().unwrap(),
                crate::support::enc(counted["name"].as_str().unwrap())
            ),
            None,
        )
        .await;
    assert_eq!(index.status, 200);
    let listed = index.text();
    assert!(
        listed.contains(&format!("href=\"/results/{council}\"")),
        "{listed}"
    );
    assert!(
        listed.contains("data-status=\"unofficial_"),
        "a county's councils show their results' status: {listed}"
    );

    // The supervision board annuls the box: it leaves the totals with its reason shown, and
    // the council no longer waits for it; lifted, its count is back.
    let executive = app.token("executive").await;
    let annul = |token: String, path: &'static str, reason: &'static str| {
        let app = &app;
        let station = station.clone();
        async move {
            app.json(
                axum::http::Method::POST,
                &format!("/api/v1/stations/{station}/annulment{path}"),
                Some(&token),
                &serde_json::json!({ "reason": reason }).to_string(),
            )
            .await
        }
    };
    annul(executive, "", "نادرست")
        .await
        .assert_problem(403, "forbidden");
    let supervision = app.token("supervision").await;
    annul(supervision.clone(), "/lift", "هیچ")
        .await
        .assert_problem(409, "station_not_annulled");
    annul(supervision.clone(), "", " ")
        .await
        .assert_problem(422, "annulment_reason_length");
    let annulled = annul(supervision.clone(), "", "تعرفه‌ها دست‌کاری شده بود").await;
    assert_eq!(annulled.status, 204, "{}", annulled.text());
    let without = result(&app, &council).await;
    assert_eq!(standing(&without, &station), "annulled");
    assert_eq!(without["ballots_cast"], 0, "its ballots left the totals");
    assert!(without["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["votes"] == 0));
    let shown = app.page(&format!("/results/{council}"), None).await.text();
    assert!(
        shown.contains("دلیل ابطال: تعرفه‌ها دست‌کاری شده بود"),
        "{shown}"
    );
    annul(supervision.clone(), "", "دوباره")
        .await
        .assert_problem(409, "station_already_annulled");
    let lifted = annul(supervision, "/lift", "شکایت در تجدیدنظر رد شد").await;
    assert_eq!(lifted.status, 204, "{}", lifted.text());
    assert_eq!(result(&app, &council).await["ballots_cast"], 3);
}

#[tokio::test]
async fn an_unknown_council_has_no_result() {
    let app = TestApp::new().await;
    app.get("/api/v1/results/no-such-council", None)
        .await
        .assert_problem(404, "not_found");
    let page = app.page("/results/no-such-council", None).await;
    assert_eq!(page.status, 404);
    app.get("/api/v1/results/stations/0000000", None)
        .await
        .assert_problem(404, "not_found");
}
