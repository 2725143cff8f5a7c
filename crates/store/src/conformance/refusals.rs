//! The same bad inputs on every backend, and what each answers: the stable code and the
//! Persian words a user reads. The backends' agreement test runs [`bad_inputs`] on both stores
//! and compares the lists; the conformance case checks that every answer is a refusal in
//! Persian, never a failure of the system.

use super::*;
use crate::Refusal;
use domain::boards::{board_code, Attendance, BoardKind, BoardRole, Meeting};
use domain::roll::{Voter, VoterStatus};
use domain::station_day::{DayAction, Presence};
use domain::vetting::{Reviewer, VettingAction};

/// One bad input and the store's answer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// What was tried.
    pub case: &'static str,
    /// The error's stable code, or `ok` when the store accepted it.
    pub code: String,
    /// The Persian words of the answer (empty when accepted).
    pub persian: String,
    /// Whether the answer is one the user is meant to read (not a failure of the system).
    pub refused: bool,
}

fn answer<T>(case: &'static str, result: StoreResult<T>) -> Answer {
    match result {
        Ok(_) => Answer {
            case,
            code: "ok".into(),
            persian: String::new(),
            refused: false,
        },
        Err(e) => Answer {
            case,
            code: e.code().into(),
            persian: e.persian(),
            refused: matches!(
                e,
                StoreError::NotFound { .. } | StoreError::Duplicate { .. } | StoreError::Refused(_)
            ),
        },
    }
}

