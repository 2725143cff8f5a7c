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
            election_round_trips,
            councils_filter_sort_and_paginate,
            stations_filter_and_paginate,
            people_are_found_by_national_id,
            usernames_are_unique,
            sessions_expire_and_end,
            audit_log_filters_and_pages,
            seat_table_edit_recomputes_seats,
            concurrent_writes_keep_one_chain
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
        .load_province(&data, &actor())
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
    assert!(store.load_province(&data, &actor()).await.is_err());
    assert_chain(&store, 1).await;
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
                sort: Some("-population".into()),
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

    // A sort column that is not on the list falls back to code order rather than erroring.
    let odd = store
        .councils(
            &CouncilFilter {
                sort: Some("1; DROP TABLE councils".into()),
                ..Default::default()
            },
            PageRequest::new(1, 3),
        )
        .await
        .unwrap();
    assert_eq!(odd.items.len(), 3);

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
        matches!(again, Err(StoreError::Conflict { .. })),
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
        Err(StoreError::Invalid(_))
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
