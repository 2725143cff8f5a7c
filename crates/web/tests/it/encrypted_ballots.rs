//! Issue 17 through the API: a ballot is kept only encrypted — the database read while ballots
//! are cast holds no choice — the guardians' shares of the station's tally give back the
//! counts (and fewer than their threshold give nothing), and the station's part of the record
//! verifies.

use crate::election_day::{act, council_codes, election_day, own_station, OPENING};
use crate::support::Kiosk;
use ballot_crypto::record;
use ballot_crypto::tally::{self, CountTable};
use std::collections::BTreeMap;

#[tokio::test]
async fn ballots_are_kept_encrypted_and_only_the_guardians_shares_count_them() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let opened = act(&app, &token, &station, "open", OPENING).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    assert!(codes.len() >= 3);
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    // What a reader of the database sees before the first ballot.
    let mut seen = app.database_rows();

    let choices: Vec<Vec<String>> = vec![
        vec![codes[0].clone(), codes[1].clone()],
        vec![codes[1].clone()],
        vec![],
        vec![codes[2].clone(), codes[0].clone()],
    ];
    let mut expected: BTreeMap<String, u64> = codes.iter().map(|c| (c.clone(), 0)).collect();
    let mut receipts = Vec::new();
    for (voter, picked) in roll.iter().zip(&choices) {
        let body =
            serde_json::json!({"station": station, "national_id": voter.national_id.as_str()});
        let checked_in = app
            .post("/api/v1/checkins", &token, &body.to_string())
            .await;
        assert_eq!(checked_in.status, 201, "{}", checked_in.text());
        let ballot_token = checked_in.json()["ballot_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let cast = kiosk.vote(&app, &token, &ballot_token, picked).await;
        assert_eq!(cast.status, 201, "{}", cast.text());
        for code in picked {
            *expected.get_mut(code).unwrap() += 1;
        }
        let tracking = cast.json()["tracking_code"].as_str().unwrap().to_owned();
        assert_eq!(tracking.len(), 64);
        receipts.push(cast.json()["receipt"].as_str().unwrap().to_owned());
        // Read while the day goes on: every row written since holds no choice — no cell is a
        // candidate's code, none holds one in quotes (as the old box's JSON did) — and the
        // ballot's row is among them, a ciphertext.
        let now = app.database_rows();
        let written: Vec<&Vec<String>> = now.difference(&seen).collect();
        assert!(
            written.iter().any(|row| row[0] == "ballots"),
            "the reader sees the ballot"
        );
        for row in &written {
            for cell in &row[1..] {
                for code in &codes {
                    assert!(
                        cell != code && !cell.contains(&format!("\"{code}\"")),
                        "a choice in {row:?}"
                    );
                }
            }
        }
        seen = now;
    }
    for receipt in &receipts {
        let found = app
            .get(&format!("/api/v1/receipts/{receipt}"), None)
            .await
            .json();
        assert_eq!(found["station"], station.as_str());
    }

    // The station's part of the record: every ballot's proofs, the chain, the sum.
    let mut manifest = app::record::manifest(app.store.as_ref(), "shora-7")
        .await
        .unwrap();
    manifest.stations = vec![station.clone()];
    let mut part = app::record::station_record(app.store.as_ref(), &manifest, &station)
        .await
        .unwrap();
    assert_eq!(part.ballots.len(), 4);
    let (findings, checked) = record::verify(&manifest, std::slice::from_ref(&part), 1);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(checked.ballots, 4);

    // The guardians decrypt the tally, never a ballot: two of three give the counts, one
    // gives nothing.
    let key = manifest.ceremony.key().unwrap();
    let style = manifest
        .styles
        .iter()
        .find(|s| s.council == council)
        .unwrap()
        .clone();
    let tally_part = part
        .tallies
        .iter_mut()
        .find(|t| t.council == council)
        .unwrap();
    let mut rng = rand::rngs::OsRng;
    let shares: Vec<_> = app.guardians[1..]
        .iter()
        .map(|g| g.decrypt(&tally_part.tally, &mut rng))
        .collect();
    let table = CountTable::up_to(4);
    assert!(tally::decrypt_counts(&key, &tally_part.tally, &shares[..1], &table).is_err());
    let counts = tally::decrypt_counts(&key, &tally_part.tally, &shares, &table).unwrap();
    let decrypted: BTreeMap<String, u64> = style
        .candidates
        .iter()
        .cloned()
        .zip(counts.iter().copied())
        .collect();
    assert_eq!(decrypted, expected);
    // Published with the shares and the counts, the record still verifies.
    tally_part.shares = shares;
    tally_part.counts = Some(record::Counts {
        ballots: 4,
        votes: counts,
    });
    let (findings, _) = record::verify(&manifest, std::slice::from_ref(&part), 1);
    assert!(findings.is_empty(), "{findings:?}");
}

