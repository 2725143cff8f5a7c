//! The audit log for the province HQ: its pages, filtered, and the check of its whole hash
//! chain.

use crate::{authorize, Result};
use audit::AuditRecord;
use domain::access::{Action, Principal};
use serde::Deserialize;
use store::{AuditFilter, AuditStore, Page, PageRequest};

#[derive(Clone, Copy)]
pub struct Audit<'a> {
    pub(crate) audit: &'a dyn AuditStore,
}

/// What an audit page asks for (the API's query and the page's form alike).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
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

fn empty(s: Option<&String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl AuditQuery {
    /// The store's filter; dates are whole Tehran days.
    pub fn filter(&self) -> Result<AuditFilter> {
        let day_start = |s: &str| -> Result<i64> {
            let date = domain::calendar::parse_date(s)?;
            Ok(domain::clock::to_micros(
                date.midnight().assume_offset(domain::calendar::TEHRAN),
            ))
        };
        let from_us = empty(self.from.as_ref())
            .map(|s| day_start(&s))
            .transpose()?;
        let to_us = empty(self.to.as_ref())
            .map(|s| day_start(&s).map(|us| us + 86_400_000_000 - 1))
            .transpose()?;
        Ok(AuditFilter {
            actor: empty(self.actor.as_ref()),
            action: empty(self.action.as_ref()),
            entity: empty(self.entity.as_ref()),
            from_us,
            to_us,
        })
    }
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub intact: bool,
    /// Records checked (up to the first broken one).
    pub records: i64,
    /// The first broken record's sequence number.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

impl Audit<'_> {
    /// A page of the log, newest first, with `filter` (province HQ only).
    pub async fn page(
        self,
        principal: Option<&Principal>,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        authorize(principal, Action::ViewAudit)?;
        Ok(self.audit.audit_page(filter, page).await?)
    }

    /// Recomputes the whole hash chain and names the first broken record (province HQ only).
    pub async fn verify(self, principal: Option<&Principal>) -> Result<ChainReport> {
        authorize(principal, Action::ViewAudit)?;
        Ok(match store::verify_audit(self.audit).await? {
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
}
