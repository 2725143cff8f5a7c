//! The one way a change reaches the audit chain.

use crate::db::db_err;
use rusqlite::{params, Connection};
use store::audit_log::AuditEntry;
use store::{Actor, StoreResult};

/// Appends one audit record inside the caller's transaction.
pub(crate) fn append_audit(conn: &Connection, by: &Actor, entry: &AuditEntry) -> StoreResult<()> {
    let AuditEntry {
        action,
        entity,
        payload,
    } = entry;
    // Cached statements: every write appends a record, and check-in batches many a second.
    // The head is read, then written once: every write is an immediate transaction on the one
    // writer connection, so nothing appends in between. (`UPDATE … RETURNING` would build a
    // temporary table for its one row on every append.)
    let (seq, prev): (i64, String) = conn
        .prepare_cached("SELECT seq + 1, hash FROM audit_head WHERE id = 1")
        .map_err(db_err)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(db_err)?;
    let payload = audit::canonical_json(payload);
    let at_us = by.at_us();
    let hash = audit::chain_hash(&prev, seq, at_us, &by.username, action, entity, &payload);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![seq, at_us, by.username, action, entity, payload, prev, hash])
    .map_err(db_err)?;
    conn.prepare_cached("UPDATE audit_head SET seq = ?1, hash = ?2 WHERE id = 1")
        .map_err(db_err)?
        .execute(params![seq, hash])
        .map_err(db_err)?;
    Ok(())
}
