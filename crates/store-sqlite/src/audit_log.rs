//! The audit log as stored on SQLite: pages, the verifier's scan, the head.

use crate::db::{db_err, Sqlite};
use crate::rows::{audit_from_row, AUDIT_COLUMNS};
use crate::sql::{all, paged, Where};
use async_trait::async_trait;
use audit::AuditRecord;
use rusqlite::params;
use store::{AuditFilter, AuditStore, Page, PageRequest, StoreResult};

#[async_trait]
impl AuditStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditRecord>> {
        let f = filter.clone();
        self.read(move |c| {
            let mut w = Where::default();
            w.eq("actor", f.actor.as_deref());
            w.prefix("action", f.action.as_deref());
            w.prefix("entity", f.entity.as_deref());
            w.cmp("at_us", ">=", f.from_us);
            w.cmp("at_us", "<=", f.to_us);
            paged(
                c,
                "audit_log",
                AUDIT_COLUMNS,
                &w,
                "seq DESC",
                page,
                audit_from_row,
            )
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        self.read(move |c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
                ))
                .map_err(db_err)?;
            all(&mut s, params![after, i64::from(limit)], audit_from_row)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        self.read(|c| {
            c.query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(db_err)
        })
        .await
    }
}
