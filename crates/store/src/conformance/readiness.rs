//! Conformance cases: readiness and the timeline (issue 16).

use super::*;
use crate::Refusal as StoreRefusal;
use domain::csv_io::readiness_from_csv;
use domain::readiness::{Link, Readiness, ReadinessRefusal, Weights};

/// The morning after the fibre deadline (1404/12/01 09:00 in Tehran).
fn governor() -> Actor {
    Actor::new(
        "governor-05",
        domain::calendar::parse_instant("1404/12/01 09:00").unwrap(),
    )
}

fn date(s: &str) -> time::Date {
    domain::calendar::parse_date(s).unwrap()
}

fn full() -> Readiness {
    Readiness {
        link: Link::FibreConnected,
        fibre_planned_on: None,
        cctv_installed: true,
        cctv_monitored: true,
        power_backup: true,
        devices_installed: true,
        devices_tested: true,
        step_free: true,
        ready: true,
        note: "بازدید شد".into(),
    }
}

fn readiness_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> ReadinessRefusal {
    match r {
        Err(StoreError::Refused(StoreRefusal::Readiness(refusal))) => refusal,
        other => panic!("expected a readiness refusal, got {other:?}"),
    }
}

/// Stations of `county` in the demo, by code.
fn stations_of(data: &DemoData, county: &str) -> Vec<String> {
    let mut codes: Vec<String> = data
        .stations
        .iter()
        .filter(|s| s.county_code == county && !s.closed)
        .map(|s| s.code.clone())
        .collect();
    codes.sort();
    codes
}

