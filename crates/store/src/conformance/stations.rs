//! Conformance cases: Polling stations.

use super::*;

pub async fn stations_filter_and_paginate(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let in_county = data
        .stations
        .iter()
        .filter(|s| s.county_code == "05")
        .count() as i64;
    let page = list_stations(
        &store,
        StationFilter {
            county: Some("05".into()),
            ..Default::default()
        },
        PageRequest::new(1, 25),
    )
    .await;
    assert_eq!(page.total, in_county);
    assert_eq!(page.items.len(), 25.min(in_county as usize));
    assert!(page.items.iter().all(|s| s.county_code == "05"));
    assert!(page.items.windows(2).all(|w| w[0].code < w[1].code));

    let sample = &data.stations[1500];
    assert_eq!(
        store.station(&sample.code).await.unwrap().as_ref(),
        Some(sample)
    );
    let only = list_stations(
        &store,
        StationFilter {
            station: Some(sample.code.clone()),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    assert_eq!(only.total, 1);
    let of_council = list_stations(
        &store,
        StationFilter {
            council: Some(sample.council_code.clone()),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
    assert!(of_council.items.contains(sample));
    let past_end = store
        .stations(&StationFilter::default(), PageRequest::new(10_000, 50))
        .await
        .unwrap();
    assert!(past_end.items.is_empty());
    assert_eq!(past_end.total, 3_003);
}

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
    foreign.council_code = council_in(&data, "05").code.clone();
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
    let page = audit_records(&store, AuditFilter::entity("station/1199001")).await;
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
    let serving = list_stations(
        &store,
        StationFilter {
            council: Some(second_stop.clone()),
            ..Default::default()
        },
        PageRequest::default(),
    )
    .await;
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
    // A number typed with Latin digits finds the names written with Persian ones.
    let key = domain::text::search_key("شعبه 12");
    let expected = count(&|s| domain::text::search_key(&s.name).contains(&key));
    assert!(expected > 0);
    assert_eq!(
        total(StationFilter {
            name: Some("شعبه 12".into()),
            ..Default::default()
        })
        .await,
        expected
    );
    let biggest = list_stations(
        &store,
        StationFilter {
            sort: crate::Sort::descending(crate::StationSortKey::ExpectedVoters),
            ..Default::default()
        },
        PageRequest::new(1, 1),
    )
    .await;
    assert_eq!(
        biggest.items[0].expected_voters,
        data.stations
            .iter()
            .map(|s| s.expected_voters)
            .max()
            .unwrap()
    );
    for wildcard in ["%", "_"] {
        let none = list_stations(
            &store,
            StationFilter {
                name: Some(wildcard.into()),
                ..Default::default()
            },
            PageRequest::new(1, 2),
        )
        .await;
        assert_eq!(none.total, 0, "{wildcard:?} is plain text");
    }
}
