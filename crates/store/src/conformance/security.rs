//! Sensitive stations, their security plans and the county security council (issue 16).

use super::*;
use crate::security::{PlanFilter, SensitiveFilter, SensitiveSortKey};
use crate::{Page, Sort};
use domain::security::{
    check_may_mark_ready, Cadence, CctvCoverage, PlanStatus, SecurityPlan, SecurityRefusal,
    SensitiveReason,
};

/// An actor acting on `date` (UTC noon).
fn on(date: time::Date) -> Actor {
    Actor::new(
        "governor-test",
        date.with_hms(8, 0, 0).unwrap().assume_utc(),
    )
}

fn plan(effective_on: time::Date) -> SecurityPlan {
    SecurityPlan {
        measures: "استقرار دو مأمور انتظامی و بازرسی ورودی".into(),
        responsible_name: "سروان احمدی".into(),
        responsible_phone: "۰۳۴۳۲۲۲۰۱۱۰".into(),
        protective_staff: 2,
        cctv_coverage: CctvCoverage::Partial,
        contacts: "پاسگاه: ۱۱۰".into(),
        escalation: "رئیس شعبه ← فرمانداری ← شورای تأمین".into(),
        effective_on,
    }
}

fn refusal_code(e: &StoreError) -> &'static str {
    e.refusal().map_or("none", crate::Refusal::code)
}

/// A station of `county` the demo did not flag.
fn plain_station(data: &DemoData, county: &str, skip: usize) -> String {
    let flagged: std::collections::HashSet<&str> = data
        .sensitive_stations
        .iter()
        .map(|s| s.station.as_str())
        .collect();
    data.stations
        .iter()
        .filter(|s| s.county_code == county && !flagged.contains(s.code.as_str()))
        .nth(skip)
        .map(|s| s.code.clone())
        .unwrap()
}

async fn council_meeting(store: &Arc<dyn Store>, county: &str, at: time::OffsetDateTime) -> i64 {
    store
        .record_meeting(
            &Meeting {
                id: 0,
                board: format!("security-{county}"),
                held_at: at,
                agenda: "بررسی طرح‌های امنیتی".into(),
                minutes: "طرح بررسی شد.".into(),
                attendance: Vec::new(),
                decisions: vec![Decision {
                    text: "گزارش دوربین‌ها".into(),
                    owner: "فرماندهی انتظامی".into(),
                    due_on: time::macros::date!(2026 - 03 - 01),
                    done: None,
                }],
            },
            &actor(),
        )
        .await
        .unwrap()
}

