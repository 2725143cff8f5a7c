//! Conformance cases: the guardians' election key (issue 17).

use super::*;
use crate::guardians::{ElectionKeyRecord, KeyKind};
use crate::{Entity, Refusal as StoreRefusal};

fn key(election: &str, kind: KeyKind) -> ElectionKeyRecord {
    ElectionKeyRecord {
        election_code: election.into(),
        kind,
        public_key: format!("{}-public-key", kind.as_str()),
        fingerprint: "0011223344556677".into(),
        threshold: 3,
        guardians: 5,
        ceremony: "{\"commitments\":[]}".into(),
        created_at: actor().at,
        confirmations: Vec::new(),
    }
}

pub async fn an_election_key_is_recorded_once_and_its_guardians_confirm(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    assert_eq!(
        store
            .election_key(&election, KeyKind::Election)
            .await
            .unwrap(),
        None
    );
    // No confirmation before the ceremony.
    assert!(matches!(
        store
            .confirm_guardian(&election, KeyKind::Election, 0, "{}", &actor())
            .await,
        Err(StoreError::NotFound {
            entity: Entity::ElectionKey
        })
    ));
    let before = audit_head(&store).await;

    let election_key = key(&election, KeyKind::Election);
    store
        .record_election_key(&election_key, &actor())
        .await
        .unwrap();
    // Once per election and kind: a second ceremony is refused and changes nothing.
    let mut again = key(&election, KeyKind::Election);
    again.public_key = "another".into();
    assert!(matches!(
        store.record_election_key(&again, &actor()).await,
        Err(StoreError::Refused(StoreRefusal::ElectionKeyExists))
    ));
    // The test key is another kind, kept apart.
    store
        .record_election_key(&key(&election, KeyKind::Test), &actor())
        .await
        .unwrap();
    assert!(matches!(
        store
            .record_election_key(&key("no-such-election", KeyKind::Election), &actor())
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Election
        })
    ));

    for guardian in [3, 0, 3] {
        store
            .confirm_guardian(
                &election,
                KeyKind::Election,
                guardian,
                &format!("proof-{guardian}"),
                &actor(),
            )
            .await
            .unwrap();
    }
    let read = store
        .election_key(&election, KeyKind::Election)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.public_key, "election-public-key");
    assert_eq!((read.threshold, read.guardians), (3, 5));
    assert_eq!(read.ceremony, election_key.ceremony);
    assert_eq!(read.created_at, actor().at);
    let confirmed: Vec<(u32, &str)> = read
        .confirmations
        .iter()
        .map(|c| (c.guardian, c.proof.as_str()))
        .collect();
    assert_eq!(confirmed, vec![(0, "proof-0"), (3, "proof-3")]);
    let test_key = store
        .election_key(&election, KeyKind::Test)
        .await
        .unwrap()
        .unwrap();
    assert!(test_key.confirmations.is_empty());
    assert_eq!(test_key.public_key, "test-public-key");

    // Two ceremonies and three confirmations, each audited; the refusals wrote nothing.
    assert_eq!(audit_head(&store).await, before + 5);
    let mut actions = audit_actions(&store, AuditFilter::action("guardians.")).await;
    actions.sort();
    assert_eq!(
        actions,
        vec![
            "guardians.ceremony",
            "guardians.ceremony",
            "guardians.confirm",
            "guardians.confirm",
            "guardians.confirm"
        ]
    );
}
