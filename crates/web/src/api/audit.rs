use crate::api::{page_request, ApiQuery};
use crate::auth::Auth;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use domain::access::Action;
use serde::{Deserialize, Serialize};
use store::{AuditFilter, Page};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// Action prefix, e.g. `auth.`.
    pub action: Option<String>,
    /// Entity prefix, e.g. `user/`.
    pub entity: Option<String>,
    /// First day, Jalali (`1404/10/21`) or ISO, Tehran time.
    pub from: Option<String>,
    /// Last day, inclusive.
    pub to: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

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

fn empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl AuditQuery {
    /// Turns the query into a store filter; dates are whole Tehran days.
    pub fn filter(&self) -> Result<AuditFilter, ApiError> {
        let day_start = |s: &str| -> Result<i64, ApiError> {
            let date = domain::calendar::parse_date(s)?;
            Ok(domain::clock::to_micros(
                date.midnight().assume_offset(domain::calendar::TEHRAN),
            ))
        };
        let from_us = empty(self.from.clone())
            .map(|s| day_start(&s))
            .transpose()?;
        let to_us = empty(self.to.clone())
            .map(|s| day_start(&s).map(|us| us + 86_400_000_000 - 1))
            .transpose()?;
        Ok(AuditFilter {
            actor: empty(self.actor.clone()),
            action: empty(self.action.clone()),
            entity: empty(self.entity.clone()),
            from_us,
            to_us,
        })
    }
}

/// The audit log, newest first (province HQ only).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<AuditEntry>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    auth.require(Action::ViewAudit)?;
    let page = state
        .store
        .audit_page(&q.filter()?, page_request(q.page, q.per_page))
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

/// Recomputes the whole audit hash chain (province HQ only).
pub async fn chain_report(state: &AppState) -> Result<ChainReport, ApiError> {
    Ok(match store::verify_audit(state.store.as_ref()).await? {
        Ok(records) => ChainReport {
            intact: true,
            records,
            broken_at: None,
            reason: None,
        },
        Err(e) => ChainReport {
            intact: false,
            records: e.seq() - 1,
            broken_at: Some(e.seq()),
            reason: Some(e.to_string()),
        },
    })
}

/// Recomputes the audit hash chain and names the first broken record (province HQ only).
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = ChainReport), (status = 403, body = crate::error::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    auth: Auth,
) -> Result<Json<ChainReport>, ApiError> {
    auth.require(Action::ViewAudit)?;
    Ok(Json(chain_report(&state).await?))
}
