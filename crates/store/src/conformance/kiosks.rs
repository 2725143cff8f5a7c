//! Conformance cases: voting devices (issue 17 §1).

use super::*;
use crate::kiosks::{Activation, NewKiosk};
use crate::{Entity, Refusal as StoreRefusal};
use domain::kiosk::KioskRefusal;

fn waiting(election: &str, id: &str, code: &str) -> NewKiosk {
    NewKiosk {
        election_code: election.into(),
        kiosk_id: id.into(),
        session_hash: format!("hash-of-{id}"),
        pairing_code: code.into(),
        csrf_token: format!("csrf-{id}"),
    }
}

fn activation(id: &str, token: &str) -> Activation {
    Activation {
        id: id.into(),
        token_hash: token.into(),
        council: "council".into(),
        at: actor().at,
        expires_at: actor().at + time::Duration::minutes(10),
        test_run: None,
    }
}

fn refused(result: StoreResult<impl std::fmt::Debug>, refusal: KioskRefusal) {
    match result {
        Err(StoreError::Refused(StoreRefusal::Kiosk(r))) => assert_eq!(r, refusal),
        other => panic!("expected {refusal:?}, got {other:?}"),
    }
}

pub async fn kiosks_are_paired_by_code_and_hold_one_ballot_at_a_time(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = data.stations[0].code.clone();
    let other_station = data.stations[1].code.clone();
    let at = actor().at;
    let since = at - time::Duration::minutes(10);
    let before = audit_head(&store).await;

    assert!(store
        .request_kiosk(&waiting(&election, "k1", "11111111"), since, 3, &actor())
        .await
        .unwrap());
    // A code another waiting kiosk shows is not given twice.
    assert!(!store
        .request_kiosk(&waiting(&election, "k2", "11111111"), since, 3, &actor())
        .await
        .unwrap());
    assert!(store
        .request_kiosk(&waiting(&election, "k2", "22222222"), since, 3, &actor())
        .await
        .unwrap());
    let k1 = store.kiosk_by_session("hash-of-k1").await.unwrap().unwrap();
    assert_eq!(k1.pairing_code.as_deref(), Some("11111111"));
    assert_eq!((k1.paired.clone(), k1.activation.clone()), (None, None));
    assert_eq!(k1.csrf_token, "csrf-k1");
    assert_eq!(k1.requested_at, at);
    assert_eq!(store.kiosk_by_session("nothing").await.unwrap(), None);

    // At most `max_pending` wait.
    refused(
        store
            .request_kiosk(&waiting(&election, "k3", "33333333"), since, 2, &actor())
            .await,
        KioskRefusal::TooManyPending,
    );
    // A code is paired once, at a station of the election, while it is live.
    refused(
        store
            .pair_kiosk(&election, &station, "99999999", since, &actor())
            .await,
        KioskRefusal::PairingUnknown,
    );
    refused(
        store
            .pair_kiosk(
                &election,
                &station,
                "11111111",
                at + time::Duration::seconds(1),
                &actor(),
            )
            .await,
        KioskRefusal::PairingUnknown,
    );
    assert!(matches!(
        store
            .pair_kiosk(&election, "no-such-station", "11111111", since, &actor())
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Station
        })
    ));
    let paired = store
        .pair_kiosk(&election, &station, "11111111", since, &actor())
        .await
        .unwrap();
    let pairing = paired.paired.clone().unwrap();
    assert_eq!(
        (pairing.station.as_str(), pairing.number),
        (station.as_str(), 1)
    );
    assert_eq!(pairing.county, data.stations[0].county_code);
    assert_eq!(paired.pairing_code, None);
    refused(
        store
            .pair_kiosk(&election, &station, "11111111", since, &actor())
            .await,
        KioskRefusal::PairingUnknown,
    );
    let second = store
        .pair_kiosk(&election, &station, "22222222", since, &actor())
        .await
        .unwrap();
    assert_eq!(second.paired.unwrap().number, 2);
    let listed: Vec<(String, u32)> = store
        .station_kiosks(&election, &station)
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.kiosk_id, k.paired.unwrap().number))
        .collect();
    assert_eq!(listed, vec![("k1".into(), 1), ("k2".into(), 2)]);
    assert!(store
        .station_kiosks(&election, &other_station)
        .await
        .unwrap()
        .is_empty());
    // One kiosk read alone: in service at its own station only.
    let k2 = store
        .station_kiosk(&election, &station, "k2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(k2.paired.map(|p| p.number), Some(2));
    assert_eq!(
        store
            .station_kiosk(&election, &other_station, "k2")
            .await
            .unwrap(),
        None
    );

    // One activation at a time, replaced only knowingly.
    store
        .activate_kiosk(&station, "k1", None, &activation("a1", "token-1"), &actor())
        .await
        .unwrap();
    refused(
        store
            .activate_kiosk(&station, "k1", None, &activation("a2", "token-2"), &actor())
            .await,
        KioskRefusal::Busy,
    );
    assert!(matches!(
        store
            .activate_kiosk(
                &other_station,
                "k1",
                None,
                &activation("a2", "token-2"),
                &actor()
            )
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Kiosk
        })
    ));
    store
        .activate_kiosk(
            &station,
            "k1",
            Some("a1"),
            &activation("a2", "token-2"),
            &actor(),
        )
        .await
        .unwrap();
    let k1 = store.kiosk_by_session("hash-of-k1").await.unwrap().unwrap();
    assert_eq!(k1.activation, Some(activation("a2", "token-2")));
    // The same voter's ballot moved to another kiosk leaves the first.
    store
        .activate_kiosk(&station, "k2", None, &activation("a3", "token-2"), &actor())
        .await
        .unwrap();
    let k1 = store.kiosk_by_session("hash-of-k1").await.unwrap().unwrap();
    assert_eq!(k1.activation, None);

    // Retired: out of the list, its activation gone, not retired twice.
    store.retire_kiosk(&station, "k2", &actor()).await.unwrap();
    let k2 = store.kiosk_by_session("hash-of-k2").await.unwrap().unwrap();
    assert_eq!((k2.retired_at, k2.activation), (Some(at), None));
    assert!(matches!(
        store.retire_kiosk(&station, "k2", &actor()).await,
        Err(StoreError::NotFound {
            entity: Entity::Kiosk
        })
    ));
    assert!(matches!(
        store
            .activate_kiosk(&station, "k2", None, &activation("a4", "token-4"), &actor())
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Kiosk
        })
    ));
    assert_eq!(
        store
            .station_kiosks(&election, &station)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        store
            .station_kiosk(&election, &station, "k2")
            .await
            .unwrap(),
        None,
        "a kiosk taken out of service is not read as in service"
    );

    // A request never paired is forgotten once it expired, when another comes.
    assert!(store
        .request_kiosk(&waiting(&election, "k5", "55555555"), since, 3, &actor())
        .await
        .unwrap());
    assert!(store
        .request_kiosk(
            &waiting(&election, "k6", "66666666"),
            at + time::Duration::seconds(1),
            3,
            &actor()
        )
        .await
        .unwrap());
    assert_eq!(store.kiosk_by_session("hash-of-k5").await.unwrap(), None);

    // Each change audited (four requests kept, two pairings, three activations, one
    // retirement); the refusals wrote nothing.
    assert_eq!(audit_head(&store).await, before + 10);
    let mut actions = audit_actions(&store, AuditFilter::action("kiosk.")).await;
    actions.sort();
    assert_eq!(
        actions,
        vec![
            "kiosk.activate",
            "kiosk.activate",
            "kiosk.activate",
            "kiosk.pair",
            "kiosk.pair",
            "kiosk.request",
            "kiosk.request",
            "kiosk.request",
            "kiosk.request",
            "kiosk.retire"
        ]
    );
}
