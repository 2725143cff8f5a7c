//! `/audit`: the audit log, filtered and paginated, and the check of its whole chain (province
//! HQ only). The use cases are `app::audit`.

use crate::fmt::{jalali_us, url_encode};
use crate::views::OnPage;
use crate::views::{page_error, render, Layout, PageResult, Pager, Visit};
use app::audit::AuditQuery;
use app::page_request;
use askama::Template;
use axum::extract::Query;
use domain::text::persian_number;
use store::AuditFilter;

pub struct AuditRow {
    pub seq: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub payload: String,
    pub hash: String,
    pub short_hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    actor: String,
    action: String,
    entity: String,
    from: String,
    to: String,
    error: Option<String>,
    chain: Option<(bool, String)>,
    records: Vec<AuditRow>,
    pager: Pager,
}

/// `/audit/verify`: the audit page with the result of a full chain check on top.
pub async fn verify(visit: Visit) -> PageResult {
    let report = visit
        .app()
        .audit()
        .verify(visit.principal())
        .await
        .map_err(|e| page_error(e, "/audit/verify"))?;
    let message = if report.intact {
        format!(
            "زنجیره ممیزی سالم است: {} رکورد بررسی شد.",
            persian_number(report.records)
        )
    } else {
        format!(
            "زنجیره ممیزی از رکورد {} به بعد آسیب دیده است: {}",
            persian_number(report.broken_at.unwrap_or_default()),
            report.reason.unwrap_or_default()
        )
    };
    page(visit, AuditQuery::default(), Some((report.intact, message))).await
}

pub async fn list(visit: Visit, OnPage(Query(q)): OnPage<Query<AuditQuery>>) -> PageResult {
    page(visit, q, None).await
}

async fn page(visit: Visit, q: AuditQuery, chain: Option<(bool, String)>) -> PageResult {
    let (filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            AuditFilter {
                from_us: Some(i64::MAX),
                ..Default::default()
            },
            Some(crate::ApiError::from(e).problem().detail),
        ),
    };
    let page = visit
        .app()
        .audit()
        .page(
            visit.principal(),
            &filter,
            page_request(q.page, Some(q.per_page.unwrap_or(50))),
        )
        .await
        .map_err(|e| page_error(e, "/audit"))?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let link = |p: u32| {
        format!(
            "/audit?actor={}&action={}&entity={}&from={}&to={}&page={p}",
            url_encode(&text(&q.actor)),
            url_encode(&text(&q.action)),
            url_encode(&text(&q.entity)),
            url_encode(&text(&q.from)),
            url_encode(&text(&q.to))
        )
    };
    render(&AuditPage {
        layout: visit.layout("گزارش ممیزی", "/audit"),
        pager: Pager::new(&page, link),
        records: page
            .items
            .into_iter()
            .map(|r| AuditRow {
                seq: persian_number(r.seq),
                at: jalali_us(r.at_us),
                short_hash: r.hash.chars().take(12).collect(),
                actor: r.actor,
                action: r.action,
                entity: r.entity,
                payload: r.payload,
                hash: r.hash,
            })
            .collect(),
        actor: text(&q.actor),
        action: text(&q.action),
        entity: text(&q.entity),
        // Dates are shown with Persian digits, as typed or not: they are read back either way.
        from: domain::text::echo(&text(&q.from)),
        to: domain::text::echo(&text(&q.to)),
        error,
        chain,
    })
}
