//! Conformance cases: Boards, their members and meetings.

use super::*;

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
    let county = county_with_empty_board(&data, "inspection");
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
            format!("executive-{county}"),
            format!("security-{county}")
        ]
    );
    // The province board takes five.
    let province = store.board("inspection-province").await.unwrap().unwrap();
    assert_eq!(province.board.kind, BoardKind::ProvinceInspection);
    assert!(province.board.county.is_none());
    let actions = audit_actions(&store, AuditFilter::entity(format!("board/{code}"))).await;
    assert_eq!(
        actions.first().map(String::as_str),
        Some("board.member_add")
    );
    assert!(actions.contains(&"board.member_remove".to_owned()));
}

pub async fn meetings_round_trip(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county = county_with_empty_board(&data, "executive");
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
                done: None,
            },
            Decision {
                text: "بازدید از شعب حساس.".into(),
                owner: "فرماندار".into(),
                due_on: time::macros::date!(2026 - 02 - 03),
                done: None,
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

    // A decision done: once, with its note; it leaves the overdue list; nothing else changes.
    let done_by = Actor::new("governor-01", datetime!(2026-01-29 08:00 UTC));
    let after = store
        .complete_decision(first, 0, " فهرست  تکمیل شد ", &done_by)
        .await
        .unwrap();
    let done = after.decisions[0].done.clone().expect("marked done");
    assert_eq!(
        (done.by.as_str(), done.note.as_str(), done.at),
        ("governor-01", "فهرست تکمیل شد", done_by.at)
    );
    assert_eq!(after.decisions[1].done, None);
    assert_eq!(store.meeting(first).await.unwrap().unwrap(), after);
    assert_eq!(audit_head(&store).await, before + 3);
    let overdue = domain::security::overdue_decisions(
        &store.meetings(&code).await.unwrap(),
        time::macros::date!(2026 - 02 - 10),
    );
    assert!(overdue
        .iter()
        .all(|o| !(o.meeting_id == first && o.decision.text.starts_with("فهرست"))));
    assert_eq!(
        overdue.len(),
        3,
        "the other three decisions are still overdue"
    );
    assert!(matches!(
        store.complete_decision(first, 0, "", &done_by).await,
        Err(StoreError::Refused(crate::Refusal::Board(
            BoardRefusal::DecisionAlreadyDone
        )))
    ));
    for (meeting, position) in [(first, 2), (first, -1), (9_999_999, 0)] {
        assert!(matches!(
            store
                .complete_decision(meeting, position, "", &done_by)
                .await,
            Err(StoreError::NotFound { .. })
        ));
    }
    assert_eq!(
        audit_head(&store).await,
        before + 3,
        "refusals write nothing"
    );
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
    // Each county's inspection and executive boards and its security council (issue 16).
    assert_eq!(boards.len(), 1 + 3 * 25);
    assert_eq!(boards[0].board.code, "inspection-province");
    assert_eq!(boards[0].members.len(), 5);
    assert_eq!(
        boards.iter().map(|b| b.members.len()).sum::<usize>(),
        data.board_members.len()
    );
    let kerman = store.boards(Some("11")).await.unwrap();
    assert_eq!(kerman.len(), 3);
    assert_eq!(kerman[0].members.len(), 3);
    assert_eq!(kerman[2].board.kind, BoardKind::CountySecurity);
    assert_eq!(kerman[2].members.len(), BoardKind::CountySecurity.size());
    assert_eq!(kerman[0].members[0].role, BoardRole::Head);
    let short = boards
        .iter()
        .filter(|b| b.board.kind == BoardKind::CountyExecutive && b.members.len() < 16)
        .count();
    assert_eq!(short, 5, "a county in five lacks two alternates");
}
