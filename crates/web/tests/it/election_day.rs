//! Election day through the API: a station's day, check-ins, ballots, turnout.

use crate::support::{demo_council, demo_station, demo_user, Kiosk, Reply, TestApp};
use domain::access::Scope;
use domain::ids::NationalId;
use domain::roll::{Voter, VoterStatus};
use time::macros::{date, datetime};

/// 09:00 Tehran on election day.
const VOTING: time::OffsetDateTime = datetime!(2026-05-01 05:30 UTC);

pub fn own_station() -> String {
    let user = demo_user("station");
    match &user.scope {
        Scope::Station { station, .. } => station.clone(),
        other => panic!("station user has scope {other:?}"),
    }
}

fn voter(n: u32, council: &str, birth: time::Date, status: VoterStatus) -> Voter {
    Voter {
        national_id: NationalId::with_check_digit(600_000_000 + n).unwrap(),
        birth_date: birth,
        council: council.to_owned(),
        status,
    }
}

/// The app on election day with a small roll for the station user's council; returns the app,
/// the station user's token, the roll.
pub async fn election_day() -> (TestApp, String, Vec<Voter>) {
    election_day_with(web::Config {
        identity_limits: crate::support::unrationed(),
        ..web::Config::default()
    })
    .await
}

/// [`election_day`] on an app of this configuration.
pub async fn election_day_with(config: web::Config) -> (TestApp, String, Vec<Voter>) {
    let app = TestApp::with_config(config).await;
    let station = demo_station(|s| s.code == own_station());
    let other = demo_council(|c| c.code != station.council_code);
    let adult = date!(1985 - 07 - 01);
    let mut roll: Vec<Voter> = (0..6)
        .map(|i| voter(i, &station.council_code, adult, VoterStatus::Alive))
        .collect();
    roll.push(voter(
        10,
        &station.council_code,
        adult,
        VoterStatus::Deceased,
    ));
    roll.push(voter(
        11,
        &station.council_code,
        date!(2012 - 01 - 01),
        VoterStatus::Alive,
    ));
    roll.push(voter(12, &other.code, adult, VoterStatus::Alive));
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tx.send(Ok(roll.clone())).await.unwrap();
    drop(tx);
    let by = store::Actor::new("test", app.state.clock.now());
    app.store
        .import_roll("shora-7", rx, "test", &by)
        .await
        .unwrap();
    // The small demo leaves the station unstaffed: its opening's posts, so that it may open.
    let governor = app.token("governor").await;
    for (post, n) in [
        ("head", 880_201),
        ("governor_rep", 880_202),
        ("inspector", 880_203),
    ] {
        staff_station(&app, &governor, &station.code, post, n).await;
    }
    app.clock.set(VOTING);
    let token = app.token("station").await;
    (app, token, roll)
}

pub const OPENING: &str = r#"{"presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;

/// Acts on a station's day through the API (`open`, `close`, …), as `token`.
pub async fn act(app: &TestApp, token: &str, station: &str, action: &str, body: &str) -> Reply {
    let path = format!("/api/v1/stations/{station}/{action}");
    app.post(&path, token, body).await
}

