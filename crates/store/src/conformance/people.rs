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
    // Typed in Persian digits, the same prefix finds the same people on every backend; a
    // name typed with Arabic letters finds the Persian spelling it is stored with.
    let in_persian = store
        .search_people(
            &domain::text::persian_digits(&p.national_id.as_str()[..6]),
            PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(in_persian, by_id);
    let arabic = store
        .search_people("باستاني", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(arabic.total, 1, "{arabic:?}");

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