/// Tries a fixed list of bad inputs on a fresh store and returns every answer, in order.
pub async fn bad_inputs(store: Arc<dyn Store>) -> Vec<Answer> {
    let mut out = Vec::new();
    // A province: an invalid seed, then the demo, then both again.
    let data = demo();
    let mut broken = data.province();
    broken.councils[0].election_code = "another".into();
    out.push(answer(
        "province_seed_invalid",
        store.load_province(&broken, &actor()).await,
    ));
    store.load_demo(&data, &actor()).await.unwrap();
    out.push(answer(
        "province_twice",
        store.load_province(&data.province(), &actor()).await,
    ));
    out.push(answer("demo_twice", store.load_demo(&data, &actor()).await));
    let election = data.election.code.clone();

    // The seat table.
    let mut table = data.election.seat_table.clone();
    table.city.clear();
    out.push(answer(
        "seat_table_invalid",
        store.set_seat_table(&election, &table, &actor()).await,
    ));
    out.push(answer(
        "seat_table_unknown_election",
        store
            .set_seat_table("nope", &data.election.seat_table, &actor())
            .await,
    ));

    // Stations: what they refer to, and their codes.
    let station = |code: &str| {
        let mut s = data
            .stations
            .iter()
            .find(|s| s.route.is_empty() && s.county_code == "11")
            .unwrap()
            .clone();
        s.code = code.into();
        s
    };
    let elsewhere = council_in(&data, "05").code.clone();
    let mut foreign = station("1199001");
    foreign.council_code = elsewhere;
    out.push(answer(
        "station_council_elsewhere",
        store.create_station(&foreign, &actor()).await,
    ));
    let mut unknown = station("1199002");
    unknown.council_code = "no-such-council".into();
    out.push(answer(
        "station_council_unknown",
        store.create_station(&unknown, &actor()).await,
    ));
    let mut other_election = station("1199003");
    other_election.election_code = "no-such-election".into();
    out.push(answer(
        "station_election_unknown",
        store.create_station(&other_election, &actor()).await,
    ));
    let mut invalid = station("1199004");
    invalid.expected_voters = -5;
    out.push(answer(
        "station_invalid",
        store.create_station(&invalid, &actor()).await,
    ));
    let taken = data
        .stations
        .iter()
        .find(|s| s.county_code == "11")
        .unwrap()
        .code
        .clone();
    out.push(answer(
        "station_code_taken",
        store.create_station(&station(&taken), &actor()).await,
    ));
    out.push(answer(
        "station_unknown_on_update",
        store.update_station(&station("1199005"), &actor()).await,
    ));
    out.push(answer(
        "station_twice_in_an_import",
        store
            .import_stations(&[station("1199006"), station("1199006")], &actor())
            .await,
    ));
    out.push(answer(
        "station_council_unknown_in_an_import",
        store
            .import_stations(&[station("1199007"), unknown.clone()], &actor())
            .await,
    ));

    // People.
    let existing = data.people[0].clone();
    out.push(answer(
        "person_taken",
        store.create_person(&existing, &actor()).await,
    ));
    let mut twice = person(
        &fresh_id(880_001),
        "تکرار",
        time::macros::date!(1980 - 01 - 01),
    );
    let relative = domain::person::Relative {
        national_id: NationalId::parse(&fresh_id(880_002)).unwrap(),
        relation: domain::person::Relation::Sibling,
    };
    twice.relatives = vec![relative.clone(), relative];
    out.push(answer(
        "person_relative_twice",
        store.create_person(&twice, &actor()).await,
    ));

    // Posts.
    let young = person(
        &fresh_id(880_010),
        "جوان",
        time::macros::date!(2010 - 01 - 01),
    );
    store.create_person(&young, &actor()).await.unwrap();
    let open = data
        .stations
        .iter()
        .find(|s| !s.closed)
        .unwrap()
        .code
        .clone();
    out.push(answer(
        "post_taken",
        store
            .assign_post(&open, Post::Member1, young.national_id.as_str(), &actor())
            .await,
    ));
    store
        .unassign_post(&open, Post::Member1, &actor())
        .await
        .unwrap();
    out.push(answer(
        "post_underage",
        store
            .assign_post(&open, Post::Member1, young.national_id.as_str(), &actor())
            .await,
    ));
    out.push(answer(
        "post_unknown_person",
        store
            .assign_post(&open, Post::Member1, &fresh_id(880_011), &actor())
            .await,
    ));
    out.push(answer(
        "post_unknown_station",
        store
            .assign_post(
                "9999999",
                Post::Member1,
                existing.national_id.as_str(),
                &actor(),
            )
            .await,
    ));

    // Boards.
    let board = board_code(BoardKind::CountyExecutive, Some("11"));
    out.push(answer(
        "board_unknown",
        store
            .add_board_member(
                "executive-99",
                existing.national_id.as_str(),
                BoardRole::Member,
                (time::macros::date!(2026 - 01 - 01), None),
                &actor(),
            )
            .await,
    ));
    out.push(answer(
        "board_role_not_on_board",
        store
            .add_board_member(
                &board,
                existing.national_id.as_str(),
                BoardRole::Head,
                (time::macros::date!(2026 - 01 - 01), None),
                &actor(),
            )
            .await,
    ));
    let stranger = Meeting {
        id: 0,
        board: board.clone(),
        held_at: datetime!(2026-01-20 06:30 UTC),
        agenda: "بررسی".into(),
        minutes: String::new(),
        attendance: vec![Attendance {
            national_id: fresh_id(880_012),
            present: true,
        }],
        decisions: Vec::new(),
    };
    out.push(answer(
        "meeting_stranger",
        store.record_meeting(&stranger, &actor()).await,
    ));

    // The roll.
    let adult = time::macros::date!(1980 - 01 - 01);
    let voter = |n: u32, council: &str| Voter {
        national_id: NationalId::with_check_digit(770_000_000 + n).unwrap(),
        birth_date: adult,
        council: council.into(),
        status: VoterStatus::Alive,
    };
    let council = data.stations[0].council_code.clone();
    out.push(answer(
        "roll_council_unknown",
        store
            .import_roll(
                &election,
                send(vec![voter(1, &council), voter(2, "no-such-council")], 10),
                "bad",
                &actor(),
            )
            .await,
    ));
    out.push(answer(
        "roll_id_twice",
        store
            .import_roll(
                &election,
                send(vec![voter(3, &council), voter(3, &council)], 10),
                "bad",
                &actor(),
            )
            .await,
    ));
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    tx.send(Ok(vec![voter(4, &council)])).await.unwrap();
    tx.send(Err("۳ سطر نادرست".into())).await.unwrap();
    drop(tx);
    out.push(answer(
        "roll_aborted_by_its_sender",
        store.import_roll(&election, rx, "bad", &actor()).await,
    ));
    out.push(answer(
        "roll_unknown_election",
        store
            .import_roll("nope", send(vec![voter(5, &council)], 10), "bad", &actor())
            .await,
    ));

    // A station's day.
    let polls_open = datetime!(2026-05-01 04:30 UTC);
    let polls_close = datetime!(2026-05-01 14:30 UTC);
    let at = |t| Actor::new("station", t);
    out.push(answer(
        "day_before_polls_open",
        store
            .act_on_station(
                &election,
                &open,
                &DayAction::open_in_full(400),
                &at(polls_open - time::Duration::minutes(1)),
            )
            .await,
    ));
    out.push(answer(
        "day_quorum_missing",
        store
            .act_on_station(
                &election,
                &open,
                &DayAction::open(
                    Presence {
                        head: true,
                        governor_rep: false,
                        inspector: true,
                    },
                    domain::station_day::Shown {
                        empty_box: true,
                        zero_reports: true,
                    },
                    Some(400),
                ),
                &at(polls_open),
            )
            .await,
    ));
    out.push(answer(
        "day_resume_before_opening",
        store
            .act_on_station(&election, &open, &DayAction::Resume, &at(polls_open))
            .await,
    ));
    out.push(answer(
        "day_unknown_station",
        store
            .act_on_station(&election, "9999999", &DayAction::Close, &at(polls_close))
            .await,
    ));
    store
        .import_roll(
            &election,
            send(vec![voter(6, &council)], 10),
            "roll",
            &actor(),
        )
        .await
        .unwrap();
    store
        .act_on_station(
            &election,
            &open,
            &DayAction::open_in_full(400),
            &at(polls_open),
        )
        .await
        .unwrap();
    out.push(answer(
        "day_close_too_early",
        store
            .act_on_station(&election, &open, &DayAction::Close, &at(polls_open))
            .await,
    ));
    let checked = store
        .check_in(crate::CheckIn {
            election_code: election.clone(),
            station: open.clone(),
            national_id: voter(6, &council).national_id,
            token_hash: audit::digest_hex(b"refusals-token"),
            own_constituency_only: false,
            by: at(polls_open + time::Duration::hours(1)),
        })
        .await
        .unwrap();
    assert!(
        matches!(checked, crate::CheckInOutcome::Accepted { .. }),
        "{checked:?}"
    );
    out.push(answer(
        "day_close_with_a_ballot_outstanding",
        store
            .act_on_station(&election, &open, &DayAction::Close, &at(polls_close))
            .await,
    ));
    out.push(answer(
        "roll_after_voting_began",
        store
            .import_roll(
                &election,
                send(vec![voter(7, &council)], 10),
                "late",
                &actor(),
            )
            .await,
    ));

    // Registrations and their vetting.
    let filed = store
        .registrations(
            &election,
            &crate::RegistrationFilter {
                state: Some(domain::vetting::VettingState::Submitted),
                ..Default::default()
            },
            PageRequest::new(1, 1),
        )
        .await
        .unwrap();
    let file = &filed.items[0];
    out.push(answer(
        "registration_twice",
        store
            .register(
                &crate::NewRegistration {
                    election_code: election.clone(),
                    tracking_code: "T9999001".into(),
                    application: file.application.clone(),
                    documents: Vec::new(),
                },
                &Actor::new("applicant", datetime!(2026-01-12 06:00 UTC)),
            )
            .await,
    ));
    out.push(answer(
        "vetting_by_the_wrong_board",
        store
            .vet(
                &election,
                &file.tracking_code,
                &VettingAction::SupervisionDecision {
                    approved: true,
                    reason: String::new(),
                    grounds: Vec::new(),
                },
                Reviewer::ProvinceSupervisionBoard,
                &actor(),
            )
            .await,
    ));
    out.push(answer(
        "vetting_unknown_file",
        store
            .vet(
                &election,
                "T0000000",
                &VettingAction::ExecutiveReview {
                    qualified: true,
                    reason: String::new(),
                    grounds: Vec::new(),
                },
                Reviewer::ExecutiveBoard,
                &actor(),
            )
            .await,
    ));
    out.push(answer(
        "inquiry_on_unknown_file",
        store
            .record_inquiry(
                &election,
                "T0000000",
                &InquiryAnswer {
                    authority: Authority::Judiciary,
                    answer: domain::inquiry::Answer::Clear,
                    note: String::new(),
                    answered_at: datetime!(2026-01-12 06:00 UTC),
                },
                &actor(),
            )
            .await,
    ));

    // Users.
    store
        .create_user(
            &new_user("refused", Role::Observer, Scope::Province),
            &actor(),
        )
        .await
        .unwrap();
    out.push(answer(
        "user_taken",
        store
            .create_user(
                &new_user("refused", Role::Observer, Scope::Province),
                &actor(),
            )
            .await,
    ));
    out
}