/// Before the guardians' ceremony there is no key, and no ballot is cast in the clear.
#[tokio::test]
async fn without_an_election_key_no_ballot_is_cast() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    app.sqlite
        .raw_execute("DELETE FROM election_keys")
        .await
        .unwrap();
    let body = serde_json::json!({"station": station, "national_id": roll[0].national_id.as_str()});
    let checked_in = app
        .post("/api/v1/checkins", &token, &body.to_string())
        .await;
    let ballot_token = checked_in.json()["ballot_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    let head = app.audit_count().await;
    kiosk.cast(&app, &[]).await.assert_problem(404, "not_found");
    app.assert_audit_count(head, "no ballot without a key")
        .await;
}

/// The voter challenges the ballot shown instead of casting it: the screen opens it (the
/// candidates it held, each ciphertext's randomness), the opening checks against the kept
/// encryption, the token stays theirs, and the ballot is in the record's challenged list, in
/// the kiosk's chain, and in no count.
#[tokio::test]
async fn a_challenged_ballot_opens_to_the_choices_shown_and_is_never_counted() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let body = serde_json::json!({"station": station, "national_id": roll[0].national_id.as_str()});
    let checked = app
        .post("/api/v1/checkins", &token, &body.to_string())
        .await;
    let ballot_token = checked.json()["ballot_token"].as_str().unwrap().to_owned();
    let council = checked.json()["council"].as_str().unwrap().to_owned();
    let codes = council_codes(&app, &council).await;
    let shown = vec![codes[1].clone(), codes[0].clone()];

    // The voter is on the station's kiosk, its ballot activated from the console.
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    let activation = kiosk.activation(&app).await.unwrap();
    let post = |path: &'static str, choices: String| {
        let (app, secret, activation, council) = (
            &app,
            kiosk.secret.clone(),
            activation.clone(),
            council.clone(),
        );
        async move {
            let fields = crate::support::form(&[
                ("activation", activation.as_str()),
                ("council", council.as_str()),
                ("choices", choices.as_str()),
            ]);
            app.send_body(
                axum::http::Method::POST,
                path,
                "application/x-www-form-urlencoded",
                &[crate::support::bearer(&secret)],
                fields,
            )
            .await
        }
    };
    let review = post("/vote/review", shown.join(",")).await;
    assert!(
        review.text().contains("id=\"challenge-ballot\""),
        "{}",
        review.text()
    );
    let opened = post("/vote/challenge", shown.join(",")).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    let page = opened.text();
    assert!(page.contains("id=\"vote-again\""), "{page}");
    for code in &shown {
        assert!(
            page.contains(&domain::text::persian_digits(code)),
            "the screen names {code}"
        );
    }

    // The record holds it with its opening, which checks; the token still casts.
    let mut manifest = app::record::manifest(app.store.as_ref(), "shora-7")
        .await
        .unwrap();
    manifest.stations = vec![station.clone()];
    let part = app::record::station_record(app.store.as_ref(), &manifest, &station)
        .await
        .unwrap();
    assert_eq!((part.ballots.len(), part.challenged.len()), (0, 1));
    let challenged = &part.challenged[0];
    assert!(page.contains(&challenged.tracking_code.hex()), "{page}");
    let style = manifest
        .styles
        .iter()
        .find(|s| s.council == council)
        .unwrap();
    let key = manifest.ceremony.key().unwrap();
    ballot_crypto::ballot::check_opening(
        key.public(),
        style,
        &challenged.ballot,
        &challenged.opening,
    )
    .unwrap();
    let mut opened_codes = style.marked(&challenged.opening.choices);
    let mut expected = shown.clone();
    opened_codes.sort();
    expected.sort();
    assert_eq!(opened_codes, expected);

    let cast = post("/vote/cast", codes[2].clone()).await;
    assert_eq!(cast.status, 200, "{}", cast.text());
    let part = app::record::station_record(app.store.as_ref(), &manifest, &station)
        .await
        .unwrap();
    assert_eq!((part.ballots.len(), part.challenged.len()), (1, 1));
    let (findings, _) = record::verify(&manifest, std::slice::from_ref(&part), 1);
    assert!(findings.is_empty(), "{findings:?}");
    // Counted: the cast ballot alone.
    let tally_part = part.tallies.iter().find(|t| t.council == council).unwrap();
    assert_eq!(tally_part.tally.ballots, 1);
    let mut rng = rand::rngs::OsRng;
    let shares: Vec<_> = app.guardians[..2]
        .iter()
        .map(|g| g.decrypt(&tally_part.tally, &mut rng))
        .collect();
    let counts =
        tally::decrypt_counts(&key, &tally_part.tally, &shares, &CountTable::up_to(1)).unwrap();
    let counted = style.marked(&counts.iter().map(|&n| n == 1).collect::<Vec<_>>());
    assert_eq!(counted, vec![codes[2].clone()]);
}

