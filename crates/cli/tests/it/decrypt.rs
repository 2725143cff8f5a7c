//! `sandoq guardian decrypt --share FILE --server URL` against a running server (issue 17 §4):
//! the demo's station votes on a paired kiosk on election day; after its close each demo
//! guardian decrypts from their own sealed file; fewer than the threshold count nothing, the
//! third gives the counts, a guardian who decrypted already sends nothing new, a wrong
//! passphrase sends nothing, and the record the server publishes verifies with the counts.

use super::{http, http_as, sandoq, spawn_server, sqlite_url, Response};
use std::net::SocketAddr;
use std::path::Path;

const STATION: &str = "1100001";
const OPENING: &str = r#"{"presence": {"head": true, "governor_rep": true, "inspector": false}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;

fn json(r: &Response) -> serde_json::Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

fn serve_at(dir: &Path, url: &str, now: &str) -> (super::Server, SocketAddr) {
    let (server, addr, _) = spawn_server(
        dir,
        url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--now",
            now,
            "--allow-pinned-clock",
            "--sms-outbox",
            "sms.jsonl",
        ],
    );
    (server, addr)
}

fn login(addr: SocketAddr, username: &str) -> String {
    let body = format!(r#"{{"username":"{username}","password":"{username}-1405"}}"#);
    let r = http(addr, "POST", "/api/v1/auth/login", Some(&body));
    assert_eq!(r.status, 200, "{}", r.body);
    json(&r)["token"].as_str().unwrap().to_owned()
}

fn decrypt(dir: &Path, guardian: u32, passphrase: &str, addr: SocketAddr) -> super::Run {
    let share = format!("decrypt-guardians/guardian-{guardian}.json");
    sandoq(
        dir,
        "sqlite:unused.db",
        &[
            "guardian",
            "decrypt",
            "--share",
            &share,
            "--server",
            &format!("http://{addr}"),
            "--station",
            STATION,
        ],
        &format!("{passphrase}\n"),
    )
}

#[test]
fn guardians_decrypt_a_closed_station_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "decrypt.db");
    let demo = sandoq(dir.path(), &url, &["demo", "--voters", "2000"], "");
    assert!(demo.success(), "{demo:#?}");
    let voters: Vec<String> = demo
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("voters who may vote at station {STATION} ")))
        .and_then(|rest| rest.split_once(": "))
        .map(|(_, ids)| ids.split_whitespace().take(3).map(str::to_owned).collect())
        .expect("the demo prints voters of its station");
    assert_eq!(voters.len(), 3);

    // Election day: the station opens, pairs a kiosk, and three voters vote on it.
    let (server, addr) = serve_at(dir.path(), &url, "1405/02/11 09:00");
    let staff = login(addr, "station");
    let opened = http_as(
        addr,
        "POST",
        &format!("/api/v1/stations/{STATION}/open"),
        Some(OPENING),
        Some(&staff),
    );
    assert_eq!(opened.status, 200, "{}", opened.body);
    let asked = json(&http(addr, "POST", "/api/v1/kiosk/pairing", Some("")));
    let (kiosk, secret) = (
        asked["kiosk"].as_str().unwrap().to_owned(),
        asked["secret"].as_str().unwrap().to_owned(),
    );
    let pair = format!(
        r#"{{"pairing_code":"{}"}}"#,
        asked["pairing_code"].as_str().unwrap()
    );
    let paired = http_as(
        addr,
        "POST",
        &format!("/api/v1/stations/{STATION}/kiosks"),
        Some(&pair),
        Some(&staff),
    );
    assert_eq!(paired.status, 201, "{}", paired.body);
    let mut council = String::new();
    let mut codes: Vec<String> = Vec::new();
    let mut expected = Vec::new();
    for (n, voter) in voters.iter().enumerate() {
        let body = format!(r#"{{"station":"{STATION}","national_id":"{voter}"}}"#);
        let checked = http_as(addr, "POST", "/api/v1/checkins", Some(&body), Some(&staff));
        assert_eq!(checked.status, 201, "{}", checked.body);
        let checked = json(&checked);
        council = checked["council"].as_str().unwrap().to_owned();
        if codes.is_empty() {
            let listed = http(
                addr,
                "GET",
                &format!("/api/v1/councils/{council}/candidates"),
                None,
            );
            codes = json(&listed)
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["code"].as_str().unwrap().to_owned())
                .collect();
        }
        let activate = serde_json::json!({"ballot_token": checked["ballot_token"]}).to_string();
        let activated = http_as(
            addr,
            "POST",
            &format!("/api/v1/stations/{STATION}/kiosks/{kiosk}/activation"),
            Some(&activate),
            Some(&staff),
        );
        assert_eq!(activated.status, 201, "{}", activated.body);
        let live = json(&http_as(addr, "GET", "/api/v1/kiosk", None, Some(&secret)));
        let picked = codes[..n].to_vec();
        expected.push(picked.clone());
        let cast =
            serde_json::json!({"activation": live["ballot"]["activation"], "choices": picked})
                .to_string();
        let cast = http_as(addr, "POST", "/api/v1/ballots", Some(&cast), Some(&secret));
        assert_eq!(cast.status, 201, "{}", cast.body);
    }
    // While the station votes, its tallies are neither offered nor decrypted.
    let run = decrypt(dir.path(), 1, "demo guardian 1 passphrase", addr);
    assert!(run.success(), "{run:#?}");
    assert!(
        run.stdout
            .contains("0 decryption shares sent for 0 closed stations"),
        "{run:#?}"
    );
    drop(server);

    // After the polls: the station closes, and the guardians decrypt one by one.
    let (server, addr) = serve_at(dir.path(), &url, "1405/02/11 23:00");
    let staff = login(addr, "station");
    let closed = http_as(
        addr,
        "POST",
        &format!("/api/v1/stations/{STATION}/close"),
        None,
        Some(&staff),
    );
    assert_eq!(closed.status, 200, "{}", closed.body);
    let wrong = decrypt(dir.path(), 1, "not the passphrase at all", addr);
    assert!(!wrong.success(), "{wrong:#?}");
    let tallies = || {
        json(&http(
            addr,
            "GET",
            &format!("/api/v1/tallies?station={STATION}"),
            None,
        ))
    };
    assert_eq!(
        tallies()["stations"][0]["tallies"][0]["guardians"],
        serde_json::json!([])
    );
    for (guardian, counted) in [(1, 0), (2, 0), (3, 1)] {
        let run = decrypt(
            dir.path(),
            guardian,
            &format!("demo guardian {guardian} passphrase"),
            addr,
        );
        assert!(run.success(), "{run:#?}");
        assert!(
            run.stdout.contains(&format!("1 decryption shares sent for 1 closed stations (0 decrypted by this guardian before); {counted} tallies counted now")),
            "{run:#?}"
        );
    }
    let again = decrypt(dir.path(), 2, "demo guardian 2 passphrase", addr);
    assert!(
        again
            .stdout
            .contains("0 decryption shares sent for 1 closed stations (1 decrypted"),
        "{again:#?}"
    );

    // The counts: the first voter marked none, the second one candidate, the third two.
    let listed = tallies();
    let tally = &listed["stations"][0]["tallies"][0];
    assert_eq!(tally["council"], council.as_str());
    assert_eq!(tally["counts"]["ballots"], 3);
    let manifest = json(&http(addr, "GET", "/api/v1/record/manifest", None));
    let style = manifest["styles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["council"] == council.as_str())
        .unwrap();
    let votes = tally["counts"]["votes"].as_array().unwrap();
    for (candidate, got) in style["candidates"].as_array().unwrap().iter().zip(votes) {
        let code = candidate.as_str().unwrap();
        let marked = expected
            .iter()
            .filter(|picked| picked.iter().any(|c| c == code))
            .count();
        assert_eq!(got.as_u64(), Some(marked as u64), "{code}");
    }
    // The station's minutes, drawn up and signed by each of its officials (issue 18 §2); the
    // posted sheet's QR code checks against the server's published minutes.
    let sheet = sign_minutes(dir.path(), &url, addr, &staff);
    let sheet_path = dir.path().join("sheet.txt");
    std::fs::write(&sheet_path, &sheet).unwrap();
    let checked = sandoq(
        dir.path(),
        "sqlite:unused.db",
        &[
            "verify-minutes",
            "--qr",
            sheet_path.to_str().unwrap(),
            "--server",
            &format!("http://{addr}"),
        ],
        "",
    );
    assert!(checked.success(), "{checked:#?}");
    assert!(
        checked.stdout.contains("every signature on it verified"),
        "{checked:#?}"
    );
    drop(server);

    // The record, exported with the counts, verifies.
    let out = dir.path().join("record");
    let export = sandoq(
        dir.path(),
        &url,
        &["record", "export", "--to", out.to_str().unwrap()],
        "",
    );
    assert!(export.success(), "{export:#?}");
    let verified = sandoq(
        dir.path(),
        &url,
        &["verify", "--from", out.to_str().unwrap()],
        "",
    );
    assert!(verified.success(), "{verified:#?}");

    // The independent recount: the published results, recomputed from the record alone.
    let tally = || {
        sandoq(
            dir.path(),
            &url,
            &["tally", "--from", out.to_str().unwrap()],
            "",
        )
    };
    let recounted = tally();
    assert!(recounted.success(), "{recounted:#?}");
    assert!(
        recounted
            .stdout
            .contains("results reproduced: election shora-7"),
        "{recounted:#?}"
    );
    let results_path = out.join("results.json");
    let honest = std::fs::read(&results_path).unwrap();
    let mut results: serde_json::Value = serde_json::from_slice(&honest).unwrap();
    let published = results["councils"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["council"] == council.as_str())
        .unwrap();
    assert_eq!(published["ballots_cast"], 3);
    let station_entry = published["stations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["station"] == STATION)
        .unwrap();
    assert_eq!(
        station_entry["standing"], "reported",
        "its minutes are signed"
    );
    // The sheet checks against the record's published minutes too; a sheet with one count
    // changed does not.
    let offline = |sheet: &Path| {
        sandoq(
            dir.path(),
            "sqlite:unused.db",
            &[
                "verify-minutes",
                "--qr",
                sheet.to_str().unwrap(),
                "--from",
                out.to_str().unwrap(),
            ],
            "",
        )
    };
    assert!(offline(&sheet_path).success());
    let altered_path = dir.path().join("altered.txt");
    std::fs::write(
        &altered_path,
        sheet.replacen("check_ins:3", "check_ins:4", 1),
    )
    .unwrap();
    let altered = offline(&altered_path);
    assert_eq!(altered.code, Some(2), "{altered:#?}");
    assert!(altered.stdout.contains("does not verify"), "{altered:#?}");
    // The published votes are the decrypted ones.
    for candidate in published["candidates"].as_array().unwrap() {
        let code = candidate["code"].as_str().unwrap();
        let marked = expected
            .iter()
            .filter(|picked| picked.iter().any(|c| c == code))
            .count();
        assert_eq!(candidate["votes"].as_u64(), Some(marked as u64), "{code}");
    }
    // The open-data exports carry the same counts: NIST's results format and CSV.
    let nist = sandoq(
        dir.path(),
        &url,
        &["export", "results", "--format", "nist-cdf", "--test"],
        "",
    );
    assert!(nist.success(), "{nist:#?}");
    let report: serde_json::Value = serde_json::from_str(&nist.stdout).unwrap();
    assert_eq!(report["Status"], "unofficial-partial");
    assert_eq!(report["IsTest"], true);
    let contest = report["Election"][0]["Contest"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["@id"] == format!("contest-{council}"))
        .unwrap();
    assert_eq!(contest["SubUnitsReported"], 1);
    for selection in contest["ContestSelection"].as_array().unwrap() {
        let code = selection["@id"]
            .as_str()
            .unwrap()
            .trim_start_matches("selection-");
        let published_votes = published["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()["votes"]
            .clone();
        assert_eq!(
            selection["VoteCounts"][0]["Count"], published_votes,
            "{code}"
        );
    }
    let csv = sandoq(
        dir.path(),
        &url,
        &["export", "results", "--format", "csv"],
        "",
    );
    assert!(csv.success(), "{csv:#?}");
    assert!(
        csv.stdout.starts_with('\u{feff}'),
        "a byte-order mark for Excel"
    );
    let top_row = format!("{},", published["candidates"][0]["code"].as_str().unwrap());
    assert!(
        csv.stdout
            .lines()
            .any(|l| l.starts_with(&format!("{council},")) && l.contains(&top_row)),
        "{}",
        csv.stdout.lines().take(3).collect::<Vec<_>>().join("\n")
    );

    // One changed count in the published results: caught and named, exit 2.
    let top = published["candidates"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let votes = published["candidates"][0]["votes"].as_u64().unwrap();
    published["candidates"][0]["votes"] = serde_json::json!(votes + 1);
    std::fs::write(&results_path, serde_json::to_vec(&results).unwrap()).unwrap();
    let caught = tally();
    assert_eq!(caught.code, Some(2), "{caught:#?}");
    assert!(
        caught.stdout.contains(&format!(
            "council {council}: published candidate {top} with {} votes",
            votes + 1
        )),
        "{caught:#?}"
    );
    // A station left out of its council's published result: its ballots would be hidden.
    let mut results: serde_json::Value = serde_json::from_slice(&honest).unwrap();
    for c in results["councils"].as_array_mut().unwrap() {
        c["stations"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["station"] != STATION);
    }
    std::fs::write(&results_path, serde_json::to_vec(&results).unwrap()).unwrap();
    let hidden = tally();
    assert_eq!(hidden.code, Some(2), "{hidden:#?}");
    assert!(
        hidden.stdout.contains(&format!(
            "station {STATION} has ballots for it in the record"
        )),
        "{hidden:#?}"
    );
    // A candidate dropped from their council's result (their votes would vanish), and a
    // station listed twice (its votes would count twice): both named.
    let mut results: serde_json::Value = serde_json::from_slice(&honest).unwrap();
    let c = results["councils"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["council"] == council.as_str())
        .unwrap();
    let dropped = c["candidates"].as_array_mut().unwrap().remove(0);
    let twice = c["stations"][0].clone();
    c["stations"].as_array_mut().unwrap().push(twice);
    std::fs::write(&results_path, serde_json::to_vec(&results).unwrap()).unwrap();
    let tampered = tally();
    assert_eq!(tampered.code, Some(2), "{tampered:#?}");
    assert!(
        tampered.stdout.contains(&format!(
            "candidate {} is on the ballot but not in the published result",
            dropped["code"].as_str().unwrap()
        )),
        "{tampered:#?}"
    );
    assert!(
        tampered.stdout.contains("is published twice"),
        "{tampered:#?}"
    );
    // One forged signature in the published minutes: named, and the station no longer reports.
    std::fs::write(&results_path, &honest).unwrap();
    let minutes_path = out.join("minutes.json");
    let honest_minutes = std::fs::read(&minutes_path).unwrap();
    let mut minutes: serde_json::Value = serde_json::from_slice(&honest_minutes).unwrap();
    let mark = &mut minutes["stations"][0]["versions"][0]["marks"][0];
    let post = mark["post"].as_str().unwrap().to_owned();
    mark["signature"] = serde_json::json!(domain::results::minutes::encode(&[7u8; 64]));
    std::fs::write(&minutes_path, serde_json::to_vec(&minutes).unwrap()).unwrap();
    let forged_signature = tally();
    assert_eq!(forged_signature.code, Some(2), "{forged_signature:#?}");
    assert!(
        forged_signature
            .stdout
            .contains(&format!("{post}'s signature does not verify")),
        "{forged_signature:#?}"
    );
    std::fs::write(&minutes_path, &honest_minutes).unwrap();
    assert!(tally().success());
    // The record's hand counts: none here. A paper count slipped in for the station (two
    // agreeing entries, one ballot more for the top candidate) is followed by the recount,
    // which then differs from the published result and from the signed minutes: named.
    let hand_path = out.join(domain::results::paper::HAND_COUNTS_FILE);
    let honest_hand = std::fs::read(&hand_path).unwrap();
    let mut hand: serde_json::Value = serde_json::from_slice(&honest_hand).unwrap();
    assert_eq!(hand["stations"], serde_json::json!([]));
    let honest_results: serde_json::Value = serde_json::from_slice(&honest).unwrap();
    let ballot: serde_json::Map<String, serde_json::Value> = honest_results["councils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["council"] == council.as_str())
        .unwrap()["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let code = c["code"].as_str().unwrap().to_owned();
            let one = u64::from(code == top);
            (code, serde_json::json!(one))
        })
        .collect();
    let seats = honest_results["councils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["council"] == council.as_str())
        .unwrap()["main_seats"]
        .as_u64()
        .unwrap();
    let figures = serde_json::json!({
        "ballots": 1, "blank": 0, "unused_choices": seats - 1, "votes": ballot,
    });
    hand["stations"] = serde_json::json!([{
        "station": STATION,
        "reason": "x",
        "councils": [{"council": council, "entries": [figures, figures], "resolution": null}],
    }]);
    std::fs::write(&hand_path, serde_json::to_vec(&hand).unwrap()).unwrap();
    let slipped = tally();
    assert_eq!(slipped.code, Some(2), "{slipped:#?}");
    assert!(
        slipped.stdout.contains(&format!(
            "council {council}: published candidate {top} with {votes} votes"
        )),
        "{slipped:#?}"
    );
    assert!(
        slipped
            .stdout
            .contains("votes are not the record's decrypted count"),
        "{slipped:#?}"
    );
    std::fs::write(&hand_path, &honest_hand).unwrap();
    assert!(tally().success());
    // One changed count in the record itself: its decryption no longer verifies.
    let part_path = out.join("stations").join(format!("{STATION}.json"));
    let mut part: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&part_path).unwrap()).unwrap();
    let counted_votes = &mut part["tallies"][0]["counts"]["votes"][0];
    *counted_votes = serde_json::json!(counted_votes.as_u64().unwrap() + 1);
    std::fs::write(&part_path, serde_json::to_vec(&part).unwrap()).unwrap();
    let forged = tally();
    assert_eq!(forged.code, Some(2), "{forged:#?}");
    assert!(forged.stdout.contains(STATION), "{forged:#?}");
}

/// Gives the station a holder of every signing post (registering people where a post is
/// vacant), an account and a key each (registered through the API, confirmed by the governor),
/// draws up the minutes as the station's staff and has every official sign them. The QR
/// code's text of the signed minutes.
fn sign_minutes(dir: &Path, url: &str, addr: SocketAddr, staff: &str) -> String {
    use ed25519_dalek::Signer;
    let governor = login(addr, "governor");
    let held = json(&http_as(
        addr,
        "GET",
        &format!("/api/v1/stations/{STATION}/staff"),
        None,
        Some(&governor),
    ));
    let mut officials = Vec::new();
    for (i, post) in domain::results::minutes::SIGNING_POSTS.iter().enumerate() {
        let existing = held
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["post"] == post.as_str())
            .map(|a| a["national_id"].as_str().unwrap().to_owned());
        let national_id = existing.unwrap_or_else(|| {
            let id = domain::ids::NationalId::with_check_digit(9_300 + i as u32)
                .unwrap()
                .as_str()
                .to_owned();
            let person = serde_json::json!({
                "national_id": id, "first_name": "امضا", "last_name": format!("کننده {i}"),
                "gender": "female", "birth_date": "1980-01-01",
            })
            .to_string();
            let made = http_as(
                addr,
                "POST",
                "/api/v1/people",
                Some(&person),
                Some(&governor),
            );
            assert_eq!(made.status, 201, "{}", made.body);
            let assign = serde_json::json!({ "national_id": id }).to_string();
            let assigned = http_as(
                addr,
                "PUT",
                &format!("/api/v1/stations/{STATION}/staff/{}", post.as_str()),
                Some(&assign),
                Some(&governor),
            );
            assert_eq!(assigned.status, 200, "{}", assigned.body);
            id
        });
        let username = format!("official-{}", post.as_str());
        let added = sandoq(
            dir,
            url,
            &[
                "user",
                "add",
                "--password-stdin",
                "--username",
                &username,
                "--role",
                "station_staff",
                "--station",
                STATION,
            ],
            &format!("{username}-1405\n"),
        );
        assert!(added.success(), "{added:#?}");
        let token = login(addr, &username);
        let key = ed25519_dalek::SigningKey::from_bytes(&[60 + i as u8; 32]);
        let register = serde_json::json!({
            "national_id": national_id,
            "public_key": domain::results::minutes::encode(&key.verifying_key().to_bytes()),
        })
        .to_string();
        let registered = http_as(
            addr,
            "POST",
            "/api/v1/signing-keys",
            Some(&register),
            Some(&token),
        );
        assert_eq!(registered.status, 201, "{}", registered.body);
        let id = json(&registered)["id"].as_i64().unwrap();
        let confirmed = http_as(
            addr,
            "POST",
            &format!("/api/v1/signing-keys/{id}/confirm"),
            None,
            Some(&governor),
        );
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        officials.push((token, key));
    }
    let drawn = http_as(
        addr,
        "POST",
        &format!("/api/v1/stations/{STATION}/minutes"),
        Some("{}"),
        Some(staff),
    );
    assert_eq!(drawn.status, 201, "{}", drawn.body);
    let text = json(&drawn)["versions"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    for (token, key) in &officials {
        let body = serde_json::json!({
            "signature": domain::results::minutes::encode(&key.sign(text.as_bytes()).to_bytes())
        })
        .to_string();
        let signed = http_as(
            addr,
            "POST",
            &format!("/api/v1/stations/{STATION}/minutes/1/signatures"),
            Some(&body),
            Some(token),
        );
        assert_eq!(signed.status, 200, "{}", signed.body);
    }
    let minutes = json(&http(
        addr,
        "GET",
        &format!("/api/v1/results/stations/{STATION}/minutes"),
        None,
    ));
    assert_eq!(minutes["fully_signed"], true, "{minutes}");
    minutes["versions"][0]["qr"].as_str().unwrap().to_owned()
}