/// Every bad input is refused with a code and Persian words, and none fails the system.
pub async fn every_bad_input_is_refused_in_persian(store: Arc<dyn Store>) {
    let answers = bad_inputs(store.clone()).await;
    for a in &answers {
        assert!(a.refused, "{a:?}");
        assert!(
            a.persian
                .chars()
                .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
            "{a:?}"
        );
        assert!(!a.code.is_empty() && a.code != "internal_error", "{a:?}");
    }
    let code = |case: &str| {
        answers
            .iter()
            .find(|a| a.case == case)
            .map(|a| a.code.as_str())
            .unwrap()
    };
    assert_eq!(code("station_council_elsewhere"), "council_in_other_county");
    assert_eq!(code("station_council_unknown"), "unknown_council");
    assert_eq!(code("station_twice_in_an_import"), "repeated_station");
    assert_eq!(code("station_code_taken"), "duplicate_station");
    assert_eq!(code("roll_id_twice"), "duplicate_voter");
    assert_eq!(code("roll_after_voting_began"), "roll_locked");
    assert_eq!(
        code("day_close_with_a_ballot_outstanding"),
        "ballots_outstanding"
    );
    assert_eq!(code("province_twice"), "conflict");
    assert_eq!(code("post_underage"), "underage");
    // The words name what is wrong: the repeated station and the unknown council.
    let words = |case: &str| {
        answers
            .iter()
            .find(|a| a.case == case)
            .map(|a| a.persian.clone())
            .unwrap()
    };
    assert!(words("station_twice_in_an_import").contains("۱۱۹۹۰۰۶"));
    assert!(words("station_council_unknown").contains("no-such-council"));
}

