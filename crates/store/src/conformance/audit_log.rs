//! Conformance cases: The audit log and its chain.

use super::*;

pub async fn audit_log_filters_and_pages(store: Arc<dyn Store>) {
    for i in 0..12 {
        let by = Actor::new(
            if i % 2 == 0 { "alice" } else { "bob" },
            datetime!(2026-01-11 05:00 UTC) + time::Duration::minutes(i),
        );
        store
            .create_user(
                &new_user(&format!("u{i}"), Role::Observer, Scope::Province),
                &by,
            )
            .await
            .unwrap();
    }
    let all = store
        .audit_page(&AuditFilter::default(), PageRequest::new(1, 5))
        .await
        .unwrap();
    assert_eq!((all.total, all.items.len()), (12, 5));
    assert!(
        all.items.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    let second = store
        .audit_page(&AuditFilter::default(), PageRequest::new(3, 5))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    let alice = audit_records(&store, AuditFilter::actor("alice")).await;
    assert_eq!(alice.total, 6);
    assert!(alice.items.iter().all(|r| r.actor == "alice"));
    let entity = audit_records(&store, AuditFilter::entity("user/u3")).await;
    assert_eq!(entity.total, 1);
    let from = datetime!(2026-01-11 05:03 UTC);
    let window = AuditFilter {
        from_us: Some(domain::clock::to_micros(from)),
        to_us: Some(domain::clock::to_micros(from + time::Duration::minutes(2))),
        ..Default::default()
    };
    let ranged = store
        .audit_page(&window, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(ranged.total, 3, "minutes 3, 4 and 5 inclusive");
    let none = audit_records(&store, AuditFilter::action("nothing.")).await;
    assert_eq!(none.total, 0);
    let scanned = store.audit_scan(4, 3).await.unwrap();
    assert_eq!(
        scanned.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![5, 6, 7]
    );
    assert_chain(&store, 12).await;
}

pub async fn concurrent_writes_keep_one_chain(store: Arc<dyn Store>) {
    let mut tasks = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .create_user(
                    &new_user(&format!("c{i}"), Role::Observer, Scope::Province),
                    &actor(),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_chain(&store, 24).await;
}