pub async fn a_sensitive_station_needs_an_approved_plan(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county = data.counties[0].code.clone();
    let other = data.counties[1].code.clone();
    let station = plain_station(&data, &county, 0);
    let day = time::macros::date!(2026 - 02 - 20);
    let by = on(day);
    let record = store.station_security(&station).await.unwrap().unwrap();
    assert!(!record.security.sensitive);
    assert_eq!(check_may_mark_ready(&record.security), Ok(()));
    assert!(store.station_security("9999999").await.unwrap().is_none());

    // Bad input: nothing written.
    let head = audit_head(&store).await;
    for (reasons, code) in [
        (vec![], "no_sensitive_reason"),
        (vec!["flood".to_owned()], "unknown_sensitive_reason"),
        (
            vec!["no_cctv".to_owned(), "no_cctv".to_owned()],
            "repeated_sensitive_reason",
        ),
    ] {
        let e = store
            .flag_station(&station, &reasons, "", &by)
            .await
            .unwrap_err();
        assert_eq!(refusal_code(&e), code);
    }
    let e = store
        .save_plan(&station, &plan(day), &by)
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "station_not_sensitive");
    assert!(matches!(
        store
            .flag_station("9999999", &["no_cctv".into()], "", &by)
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(audit_head(&store).await, head, "nothing written");

    let security = store
        .flag_station(
            &station,
            &["border_area".into(), "no_cctv".into()],
            "نزدیک مرز",
            &by,
        )
        .await
        .unwrap();
    assert!(security.sensitive);
    assert_eq!(security.plan_status, None);
    assert_eq!(
        check_may_mark_ready(&security),
        Err(SecurityRefusal::NoApprovedPlan)
    );

    // A plan dated in the past, or out of order: refused, nothing written.
    let head = audit_head(&store).await;
    let e = store
        .save_plan(&station, &plan(time::macros::date!(2026 - 02 - 19)), &by)
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "plan_date_in_past");
    let e = store.submit_plan(&station, &by).await.unwrap_err();
    assert_eq!(refusal_code(&e), "plan_step_out_of_order");
    assert_eq!(audit_head(&store).await, head, "nothing written");
    assert_eq!(
        store
            .station_security(&station)
            .await
            .unwrap()
            .unwrap()
            .plan,
        None
    );

    assert_eq!(
        store.save_plan(&station, &plan(day), &by).await.unwrap(),
        PlanStatus::Draft
    );
    let meeting = council_meeting(&store, &county, datetime!(2026-02-18 07:00 UTC)).await;
    let elsewhere = council_meeting(&store, &other, datetime!(2026-02-18 07:00 UTC)).await;
    let later = council_meeting(&store, &county, datetime!(2026-02-25 07:00 UTC)).await;
    let head = audit_head(&store).await;
    // A draft is not approved: it is submitted first.
    let e = store
        .approve_plan(&station, meeting, &by)
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "plan_step_out_of_order");
    assert_eq!(audit_head(&store).await, head);
    assert_eq!(
        store.submit_plan(&station, &by).await.unwrap(),
        PlanStatus::Submitted
    );
    // Editing a plan the council weighs is refused.
    let e = store
        .save_plan(&station, &plan(day), &by)
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "plan_step_out_of_order");
    let head = audit_head(&store).await;
    for (m, code) in [
        (elsewhere, "meeting_not_of_security_council"),
        (later, "meeting_not_held"),
    ] {
        let e = store.approve_plan(&station, m, &by).await.unwrap_err();
        assert_eq!(refusal_code(&e), code);
    }
    assert!(matches!(
        store.approve_plan(&station, 987_654, &by).await,
        Err(StoreError::NotFound { .. })
    ));
    let e = store
        .return_plan(&station, Some(meeting), " ", &by)
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "return_reason_required");
    assert_eq!(audit_head(&store).await, head, "nothing written");
    let still = store.station_security(&station).await.unwrap().unwrap();
    assert_eq!(still.security.plan_status, Some(PlanStatus::Submitted));

    // Returned, rewritten, submitted again, approved.
    assert_eq!(
        store
            .return_plan(&station, Some(meeting), "نیروی حفاظتی کم است", &by)
            .await
            .unwrap(),
        PlanStatus::Returned
    );
    let returned = store.station_security(&station).await.unwrap().unwrap();
    let stored = returned.plan.unwrap();
    assert_eq!(stored.return_reason, "نیروی حفاظتی کم است");
    assert_eq!(stored.meeting_id, Some(meeting));
    let mut better = plan(day);
    better.protective_staff = 4;
    store.save_plan(&station, &better, &by).await.unwrap();
    store.submit_plan(&station, &by).await.unwrap();
    assert_eq!(
        store.approve_plan(&station, meeting, &by).await.unwrap(),
        PlanStatus::Approved
    );
    let approved = store.station_security(&station).await.unwrap().unwrap();
    assert_eq!(approved.county, county);
    assert_eq!(approved.note, "نزدیک مرز");
    assert_eq!(
        approved.security.reasons,
        vec!["border_area".to_owned(), "no_cctv".to_owned()]
    );
    let stored = approved.plan.clone().unwrap();
    assert_eq!(stored.status, PlanStatus::Approved);
    assert_eq!(stored.plan.protective_staff, 4);
    assert_eq!(stored.plan.responsible_phone, "03432220110");
    assert_eq!(stored.meeting_id, Some(meeting));
    assert_eq!(stored.return_reason, "");
    assert_eq!(check_may_mark_ready(&approved.security), Ok(()));

    // The county's list has it, approved; the other county's does not.
    let page = store
        .sensitive_stations(
            &SensitiveFilter {
                county: Some(county.clone()),
                plan: PlanFilter::Approved,
                sort: Sort::ascending(SensitiveSortKey::Code),
                ..Default::default()
            },
            PageRequest::new(1, 500),
        )
        .await
        .unwrap();
    let row = page.items.iter().find(|s| s.station == station).unwrap();
    assert!(!row.needs_plan);
    assert!(page.items.iter().all(|s| s.county == county));
    let page: Page<_> = store
        .sensitive_stations(
            &SensitiveFilter {
                county: Some(other.clone()),
                ..Default::default()
            },
            PageRequest::new(1, 500),
        )
        .await
        .unwrap();
    assert!(page.items.iter().all(|s| s.station != station));

    let actions = audit_actions(&store, AuditFilter::entity(format!("station/{station}"))).await;
    for a in [
        "security.flag",
        "security.plan_save",
        "security.plan_submit",
        "security.plan_return",
        "security.plan_approve",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }

    // Unflagged: the station needs no plan; unflagging again writes nothing.
    assert!(store.unflag_station(&station, &by).await.unwrap());
    let head = audit_head(&store).await;
    assert!(!store.unflag_station(&station, &by).await.unwrap());
    assert_eq!(audit_head(&store).await, head);
    let record = store.station_security(&station).await.unwrap().unwrap();
    assert!(!record.security.sensitive);
    assert_eq!(check_may_mark_ready(&record.security), Ok(()));
}