/// An election without polling hours (no `election_day` milestone) refuses a station's day in
/// the same words on every backend, whether it is read or acted on.
pub async fn a_day_without_polling_hours_is_refused_in_persian(store: Arc<dyn Store>) {
    let data = demo();
    let mut seed = data.province();
    seed.election.milestones.retain(|m| m.key != "election_day");
    store.load_province(&seed, &actor()).await.unwrap();
    let station = data.stations.iter().find(|s| s.route.is_empty()).unwrap();
    store
        .import_stations(std::slice::from_ref(station), &actor())
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap().0;
    let acted = store
        .act_on_station(
            &data.election.code,
            &station.code,
            &DayAction::open_in_full(400),
            &Actor::new("station", datetime!(2026-05-01 05:00 UTC)),
        )
        .await;
    let answer = answer("day_without_polling_hours", acted);
    assert_eq!(answer.code, "no_polling_hours", "{answer:?}");
    assert_eq!(answer.persian, Refusal::NoPollingHours.persian());
    assert!(answer.refused);
    assert_eq!(store.audit_head().await.unwrap().0, head, "nothing written");
}

/// A roll file with a national id on two lines is refused with exactly those two lines named,
/// whichever backend found the repeat (each names the id itself, never its key's name).
pub async fn a_repeated_id_in_a_roll_file_is_named_on_its_lines(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let council = &data.councils[0].code;
    let dir = std::env::temp_dir().join(format!(
        "sandoq-roll-{}-{}",
        std::process::id(),
        store.backend()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("roll.csv");
    let ids: Vec<String> = (0..50).map(|i| fresh_id(990_000 + i)).collect();
    let mut text = String::from("national_id,birth_date,council,status\n");
    for id in &ids {
        text.push_str(&format!("{id},1360/01/01,{council},alive\n"));
    }
    // The seventh id (line 8) again, on line 52: the header is line 1, the ids lines 2 to 51.
    text.push_str(&format!("{},1361/01/01,{council},alive\n", ids[6]));
    std::fs::write(&path, text).unwrap();
    let refused = crate::import::roll_file(store.as_ref(), &path, &actor()).await;
    let _ = std::fs::remove_dir_all(&dir);
    match refused {
        Err(crate::import::ImportError::Rows(rows)) => {
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [8, 52], "{rows:?}");
            assert!(rows.iter().all(|r| r.message.contains(&ids[6])), "{rows:?}");
        }
        other => panic!("expected the two lines, got {other:?}"),
    }
    assert_eq!(store.roll_count(&data.election.code).await.unwrap(), 0);
}
