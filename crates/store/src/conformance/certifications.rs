//! Conformance cases: a council's result certified step by step, and complaints decided,
//! objected to and heard (issue 18 §5).

use super::*;
use crate::certifications::ResultNow;
use crate::complaints::NewComplaint;
use crate::Entity;
use domain::results::certification::{CertificationRefusal, Step};
use domain::results::complaints::{ComplaintRefusal, Hearing, Outcome};
use domain::results::status::ResultStatus;

fn certification_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> CertificationRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Certification(refusal))) => refusal,
        other => panic!("expected the certification's refusal, got {other:?}"),
    }
}

fn complaint_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> ComplaintRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Complaint(refusal))) => refusal,
        other => panic!("expected the complaint's refusal, got {other:?}"),
    }
}

fn at(hours: i64) -> Actor {
    Actor::new(
        "board",
        datetime!(2026-05-01 15:00 UTC) + time::Duration::hours(hours),
    )
}

pub async fn results_are_certified_in_order_and_complaints_hold_the_confirmation(
    store: Arc<dyn Store>,
) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = &data.stations[0];
    let council = station.council_code.clone();
    let now = |reported, digest: &str| ResultNow {
        council: council.clone(),
        reported,
        digest: digest.into(),
        result: format!("{{\"digest\":\"{digest}\"}}"),
        lottery_seed: Some(digest.repeat(32)),
        complaints_window: None,
    };
    let complete = now(ResultStatus::UnofficialComplete, "d1");
    let before = audit_head(&store).await;
    assert_eq!(
        certification_refusal(
            store
                .certify(
                    &election,
                    &now(ResultStatus::UnofficialPartial, "d1"),
                    Step::Approve,
                    "",
                    &at(0)
                )
                .await
        ),
        CertificationRefusal::Incomplete
    );
    assert_eq!(
        certification_refusal(
            store
                .certify(&election, &complete, Step::Confirm, "", &at(0))
                .await
        ),
        CertificationRefusal::OutOfOrder
    );
    assert!(matches!(
        store
            .certify(
                &election,
                &ResultNow {
                    council: "NO-SUCH".into(),
                    ..complete.clone()
                },
                Step::Approve,
                "",
                &at(0)
            )
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Council
        })
    ));
    assert_eq!(audit_head(&store).await, before, "nothing written");
    store
        .certify(&election, &complete, Step::Approve, "", &at(1))
        .await
        .unwrap();

    // A complaint about one of the council's stations holds the confirmation.
    let filed = store
        .file_complaint(
            &election,
            &NewComplaint {
                council: council.clone(),
                station: Some(station.code.clone()),
                candidate: "101".into(),
                text: "شمارش در حضور ناظران نبود".into(),
            },
            &at(2),
        )
        .await
        .unwrap();
    assert!(filed.pending());
    assert_eq!(
        complaint_refusal(
            store
                .file_complaint(
                    &election,
                    &NewComplaint {
                        council: council.clone(),
                        station: Some(station.code.clone()),
                        candidate: "101".into(),
                        text: "دوباره همان شکایت".into(),
                    },
                    &at(2),
                )
                .await
        ),
        ComplaintRefusal::AlreadyFiled
    );
    assert_eq!(
        certification_refusal(
            store
                .certify(&election, &complete, Step::Confirm, "", &at(3))
                .await
        ),
        CertificationRefusal::ComplaintsPending
    );
    assert!(matches!(
        store
            .decide_complaint(&election, filed.id + 1000, Outcome::Rejected, "x", &at(3))
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Complaint
        })
    ));
    assert_eq!(
        complaint_refusal(
            store
                .hear_objection(&election, filed.id, Hearing::Upheld, "x", &at(3))
                .await
        ),
        ComplaintRefusal::NotObjected
    );
    // Annulled on the complaint: the decision and the box's annulment in one transaction.
    let decided = store
        .decide_complaint(
            &election,
            filed.id,
            Outcome::Annulled,
            "بی‌نظمی در شمارش",
            &at(4),
        )
        .await
        .unwrap();
    assert_eq!(
        decided
            .decision
            .as_ref()
            .map(|d| (d.what, d.reason.as_str())),
        Some((Outcome::Annulled, "بی‌نظمی در شمارش"))
    );
    assert_eq!(store.annulments(&election).await.unwrap().len(), 1);
    assert_eq!(
        complaint_refusal(
            store
                .decide_complaint(&election, filed.id, Outcome::Rejected, "دوباره", &at(5))
                .await
        ),
        ComplaintRefusal::AlreadyDecided
    );
    // The candidate objects in time; the objection holds the confirmation until heard.
    let window = time::Duration::days(3);
    assert_eq!(
        complaint_refusal(
            store
                .object_to_decision(
                    &election,
                    filed.id,
                    "اعتراض به ابطال صندوق",
                    window,
                    &at(4 + 72)
                )
                .await
        ),
        ComplaintRefusal::ObjectionOutsideWindow
    );
    store
        .object_to_decision(&election, filed.id, "اعتراض به ابطال صندوق", window, &at(6))
        .await
        .unwrap();
    assert_eq!(
        certification_refusal(
            store
                .certify(&election, &complete, Step::Confirm, "", &at(7))
                .await
        ),
        CertificationRefusal::ComplaintsPending
    );
    let heard = store
        .hear_objection(&election, filed.id, Hearing::Upheld, "مستند است", &at(8))
        .await
        .unwrap();
    assert!(!heard.pending());
    assert_eq!(store.complaints(&election).await.unwrap(), vec![heard]);

    // The annulment changed the result: confirming the approved one is refused; reopened with
    // a reason and approved anew, it is confirmed and published.
    let changed = now(ResultStatus::UnofficialComplete, "d2");
    assert_eq!(
        certification_refusal(
            store
                .certify(&election, &changed, Step::Confirm, "", &at(9))
                .await
        ),
        CertificationRefusal::Changed
    );
    assert_eq!(
        certification_refusal(
            store
                .certify(&election, &changed, Step::Reopen, " ", &at(9))
                .await
        ),
        CertificationRefusal::ReasonLength
    );
    for (step, reason) in [
        (Step::Reopen, "ابطال صندوق شعبه"),
        (Step::Approve, ""),
        (Step::Confirm, ""),
        (Step::Publish, ""),
    ] {
        store
            .certify(&election, &changed, step, reason, &at(10))
            .await
            .unwrap();
    }
    let kept = store.certifications(&election).await.unwrap();
    let steps: Vec<Step> = kept.iter().map(|s| s.step).collect();
    assert_eq!(
        steps,
        vec![
            Step::Approve,
            Step::Reopen,
            Step::Approve,
            Step::Confirm,
            Step::Publish
        ]
    );
    assert_eq!(kept[1].reason.as_deref(), Some("ابطال صندوق شعبه"));
    assert_eq!(kept[4].result, "{\"digest\":\"d2\"}");
    // An approval keeps the lottery's seed, and the second the first's: a reopening draws no
    // new lottery. No other step keeps one.
    let seeds: Vec<Option<&str>> = kept.iter().map(|s| s.lottery_seed.as_deref()).collect();
    let first = "d1".repeat(32);
    assert_eq!(
        seeds,
        vec![Some(first.as_str()), None, Some(first.as_str()), None, None]
    );
    // An annulment the province board overturns is lifted in the hearing's transaction.
    let other = data.stations[1].code.clone();
    let second = store
        .file_complaint(
            &election,
            &NewComplaint {
                council: data.stations[1].council_code.clone(),
                station: Some(other.clone()),
                candidate: "102".into(),
                text: "صندوق این شعبه پلمب نبود".into(),
            },
            &at(11),
        )
        .await
        .unwrap();
    store
        .decide_complaint(
            &election,
            second.id,
            Outcome::Annulled,
            "پلمب نبود",
            &at(12),
        )
        .await
        .unwrap();
    assert_eq!(store.annulments(&election).await.unwrap().len(), 2);
    store
        .object_to_decision(
            &election,
            second.id,
            "پلمب بود و عکس آن هست",
            window,
            &at(13),
        )
        .await
        .unwrap();
    store
        .hear_objection(
            &election,
            second.id,
            Hearing::Overturned,
            "عکس پلمب ارائه شد",
            &at(14),
        )
        .await
        .unwrap();
    let in_force: Vec<String> = store
        .annulments(&election)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.station)
        .collect();
    assert_eq!(in_force, vec![station.code.clone()]);
    // Approve, file, decide (with its annulment), object, hear, reopen, approve, confirm,
    // publish; then file, decide (and annul), object, hear (and lift).
    assert_eq!(audit_head(&store).await, before + 16);
    assert_chain(&store, before + 16).await;
}
