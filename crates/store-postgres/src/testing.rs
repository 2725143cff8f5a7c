//! Test support, not part of the store's API: each test gets a database of its own on a shared
//! test cluster. The databases are named after the machine and the test process
//! (`t_<host>_<pid>_<random>`), so the first database a process asks for also drops those left
//! behind by this machine's test processes that have ended: a developer's cluster does not fill
//! the disk run after run.

use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use store::{StoreError, StoreResult};

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let host_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[host_start..].find('/') {
        Some(slash) => &base[..host_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// This machine, as a short tag (its host name hashed), so that another machine's tests on a
/// shared cluster are left alone.
fn host_tag() -> String {
    let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let hash = host.trim().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{:08x}", hash & 0xffff_ffff)
}

/// The pid in a database name of this machine's tests, if it is one.
fn pid_of(name: &str, host: &str) -> Option<u32> {
    let rest = name
        .strip_prefix("t_")?
        .strip_prefix(host)?
        .strip_prefix('_')?;
    rest.split('_').next()?.parse().ok()
}

static SWEPT: AtomicBool = AtomicBool::new(false);

fn err(e: &sqlx::Error) -> StoreError {
    StoreError::database(e.to_string())
}

/// Creates an empty database on the cluster of `admin_url` and returns its URL; the first call
/// of a process first drops the databases of this machine's ended test processes.
pub async fn new_database(admin_url: &str) -> StoreResult<String> {
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| err(&e))?;
    let host = host_tag();
    if !SWEPT.swap(true, Ordering::SeqCst) {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'")
                .fetch_all(&mut admin)
                .await
                .map_err(|e| err(&e))?;
        for name in names {
            let ended = pid_of(&name, &host)
                .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
            if ended {
                // Another sweeper may have dropped it already.
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await;
            }
        }
    }
    let name = format!(
        "t_{host}_{}_{:012x}",
        std::process::id(),
        rand::random::<u64>() & 0xffff_ffff_ffff
    );
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .map_err(|e| err(&e))?;
    admin.close().await.map_err(|e| err(&e))?;
    Ok(with_database(admin_url, &name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_machine_and_the_process() {
        let host = host_tag();
        assert_eq!(host.len(), 8);
        assert_eq!(pid_of(&format!("t_{host}_4242_00ab"), &host), Some(4242));
        assert_eq!(
            pid_of("t_0000000000abcdef", &host),
            None,
            "an older name is left alone"
        );
        assert_eq!(pid_of(&format!("t_{host}x_1_2"), &host), None);
        assert_eq!(
            with_database("postgres://u@h:5/postgres?sslmode=disable", "t_1"),
            "postgres://u@h:5/t_1?sslmode=disable"
        );
    }
}
