//! A small migration runner: embedded SQL files, each applied once in its own transaction and
//! recorded in `schema_migrations`. Two servers starting at once on one database queue on an
//! advisory lock and on the table's lock, so each migration runs exactly once.

use sqlx::postgres::PgPool;
use store::{StoreError, StoreResult};

/// `(version, name, sql)`, in order.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../migrations/0001_foundation.sql"),
    ),
    (
        2,
        "stations_people_staffing",
        include_str!("../migrations/0002_stations_people_staffing.sql"),
    ),
    (3, "boards", include_str!("../migrations/0003_boards.sql")),
    (4, "roll", include_str!("../migrations/0004_roll.sql")),
    (
        5,
        "election_day",
        include_str!("../migrations/0005_election_day.sql"),
    ),
    (
        6,
        "registrations",
        include_str!("../migrations/0006_registrations.sql"),
    ),
    (
        7,
        "turnout_pending",
        include_str!("../migrations/0007_turnout_pending.sql"),
    ),
    (
        8,
        "identity_challenges",
        include_str!("../migrations/0008_identity_challenges.sql"),
    ),
    (
        9,
        "accounts",
        include_str!("../migrations/0009_accounts.sql"),
    ),
    (
        10,
        "walkouts",
        include_str!("../migrations/0010_walkouts.sql"),
    ),
    (
        11,
        "pause_reasons",
        include_str!("../migrations/0011_pause_reasons.sql"),
    ),
    (
        12,
        "opening_presence",
        include_str!("../migrations/0012_opening_presence.sql"),
    ),
    (
        13,
        "vetting_inquiries",
        include_str!("../migrations/0013_vetting_inquiries.sql"),
    ),
    (
        14,
        "opening_forms",
        include_str!("../migrations/0014_opening_forms.sql"),
    ),
    (
        15,
        "readiness",
        include_str!("../migrations/0015_readiness.sql"),
    ),
    (
        16,
        "incidents",
        include_str!("../migrations/0016_incidents.sql"),
    ),
    (
        17,
        "security",
        include_str!("../migrations/0017_security.sql"),
    ),
    (
        18,
        "equipment_tests",
        include_str!("../migrations/0018_equipment_tests.sql"),
    ),
    (
        19,
        "decisions_done",
        include_str!("../migrations/0019_decisions_done.sql"),
    ),
    (
        20,
        "election_keys",
        include_str!("../migrations/0020_election_keys.sql"),
    ),
    (
        21,
        "encrypted_ballots",
        include_str!("../migrations/0021_encrypted_ballots.sql"),
    ),
    (
        22,
        "challenged_ballots",
        include_str!("../migrations/0022_challenged_ballots.sql"),
    ),
    (23, "kiosks", include_str!("../migrations/0023_kiosks.sql")),
    (
        24,
        "decryption",
        include_str!("../migrations/0024_decryption.sql"),
    ),
    (
        25,
        "sealed_test_ballots",
        include_str!("../migrations/0025_sealed_test_ballots.sql"),
    ),
    (
        26,
        "results",
        include_str!("../migrations/0026_results.sql"),
    ),
    (
        27,
        "minutes",
        include_str!("../migrations/0027_minutes.sql"),
    ),
    (
        28,
        "annulments",
        include_str!("../migrations/0028_annulments.sql"),
    ),
    (
        29,
        "hand_counts",
        include_str!("../migrations/0029_hand_counts.sql"),
    ),
    (
        30,
        "certification",
        include_str!("../migrations/0030_certification.sql"),
    ),
    (
        31,
        "lottery_seed",
        include_str!("../migrations/0031_lottery_seed.sql"),
    ),
];

/// The migrations as `(version, name)`, in order (for the test that keeps both backends'
/// schema steps in step).
pub fn migrations() -> Vec<(i64, &'static str)> {
    MIGRATIONS
        .iter()
        .map(|&(version, name, _)| (version, name))
        .collect()
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::database(e)
}

/// Key of the transaction-scoped advisory lock taken while migrating ("sandoq" in ASCII).
const LOCK_KEY: i64 = 0x73_61_6e_64_6f_71;

pub(crate) async fn run(pool: &PgPool) -> StoreResult<()> {
    for &(version, name, sql) in MIGRATIONS {
        let mut tx = pool.begin().await.map_err(db)?;
        // The advisory lock covers the very first start, when `CREATE TABLE IF NOT EXISTS` itself
        // could race; the table lock then guards the check-and-apply below.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations \
             (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let applied: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)",
        )
        .bind(version)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if applied {
            tx.rollback().await.map_err(db)?;
            continue;
        }
        tracing::info!(version, name, "applying migration");
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(db)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at_us) \
             VALUES ($1, $2, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)",
        )
        .bind(version)
        .bind(name)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}
