//! Conformance cases: incidents (issue 16 §5).

use super::*;
use crate::incidents::{IncidentFilter, NewIncident, NewStep};
use domain::incident::{
    Category, DemoIncident, IncidentPhoto, IncidentRefusal, IncidentReport, IncidentStatus,
    Overdue, Severity, Subcategory, Targets,
};

/// 1404/12/01 09:00 in Tehran: the demo's pinned clock.
const NINE: time::OffsetDateTime = datetime!(2026-02-20 05:30 UTC);

fn incident_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> IncidentRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Incident(refusal))) => refusal,
        other => panic!("expected an incident refusal, got {other:?}"),
    }
}

fn report(county: &str, station: Option<&str>, at: time::OffsetDateTime) -> IncidentReport {
    IncidentReport {
        county: county.to_owned(),
        station: station.map(str::to_owned),
        subcategory: Subcategory::PowerCut,
        severity: Severity::Critical,
        occurred_at: at - time::Duration::minutes(3),
        description: "  برق شعبه قطع شده است و دستگاه‌ها خاموش‌اند.  ".into(),
    }
}

fn step(to: IncidentStatus, note: &str) -> NewStep {
    NewStep {
        to,
        note: note.into(),
    }
}

/// A station of `county` and one of another county.
fn stations_of(data: &DemoData, county: &str) -> (String, String) {
    let own = data
        .stations
        .iter()
        .find(|s| s.county_code == county)
        .unwrap()
        .code
        .clone();
    let other = data
        .stations
        .iter()
        .find(|s| s.county_code != county)
        .unwrap()
        .code
        .clone();
    (own, other)
}