/// A station extends its own day by two hours at a time, and to six past the scheduled close
/// at most; a month is refused and writes nothing (issue 15: it was accepted). Longer is the
/// county governor's to approve, with a reason, audited under the governor.
#[tokio::test]
async fn a_station_extends_its_day_within_bounds_only() {
    let (app, token, _) = election_day().await;
    let station = own_station();
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    let before = app.audit_count().await;
    let until = |at: &str| serde_json::json!({ "until": at }).to_string();
    // Polls close at 18:00 Tehran (14:30 UTC).
    act(
        &app,
        &token,
        &station,
        "extend",
        &until("2026-06-01T18:00:00+03:30"),
    )
    .await
    .assert_problem(409, "extension_too_long");
    act(
        &app,
        &token,
        &station,
        "extend",
        &until("2026-05-01T20:01:00+03:30"),
    )
    .await
    .assert_problem(409, "extension_too_long");
    app.assert_audit_count(before, "a refused extension writes nothing")
        .await;
    for at in [
        "2026-05-01T20:00:00+03:30",
        "2026-05-01T22:00:00+03:30",
        "2026-05-02T00:00:00+03:30",
    ] {
        let r = act(&app, &token, &station, "extend", &until(at)).await;
        assert_eq!(r.status.as_u16(), 200, "{at}: {}", r.text());
    }
    let past = act(
        &app,
        &token,
        &station,
        "extend",
        &until("2026-05-02T00:30:00+03:30"),
    )
    .await;
    past.assert_problem(409, "extension_too_long");
    assert!(past.json()["detail"].as_str().unwrap().contains("فرماندار"));

    // Longer is the county governor's to approve, with a reason, audited under the governor.
    let approve =
        |at: &str, reason: &str| serde_json::json!({ "until": at, "reason": reason }).to_string();
    let later = approve("2026-05-02T02:00:00+03:30", "صف طولانی رأی‌دهندگان");
    act(&app, &token, &station, "approve-extension", &later)
        .await
        .assert_problem(403, "forbidden");
    app.store
        .create_user(
            &store::NewUser {
                username: "governor-elsewhere".into(),
                password_hash: web::auth::hash_password("governor-elsewhere-1405").unwrap(),
                role: domain::access::Role::CountyGovernor,
                scope: domain::access::Scope::County {
                    county: crate::support::FOREIGN_COUNTY.into(),
                },
            },
            &store::Actor::new("test", app.state.clock.now()),
        )
        .await
        .unwrap();
    let foreign = app.token("governor-elsewhere").await;
    act(&app, &foreign, &station, "approve-extension", &later)
        .await
        .assert_problem(403, "forbidden");
    let governor = app.token("governor").await;
    act(
        &app,
        &governor,
        &station,
        "approve-extension",
        &approve("2026-05-02T02:00:00+03:30", " "),
    )
    .await
    .assert_problem(409, "reason_required");
    act(
        &app,
        &governor,
        &station,
        "approve-extension",
        &approve("2026-05-02T06:31:00+03:30", "صف"),
    )
    .await
    .assert_problem(409, "extension_beyond_approval");
    let approved = act(&app, &governor, &station, "approve-extension", &later).await;
    assert_eq!(approved.status.as_u16(), 200, "{}", approved.text());
    let filter = store::AuditFilter {
        action: Some("station.approve_extension".into()),
        ..store::AuditFilter::default()
    };
    let records = app
        .store
        .audit_page(&filter, store::PageRequest::new(1, 10))
        .await
        .unwrap();
    assert_eq!(records.total, 1);
    assert_eq!(records.items[0].actor, "governor");
}

/// The station's own bounds are the server's setting.
#[tokio::test]
async fn the_stations_own_bounds_are_configurable() {
    let (app, token, _) = election_day_with(web::Config {
        extension_limits: domain::station_day::ExtensionLimits::new(
            time::Duration::minutes(30),
            time::Duration::hours(1),
        )
        .unwrap(),
        ..web::Config::default()
    })
    .await;
    let station = own_station();
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    let until = |at: &str| serde_json::json!({ "until": at }).to_string();
    // An hour at once is the default's, not this server's: 30 minutes, an hour in all.
    let hour = act(
        &app,
        &token,
        &station,
        "extend",
        &until("2026-05-01T19:00:00+03:30"),
    )
    .await;
    hour.assert_problem(409, "extension_too_long");
    assert!(hour.json()["detail"].as_str().unwrap().contains("۳۰ دقیقه"));
    for at in ["2026-05-01T18:30:00+03:30", "2026-05-01T19:00:00+03:30"] {
        let r = act(&app, &token, &station, "extend", &until(at)).await;
        assert_eq!(r.status.as_u16(), 200, "{at}: {}", r.text());
    }
    act(
        &app,
        &token,
        &station,
        "extend",
        &until("2026-05-01T19:10:00+03:30"),
    )
    .await
    .assert_problem(409, "extension_too_long");
}

