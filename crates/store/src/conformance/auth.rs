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

/// Disabling an account ends every session of it at once and keeps it from any new one;
/// the last enabled province HQ account is not disabled; enabling lets it in again. Each
/// change is one audit record; a change that changes nothing records nothing.
pub async fn disabling_ends_sessions_and_spares_the_last_hq(store: Arc<dyn Store>) {
    let now = actor().at_us();
    let later = now + 3_600_000_000;
    for (name, role) in [("hq", Role::ProvinceHq), ("hq2", Role::ProvinceHq)] {
        store
            .create_user(&new_user(name, role, Scope::Province), &actor())
            .await
            .unwrap();
    }
    store
        .create_user(&new_user("obs", Role::Observer, Scope::Province), &actor())
        .await
        .unwrap();
    for (token, user) in [("o1", "obs"), ("o2", "obs"), ("h1", "hq")] {
        store
            .create_session(&new_session(token, user, "c", later), &actor())
            .await
            .unwrap();
    }
    assert_eq!(store.user_sessions("obs", now).await.unwrap().len(), 2);
    let done = store.disable_user("obs", &actor()).await.unwrap();
    assert_eq!(
        done,
        crate::AccountChange {
            changed: true,
            sessions_ended: 2
        }
    );
    for token in ["o1", "o2"] {
        assert!(
            store.session(token, now).await.unwrap().is_none(),
            "{token}"
        );
    }
    assert!(
        store.session("h1", now).await.unwrap().is_some(),
        "others stay"
    );
    let user = store.user("obs").await.unwrap().unwrap();
    assert_eq!(user.disabled_at_us, Some(now));
    // A session opened for a disabled account anyway (a login racing the disable) is dead.
    store
        .create_session(&new_session("o3", "obs", "c", later), &actor())
        .await
        .unwrap();
    assert!(store.session("o3", now).await.unwrap().is_none());
    assert_eq!(
        store.disable_user("obs", &actor()).await.unwrap(),
        crate::AccountChange::default(),
        "disabled already"
    );
    // Two HQ accounts: one may go, the last may not.
    store.disable_user("hq2", &actor()).await.unwrap();
    let last = store.disable_user("hq", &actor()).await;
    assert!(
        matches!(
            last,
            Err(StoreError::Refused(crate::Refusal::Account(
                domain::accounts::AccountRefusal::LastHq
            )))
        ),
        "{last:?}"
    );
    assert!(store
        .user("hq")
        .await
        .unwrap()
        .unwrap()
        .disabled_at_us
        .is_none());
    assert!(
        store.session("h1", now).await.unwrap().is_some(),
        "refused whole"
    );
    assert!(matches!(
        store.disable_user("nobody", &actor()).await,
        Err(StoreError::NotFound {
            entity: crate::Entity::User
        })
    ));
    // Enabled again, it signs in again; its old sessions stay ended, and so does one a login
    // racing the disable opened.
    let enabled = store.enable_user("obs", &actor()).await.unwrap();
    assert_eq!(
        enabled,
        crate::AccountChange {
            changed: true,
            sessions_ended: 1
        }
    );
    assert!(!store.enable_user("obs", &actor()).await.unwrap().changed);
    assert!(store
        .user("obs")
        .await
        .unwrap()
        .unwrap()
        .disabled_at_us
        .is_none());
    assert!(store.session("o1", now).await.unwrap().is_none());
    assert!(store.session("o3", now).await.unwrap().is_none());
    let actions = audit_actions(&store, AuditFilter::action("user.")).await;
    assert_eq!(
        actions,
        vec![
            "user.enable",
            "user.disable",
            "user.disable",
            "user.create",
            "user.create",
            "user.create"
        ]
    );
    let disabled = audit_records(&store, AuditFilter::action("user.disable")).await;
    assert!(disabled
        .items
        .iter()
        .any(|r| r.entity == "user/obs" && r.payload.contains("\"sessions_ended\":2")));
    assert_chain(&store, 3 + 4 + 3).await;
}

