//! The audit log as stored: its pages, its scan for the verifier, its head. Records are
//! appended by every mutation through [`crate::chain`].

use crate::db::{db, Postgres};
use crate::{rows, sql};
use async_trait::async_trait;
use audit::AuditRecord;
use sqlx::Row;
use store::{AuditFilter, AuditStore, Page, PageRequest, StoreResult};

#[async_trait]
impl AuditStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        req: PageRequest,
    ) -> StoreResult<Page<AuditRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (total, found) = sql::List::new(
            rows::AUDIT_COLUMNS,
            &format!("audit_log WHERE {}", sql::AUDIT_FILTER),
            "seq DESC",
            5,
        )
        .fetch(
            &mut conn,
            |q| {
                q.bind(filter.actor.as_deref())
                    .bind(filter.action.as_deref())
                    .bind(filter.entity.as_deref())
                    .bind(filter.from_us)
                    .bind(filter.to_us)
            },
            req,
        )
        .await?;
        Ok(sql::page(rows::all(&found, rows::audit)?, total, req))
    }

    #[tracing::instrument(skip_all)]
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
            rows::AUDIT_COLUMNS
        ))
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows::all(&found, rows::audit)
    }

    #[tracing::instrument(skip_all)]
    async fn audit_head(&self) -> StoreResult<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok((
            row.try_get("seq").map_err(db)?,
            row.try_get("hash").map_err(db)?,
        ))
    }
}
