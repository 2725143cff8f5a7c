//! Conformance cases: one-time codes (`domain::identity`).

use super::*;
use crate::identity::NewChallenge;
use domain::identity::{Attempt, IdentityRefusal, Limits, Purpose, KEPT_FOR};

const T0: time::OffsetDateTime = datetime!(2026-01-12 06:00 UTC);

fn id(s: &str) -> NationalId {
    NationalId::parse(s).unwrap()
}

fn challenge(token: &str, national_id: &str, address: &str, sent: bool) -> NewChallenge {
    NewChallenge {
        token_hash: format!("token-{token}"),
        code_hash: sent.then(|| format!("code-{token}")),
        national_id: id(national_id),
        purpose: Purpose::Register,
        address: address.into(),
    }
}

fn at(t: time::OffsetDateTime) -> Actor {
    Actor::new("applicant", t)
}

fn refusal<T: std::fmt::Debug>(result: crate::StoreResult<T>) -> IdentityRefusal {
    match result {
        Err(StoreError::Refused(crate::Refusal::Identity(r))) => r,
        other => panic!("expected an identity refusal, got {other:?}"),
    }
}

pub async fn codes_are_rationed_per_person_and_per_address(store: Arc<dyn Store>) {
    let limits = Limits {
        per_person_per_hour: 2,
        per_address_per_hour: 3,
        ..Limits::default()
    };
    let person = "0018465986";
    store
        .open_challenge(&challenge("a", person, "10.0.0.1", true), &limits, &at(T0))
        .await
        .unwrap();
    // A moment later: too soon, and nothing written.
    let soon = store
        .open_challenge(
            &challenge("b", person, "10.0.0.2", true),
            &limits,
            &at(T0 + time::Duration::seconds(10)),
        )
        .await;
    assert_eq!(
        refusal(soon),
        IdentityRefusal::TooSoon {
            wait: time::Duration::seconds(50)
        }
    );
    assert!(store.challenge("token-b").await.unwrap().is_none());
    // A failed look-up counts toward the person's limit as a code does.
    let later = T0 + time::Duration::minutes(2);
    store
        .open_challenge(
            &challenge("c", person, "10.0.0.2", false),
            &limits,
            &at(later),
        )
        .await
        .unwrap();
    let third = store
        .open_challenge(
            &challenge("d", person, "10.0.0.3", true),
            &limits,
            &at(later + time::Duration::minutes(2)),
        )
        .await;
    assert_eq!(refusal(third), IdentityRefusal::TooManyCodes);
    // An address's codes are counted whoever they are for.
    for (n, other) in ["0084575948", "0499370899"].into_iter().enumerate() {
        store
            .open_challenge(
                &challenge(&format!("e{n}"), other, "10.0.0.2", true),
                &limits,
                &at(later + time::Duration::minutes(5)),
            )
            .await
            .unwrap();
    }
    let crowded = store
        .open_challenge(
            &challenge("f", "0067749828", "10.0.0.2", true),
            &limits,
            &at(later + time::Duration::minutes(6)),
        )
        .await;
    assert_eq!(refusal(crowded), IdentityRefusal::TooManyCodes);
    // An hour after the first two, the person may ask again.
    store
        .open_challenge(
            &challenge("g", person, "10.0.0.4", true),
            &limits,
            &at(later + time::Duration::minutes(61)),
        )
        .await
        .unwrap();
    assert_chain(&store, 5).await;
    // A day on, the old challenges are gone with the next one.
    store
        .open_challenge(
            &challenge("h", "0067749828", "10.0.0.9", true),
            &limits,
            &at(T0 + KEPT_FOR + time::Duration::hours(2)),
        )
        .await
        .unwrap();
    assert!(store.challenge("token-a").await.unwrap().is_none());
    assert!(store.challenge("token-h").await.unwrap().is_some());
}

pub async fn a_code_is_entered_once_and_a_proof_spent_once(store: Arc<dyn Store>) {
    let limits = Limits {
        max_attempts: 2,
        ..Limits::default()
    };
    let person = id("0018465986");
    store
        .open_challenge(
            &challenge("a", "0018465986", "10.0.0.1", true),
            &limits,
            &at(T0),
        )
        .await
        .unwrap();
    let soon = T0 + time::Duration::seconds(30);
    // A wrong code is counted, and the count kept.
    assert_eq!(
        store
            .enter_code("token-a", "code-x", &limits, &at(soon))
            .await
            .unwrap(),
        Attempt::Wrong { attempts_left: 1 }
    );
    assert_eq!(
        store
            .challenge("token-a")
            .await
            .unwrap()
            .unwrap()
            .challenge
            .attempts,
        1
    );
    // Spending a proof whose code was not entered is refused.
    assert_eq!(
        refusal(
            store
                .spend_proof("token-a", &person, Purpose::Register, &limits, &at(soon))
                .await
        ),
        IdentityRefusal::NotVerified
    );
    assert_eq!(
        store
            .enter_code("token-a", "code-a", &limits, &at(soon))
            .await
            .unwrap(),
        Attempt::Verified
    );
    assert_eq!(
        refusal(
            store
                .enter_code("token-a", "code-a", &limits, &at(soon))
                .await
        ),
        IdentityRefusal::ProofSpent,
        "a code is entered once"
    );
    assert_eq!(
        refusal(
            store
                .spend_proof(
                    "token-a",
                    &id("0084575948"),
                    Purpose::Register,
                    &limits,
                    &at(soon)
                )
                .await
        ),
        IdentityRefusal::WrongProof
    );
    store
        .spend_proof("token-a", &person, Purpose::Register, &limits, &at(soon))
        .await
        .unwrap();
    assert_eq!(
        refusal(
            store
                .spend_proof("token-a", &person, Purpose::Register, &limits, &at(soon))
                .await
        ),
        IdentityRefusal::ProofSpent
    );
    assert!(matches!(
        store
            .enter_code("token-none", "code-a", &limits, &at(soon))
            .await,
        Err(StoreError::NotFound {
            entity: crate::Entity::Challenge,
            ..
        })
    ));
    // Too many wrong codes close a challenge.
    store
        .open_challenge(
            &challenge("b", "0084575948", "10.0.0.1", true),
            &limits,
            &at(soon),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        store
            .enter_code("token-b", "code-x", &limits, &at(soon))
            .await
            .unwrap();
    }
    assert_eq!(
        refusal(
            store
                .enter_code("token-b", "code-b", &limits, &at(soon))
                .await
        ),
        IdentityRefusal::TooManyAttempts
    );
    // Opened twice, a wrong code, the right one, a proof spent, two wrong codes.
    assert_chain(&store, 7).await;
}
