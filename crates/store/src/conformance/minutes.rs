//! Conformance cases: station minutes, their signing keys, versions and marks (issue 18 §2).

use super::*;
use crate::minutes::{KeyState, NewMark, NewSigningKey};
use crate::Entity;
use domain::results::count_checks::Voters;
use domain::results::minutes::{Minutes, MinutesCouncil, MinutesRefusal, MinutesVotes};
use ed25519_dalek::{Signer, SigningKey};

fn minutes_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> MinutesRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Minutes(refusal))) => refusal,
        other => panic!("expected the minutes' refusal, got {other:?}"),
    }
}

fn signer(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

fn as_user(name: &str) -> Actor {
    Actor::new(name, datetime!(2026-05-01 16:00 UTC))
}

pub async fn minutes_are_signed_once_per_post_and_never_changed(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let mut free = unstaffed_stations(&data)
        .into_iter()
        .filter(|s| s.county_code == "11");
    let station = free.next().unwrap().clone();
    let elsewhere = free.next().unwrap().clone();
    let ids = clean_people(&store, 400, 5).await;
    for (post, id) in [
        (Post::Head, &ids[0]),
        (Post::Secretary1, &ids[1]),
        (Post::Inspector, &ids[2]),
        (Post::Member1, &ids[3]),
    ] {
        store
            .assign_post(&station.code, post, id, &actor())
            .await
            .unwrap();
    }
    store
        .assign_post(&elsewhere.code, Post::Head, &ids[4], &actor())
        .await
        .unwrap();
    for name in ["head", "secretary", "inspector", "member", "other-head"] {
        store
            .create_user(
                &new_user(
                    name,
                    Role::StationStaff,
                    Scope::Station {
                        county: station.county_code.clone(),
                        station: station.code.clone(),
                    },
                ),
                &actor(),
            )
            .await
            .unwrap();
    }
    let register = |username: &str, id: &str, key: u8| NewSigningKey {
        election: election.clone(),
        username: username.into(),
        national_id: id.into(),
        public_key: signer(key).verifying_key().to_bytes(),
        station: None,
        county: Some("11".into()),
    };

    // Keys: only for a signing post, usable, one live key per person, each key once.
    let before = audit_head(&store).await;
    assert_eq!(
        minutes_refusal(
            store
                .register_signing_key(&register("member", &ids[3], 4), &as_user("member"))
                .await
        ),
        MinutesRefusal::NoSigningPost
    );
    let mut weak = register("head", &ids[0], 1);
    weak.public_key = [0; 32];
    assert_eq!(
        minutes_refusal(store.register_signing_key(&weak, &as_user("head")).await),
        MinutesRefusal::BadPublicKey
    );
    // A post outside the registering account's scope does not count.
    let mut outside = register("head", &ids[0], 1);
    outside.station = Some(elsewhere.code.clone());
    assert_eq!(
        minutes_refusal(store.register_signing_key(&outside, &as_user("head")).await),
        MinutesRefusal::NoSigningPost
    );
    let mut other_county = register("head", &ids[0], 1);
    other_county.county = Some("12".into());
    assert_eq!(
        minutes_refusal(
            store
                .register_signing_key(&other_county, &as_user("head"))
                .await
        ),
        MinutesRefusal::NoSigningPost
    );
    assert_eq!(audit_head(&store).await, before);
    let mut keys = Vec::new();
    for (username, id, n) in [
        ("head", &ids[0], 1),
        ("secretary", &ids[1], 2),
        ("inspector", &ids[2], 3),
        ("other-head", &ids[4], 5),
    ] {
        let key = store
            .register_signing_key(&register(username, id, n), &as_user(username))
            .await
            .unwrap();
        assert_eq!(key.state(), KeyState::Pending);
        assert_eq!(key.county, "11");
        keys.push(key);
    }
    assert_eq!(
        minutes_refusal(
            store
                .register_signing_key(&register("head", &ids[0], 9), &as_user("head"))
                .await
        ),
        MinutesRefusal::KeyExists
    );
    assert!(matches!(
        store
            .register_signing_key(&register("secretary", &ids[0], 2), &as_user("secretary"))
            .await,
        Err(StoreError::Duplicate {
            entity: Entity::SigningKey,
            ..
        })
    ));
    // Nobody confirms their own registration.
    assert_eq!(
        minutes_refusal(
            store
                .confirm_signing_key(keys[0].id, &as_user("head"))
                .await
        ),
        MinutesRefusal::OwnKey
    );
    for key in &keys {
        let confirmed = store.confirm_signing_key(key.id, &actor()).await.unwrap();
        assert_eq!(confirmed.state(), KeyState::Confirmed);
    }
    assert_eq!(
        minutes_refusal(store.confirm_signing_key(keys[0].id, &actor()).await),
        MinutesRefusal::KeyNotPending
    );
    assert_eq!(store.signing_keys(Some("11")).await.unwrap().len(), 4);
    assert!(store.signing_keys(Some("12")).await.unwrap().is_empty());

    // The first version.
    let drawn = Minutes::new(
        &election,
        &station.code,
        (
            Some(datetime!(2026-05-01 04:30 UTC)),
            Some(datetime!(2026-05-01 15:30 UTC)),
        ),
        Voters {
            check_ins: 9,
            walkouts: 1,
        },
        "",
        vec![MinutesCouncil {
            council: station.council_code.clone(),
            ballots: 8,
            votes: vec![MinutesVotes {
                candidate: "K-1".into(),
                votes: 8,
            }],
        }],
    )
    .with_signers([
        (Post::Head, ids[0].clone()),
        (Post::Secretary1, ids[1].clone()),
        (Post::Inspector, ids[2].clone()),
        (Post::Member1, ids[3].clone()),
    ]);
    let first = store.draw_minutes(&drawn, None, &actor()).await.unwrap();
    assert_eq!(first.minutes.version, 1);
    assert!(first.marks.is_empty());
    let before = audit_head(&store).await;
    assert_eq!(
        minutes_refusal(store.draw_minutes(&drawn, Some("دوباره"), &actor()).await),
        MinutesRefusal::Unchanged
    );
    let text = first.minutes.canonical();
    let sign = |n: u8, text: &str| NewMark::Sign(signer(n).sign(text.as_bytes()).to_bytes());

    // Marks: each post once, by its holder's confirmed key, over the exact text.
    let signed = store
        .mark_minutes(
            &election,
            &station.code,
            1,
            &sign(1, &text),
            &as_user("head"),
        )
        .await
        .unwrap();
    assert_eq!(signed.marks.len(), 1);
    assert_eq!(signed.marks[0].post, Post::Head);
    assert_eq!(signed.marks[0].national_id, ids[0]);
    let before_refusals = audit_head(&store).await;
    assert_eq!(before_refusals, before + 1);
    let refused = [
        (
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &sign(1, &text),
                    &as_user("head"),
                )
                .await,
            MinutesRefusal::AlreadySigned { post: Post::Head },
        ),
        (
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &sign(1, &text),
                    &as_user("secretary"),
                )
                .await,
            MinutesRefusal::BadSignature,
        ),
        (
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &sign(4, &text),
                    &as_user("member"),
                )
                .await,
            MinutesRefusal::NoSigningKey,
        ),
        (
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &sign(5, &text),
                    &as_user("other-head"),
                )
                .await,
            MinutesRefusal::NotASigner,
        ),
        (
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &NewMark::Refuse("  ".into()),
                    &as_user("secretary"),
                )
                .await,
            MinutesRefusal::ReasonLength,
        ),
    ];
    for (result, expected) in refused {
        assert_eq!(minutes_refusal(result), expected);
    }
    assert_eq!(audit_head(&store).await, before_refusals);
    store
        .mark_minutes(
            &election,
            &station.code,
            1,
            &NewMark::Refuse("شمارش را ندیدم".into()),
            &as_user("secretary"),
        )
        .await
        .unwrap();
    let current = store.current_minutes(&election).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        current[0].minutes.roster(),
        vec![Post::Head, Post::Secretary1, Post::Inspector],
        "the members do not sign"
    );
    assert_eq!(current[0].state().missing, vec![Post::Inspector]);
    assert!(!current[0].state().fully_signed());
    store
        .mark_minutes(
            &election,
            &station.code,
            1,
            &sign(3, &text),
            &as_user("inspector"),
        )
        .await
        .unwrap();
    assert!(store.current_minutes(&election).await.unwrap()[0]
        .state()
        .fully_signed());

    // A correction is the next version, with its reason; the signed one stays as it was.
    let corrected = Minutes {
        remarks: "یک رأی‌دهنده بی‌آنکه رأی دهد رفت".into(),
        ..drawn.clone()
    };
    assert_eq!(
        minutes_refusal(store.draw_minutes(&corrected, None, &actor()).await),
        MinutesRefusal::CorrectionNeedsReason
    );
    let second = store
        .draw_minutes(&corrected, Some("توضیح جاافتاده"), &actor())
        .await
        .unwrap();
    assert_eq!(second.minutes.version, 2);
    assert_eq!(second.reason.as_deref(), Some("توضیح جاافتاده"));
    assert_eq!(
        minutes_refusal(
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    1,
                    &sign(1, &text),
                    &as_user("head")
                )
                .await
        ),
        MinutesRefusal::Superseded { current: 2 }
    );
    let all = store
        .station_minutes(&election, &station.code)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].minutes.canonical(), text);
    assert_eq!(all[0].marks.len(), 3);
    assert!(all[1].marks.is_empty());
    let current = store.current_minutes(&election).await.unwrap();
    assert_eq!(current[0].minutes.version, 2);
    assert!(!current[0].state().fully_signed());

    // A revoked key signs nothing more; its earlier signature stays.
    let revoked = store
        .revoke_signing_key(keys[2].id, &actor())
        .await
        .unwrap();
    assert_eq!(revoked.state(), KeyState::Revoked);
    assert_eq!(
        minutes_refusal(store.revoke_signing_key(keys[2].id, &actor()).await),
        MinutesRefusal::KeyRevoked
    );
    // One live key per account too: the inspector's person has none now, the head's account has.
    assert_eq!(
        minutes_refusal(
            store
                .register_signing_key(&register("head", &ids[2], 8), &as_user("head"))
                .await
        ),
        MinutesRefusal::KeyExists
    );
    let v2 = second.minutes.canonical();
    assert_eq!(
        minutes_refusal(
            store
                .mark_minutes(
                    &election,
                    &station.code,
                    2,
                    &sign(3, &v2),
                    &as_user("inspector")
                )
                .await
        ),
        MinutesRefusal::NoSigningKey
    );
    assert_eq!(
        store
            .station_minutes(&election, &station.code)
            .await
            .unwrap()[0]
            .marks
            .len(),
        3
    );
    assert_eq!(
        minutes_refusal(
            store
                .mark_minutes(
                    &election,
                    &elsewhere.code,
                    1,
                    &sign(5, &v2),
                    &as_user("other-head")
                )
                .await
        ),
        MinutesRefusal::NotDrawn
    );
    assert_chain(&store, audit_head(&store).await).await;
}
