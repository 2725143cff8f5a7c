//! Conformance cases: Station posts and the staffing rules.

use super::*;

pub async fn staffing_rules_refuse_and_write_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let mut free = unstaffed_stations(&data)
        .into_iter()
        .filter(|s| s.county_code == "11");
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
        post_refusal(&store, &a.code, Post::Head, &ids[1]).await,
        Refusal::PostTaken { .. }
    ));
    assert!(matches!(
        post_refusal(&store, &b.code, Post::Member1, &ids[0]).await,
        Refusal::AlreadyServing { .. }
    ));
    assert!(matches!(
        post_refusal(&store, &b.code, Post::Inspector, &ids[0]).await,
        Refusal::InspectorIsStaff { .. }
    ));

    let young = register(&store, 300, "جوان", time::macros::date!(2008 - 06 - 01)).await;
    assert!(matches!(
        post_refusal(&store, &b.code, Post::Member2, &young).await,
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
        post_refusal(
            &store,
            &b.code,
            Post::GovernorRep,
            sitting.national_id.as_str()
        )
        .await,
        Refusal::SittingCouncilMember
    );

    store
        .add_candidate(&data.election.code, &b.council_code, &ids[2], &actor())
        .await
        .unwrap();
    assert_eq!(
        post_refusal(&store, &b.code, Post::Head, &ids[2]).await,
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
        post_refusal(&store, &b.code, Post::Head, &ids[3]).await,
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
    let actions = audit_actions(&store, AuditFilter::action("staff.")).await;
    assert_eq!(actions.first().map(String::as_str), Some("staff.assign"));
    assert!(actions.contains(&"staff.unassign".to_owned()));
    assert_chain(&store, audit_head(&store).await).await;
}

pub async fn relatives_of_candidates_are_refused_both_ways(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let station = unstaffed_stations(&data)
        .into_iter()
        .find(|s| s.county_code == "11")
        .unwrap();
    let candidate = register(&store, 400, "نامزد", time::macros::date!(1970 - 01 - 01)).await;
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
    let r = post_refusal(
        &store,
        &station.code,
        Post::Head,
        declares.national_id.as_str(),
    )
    .await;
    assert_eq!(
        r,
        Refusal::CandidateRelative {
            relative: NationalId::parse(&candidate).unwrap()
        }
    );

    // The candidate's own record declares the would-be staff member.
    let spouse = register(&store, 402, "همسر", time::macros::date!(1972 - 01 - 01)).await;
    let candidate2 = fresh_id(403);
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
    let r = post_refusal(&store, &station.code, Post::Member1, &spouse).await;
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
    let station = unstaffed_stations(&data)[0].code.clone();
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
