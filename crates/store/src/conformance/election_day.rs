//! Conformance cases: Election day: station days, check-ins, ballots, turnout.

use super::*;

/// The demo's polls: 1405/02/11 08:00–18:00 Tehran.
const POLLS_OPEN: time::OffsetDateTime = datetime!(2026-05-01 04:30 UTC);

const POLLS_CLOSE: time::OffsetDateTime = datetime!(2026-05-01 14:30 UTC);

fn day_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> DayRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Day(refusal))) => refusal,
        other => panic!("expected a day refusal, got {other:?}"),
    }
}

/// Loads the demo with a roll of the given voters and opens `stations` at the polls' opening.
async fn election_day(
    store: &Arc<dyn Store>,
    voters: &[Voter],
    stations: &[&str],
) -> (DemoData, String) {
    let data = loaded(store).await;
    let election = data.election.code.clone();
    store
        .import_roll(&election, send(voters.to_vec(), 1_000), "roll", &actor())
        .await
        .unwrap();
    for s in stations {
        crate::election_day::open_as_staffed(store.as_ref(), &election, s, 400, &at(POLLS_OPEN))
            .await
            .unwrap();
    }
    (data, election)
}

fn voter_of(council: &str, n: u32, birth: time::Date, status: VoterStatus) -> Voter {
    Voter {
        national_id: NationalId::with_check_digit(700_000_000 + n).unwrap(),
        birth_date: birth,
        council: council.to_owned(),
        status,
    }
}

fn checkin(
    election: &str,
    station: &str,
    id: &NationalId,
    token: &str,
    t: time::OffsetDateTime,
) -> CheckIn {
    CheckIn {
        election_code: election.to_owned(),
        station: station.to_owned(),
        national_id: id.clone(),
        token_hash: audit::digest_hex(token.as_bytes()),
        own_constituency_only: true,
        by: at(t),
    }
}

/// Two open stations of the same council (the demo's largest city has many).
fn two_stations_of_one_council(data: &DemoData) -> (String, String, String) {
    let council = &data
        .councils
        .iter()
        .find(|c| {
            data.stations
                .iter()
                .filter(|s| s.council_code == c.code && !s.mobile)
                .count()
                >= 2
        })
        .unwrap()
        .code;
    let mut of = data
        .stations
        .iter()
        .filter(|s| &s.council_code == council && !s.mobile)
        .map(|s| s.code.clone());
    (council.clone(), of.next().unwrap(), of.next().unwrap())
}

pub async fn a_station_day_runs_from_opening_to_close(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = data.stations[0].code.clone();
    let day = store
        .station_day(&election, &station)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(day.state, DayState::NotOpened);
    assert_eq!(day.closes_at, POLLS_CLOSE);
    assert!(store
        .station_day(&election, "9999999")
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store
            .act_on_station(
                &election,
                "9999999",
                &DayAction::open_in_full(400),
                &at(POLLS_OPEN)
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let before = audit_head(&store).await;
    let early = store
        .act_on_station(
            &election,
            &station,
            &DayAction::open_in_full(400),
            &at(POLLS_OPEN - time::Duration::minutes(1)),
        )
        .await;
    assert_eq!(day_refusal(early), DayRefusal::BeforePollsOpen);
    let no_box = store
        .act_on_station(
            &election,
            &station,
            &DayAction::open(
                Presence {
                    head: true,
                    governor_rep: true,
                    inspector: true,
                },
                domain::station_day::Shown {
                    empty_box: false,
                    zero_reports: true,
                },
                Some(400),
            ),
            &at(POLLS_OPEN),
        )
        .await;
    assert_eq!(day_refusal(no_box), DayRefusal::EmptyBoxNotShown);
    assert_eq!(audit_head(&store).await, before, "refusals write nothing");

    let open = store
        .act_on_station(
            &election,
            &station,
            &DayAction::open_in_full(400),
            &at(POLLS_OPEN + time::Duration::minutes(2)),
        )
        .await
        .unwrap();
    assert_eq!(open.state, DayState::Open);
    assert_eq!(
        open.opened_at,
        Some(POLLS_OPEN + time::Duration::minutes(2))
    );
    let t = POLLS_OPEN + time::Duration::hours(3);
    store
        .act_on_station(
            &election,
            &station,
            &DayAction::Pause {
                reason: PauseReason::PowerCut,
                notes: "ترانس محله".into(),
            },
            &at(t),
        )
        .await
        .unwrap();
    let paused = store
        .station_day(&election, &station)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(paused.state, DayState::Paused);
    assert_eq!(
        paused.pause,
        Some(Pause {
            reason: PauseReason::PowerCut,
            notes: "ترانس محله".into(),
            since: t,
        }),
        "the pause's reason, notes and start are kept"
    );
    store
        .act_on_station(
            &election,
            &station,
            &DayAction::Resume,
            &at(t + time::Duration::minutes(20)),
        )
        .await
        .unwrap();
    let later = POLLS_CLOSE + time::Duration::hours(2);
    store
        .act_on_station(
            &election,
            &station,
            &DayAction::extend(later),
            &at(POLLS_CLOSE - time::Duration::minutes(10)),
        )
        .await
        .unwrap();
    let too_early = store
        .act_on_station(
            &election,
            &station,
            &DayAction::Close,
            &at(POLLS_CLOSE + time::Duration::minutes(5)),
        )
        .await;
    assert_eq!(day_refusal(too_early), DayRefusal::TooEarlyToClose);
    let closed = store
        .act_on_station(&election, &station, &DayAction::Close, &at(later))
        .await
        .unwrap();
    assert_eq!(closed.state, DayState::Closed);
    assert_eq!(closed.closes_at, later);
    assert_eq!(closed.closed_at, Some(later));
    assert_eq!(
        store
            .station_day(&election, &station)
            .await
            .unwrap()
            .unwrap(),
        closed
    );
    // One audit record per event: open, pause, resume, extend, close.
    assert_eq!(audit_head(&store).await, before + 5);
    let events = audit_records(&store, AuditFilter::action("station.")).await;
    let actions: Vec<&str> = events.items.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "station.close",
            "station.extend",
            "station.resume",
            "station.pause",
            "station.open"
        ]
    );
    assert!(events.items[3].payload.contains("power_cut"));
    assert!(events.items[3].payload.contains("ترانس محله"));
    assert!(events.items[4].payload.contains("empty_box_shown"));
    assert_chain(&store, before + 5).await;
}