pub async fn readiness_is_declared_checked_and_listed(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let codes = stations_of(&data, "05");
    let station = codes[0].clone();
    let by = governor();

    let declared = store
        .declare_readiness(&election, &station, &full(), &by)
        .await
        .unwrap();
    assert_eq!(declared.readiness, full());
    assert_eq!(declared.declared_by, "governor-05");
    let head = audit_head(&store).await;
    let read = store
        .station_readiness(&election, &station)
        .await
        .unwrap()
        .expect("the station");
    assert_eq!(read.county, "05");
    assert_eq!(read.declared.as_ref().map(|d| &d.readiness), Some(&full()));
    assert_eq!(read.declared.map(|d| d.declared_at), Some(by.at));

    // A planned connection dated before today: refused, nothing written.
    let late = Readiness {
        link: Link::FibrePlanned,
        fibre_planned_on: Some(date("1404/11/20")),
        ready: false,
        ..full()
    };
    assert_eq!(
        readiness_refusal(
            store
                .declare_readiness(&election, &station, &late, &by)
                .await
        )
        .code(),
        "planned_date_in_past"
    );
    // Ready without tested devices: refused as a conflict with what is there.
    let untested = Readiness {
        devices_tested: false,
        ..full()
    };
    let refusal = readiness_refusal(
        store
            .declare_readiness(&election, &station, &untested, &by)
            .await,
    );
    assert_eq!(refusal.code(), "station_not_ready");
    assert!(!refusal.is_invalid_input());
    assert!(matches!(
        store
            .declare_readiness(&election, "0599999", &full(), &by)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, head, "refusals write nothing");
    let unchanged = store
        .station_readiness(&election, &station)
        .await
        .unwrap()
        .and_then(|s| s.declared)
        .map(|d| d.readiness);
    assert_eq!(unchanged, Some(full()));

    // A planned date from today on is taken, and the county's list shows it.
    let planned = Readiness {
        link: Link::FibrePlanned,
        fibre_planned_on: Some(date("1404/12/20")),
        ready: false,
        ..full()
    };
    store
        .declare_readiness(&election, &codes[1], &planned, &by)
        .await
        .unwrap();
    let list = store.readiness(&election, Some("05")).await.unwrap();
    assert_eq!(
        list.iter().map(|s| s.station.clone()).collect::<Vec<_>>(),
        codes
    );
    assert!(list
        .iter()
        .all(|s| s.county == "05" && !s.council_name.is_empty()));
    let second = list.iter().find(|s| s.station == codes[1]).unwrap();
    assert_eq!(
        second.declared.as_ref().map(|d| d.readiness.clone()),
        Some(planned)
    );
    let province = store.readiness(&election, None).await.unwrap();
    let open = data.stations.iter().filter(|s| !s.closed).count();
    assert_eq!(province.len(), open);
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn readiness_files_are_all_or_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let ours = stations_of(&data, "05");
    let theirs = stations_of(&data, "06");
    let by = governor();
    // A known start, whatever the demo declared: nothing but «no link».
    for code in ours.iter().take(3).chain(theirs.iter().take(1)) {
        store
            .declare_readiness(&election, code, &Readiness::default(), &by)
            .await
            .unwrap();
    }
    let before = store.readiness(&election, Some("05")).await.unwrap();
    let head = audit_head(&store).await;

    let text = format!(
        "station,link,fibre_planned_on\n{},fibre,\n{},fibre_planned,1404/12/25\n{},sim,\n{},satellite-free,\n",
        ours[0], ours[1], theirs[0], ours[2]
    );
    // The bad link is the parser's; the other county's station is the store's.
    assert!(readiness_from_csv(&text).is_err());
    let text = format!(
        "station,link,fibre_planned_on\n{},fibre,\n{},fibre_planned,1404/12/25\n{},sim,\n0599999,sim,\n",
        ours[0], ours[1], theirs[0]
    );
    let rows = readiness_from_csv(&text).unwrap();
    let refused = store
        .import_readiness(&election, &rows, Some("05"), &by)
        .await;
    let Err(StoreError::Refused(StoreRefusal::Rows(errors))) = refused else {
        panic!("expected the rows refused, got {refused:?}");
    };
    assert_eq!(
        errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![4, 5]
    );
    assert_eq!(audit_head(&store).await, head);
    assert_eq!(
        store.readiness(&election, Some("05")).await.unwrap(),
        before
    );

    // Without the bad rows: every station written, one audit record.
    let good = readiness_from_csv(&format!(
        "station,link,fibre_planned_on,cctv_installed\n{},fibre,,true\n{},fibre_planned,1404/12/25,\n",
        ours[0], ours[1]
    ))
    .unwrap();
    let written = store
        .import_readiness(&election, &good, Some("05"), &by)
        .await
        .unwrap();
    assert_eq!(written, 2);
    assert_eq!(audit_head(&store).await, head + 1);
    let first = store
        .station_readiness(&election, &ours[0])
        .await
        .unwrap()
        .and_then(|s| s.declared)
        .unwrap();
    assert_eq!(first.readiness.link, Link::FibreConnected);
    assert!(first.readiness.cctv_installed);
    // The same file again changes nothing, and says so.
    let again = store
        .import_readiness(&election, &good, Some("05"), &by)
        .await
        .unwrap();
    assert_eq!(again, 0);
    // The province HQ's file may name any county's station.
    let hq = readiness_from_csv(&format!("station,link\n{},sim\n", theirs[0])).unwrap();
    assert_eq!(
        store
            .import_readiness(&election, &hq, None, &by)
            .await
            .unwrap(),
        1
    );
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn weights_and_milestones_belong_to_the_election(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let by = governor();
    assert_eq!(
        store.readiness_weights(&election).await.unwrap(),
        Weights::default()
    );
    let head = audit_head(&store).await;
    let weights = Weights {
        link: 50,
        step_free: 0,
        ..Weights::default()
    };
    store
        .set_readiness_weights(&election, &weights, &by)
        .await
        .unwrap();
    assert_eq!(store.readiness_weights(&election).await.unwrap(), weights);
    let bad = Weights {
        link: 500,
        ..weights
    };
    assert_eq!(
        readiness_refusal(store.set_readiness_weights(&election, &bad, &by).await).code(),
        "invalid_weights"
    );
    assert_eq!(audit_head(&store).await, head + 1);

    // The fibre deadline marked done; a new milestone added last, with its owner.
    let mut election_row = store.election(Some(&election)).await.unwrap().unwrap();
    let mut fibre = election_row
        .milestones
        .iter()
        .find(|m| m.key == domain::readiness::FIBRE_DEADLINE)
        .unwrap()
        .clone();
    assert_eq!(fibre.owner, Some(Role::CountyGovernor));
    fibre.done_at = Some(by.at);
    store.set_milestone(&election, &fibre, &by).await.unwrap();
    let council = domain::election::Milestone {
        key: "security_council_review".into(),
        name: "بازبینی نهایی در شورای تأمین".into(),
        starts_at: domain::calendar::parse_instant("1405/02/05 08:00").unwrap(),
        ends_at: domain::calendar::parse_instant("1405/02/06 14:00").unwrap(),
        owner: Some(Role::CountyGovernor),
        done_at: None,
    };
    store.set_milestone(&election, &council, &by).await.unwrap();
    let reversed = domain::election::Milestone {
        ends_at: council.starts_at,
        starts_at: council.ends_at,
        ..council.clone()
    };
    assert!(matches!(
        store.set_milestone(&election, &reversed, &by).await,
        Err(StoreError::Refused(StoreRefusal::Timeline(_)))
    ));
    assert!(matches!(
        store.set_milestone("no-such-election", &council, &by).await,
        Err(StoreError::NotFound { .. })
    ));
    let before = election_row.milestones.len();
    election_row = store.election(Some(&election)).await.unwrap().unwrap();
    assert_eq!(election_row.milestones.len(), before + 1);
    assert_eq!(election_row.milestones.last(), Some(&council));
    let stored_fibre = election_row
        .milestones
        .iter()
        .find(|m| m.key == fibre.key)
        .unwrap();
    assert_eq!(stored_fibre, &fibre);
    assert_eq!(audit_head(&store).await, head + 3);
    assert_chain(&store, audit_head(&store).await).await;
}

/// Issue 16: a sensitive station without an approved security plan cannot be marked ready;
/// read in the declaration's own transaction, and shown on the lists.
pub async fn a_sensitive_station_without_an_approved_plan_is_not_marked_ready(
    store: Arc<dyn Store>,
) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let sensitive: std::collections::HashSet<&str> = data
        .sensitive_stations
        .iter()
        .map(|s| s.station.as_str())
        .collect();
    let station = stations_of(&data, "05")
        .into_iter()
        .find(|s| !sensitive.contains(s.as_str()))
        .unwrap();
    let by = governor();
    store
        .flag_station(&station, &["border_area".into()], "نزدیک مرز", &by)
        .await
        .unwrap();
    let head = audit_head(&store).await;
    assert_eq!(
        readiness_refusal(
            store
                .declare_readiness(&election, &station, &full(), &by)
                .await
        ),
        ReadinessRefusal::SecurityPlanNotApproved
    );
    assert_eq!(audit_head(&store).await, head, "nothing written");
    let listed = store.readiness(&election, Some("05")).await.unwrap();
    let row = listed.iter().find(|s| s.station == station).unwrap();
    assert!(row.sensitive && !row.plan_approved);
    assert!(row.security().needs_plan());
    // Not marking it ready is recorded; once it is no longer sensitive, it may be.
    let unready = Readiness {
        ready: false,
        ..full()
    };
    store
        .declare_readiness(&election, &station, &unready, &by)
        .await
        .unwrap();
    store.unflag_station(&station, &by).await.unwrap();
    store
        .declare_readiness(&election, &station, &full(), &by)
        .await
        .unwrap();
    assert_chain(&store, audit_head(&store).await).await;
}
