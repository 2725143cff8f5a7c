//! Conformance cases: Registrations, vetting and the approved candidates.

use super::*;

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
        grounds: Vec::new(),
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
    for code in ["T0000010", "T0000011"] {
        answer_all(&store, &election, code, &board(1)).await;
    }
    let head = head + 8;

    // Straight to approval: a candidate code, and a place on the council's list.
    let reviewed = store
        .vet(
            &election,
            "T0000010",
            &VettingAction::ExecutiveReview {
                qualified: true,
                reason: "مدارک کامل".into(),
                grounds: Vec::new(),
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
    // The veteran's-family priority (a tie-break in the results) comes onto the list with them.
    assert!(entry.veteran_family);
    // Codes are unique in the election: not one of the demo's.
    assert!(!listed_before.iter().any(|c| c.code == code));
    assert!(!data.candidates.iter().any(|c| c.code == code));
    // The final lists: every council's, by council and code; the photo of the registration.
    let everyone = store.all_candidates(&election).await.unwrap();
    assert_eq!(everyone.len(), data.candidates.len() + 1);
    for loaded in &data.candidates {
        let listed = everyone.iter().find(|c| c.code == loaded.code);
        assert_eq!(listed, Some(loaded), "the demo's candidate as loaded");
    }
    assert!(data.candidates.iter().any(|c| c.veteran_family));
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
                grounds: vec![RejectionGround::CriminalConviction],
            },
            Reviewer::ExecutiveBoard,
            2,
        ),
        (
            VettingAction::SupervisionDecision {
                approved: false,
                reason: "عدم احراز".into(),
                grounds: vec![
                    RejectionGround::CriminalConviction,
                    RejectionGround::Residence,
                ],
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
    // Each rejection keeps the grounds it cited; other steps cite none.
    assert_eq!(history[1].grounds, [RejectionGround::CriminalConviction]);
    assert_eq!(
        history[2].grounds,
        [
            RejectionGround::CriminalConviction,
            RejectionGround::Residence
        ]
    );
    assert!(history[0].grounds.is_empty() && history[3].grounds.is_empty());
    // Every legal step wrote one audit record naming the registration and the step.
    assert_eq!(audit_head(&store).await, head + 5);
    let records = audit_records(&store, AuditFilter::action("registration.")).await;
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

/// Records every standard inquiry of a file as clear (four audit records).
async fn answer_all(store: &Arc<dyn Store>, election: &str, tracking_code: &str, by: &Actor) {
    for authority in Authority::ALL {
        store
            .record_inquiry(
                election,
                tracking_code,
                &InquiryAnswer {
                    authority,
                    answer: Answer::Clear,
                    note: String::new(),
                    answered_at: by.at,
                },
                by,
            )
            .await
            .unwrap();
    }
}

pub async fn inquiries_are_recorded_once_and_decisions_wait_for_them(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let council = data.councils[0].code.clone();
    store
        .register(
            &new_registration(&election, &council, 20),
            &applicant(FILED),
        )
        .await
        .unwrap();
    let board = Actor::new("board-user", FILED + time::Duration::days(1));
    let head = audit_head(&store).await;
    assert_eq!(
        store.inquiries(&election, "T0000020").await.unwrap(),
        Vec::new()
    );
    assert!(matches!(
        store.inquiries(&election, "T9999999").await,
        Err(StoreError::NotFound { .. })
    ));

    // A decision while every inquiry is pending: refused, nothing written.
    let review = VettingAction::ExecutiveReview {
        qualified: true,
        reason: String::new(),
        grounds: Vec::new(),
    };
    let early = store
        .vet(
            &election,
            "T0000020",
            &review,
            Reviewer::ExecutiveBoard,
            &board,
        )
        .await;
    assert_eq!(
        vetting_refusal(early),
        VettingRefusal::InquiriesPending {
            pending: Authority::ALL.to_vec()
        }
    );
    assert_eq!(audit_head(&store).await, head);

    // The police answer, adverse with its note, with its audit record.
    let police = InquiryAnswer {
        authority: Authority::Police,
        answer: Answer::Adverse,
        note: "سابقه اعتیاد".into(),
        answered_at: board.at,
    };
    let after = store
        .record_inquiry(&election, "T0000020", &police, &board)
        .await
        .unwrap();
    assert_eq!(after, std::slice::from_ref(&police));
    assert_eq!(audit_head(&store).await, head + 1);
    let records = audit_records(&store, AuditFilter::action("registration.inquiry")).await;
    assert!(records
        .items
        .iter()
        .any(|r| r.entity == "registration/T0000020"
            && r.actor == "board-user"
            && r.payload.contains("\"police\"")
            && r.payload.contains("سابقه اعتیاد")));
    // Once only.
    let again = store
        .record_inquiry(&election, "T0000020", &police, &board)
        .await;
    assert_eq!(
        vetting_refusal(again),
        VettingRefusal::InquiryAnswered {
            authority: Authority::Police
        }
    );
    assert!(matches!(
        store
            .record_inquiry(&election, "T9999999", &police, &board)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, head + 1);
    // Still three pending.
    let early = store
        .vet(
            &election,
            "T0000020",
            &review,
            Reviewer::ExecutiveBoard,
            &board,
        )
        .await;
    assert_eq!(vetting_refusal(early).code(), "inquiries_pending");

    for authority in [
        Authority::Intelligence,
        Authority::Judiciary,
        Authority::CivilRegistration,
    ] {
        store
            .record_inquiry(
                &election,
                "T0000020",
                &InquiryAnswer {
                    authority,
                    answer: Answer::Clear,
                    note: String::new(),
                    answered_at: board.at,
                },
                &board,
            )
            .await
            .unwrap();
    }
    let answers = store.inquiries(&election, "T0000020").await.unwrap();
    let order: Vec<Authority> = answers.iter().map(|a| a.authority).collect();
    assert_eq!(order, Authority::ALL, "in the bodies' order");
    assert_eq!(answers[1], police);

    // A rejection without a legal ground: refused; with one, taken.
    let bare = VettingAction::ExecutiveReview {
        qualified: false,
        reason: "سابقه اعتیاد".into(),
        grounds: Vec::new(),
    };
    let refused = store
        .vet(
            &election,
            "T0000020",
            &bare,
            Reviewer::ExecutiveBoard,
            &board,
        )
        .await;
    assert_eq!(vetting_refusal(refused).code(), "rejection_ground_required");
    let grounded = VettingAction::ExecutiveReview {
        qualified: false,
        reason: "سابقه اعتیاد".into(),
        grounds: vec![RejectionGround::Reputation],
    };
    let reviewed = store
        .vet(
            &election,
            "T0000020",
            &grounded,
            Reviewer::ExecutiveBoard,
            &board,
        )
        .await
        .unwrap();
    assert_eq!(reviewed.vetting.state, VettingState::ExecutiveReviewed);
    let records = audit_records(&store, AuditFilter::action("registration.executive_review")).await;
    assert!(records
        .items
        .iter()
        .any(|r| r.entity == "registration/T0000020" && r.payload.contains("\"reputation\"")));
    assert_chain(&store, head + 5).await;

    // The demo's decided files have all four answers; its waiting files some.
    let decided = data
        .registrations
        .iter()
        .find(|r| !r.steps.is_empty())
        .expect("a decided demo file");
    assert_eq!(
        store
            .inquiries(&election, &decided.tracking_code)
            .await
            .unwrap()
            .len(),
        4
    );
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
    // The demo files at whole minutes too: ours is the one of that minute in its council.
    let ours = facts
        .iter()
        .find(|f| f.submitted_at == FILED + time::Duration::minutes(27) && f.council == b.code)
        .unwrap();
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

/// The worklist's search (digits of a tracking code or national id, or a part of the name in
/// any spacing) and its sorts, the same on both backends, over the demo's files and ours.
pub async fn registrations_search_and_sort(store: Arc<dyn Store>) {
    use crate::{RegistrationSearch, RegistrationSortKey, Sort};
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let council = data.councils[0].code.clone();
    let list = |filter: RegistrationFilter| {
        let (store, election) = (store.clone(), election.clone());
        async move {
            store
                .registrations(&election, &filter, PageRequest::new(1, 500))
                .await
                .unwrap()
        }
    };
    let mut ours = new_registration(&election, &council, 40);
    ours.application.first_name = "نیک\u{200c}نام".into();
    ours.application.last_name = "زرین\u{200c}کوب\u{200c}تبار".into();
    store.register(&ours, &applicant(FILED)).await.unwrap();
    let search = |text: &str| RegistrationFilter {
        search: RegistrationSearch::parse(text),
        ..Default::default()
    };
    // A name in any spacing and script, first and last run together.
    for typed in ["زرین کوب تبار", "زرینکوبتبار", "نام زرین", "نيك\u{200c}نام"]
    {
        let found = list(search(typed)).await;
        assert!(
            found
                .items
                .iter()
                .any(|r| r.tracking_code == ours.tracking_code),
            "{typed}"
        );
        let key = domain::text::search_key(typed);
        assert!(found
            .items
            .iter()
            .all(|r| domain::text::search_key(&format!(
                "{}{}",
                r.application.first_name, r.application.last_name
            ))
            .contains(&key)));
    }
    // The first digits of a national id, in Persian or Latin digits.
    let id = ours.application.national_id.as_str().to_owned();
    for typed in [id.clone(), domain::text::persian_digits(&id[..8])] {
        let found = list(search(&typed)).await;
        assert!(found
            .items
            .iter()
            .any(|r| r.tracking_code == ours.tracking_code));
        assert!(found.items.iter().all(|r| r
            .application
            .national_id
            .as_str()
            .starts_with(&id[..8])));
    }
    // A demo file by its tracking code's first digits.
    let demo = &data.registrations[data.registrations.len() / 2];
    let found = list(search(&demo.tracking_code)).await;
    assert!(found
        .items
        .iter()
        .any(|r| r.tracking_code == demo.tracking_code));
    assert!(found.items.iter().all(|r| {
        r.tracking_code.starts_with(&demo.tracking_code)
            || r.application
                .national_id
                .as_str()
                .starts_with(&demo.tracking_code)
    }));
    assert_eq!(list(search("هیچ‌کس‌چنین‌نامی")).await.total, 0);
    assert_eq!(RegistrationSearch::parse("  "), None);

    // Sorts: the key in byte order, ties in filing order; the same rows whichever the order.
    let sorted = |key, descending| RegistrationFilter {
        sort: Sort { key, descending },
        ..Default::default()
    };
    let by_name = list(sorted(RegistrationSortKey::Name, false)).await;
    let names: Vec<(String, String)> = by_name
        .items
        .iter()
        .map(|r| {
            (
                r.application.last_name.clone(),
                r.application.first_name.clone(),
            )
        })
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]));
    let by_name_desc = list(sorted(RegistrationSortKey::Name, true)).await;
    assert_eq!(by_name_desc.total, by_name.total);
    let names_desc: Vec<(String, String)> = by_name_desc
        .items
        .iter()
        .map(|r| {
            (
                r.application.last_name.clone(),
                r.application.first_name.clone(),
            )
        })
        .collect();
    assert!(names_desc.windows(2).all(|w| w[0] >= w[1]));
    let by_council = list(sorted(RegistrationSortKey::Council, false)).await;
    assert!(by_council
        .items
        .windows(2)
        .all(|w| w[0].council_name <= w[1].council_name));
    let by_code = list(sorted(RegistrationSortKey::Tracking, true)).await;
    assert!(by_code
        .items
        .windows(2)
        .all(|w| w[0].tracking_code > w[1].tracking_code));
    let filed = list(sorted(RegistrationSortKey::Filed, true)).await;
    assert!(filed
        .items
        .windows(2)
        .all(|w| w[0].vetting.submitted_at >= w[1].vetting.submitted_at));
    assert_eq!(
        Sort::<RegistrationSortKey>::parse("-council"),
        Some(Sort::descending(RegistrationSortKey::Council))
    );
}