/// A new password ends the account's sessions but the one kept (the session that changed its
/// own password); the hash never reaches the audit log.
pub async fn a_new_password_ends_the_other_sessions(store: Arc<dyn Store>) {
    let now = actor().at_us();
    let later = now + 3_600_000_000;
    store
        .create_user(&new_user("gov", Role::Observer, Scope::Province), &actor())
        .await
        .unwrap();
    for token in ["g1", "g2", "g3"] {
        store
            .create_session(&new_session(token, "gov", "c", later), &actor())
            .await
            .unwrap();
    }
    let done = store
        .set_password("gov", "new-hash-secret", Some("g2"), &actor())
        .await
        .unwrap();
    assert_eq!(done.sessions_ended, 2);
    assert_eq!(
        store.user("gov").await.unwrap().unwrap().password_hash,
        "new-hash-secret"
    );
    let live: Vec<String> = store
        .user_sessions("gov", now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.token_hash)
        .collect();
    assert_eq!(live, vec!["g2"]);
    let all_gone = store
        .set_password("gov", "newer-hash-secret", None, &actor())
        .await
        .unwrap();
    assert_eq!(all_gone.sessions_ended, 1);
    assert!(store.user_sessions("gov", now).await.unwrap().is_empty());
    assert!(matches!(
        store.set_password("nobody", "h", None, &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
    let records = audit_records(&store, AuditFilter::action("user.password")).await;
    assert_eq!(records.items.len(), 2);
    assert!(records.items.iter().all(|r| !r.payload.contains("hash")));
    assert_chain(&store, 1 + 3 + 2).await;
}

/// Revoking ends every session of the account (one record); with none, it records nothing.
pub async fn revoking_ends_every_session(store: Arc<dyn Store>) {
    let now = actor().at_us();
    store
        .create_user(&new_user("st", Role::Observer, Scope::Province), &actor())
        .await
        .unwrap();
    for token in ["s1", "s2"] {
        store
            .create_session(&new_session(token, "st", "c", now + 1_000_000), &actor())
            .await
            .unwrap();
    }
    // An expired session is not listed.
    store
        .create_session(&new_session("s0", "st", "c", now), &actor())
        .await
        .unwrap();
    let listed = store.user_sessions("st", now).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|s| s.last_seen_at_us == now && s.idle_timeout_us.is_none()));
    let done = store.revoke_sessions("st", &actor()).await.unwrap();
    assert_eq!(done.sessions_ended, 3);
    assert!(store.session("s1", now).await.unwrap().is_none());
    assert_eq!(
        store.revoke_sessions("st", &actor()).await.unwrap(),
        crate::AccountChange::default()
    );
    assert!(matches!(
        store.revoke_sessions("nobody", &actor()).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(
        audit_actions(&store, AuditFilter::action("auth.revoke")).await,
        vec!["auth.revoke"]
    );
    assert_chain(&store, 1 + 3 + 1).await;
}

/// A session unused for longer than its idle timeout is refused; using it (touching) keeps it
/// alive, and a touch writes only when the last one is older than asked; a session without
/// an idle timeout lasts to its expiry.
pub async fn idle_sessions_end_unless_used(store: Arc<dyn Store>) {
    let now = actor().at_us();
    let minute = 60_000_000;
    let hour = 60 * minute;
    store
        .create_user(&new_user("obs", Role::Observer, Scope::Province), &actor())
        .await
        .unwrap();
    let mut idle = new_session("i1", "obs", "c", now + 8 * hour);
    idle.idle_timeout_us = Some(30 * minute);
    store.create_session(&idle, &actor()).await.unwrap();
    let day = new_session("d1", "obs", "c", now + 8 * hour);
    store.create_session(&day, &actor()).await.unwrap();
    let (s, _) = store.session("i1", now).await.unwrap().unwrap();
    assert_eq!(s.last_seen_at_us, now);
    assert_eq!(s.idle_until_us(), Some(now + 30 * minute));
    assert!(store
        .session("i1", now + 30 * minute - 1)
        .await
        .unwrap()
        .is_some());
    assert!(
        store
            .session("i1", now + 30 * minute)
            .await
            .unwrap()
            .is_none(),
        "idle"
    );
    // Used at 20 minutes: alive until 50.
    store
        .touch_session("i1", now + 20 * minute, now + 19 * minute)
        .await
        .unwrap();
    let (s, _) = store
        .session("i1", now + 40 * minute)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.last_seen_at_us, now + 20 * minute);
    // A touch whose threshold the last one is not older than writes nothing.
    store
        .touch_session("i1", now + 21 * minute, now + 20 * minute)
        .await
        .unwrap();
    let (s, _) = store
        .session("i1", now + 40 * minute)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.last_seen_at_us, now + 20 * minute);
    assert!(store
        .session("i1", now + 50 * minute)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        store
            .user_sessions("obs", now + 50 * minute)
            .await
            .unwrap()
            .len(),
        1,
        "the idle one is not listed"
    );
    // Without an idle timeout, only the expiry ends it.
    assert!(store
        .session("d1", now + 8 * hour - 1)
        .await
        .unwrap()
        .is_some());
    // Touching writes no audit record.
    assert_chain(&store, 3).await;
}

/// A session of `username` whose token hashes to `token_hash`, expiring at `expires_at_us`.
fn new_session(token_hash: &str, username: &str, csrf: &str, expires_at_us: i64) -> NewSession {
    NewSession {
        token_hash: token_hash.into(),
        username: username.into(),
        csrf_token: csrf.into(),
        expires_at_us,
        idle_timeout_us: None,
    }
}