/// The count through the API (issue 17 §4): a station's tallies are offered and decrypted only
/// once it is closed; each guardian posts shares with proofs, a forged or misnamed share is
/// refused whole and writes nothing, and the k-th guardian's shares give the counts, kept and
/// published with the record, which verifies.
#[tokio::test]
async fn guardians_decrypt_a_closed_stations_tallies_through_the_api() {
    use ballot_crypto::{DecryptionShare, EncryptedTally};
    let (app, token, roll) = election_day().await;
    let station = own_station();
    assert_eq!(
        act(&app, &token, &station, "open", OPENING).await.status,
        200
    );
    let council = roll[0].council.clone();
    let codes = council_codes(&app, &council).await;
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    let choices = [
        vec![codes[0].clone(), codes[1].clone()],
        vec![codes[1].clone()],
        vec![],
    ];
    let mut expected: BTreeMap<String, u64> = codes.iter().map(|c| (c.clone(), 0)).collect();
    for (voter, picked) in roll.iter().zip(&choices) {
        kiosk
            .check_in_and_vote(&app, &token, &station, voter.national_id.as_str(), picked)
            .await;
        for code in picked {
            *expected.get_mut(code).unwrap() += 1;
        }
    }
    // Open: nothing offered, and a share of its tally is refused.
    assert!(listed(&app, &station).await["stations"]
        .as_array()
        .unwrap()
        .is_empty());
    let manifest = app::record::manifest(app.store.as_ref(), "shora-7")
        .await
        .unwrap();
    let part = app::record::station_record(app.store.as_ref(), &manifest, &station)
        .await
        .unwrap();
    let mut rng = rand::rngs::OsRng;
    let early = app.guardians[0].decrypt(&part.tallies[0].tally, &mut rng);
    let post = |guardian: usize, shares: Vec<(&str, &DecryptionShare)>| {
        let body = serde_json::json!({
            "guardian": guardian,
            "shares": shares
                .iter()
                .map(|(council, share)| serde_json::json!({
                    "station": station, "council": council, "share": share
                }))
                .collect::<Vec<_>>(),
        })
        .to_string();
        let app = &app;
        async move {
            app.json(
                axum::http::Method::POST,
                "/api/v1/tallies/shares",
                None,
                &body,
            )
            .await
        }
    };
    post(0, vec![(&council, &early)])
        .await
        .assert_problem(409, "station_not_closed");

    // Closed: the tally is offered, summed from the ballots.
    app.clock.set(time::macros::datetime!(2026-05-01 14:30 UTC));
    let token = app.token("station").await;
    let closed = act(&app, &token, &station, "close", "").await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let offered = listed(&app, &station).await;
    assert_eq!(
        (offered["threshold"].as_u64(), offered["guardians"].as_u64()),
        (Some(2), Some(3))
    );
    let entry = &offered["stations"][0]["tallies"][0];
    assert_eq!(entry["council"], council.as_str());
    assert_eq!(entry["ballots"], 3);
    assert_eq!(entry["counts"], serde_json::Value::Null);
    let tally: EncryptedTally = serde_json::from_value(entry["tally"].clone()).unwrap();
    assert!(tally.same_as(&part.tallies[0].tally));

    let first = app.guardians[0].decrypt(&tally, &mut rng);
    let second = app.guardians[2].decrypt(&tally, &mut rng);
    let before = app.audit_count().await;
    // A share relabelled as another guardian's fails its proof; a share naming another
    // guardian than the poster is refused; neither writes anything.
    let mut forged = first.clone();
    forged.guardian = 1;
    post(1, vec![(&council, &forged)])
        .await
        .assert_problem(422, "decryption_share_invalid");
    post(0, vec![(&council, &second)])
        .await
        .assert_problem(422, "guardian_mismatch");
    post(0, vec![("no-such-council", &first)])
        .await
        .assert_problem(409, "no_tally");
    app.assert_audit_count(before, "refused shares write nothing")
        .await;

    let one = post(0, vec![(&council, &first)]).await;
    assert_eq!(one.status, 200, "{}", one.text());
    assert_eq!(one.json()["accepted"], 1);
    assert!(
        one.json()["counted"].as_array().unwrap().is_empty(),
        "one of two decrypts nothing"
    );
    assert_eq!(
        listed(&app, &station).await["stations"][0]["tallies"][0]["guardians"],
        serde_json::json!([0])
    );
    let two = post(2, vec![(&council, &second)]).await;
    assert_eq!(two.status, 200, "{}", two.text());
    assert_eq!(
        two.json()["counted"],
        serde_json::json!([{"station": station, "council": council}])
    );
    let counted = listed(&app, &station).await;
    let counts = &counted["stations"][0]["tallies"][0]["counts"];
    assert_eq!(counts["ballots"], 3);
    let style = manifest
        .styles
        .iter()
        .find(|s| s.council == council)
        .unwrap();
    let decrypted: BTreeMap<String, u64> = style
        .candidates
        .iter()
        .cloned()
        .zip(
            counts["votes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap()),
        )
        .collect();
    assert_eq!(decrypted, expected);
    // The public page shows the count, by candidate.
    let page = app.page("/count", None).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(
        html.contains(&format!("data-station=\"{station}\" data-counted=\"true\"")),
        "{html}"
    );
    assert!(
        html.contains(&domain::text::persian_digits(&codes[1])),
        "{html}"
    );
    // Posted again: kept once.
    let again = post(0, vec![(&council, &first)]).await;
    assert_eq!(again.json()["accepted"], 0);
    assert_eq!(app.audit_actions("guardians.decrypt").await, 3);

    // The record carries the shares and the counts, and verifies.
    let part = app::record::station_record(app.store.as_ref(), &manifest, &station)
        .await
        .unwrap();
    assert_eq!(part.tallies[0].shares.len(), 2);
    assert!(part.tallies[0].counts.is_some());
    let mut manifest = manifest;
    manifest.stations = vec![station.clone()];
    let (findings, checked) = record::verify(&manifest, std::slice::from_ref(&part), 1);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(checked.ballots, 3);
}

/// The closed station's tallies as the public API lists them.
async fn listed(app: &crate::support::TestApp, station: &str) -> serde_json::Value {
    let r = app
        .get(&format!("/api/v1/tallies?station={station}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

/// Anyone may post decryption shares, and checking them costs CPU: one network posts at most
/// `web::HEAVY_WRITES_PER_MINUTE` a minute (a burst of that many, then one a second), apart
/// from its logins.
#[tokio::test]
async fn decryption_share_posts_are_limited_per_network() {
    let app = crate::support::TestApp::new().await;
    let empty = r#"{"guardian": 0, "shares": []}"#;
    let post = || {
        app.json(
            axum::http::Method::POST,
            "/api/v1/tallies/shares",
            None,
            empty,
        )
    };
    for _ in 0..web::HEAVY_WRITES_PER_MINUTE {
        post().await.assert_problem(422, "share_count");
    }
    // Posted faster than one a second, the next ones meet the limit soon (however slowly this
    // machine ran the burst, which lets one more through per second it took).
    let mut refused = None;
    for n in 0..200 {
        let r = post().await;
        if r.status == 429 {
            refused = Some(n);
            r.assert_problem(429, "too_many_attempts");
            break;
        }
        r.assert_problem(422, "share_count");
    }
    assert!(refused.is_some(), "no post was refused");
    // Logins are counted apart.
    let login = app.login("hq", "hq-1405").await;
    assert_eq!(login.status, 200, "{}", login.text());
}