pub async fn incidents_are_filed_and_stepped_in_order(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let county = data.counties[3].code.clone();
    let (station, elsewhere) = stations_of(&data, &county);
    let filer = Actor::new("inspector-1", NINE);
    let photo = IncidentPhoto {
        media_type: domain::registration::MediaType::Png,
        size: 2_048,
        sha256: audit::digest_hex(b"incident photo"),
    };
    let head = audit_head(&store).await;

    // Refused filings write nothing.
    let mut short = report(&county, Some(&station), NINE);
    short.description = "قطع".into();
    let refused = store
        .file_incident(
            &NewIncident {
                report: short,
                photo: None,
            },
            &filer,
        )
        .await;
    assert_eq!(
        incident_refusal(refused),
        IncidentRefusal::DescriptionTooShort
    );
    let refused = store
        .file_incident(
            &NewIncident {
                report: report(&county, Some(&elsewhere), NINE),
                photo: None,
            },
            &filer,
        )
        .await;
    assert_eq!(
        incident_refusal(refused),
        IncidentRefusal::StationNotInCounty
    );
    let refused = store
        .file_incident(
            &NewIncident {
                report: report(&county, Some("9999999"), NINE),
                photo: None,
            },
            &filer,
        )
        .await;
    assert_eq!(
        incident_refusal(refused),
        IncidentRefusal::StationNotInCounty
    );
    let mut future = report(&county, Some(&station), NINE);
    future.occurred_at = NINE + time::Duration::minutes(1);
    let refused = store
        .file_incident(
            &NewIncident {
                report: future,
                photo: None,
            },
            &filer,
        )
        .await;
    assert_eq!(incident_refusal(refused), IncidentRefusal::OccurredInFuture);
    assert_eq!(audit_head(&store).await, head, "refusals write nothing");

    // Filed: open, its description trimmed, its deadlines from the filing.
    let filed = store
        .file_incident(
            &NewIncident {
                report: report(&county, Some(&station), NINE),
                photo: Some(photo.clone()),
            },
            &filer,
        )
        .await
        .unwrap();
    assert!(filed.id > 0);
    assert_eq!(filed.status, IncidentStatus::Open);
    assert_eq!(filed.category, Category::Physical);
    assert_eq!(filed.reported_by, "inspector-1");
    assert_eq!(filed.reported_at, NINE);
    assert_eq!(
        filed.description,
        "برق شعبه قطع شده است و دستگاه‌ها خاموش‌اند."
    );
    assert_eq!(
        filed.dues,
        Targets::default().dues(Severity::Critical, NINE)
    );
    assert_eq!(filed.photo, Some(photo.clone()));
    let (read, steps) = store.incident(filed.id).await.unwrap().unwrap();
    assert_eq!(read, filed);
    assert!(steps.is_empty());
    assert!(store
        .incident_photo_hashes()
        .await
        .unwrap()
        .contains(&photo.sha256));
    assert_eq!(audit_head(&store).await, head + 1);
    assert_eq!(
        audit_actions(
            &store,
            AuditFilter::entity(format!("incident/{}", filed.id))
        )
        .await,
        ["incident.file"]
    );

    // Out of order, before the last step, a resolution without a note: refused, nothing
    // written.
    let at = |m: i64| Actor::new("governor-1", NINE + time::Duration::minutes(m));
    let head = audit_head(&store).await;
    for (to, note, by, why) in [
        (IncidentStatus::Resolved, "رفع شد", at(5), "a skipped step"),
        (IncidentStatus::InProgress, "", at(5), "a skipped step"),
        (IncidentStatus::Open, "", at(5), "backwards"),
        (
            IncidentStatus::Acknowledged,
            "",
            at(-1),
            "before the filing",
        ),
    ] {
        let refused = store.step_incident(filed.id, &step(to, note), &by).await;
        let refusal = incident_refusal(refused);
        assert!(
            matches!(
                refusal,
                IncidentRefusal::OutOfOrder { .. } | IncidentRefusal::StepBeforeLast
            ),
            "{why}: {refusal:?}"
        );
        assert!(!refusal.is_invalid_input(), "{why}");
    }
    assert!(matches!(
        store
            .step_incident(
                filed.id + 10_000,
                &step(IncidentStatus::Acknowledged, ""),
                &at(5)
            )
            .await,
        Err(StoreError::NotFound {
            entity: crate::Entity::Incident
        })
    ));
    assert_eq!(audit_head(&store).await, head);
    let (unchanged, steps) = store.incident(filed.id).await.unwrap().unwrap();
    assert_eq!(unchanged.status, IncidentStatus::Open);
    assert!(steps.is_empty());

    // In order: each step timed, by whom, audited.
    let (after, steps) = store
        .step_incident(filed.id, &step(IncidentStatus::Acknowledged, ""), &at(5))
        .await
        .unwrap();
    assert_eq!(after.status, IncidentStatus::Acknowledged);
    assert_eq!(after.updated_at, at(5).at);
    assert_eq!(steps.len(), 1);
    store
        .step_incident(
            filed.id,
            &step(IncidentStatus::InProgress, "تیم برق اعزام شد"),
            &at(9),
        )
        .await
        .unwrap();
    let refused = store
        .step_incident(filed.id, &step(IncidentStatus::Resolved, "  "), &at(30))
        .await;
    assert_eq!(
        incident_refusal(refused),
        IncidentRefusal::ResolutionNeedsNote
    );
    let (done, steps) = store
        .step_incident(
            filed.id,
            &step(IncidentStatus::Resolved, "برق وصل شد"),
            &at(40),
        )
        .await
        .unwrap();
    assert_eq!(done.status, IncidentStatus::Resolved);
    assert_eq!(done.overdue(NINE + time::Duration::days(3)), None);
    let taken: Vec<_> = steps
        .iter()
        .map(|s| (s.status, s.at, s.by.as_str(), s.note.as_str()))
        .collect();
    assert_eq!(
        taken,
        [
            (IncidentStatus::Acknowledged, at(5).at, "governor-1", ""),
            (
                IncidentStatus::InProgress,
                at(9).at,
                "governor-1",
                "تیم برق اعزام شد"
            ),
            (
                IncidentStatus::Resolved,
                at(40).at,
                "governor-1",
                "برق وصل شد"
            ),
        ]
    );
    let refused = store
        .step_incident(filed.id, &step(IncidentStatus::Resolved, "باز"), &at(50))
        .await;
    assert!(matches!(
        incident_refusal(refused),
        IncidentRefusal::OutOfOrder {
            from: IncidentStatus::Resolved,
            ..
        }
    ));
    assert_eq!(
        audit_actions(
            &store,
            AuditFilter::entity(format!("incident/{}", filed.id))
        )
        .await,
        [
            "incident.step",
            "incident.step",
            "incident.step",
            "incident.file"
        ]
    );
    // A county's own incident, without a station.
    let county_wide = store
        .file_incident(
            &NewIncident {
                report: report(&county, None, NINE),
                photo: None,
            },
            &filer,
        )
        .await
        .unwrap();
    assert_eq!(county_wide.station, None);
    assert_ne!(county_wide.id, filed.id);
    assert_chain(&store, audit_head(&store).await).await;
}

fn demo_overdue(i: &DemoIncident, now: time::OffsetDateTime) -> bool {
    let dues = Targets::default().dues(i.report.severity, i.reported_at);
    domain::incident::overdue(i.status(), dues, now).is_some()
}