/// A pause takes a reason from the list and notes (issue 20); the console shows the reason and
/// how long voting has stood still. Clients that send a free reason, as before the list, get
/// «سایر» with their text as the notes; «سایر» without notes is refused.
#[tokio::test]
async fn a_pause_has_a_listed_reason_and_shows_how_long_it_lasts() {
    let (app, token, _) = election_day().await;
    let station = own_station();
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    // The open station's pause form offers the list.
    let open = app
        .get(&format!("/stations/{station}/day"), Some(&token))
        .await
        .text();
    for reason in [
        "قطع برق",
        "خرابی دستگاه",
        "قطع ارتباط",
        "دستور هیأت اجرایی",
        "سایر",
    ] {
        assert!(
            open.contains(&format!(">{reason}</option>")),
            "{reason} is offered"
        );
    }
    let pause = |reason: &str, notes: &str| {
        serde_json::json!({ "reason": reason, "notes": notes }).to_string()
    };
    act(&app, &token, &station, "pause", &pause("other", " "))
        .await
        .assert_problem(409, "reason_required");
    let r = act(
        &app,
        &token,
        &station,
        "pause",
        &pause("device_fault", "دستگاه احراز هویت"),
    )
    .await;
    r.assert_status(axum::http::StatusCode::OK);
    let day = &r.json()["day"];
    assert_eq!(day["state"], "paused");
    assert_eq!(day["pause"]["reason"], "device_fault");
    assert_eq!(day["pause"]["notes"], "دستگاه احراز هویت");
    assert_eq!(day["pause"]["since"], day["opened_at"], "paused at 09:00");

    app.clock.advance(time::Duration::minutes(25));
    let console = app
        .get(&format!("/stations/{station}/day"), Some(&token))
        .await;
    console.assert_status(axum::http::StatusCode::OK);
    let page = console.text();
    let info = page
        .split("id=\"pause-info\"")
        .nth(1)
        .and_then(|rest| rest.split("</span>").next())
        .unwrap_or_else(|| panic!("no pause line: {page}"));
    assert!(info.contains("خرابی دستگاه: دستگاه احراز هویت"), "{info}");
    assert!(info.contains("۲۵ دقیقه"), "{info}");

    act(&app, &token, &station, "resume", "")
        .await
        .assert_status(axum::http::StatusCode::OK);
    let legacy = act(
        &app,
        &token,
        &station,
        "pause",
        r#"{"reason": "سیل در ورودی ساختمان"}"#,
    )
    .await;
    legacy.assert_status(axum::http::StatusCode::OK);
    let pause = &legacy.json()["day"]["pause"];
    assert_eq!(
        (pause["reason"].as_str(), pause["notes"].as_str()),
        (Some("other"), Some("سیل در ورودی ساختمان"))
    );
    let resumed = act(&app, &token, &station, "resume", "").await;
    assert_eq!(resumed.json()["day"]["pause"], serde_json::Value::Null);
}

/// A station signed in at 09:00 on polling day stays signed in through its day, past the
/// eight hours others get (issue 15: it was signed out mid-day).
#[tokio::test]
async fn a_stations_session_lasts_through_its_polling_day() {
    let (app, station, _) = election_day().await;
    let hq = app.token("hq").await;
    app.clock.advance(time::Duration::hours(10));
    let me = |token: String| {
        let app = &app;
        async move {
            app.get("/api/v1/auth/me", Some(&token))
                .await
                .status
                .as_u16()
        }
    };
    assert_eq!(
        me(station.clone()).await,
        200,
        "the station is still signed in"
    );
    assert_eq!(me(hq).await, 401, "the HQ's eight hours are over");
    // Through the latest a governor may keep it open, twelve hours past the scheduled close
    // (18:00 Tehran), then the station's ends too.
    app.clock
        .advance(time::Duration::hours(5) + time::Duration::minutes(1));
    assert_eq!(
        me(station.clone()).await,
        200,
        "through an approved extension"
    );
    app.clock.advance(time::Duration::hours(6));
    assert_eq!(me(station).await, 401);
}