pub async fn checkins_keep_one_person_one_vote(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, b) = two_stations_of_one_council(&data);
    let other_council = data
        .councils
        .iter()
        .find(|c| c.code != council)
        .unwrap()
        .code
        .clone();
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters = vec![
        voter_of(&council, 1, adult, VoterStatus::Alive),
        voter_of(&council, 2, adult, VoterStatus::Deceased),
        voter_of(
            &council,
            3,
            time::macros::date!(2010 - 01 - 01),
            VoterStatus::Alive,
        ),
        voter_of(&other_council, 4, adult, VoterStatus::Alive),
        voter_of(&council, 5, adult, VoterStatus::Alive),
    ];
    let (_, election) = election_day(&store, &voters, &[&a, &b]).await;
    let t = POLLS_OPEN + time::Duration::hours(1);

    let before = audit_head(&store).await;
    let first = store
        .check_in(checkin(&election, &a, &voters[0].national_id, "t1", t))
        .await
        .unwrap();
    assert_eq!(
        first,
        CheckInOutcome::Accepted {
            council: council.clone()
        }
    );
    assert_eq!(
        audit_head(&store).await,
        before + 1,
        "one record for the batch"
    );
    let batch = audit_records(&store, AuditFilter::action("checkin.")).await;
    assert_eq!(batch.items[0].action, "checkin.batch");
    let digest = crate::election_day::checkin_batch_digest([(
        voters[0].national_id.as_str(),
        a.as_str(),
        domain::clock::to_micros(t),
    )]);
    assert!(
        batch.items[0].payload.contains(&digest),
        "{}",
        batch.items[0].payload
    );
    // Which staff account acted: the batch's actor when it is one account's, and its counts.
    let by = at(t).username;
    assert_eq!(batch.items[0].actor, by);
    let payload: serde_json::Value = serde_json::from_str(&batch.items[0].payload).unwrap();
    assert_eq!(
        payload["accounts"],
        serde_json::json!({ by: {"checkins": 1, "ballots": 0} })
    );

    // Every refusal answers and writes nothing.
    let head = audit_head(&store).await;
    let again = store
        .check_in(checkin(
            &election,
            &b,
            &voters[0].national_id,
            "t2",
            t + time::Duration::minutes(5),
        ))
        .await
        .unwrap();
    assert_eq!(
        again,
        CheckInOutcome::AlreadyVoted {
            station: a.clone(),
            at: t
        }
    );
    let refused = |o: CheckInOutcome| match o {
        CheckInOutcome::NotEligible(r) => r,
        other => panic!("expected not eligible, got {other:?}"),
    };
    assert_eq!(
        refused(
            store
                .check_in(checkin(&election, &a, &voters[1].national_id, "t3", t))
                .await
                .unwrap()
        ),
        NotEligible::Deceased
    );
    assert_eq!(
        refused(
            store
                .check_in(checkin(&election, &a, &voters[2].national_id, "t4", t))
                .await
                .unwrap()
        )
        .code(),
        "underage"
    );
    assert_eq!(
        refused(
            store
                .check_in(checkin(&election, &a, &voters[3].national_id, "t5", t))
                .await
                .unwrap()
        ),
        NotEligible::OtherConstituency {
            council: other_council.clone()
        }
    );
    let stranger = NationalId::with_check_digit(711_111_111).unwrap();
    assert_eq!(
        refused(
            store
                .check_in(checkin(&election, &a, &stranger, "t6", t))
                .await
                .unwrap()
        ),
        NotEligible::NotOnRoll
    );
    let closed_station = data
        .stations
        .iter()
        .find(|s| s.council_code == council && s.code != a && s.code != b && !s.mobile);
    if let Some(s) = closed_station {
        assert_eq!(
            store
                .check_in(checkin(&election, &s.code, &voters[4].national_id, "t7", t))
                .await
                .unwrap(),
            CheckInOutcome::StationNotOpen(DayState::NotOpened)
        );
    }
    assert!(matches!(
        store
            .check_in(checkin(
                &election,
                "9999999",
                &voters[4].national_id,
                "t8",
                t
            ))
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, head, "refusals write nothing");
    assert_eq!(
        store.station_counts(&election, &a).await.unwrap().checkins,
        1
    );
    assert_eq!(
        store.station_counts(&election, &b).await.unwrap().checkins,
        0
    );

    // Voting anywhere, when the election allows it.
    let anywhere = CheckIn {
        own_constituency_only: false,
        ..checkin(&election, &a, &voters[3].national_id, "t9", t)
    };
    assert_eq!(
        store.check_in(anywhere).await.unwrap(),
        CheckInOutcome::Accepted {
            council: other_council
        }
    );
    // The roll stays as it is once voting has begun, and every store says so alike.
    let refused = store
        .import_roll(&election, send(voters.clone(), 10), "again", &actor())
        .await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::Refused(crate::Refusal::RollLockedByVoting))
        ),
        "{refused:?}"
    );
    assert_eq!(
        store.roll_count(&election).await.unwrap(),
        voters.len() as i64
    );
    assert_chain(&store, audit_head(&store).await).await;
}

