//! Conformance cases: equipment tests (issue 16 §6).

use super::*;
use crate::Refusal as StoreRefusal;
use domain::test_deck::{deck, EquipmentRefusal, EquipmentStanding, RunOutcome, TestDeck};

/// A few days before the polls (1405/02/05 10:00 in Tehran).
fn tester(hours: i64) -> Actor {
    Actor::new(
        "station-test",
        domain::calendar::parse_instant("1405/02/05 10:00").unwrap() + time::Duration::hours(hours),
    )
}

/// The polls' opening (1405/02/11 08:00 in Tehran).
fn polls_open() -> Actor {
    Actor::new(
        "station-test",
        domain::calendar::parse_instant("1405/02/11 08:00").unwrap(),
    )
}

fn refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> EquipmentRefusal {
    match r {
        Err(StoreError::Refused(StoreRefusal::Equipment(refusal))) => refusal,
        other => panic!("expected an equipment refusal, got {other:?}"),
    }
}

/// The decks of a station's councils, as the use case builds them.
fn decks_of(data: &DemoData, station: &str) -> Vec<TestDeck> {
    let s = data.stations.iter().find(|s| s.code == station).unwrap();
    s.councils()
        .into_iter()
        .map(|code| {
            let council = data.councils.iter().find(|c| c.code == code).unwrap();
            let mut codes: Vec<String> = data
                .candidates
                .iter()
                .filter(|c| c.council == code)
                .map(|c| c.code.clone())
                .collect();
            codes.sort();
            deck(code, &codes, council.main_seats)
        })
        .collect()
}

/// An opening as an election that requires the equipment test asks it.
fn strict_opening() -> DayAction {
    let mut open = DayAction::open_in_full(400);
    if let DayAction::Open {
        equipment_test_required,
        inspector_required,
        ..
    } = &mut open
    {
        *equipment_test_required = true;
        *inspector_required = false;
    }
    open
}

/// A staffed station that has its posts filled, for opening.
fn staffed(data: &DemoData) -> String {
    data.stations
        .iter()
        .find(|s| data.can_open(&s.code))
        .expect("a staffed, tested station")
        .code
        .clone()
}

async fn open_with_presence(
    store: &Arc<dyn Store>,
    election: &str,
    station: &str,
) -> StoreResult<domain::station_day::StationDay> {
    let staff = store.station_staff(station).await?;
    let mut action = strict_opening();
    if let DayAction::Open { presence, .. } = &mut action {
        *presence = Presence::of_posts(staff.iter().map(|s| s.post));
    }
    store
        .act_on_station(election, station, &action, &polls_open())
        .await
}

pub async fn a_failed_test_blocks_opening_until_overridden_and_test_ballots_stay_apart(
    store: Arc<dyn Store>,
) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = staffed(&data);
    let decks = decks_of(&data, &station);
    assert!(!decks.is_empty() && decks[0].ballots.len() > 2);
    let counts_before = store.station_counts(&election, &station).await.unwrap();

    let run = store
        .start_equipment_test(&election, &station, &decks, &tester(0))
        .await
        .unwrap();
    assert_eq!(run.outcome, RunOutcome::Running);
    assert_eq!(run.decks, decks);
    assert_eq!(
        store
            .station_equipment(&election, &station)
            .await
            .unwrap()
            .standing,
        EquipmentStanding::Running
    );
    let before = audit_head(&store).await;
    assert_eq!(
        refusal(
            store
                .start_equipment_test(&election, &station, &decks, &tester(0))
                .await
        ),
        EquipmentRefusal::RunInProgress
    );
    // A ballot beyond the seats, or for a council not in the run, writes nothing.
    let council = decks[0].council.clone();
    let too_many: Vec<String> = decks[0]
        .expected()
        .candidates
        .keys()
        .cloned()
        .chain(std::iter::once("x".into()))
        .collect();
    assert!(matches!(
        refusal(
            store
                .cast_test_ballot(&election, &station, &council, &too_many, &tester(0))
                .await
        ),
        EquipmentRefusal::Ballot(_)
    ));
    assert!(matches!(
        refusal(
            store
                .cast_test_ballot(&election, &station, "no-such", &[], &tester(0))
                .await
        ),
        EquipmentRefusal::NotInDeck { .. }
    ));
    assert_eq!(audit_head(&store).await, before, "refusals write nothing");

    // Every deck ballot entered, but the tester's device dropped the first deck's last one.
    let mut entered = 0;
    for d in &decks {
        let take = if d.council == council {
            d.ballots.len() - 1
        } else {
            d.ballots.len()
        };
        for b in d.ballots.iter().take(take) {
            let after = store
                .cast_test_ballot(&election, &station, &d.council, b, &tester(1))
                .await
                .unwrap();
            entered += 1;
            assert_eq!(after.progress().1, entered);
        }
    }
    let finished = store
        .finish_equipment_test(&election, &station, &tester(2))
        .await
        .unwrap();
    assert_eq!(finished.outcome, RunOutcome::Failed);
    assert!(finished
        .differences
        .iter()
        .any(|d| d.council == council && d.figure == "ballots" && d.counted + 1 == d.expected));
    assert_eq!(finished.finished_by.as_deref(), Some("station-test"));
    assert_eq!(
        refusal(
            store
                .finish_equipment_test(&election, &station, &tester(2))
                .await
        ),
        EquipmentRefusal::NoRunInProgress
    );

    // Test ballots are never ballots: the station's counts, turnout and the box are as before.
    let counts = store.station_counts(&election, &station).await.unwrap();
    assert_eq!(counts, counts_before);
    assert_eq!(counts.ballots, 0);
    let turnout = store
        .turnout(&election, &TurnoutFilter::default())
        .await
        .unwrap();
    assert_eq!(turnout.checked_in, 0);

    // The failed station does not open; a refusal writes nothing.
    let before = audit_head(&store).await;
    let refused = open_with_presence(&store, &election, &station).await;
    match refused {
        Err(StoreError::Refused(StoreRefusal::Day(DayRefusal::EquipmentNotPassed {
            standing,
        }))) => assert_eq!(standing, EquipmentStanding::Failed),
        other => panic!("expected the equipment refusal, got {other:?}"),
    }
    assert_eq!(audit_head(&store).await, before);
    // The county lets it open, with a reason; without one, nothing is written.
    assert_eq!(
        refusal(
            store
                .override_equipment_test(&election, &station, "  ", &tester(3))
                .await
        ),
        EquipmentRefusal::NoReason
    );
    let granted = store
        .override_equipment_test(&election, &station, "دستگاه جایگزین  آزموده شد", &tester(3))
        .await
        .unwrap();
    assert_eq!(granted.reason, "دستگاه جایگزین آزموده شد");
    let now = store.station_equipment(&election, &station).await.unwrap();
    assert_eq!(now.standing, EquipmentStanding::Overridden);
    assert_eq!(
        now.runs.len(),
        1 + data
            .equipment_runs
            .iter()
            .filter(|r| r.station == station)
            .count()
    );
    assert_eq!(
        now.overridden.as_ref().map(|o| o.by.as_str()),
        Some("station-test")
    );
    let opened = open_with_presence(&store, &election, &station)
        .await
        .unwrap();
    assert_eq!(opened.state, DayState::Open);

    // Test mode is for before the opening only.
    assert_eq!(
        refusal(
            store
                .start_equipment_test(&election, &station, &decks, &polls_open())
                .await
        ),
        EquipmentRefusal::StationOpen
    );
    assert_eq!(
        refusal(
            store
                .cast_test_ballot(&election, &station, &council, &[], &polls_open())
                .await
        ),
        EquipmentRefusal::StationOpen
    );
    assert_eq!(
        refusal(
            store
                .override_equipment_test(&election, &station, "دلیل", &polls_open())
                .await
        ),
        EquipmentRefusal::StationOpen
    );
    let records = audit_head(&store).await;
    assert_chain(&store, records).await;
}