pub async fn sensitive_lists_and_reasons_follow_the_demo_and_the_election(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    assert!(!data.sensitive_stations.is_empty());
    let all = store
        .sensitive_stations(&SensitiveFilter::default(), PageRequest::new(1, 500))
        .await
        .unwrap();
    assert_eq!(all.total as usize, data.sensitive_stations.len());
    // Those needing a plan first.
    let first_approved = all.items.iter().position(|s| !s.needs_plan).unwrap();
    assert!(all.items[first_approved..].iter().all(|s| !s.needs_plan));
    assert!(all.items[..first_approved].iter().all(|s| s.needs_plan));
    let with =
        |status: Option<PlanStatus>| all.items.iter().filter(|s| s.plan_status == status).count();
    for status in [
        None,
        Some(PlanStatus::Draft),
        Some(PlanStatus::Submitted),
        Some(PlanStatus::Approved),
        Some(PlanStatus::Returned),
    ] {
        assert!(with(status) > 0, "{status:?}");
    }
    let needs = store
        .sensitive_stations(
            &SensitiveFilter {
                plan: PlanFilter::NeedsPlan,
                ..Default::default()
            },
            PageRequest::new(2, 3),
        )
        .await
        .unwrap();
    assert_eq!(needs.total as usize, first_approved);
    assert!(needs.items.len() <= 3);
    let summary = store.security_summary(None).await.unwrap();
    assert_eq!(summary.len(), data.counties.len());
    assert_eq!(summary.iter().map(|c| c.sensitive).sum::<i64>(), all.total);
    assert_eq!(
        summary.iter().map(|c| c.needs_plan).sum::<i64>(),
        first_approved as i64
    );
    let one = store
        .security_summary(Some(&data.counties[0].code))
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    // An approved demo plan names the council meeting that approved it, held in its county.
    let approved = all
        .items
        .iter()
        .find(|s| s.plan_status == Some(PlanStatus::Approved))
        .unwrap();
    let record = store
        .station_security(&approved.station)
        .await
        .unwrap()
        .unwrap();
    let meeting = record.plan.unwrap().meeting_id.unwrap();
    let meeting = store.meeting(meeting).await.unwrap().unwrap();
    assert_eq!(meeting.board, format!("security-{}", approved.county));

    // The reasons: the defaults until the HQ sets a list; a reason in use stays.
    let election = data.election.code.clone();
    let defaults = store.sensitive_reasons(&election).await.unwrap();
    assert_eq!(defaults, domain::security::default_reasons());
    assert!(matches!(
        store.sensitive_reasons("nope").await,
        Err(StoreError::NotFound { .. })
    ));
    let head = audit_head(&store).await;
    let only_border = vec![SensitiveReason {
        code: "border_area".into(),
        name: "منطقه مرزی".into(),
    }];
    let e = store
        .set_sensitive_reasons(&election, &only_border, &actor())
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "sensitive_reason_in_use");
    let e = store
        .set_sensitive_reasons(&election, &[], &actor())
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "invalid_reason_list");
    assert_eq!(audit_head(&store).await, head);
    let mut list = defaults.clone();
    list.push(SensitiveReason {
        code: "flood_risk".into(),
        name: "خطر سیل در مسیر".into(),
    });
    list.swap(0, 1);
    store
        .set_sensitive_reasons(&election, &list, &actor())
        .await
        .unwrap();
    assert_eq!(store.sensitive_reasons(&election).await.unwrap(), list);
    let station = plain_station(&data, &data.counties[0].code, 1);
    store
        .flag_station(&station, &["flood_risk".into()], "", &actor())
        .await
        .unwrap();
}