/// A station paused, resumed or closed between check-ins takes effect on the very next one:
/// whatever the store keeps between batches must not outlive a change of the station's day.
pub async fn checkins_follow_the_station_day_as_it_changes(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, _) = two_stations_of_one_council(&data);
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters: Vec<Voter> = (21..=25)
        .map(|n| voter_of(&council, n, adult, VoterStatus::Alive))
        .collect();
    let (_, election) = election_day(&store, &voters, &[&a]).await;
    let t = POLLS_OPEN + time::Duration::hours(1);
    let check_in = |n: usize, token: &'static str| {
        let store = store.clone();
        let c = checkin(&election, &a, &voters[n].national_id, token, t);
        async move { store.check_in(c).await.unwrap() }
    };
    let accepted = CheckInOutcome::Accepted {
        council: council.clone(),
    };
    assert_eq!(check_in(0, "f1").await, accepted);
    let pause = DayAction::Pause {
        reason: PauseReason::LinkDown,
        notes: String::new(),
    };
    for round in 0..2 {
        store
            .act_on_station(&election, &a, &pause, &at(t))
            .await
            .unwrap();
        assert_eq!(
            check_in(1, "f2").await,
            CheckInOutcome::StationNotOpen(DayState::Paused),
            "round {round}"
        );
        store
            .act_on_station(&election, &a, &DayAction::Resume, &at(t))
            .await
            .unwrap();
    }
    assert_eq!(check_in(1, "f2").await, accepted);
    for token in ["f1", "f2"] {
        let cast = store
            .cast_ballot(sealed_ballot(store.as_ref(), &election, token, &[], at(t)).await)
            .await
            .unwrap();
        assert!(matches!(cast, BallotOutcome::Cast { .. }), "{cast:?}");
    }
    store
        .act_on_station(&election, &a, &DayAction::Close, &at(POLLS_CLOSE))
        .await
        .unwrap();
    assert_eq!(
        check_in(2, "f3").await,
        CheckInOutcome::StationNotOpen(DayState::Closed)
    );
    let counts = store.station_counts(&election, &a).await.unwrap();
    assert_eq!((counts.checkins, counts.ballots), (2, 2));
}

/// A roll replaced after a refused check-in (voting has not begun: nobody is checked in yet)
/// is what the next check-in is judged by: the SQLite writer holds the roll in memory and must
/// read it again.
pub async fn checkins_follow_a_replaced_roll(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, _) = two_stations_of_one_council(&data);
    let adult = time::macros::date!(1980 - 03 - 01);
    let first: Vec<Voter> = (31..=33)
        .map(|n| voter_of(&council, n, adult, VoterStatus::Alive))
        .collect();
    let (_, election) = election_day(&store, &first, &[&a]).await;
    let t = POLLS_OPEN + time::Duration::hours(1);
    let check_in = |id: &NationalId, token: &'static str| {
        let (store, c) = (store.clone(), checkin(&election, &a, id, token, t));
        async move { store.check_in(c).await.unwrap() }
    };
    let accepted = CheckInOutcome::Accepted {
        council: council.clone(),
    };
    let newcomer = voter_of(&council, 34, adult, VoterStatus::Alive);
    assert_eq!(
        check_in(&newcomer.national_id, "r1").await,
        CheckInOutcome::NotEligible(NotEligible::NotOnRoll)
    );

    // The new roll drops the second voter, marks the third deceased and adds the newcomer.
    let second = vec![
        first[0].clone(),
        newcomer.clone(),
        Voter {
            status: VoterStatus::Deceased,
            ..first[2].clone()
        },
    ];
    store
        .import_roll(&election, send(second, 2), "roll-2", &actor())
        .await
        .unwrap();
    assert_eq!(
        check_in(&first[1].national_id, "r2").await,
        CheckInOutcome::NotEligible(NotEligible::NotOnRoll)
    );
    assert_eq!(
        check_in(&first[2].national_id, "r3").await,
        CheckInOutcome::NotEligible(NotEligible::Deceased)
    );
    assert_eq!(check_in(&newcomer.national_id, "r4").await, accepted);
    assert_eq!(check_in(&first[0].national_id, "r5").await, accepted);
    let counts = store.station_counts(&election, &a).await.unwrap();
    assert_eq!(counts.checkins, 2);
}

