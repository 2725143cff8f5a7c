//! The audit chain's one append, shared by every mutation.

use crate::db::Attempt;
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::audit_log::AuditEntry;
use store::Actor;

/// Appends one record to the audit chain inside the caller's transaction. The `UPDATE …
/// RETURNING` takes the head row's lock, so concurrent appends queue here and each sees its
/// predecessor's committed head.
pub(crate) async fn append_audit(
    conn: &mut PgConnection,
    by: &Actor,
    entry: &AuditEntry,
) -> Attempt<i64> {
    let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = row.try_get("seq")?;
    let prev_hash: String = row.try_get("hash")?;
    let at_us = by.at_us();
    let payload = audit::canonical_json(&entry.payload);
    let hash = audit::chain_hash(
        &prev_hash,
        seq,
        at_us,
        &by.username,
        &entry.action,
        &entry.entity,
        &payload,
    );
    // The record and the new head in one statement (one round trip).
    sqlx::query(
        "WITH record AS (INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, \
           prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)) \
         UPDATE audit_head SET hash = $8 WHERE id = 1",
    )
    .bind(seq)
    .bind(at_us)
    .bind(&by.username)
    .bind(&entry.action)
    .bind(&entry.entity)
    .bind(&payload)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}
