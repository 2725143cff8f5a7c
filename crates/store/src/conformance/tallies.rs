//! Conformance cases: the guardians' decryption shares and the counts (issue 17 §4).

use super::*;
use crate::tallies::{TallyCounts, TallyShare};

fn share(station: &str, council: &str, guardian: u32) -> TallyShare {
    TallyShare {
        station: station.into(),
        council: council.into(),
        guardian,
        share: format!("share-{station}-{council}-{guardian}"),
    }
}

pub async fn shares_are_kept_once_per_guardian_and_counts_once_per_tally(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let (a, b) = (data.stations[0].code.clone(), data.stations[1].code.clone());
    let before = audit_head(&store).await;
    assert_eq!(
        store.station_decryption(&election, &a).await.unwrap(),
        crate::tallies::StationDecryption::default()
    );

    let first = [share(&a, "c2", 0), share(&a, "c1", 0), share(&b, "c1", 0)];
    assert_eq!(
        store
            .record_decryption(&election, 0, &first, &[], &actor())
            .await
            .unwrap(),
        3
    );
    // Posted again (with other text): the first share stands, nothing new.
    let mut again = first.clone();
    again[0].share = "another".into();
    assert_eq!(
        store
            .record_decryption(&election, 0, &again, &[], &actor())
            .await
            .unwrap(),
        0
    );
    let counted = TallyCounts {
        station: a.clone(),
        council: "c1".into(),
        counts: "{\"ballots\":2,\"votes\":[1,1]}".into(),
    };
    assert_eq!(
        store
            .record_decryption(
                &election,
                2,
                &[share(&a, "c1", 2)],
                std::slice::from_ref(&counted),
                &actor()
            )
            .await
            .unwrap(),
        1
    );
    // Counts are kept once.
    let mut other = counted.clone();
    other.counts = "{}".into();
    store
        .record_decryption(&election, 1, &[], &[other], &actor())
        .await
        .unwrap();

    let read = store.station_decryption(&election, &a).await.unwrap();
    assert_eq!(
        read.shares,
        vec![share(&a, "c1", 0), share(&a, "c1", 2), share(&a, "c2", 0)],
        "by council, then guardian; the first share of guardian 0 for c2 stands"
    );
    assert_eq!(read.counts, vec![counted]);
    assert_eq!(
        store
            .station_decryption(&election, &b)
            .await
            .unwrap()
            .shares,
        vec![share(&b, "c1", 0)]
    );
    // Four posts, each one audit record.
    assert_eq!(audit_head(&store).await, before + 4);
    assert_eq!(
        audit_actions(&store, AuditFilter::action("guardians.decrypt"))
            .await
            .len(),
        4
    );
}
