//! The conformance suite: every backend runs each case against a fresh, empty store.
//!
//! ```text
//! store::conformance_suite!(|| async { Arc::new(Sqlite::connect(&temp_url()).await.unwrap()) as Arc<dyn Store> });
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc
)] // test support: a failed case panics

use crate::{
    verify_audit, Actor, AuditFilter, CouncilFilter, CountyFilter, NewSession, NewUser,
    PageRequest, StationFilter, Store, StoreError,
};
use domain::access::{Role, Scope};
use domain::demo::{kerman, DemoData, DemoOptions};
use domain::election::{CouncilKind, SeatTable};
use std::sync::Arc;
use time::macros::datetime;

/// Expands to one `#[tokio::test]` per case; `$fresh` is a closure returning a future of a
/// fresh `Arc<dyn Store>`.
#[macro_export]
macro_rules! conformance_suite {
    ($fresh:expr) => {
        $crate::conformance_suite!(@cases $fresh;
            empty_store_then_province_loads,
            a_province_seed_loads_and_stations_follow,
            election_round_trips,
            councils_filter_sort_and_paginate,
            stations_filter_and_paginate,
            people_are_found_by_national_id,
            usernames_are_unique,
            sessions_expire_and_end,
            audit_log_filters_and_pages,
            seat_table_edit_recomputes_seats,
            concurrent_writes_keep_one_chain,
            stations_are_created_updated_and_closed,
            mobile_routes_round_trip_and_filter,
            station_import_is_all_or_nothing,
            station_filters_and_sorts,
            people_are_created_searched_and_imported,
            staffing_rules_refuse_and_write_nothing,
            relatives_of_candidates_are_refused_both_ways,
            concurrent_requests_never_make_two_inspectors,
            demo_staffing_loads_and_coverage_adds_up,
            boards_are_formed_within_their_sizes,
            meetings_round_trip,
            demo_boards_load,
            later_candidacies_show_as_conflicts,
            the_roll_is_imported_and_replaced_whole,
            a_bad_roll_changes_nothing,
            a_station_day_runs_from_opening_to_close,
            checkins_keep_one_person_one_vote,
            checkins_follow_the_station_day_as_it_changes,
            checkins_follow_a_replaced_roll,
            one_person_at_many_stations_at_once_checks_in_once,
            ballots_are_secret_checked_and_counted,
            turnout_adds_up_by_area_and_hour,
            registrations_are_filed_once_per_person,
            vetting_moves_files_and_records_every_step,
            registrations_filter_and_page
        );
    };
    (@cases $fresh:expr; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = ($fresh)().await;
                $crate::conformance::$case(store).await;
            }
        )*
    };
}

fn actor() -> Actor {
    Actor::new("test", datetime!(2026-01-11 05:00 UTC))
}

fn demo() -> DemoData {
    kerman(DemoOptions {
        seed: 7,
        people: 300,
    })
    .expect("demo builds")
}

async fn loaded(store: &Arc<dyn Store>) -> DemoData {
    let data = demo();
    store
        .load_demo(&data, &actor())
        .await
        .expect("province loads");
    data
}

async fn assert_chain(store: &Arc<dyn Store>, records: i64) {
    let checked = verify_audit(store.as_ref())
        .await
        .expect("scan")
        .expect("chain intact");
    assert_eq!(checked, records, "audit records");
}

pub async fn empty_store_then_province_loads(store: Arc<dyn Store>) {
    assert!(store.is_empty().await.unwrap());
    assert_chain(&store, 0).await;
    let data = loaded(&store).await;
    assert!(!store.is_empty().await.unwrap());

    let counties = store.counties(&CountyFilter::default()).await.unwrap();
    assert_eq!(counties.len(), data.counties.len());
    let sum = |f: fn(&crate::CountySummary) -> i64| counties.iter().map(f).sum::<i64>();
    let count = |pred: &dyn Fn(&domain::station::Station) -> bool| {
        data.stations.iter().filter(|s| pred(s)).count() as i64
    };
    assert_eq!(sum(|c| c.districts), data.districts.len() as i64);
    assert_eq!(sum(|c| c.cities), data.cities.len() as i64);
    assert_eq!(sum(|c| c.villages), data.villages.len() as i64);
    assert_eq!(sum(|c| c.city_councils), 85);
    assert_eq!(sum(|c| c.village_councils), 2_855);
    assert_eq!(sum(|c| c.stations), 3_003);
    assert_eq!(
        sum(|c| c.urban_stations),
        count(&|s| s.area == domain::station::Area::Urban)
    );
    assert_eq!(sum(|c| c.mobile_stations), count(&|s| s.mobile));
    let seats: i64 = data.councils.iter().map(|c| i64::from(c.main_seats)).sum();
    assert_eq!(sum(|c| c.main_seats), seats);
    assert_eq!(counties[0].county, data.counties[0]);

    let one = store
        .counties(&CountyFilter {
            county: Some("11".into()),
        })
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].county.code, "11");
    assert!(store
        .counties(&CountyFilter {
            county: Some("99".into())
        })
        .await
        .unwrap()
        .is_empty());

    assert_eq!(store.people_count().await.unwrap(), 300);
    // One load, one audit record.
    assert_chain(&store, 1).await;
    let page = store
        .audit_page(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].action, "province.load");
    assert!(page.items[0].payload.contains("\"stations\":3003"));

    // A second load is refused whole and writes nothing.
    assert!(store.load_demo(&data, &actor()).await.is_err());
    assert_chain(&store, 1).await;
}

/// A real province, without the demo: its seed alone loads, and the rest arrives through
/// each area's own operations.
pub async fn a_province_seed_loads_and_stations_follow(store: Arc<dyn Store>) {
    let data = demo();
    let seed = data.province();
    let mut broken = seed.clone();
    broken.districts[0].county_code = "99".into();
    assert!(matches!(
        store.load_province(&broken, &actor()).await,
        Err(StoreError::Refused(crate::Refusal::Invalid(_)))
    ));
    assert!(store.is_empty().await.unwrap());
    assert_chain(&store, 0).await;

    store.load_province(&seed, &actor()).await.unwrap();
    assert!(!store.is_empty().await.unwrap());
    assert_eq!(
        store.election(None).await.unwrap(),
        Some(data.election.clone())
    );
    let counties = store.counties(&CountyFilter::default()).await.unwrap();
    assert_eq!(counties.len(), seed.counties.len());
    assert_eq!(
        counties.iter().map(|c| c.villages).sum::<i64>(),
        seed.villages.len() as i64
    );
    assert_eq!(counties.iter().map(|c| c.stations).sum::<i64>(), 0);
    let councils = store
        .councils(&CouncilFilter::default(), PageRequest::new(1, 1))
        .await
        .unwrap();
    assert_eq!(councils.total, seed.councils.len() as i64);
    let page = store
        .audit_page(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items[0].action, "province.load");
    assert!(
        page.items[0]
            .payload
            .contains(&format!("\"villages\":{}", seed.villages.len())),
        "{}",
        page.items[0].payload
    );
    assert!(matches!(
        store.load_province(&seed, &actor()).await,
        Err(StoreError::Duplicate {
            entity: crate::Entity::Province,
            ..
        })
    ));
    assert!(store.load_demo(&data, &actor()).await.is_err());
    assert_chain(&store, 1).await;

    // Stations and people come after, through their own imports.
    let some: Vec<_> = data.stations.iter().take(40).cloned().collect();
    assert_eq!(store.import_stations(&some, &actor()).await.unwrap(), 40);
    assert_eq!(
        store.import_people(&data.people, &actor()).await.unwrap(),
        300
    );
    assert_eq!(
        store
            .counties(&CountyFilter::default())
            .await
            .unwrap()
            .iter()
            .map(|c| c.stations)
            .sum::<i64>(),
        40
    );
    assert_chain(&store, 3).await;
}

pub async fn election_round_trips(store: Arc<dyn Store>) {
    assert!(store.election(None).await.unwrap().is_none());
    let data = loaded(&store).await;
    let election = store.election(None).await.unwrap().expect("election");
    assert_eq!(election, data.election);
    assert_eq!(
        store.election(Some(&data.election.code)).await.unwrap(),
        Some(data.election.clone())
    );
    assert!(store.election(Some("nope")).await.unwrap().is_none());
}

