//! Conformance cases: The province, the election and its councils.

use super::*;

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

    // The name is compared by search key on both backends: Arabic letters, spaces and ZWNJs
    // typed or not, the same councils.
    let key = domain::text::search_key("شهر کرمان");
    let expected = data
        .councils
        .iter()
        .filter(|c| domain::text::search_key(&c.name).contains(&key))
        .count();
    assert!(expected > 0);
    for typed in ["شهر كرمان", "شهرکرمان", "شهر\u{200C}کرمان", " شهر  کرمان"]
    {
        let found = store
            .councils(
                &CouncilFilter {
                    name: Some(typed.into()),
                    ..Default::default()
                },
                PageRequest::new(1, 1),
            )
            .await
            .unwrap();
        assert_eq!(usize::try_from(found.total).unwrap(), expected, "{typed:?}");
    }

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