pub async fn incidents_filter_and_page(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let demo = &data.incidents;
    assert!(demo.len() >= 8, "the demo has incidents");
    let list = |filter: IncidentFilter, page: PageRequest| {
        let store = store.clone();
        async move { store.incidents(&filter, page).await.unwrap() }
    };
    let all = list(IncidentFilter::default(), PageRequest::new(1, 500)).await;
    assert_eq!(all.total as usize, demo.len());
    // Newest filing first.
    assert!(all
        .items
        .windows(2)
        .all(|w| (w[0].reported_at, w[0].id) >= (w[1].reported_at, w[1].id)));

    // Each filter selects what the demo says it should.
    let county = demo[0].report.county.clone();
    let by_county = list(
        IncidentFilter {
            county: Some(county.clone()),
            ..IncidentFilter::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(
        by_county.total as usize,
        demo.iter().filter(|i| i.report.county == county).count()
    );
    assert!(by_county.items.iter().all(|i| i.county == county));
    let station = demo.iter().find_map(|i| i.report.station.clone()).unwrap();
    let at_station = list(
        IncidentFilter {
            station: Some(station.clone()),
            ..IncidentFilter::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(
        at_station.total as usize,
        demo.iter()
            .filter(|i| i.report.station.as_deref() == Some(station.as_str()))
            .count()
    );
    for status in IncidentStatus::ALL {
        let found = list(
            IncidentFilter {
                status: Some(*status),
                ..IncidentFilter::default()
            },
            PageRequest::new(1, 500),
        )
        .await;
        let expected = demo.iter().filter(|i| i.status() == *status).count();
        assert!(expected > 0, "the demo has {status:?} incidents");
        assert_eq!(found.total as usize, expected, "{status:?}");
        assert!(found.items.iter().all(|i| i.status == *status));
    }
    for severity in Severity::ALL {
        let found = list(
            IncidentFilter {
                severity: Some(*severity),
                ..IncidentFilter::default()
            },
            PageRequest::new(1, 500),
        )
        .await;
        let expected = demo
            .iter()
            .filter(|i| i.report.severity == *severity)
            .count();
        assert_eq!(found.total as usize, expected, "{severity:?}");
    }
    let cyber = list(
        IncidentFilter {
            category: Some(Category::Cyber),
            ..IncidentFilter::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(
        cyber.total as usize,
        demo.iter()
            .filter(|i| i.report.category() == Category::Cyber)
            .count()
    );

    // Overdue: the store's filter agrees with the domain's rule, at nine and a day later.
    for now in [
        NINE,
        NINE + time::Duration::days(1),
        NINE - time::Duration::days(1),
    ] {
        let overdue = list(
            IncidentFilter {
                overdue_at: Some(now),
                ..IncidentFilter::default()
            },
            PageRequest::new(1, 500),
        )
        .await;
        let expected = demo.iter().filter(|i| demo_overdue(i, now)).count();
        assert_eq!(overdue.total as usize, expected, "{now}");
        assert!(overdue.items.iter().all(|i| i.overdue(now).is_some()));
    }
    let at_nine = list(
        IncidentFilter {
            overdue_at: Some(NINE),
            ..IncidentFilter::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert!(at_nine.total >= 3, "the demo has overdue incidents at nine");
    assert!((at_nine.total as usize) < demo.len());
    assert!(at_nine
        .items
        .iter()
        .any(|i| i.overdue(NINE) == Some(Overdue::Acknowledgement)));

    // Filters combine; pages add up.
    let combined = list(
        IncidentFilter {
            county: Some(county.clone()),
            status: Some(IncidentStatus::Open),
            ..IncidentFilter::default()
        },
        PageRequest::new(1, 500),
    )
    .await;
    assert_eq!(
        combined.total as usize,
        demo.iter()
            .filter(|i| i.report.county == county && i.status() == IncidentStatus::Open)
            .count()
    );
    let mut paged = Vec::new();
    for page in 1..=(all.total + 2) / 3 {
        let p = list(IncidentFilter::default(), PageRequest::new(page as u32, 3)).await;
        assert_eq!(p.total, all.total);
        paged.extend(p.items);
    }
    assert_eq!(paged, all.items);

    // The demo's steps are each one's own.
    let resolved = demo
        .iter()
        .position(|i| i.status() == IncidentStatus::Resolved)
        .unwrap();
    let wanted = &demo[resolved];
    let stored = all
        .items
        .iter()
        .find(|i| i.reported_at == wanted.reported_at && i.county == wanted.report.county)
        .unwrap();
    let (_, steps) = store.incident(stored.id).await.unwrap().unwrap();
    assert_eq!(steps, wanted.steps);
}