pub async fn one_person_at_many_stations_at_once_checks_in_once(store: Arc<dyn Store>) {
    let data = demo();
    let stations: Vec<String> = data
        .stations
        .iter()
        .filter(|s| data.can_open(&s.code))
        .take(50)
        .map(|s| s.code.clone())
        .collect();
    let refs: Vec<&str> = stations.iter().map(String::as_str).collect();
    let adult = time::macros::date!(1975 - 06 - 15);
    let mut voters = vec![voter_of(
        &data.councils[0].code,
        1,
        adult,
        VoterStatus::Alive,
    )];
    voters.extend(
        (0..200).map(|i| voter_of(&data.councils[0].code, 100 + i, adult, VoterStatus::Alive)),
    );
    let (_, election) = election_day(&store, &voters, &refs).await;
    let t = POLLS_OPEN + time::Duration::hours(2);
    let before = audit_head(&store).await;

    let mut tasks = Vec::new();
    for (i, s) in stations.iter().enumerate() {
        let (store, election, s, id) = (
            store.clone(),
            election.clone(),
            s.clone(),
            voters[0].national_id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let c = CheckIn {
                own_constituency_only: false,
                ..checkin(&election, &s, &id, &format!("same-{i}"), t)
            };
            store.check_in(c).await.unwrap()
        }));
    }
    let mut accepted = 0;
    let mut seen_at = std::collections::HashSet::new();
    for task in tasks {
        match task.await.unwrap() {
            CheckInOutcome::Accepted { .. } => accepted += 1,
            CheckInOutcome::AlreadyVoted { station, .. } => {
                seen_at.insert(station);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert!(
        seen_at.len() <= 1,
        "every refusal names the one station: {seen_at:?}"
    );

    // Many voters at once share batches: fewer audit records than check-ins.
    let mut tasks = Vec::new();
    for (i, v) in voters[1..].iter().enumerate() {
        let (store, election, s, id) = (
            store.clone(),
            election.clone(),
            stations[i % stations.len()].clone(),
            v.national_id.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let c = CheckIn {
                own_constituency_only: false,
                ..checkin(&election, &s, &id, &format!("many-{i}"), t)
            };
            store.check_in(c).await.unwrap()
        }));
    }
    for task in tasks {
        assert!(matches!(
            task.await.unwrap(),
            CheckInOutcome::Accepted { .. }
        ));
    }
    let records = audit_head(&store).await - before;
    assert!(records < 201, "201 check-ins in {records} batches");
    let mut total = 0;
    for s in &stations {
        total += store.station_counts(&election, s).await.unwrap().checkins;
    }
    assert_eq!(total, 201);
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn ballots_are_secret_checked_and_counted(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, _) = two_stations_of_one_council(&data);
    let seats = council_of(&data, &council).main_seats as usize;
    let approved: Vec<String> = data
        .candidates
        .iter()
        .filter(|c| c.council == council)
        .map(|c| c.code.clone())
        .collect();
    assert!(approved.len() > seats);
    let foreign_council = data
        .candidates
        .iter()
        .find(|c| c.council != council)
        .unwrap()
        .council
        .clone();
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters: Vec<Voter> = (0..4)
        .map(|i| voter_of(&council, i, adult, VoterStatus::Alive))
        .collect();
    let (_, election) = election_day(&store, &voters, &[&a]).await;
    let listed = store.candidates(&election, &council).await.unwrap();
    let mut sorted = approved.clone();
    sorted.sort();
    assert_eq!(
        listed.iter().map(|c| c.code.clone()).collect::<Vec<_>>(),
        sorted
    );
    assert!(listed
        .iter()
        .all(|c| c.council == council && !c.last_name.is_empty()));

    let t = POLLS_OPEN + time::Duration::hours(1);
    for (i, v) in voters.iter().enumerate() {
        let token = format!("token-{i}");
        assert!(matches!(
            store
                .check_in(checkin(&election, &a, &v.national_id, &token, t))
                .await
                .unwrap(),
            CheckInOutcome::Accepted { .. }
        ));
    }
    assert_eq!(
        store.station_counts(&election, &a).await.unwrap(),
        crate::StationCounts {
            checkins: 4,
            ballots: 0,
            walkouts: 0,
            outstanding: 4
        }
    );
    let ballot = |token: &'static str, choices: Vec<String>| {
        let store = store.clone();
        let election = election.clone();
        async move { sealed_ballot(store.as_ref(), &election, token, &choices, at(t)).await }
    };
    // Refusals spend nothing and write nothing: a ballot encrypted for another list of
    // candidates (the council's changed since), or for another council, and a token no
    // check-in issued.
    let head = audit_head(&store).await;
    let mut stale = ballot("token-0", vec![approved[0].clone()]).await;
    stale.style_digest = "a list that is no longer the council's".into();
    assert_eq!(
        store.cast_ballot(stale).await.unwrap(),
        BallotOutcome::Refused(domain::ballot::BallotRefusal::StyleChanged)
    );
    let mut elsewhere = ballot("token-0", vec![]).await;
    elsewhere.council = foreign_council.clone();
    assert_eq!(
        store.cast_ballot(elsewhere).await.unwrap(),
        BallotOutcome::Refused(domain::ballot::BallotRefusal::StyleChanged)
    );
    assert_eq!(
        store
            .cast_ballot(ballot("no-such-token", vec![]).await)
            .await
            .unwrap(),
        BallotOutcome::TokenUnknown
    );
    assert_eq!(audit_head(&store).await, head);

    // A token opens its ballot until it is spent; a token no check-in issued opens nothing.
    let hash = |token: &str| audit::digest_hex(token.as_bytes());
    assert_eq!(
        store
            .open_ballot(&election, &hash("token-0"))
            .await
            .unwrap(),
        Some(crate::election_day::OpenBallot {
            station: a.clone(),
            council: council.clone()
        })
    );
    assert_eq!(
        store
            .open_ballot(&election, &hash("no-such-token"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .open_ballot("no-such-election", &hash("token-0"))
            .await
            .unwrap(),
        None
    );
    // The console finds a checked-in voter's unspent token by their national id, at their
    // station only.
    let first_voter = voters[0].national_id.as_str();
    assert_eq!(
        store
            .pending_token(&election, &a, first_voter)
            .await
            .unwrap(),
        Some(hash("token-0"))
    );
    assert_eq!(
        store
            .pending_token(&election, "no-such-station", first_voter)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .pending_token(&election, &a, "0018465986")
            .await
            .unwrap(),
        None
    );
    // The style a ballot is encrypted for: the council's approved codes in order, its seats.
    let style = store
        .ballot_style(&election, &council)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(style.candidates, sorted);
    assert_eq!(style.seats as usize, seats);
    assert_eq!(style.council, council);
    assert_eq!(
        store
            .ballot_style(&election, "no-such-council")
            .await
            .unwrap(),
        None
    );
    let styles = store.ballot_styles(&election).await.unwrap();
    assert_eq!(styles.len(), data.councils.len());
    assert_eq!(styles.iter().find(|s| s.council == council), Some(&style));
    let mut names: Vec<&str> = styles.iter().map(|s| s.council.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        styles
            .iter()
            .map(|s| s.council.as_str())
            .collect::<Vec<_>>()
    );

    // A full ballot, a partial one, a blank one; a token works once. Each joins the kiosk's
    // chain: its tracking code hashes it with the code before it.
    let full: Vec<String> = approved[..seats].to_vec();
    let first = ballot("token-0", full.clone()).await;
    let first_text = first.ballot.clone();
    let BallotOutcome::Cast {
        station,
        council: cast_council,
        tracking_code,
        receipt,
    } = store.cast_ballot(first).await.unwrap()
    else {
        panic!("the first ballot was not cast");
    };
    assert_eq!((station, cast_council), (a.clone(), council.clone()));
    let start = ballot_crypto::TrackingCode::start(&election, &a, "K-1");
    let expected = start.next_encoded(first_text.as_bytes());
    assert_eq!(tracking_code, expected.hex());
    assert_eq!(
        receipt,
        domain::ids::ReceiptCode::from_number(expected.short_number()).as_str()
    );
    assert_eq!(
        store
            .cast_ballot(ballot("token-0", full.clone()).await)
            .await
            .unwrap(),
        BallotOutcome::TokenUnknown
    );
    assert_eq!(
        store
            .open_ballot(&election, &hash("token-0"))
            .await
            .unwrap(),
        None,
        "a spent token opens nothing"
    );
    assert_eq!(
        store
            .pending_token(&election, &a, first_voter)
            .await
            .unwrap(),
        None,
        "nor is it found by its voter"
    );
    let second = ballot("token-1", vec![approved[1].clone(), approved[0].clone()]).await;
    let second_text = second.ballot.clone();
    let BallotOutcome::Cast {
        tracking_code: second_code,
        receipt: second_receipt,
        ..
    } = store.cast_ballot(second).await.unwrap()
    else {
        panic!("the second ballot was not cast");
    };
    assert_eq!(
        second_code,
        expected.next_encoded(second_text.as_bytes()).hex()
    );
    assert!(matches!(
        store
            .cast_ballot(ballot("token-2", vec![]).await)
            .await
            .unwrap(),
        BallotOutcome::Cast { .. }
    ));
    assert_eq!(
        store.receipt(&election, &second_receipt).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(
        store
            .receipt(&election, "0000-0000-0000-0000-0000")
            .await
            .unwrap(),
        None
    );
    // The station's published list of receipts: its three cast ballots', in order, and no
    // other station's.
    let listed = store.station_receipts(&election, &a).await.unwrap();
    assert_eq!(listed.len(), 3, "{listed:?}");
    assert!(listed.contains(&receipt) && listed.contains(&second_receipt));
    assert!(listed.windows(2).all(|w| w[0] < w[1]));
    let elsewhere = data
        .stations
        .iter()
        .find(|s| s.code != a)
        .map(|s| s.code.clone())
        .unwrap();
    assert!(store
        .station_receipts(&election, &elsewhere)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.station_counts(&election, &a).await.unwrap(),
        crate::StationCounts {
            checkins: 4,
            ballots: 3,
            walkouts: 0,
            outstanding: 1
        }
    );

    // The station cannot close with a voter yet to vote; once all have, ballots equal check-ins.
    let refused = store
        .act_on_station(&election, &a, &DayAction::Close, &at(POLLS_CLOSE))
        .await;
    assert_eq!(
        day_refusal(refused),
        DayRefusal::BallotsOutstanding { count: 1 }
    );
    // The last voter first challenges a ballot (Benaloh): kept in the kiosk's chain with its
    // opening, never counted, and the token stays theirs; a spent token challenges nothing.
    let challenged = ballot("token-3", vec![approved[0].clone()]).await;
    let challenged_text = challenged.ballot.clone();
    let outcome = store
        .challenge_ballot(&challenged, "{\"opening\":\"of the ballot shown\"}")
        .await
        .unwrap();
    assert!(
        matches!(&outcome, crate::election_day::ChallengeOutcome::Challenged { station, .. } if *station == a),
        "{outcome:?}"
    );
    assert!(store
        .open_ballot(&election, &hash("token-3"))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        store
            .challenge_ballot(&ballot("token-0", vec![]).await, "{}")
            .await
            .unwrap(),
        crate::election_day::ChallengeOutcome::TokenUnknown
    );
    let mut stale = ballot("token-3", vec![]).await;
    stale.style_digest = "another list".into();
    assert_eq!(
        store.challenge_ballot(&stale, "{}").await.unwrap(),
        crate::election_day::ChallengeOutcome::Refused(domain::ballot::BallotRefusal::StyleChanged)
    );
    store
        .cast_ballot(ballot("token-3", vec![approved[2].clone()]).await)
        .await
        .unwrap();
    store
        .act_on_station(&election, &a, &DayAction::Close, &at(POLLS_CLOSE))
        .await
        .unwrap();
    let counts = store.station_counts(&election, &a).await.unwrap();
    assert_eq!((counts.ballots, counts.outstanding), (counts.checkins, 0));
    // The box as the record publishes it: in tracking-code order, one chain from the kiosk's
    // start through every ballot to its head; no ballot holds a candidate's code.
    let boxed = store.station_ballots(&election, &a).await.unwrap();
    assert_eq!(boxed.ballots.len(), 4);
    assert_eq!(boxed.challenged.len(), 1);
    assert_eq!(boxed.challenged[0].0.ballot, challenged_text);
    assert_eq!(
        boxed.challenged[0].1,
        "{\"opening\":\"of the ballot shown\"}"
    );
    let codes: Vec<&str> = boxed
        .ballots
        .iter()
        .map(|b| b.tracking_code.as_str())
        .collect();
    let mut ordered = codes.clone();
    ordered.sort_unstable();
    assert_eq!(codes, ordered);
    assert_eq!(boxed.chains.len(), 1);
    assert_eq!(
        (boxed.chains[0].kiosk.as_str(), boxed.chains[0].ballots),
        ("K-1", 5)
    );
    let mut walked = start.hex();
    for _ in 0..5 {
        let next = boxed
            .ballots
            .iter()
            .chain(boxed.challenged.iter().map(|(b, _)| b))
            .find(|b| b.previous_code == walked)
            .expect("the chain goes on");
        let previous = ballot_crypto::TrackingCode::try_from(walked.clone()).unwrap();
        assert_eq!(
            previous.next_encoded(next.ballot.as_bytes()).hex(),
            next.tracking_code
        );
        assert_eq!(next.council, council);
        walked.clone_from(&next.tracking_code);
    }
    assert_eq!(walked, boxed.chains[0].head);
    for b in &boxed.ballots {
        assert!(approved
            .iter()
            .all(|code| !b.ballot.contains(&format!("\"{code}\""))));
    }
    // Ballot audit records count ballots per station, and name no ballot.
    let records = store
        .audit_page(&AuditFilter::action("checkin."), PageRequest::new(1, 100))
        .await
        .unwrap();
    assert!(records
        .items
        .iter()
        .all(|r| !r.payload.contains(&tracking_code[..16])
            && !r.payload.contains(&second_receipt)
            && !r.payload.contains("ciphertext")));
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn turnout_adds_up_by_area_and_hour(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, b) = two_stations_of_one_council(&data);
    let county = council_of(&data, &council).county_code.clone();
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters: Vec<Voter> = (0..10)
        .map(|i| voter_of(&council, i, adult, VoterStatus::Alive))
        .collect();
    let mut roll_rows = voters.clone();
    roll_rows.extend(roll(&data, 0, 90));
    let (_, election) = election_day(&store, &roll_rows, &[&a, &b]).await;
    for (i, v) in voters.iter().enumerate().take(7) {
        let (station, hour) = if i < 4 { (&a, 0) } else { (&b, 2) };
        let t = POLLS_OPEN + time::Duration::hours(hour) + time::Duration::minutes(10);
        store
            .check_in(checkin(
                &election,
                station,
                &v.national_id,
                &format!("x{i}"),
                t,
            ))
            .await
            .unwrap();
    }
    let province = store
        .turnout(&election, &TurnoutFilter::default())
        .await
        .unwrap();
    assert_eq!(province.eligible, 100);
    assert_eq!(province.checked_in, 7);
    assert_eq!(province.areas.len(), data.counties.len());
    let row = province.areas.iter().find(|r| r.code == county).unwrap();
    assert_eq!(row.checked_in, 7);
    assert_eq!(
        province
            .areas
            .iter()
            .map(|r| r.eligible.unwrap())
            .sum::<i64>(),
        100
    );
    let hours: Vec<(time::OffsetDateTime, i64)> = province
        .hourly
        .iter()
        .map(|h| (h.hour, h.checked_in))
        .collect();
    assert_eq!(
        hours,
        [(POLLS_OPEN, 4), (POLLS_OPEN + time::Duration::hours(2), 3)]
    );

    let by_county = store
        .turnout(
            &election,
            &TurnoutFilter {
                county: Some(county.clone()),
                council: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(by_county.checked_in, 7);
    let council_row = by_county.areas.iter().find(|r| r.code == council).unwrap();
    assert_eq!(
        (
            council_row.checked_in,
            council_row.eligible.map(|e| e >= 10)
        ),
        (7, Some(true))
    );

    let by_council = store
        .turnout(
            &election,
            &TurnoutFilter {
                county: None,
                council: Some(council.clone()),
            },
        )
        .await
        .unwrap();
    assert_eq!(by_council.checked_in, 7);
    let stations: Vec<(String, i64)> = by_council
        .areas
        .iter()
        .filter(|r| r.checked_in > 0)
        .map(|r| (r.code.clone(), r.checked_in))
        .collect();
    assert_eq!(stations, [(a.clone(), 4), (b.clone(), 3)]);
    assert!(by_council.areas.iter().all(|r| r.eligible.is_none()));
}

pub async fn a_voter_who_walks_out_is_counted_and_cannot_vote(store: Arc<dyn Store>) {
    use domain::station_day::{Walkout, WalkoutReason};
    let data = demo();
    let (council, a, b) = two_stations_of_one_council(&data);
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters: Vec<Voter> = (0..4)
        .map(|i| voter_of(&council, 40 + i, adult, VoterStatus::Alive))
        .collect();
    let (_, election) = election_day(&store, &voters, &[&a, &b]).await;
    // The station's governor's representative: a vacant post first.
    for station in [&a, &b] {
        store
            .unassign_post(station, Post::GovernorRep, &actor())
            .await
            .unwrap();
    }
    let t = POLLS_OPEN + time::Duration::hours(1);
    for (i, v) in voters.iter().enumerate() {
        let station = if i == 3 { &b } else { &a };
        let minute = time::Duration::minutes(i as i64);
        store
            .check_in(checkin(
                &election,
                station,
                &v.national_id,
                &format!("walk-{i}"),
                t + minute,
            ))
            .await
            .unwrap();
    }
    let pending = store.pending_checkins(&election, &a).await.unwrap();
    let ids: Vec<&str> = pending.iter().map(|p| p.national_id.as_str()).collect();
    assert_eq!(
        ids,
        [0, 1, 2].map(|i| voters[i].national_id.as_str()),
        "the station's own check-ins, first come first"
    );
    assert_eq!(pending[1].checked_in_at, t + time::Duration::minutes(1));
    assert!(pending.iter().all(|p| p.council == council));
    // The first votes.
    let cast = store
        .cast_ballot(sealed_ballot(store.as_ref(), &election, "walk-0", &[], at(t)).await)
        .await
        .unwrap();
    assert!(matches!(cast, BallotOutcome::Cast { .. }));

    let walkout = |v: &Voter, by: Option<&NationalId>| Walkout {
        national_id: v.national_id.clone(),
        reason: WalkoutReason::Declined,
        notes: String::new(),
        countersigned_by: by.cloned(),
    };
    let later = at(t + time::Duration::minutes(30));
    let before = audit_head(&store).await;
    for (v, station, refusal) in [
        (&voters[0], &a, DayRefusal::BallotAlreadyCast),
        (&voters[3], &a, DayRefusal::NotCheckedInHere),
    ] {
        let refused = store
            .record_walkout(&election, station, &walkout(v, None), &later)
            .await;
        assert_eq!(day_refusal(refused), refusal);
    }
    assert_eq!(audit_head(&store).await, before, "refusals write nothing");
    // With a governor's representative assigned, their countersign is needed, and only theirs.
    let people = clean_people(&store, 300, 2).await;
    store
        .assign_post(&a, Post::GovernorRep, &people[0], &actor())
        .await
        .unwrap();
    let rep = NationalId::parse(&people[0]).unwrap();
    let other = NationalId::parse(&people[1]).unwrap();
    let head = audit_head(&store).await;
    for (by, refusal) in [
        (None, DayRefusal::CountersignRequired),
        (Some(&other), DayRefusal::CountersignMismatch),
    ] {
        let refused = store
            .record_walkout(&election, &a, &walkout(&voters[1], by), &later)
            .await;
        assert_eq!(day_refusal(refused), refusal);
    }
    assert_eq!(audit_head(&store).await, head, "refusals write nothing");
    assert_eq!(
        store.pending_checkins(&election, &a).await.unwrap().len(),
        2,
        "a refused walk-out leaves the voter's ballot open"
    );

    let counts = store
        .record_walkout(&election, &a, &walkout(&voters[1], Some(&rep)), &later)
        .await
        .unwrap();
    assert_eq!(
        counts,
        crate::StationCounts {
            checkins: 3,
            ballots: 1,
            walkouts: 1,
            outstanding: 1
        }
    );
    assert_eq!(store.station_counts(&election, &a).await.unwrap(), counts);
    assert_eq!(audit_head(&store).await, head + 1);
    let events = audit_records(&store, AuditFilter::action("station.walkout")).await;
    assert_eq!(events.items.len(), 1);
    assert!(events.items[0].payload.contains("declined"));
    assert!(
        !events.items[0]
            .payload
            .contains(voters[1].national_id.as_str()),
        "the audit record names nobody"
    );
    let again = store
        .record_walkout(&election, &a, &walkout(&voters[1], Some(&rep)), &later)
        .await;
    assert_eq!(day_refusal(again), DayRefusal::WalkoutAlreadyRecorded);
    // The walk-out's ballot cannot be cast any more, and the person cannot check in again.
    let late_ballot = store
        .cast_ballot(sealed_ballot(store.as_ref(), &election, "walk-1", &[], later.clone()).await)
        .await
        .unwrap();
    assert_eq!(late_ballot, BallotOutcome::TokenUnknown);
    let twice = store
        .check_in(checkin(
            &election,
            &a,
            &voters[1].national_id,
            "walk-1b",
            later.at,
        ))
        .await
        .unwrap();
    assert!(
        matches!(twice, CheckInOutcome::AlreadyVoted { .. }),
        "{twice:?}"
    );
    let recorded = store.walkouts(&election, &a).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].national_id, voters[1].national_id.as_str());
    assert_eq!(recorded[0].countersigned_by.as_deref(), Some(rep.as_str()));
    assert_eq!(recorded[0].at, later.at);
    assert_eq!(
        store
            .pending_checkins(&election, &a)
            .await
            .unwrap()
            .iter()
            .map(|p| p.national_id.clone())
            .collect::<Vec<_>>(),
        [voters[2].national_id.as_str().to_owned()]
    );

    // The station closes once the last pending voter has left too, at the polls' close.
    let close = at(POLLS_CLOSE);
    let refused = store
        .act_on_station(&election, &a, &DayAction::Close, &close)
        .await;
    assert_eq!(
        day_refusal(refused),
        DayRefusal::BallotsOutstanding { count: 1 }
    );
    let mut unwell = walkout(&voters[2], Some(&rep));
    unwell.reason = WalkoutReason::Unwell;
    store
        .record_walkout(&election, &a, &unwell, &close)
        .await
        .unwrap();
    let closed = store
        .act_on_station(&election, &a, &DayAction::Close, &close)
        .await
        .unwrap();
    assert_eq!(closed.state, DayState::Closed);
    let after = store
        .record_walkout(&election, &b, &walkout(&voters[3], None), &close)
        .await
        .unwrap();
    assert_eq!(after.walkouts, 1, "a vacant post: no countersign");
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn an_opening_records_who_was_present_against_the_posts(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = data.stations[0].code.clone();
    store
        .unassign_post(&station, Post::Inspector, &actor())
        .await
        .unwrap();
    let before = audit_head(&store).await;
    // The form cannot claim an inspector the station does not have.
    let claimed = store
        .act_on_station(
            &election,
            &station,
            &DayAction::open_in_full(400),
            &at(POLLS_OPEN),
        )
        .await;
    assert_eq!(
        day_refusal(claimed),
        DayRefusal::NotAssigned { who: "بازرس" }
    );
    // An election that requires the inspector does not open without one.
    let required = DayAction::Open {
        presence: Presence {
            head: true,
            governor_rep: true,
            inspector: false,
        },
        empty_box_shown: true,
        zero_reports_shown: true,
        forms_received: Some(400),
        inspector_required: true,
        equipment_test_required: false,
    };
    let refused = store
        .act_on_station(&election, &station, &required, &at(POLLS_OPEN))
        .await;
    assert_eq!(day_refusal(refused), DayRefusal::Absent { who: "بازرس" });
    assert_eq!(audit_head(&store).await, before, "refusals write nothing");
    // Otherwise the absence is recorded and kept with the day.
    let opened = crate::election_day::open_as_staffed(
        store.as_ref(),
        &election,
        &station,
        400,
        &at(POLLS_OPEN + time::Duration::minutes(20)),
    )
    .await
    .unwrap();
    let recorded = Presence {
        head: true,
        governor_rep: true,
        inspector: false,
    };
    assert_eq!(opened.presence, Some(recorded));
    let day = store
        .station_day(&election, &station)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(day.presence, Some(recorded), "kept by the store");
    assert_eq!(day.forms_received, Some(400), "the forms counted, kept");
    assert_eq!(day.state, DayState::Open);
}

/// The election-day picture: every station of a county (or the province) not closed down,
/// with its day as it stands (the pause's reason and start while paused) and its check-ins.
pub async fn the_day_board_shows_each_stations_day_and_checkins(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, b) = two_stations_of_one_council(&data);
    let county = council_of(&data, &council).county_code.clone();
    let adult = time::macros::date!(1980 - 03 - 01);
    let voters: Vec<Voter> = (0..3)
        .map(|i| voter_of(&council, i, adult, VoterStatus::Alive))
        .collect();
    let (_, election) = election_day(&store, &voters, &[&a, &b]).await;
    let t = POLLS_OPEN + time::Duration::hours(1);
    for (i, v) in voters.iter().enumerate().take(2) {
        store
            .check_in(checkin(&election, &a, &v.national_id, &format!("b{i}"), t))
            .await
            .unwrap();
    }
    store
        .act_on_station(
            &election,
            &b,
            &DayAction::pause("device_fault", "چاپگر"),
            &at(t),
        )
        .await
        .unwrap();
    // A station closed down is not on the picture.
    let gone = data
        .stations
        .iter()
        .find(|s| s.county_code == county && s.code != a && s.code != b)
        .unwrap();
    let mut closed_down = gone.clone();
    closed_down.closed = true;
    store.update_station(&closed_down, &actor()).await.unwrap();

    let board = store
        .station_day_board(&election, Some(&county))
        .await
        .unwrap();
    let expected: Vec<&str> = data
        .stations
        .iter()
        .filter(|s| s.county_code == county && s.code != gone.code)
        .map(|s| s.code.as_str())
        .collect();
    let mut sorted = expected.clone();
    sorted.sort_unstable();
    assert_eq!(
        board.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(),
        sorted,
        "the county's stations, in code order"
    );
    let row = |code: &str| board.iter().find(|s| s.code == code).unwrap();
    let open = row(&a);
    assert_eq!(open.day.state, DayState::Open);
    assert_eq!(open.day.opened_at, Some(POLLS_OPEN));
    assert_eq!(open.checkins, 2);
    assert_eq!(open.council, council);
    assert_eq!(open.council_name, council_of(&data, &council).name);
    assert_eq!(open.county, county);
    let source = data.stations.iter().find(|s| s.code == a).unwrap();
    assert_eq!(
        (open.name.as_str(), open.expected_voters),
        (source.name.as_str(), source.expected_voters)
    );
    let paused = row(&b);
    assert_eq!(paused.day.state, DayState::Paused);
    assert_eq!(paused.checkins, 0);
    assert_eq!(
        paused.day.pause,
        Some(Pause {
            reason: PauseReason::DeviceFault,
            notes: "چاپگر".into(),
            since: t,
        })
    );
    let waiting = board.iter().find(|s| s.code != a && s.code != b).unwrap();
    assert_eq!(
        waiting.day,
        domain::station_day::StationDay::new(POLLS_CLOSE)
    );
    assert_eq!(waiting.checkins, 0);

    // The province's picture holds every county's stations; resuming ends the pause.
    let province = store.station_day_board(&election, None).await.unwrap();
    assert_eq!(province.len(), data.stations.len() - 1);
    assert!(province.iter().any(|s| s.county != county));
    store
        .act_on_station(
            &election,
            &b,
            &DayAction::Resume,
            &at(t + time::Duration::minutes(30)),
        )
        .await
        .unwrap();
    let board = store
        .station_day_board(&election, Some(&county))
        .await
        .unwrap();
    let resumed = board.iter().find(|s| s.code == b).unwrap();
    assert_eq!(
        (resumed.day.state, &resumed.day.pause),
        (DayState::Open, &None)
    );
    assert!(store
        .station_day_board(&election, Some("99"))
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        store.station_day_board("no-such-election", None).await,
        Err(StoreError::NotFound { .. })
    ));
}
