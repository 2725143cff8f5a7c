//! The eligibility roll on PostgreSQL beyond the conformance suite: a national id repeated
//! across the import's COPY chunks is named, and nothing of the import stays.

use crate::{actor, new_database};
use domain::ids::NationalId;
use domain::roll::{Voter, VoterStatus};
use store::{prelude::*, verify_audit, Entity, StoreError};
use store_postgres::Postgres;

/// The rows in batches of 5,000, as an importer sends them.
fn send(rows: Vec<Voter>) -> tokio::sync::mpsc::Receiver<store::RollBatch> {
    store::conformance::send(rows, 5_000)
}

/// 60,000 rows go as about three COPY chunks; the id of row 3 comes again at row 55,000, in
/// another chunk than its first: the import is refused with that id, the roll before it stays
/// whole, and the chain has no record of the refused import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeat_across_chunks_is_named() {
    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: 3,
        people: 100,
    })
    .unwrap();
    let store = Postgres::connect(&new_database().await).await.unwrap();
    store.load_demo(&data, &actor()).await.unwrap();
    let election = data.election.code.clone();
    let mut roll: Vec<Voter> = (0..60_000)
        .map(|i| Voter {
            national_id: NationalId::with_check_digit(500_000_000 + i).unwrap(),
            birth_date: time::macros::date!(1985 - 07 - 01),
            council: data.councils[i as usize % data.councils.len()].code.clone(),
            status: VoterStatus::Alive,
        })
        .collect();
    let first: Vec<Voter> = roll.iter().take(10).cloned().collect();
    assert_eq!(
        store
            .import_roll(&election, send(first), "first", &actor())
            .await
            .unwrap(),
        10
    );
    let (head, _) = store.audit_head().await.unwrap();

    roll[55_000].national_id = roll[3].national_id.clone();
    let refused = store
        .import_roll(&election, send(roll.clone()), "repeat", &actor())
        .await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::Duplicate { entity: Entity::Voter, key })
                if key == roll[3].national_id.as_str()
        ),
        "{refused:?}"
    );
    assert_eq!(store.roll_count(&election).await.unwrap(), 10);
    assert_eq!(store.audit_head().await.unwrap().0, head);
    assert_eq!(verify_audit(&store).await.unwrap(), Ok(head));

    // The same roll without the repeat imports whole.
    roll[55_000].national_id = NationalId::with_check_digit(600_000_000).unwrap();
    assert_eq!(
        store
            .import_roll(&election, send(roll), "whole", &actor())
            .await
            .unwrap(),
        60_000
    );
}
