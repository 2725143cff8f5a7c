//! Conformance cases: The eligibility roll.

use super::*;

pub async fn the_roll_is_imported_and_replaced_whole(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    assert_eq!(store.roll_count(&election).await.unwrap(), 0);
    let rows = roll(&data, 0, 5_000);
    let before = audit_head(&store).await;
    // Imports a file of rows sent in chunks, as `digest`; how many voters it holds.
    let import = async |rows: &[Voter], chunk: usize, digest: &str| {
        let rows = send(rows.to_vec(), chunk);
        store
            .import_roll(&election, rows, digest, &actor())
            .await
            .unwrap()
    };
    assert_eq!(import(&rows, 1_000, "digest-1").await, 5_000);
    assert_eq!(store.roll_count(&election).await.unwrap(), 5_000);
    assert_eq!(audit_head(&store).await, before + 1);
    for v in [&rows[0], &rows[97], &rows[4_999]] {
        assert_eq!(
            store
                .voter(&election, v.national_id.as_str())
                .await
                .unwrap()
                .as_ref(),
            Some(v)
        );
    }
    assert!(store
        .voter(&election, "0018465986")
        .await
        .unwrap()
        .is_none());
    let record = audit_records(&store, AuditFilter::action("roll.")).await;
    assert_eq!(record.items[0].action, "roll.import");
    assert!(
        record.items[0].payload.contains("\"count\":5000")
            && record.items[0].payload.contains("digest-1")
    );

    // A new file replaces the roll whole.
    let next = roll(&data, 10_000, 1_200);
    assert_eq!(import(&next, 500, "digest-2").await, 1_200);
    assert_eq!(store.roll_count(&election).await.unwrap(), 1_200);
    assert!(store
        .voter(&election, rows[0].national_id.as_str())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .voter(&election, next[3].national_id.as_str())
            .await
            .unwrap()
            .as_ref(),
        Some(&next[3])
    );
}

pub async fn a_bad_roll_changes_nothing(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let good = roll(&data, 0, 2_000);
    store
        .import_roll(&election, send(good.clone(), 700), "good", &actor())
        .await
        .unwrap();
    let before = audit_head(&store).await;

    let mut twice = roll(&data, 50_000, 3_000);
    twice[2_900] = twice[10].clone();
    let r = store
        .import_roll(&election, send(twice, 1_000), "bad", &actor())
        .await;
    assert!(
        matches!(
            r,
            Err(StoreError::Duplicate {
                entity: crate::Entity::Voter,
                ref key,
            }) if key.len() == 10 && key.bytes().all(|b| b.is_ascii_digit())
        ),
        "{r:?}"
    );
    let mut nowhere = roll(&data, 60_000, 1_500);
    nowhere[1_400].council = "9999999".into();
    assert!(matches!(
        store
            .import_roll(&election, send(nowhere, 1_000), "bad", &actor())
            .await,
        Err(StoreError::Refused(
            crate::Refusal::RollCouncilUnknown { .. }
        ))
    ));
    assert!(store
        .import_roll("nope", send(roll(&data, 70_000, 10), 10), "bad", &actor())
        .await
        .is_err());
    // A sender that finds a bad row after sending good ones aborts the import.
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let rows = roll(&data, 80_000, 3_000);
    tokio::spawn(async move {
        let _ = tx.send(Ok(rows)).await;
        let _ = tx.send(Err("سطر ۹ نادرست است".to_owned())).await;
    });
    assert!(matches!(
        store.import_roll(&election, rx, "bad", &actor()).await,
        Err(StoreError::Refused(crate::Refusal::RollAborted { .. }))
    ));

    assert_eq!(
        store.roll_count(&election).await.unwrap(),
        2_000,
        "the previous roll stays whole"
    );
    assert_eq!(
        store
            .voter(&election, good[1_999].national_id.as_str())
            .await
            .unwrap()
            .as_ref(),
        Some(&good[1_999])
    );
    assert_eq!(
        audit_head(&store).await,
        before,
        "refused imports write nothing"
    );
}
