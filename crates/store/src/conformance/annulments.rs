//! Conformance cases: a station's box annulled and the annulment lifted (issue 18 §5).

use super::*;
use crate::Entity;
use domain::results::annulment::AnnulmentRefusal;

fn annulment_refusal<T: std::fmt::Debug>(r: StoreResult<T>) -> AnnulmentRefusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Annulment(refusal))) => refusal,
        other => panic!("expected the annulment's refusal, got {other:?}"),
    }
}

pub async fn a_box_is_annulled_once_with_a_reason_and_lifted_once(store: Arc<dyn Store>) {
    let data = loaded(&store).await;
    let election = data.election.code.clone();
    let station = data.stations[0].code.clone();
    let before = audit_head(&store).await;
    assert_eq!(
        annulment_refusal(
            store
                .annul_station(&election, &station, "  ", &actor())
                .await
        ),
        AnnulmentRefusal::ReasonLength
    );
    assert_eq!(
        annulment_refusal(
            store
                .restore_station(&election, &station, "هیچ", &actor())
                .await
        ),
        AnnulmentRefusal::NotAnnulled
    );
    assert!(matches!(
        store
            .annul_station(&election, "NO-SUCH", "x", &actor())
            .await,
        Err(StoreError::NotFound {
            entity: Entity::Station
        })
    ));
    assert_eq!(audit_head(&store).await, before, "nothing written");
    let made = store
        .annul_station(&election, &station, " تعرفه‌ها  دست‌کاری شده بود ", &actor())
        .await
        .unwrap();
    assert_eq!(made.reason, "تعرفه‌ها دست‌کاری شده بود");
    assert_eq!(
        annulment_refusal(
            store
                .annul_station(&election, &station, "دوباره", &actor())
                .await
        ),
        AnnulmentRefusal::AlreadyAnnulled
    );
    let listed = store.annulments(&election).await.unwrap();
    assert_eq!(listed, vec![made]);
    store
        .restore_station(&election, &station, "شکایت در تجدیدنظر رد شد", &actor())
        .await
        .unwrap();
    assert!(store.annulments(&election).await.unwrap().is_empty());
    // Annulled again after the lifting: a new decision, the old one kept.
    store
        .annul_station(&election, &station, "بازشماری مغایرت نشان داد", &actor())
        .await
        .unwrap();
    assert_eq!(store.annulments(&election).await.unwrap().len(), 1);
    assert_eq!(audit_head(&store).await, before + 3);
    assert_chain(&store, before + 3).await;
}
