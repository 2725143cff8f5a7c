//! The schema's migrations: embedded SQL files, each applied once in its own transaction and
//! recorded in `schema_migrations`. The PostgreSQL backend has the same list (a test keeps the
//! two in step).

use crate::db::db_err;
use rusqlite::{Connection, TransactionBehavior};
use store::StoreResult;

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

/// Applies the migrations not applied yet, each in its own transaction.
pub(crate) fn run(conn: &mut Connection, now_us: i64) -> StoreResult<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_us INTEGER NOT NULL)",
    )
    .map_err(db_err)?;
    for (version, name, sql) in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let applied: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM schema_migrations WHERE version = ?1)",
                [version],
                |r| r.get(0),
            )
            .map_err(db_err)?;
        if !applied {
            tx.execute_batch(sql).map_err(db_err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (?1, ?2, ?3)",
                rusqlite::params![version, name, now_us],
            )
            .map_err(db_err)?;
            tracing::info!(version, name, "applied migration");
        }
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

/// The migrations as `(version, name)`, in order (the PostgreSQL backend has the same).
pub fn migrations() -> Vec<(i64, &'static str)> {
    MIGRATIONS.iter().map(|(v, name, _)| (*v, *name)).collect()
}
