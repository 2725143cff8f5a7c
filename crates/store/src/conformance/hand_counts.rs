//! Conformance cases: the paper fallback's hand counts (issue 18 §1).

use super::*;
use crate::Entity;
use domain::results::paper::{HandCount, PaperRefusal};

fn paper_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> PaperRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Paper(refusal))) => refusal,
        other => panic!("expected the hand count's refusal, got {other:?}"),
    }
}

fn official(name: &str) -> Actor {
    Actor::new(name, datetime!(2026-01-11 18:00 UTC))
}

fn count(council: &str, a: u64, b: u64) -> HandCount {
    HandCount {
        council: council.into(),
        ballots: 10,
        blank: 1,
        unused_choices: 1,
        votes: [("A".to_owned(), a), ("B".to_owned(), b)].into(),
    }
}

pub async fn hand_counts_are_entered_twice_by_two_officials_and_resolved_once(
    store: Arc<dyn Store>,
) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = data.stations[0].code.clone();
    let council = data.stations[0].council_code.clone();
    let before = audit_head(&store).await;
    // Nothing before the declaration, and no declaration without a reason.
    assert_eq!(
        paper_refusal(
            store
                .enter_hand_count(&election, &station, &count(&council, 5, 4), &official("a"))
                .await
        ),
        PaperRefusal::NotPaper
    );
    assert_eq!(
        paper_refusal(
            store
                .declare_paper(&election, &station, " ", &official("gov"))
                .await
        ),
        PaperRefusal::ReasonLength
    );
    assert!(matches!(
        store
            .declare_paper(&election, "NO-SUCH", "خرابی", &official("gov"))
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Station
        })
    ));
    assert_eq!(audit_head(&store).await, before, "nothing written");
    let declared = store
        .declare_paper(
            &election,
            &station,
            "  خرابی  هر دو دستگاه ",
            &official("gov"),
        )
        .await
        .unwrap();
    assert_eq!(declared.reason, "خرابی هر دو دستگاه");
    assert_eq!(
        paper_refusal(
            store
                .declare_paper(&election, &station, "دوباره", &official("gov"))
                .await
        ),
        PaperRefusal::AlreadyPaper
    );
    // The first entry, then the same official again (refused), then another who differs.
    let first = store
        .enter_hand_count(&election, &station, &count(&council, 5, 4), &official("a"))
        .await
        .unwrap();
    assert_eq!(first.entries.len(), 1);
    assert_eq!(first.accepted(), None, "one entry never counts");
    assert_eq!(
        paper_refusal(
            store
                .enter_hand_count(&election, &station, &count(&council, 5, 4), &official("a"))
                .await
        ),
        PaperRefusal::SameOfficial
    );
    let mid = audit_head(&store).await;
    assert_eq!(
        paper_refusal(
            store
                .resolve_hand_count(
                    &election,
                    &station,
                    &count(&council, 5, 4),
                    "x",
                    &official("board")
                )
                .await
        ),
        PaperRefusal::NothingToResolve
    );
    let both = store
        .enter_hand_count(&election, &station, &count(&council, 6, 3), &official("b"))
        .await
        .unwrap();
    assert_eq!(both.entries.len(), 2);
    assert_eq!(both.entries[1].by, "b");
    assert_eq!(both.differences().len(), 2, "A and B differ");
    assert_eq!(both.accepted(), None, "differing entries never count");
    assert_eq!(
        paper_refusal(
            store
                .enter_hand_count(&election, &station, &count(&council, 5, 4), &official("c"))
                .await
        ),
        PaperRefusal::EntriesComplete
    );
    assert_eq!(audit_head(&store).await, mid + 1, "one entry written");
    // The executive board resolves once, with a reason.
    assert_eq!(
        paper_refusal(
            store
                .resolve_hand_count(
                    &election,
                    &station,
                    &count(&council, 6, 3),
                    "",
                    &official("board")
                )
                .await
        ),
        PaperRefusal::ReasonLength
    );
    let resolved = store
        .resolve_hand_count(
            &election,
            &station,
            &count(&council, 6, 3),
            "بازشماری در حضور ناظران",
            &official("board"),
        )
        .await
        .unwrap();
    assert_eq!(resolved.accepted(), Some(count(&council, 6, 3)));
    assert_eq!(
        paper_refusal(
            store
                .resolve_hand_count(
                    &election,
                    &station,
                    &count(&council, 5, 4),
                    "دوباره",
                    &official("board")
                )
                .await
        ),
        PaperRefusal::Resolved
    );
    // Kept as written, and listed by station.
    let listed = store.paper_stations(&election).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].station, station);
    assert_eq!(listed[0].reason, "خرابی هر دو دستگاه");
    assert_eq!(listed[0].councils, vec![resolved]);
    // Entries that agree count without the board, at another station.
    let other = data.stations[1].code.clone();
    let other_council = data.stations[1].council_code.clone();
    store
        .declare_paper(&election, &other, "قطع برق", &official("gov"))
        .await
        .unwrap();
    for by in ["a", "b"] {
        store
            .enter_hand_count(
                &election,
                &other,
                &count(&other_council, 5, 4),
                &official(by),
            )
            .await
            .unwrap();
    }
    let listed = store.paper_stations(&election).await.unwrap();
    assert_eq!(listed.len(), 2);
    let agreed = listed.iter().find(|p| p.station == other).unwrap();
    assert_eq!(
        agreed.councils[0].accepted(),
        Some(count(&other_council, 5, 4))
    );
    assert_eq!(audit_head(&store).await, before + 7);
    assert_chain(&store, before + 7).await;
}