pub async fn the_security_council_is_a_board_with_a_cadence(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county = data.counties[0].code.clone();
    let boards = store.boards(Some(&county)).await.unwrap();
    let council = boards
        .iter()
        .find(|b| b.board.kind == BoardKind::CountySecurity)
        .unwrap();
    assert_eq!(council.board.code, format!("security-{county}"));
    let ids = clean_people(&store, 800, 2).await;
    let term = (time::macros::date!(2026 - 01 - 01), None);
    store
        .add_board_member(
            &council.board.code,
            &ids[0],
            BoardRole::PoliceRep,
            term,
            &actor(),
        )
        .await
        .unwrap();
    let e = store
        .add_board_member(
            &council.board.code,
            &ids[1],
            BoardRole::PoliceRep,
            term,
            &actor(),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "board_full");
    let e = store
        .add_board_member(
            &council.board.code,
            &ids[1],
            BoardRole::Trusted,
            term,
            &actor(),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "role_not_on_board");
    let with_member = store.board(&council.board.code).await.unwrap().unwrap();
    assert!(with_member
        .members
        .iter()
        .any(|m| m.national_id == ids[0] && m.role == BoardRole::PoliceRep));

    // The demo's councils met: Kerman county's twice.
    let kerman = data
        .counties
        .iter()
        .find(|c| c.name_en == "Kerman")
        .unwrap()
        .code
        .clone();
    let meetings = store.meetings(&format!("security-{kerman}")).await.unwrap();
    assert_eq!(meetings.len(), 2);
    assert!(meetings[0].held_at > meetings[1].held_at);

    assert_eq!(store.council_cadence(&county).await.unwrap(), None);
    assert!(matches!(
        store.council_cadence("99").await,
        Err(StoreError::NotFound { .. })
    ));
    let head = audit_head(&store).await;
    let e = store
        .set_council_cadence(
            &county,
            &Cadence {
                starts_on: data.election.election_day,
                every_days: 14,
            },
            &actor(),
        )
        .await
        .unwrap_err();
    assert_eq!(refusal_code(&e), "invalid_cadence");
    assert_eq!(audit_head(&store).await, head);
    let cadence = Cadence {
        starts_on: time::macros::date!(2026 - 02 - 01),
        every_days: 7,
    };
    store
        .set_council_cadence(&county, &cadence, &actor())
        .await
        .unwrap();
    assert_eq!(store.council_cadence(&county).await.unwrap(), Some(cadence));
    let actions = audit_actions(
        &store,
        AuditFilter::entity(format!("board/security-{county}")),
    )
    .await;
    assert!(
        actions.iter().any(|a| a == "security.cadence"),
        "{actions:?}"
    );
}
