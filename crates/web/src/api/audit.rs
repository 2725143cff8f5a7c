//! The audit log and its chain check (province HQ only). The use cases are `app::audit`.

use crate::api::{page_request, ApiQuery};
use crate::auth::Visit;
use crate::ApiError;
use app::audit::AuditQuery;
use axum::Json;
use serde::Serialize;
use store::Page;

/// An audit record as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: time::OffsetDateTime,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub payload: serde_json::Value,
    pub hash: String,
}

/// The audit log, newest first (province HQ only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403),
        (status = 422, description = "`invalid_date`: `from` or `to` is not a date")))]
pub async fn list(
    Visit { state, auth }: Visit,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    let page = state
        .app
        .audit()
        .page(
            auth.principal(),
            &q.filter()?,
            page_request(q.page, q.per_page),
        )
        .await?;
    let items = page
        .items
        .into_iter()
        .map(|r| AuditEntry {
            seq: r.seq,
            at: domain::clock::from_micros(r.at_us),
            actor: r.actor,
            action: r.action,
            entity: r.entity,
            payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
            hash: r.hash,
        })
        .collect();
    Ok(Json(Page {
        items,
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

/// The result of walking the audit chain.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    pub intact: bool,
    /// Records checked (up to the first broken one).
    pub records: i64,
    /// The first broken record's sequence number.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// Recomputes the audit hash chain and names the first broken record (province HQ only).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainReport), (status = 403)))]
pub async fn verify(Visit { state, auth }: Visit) -> Result<Json<ChainReport>, ApiError> {
    let report = state.app.audit().verify(auth.principal()).await?;
    Ok(Json(ChainReport {
        intact: report.intact,
        records: report.records,
        broken_at: report.broken_at,
        reason: report.reason,
    }))
}