pub async fn a_passed_run_stands_and_the_standings_follow_the_demo(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    // The demo's standings, as it ran its tests.
    let standings = store.equipment_standings(&election, None).await.unwrap();
    for run in &data.equipment_runs {
        let expected = match run.outcome {
            RunOutcome::Passed => EquipmentStanding::Passed,
            _ => EquipmentStanding::Failed,
        };
        assert_eq!(
            standings.get(&run.station),
            Some(&expected),
            "{}",
            run.station
        );
    }
    let untested = standings
        .iter()
        .filter(|(_, s)| **s == EquipmentStanding::NotTested)
        .count();
    let tested: std::collections::HashSet<&str> = data
        .equipment_runs
        .iter()
        .map(|r| r.station.as_str())
        .collect();
    assert_eq!(untested, standings.len() - tested.len());
    let failed = data
        .equipment_runs
        .iter()
        .find(|r| r.outcome == RunOutcome::Failed)
        .expect("the demo has a failed run");
    let county = data
        .stations
        .iter()
        .find(|s| s.code == failed.station)
        .unwrap()
        .county_code
        .clone();
    let of_county = store
        .equipment_standings(&election, Some(&county))
        .await
        .unwrap();
    assert_eq!(
        of_county.get(&failed.station),
        Some(&EquipmentStanding::Failed)
    );
    assert!(data
        .stations
        .iter()
        .filter(|s| of_county.contains_key(&s.code))
        .all(|s| s.county_code == county));
    // The failed station's run, read back as it was judged.
    let read = store
        .station_equipment(&election, &failed.station)
        .await
        .unwrap();
    assert_eq!(read.runs[0].differences, failed.differences);
    assert_eq!(read.runs[0].progress().1, failed.ballots.len() as u64);

    // Tested again, every ballot entered right: it passed, and an override is refused.
    let decks = decks_of(&data, &failed.station);
    store
        .start_equipment_test(&election, &failed.station, &decks, &tester(0))
        .await
        .unwrap();
    for d in &decks {
        for b in &d.ballots {
            store
                .cast_test_ballot(&election, &failed.station, &d.council, b, &tester(1))
                .await
                .unwrap();
        }
    }
    let passed = store
        .finish_equipment_test(&election, &failed.station, &tester(2))
        .await
        .unwrap();
    assert_eq!(passed.outcome, RunOutcome::Passed);
    assert!(passed.differences.is_empty());
    assert_eq!(
        refusal(
            store
                .override_equipment_test(&election, &failed.station, "دلیل", &tester(3))
                .await
        ),
        EquipmentRefusal::AlreadyPassed
    );
    assert_eq!(
        store
            .equipment_standings(&election, Some(&county))
            .await
            .unwrap()
            .get(&failed.station),
        Some(&EquipmentStanding::Passed)
    );
    assert!(matches!(
        store.station_equipment(&election, "no-such").await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .start_equipment_test(&election, "no-such", &decks, &tester(0))
            .await,
        Err(StoreError::NotFound { .. })
    ));
}