/// Checks the voter `national_id` in at the station through the API, as `token`.
pub async fn check_in(app: &TestApp, token: &str, station: &str, national_id: &str) -> Reply {
    let body = serde_json::json!({"station": station, "national_id": national_id}).to_string();
    app.post("/api/v1/checkins", token, &body).await
}

/// A council's approved candidates' codes, from the public list.
pub async fn council_codes(app: &TestApp, council: &str) -> Vec<String> {
    let listed = app
        .get(&format!("/api/v1/councils/{council}/candidates"), None)
        .await;
    assert_eq!(listed.status, 200);
    listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_station_opens_checks_voters_in_and_takes_their_ballots() {
    let (app, token, roll) = election_day().await;
    let station = own_station();

    // Not open yet: refused, nothing written.
    let before = app.audit_count().await;
    check_in(&app, &token, &station, roll[0].national_id.as_str())
        .await
        .assert_problem(409, "station_not_open");
    // Opening without the governor's representative is refused with its rule.
    let no_rep = r#"{"presence": {"head": true, "governor_rep": false, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;
    act(&app, &token, &station, "open", no_rep)
        .await
        .assert_problem(409, "opening_quorum");
    assert_eq!(app.audit_count().await, before);

    // Only the station's own staff open it.
    let hq = app.token("hq").await;
    act(&app, &hq, &station, "open", OPENING)
        .await
        .assert_problem(403, "forbidden");
    let other_station = &demo_station(|s| s.code != station).code;
    act(&app, &token, other_station, "open", OPENING)
        .await
        .assert_problem(403, "forbidden");

    let opened = act(&app, &token, &station, "open", OPENING).await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    assert_eq!(opened.json()["day"]["state"], "open");

    // Check-in: accepted once, then already voted, naming the station and time.
    let persian_id = domain::text::persian_digits(roll[0].national_id.as_str());
    let first = check_in(&app, &token, &station, &persian_id).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let ballot_token = first.json()["ballot_token"].as_str().unwrap().to_owned();
    // The voter votes on a kiosk the station paired, once its console activates the ballot.
    let kiosk = Kiosk::pair(&app, &token, &station).await;
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    let head = app.audit_count().await;
    let again = check_in(&app, &token, &station, roll[0].national_id.as_str()).await;
    again.assert_problem(409, "already_voted");
    assert_eq!(again.json()["station"], station.as_str());
    assert!(again.json()["at"]
        .as_str()
        .unwrap()
        .starts_with("2026-05-01T05:30"));
    for (id, reason) in [
        (roll[6].national_id.as_str(), "deceased"),
        (roll[7].national_id.as_str(), "underage"),
        (roll[8].national_id.as_str(), "other_constituency"),
        ("0018465986", "not_on_roll"),
    ] {
        let r = check_in(&app, &token, &station, id).await;
        r.assert_problem(403, "not_eligible");
        assert_eq!(r.json()["reason"], reason);
    }
    check_in(&app, &token, &station, "0018465987")
        .await
        .assert_problem(422, "invalid_national_id");
    app.assert_audit_count(head, "refusals write nothing").await;

    // The ballot: checked against the council's approved candidates and seats.
    let council = &roll[0].council;
    let seats = demo_council(|c| &c.code == council).main_seats as usize;
    let codes = council_codes(&app, council).await;
    assert!(codes.len() > seats);
    kiosk
        .cast(&app, &codes[..=seats])
        .await
        .assert_problem(422, "too_many_choices");
    kiosk
        .cast(&app, &["99999".into()])
        .await
        .assert_problem(422, "unknown_candidate");
    kiosk
        .cast(&app, &[codes[0].clone(), codes[0].clone()])
        .await
        .assert_problem(422, "repeated_candidate");
    // No user casts, not even the station's own staff: only its kiosk.
    let activation = kiosk.activation(&app).await.unwrap();
    let body = serde_json::json!({"activation": activation, "choices": &codes[..1]}).to_string();
    for user in [&hq, &token] {
        app.post("/api/v1/ballots", user, &body)
            .await
            .assert_problem(403, "forbidden");
    }
    app.assert_audit_count(head, "refused ballots write nothing")
        .await;
    let cast_ok = kiosk.cast(&app, &codes[..seats]).await;
    assert_eq!(cast_ok.status, 201, "{}", cast_ok.text());
    let receipt = cast_ok.json()["receipt"].as_str().unwrap().to_owned();
    // The whole tracking code finds the same ballot as its receipt.
    let tracking = cast_ok.json()["tracking_code"].as_str().unwrap().to_owned();
    let by_tracking = app
        .get(&format!("/api/v1/receipts/{tracking}"), None)
        .await
        .json();
    assert_eq!(
        (
            by_tracking["counted"].as_bool(),
            by_tracking["receipt"].as_str()
        ),
        (Some(true), Some(receipt.as_str()))
    );
    kiosk
        .cast(&app, &codes[..1])
        .await
        .assert_problem(409, "no_ballot_activated");
    kiosk
        .activate(&app, &token, &ballot_token)
        .await
        .assert_problem(409, "ballot_token_invalid");
    let found = app
        .get(&format!("/api/v1/receipts/{receipt}"), None)
        .await
        .json();
    assert_eq!(
        (found["counted"].as_bool(), found["station"].as_str()),
        (Some(true), Some(station.as_str()))
    );
    let missing = app
        .get("/api/v1/receipts/0000-0000-0000-0000-0000", None)
        .await
        .json();
    assert_eq!(missing["counted"], false);
    // A code copied wrong is said to be wrong, not "not counted".
    let mut typo = receipt.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == '9' {
        '0'
    } else {
        char::from(last as u8 + 1)
    });
    app.get(&format!("/api/v1/receipts/{typo}"), None)
        .await
        .assert_problem(422, "invalid_receipt");

    // Turnout is public and counts the check-in.
    let turnout = app
        .get(&format!("/api/v1/turnout?council={council}"), None)
        .await;
    assert_eq!(turnout.status, 200, "{}", turnout.text());
    assert_eq!(turnout.json()["checked_in"], 1);
    assert_eq!(turnout.json()["eligible"], 8);
    app.get("/api/v1/turnout?county=99", None)
        .await
        .assert_problem(404, "not_found");

    // Closing: not before the polls end, not with a voter yet to vote; then ballots equal
    // check-ins.
    let second = check_in(&app, &token, &station, roll[1].national_id.as_str()).await;
    let second_token = second.json()["ballot_token"].as_str().unwrap().to_owned();
    act(&app, &token, &station, "close", "")
        .await
        .assert_problem(409, "too_early_to_close");
    app.clock.set(datetime!(2026-05-01 14:30 UTC));
    let token = app.token("station").await; // a login lasts eight hours
    let hq = app.token("hq").await;
    check_in(&app, &token, &station, roll[2].national_id.as_str())
        .await
        .assert_problem(409, "station_not_open");
    act(&app, &token, &station, "close", "")
        .await
        .assert_problem(409, "ballots_outstanding");
    let second_cast = kiosk.vote(&app, &token, &second_token, &[]).await;
    assert_eq!(second_cast.status, 201, "{}", second_cast.text());
    let closed = act(&app, &token, &station, "close", "").await;
    assert_eq!(closed.status, 200, "{}", closed.text());
    let counts = &closed.json()["counts"];
    assert_eq!(
        (counts["checkins"].as_i64(), counts["ballots"].as_i64()),
        (Some(2), Some(2))
    );
    let day = app
        .get(&format!("/api/v1/stations/{station}/day"), Some(&hq))
        .await;
    assert_eq!(day.json()["day"]["state"], "closed");
}