pub async fn councils_filter_sort_and_paginate(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let expected: Vec<_> = data
        .councils
        .iter()
        .filter(|c| c.county_code == "11" && c.kind == CouncilKind::Village)
        .collect();
    let filter = CouncilFilter {
        county: Some("11".into()),
        kind: Some(CouncilKind::Village),
        ..Default::default()
    };
    let page = store
        .councils(&filter, PageRequest::new(2, 10))
        .await
        .unwrap();
    assert_eq!(page.total, expected.len() as i64);
    let mut codes: Vec<_> = expected.iter().map(|c| c.code.clone()).collect();
    codes.sort();
    assert_eq!(
        page.items
            .iter()
            .map(|c| c.code.clone())
            .collect::<Vec<_>>(),
        codes[10..20].to_vec()
    );
    assert_eq!(
        &page.items[0],
        *expected.iter().find(|c| c.code == codes[10]).unwrap()
    );

    let all = store
        .councils(&CouncilFilter::default(), PageRequest::new(1, 1))
        .await
        .unwrap();
    assert_eq!(all.total, data.councils.len() as i64);

    let biggest = store
        .councils(
            &CouncilFilter {
                sort: crate::Sort::descending(crate::CouncilSortKey::Population),
                ..Default::default()
            },
            PageRequest::new(1, 1),
        )
        .await
        .unwrap();
    let max = data.councils.iter().map(|c| c.population).max().unwrap();
    assert_eq!(biggest.items[0].population, max);

    let by_name = store
        .councils(
            &CouncilFilter {
                name: Some("کرمان".into()),
                kind: Some(CouncilKind::City),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(by_name
        .items
        .iter()
        .any(|c| c.name == "شورای اسلامی شهر کرمان"));
    assert!(by_name.items.iter().all(|c| c.name.contains("کرمان")));

    // The name filter is plain text on both backends: `%` and `_` match only themselves.
    for wildcard in ["%", "_", "%کرمان%"] {
        let none = store
            .councils(
                &CouncilFilter {
                    name: Some(wildcard.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 3),
            )
            .await
            .unwrap();
        assert_eq!(none.total, 0, "{wildcard:?} matched {:?}", none.items);
    }
    // Sorted by name, descending, codes breaking ties, the same on both backends.
    let by_name_desc = store
        .councils(
            &CouncilFilter {
                sort: crate::Sort::descending(crate::CouncilSortKey::Name),
                county: Some(data.counties[0].code.clone()),
                ..Default::default()
            },
            PageRequest::new(1, crate::PageRequest::MAX_PER_PAGE),
        )
        .await
        .unwrap();
    let names: Vec<&str> = by_name_desc.items.iter().map(|c| c.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);

    let one = store.council(&codes[0]).await.unwrap().expect("council");
    assert_eq!(one.code, codes[0]);
    assert!(store.council("nope").await.unwrap().is_none());
}

pub async fn stations_filter_and_paginate(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let in_county = data
        .stations
        .iter()
        .filter(|s| s.county_code == "05")
        .count() as i64;
    let page = store
        .stations(
            &StationFilter {
                county: Some("05".into()),
                ..Default::default()
            },
            PageRequest::new(1, 25),
        )
        .await
        .unwrap();
    assert_eq!(page.total, in_county);
    assert_eq!(page.items.len(), 25.min(in_county as usize));
    assert!(page.items.iter().all(|s| s.county_code == "05"));
    assert!(page.items.windows(2).all(|w| w[0].code < w[1].code));

    let sample = &data.stations[1500];
    assert_eq!(
        store.station(&sample.code).await.unwrap().as_ref(),
        Some(sample)
    );
    let only = store
        .stations(
            &StationFilter {
                station: Some(sample.code.clone()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(only.total, 1);
    let of_council = store
        .stations(
            &StationFilter {
                council: Some(sample.council_code.clone()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(of_council.items.contains(sample));
    let past_end = store
        .stations(&StationFilter::default(), PageRequest::new(10_000, 50))
        .await
        .unwrap();
    assert!(past_end.items.is_empty());
    assert_eq!(past_end.total, 3_003);
}

pub async fn people_are_found_by_national_id(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let p = &data.people[42];
    assert_eq!(
        store.person(p.national_id.as_str()).await.unwrap().as_ref(),
        Some(p)
    );
    assert!(
        store.person("0018465986").await.unwrap().is_none()
            || data
                .people
                .iter()
                .any(|q| q.national_id.as_str() == "0018465986")
    );
}

fn new_user(name: &str, role: Role, scope: Scope) -> NewUser {
    NewUser {
        username: name.into(),
        password_hash: format!("hash-of-{name}"),
        role,
        scope,
    }
}

pub async fn usernames_are_unique(store: Arc<dyn Store>) {
    let user = new_user(
        "gov",
        Role::CountyGovernor,
        Scope::County {
            county: "11".into(),
        },
    );
    store.create_user(&user, &actor()).await.unwrap();
    let again = store
        .create_user(&new_user("gov", Role::Observer, Scope::Province), &actor())
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { entity: crate::Entity::User, ref key }) if key == "gov"),
        "{again:?}"
    );
    assert_chain(&store, 1).await;
    let read = store.user("gov").await.unwrap().expect("user");
    assert_eq!(
        (read.role, read.scope, read.password_hash),
        (user.role, user.scope, user.password_hash)
    );
    let staff = new_user(
        "st",
        Role::StationStaff,
        Scope::Station {
            county: "11".into(),
            station: "1100001".into(),
        },
    );
    store.create_user(&staff, &actor()).await.unwrap();
    assert_eq!(store.user("st").await.unwrap().unwrap().scope, staff.scope);
    assert_eq!(store.users().await.unwrap().len(), 2);
    assert!(store.user("nobody").await.unwrap().is_none());
    // The audit payload never carries the password hash.
    let page = store
        .audit_page(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.iter().all(|r| !r.payload.contains("hash-of")));
}

pub async fn sessions_expire_and_end(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("hq", Role::ProvinceHq, Scope::Province), &actor())
        .await
        .unwrap();
    let now = actor().at_us();
    let session = NewSession {
        token_hash: "t1".into(),
        username: "hq".into(),
        csrf_token: "c1".into(),
        expires_at_us: now + 1_000_000,
    };
    store.create_session(&session, &actor()).await.unwrap();
    let (s, u) = store
        .session("t1", now)
        .await
        .unwrap()
        .expect("live session");
    assert_eq!(
        (s.csrf_token.as_str(), u.username.as_str(), u.role),
        ("c1", "hq", Role::ProvinceHq)
    );
    assert!(
        store
            .session("t1", now + 1_000_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store.session("other", now).await.unwrap().is_none());
    store.delete_session("t1", &actor()).await.unwrap();
    assert!(store.session("t1", now).await.unwrap().is_none());
    // A later login clears the user's expired sessions.
    let short = NewSession {
        token_hash: "t3".into(),
        username: "hq".into(),
        csrf_token: "c3".into(),
        expires_at_us: now + 10,
    };
    store.create_session(&short, &actor()).await.unwrap();
    let later = Actor::new("hq", actor().at + time::Duration::seconds(1));
    let fresh = NewSession {
        token_hash: "t4".into(),
        username: "hq".into(),
        csrf_token: "c4".into(),
        expires_at_us: now + 100_000_000,
    };
    store.create_session(&fresh, &later).await.unwrap();
    assert!(
        store.session("t3", now).await.unwrap().is_none(),
        "expired session removed"
    );
    assert!(store.session("t4", now).await.unwrap().is_some());
    store.delete_session("t1", &actor()).await.unwrap();
    // A session for a user that does not exist is refused.
    let orphan = NewSession {
        token_hash: "t2".into(),
        username: "ghost".into(),
        csrf_token: "c".into(),
        expires_at_us: now + 1,
    };
    assert!(store.create_session(&orphan, &actor()).await.is_err());
    let actions: Vec<String> = store
        .audit_page(
            &AuditFilter {
                action: Some("auth.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions,
        vec!["auth.login", "auth.login", "auth.logout", "auth.login"]
    );
    assert_chain(&store, 5).await;
}

pub async fn audit_log_filters_and_pages(store: Arc<dyn Store>) {
    for i in 0..12 {
        let by = Actor::new(
            if i % 2 == 0 { "alice" } else { "bob" },
            datetime!(2026-01-11 05:00 UTC) + time::Duration::minutes(i),
        );
        store
            .create_user(
                &new_user(&format!("u{i}"), Role::Observer, Scope::Province),
                &by,
            )
            .await
            .unwrap();
    }
    let all = store
        .audit_page(&AuditFilter::default(), PageRequest::new(1, 5))
        .await
        .unwrap();
    assert_eq!((all.total, all.items.len()), (12, 5));
    assert!(
        all.items.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    let second = store
        .audit_page(&AuditFilter::default(), PageRequest::new(3, 5))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    let alice = store
        .audit_page(
            &AuditFilter {
                actor: Some("alice".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(alice.total, 6);
    assert!(alice.items.iter().all(|r| r.actor == "alice"));
    let entity = store
        .audit_page(
            &AuditFilter {
                entity: Some("user/u3".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(entity.total, 1);
    let from = datetime!(2026-01-11 05:03 UTC);
    let window = AuditFilter {
        from_us: Some(domain::clock::to_micros(from)),
        to_us: Some(domain::clock::to_micros(from + time::Duration::minutes(2))),
        ..Default::default()
    };
    let ranged = store
        .audit_page(&window, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(ranged.total, 3, "minutes 3, 4 and 5 inclusive");
    let none = store
        .audit_page(
            &AuditFilter {
                action: Some("nothing.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    let scanned = store.audit_scan(4, 3).await.unwrap();
    assert_eq!(
        scanned.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![5, 6, 7]
    );
    assert_chain(&store, 12).await;
}

pub async fn seat_table_edit_recomputes_seats(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let mut table = SeatTable::law_default();
    table.village[0].max_population = Some(1_000);
    let expected = data
        .councils
        .iter()
        .filter(|c| c.kind == CouncilKind::Village && c.population > 1_000 && c.population <= 1_500)
        .count();
    let changed = store
        .set_seat_table(&data.election.code, &table, &actor())
        .await
        .unwrap();
    assert_eq!(changed, expected as u64);
    assert_eq!(
        store.election(None).await.unwrap().unwrap().seat_table,
        table
    );
    let sample = data
        .councils
        .iter()
        .find(|c| c.kind == CouncilKind::Village && c.population > 1_000 && c.population <= 1_500)
        .unwrap();
    assert_eq!(
        store
            .council(&sample.code)
            .await
            .unwrap()
            .unwrap()
            .main_seats,
        5
    );

    let mut broken = SeatTable::law_default();
    broken.city.clear();
    assert!(matches!(
        store
            .set_seat_table(&data.election.code, &broken, &actor())
            .await,
        Err(StoreError::Refused(crate::Refusal::Invalid(
            domain::DomainError::InvalidSeatTable(_)
        )))
    ));
    assert!(matches!(
        store.set_seat_table("nope", &table, &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        store.election(None).await.unwrap().unwrap().seat_table,
        table,
        "refusals change nothing"
    );
    assert_chain(&store, 2).await;
}

pub async fn concurrent_writes_keep_one_chain(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_user(
                    &new_user(&format!("c{i}"), Role::Observer, Scope::Province),
                    &actor(),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_chain(&store, 24).await;
}

// ---- stations, people, staffing -------------------------------------------------------------

use domain::ids::NationalId;
use domain::person::{Education, Gender, Person, Relation, Relative};
use domain::staffing::{Post, Refusal};
use domain::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};

fn new_station(data: &DemoData, code: &str, county: &str) -> Station {
    let council = data
        .councils
        .iter()
        .find(|c| c.county_code == county && c.kind == CouncilKind::City)
        .unwrap();
    Station {
        code: code.into(),
        election_code: data.election.code.clone(),
        county_code: county.into(),
        council_code: council.code.clone(),
        name: "شعبه آزمایشی — مدرسه نمونه".into(),
        area: Area::Urban,
        mobile: false,
        hard_to_reach: false,
        expected_voters: 640,
        address: "خیابان شهید باهنر، کوچه ۱۲".into(),
        postal_code: Some(domain::ids::PostalCode::parse("7617845678").unwrap()),
        location: Some(GeoPoint {
            lat: 30.28321,
            lon: 57.07881,
        }),
        facilities: Facilities {
            evoting_devices: 3,
            identity_devices: 2,
            power_backup: true,
            cctv: true,
            link: LinkType::Fibre,
        },
        route: Vec::new(),
        closed: false,
    }
}

async fn audit_head(store: &Arc<dyn Store>) -> i64 {
    store.audit_head().await.unwrap().0
}

pub async fn stations_are_created_updated_and_closed(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let station = new_station(&data, "1199001", "11");
    let before = audit_head(&store).await;
    store.create_station(&station, &actor()).await.unwrap();
    assert_eq!(
        store.station("1199001").await.unwrap(),
        Some(station.clone())
    );
    assert!(matches!(
        store.create_station(&station, &actor()).await,
        Err(StoreError::Duplicate { entity: crate::Entity::Station, ref key }) if *key == station.code
    ));

    // A council of another county is refused, and so is an unknown one.
    let mut foreign = new_station(&data, "1199002", "11");
    foreign.council_code = data
        .councils
        .iter()
        .find(|c| c.county_code == "05")
        .unwrap()
        .code
        .clone();
    assert!(matches!(
        store.create_station(&foreign, &actor()).await,
        Err(StoreError::Refused(crate::Refusal::Station {
            station: None,
            problem: crate::StationProblem::CouncilElsewhere { .. }
        }))
    ));
    foreign.council_code = "nope".into();
    assert!(matches!(
        store.create_station(&foreign, &actor()).await,
        Err(StoreError::Refused(crate::Refusal::Station {
            station: None,
            problem: crate::StationProblem::UnknownCouncil { ref council }
        })) if council == "nope"
    ));
    assert!(store.station("1199002").await.unwrap().is_none());
    assert_eq!(audit_head(&store).await, before + 1);

    let mut changed = station.clone();
    changed.name = "شعبه آزمایشی — حسینیه".into();
    changed.facilities.link = LinkType::Sim;
    changed.location = None;
    changed.postal_code = None;
    changed.closed = true;
    store.update_station(&changed, &actor()).await.unwrap();
    assert_eq!(
        store.station("1199001").await.unwrap(),
        Some(changed.clone())
    );
    let mut ghost = changed.clone();
    ghost.code = "1199009".into();
    assert!(matches!(
        store.update_station(&ghost, &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, before + 2);
    let page = store
        .audit_page(
            &AuditFilter {
                entity: Some("station/1199001".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        vec!["station.update", "station.create"]
    );
}

pub async fn mobile_routes_round_trip_and_filter(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let demo_mobile = data
        .stations
        .iter()
        .find(|s| s.mobile && s.route.len() >= 2)
        .expect("a mobile station with a route");
    assert_eq!(
        store.station(&demo_mobile.code).await.unwrap().as_ref(),
        Some(demo_mobile),
        "routes load with the province"
    );
    let second_stop = &demo_mobile.route[1].council;
    let serving = store
        .stations(
            &StationFilter {
                council: Some(second_stop.clone()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(
        serving.items.iter().any(|s| s.code == demo_mobile.code),
        "found by a route stop"
    );

    let villages: Vec<_> = data
        .councils
        .iter()
        .filter(|c| c.county_code == "11" && c.kind == CouncilKind::Village)
        .take(3)
        .collect();
    let day = datetime!(2026-05-01 04:30 UTC);
    let mut station = new_station(&data, "1199010", "11");
    station.area = Area::Rural;
    station.mobile = true;
    station.council_code = villages[0].code.clone();
    station.route = villages
        .iter()
        .enumerate()
        .map(|(i, v)| RouteStop {
            council: v.code.clone(),
            arrives_at: day + time::Duration::hours(3 * i as i64),
            leaves_at: day + time::Duration::hours(3 * i as i64 + 3),
        })
        .collect();
    store.create_station(&station, &actor()).await.unwrap();
    assert_eq!(
        store.station("1199010").await.unwrap(),
        Some(station.clone())
    );
    // A shorter route replaces the longer one whole.
    station.route.truncate(1);
    store.update_station(&station, &actor()).await.unwrap();
    assert_eq!(
        store.station("1199010").await.unwrap().unwrap().route.len(),
        1
    );
    // A stop in another county is refused.
    let mut bad = station.clone();
    bad.route[0].council.clone_from(
        &data
            .councils
            .iter()
            .find(|c| c.county_code == "05" && c.kind == CouncilKind::Village)
            .unwrap()
            .code,
    );
    assert!(matches!(
        store.update_station(&bad, &actor()).await,
        Err(StoreError::Refused(crate::Refusal::Station {
            station: None,
            ..
        }))
    ));
    assert_eq!(store.station("1199010").await.unwrap(), Some(station));
}

pub async fn station_import_is_all_or_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let mut existing = data
        .stations
        .iter()
        .find(|s| s.county_code == "11" && !s.mobile)
        .unwrap()
        .clone();
    existing.name = "نام تازه از فایل".into();
    let batch = vec![
        existing.clone(),
        new_station(&data, "1199101", "11"),
        new_station(&data, "1199102", "11"),
    ];
    let before = audit_head(&store).await;
    assert_eq!(store.import_stations(&batch, &actor()).await.unwrap(), 3);
    assert_eq!(
        store.station(&existing.code).await.unwrap().unwrap().name,
        "نام تازه از فایل"
    );
    assert!(store.station("1199102").await.unwrap().is_some());
    assert_eq!(
        audit_head(&store).await,
        before + 1,
        "one audit record per import"
    );

    let mut broken = vec![new_station(&data, "1199103", "11"), existing.clone()];
    broken[1].name = "نباید نوشته شود".into();
    let mut bad = new_station(&data, "1199104", "11");
    bad.council_code = "nope".into();
    broken.push(bad);
    assert!(store.import_stations(&broken, &actor()).await.is_err());
    assert!(
        store.station("1199103").await.unwrap().is_none(),
        "nothing of a failed import is written"
    );
    assert_eq!(
        store.station(&existing.code).await.unwrap().unwrap().name,
        "نام تازه از فایل"
    );
    assert_eq!(audit_head(&store).await, before + 1);
}

pub async fn station_filters_and_sorts(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let count = |f: &dyn Fn(&Station) -> bool| data.stations.iter().filter(|s| f(s)).count() as i64;
    let total = |filter: StationFilter| {
        let store = store.clone();
        async move {
            store
                .stations(&filter, PageRequest::new(1, 5))
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(
        total(StationFilter {
            area: Some(Area::Rural),
            ..Default::default()
        })
        .await,
        count(&|s| s.area == Area::Rural)
    );
    assert_eq!(
        total(StationFilter {
            mobile: Some(true),
            county: Some("11".into()),
            ..Default::default()
        })
        .await,
        count(&|s| s.mobile && s.county_code == "11")
    );
    assert_eq!(
        total(StationFilter {
            closed: Some(false),
            ..Default::default()
        })
        .await,
        3_003
    );
    assert_eq!(
        total(StationFilter {
            name: Some("سیار".into()),
            ..Default::default()
        })
        .await,
        count(&|s| s.name.contains("سیار"))
    );
    let biggest = store
        .stations(
            &StationFilter {
                sort: crate::Sort::descending(crate::StationSortKey::ExpectedVoters),
                ..Default::default()
            },
            PageRequest::new(1, 1),
        )
        .await
        .unwrap();
    assert_eq!(
        biggest.items[0].expected_voters,
        data.stations
            .iter()
            .map(|s| s.expected_voters)
            .max()
            .unwrap()
    );
    for wildcard in ["%", "_"] {
        let none = store
            .stations(
                &StationFilter {
                    name: Some(wildcard.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 2),
            )
            .await
            .unwrap();
        assert_eq!(none.total, 0, "{wildcard:?} is plain text");
    }
}

fn person(id: &str, last: &str, birth: time::Date) -> Person {
    Person {
        national_id: NationalId::parse(id).unwrap(),
        first_name: "مریم".into(),
        last_name: last.into(),
        father_name: "حسن".into(),
        gender: Gender::Female,
        birth_date: birth,
        mobile: None,
        education: Some(Education::Bachelor),
        sitting_council_member: false,
        relatives: Vec::new(),
    }
}

/// A valid national id not in the demo (synthetic people start at 001000000x).
fn fresh_id(n: u32) -> String {
    NationalId::with_check_digit(n).unwrap().as_str().to_owned()
}

pub async fn people_are_created_searched_and_imported(store: Arc<dyn Store>) {
    loaded(&store).await;
    let mut p = person(
        &fresh_id(101),
        "باستانی‌پاریزی",
        time::macros::date!(1975 - 03 - 02),
    );
    p.relatives = vec![Relative {
        national_id: NationalId::parse(&fresh_id(102)).unwrap(),
        relation: Relation::Sibling,
    }];
    p.mobile = Some(domain::ids::MobileNumber::parse("09131234567").unwrap());
    let before = audit_head(&store).await;
    store.create_person(&p, &actor()).await.unwrap();
    assert_eq!(
        store.person(p.national_id.as_str()).await.unwrap(),
        Some(p.clone())
    );
    let dup = store.create_person(&p, &actor()).await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Duplicate {
                entity: crate::Entity::Person,
                ..
            })
        ),
        "{dup:?}"
    );
    assert_eq!(audit_head(&store).await, before + 1);

    let by_name = store
        .search_people("باستانی", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(by_name.total, 1);
    assert_eq!(by_name.items[0], p);
    let by_id = store
        .search_people(&p.national_id.as_str()[..6], PageRequest::default())
        .await
        .unwrap();
    assert!(by_id.items.iter().any(|q| q.national_id == p.national_id));
    assert!(by_id.items.iter().all(|q| q
        .national_id
        .as_str()
        .starts_with(&p.national_id.as_str()[..6])));

    let batch = vec![
        person(&fresh_id(103), "الف", time::macros::date!(1990 - 01 - 01)),
        person(&fresh_id(104), "ب", time::macros::date!(1991 - 01 - 01)),
    ];
    assert_eq!(store.import_people(&batch, &actor()).await.unwrap(), 2);
    let bad_batch = vec![
        person(&fresh_id(105), "پ", time::macros::date!(1990 - 01 - 01)),
        p.clone(),
    ];
    assert!(store.import_people(&bad_batch, &actor()).await.is_err());
    assert!(
        store.person(&fresh_id(105)).await.unwrap().is_none(),
        "all or nothing"
    );
    assert_eq!(audit_head(&store).await, before + 2);
}

async fn clean_people(store: &Arc<dyn Store>, from: u32, n: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = fresh_id(from + i);
        store
            .create_person(
                &person(&id, "آزمون", time::macros::date!(1985 - 06 - 15)),
                &actor(),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

fn refusal(r: StoreResult<crate::StaffAssignment>) -> Refusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Staffing(refusal))) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

use crate::StoreResult;

pub async fn staffing_rules_refuse_and_write_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let staffed: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    let mut free = data
        .stations
        .iter()
        .filter(|s| s.county_code == "11" && !staffed.contains(s.code.as_str()));
    let a = free.next().unwrap().clone();
    let b = free
        .find(|s| s.council_code != a.council_code)
        .unwrap()
        .clone();
    let ids = clean_people(&store, 200, 6).await;
    let before = audit_head(&store).await;

    let held = store
        .assign_post(&a.code, Post::Head, &ids[0], &actor())
        .await
        .unwrap();
    assert_eq!(
        (held.station.as_str(), held.post, held.national_id.as_str()),
        (a.code.as_str(), Post::Head, ids[0].as_str())
    );
    assert_eq!(held.last_name, "آزمون");
    assert_eq!(audit_head(&store).await, before + 1);
    // The same assignment again changes nothing and records nothing.
    store
        .assign_post(&a.code, Post::Head, &ids[0], &actor())
        .await
        .unwrap();
    assert_eq!(audit_head(&store).await, before + 1);

    assert!(matches!(
        refusal(
            store
                .assign_post(&a.code, Post::Head, &ids[1], &actor())
                .await
        ),
        Refusal::PostTaken { .. }
    ));
    assert!(matches!(
        refusal(
            store
                .assign_post(&b.code, Post::Member1, &ids[0], &actor())
                .await
        ),
        Refusal::AlreadyServing { .. }
    ));
    assert!(matches!(
        refusal(
            store
                .assign_post(&b.code, Post::Inspector, &ids[0], &actor())
                .await
        ),
        Refusal::InspectorIsStaff { .. }
    ));

    let young = fresh_id(300);
    store
        .create_person(
            &person(&young, "جوان", time::macros::date!(2008 - 06 - 01)),
            &actor(),
        )
        .await
        .unwrap();
    assert!(matches!(
        refusal(
            store
                .assign_post(&b.code, Post::Member2, &young, &actor())
                .await
        ),
        Refusal::Underage { age: 17 }
    ));

    let mut sitting = person(
        &fresh_id(301),
        "عضو شورا",
        time::macros::date!(1970 - 01 - 01),
    );
    sitting.sitting_council_member = true;
    store.create_person(&sitting, &actor()).await.unwrap();
    assert_eq!(
        refusal(
            store
                .assign_post(
                    &b.code,
                    Post::GovernorRep,
                    sitting.national_id.as_str(),
                    &actor()
                )
                .await
        ),
        Refusal::SittingCouncilMember
    );

    store
        .add_candidate(&data.election.code, &b.council_code, &ids[2], &actor())
        .await
        .unwrap();
    assert_eq!(
        refusal(
            store
                .assign_post(&b.code, Post::Head, &ids[2], &actor())
                .await
        ),
        Refusal::Candidate
    );
    // A candidate elsewhere may serve here.
    store
        .assign_post(&a.code, Post::Secretary1, &ids[2], &actor())
        .await
        .unwrap();

    let mut closed = b.clone();
    closed.closed = true;
    store.update_station(&closed, &actor()).await.unwrap();
    assert_eq!(
        refusal(
            store
                .assign_post(&b.code, Post::Head, &ids[3], &actor())
                .await
        ),
        Refusal::StationClosed
    );

    assert!(matches!(
        store
            .assign_post("0000000", Post::Head, &ids[3], &actor())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .assign_post(&a.code, Post::Member2, &fresh_id(999), &actor())
            .await,
        Err(StoreError::NotFound { .. })
    ));

    let after_refusals = audit_head(&store).await;
    let staff = store.station_staff(&a.code).await.unwrap();
    assert_eq!(
        staff.iter().map(|s| s.post).collect::<Vec<_>>(),
        vec![Post::Head, Post::Secretary1]
    );
    // Undo: the post is freed, the holder returned, the change audited.
    let freed = store
        .unassign_post(&a.code, Post::Head, &actor())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(freed.national_id, ids[0]);
    assert_eq!(audit_head(&store).await, after_refusals + 1);
    assert!(store
        .unassign_post(&a.code, Post::Head, &actor())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        audit_head(&store).await,
        after_refusals + 1,
        "freeing a vacant post records nothing"
    );
    // Now the first person may serve elsewhere.
    store
        .assign_post(&a.code, Post::Inspector, &ids[0], &actor())
        .await
        .unwrap();
    let actions: Vec<String> = store
        .audit_page(
            &AuditFilter {
                action: Some("staff.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions.first().map(String::as_str), Some("staff.assign"));
    assert!(actions.contains(&"staff.unassign".to_owned()));
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn relatives_of_candidates_are_refused_both_ways(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let staffed: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    let station = data
        .stations
        .iter()
        .find(|s| s.county_code == "11" && !staffed.contains(s.code.as_str()))
        .unwrap();
    let candidate = fresh_id(400);
    store
        .create_person(
            &person(&candidate, "نامزد", time::macros::date!(1970 - 01 - 01)),
            &actor(),
        )
        .await
        .unwrap();
    store
        .add_candidate(
            &data.election.code,
            &station.council_code,
            &candidate,
            &actor(),
        )
        .await
        .unwrap();

    // The would-be staff member declares the candidate as a sibling.
    let mut declares = person(&fresh_id(401), "خواهر", time::macros::date!(1972 - 01 - 01));
    declares.relatives = vec![Relative {
        national_id: NationalId::parse(&candidate).unwrap(),
        relation: Relation::Sibling,
    }];
    store.create_person(&declares, &actor()).await.unwrap();
    let r = refusal(
        store
            .assign_post(
                &station.code,
                Post::Head,
                declares.national_id.as_str(),
                &actor(),
            )
            .await,
    );
    assert_eq!(
        r,
        Refusal::CandidateRelative {
            relative: NationalId::parse(&candidate).unwrap()
        }
    );

    // The candidate's own record declares the would-be staff member.
    let spouse = fresh_id(402);
    let candidate2 = fresh_id(403);
    store
        .create_person(
            &person(&spouse, "همسر", time::macros::date!(1972 - 01 - 01)),
            &actor(),
        )
        .await
        .unwrap();
    let mut c2 = person(
        &candidate2,
        "نامزد دوم",
        time::macros::date!(1970 - 01 - 01),
    );
    c2.relatives = vec![Relative {
        national_id: NationalId::parse(&spouse).unwrap(),
        relation: Relation::Spouse,
    }];
    store.create_person(&c2, &actor()).await.unwrap();
    store
        .add_candidate(
            &data.election.code,
            &station.council_code,
            &candidate2,
            &actor(),
        )
        .await
        .unwrap();
    let r = refusal(
        store
            .assign_post(&station.code, Post::Member1, &spouse, &actor())
            .await,
    );
    assert_eq!(
        r,
        Refusal::CandidateRelative {
            relative: NationalId::parse(&candidate2).unwrap()
        }
    );
    assert!(store.station_staff(&station.code).await.unwrap().is_empty());
}

pub async fn concurrent_requests_never_make_two_inspectors(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let staffed: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    let station = data
        .stations
        .iter()
        .find(|s| !staffed.contains(s.code.as_str()))
        .unwrap()
        .code
        .clone();
    let ids = clean_people(&store, 500, 8).await;
    let before = audit_head(&store).await;
    let mut tasks = Vec::new();
    for id in ids {
        let store = store.clone();
        let station = station.clone();
        tasks.push(tokio::spawn(async move {
            store
                .assign_post(&station, Post::Inspector, &id, &actor())
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(StoreError::Refused(crate::Refusal::Staffing(Refusal::PostTaken { .. }))) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    let staff = store.station_staff(&station).await.unwrap();
    assert_eq!(
        staff.iter().filter(|s| s.post == Post::Inspector).count(),
        1
    );
    assert_eq!(audit_head(&store).await, before + 1);
    assert_chain(&store, before + 1).await;
}

pub async fn demo_staffing_loads_and_coverage_adds_up(store: Arc<dyn Store>) {
    let data = kerman(DemoOptions {
        seed: 7,
        people: 3_000,
    })
    .unwrap();
    store.load_demo(&data, &actor()).await.unwrap();
    let coverage = store.coverage(None).await.unwrap();
    assert_eq!(coverage.len(), 25);
    assert_eq!(coverage.iter().map(|c| c.stations).sum::<i64>(), 3_003);
    assert_eq!(
        coverage.iter().map(|c| c.assignments).sum::<i64>(),
        data.assignments.len() as i64
    );
    assert_eq!(coverage.iter().map(|c| c.mobile).sum::<i64>(), 1_325);
    let by_station = |post: Post| data.assignments.iter().filter(|a| a.post == post).count() as i64;
    assert_eq!(
        coverage.iter().map(|c| c.with_inspector).sum::<i64>(),
        by_station(Post::Inspector)
    );
    assert_eq!(
        coverage.iter().map(|c| c.with_governor_rep).sum::<i64>(),
        by_station(Post::GovernorRep)
    );
    let mut posts_per_station: std::collections::HashMap<&str, Vec<Post>> =
        std::collections::HashMap::new();
    for a in &data.assignments {
        posts_per_station
            .entry(a.station.as_str())
            .or_default()
            .push(a.post);
    }
    let full_branch = posts_per_station
        .values()
        .filter(|p| Post::BRANCH.iter().all(|b| p.contains(b)))
        .count() as i64;
    assert_eq!(
        coverage.iter().map(|c| c.full_branch).sum::<i64>(),
        full_branch
    );
    let full = posts_per_station.values().filter(|p| p.len() == 7).count() as i64;
    assert_eq!(coverage.iter().map(|c| c.fully_staffed).sum::<i64>(), full);

    let one = store.coverage(Some("11")).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        one[0],
        coverage.iter().find(|c| c.county == "11").unwrap().clone()
    );

    let gaps = store
        .staffing_gaps("11", PageRequest::new(1, 500))
        .await
        .unwrap();
    let in_county: Vec<&Station> = data
        .stations
        .iter()
        .filter(|s| s.county_code == "11")
        .collect();
    let expected = in_county
        .iter()
        .filter(|s| {
            posts_per_station
                .get(s.code.as_str())
                .is_none_or(|p| p.len() < 7)
        })
        .count() as i64;
    assert_eq!(gaps.total, expected);
    let first = &gaps.items[0];
    let held = posts_per_station
        .get(first.station.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        first.missing,
        Post::ALL
            .iter()
            .copied()
            .filter(|p| !held.contains(p))
            .collect::<Vec<_>>()
    );
    assert!(gaps.items.windows(2).all(|w| w[0].station < w[1].station));
    assert_eq!(first.county, "11");

    let staffed = data.assignments.first().unwrap();
    let staff = store.station_staff(&staffed.station).await.unwrap();
    assert!(staff
        .iter()
        .any(|s| s.national_id == staffed.national_id.as_str() && s.post == staffed.post));
}

// ---- boards and meetings --------------------------------------------------------------------

use domain::boards::{Attendance, BoardKind, BoardRefusal, BoardRole, Decision, Meeting};

fn board_refusal(r: StoreResult<domain::boards::BoardMember>) -> BoardRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Board(refusal))) => refusal,
        other => panic!("expected a board refusal, got {other:?}"),
    }
}

pub async fn boards_are_formed_within_their_sizes(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let ids = clean_people(&store, 600, 5).await;
    let term = (
        time::macros::date!(2026 - 01 - 01),
        Some(time::macros::date!(2026 - 12 - 29)),
    );
    // A county whose inspection board the small demo left empty.
    let county = data
        .counties
        .iter()
        .rev()
        .find(|c| {
            !data
                .board_members
                .iter()
                .any(|m| m.board == format!("inspection-{}", c.code))
        })
        .unwrap()
        .code
        .clone();
    let code = format!("inspection-{county}");
    let empty = store
        .board(&code)
        .await
        .unwrap()
        .expect("every county has an inspection board");
    assert_eq!(
        (
            empty.board.kind,
            empty.board.county.as_deref(),
            empty.members.len()
        ),
        (BoardKind::CountyInspection, Some(county.as_str()), 0)
    );
    let before = audit_head(&store).await;

    let head = store
        .add_board_member(&code, &ids[0], BoardRole::Head, term, &actor())
        .await
        .unwrap();
    assert_eq!(
        (head.role, head.national_id.as_str(), head.term_end),
        (BoardRole::Head, ids[0].as_str(), term.1)
    );
    assert_eq!(head.last_name, "آزمون");
    store
        .add_board_member(&code, &ids[1], BoardRole::Member, term, &actor())
        .await
        .unwrap();
    store
        .add_board_member(&code, &ids[2], BoardRole::Member, term, &actor())
        .await
        .unwrap();
    assert_eq!(audit_head(&store).await, before + 3);
    assert_eq!(
        board_refusal(
            store
                .add_board_member(&code, &ids[3], BoardRole::Member, term, &actor())
                .await
        ),
        BoardRefusal::RoleFull {
            role: BoardRole::Member,
            seats: 2
        }
    );
    assert_eq!(
        board_refusal(
            store
                .add_board_member(&code, &ids[3], BoardRole::Trusted, term, &actor())
                .await
        )
        .code(),
        "role_not_on_board"
    );
    assert_eq!(
        board_refusal(
            store
                .add_board_member(&code, &ids[1], BoardRole::Head, term, &actor())
                .await
        )
        .code(),
        "already_member"
    );
    let backwards = (
        time::macros::date!(2026 - 02 - 01),
        Some(time::macros::date!(2026 - 01 - 01)),
    );
    assert_eq!(
        board_refusal(
            store
                .add_board_member(
                    &format!("executive-{county}"),
                    &ids[3],
                    BoardRole::Trusted,
                    backwards,
                    &actor()
                )
                .await
        )
        .code(),
        "invalid_term"
    );
    assert!(matches!(
        store
            .add_board_member("inspection-99", &ids[3], BoardRole::Head, term, &actor())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .add_board_member("nonsense", &ids[3], BoardRole::Head, term, &actor())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store
            .add_board_member(&code, &fresh_id(998), BoardRole::Head, term, &actor())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        audit_head(&store).await,
        before + 3,
        "refusals write nothing"
    );
    assert!(store.board("inspection-99").await.unwrap().is_none());

    let full = store.board(&code).await.unwrap().unwrap();
    assert_eq!(
        full.members.iter().map(|m| m.role).collect::<Vec<_>>(),
        vec![BoardRole::Head, BoardRole::Member, BoardRole::Member]
    );
    let removed = store
        .remove_board_member(&code, &ids[1], &actor())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(removed.national_id, ids[1]);
    assert!(store
        .remove_board_member(&code, &ids[1], &actor())
        .await
        .unwrap()
        .is_none());
    store
        .add_board_member(&code, &ids[3], BoardRole::Member, term, &actor())
        .await
        .unwrap();
    assert_eq!(audit_head(&store).await, before + 5);
    let county_boards = store.boards(Some(&county)).await.unwrap();
    assert_eq!(
        county_boards
            .iter()
            .map(|b| b.board.code.clone())
            .collect::<Vec<_>>(),
        vec![
            format!("inspection-{county}"),
            format!("executive-{county}")
        ]
    );
    // The province board takes five.
    let province = store.board("inspection-province").await.unwrap().unwrap();
    assert_eq!(province.board.kind, BoardKind::ProvinceInspection);
    assert!(province.board.county.is_none());
    let actions: Vec<String> = store
        .audit_page(
            &AuditFilter {
                entity: Some(format!("board/{code}")),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(
        actions.first().map(String::as_str),
        Some("board.member_add")
    );
    assert!(actions.contains(&"board.member_remove".to_owned()));
}

pub async fn meetings_round_trip(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county = data
        .counties
        .iter()
        .rev()
        .find(|c| {
            !data
                .board_members
                .iter()
                .any(|m| m.board == format!("executive-{}", c.code))
        })
        .unwrap()
        .code
        .clone();
    let code = format!("executive-{county}");
    let ids = clean_people(&store, 700, 3).await;
    let term = (time::macros::date!(2026 - 01 - 01), None);
    store
        .add_board_member(&code, &ids[0], BoardRole::Chair, term, &actor())
        .await
        .unwrap();
    store
        .add_board_member(&code, &ids[1], BoardRole::Trusted, term, &actor())
        .await
        .unwrap();
    let meeting = |day: u8, agenda: &str| Meeting {
        id: 0,
        board: code.clone(),
        held_at: datetime!(2026-01-20 06:30 UTC) + time::Duration::days(i64::from(day)),
        agenda: agenda.into(),
        minutes: "جلسه با حضور اعضا تشکیل شد.".into(),
        attendance: vec![
            Attendance {
                national_id: ids[0].clone(),
                present: true,
            },
            Attendance {
                national_id: ids[1].clone(),
                present: false,
            },
        ],
        decisions: vec![
            Decision {
                text: "فهرست معتمدان تا پایان هفته تکمیل شود.".into(),
                owner: "دبیر هیأت".into(),
                due_on: time::macros::date!(2026 - 01 - 27),
            },
            Decision {
                text: "بازدید از شعب حساس.".into(),
                owner: "فرماندار".into(),
                due_on: time::macros::date!(2026 - 02 - 03),
            },
        ],
    };
    let before = audit_head(&store).await;
    let first = store
        .record_meeting(&meeting(0, "تشکیل هیأت"), &actor())
        .await
        .unwrap();
    let second = store
        .record_meeting(&meeting(7, "بررسی صلاحیت‌ها"), &actor())
        .await
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(audit_head(&store).await, before + 2);
    let read = store.meeting(first).await.unwrap().unwrap();
    assert_eq!(
        read,
        Meeting {
            id: first,
            ..meeting(0, "تشکیل هیأت")
        }
    );
    let list = store.meetings(&code).await.unwrap();
    assert_eq!(
        list.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second, first],
        "newest first"
    );
    let mut stranger = meeting(9, "نادرست");
    stranger.attendance.push(Attendance {
        national_id: ids[2].clone(),
        present: true,
    });
    assert!(matches!(
        store.record_meeting(&stranger, &actor()).await,
        Err(StoreError::Refused(crate::Refusal::Invalid(_)))
    ));
    let mut nowhere = meeting(9, "نادرست");
    nowhere.board = "executive-99".into();
    assert!(matches!(
        store.record_meeting(&nowhere, &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, before + 2);
    assert!(store.meeting(9_999_999).await.unwrap().is_none());
    assert!(store
        .meetings("inspection-01")
        .await
        .unwrap()
        .iter()
        .all(|m| m.board == "inspection-01"));
}

pub async fn demo_boards_load(store: Arc<dyn Store>) {
    let data = kerman(DemoOptions {
        seed: 7,
        people: 24_000,
    })
    .unwrap();
    store.load_demo(&data, &actor()).await.unwrap();
    let boards = store.boards(None).await.unwrap();
    assert_eq!(boards.len(), 1 + 2 * 25);
    assert_eq!(boards[0].board.code, "inspection-province");
    assert_eq!(boards[0].members.len(), 5);
    assert_eq!(
        boards.iter().map(|b| b.members.len()).sum::<usize>(),
        data.board_members.len()
    );
    let kerman = store.boards(Some("11")).await.unwrap();
    assert_eq!(kerman.len(), 2);
    assert_eq!(kerman[0].members.len(), 3);
    assert_eq!(kerman[0].members[0].role, BoardRole::Head);
    let short = boards
        .iter()
        .filter(|b| b.board.kind == BoardKind::CountyExecutive && b.members.len() < 16)
        .count();
    assert_eq!(short, 5, "a county in five lacks two alternates");
}

pub async fn later_candidacies_show_as_conflicts(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    assert!(
        store.staffing_conflicts(None).await.unwrap().is_empty(),
        "the demo has none"
    );
    let staffed: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    let mut free = data
        .stations
        .iter()
        .filter(|s| s.county_code == "11" && !staffed.contains(s.code.as_str()) && !s.mobile);
    let a = free.next().unwrap().clone();
    let b = free
        .find(|s| s.council_code != a.council_code)
        .unwrap()
        .clone();
    let ids = clean_people(&store, 800, 3).await;
    store
        .assign_post(&a.code, Post::Head, &ids[0], &actor())
        .await
        .unwrap();
    store
        .assign_post(&a.code, Post::Inspector, &ids[1], &actor())
        .await
        .unwrap();
    store
        .assign_post(&b.code, Post::Head, &ids[2], &actor())
        .await
        .unwrap();
    assert!(store
        .staffing_conflicts(Some("11"))
        .await
        .unwrap()
        .is_empty());

    // The head of station a becomes a candidate in a's council; a sibling declaring b's head
    // stands in b's council. a's inspector is untouched.
    store
        .add_candidate(&data.election.code, &a.council_code, &ids[0], &actor())
        .await
        .unwrap();
    let sibling = fresh_id(810);
    let mut p = person(&sibling, "خویشاوند", time::macros::date!(1970 - 01 - 01));
    p.relatives = vec![Relative {
        national_id: NationalId::parse(&ids[2]).unwrap(),
        relation: Relation::Sibling,
    }];
    store.create_person(&p, &actor()).await.unwrap();
    store
        .add_candidate(&data.election.code, &b.council_code, &sibling, &actor())
        .await
        .unwrap();

    let conflicts = store.staffing_conflicts(Some("11")).await.unwrap();
    let found: Vec<(String, Post, String)> = conflicts
        .iter()
        .map(|c| {
            (
                c.assignment.station.clone(),
                c.assignment.post,
                c.code.clone(),
            )
        })
        .collect();
    let mut expected = vec![
        (a.code.clone(), Post::Head, "candidate".to_owned()),
        (b.code.clone(), Post::Head, "candidate_relative".to_owned()),
    ];
    expected.sort();
    assert_eq!(found, expected);
    assert!(conflicts.iter().all(|c| c
        .reason
        .chars()
        .any(|ch| ('\u{0600}'..='\u{06FF}').contains(&ch))));
    assert_eq!(store.staffing_conflicts(None).await.unwrap().len(), 2);
    assert!(store
        .staffing_conflicts(Some("05"))
        .await
        .unwrap()
        .is_empty());
    // Closing the station clears its conflicts from the list.
    let mut closed = a.clone();
    closed.closed = true;
    store.update_station(&closed, &actor()).await.unwrap();
    assert_eq!(store.staffing_conflicts(Some("11")).await.unwrap().len(), 1);
}

// ---- the eligibility roll -------------------------------------------------------------------

use domain::roll::{Voter, VoterStatus};

/// `n` voters with distinct valid ids, spread over the demo's councils.
fn roll(data: &DemoData, start: u32, n: u32) -> Vec<Voter> {
    (0..n)
        .map(|i| Voter {
            national_id: NationalId::with_check_digit(1_000 + start + i).unwrap(),
            birth_date: time::macros::date!(1970 - 01 - 01)
                + time::Duration::days(i64::from(i % 12_000)),
            council: data.councils[(i as usize * 7) % data.councils.len()]
                .code
                .clone(),
            status: if i % 97 == 0 {
                VoterStatus::Deceased
            } else {
                VoterStatus::Alive
            },
        })
        .collect()
}

/// Sends rows in batches of `batch` from a task, as an importer would.
fn send(rows: Vec<Voter>, batch: usize) -> tokio::sync::mpsc::Receiver<crate::RollBatch> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        for chunk in rows.chunks(batch) {
            if tx.send(Ok(chunk.to_vec())).await.is_err() {
                break;
            }
        }
    });
    rx
}

pub async fn the_roll_is_imported_and_replaced_whole(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    assert_eq!(store.roll_count(&election).await.unwrap(), 0);
    let rows = roll(&data, 0, 5_000);
    let before = audit_head(&store).await;
    assert_eq!(
        store
            .import_roll(&election, send(rows.clone(), 1_000), "digest-1", &actor())
            .await
            .unwrap(),
        5_000
    );
    assert_eq!(store.roll_count(&election).await.unwrap(), 5_000);
    assert_eq!(audit_head(&store).await, before + 1);
    for v in [&rows[0], &rows[97], &rows[4_999]] {
        assert_eq!(
            store
                .voter(&election, v.national_id.as_str())
                .await
                .unwrap()
                .as_ref(),
            Some(v)
        );
    }
    assert!(store
        .voter(&election, "0018465986")
        .await
        .unwrap()
        .is_none());
    let record = store
        .audit_page(
            &AuditFilter {
                action: Some("roll.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(record.items[0].action, "roll.import");
    assert!(
        record.items[0].payload.contains("\"count\":5000")
            && record.items[0].payload.contains("digest-1")
    );

    // A new file replaces the roll whole.
    let next = roll(&data, 10_000, 1_200);
    assert_eq!(
        store
            .import_roll(&election, send(next.clone(), 500), "digest-2", &actor())
            .await
            .unwrap(),
        1_200
    );
    assert_eq!(store.roll_count(&election).await.unwrap(), 1_200);
    assert!(store
        .voter(&election, rows[0].national_id.as_str())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .voter(&election, next[3].national_id.as_str())
            .await
            .unwrap()
            .as_ref(),
        Some(&next[3])
    );
}

pub async fn a_bad_roll_changes_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let good = roll(&data, 0, 2_000);
    store
        .import_roll(&election, send(good.clone(), 700), "good", &actor())
        .await
        .unwrap();
    let before = audit_head(&store).await;

    let mut twice = roll(&data, 50_000, 3_000);
    twice[2_900] = twice[10].clone();
    let r = store
        .import_roll(&election, send(twice, 1_000), "bad", &actor())
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Duplicate {
                entity: crate::Entity::Voter,
                ref key,
            }) if key.len() == 10 && key.bytes().all(|b| b.is_ascii_digit())
        ),
        "{r:?}"
    );
    let mut nowhere = roll(&data, 60_000, 1_500);
    nowhere[1_400].council = "9999999".into();
    assert!(matches!(
        store
            .import_roll(&election, send(nowhere, 1_000), "bad", &actor())
            .await,
        Err(StoreError::Refused(
            crate::Refusal::RollCouncilUnknown { .. }
        ))
    ));
    assert!(store
        .import_roll("nope", send(roll(&data, 70_000, 10), 10), "bad", &actor())
        .await
        .is_err());
    // A sender that finds a bad row after sending good ones aborts the import.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let rows = roll(&data, 80_000, 3_000);
    tokio::spawn(async move {
        let _ = tx.send(Ok(rows)).await;
        let _ = tx.send(Err("سطر ۹ نادرست است".to_owned())).await;
    });
    assert!(matches!(
        store.import_roll(&election, rx, "bad", &actor()).await,
        Err(StoreError::Refused(crate::Refusal::RollAborted { .. }))
    ));

    assert_eq!(
        store.roll_count(&election).await.unwrap(),
        2_000,
        "the previous roll stays whole"
    );
    assert_eq!(
        store
            .voter(&election, good[1_999].national_id.as_str())
            .await
            .unwrap()
            .as_ref(),
        Some(&good[1_999])
    );
    assert_eq!(
        audit_head(&store).await,
        before,
        "refused imports write nothing"
    );
}

// ---- election day ---------------------------------------------------------------------------

use crate::{BallotOutcome, CheckIn, CheckInOutcome, NewBallot, TurnoutFilter};
use domain::roll::NotEligible;
use domain::station_day::{DayAction, DayRefusal, DayState, Presence};

/// The demo's polls: 1405/02/11 08:00–18:00 Tehran.
const POLLS_OPEN: time::OffsetDateTime = datetime!(2026-05-01 04:30 UTC);
const POLLS_CLOSE: time::OffsetDateTime = datetime!(2026-05-01 14:30 UTC);

fn at(t: time::OffsetDateTime) -> Actor {
    Actor::new("station", t)
}

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
        store
            .act_on_station(&election, s, &DayAction::open_in_full(), &at(POLLS_OPEN))
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
                &DayAction::open_in_full(),
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
            &DayAction::open_in_full(),
            &at(POLLS_OPEN - time::Duration::minutes(1)),
        )
        .await;
    assert_eq!(day_refusal(early), DayRefusal::BeforePollsOpen);
    let no_box = store
        .act_on_station(
            &election,
            &station,
            &DayAction::Open {
                presence: Presence {
                    head: true,
                    governor_rep: true,
                    inspector: true,
                },
                empty_box_shown: false,
            },
            &at(POLLS_OPEN),
        )
        .await;
    assert_eq!(day_refusal(no_box), DayRefusal::EmptyBoxNotShown);
    assert_eq!(audit_head(&store).await, before, "refusals write nothing");

    let open = store
        .act_on_station(
            &election,
            &station,
            &DayAction::open_in_full(),
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
                reason: "قطع برق".into(),
            },
            &at(t),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .station_day(&election, &station)
            .await
            .unwrap()
            .unwrap()
            .state,
        DayState::Paused
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
            &DayAction::Extend { until: later },
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
    let events = store
        .audit_page(
            &AuditFilter {
                action: Some("station.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
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
    assert!(events.items[3].payload.contains("قطع برق"));
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
    let batch = store
        .audit_page(
            &AuditFilter {
                action: Some("checkin.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
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
        reason: "قطع شبکه".into(),
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
            .cast_ballot(NewBallot {
                election_code: election.clone(),
                token_hash: audit::digest_hex(token.as_bytes()),
                ballot_id: format!("ballot-{token}"),
                receipt: format!("receipt-{token}"),
                choices: Vec::new(),
                by: at(t),
            })
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
            stations[i % 50].clone(),
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
    let seats = data
        .councils
        .iter()
        .find(|c| c.code == council)
        .unwrap()
        .main_seats as usize;
    let approved: Vec<String> = data
        .candidates
        .iter()
        .filter(|c| c.council == council)
        .map(|c| c.code.clone())
        .collect();
    assert!(approved.len() > seats);
    let foreign = data
        .candidates
        .iter()
        .find(|c| c.council != council)
        .unwrap()
        .code
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
            outstanding: 4
        }
    );
    let ballot = |token: &str, choices: &[String], n: u32| NewBallot {
        election_code: election.clone(),
        token_hash: audit::digest_hex(token.as_bytes()),
        ballot_id: format!("ballot-{n:04}"),
        receipt: format!("R{n:04}"),
        choices: choices.to_vec(),
        by: at(t),
    };
    // Refusals spend nothing and write nothing.
    let head = audit_head(&store).await;
    let refusal = |o: BallotOutcome| match o {
        BallotOutcome::Refused(r) => r.code(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refusal(
            store
                .cast_ballot(ballot("token-0", &approved[..=seats], 1))
                .await
                .unwrap()
        ),
        "too_many_choices"
    );
    assert_eq!(
        refusal(
            store
                .cast_ballot(ballot("token-0", &[foreign], 2))
                .await
                .unwrap()
        ),
        "unknown_candidate"
    );
    assert_eq!(
        refusal(
            store
                .cast_ballot(ballot(
                    "token-0",
                    &[approved[0].clone(), approved[0].clone()],
                    3
                ))
                .await
                .unwrap()
        ),
        "repeated_candidate"
    );
    assert_eq!(
        store
            .cast_ballot(ballot("no-such-token", &[], 4))
            .await
            .unwrap(),
        BallotOutcome::TokenUnknown
    );
    assert_eq!(audit_head(&store).await, head);

    // A full ballot, a partial one (picked in reverse), a blank one; a token works once.
    let full: Vec<String> = approved[..seats].to_vec();
    assert_eq!(
        store
            .cast_ballot(ballot("token-0", &full, 10))
            .await
            .unwrap(),
        BallotOutcome::Cast {
            station: a.clone(),
            council: council.clone()
        }
    );
    assert_eq!(
        store
            .cast_ballot(ballot("token-0", &full, 11))
            .await
            .unwrap(),
        BallotOutcome::TokenUnknown
    );
    let reversed = vec![approved[1].clone(), approved[0].clone()];
    assert!(matches!(
        store
            .cast_ballot(ballot("token-1", &reversed, 12))
            .await
            .unwrap(),
        BallotOutcome::Cast { .. }
    ));
    assert!(matches!(
        store.cast_ballot(ballot("token-2", &[], 13)).await.unwrap(),
        BallotOutcome::Cast { .. }
    ));
    assert_eq!(
        store.receipt(&election, "R0012").await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.receipt(&election, "R0011").await.unwrap(), None);
    assert_eq!(
        store.station_counts(&election, &a).await.unwrap(),
        crate::StationCounts {
            checkins: 4,
            ballots: 3,
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
    store
        .cast_ballot(ballot("token-3", &[approved[2].clone()], 14))
        .await
        .unwrap();
    store
        .act_on_station(&election, &a, &DayAction::Close, &at(POLLS_CLOSE))
        .await
        .unwrap();
    let counts = store.station_counts(&election, &a).await.unwrap();
    assert_eq!((counts.ballots, counts.outstanding), (counts.checkins, 0));
    // Ballot audit records count ballots per station, and name no ballot.
    let records = store
        .audit_page(
            &AuditFilter {
                action: Some("checkin.".into()),
                ..Default::default()
            },
            PageRequest::new(1, 100),
        )
        .await
        .unwrap();
    assert!(records
        .items
        .iter()
        .all(|r| !r.payload.contains("ballot-") && !r.payload.contains("R00")));
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn turnout_adds_up_by_area_and_hour(store: Arc<dyn Store>) {
    let data = demo();
    let (council, a, b) = two_stations_of_one_council(&data);
    let county = data
        .councils
        .iter()
        .find(|c| c.code == council)
        .unwrap()
        .county_code
        .clone();
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

// ---------------------------------------------------------------------------------------------
// Candidate registration and vetting (issue 5)

use crate::{NewRegistration, RegistrationFilter, StoredDocument};
use domain::registration::{Application, DocumentKind, MediaType, OfficialPost};
use domain::vetting::{Reviewer, VettingAction, VettingRefusal, VettingState};

fn application(council: &str, n: u32) -> Application {
    Application {
        national_id: NationalId::with_check_digit(600_000_000 + n).unwrap(),
        first_name: "زهرا".into(),
        last_name: format!("داوطلب {n}"),
        father_name: "محمد".into(),
        birth_date: time::macros::date!(1985 - 03 - 21),
        gender: Gender::Female,
        mobile: domain::ids::MobileNumber::parse("09131112233").unwrap(),
        residence: "کرمان".into(),
        council: council.to_owned(),
        education: Education::Master,
        former_member: n.is_multiple_of(2),
        occupation: "پزشک".into(),
        official: n.is_multiple_of(3).then(|| OfficialPost {
            title: "مدیرکل".into(),
            resigned_on: Some(time::macros::date!(2025 - 06 - 01)),
        }),
        veteran_family: n.is_multiple_of(5),
    }
}

fn new_registration(election: &str, council: &str, n: u32) -> NewRegistration {
    NewRegistration {
        election_code: election.to_owned(),
        tracking_code: format!("T{n:07}"),
        application: application(council, n),
        documents: vec![
            StoredDocument {
                kind: DocumentKind::Photo,
                media_type: MediaType::Jpeg,
                size: 1_234,
                sha256: audit::digest_hex(format!("photo {n}").as_bytes()),
            },
            StoredDocument {
                kind: DocumentKind::CriminalRecord,
                media_type: MediaType::Pdf,
                size: 56_789,
                sha256: audit::digest_hex(format!("record {n}").as_bytes()),
            },
        ],
    }
}

fn applicant(t: time::OffsetDateTime) -> Actor {
    Actor::new("applicant", t)
}

fn vetting_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> VettingRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Vetting(refusal))) => refusal,
        other => panic!("expected a vetting refusal, got {other:?}"),
    }
}

const FILED: time::OffsetDateTime = datetime!(2026-01-12 06:00 UTC);

pub async fn registrations_are_filed_once_per_person(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let council = &data.councils[0];
    // The education rule's facts: a city by its population, a village with its households.
    let city = store.council_place(&council.code).await.unwrap().unwrap();
    assert_eq!(city.kind, council.kind);
    assert_eq!(city.population, council.population);
    let village_council = data
        .councils
        .iter()
        .find(|c| c.kind == domain::election::CouncilKind::Village)
        .unwrap();
    let village = data
        .villages
        .iter()
        .find(|v| v.code == village_council.place_code)
        .unwrap();
    let place = store
        .council_place(&village_council.code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(place.households, Some(village.households));
    assert_eq!(store.council_place("no-such-council").await.unwrap(), None);

    let before = audit_head(&store).await;
    let new = new_registration(&election, &council.code, 1);
    store.register(&new, &applicant(FILED)).await.unwrap();
    assert_eq!(audit_head(&store).await, before + 1, "one audit record");

    let (filed, history) = store
        .registration(&election, "T0000001")
        .await
        .unwrap()
        .expect("found by tracking code");
    assert_eq!(filed.application, new.application);
    assert_eq!(filed.documents, new.documents);
    assert_eq!(filed.tracking_code, "T0000001");
    assert_eq!(filed.council_name, council.name);
    assert_eq!(filed.council_kind, council.kind);
    assert_eq!(filed.county_code, council.county_code);
    assert_eq!(filed.vetting, domain::vetting::VettingFile::new(FILED));
    assert_eq!(filed.candidate_code, None);
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].step, "submitted");
    assert_eq!(history[0].state, VettingState::Submitted);
    assert_eq!(history[0].by, "applicant");
    assert_eq!(history[0].at, FILED);

    // One registration per person per election, whatever the council; nothing written.
    let head = audit_head(&store).await;
    let mut again = new_registration(&election, &data.councils[1].code, 1);
    again.tracking_code = "T0000099".into();
    assert!(matches!(
        store.register(&again, &applicant(FILED)).await,
        Err(StoreError::Duplicate {
            entity: crate::Entity::Registration,
            ..
        })
    ));
    // A taken tracking code, for someone else.
    let mut taken = new_registration(&election, &council.code, 2);
    taken.tracking_code = "T0000001".into();
    assert!(matches!(
        store.register(&taken, &applicant(FILED)).await,
        Err(StoreError::Duplicate {
            entity: crate::Entity::Registration,
            ..
        })
    ));
    // An unknown council.
    let mut nowhere = new_registration(&election, "no-such-council", 3);
    nowhere.application.council = "no-such-council".into();
    assert!(store.register(&nowhere, &applicant(FILED)).await.is_err());
    assert_eq!(audit_head(&store).await, head, "refusals write nothing");
    assert_eq!(
        store.registration(&election, "T0000099").await.unwrap(),
        None
    );
    assert_eq!(
        store.registration(&election, "T0000003").await.unwrap(),
        None
    );
    assert_chain(&store, head).await;
}

pub async fn vetting_moves_files_and_records_every_step(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let council = data.councils[0].code.clone();
    for n in [10, 11] {
        store
            .register(&new_registration(&election, &council, n), &applicant(FILED))
            .await
            .unwrap();
    }
    let day = |d: i64| FILED + time::Duration::days(d);
    let board = |d: i64| Actor::new("board-user", day(d));
    let head = audit_head(&store).await;

    // Approving before the executive board's review: refused, nothing written.
    let approve = VettingAction::SupervisionDecision {
        approved: true,
        reason: "احراز شد".into(),
    };
    let early = store
        .vet(
            &election,
            "T0000010",
            &approve,
            Reviewer::CountySupervisionBoard,
            &board(1),
        )
        .await;
    assert_eq!(vetting_refusal(early).code(), "illegal_transition");
    assert!(matches!(
        store
            .vet(
                &election,
                "T9999999",
                &approve,
                Reviewer::CountySupervisionBoard,
                &board(1)
            )
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, head);

    // Straight to approval: a candidate code, and a place on the council's list.
    let reviewed = store
        .vet(
            &election,
            "T0000010",
            &VettingAction::ExecutiveReview {
                qualified: true,
                reason: "مدارک کامل".into(),
            },
            Reviewer::ExecutiveBoard,
            &board(2),
        )
        .await
        .unwrap();
    assert_eq!(reviewed.vetting.state, VettingState::ExecutiveReviewed);
    assert_eq!(reviewed.vetting.state_since, day(2));
    assert_eq!(reviewed.vetting.executive_qualified, Some(true));
    let listed_before = store.candidates(&election, &council).await.unwrap();
    let approved = store
        .vet(
            &election,
            "T0000010",
            &approve,
            Reviewer::CountySupervisionBoard,
            &board(3),
        )
        .await
        .unwrap();
    assert_eq!(approved.vetting.state, VettingState::Approved);
    let code = approved.candidate_code.clone().expect("a candidate code");
    let listed = store.candidates(&election, &council).await.unwrap();
    assert_eq!(listed.len(), listed_before.len() + 1);
    let entry = listed.iter().find(|c| c.code == code).expect("on the list");
    assert_eq!(entry.last_name, "داوطلب 10");
    assert_eq!(entry.education, Some(Education::Master));
    // Codes are unique in the election: not one of the demo's.
    assert!(!listed_before.iter().any(|c| c.code == code));
    assert!(!data.candidates.iter().any(|c| c.code == code));
    // The final lists: every council's, by council and code; the photo of the registration.
    let everyone = store.all_candidates(&election).await.unwrap();
    assert_eq!(everyone.len(), data.candidates.len() + 1);
    assert!(everyone.windows(2).all(|w| w[0].council <= w[1].council));
    let of_council: Vec<_> = everyone
        .iter()
        .filter(|c| c.council == council)
        .cloned()
        .collect();
    assert_eq!(of_council, listed);
    let photo = store
        .candidate_photo(&election, &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        photo,
        new_registration(&election, &council, 10).documents[0]
    );
    assert_eq!(
        store
            .candidate_photo(&election, &data.candidates[0].code)
            .await
            .unwrap(),
        None
    );

    // Rejection, a late objection refused, the history in order.
    for (action, reviewer, d) in [
        (
            VettingAction::ExecutiveReview {
                qualified: false,
                reason: "سوءپیشینه".into(),
            },
            Reviewer::ExecutiveBoard,
            2,
        ),
        (
            VettingAction::SupervisionDecision {
                approved: false,
                reason: "عدم احراز".into(),
            },
            Reviewer::CountySupervisionBoard,
            5,
        ),
    ] {
        store
            .vet(&election, "T0000011", &action, reviewer, &board(d))
            .await
            .unwrap();
    }
    let object = VettingAction::Object {
        reason: "مدرک تازه دارم".into(),
    };
    let at_five = audit_head(&store).await;
    let late = store
        .vet(
            &election,
            "T0000011",
            &object,
            Reviewer::Applicant,
            &applicant(day(10)),
        )
        .await;
    assert_eq!(vetting_refusal(late).code(), "objection_too_late");
    assert_eq!(audit_head(&store).await, at_five, "refusals write nothing");
    let objected = store
        .vet(
            &election,
            "T0000011",
            &object,
            Reviewer::Applicant,
            &applicant(day(8)),
        )
        .await
        .unwrap();
    assert_eq!(objected.vetting.state, VettingState::ObjectedToCounty);
    assert_eq!(objected.candidate_code, None);

    let (_, history) = store
        .registration(&election, "T0000011")
        .await
        .unwrap()
        .unwrap();
    let steps: Vec<(&str, VettingState, &str, &str)> = history
        .iter()
        .map(|e| (e.step.as_str(), e.state, e.by.as_str(), e.reason.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", VettingState::Submitted, "applicant", ""),
            (
                "executive_review",
                VettingState::ExecutiveReviewed,
                "board-user",
                "سوءپیشینه"
            ),
            (
                "supervision_decision",
                VettingState::Rejected,
                "board-user",
                "عدم احراز"
            ),
            (
                "object",
                VettingState::ObjectedToCounty,
                "applicant",
                "مدرک تازه دارم"
            ),
        ]
    );
    assert_eq!(history[3].at, day(8));
    // Every legal step wrote one audit record naming the registration and the step.
    assert_eq!(audit_head(&store).await, head + 5);
    let records = store
        .audit_page(
            &AuditFilter {
                action: Some("registration.".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(records
        .items
        .iter()
        .any(|r| r.action == "registration.object"
            && r.entity == "registration/T0000011"
            && r.payload.contains("مدرک تازه دارم")));
    assert_chain(&store, head + 5).await;

    // An approved candidate who withdraws leaves the list; the file keeps its code.
    let withdrawn = store
        .vet(
            &election,
            "T0000010",
            &VettingAction::Withdraw {
                reason: "انصراف".into(),
            },
            Reviewer::Applicant,
            &applicant(day(9)),
        )
        .await
        .unwrap();
    assert_eq!(withdrawn.vetting.state, VettingState::Withdrawn);
    assert_eq!(withdrawn.candidate_code.as_deref(), Some(code.as_str()));
    let listed = store.candidates(&election, &council).await.unwrap();
    assert_eq!(listed, listed_before);
}

pub async fn registrations_filter_and_page(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let a = data.councils[0].clone();
    let b = data
        .councils
        .iter()
        .find(|c| c.county_code != a.county_code)
        .unwrap()
        .clone();
    let list = |filter: RegistrationFilter, page: PageRequest| {
        let (store, election) = (store.clone(), election.clone());
        async move { store.registrations(&election, &filter, page).await.unwrap() }
    };
    // The demo's registrations are there from the load, in every state.
    let demo_total = i64::try_from(data.registrations.len()).unwrap();
    let everything = RegistrationFilter::default();
    assert_eq!(
        list(everything.clone(), PageRequest::new(1, 1)).await.total,
        demo_total
    );
    let in_b_before = data
        .registrations
        .iter()
        .filter(|r| r.application.council == b.code)
        .count();
    let withdrawn_before = data
        .registrations
        .iter()
        .filter(|r| r.files().unwrap().last().unwrap().state == VettingState::Withdrawn)
        .count();
    assert!(withdrawn_before > 0);

    for n in 20..30 {
        let council = if n < 27 { &a.code } else { &b.code };
        store
            .register(
                &new_registration(&election, council, n),
                &applicant(FILED + time::Duration::minutes(i64::from(n))),
            )
            .await
            .unwrap();
    }
    store
        .vet(
            &election,
            "T0000021",
            &VettingAction::Withdraw {
                reason: String::new(),
            },
            Reviewer::Applicant,
            &applicant(FILED + time::Duration::days(1)),
        )
        .await
        .unwrap();
    let all = list(everything.clone(), PageRequest::new(1, 500)).await;
    assert_eq!(all.total, demo_total + 10);
    // Filing order, paged without gaps or repeats.
    let filed: Vec<_> = all.items.iter().map(|r| r.vetting.submitted_at).collect();
    assert!(filed.windows(2).all(|w| w[0] <= w[1]));
    let page_2 = list(everything.clone(), PageRequest::new(2, 250)).await;
    assert_eq!(page_2.items[0].tracking_code, all.items[250].tracking_code);
    assert_eq!(page_2.items.len(), 250);

    let in_b = list(
        RegistrationFilter {
            council: Some(b.code.clone()),
            ..Default::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(in_b.total, i64::try_from(in_b_before + 3).unwrap());
    assert!(in_b.items.iter().all(|r| r.application.council == b.code));
    let ours: Vec<&str> = in_b
        .items
        .iter()
        .map(|r| r.tracking_code.as_str())
        .filter(|c| c.starts_with('T'))
        .collect();
    assert_eq!(ours, ["T0000027", "T0000028", "T0000029"]);
    let county_b = list(
        RegistrationFilter {
            county: Some(b.county_code.clone()),
            ..Default::default()
        },
        PageRequest::new(1, 1),
    )
    .await;
    let in_county_b = data
        .registrations
        .iter()
        .filter(|r| {
            data.councils
                .iter()
                .any(|c| c.code == r.application.council && c.county_code == b.county_code)
        })
        .count();
    assert_eq!(county_b.total, i64::try_from(in_county_b + 3).unwrap());
    let withdrawn = list(
        RegistrationFilter {
            state: Some(VettingState::Withdrawn),
            ..Default::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(
        withdrawn.total,
        i64::try_from(withdrawn_before + 1).unwrap()
    );
    assert!(withdrawn
        .items
        .iter()
        .all(|r| r.vetting.state == VettingState::Withdrawn));
    assert!(withdrawn
        .items
        .iter()
        .any(|r| r.tracking_code == "T0000021"));
    // The facts the participation statistics read: one per registration, as filed.
    let facts = store.registration_facts(&election).await.unwrap();
    assert_eq!(i64::try_from(facts.len()).unwrap(), demo_total + 10);
    let ours = facts
        .iter()
        .find(|f| f.submitted_at == FILED + time::Duration::minutes(27))
        .unwrap();
    assert_eq!(ours.council, b.code);
    assert_eq!(ours.gender, Gender::Female);
    assert_eq!(ours.education, Education::Master);
    assert_eq!(ours.state, VettingState::Submitted);
    let summary = domain::participation::summarize(&facts, &data.councils);
    assert_eq!(summary.total, demo_total + 10);
    // A demo file reads back with its whole history.
    let sample = data
        .registrations
        .iter()
        .find(|r| r.steps.len() >= 4)
        .unwrap();
    let (found, history) = store
        .registration(&election, &sample.tracking_code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.application, sample.application);
    assert_eq!(history.len(), sample.steps.len() + 1);
    assert_eq!(history.last().unwrap().by, sample.steps.last().unwrap().by);
    assert_eq!(found.vetting, *sample.files().unwrap().last().unwrap());
}
