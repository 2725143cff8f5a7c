//! Picks the storage backend from the database URL's scheme. The only place that names one.

use anyhow::{bail, Context};
use std::sync::Arc;
use store::Store;

/// Which backend a URL asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const ACCEPTED: &str = "sqlite:PATH, sqlite://PATH, postgres://… or postgresql://…";

pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        let scheme = url.split_once(':').map_or("(none)", |(s, _)| s);
        bail!("unsupported database URL scheme {scheme:?}: use {ACCEPTED}")
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// Connects to the database (running its migrations) and returns it as the store trait object.
/// The use cases over a store, for a command that serves no one (an export): the system clock,
/// default settings, and no documents or text messages of its own.
pub fn offline_app(store: Arc<dyn Store>) -> app::App {
    app::App::new(
        store,
        Arc::new(domain::clock::SystemClock),
        store::files::FileStore::new(std::env::temp_dir()),
        app::Settings::default(),
        app::sms::Sms::default(),
    )
}

pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let shown = redact(url);
    let store: Arc<dyn Store> = match backend_of(url)? {
        Backend::Sqlite => Arc::new(
            store_sqlite::Sqlite::connect(url)
                .await
                .with_context(|| format!("cannot open the SQLite database {shown}"))?,
        ),
        Backend::Postgres => Arc::new(
            store_postgres::Postgres::connect(url)
                .await
                .with_context(|| format!("cannot connect to the PostgreSQL database {shown}"))?,
        ),
    };
    tracing::debug!(backend = store.backend(), url = %shown, "store opened");
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(backend_of("sqlite:sandoq.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("sqlite:///tmp/x.db").unwrap(), Backend::Sqlite);
        assert_eq!(backend_of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(
            backend_of("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        let err = backend_of("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql"), "{err}");
        assert!(err.contains("sqlite:PATH"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        assert!(backend_of("sandoq.db").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite:sandoq.db"), "sqlite:sandoq.db");
    }
}
