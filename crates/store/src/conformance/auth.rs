//! Conformance cases: Users and sessions.

use super::*;

pub async fn usernames_are_unique(store: Arc<dyn Store>) {
    let user = new_user(
        "gov",
        Role::CountyGovernor,
        Scope::County {
            county: "11".into(),
        },
    );
    store.create_user(&user, &actor()).await.unwrap();
    let again = store
        .create_user(&new_user("gov", Role::Observer, Scope::Province), &actor())
        .await;
    assert!(
        matches!(again, Err(StoreError::Duplicate { entity: crate::Entity::User, ref key }) if key == "gov"),
        "{again:?}"
    );
    assert_chain(&store, 1).await;
    let read = store.user("gov").await.unwrap().expect("user");
    assert_eq!(
        (read.role, read.scope, read.password_hash),
        (user.role, user.scope, user.password_hash)
    );
    let staff = new_user(
        "st",
        Role::StationStaff,
        Scope::Station {
            county: "11".into(),
            station: "1100001".into(),
        },
    );
    store.create_user(&staff, &actor()).await.unwrap();
    assert_eq!(store.user("st").await.unwrap().unwrap().scope, staff.scope);
    assert_eq!(store.users().await.unwrap().len(), 2);
    assert!(store.user("nobody").await.unwrap().is_none());
    // The audit payload never carries the password hash.
    let page = store
        .audit_page(&AuditFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert!(page.items.iter().all(|r| !r.payload.contains("hash-of")));
}

pub async fn sessions_expire_and_end(store: Arc<dyn Store>) {
    store
        .create_user(&new_user("hq", Role::ProvinceHq, Scope::Province), &actor())
        .await
        .unwrap();
    let now = actor().at_us();
    let session = new_session("t1", "hq", "c1", now + 1_000_000);
    store.create_session(&session, &actor()).await.unwrap();
    let (s, u) = store
        .session("t1", now)
        .await
        .unwrap()
        .expect("live session");
    assert_eq!(
        (s.csrf_token.as_str(), u.username.as_str(), u.role),
        ("c1", "hq", Role::ProvinceHq)
    );
    assert!(
        store
            .session("t1", now + 1_000_000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    assert!(store.session("other", now).await.unwrap().is_none());
    store.delete_session("t1", &actor()).await.unwrap();
    assert!(store.session("t1", now).await.unwrap().is_none());
    // A later login clears the user's expired sessions.
    let short = new_session("t3", "hq", "c3", now + 10);
    store.create_session(&short, &actor()).await.unwrap();
    let later = Actor::new("hq", actor().at + time::Duration::seconds(1));
    let fresh = new_session("t4", "hq", "c4", now + 100_000_000);
    store.create_session(&fresh, &later).await.unwrap();
    assert!(
        store.session("t3", now).await.unwrap().is_none(),
        "expired session removed"
    );
    assert!(store.session("t4", now).await.unwrap().is_some());
    store.delete_session("t1", &actor()).await.unwrap();
    // A session for a user that does not exist is refused.
    let orphan = new_session("t2", "ghost", "c", now + 1);
    assert!(store.create_session(&orphan, &actor()).await.is_err());
    let actions = audit_actions(&store, AuditFilter::action("auth.")).await;
    assert_eq!(
        actions,
        vec!["auth.login", "auth.login", "auth.logout", "auth.login"]
    );
    assert_chain(&store, 5).await;
}

/// A session of `username` whose token hashes to `token_hash`, expiring at `expires_at_us`.
fn new_session(token_hash: &str, username: &str, csrf: &str, expires_at_us: i64) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        username: username.into(),
        csrf_token: csrf.into(),
        expires_at_us,
    }
}
