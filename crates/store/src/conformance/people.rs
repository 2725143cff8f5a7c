//! Conformance cases: The people registry.

use super::*;

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
        .search_people("باستانی", None, false, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(by_name.total, 1);
    assert_eq!(by_name.items[0], p);
    let by_id = store
        .search_people(
            &p.national_id.as_str()[..6],
            None,
            false,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(by_id.items.iter().any(|q| q.national_id == p.national_id));
    assert!(by_id.items.iter().all(|q| q
        .national_id
        .as_str()
        .starts_with(&p.national_id.as_str()[..6])));
    // Typed in Persian digits, the same prefix finds the same people on every backend; a
    // name typed with Arabic letters finds the Persian spelling it is stored with.
    let in_persian = store
        .search_people(
            &domain::text::persian_digits(&p.national_id.as_str()[..6]),
            None,
            false,
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(in_persian, by_id);
    let arabic = store
        .search_people("باستاني", None, false, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(arabic.total, 1, "{arabic:?}");
    // Nor do spaces and ZWNJs matter: the stored «باستانی‌پاریزی» is found typed with a space,
    // without either, or across the parts.
    for typed in ["باستانی پاریزی", "باستانیپاریزی", "نی پا"] {
        let found = store
            .search_people(typed, None, false, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(found.total, 1, "{typed}: {found:?}");
    }

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

pub async fn people_are_found_in_their_county(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county_of = |station: &str| {
        data.stations
            .iter()
            .find(|s| s.code == station)
            .map(|s| s.county_code.clone())
            .unwrap()
    };
    let staff = &data.assignments[0];
    let county = county_of(&staff.station);
    let elsewhere = data
        .counties
        .iter()
        .map(|c| c.code.clone())
        .find(|c| *c != county)
        .unwrap();
    let id = staff.national_id.as_str();
    for pool in [false, true] {
        assert!(store.person_in_county(id, &county, pool).await.unwrap());
        assert!(!store.person_in_county(id, &elsewhere, pool).await.unwrap());
    }
    // A person nobody appointed is in every county's pool, for those who appoint.
    let linked: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.national_id.as_str())
        .chain(data.board_members.iter().map(|m| m.national_id.as_str()))
        .collect();
    let free = data
        .people
        .iter()
        .find(|p| !linked.contains(p.national_id.as_str()))
        .expect("someone free");
    for c in &data.counties {
        let free = free.national_id.as_str();
        assert!(store.person_in_county(free, &c.code, true).await.unwrap());
        assert!(!store.person_in_county(free, &c.code, false).await.unwrap());
    }
    // A search in a county finds its people and no one else's.
    let in_county = store
        .search_people(&id[..6], Some(&county), false, PageRequest::default())
        .await
        .unwrap();
    assert!(in_county.items.iter().any(|p| p.national_id.as_str() == id));
    let outside = store
        .search_people(&id[..10], Some(&elsewhere), true, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(outside.total, 0);
    assert!(outside.items.is_empty());
    let everyone = store
        .search_people("", None, false, PageRequest::new(1, 1))
        .await
        .unwrap();
    let linked = store
        .search_people("", Some(&county), false, PageRequest::new(1, 1))
        .await
        .unwrap();
    let with_pool = store
        .search_people("", Some(&county), true, PageRequest::new(1, 1))
        .await
        .unwrap();
    assert!(linked.total > 0 && linked.total < with_pool.total);
    assert!(with_pool.total < everyone.total);
}
