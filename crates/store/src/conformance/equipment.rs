//! Conformance cases: equipment tests (issue 16 §6).

use super::*;
use crate::equipment::SealedCount;
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

/// A kiosk paired to the station, as its staff pair one.
async fn paired_kiosk(store: &Arc<dyn Store>, election: &str, station: &str, id: &str) {
    let since = tester(0).at - time::Duration::minutes(10);
    let code = format!("{:08}", id.bytes().map(u32::from).sum::<u32>());
    store
        .request_kiosk(
            &crate::kiosks::NewKiosk {
                election_code: election.to_owned(),
                kiosk_id: id.to_owned(),
                session_hash: format!("hash-of-{id}"),
                pairing_code: code.clone(),
                csrf_token: format!("csrf-{id}"),
            },
            since,
            10,
            &tester(0),
        )
        .await
        .unwrap();
    store
        .pair_kiosk(election, station, &code, since, &tester(0))
        .await
        .unwrap();
}

/// Casts a sealed test ballot of `council` (the `n`-th of the run) from the station's kiosk
/// `kiosk`, its test activation made first as the console makes it. The store keeps the sealed
/// text as given: the use case encrypts and counts.
async fn cast_sealed(
    store: &Arc<dyn Store>,
    (election, station, kiosk): (&str, &str, &str),
    run: i64,
    council: &str,
    n: usize,
    by: &Actor,
) -> StoreResult<domain::test_deck::TestRun> {
    let id = format!("activation-{run}-{n}");
    let current = store
        .station_kiosks(election, station)
        .await?
        .into_iter()
        .find(|k| k.kiosk_id == kiosk)
        .and_then(|k| k.activation)
        .map(|a| a.id);
    store
        .activate_kiosk(
            station,
            kiosk,
            current.as_deref(),
            &crate::kiosks::Activation {
                token_hash: crate::kiosks::test_token_hash(&id),
                id: id.clone(),
                council: council.to_owned(),
                at: by.at,
                expires_at: by.at + time::Duration::minutes(10),
                test_run: Some(run),
            },
            by,
        )
        .await?;
    store
        .cast_sealed_test_ballot(
            &crate::equipment::SealedTestBallot {
                election_code: election.to_owned(),
                station: station.to_owned(),
                kiosk_id: kiosk.to_owned(),
                activation_id: id,
                council: council.to_owned(),
                sealed: format!(r#"{{"ballot":{n}}}"#),
            },
            by,
        )
        .await
}

/// What the use case counts of the ballots entered (council, choices) in run `run`.
fn counted(run: i64, entered: &[(String, Vec<String>)]) -> SealedCount {
    let mut by_council: std::collections::BTreeMap<String, Vec<Vec<String>>> =
        std::collections::BTreeMap::new();
    for (council, choices) in entered {
        by_council
            .entry(council.clone())
            .or_default()
            .push(choices.clone());
    }
    SealedCount {
        run,
        ballots: entered.len() as u64,
        tallies: by_council
            .into_iter()
            .map(|(council, ballots)| (council, domain::test_deck::tally(&ballots)))
            .collect(),
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
    assert_eq!(audit_head(&store).await, before, "a refusal writes nothing");
    // A ballot for a council not in the run, or from a kiosk without the run's activation,
    // writes nothing.
    let council = decks[0].council.clone();
    paired_kiosk(&store, &election, &station, "k1").await;
    let place = (election.as_str(), station.as_str(), "k1");
    let before = audit_head(&store).await;
    assert!(matches!(
        refusal(cast_sealed(&store, place, run.id, "no-such", 0, &tester(0)).await),
        EquipmentRefusal::NotInDeck { .. }
    ));
    // (The activation itself was written; the cast was not.)
    assert_eq!(
        audit_head(&store).await,
        before + 1,
        "refusals write nothing"
    );

    // Every deck ballot entered, but the tester's device dropped the first deck's last one.
    let mut entered = Vec::new();
    for d in &decks {
        let take = if d.council == council {
            d.ballots.len() - 1
        } else {
            d.ballots.len()
        };
        for b in d.ballots.iter().take(take) {
            let after = cast_sealed(
                &store,
                place,
                run.id,
                &d.council,
                entered.len() + 1,
                &tester(1),
            )
            .await
            .unwrap();
            entered.push((d.council.clone(), b.clone()));
            assert_eq!(after.progress().1, entered.len() as u64);
        }
    }
    let finished = store
        .finish_equipment_test(&election, &station, &counted(run.id, &entered), &tester(2))
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
                .finish_equipment_test(&election, &station, &SealedCount::default(), &tester(2))
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
        refusal(cast_sealed(&store, place, run.id, &council, 999, &polls_open()).await),
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
    let run = store
        .start_equipment_test(&election, &failed.station, &decks, &tester(0))
        .await
        .unwrap();
    paired_kiosk(&store, &election, &failed.station, "k2").await;
    let place = (election.as_str(), failed.station.as_str(), "k2");
    let mut entered = Vec::new();
    for d in &decks {
        for b in &d.ballots {
            cast_sealed(&store, place, run.id, &d.council, entered.len(), &tester(1))
                .await
                .unwrap();
            entered.push((d.council.clone(), b.clone()));
        }
    }
    let passed = store
        .finish_equipment_test(
            &election,
            &failed.station,
            &counted(run.id, &entered),
            &tester(2),
        )
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

pub async fn sealed_test_ballots_need_the_kiosks_test_activation_and_are_judged_as_counted(
    store: Arc<dyn Store>,
) {
    use crate::equipment::SealedTestBallot;
    use crate::guardians::{ElectionKeyRecord, KeyKind};
    use crate::kiosks::{test_token_hash, Activation, NewKiosk};
    let data = loaded(&store).await;
    let election = data.election.code.clone();

    // The test key is kept with its server-held share, once; no other key is server-held.
    assert_eq!(store.test_key_share(&election).await.unwrap(), None);
    let record = |kind| ElectionKeyRecord {
        election_code: election.clone(),
        kind,
        public_key: "test-public-key".into(),
        fingerprint: "0011223344556677".into(),
        threshold: 1,
        guardians: 1,
        ceremony: "{}".into(),
        created_at: tester(0).at,
        confirmations: Vec::new(),
    };
    assert!(store
        .record_test_key(&record(KeyKind::Election), "share", &tester(0))
        .await
        .is_err());
    assert_eq!(
        store
            .election_key(&election, KeyKind::Election)
            .await
            .unwrap(),
        None
    );
    store
        .record_test_key(&record(KeyKind::Test), "the-share", &tester(0))
        .await
        .unwrap();
    assert_eq!(
        store.test_key_share(&election).await.unwrap().as_deref(),
        Some("the-share")
    );
    assert!(matches!(
        store
            .record_test_key(&record(KeyKind::Test), "another", &tester(0))
            .await,
        Err(StoreError::Refused(StoreRefusal::ElectionKeyExists))
    ));

    // A run, and a kiosk of the station.
    let station = staffed(&data);
    let decks = decks_of(&data, &station);
    let run = store
        .start_equipment_test(&election, &station, &decks, &tester(0))
        .await
        .unwrap();
    let since = tester(0).at - time::Duration::minutes(10);
    store
        .request_kiosk(
            &NewKiosk {
                election_code: election.clone(),
                kiosk_id: "t1".into(),
                session_hash: "hash-of-t1".into(),
                pairing_code: "12121212".into(),
                csrf_token: "csrf-t1".into(),
            },
            since,
            10,
            &tester(0),
        )
        .await
        .unwrap();
    store
        .pair_kiosk(&election, &station, "12121212", since, &tester(0))
        .await
        .unwrap();
    let council = decks[0].council.clone();
    let ballot = SealedTestBallot {
        election_code: election.clone(),
        station: station.clone(),
        kiosk_id: "t1".into(),
        activation_id: "a1".into(),
        council: council.clone(),
        sealed: r#"{"sealed":1}"#.into(),
    };
    let no_ballot = |r: StoreResult<domain::test_deck::TestRun>| match r {
        Err(StoreError::Refused(StoreRefusal::Kiosk(k))) => {
            assert_eq!(k, domain::kiosk::KioskRefusal::NoBallot);
        }
        other => panic!("expected no ballot, got {other:?}"),
    };
    // Without the kiosk's test activation nothing is cast, and nothing is written.
    let before = audit_head(&store).await;
    no_ballot(store.cast_sealed_test_ballot(&ballot, &tester(1)).await);
    assert_eq!(audit_head(&store).await, before);
    let activation = |id: &str, test_run| Activation {
        id: id.into(),
        token_hash: test_token_hash(id),
        council: council.clone(),
        at: tester(1).at,
        expires_at: tester(1).at + time::Duration::minutes(10),
        test_run,
    };
    // A voter's activation is not a test's.
    store
        .activate_kiosk(&station, "t1", None, &activation("a1", None), &tester(1))
        .await
        .unwrap();
    no_ballot(store.cast_sealed_test_ballot(&ballot, &tester(1)).await);
    store
        .activate_kiosk(
            &station,
            "t1",
            Some("a1"),
            &activation("a2", Some(run.id)),
            &tester(1),
        )
        .await
        .unwrap();
    // Another activation's screen casts nothing.
    no_ballot(store.cast_sealed_test_ballot(&ballot, &tester(1)).await);
    let ballot = SealedTestBallot {
        activation_id: "a2".into(),
        ..ballot
    };
    let after = store
        .cast_sealed_test_ballot(&ballot, &tester(1))
        .await
        .unwrap();
    assert_eq!(after.cast.get(&council), Some(&1));
    // The activation is spent: the kiosk holds none, and the same cast again is refused.
    let kiosks = store.station_kiosks(&election, &station).await.unwrap();
    assert_eq!(kiosks[0].activation, None);
    no_ballot(store.cast_sealed_test_ballot(&ballot, &tester(1)).await);
    assert_eq!(
        store.sealed_test_ballots(run.id).await.unwrap(),
        vec![(council.clone(), ballot.sealed.clone())]
    );

    // Finishing needs the count of every sealed ballot of this run.
    let stale = SealedCount {
        run: run.id,
        ..SealedCount::default()
    };
    let before = audit_head(&store).await;
    assert_eq!(
        refusal(
            store
                .finish_equipment_test(&election, &station, &stale, &tester(2))
                .await
        ),
        EquipmentRefusal::CastMeanwhile
    );
    assert_eq!(audit_head(&store).await, before);
    // Judged on what was counted: every deck's expected tally passes.
    let counted = SealedCount {
        run: run.id,
        ballots: 1,
        tallies: decks
            .iter()
            .map(|d| (d.council.clone(), d.expected()))
            .collect(),
    };
    let finished = store
        .finish_equipment_test(&election, &station, &counted, &tester(2))
        .await
        .unwrap();
    assert_eq!(
        (finished.outcome, finished.differences.len()),
        (RunOutcome::Passed, 0)
    );
    // A count one short of a candidate's fails, naming the figure.
    let run = store
        .start_equipment_test(&election, &station, &decks, &tester(3))
        .await
        .unwrap();
    let mut short = decks[0].expected();
    let (first, marks) = short
        .candidates
        .iter_mut()
        .next()
        .map(|(code, n)| (code.clone(), n))
        .unwrap();
    *marks -= 1;
    let counted = SealedCount {
        run: run.id,
        ballots: 0,
        tallies: [(council.clone(), short)].into_iter().collect(),
    };
    let finished = store
        .finish_equipment_test(&election, &station, &counted, &tester(4))
        .await
        .unwrap();
    assert_eq!(finished.outcome, RunOutcome::Failed);
    assert!(finished
        .differences
        .iter()
        .any(|d| d.council == council && d.figure == first));
}