/// The national id of the station's governor's representative.
pub async fn governor_rep(app: &TestApp, station: &str) -> String {
    app.store
        .station_staff(station)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.post == domain::staffing::Post::GovernorRep)
        .expect("the station has a governor's representative")
        .national_id
}

/// Registers a person through the API (as `token`) and gives them a post at the station.
pub async fn staff_station(
    app: &TestApp,
    token: &str,
    station: &str,
    post: &str,
    n: u32,
) -> String {
    let id = crate::support::fresh_id(n);
    let person = serde_json::json!({"national_id": id, "first_name": "رضا", "last_name": "نیک‌نام", "gender": "male", "birth_date": "1360/01/01"});
    let r = app.post("/api/v1/people", token, &person.to_string()).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let r = app
        .put(
            &format!("/api/v1/stations/{station}/staff/{post}"),
            token,
            &serde_json::json!({ "national_id": id }).to_string(),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text());
    id
}

/// A voter who checks in and walks out no longer stops the station from closing (issue 20:
/// closing was refused for good): the head records «خروج بدون رأی» with a reason from the
/// list, the governor's representative countersigns, and the minutes count them.
#[tokio::test]
async fn a_voter_who_walks_out_is_recorded_and_the_station_closes() {
    let (app, token, roll) = election_day().await;
    let station = own_station();
    let governor = app.token("governor").await;
    let rep = governor_rep(&app, &station).await;
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    let checkin = serde_json::json!({"station": station, "national_id": roll[0].national_id});
    let r = app
        .post("/api/v1/checkins", &token, &checkin.to_string())
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());

    let pending_path = format!("/api/v1/stations/{station}/pending-checkins");
    let pending = app.get(&pending_path, Some(&token)).await.json();
    assert_eq!(
        crate::support::texts_of(&pending, "national_id"),
        [roll[0].national_id.as_str()]
    );
    app.assert_forbidden(&pending_path, &governor).await;

    let path = format!("/api/v1/stations/{station}/walkouts");
    let walkout = |reason: &str, by: Option<&str>| {
        serde_json::json!({
            "national_id": domain::text::persian_digits(roll[0].national_id.as_str()),
            "reason": reason,
            "countersigned_by": by,
        })
        .to_string()
    };
    let before = app.audit_count().await;
    app.post(&path, &token, &walkout("declined", None))
        .await
        .assert_problem(409, "countersign_required");
    app.post(&path, &token, &walkout("declined", Some("0018465986")))
        .await
        .assert_problem(409, "countersign_mismatch");
    app.post(&path, &token, &walkout("other", Some(&rep)))
        .await
        .assert_problem(409, "reason_required");
    let unknown = app.post(&path, &token, &walkout("bored", Some(&rep))).await;
    assert_eq!(unknown.status.as_u16(), 422, "{}", unknown.text());
    app.post(&path, &governor, &walkout("declined", Some(&rep)))
        .await
        .assert_problem(403, "forbidden");
    app.assert_audit_count(before, "refused walk-outs write nothing")
        .await;

    // Closing time: the voter who left keeps the station from closing until recorded.
    app.clock.set(datetime!(2026-05-01 14:31 UTC));
    act(&app, &token, &station, "close", "")
        .await
        .assert_problem(409, "ballots_outstanding");
    let recorded = app
        .post(&path, &token, &walkout("declined", Some(&rep)))
        .await;
    assert_eq!(recorded.status.as_u16(), 201, "{}", recorded.text());
    let counts = recorded.json();
    assert_eq!(
        (
            counts["checkins"].as_i64(),
            counts["walkouts"].as_i64(),
            counts["outstanding"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );
    assert_eq!(app.audit_actions("station.walkout").await, 1);
    assert_eq!(
        app.get(&pending_path, Some(&token)).await.json(),
        serde_json::json!([])
    );
    let closed = act(&app, &token, &station, "close", "").await;
    assert_eq!(closed.status.as_u16(), 200, "{}", closed.text());
    assert_eq!(closed.json()["counts"]["walkouts"], 1);

    // The minutes, as the county's governor reads them.
    let cookie = app.browser_login("governor").await;
    let minutes = app
        .page(&format!("/stations/{station}/minutes"), Some(&cookie))
        .await;
    assert_eq!(minutes.status.as_u16(), 200, "{}", minutes.text());
    let html = minutes.text();
    assert!(
        html.contains(r#"<span id="minutes-walkouts">۱</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span id="minutes-checkins">۱</span>"#),
        "{html}"
    );
    assert!(html.contains("منصرف شد"), "the reason is in the minutes");
    assert!(
        html.contains("رضا نیک‌نام"),
        "the countersigning representative by name"
    );
    assert!(
        !html.contains(roll[0].national_id.as_str()),
        "the minutes mask the national id"
    );
    assert_eq!(
        html.matches(r#"<td class="signature">"#).count(),
        7,
        "a line per post"
    );
}

/// An absent inspector is recorded in the opening's minutes rather than keeping the station
/// shut (issue 20), unless the server requires the inspector; and nobody is recorded present
/// whose post is vacant.
#[tokio::test]
async fn an_absent_inspector_is_recorded_unless_required() {
    let no_inspector = r#"{"presence": {"head": true, "governor_rep": true, "inspector": false}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;
    let (strict, token, _) = election_day_with(web::Config {
        identity_limits: crate::support::unrationed(),
        opening_needs_inspector: true,
        ..web::Config::default()
    })
    .await;
    let station = own_station();
    act(&strict, &token, &station, "open", no_inspector)
        .await
        .assert_problem(409, "opening_quorum");

    let (app, token, _) = election_day().await;
    let governor = app.token("governor").await;
    let freed = app
        .delete(
            &format!("/api/v1/stations/{station}/staff/inspector"),
            &governor,
        )
        .await;
    assert_eq!(freed.status.as_u16(), 204, "{}", freed.text());
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_problem(409, "post_vacant");
    let opened = act(&app, &token, &station, "open", no_inspector).await;
    assert_eq!(opened.status.as_u16(), 200, "{}", opened.text());
    assert_eq!(
        opened.json()["day"]["presence"],
        serde_json::json!({"head": true, "governor_rep": true, "inspector": false})
    );
    // The console's opening record names who was there and says the post was vacant.
    let cookie = app.browser_login("station").await;
    let page = app
        .page(&format!("/stations/{station}/day"), Some(&cookie))
        .await
        .text();
    assert!(page.contains("بازرس: پست خالی"), "{page}");
}

/// An opening shows each e-voting device's zero report and counts the voter forms received
/// (issue 20): without either it is refused with its reason, and the console's opening record
/// says both.
#[tokio::test]
async fn an_opening_shows_the_zero_reports_and_counts_the_forms() {
    let (app, token, _) = election_day().await;
    let station = own_station();
    let all = r#""presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true"#;
    for (body, code) in [
        (
            format!("{{{all}, \"forms_received\": 400}}"),
            "zero_reports_not_shown",
        ),
        (
            format!("{{{all}, \"zero_reports_shown\": true}}"),
            "forms_not_counted",
        ),
        (
            format!("{{{all}, \"zero_reports_shown\": true, \"forms_received\": 100001}}"),
            "forms_not_counted",
        ),
    ] {
        act(&app, &token, &station, "open", &body)
            .await
            .assert_problem(409, code);
    }
    let opened = act(
        &app,
        &token,
        &station,
        "open",
        &format!("{{{all}, \"zero_reports_shown\": true, \"forms_received\": 375}}"),
    )
    .await;
    assert_eq!(opened.status.as_u16(), 200, "{}", opened.text());
    assert_eq!(opened.json()["day"]["forms_received"], 375);
    let cookie = app.browser_login("station").await;
    let page = app
        .page(&format!("/stations/{station}/day"), Some(&cookie))
        .await
        .text();
    assert!(page.contains("تعرفه‌های دریافتی: ۳۷۵ برگ"), "{page}");
    assert!(page.contains("گزارش صفر"), "{page}");
}
