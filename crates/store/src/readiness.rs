//! Readiness and the timeline (issue 16): each station's declared readiness, the telecom
//! company's list as a bulk update, the score's weights, and the province HQ's edits of the
//! election's milestones. The rules are the domain's (`domain::readiness`,
//! `domain::timeline`); what a backend would otherwise decide for itself — how an import's
//! rows meet the stations — is [`plan_import`], written once here.

use crate::audit_log::AuditEntry;
use crate::{Actor, StoreError, StoreResult};
use async_trait::async_trait;
use domain::access::Role;
use domain::audit_terms::AuditAction;
use domain::csv_io::{ReadinessUpdate, RowError};
use domain::election::Milestone;
use domain::readiness::{check_declaration, Declared, Readiness, SecurityStanding, Weights};
use serde::Serialize;
use std::collections::HashMap;

/// A station as the readiness lists show it: where it is, what is declared, and what the
/// store knows of its security.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationReadiness {
    pub station: String,
    pub name: String,
    pub county: String,
    pub county_name: String,
    pub council: String,
    pub council_name: String,
    /// `None`: nothing declared yet.
    pub declared: Option<Declared>,
    pub sensitive: bool,
    pub plan_approved: bool,
}

impl StationReadiness {
    pub fn security(&self) -> SecurityStanding {
        SecurityStanding {
            sensitive: self.sensitive,
            plan_approved: self.plan_approved,
        }
    }
}

#[async_trait]
pub trait ReadinessStore: Send + Sync + 'static {
    /// The open stations of `election` (of `county`, or all), by code, each with what is
    /// declared.
    async fn readiness(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<StationReadiness>>;
    /// One station's; `None` for a station not in the election.
    async fn station_readiness(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationReadiness>>;
    /// Declares a station's readiness, checked by `domain::readiness::check_declaration`
    /// against what was declared and the station's security, read in the same transaction
    /// (`Refused(Readiness)` otherwise; `NotFound { Station }` for a station not in the
    /// election), with its audit record (`readiness.declare`).
    async fn declare_readiness(
        &self,
        election_code: &str,
        station: &str,
        readiness: &Readiness,
        by: &Actor,
    ) -> StoreResult<Declared>;
    /// A readiness file, all or nothing ([`plan_import`]; `Refused(Rows)` with every bad row
    /// by its line), with one audit record (`readiness.import`). `only_county`: a governor's
    /// file may name their county's stations only. Returns how many stations changed.
    async fn import_readiness(
        &self,
        election_code: &str,
        updates: &[ReadinessUpdate],
        only_county: Option<&str>,
        by: &Actor,
    ) -> StoreResult<u64>;
    /// The election's score weights (the defaults until the HQ sets them).
    async fn readiness_weights(&self, election_code: &str) -> StoreResult<Weights>;
    /// Sets the election's score weights (`Weights::validate`), audited (`readiness.weights`).
    async fn set_readiness_weights(
        &self,
        election_code: &str,
        weights: &Weights,
        by: &Actor,
    ) -> StoreResult<()>;
    /// Writes a milestone of the election's timeline (`domain::timeline::check_milestone`): a
    /// key it has is replaced in place, a new key is added last. Audited
    /// (`timeline.milestone`). `NotFound { Election }` for an unknown election.
    async fn set_milestone(
        &self,
        election_code: &str,
        milestone: &Milestone,
        by: &Actor,
    ) -> StoreResult<()>;
}

/// A milestone's stored owner back (`None` when it has none); an unknown role is `Corrupt`.
pub fn owner_role(text: Option<&str>) -> StoreResult<Option<Role>> {
    text.map(|t| {
        Role::parse(t).map_err(|_| StoreError::Corrupt(format!("unknown milestone owner {t:?}")))
    })
    .transpose()
}

/// The election's weights as stored (JSON), or the defaults where none are; a row that does
/// not parse is `Corrupt`.
pub fn weights_from(stored: Option<&str>) -> StoreResult<Weights> {
    stored.map_or(Ok(Weights::default()), |text| {
        serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("weights: {e}")))
    })
}

/// What a backend reads about one station an import names: its county, what is declared,
/// its security.
#[derive(Debug, Clone)]
pub struct ImportFacts {
    pub county: String,
    pub declared: Option<Readiness>,
    pub security: SecurityStanding,
}

/// How an import's rows meet the stations: each row's station in the election (and in
/// `only_county`), its declaration after the row checked as one typed in would be. Every
/// declaration to write (rows that change nothing left out), or every bad row by its line.
pub fn plan_import<S: std::hash::BuildHasher>(
    updates: &[ReadinessUpdate],
    facts: &HashMap<String, ImportFacts, S>,
    only_county: Option<&str>,
    by: &Actor,
) -> Result<Vec<(String, Readiness)>, Vec<RowError>> {
    let today = by.at.to_offset(domain::calendar::TEHRAN).date();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for update in updates {
        let station = domain::text::persian_digits(&update.station);
        let Some(found) = facts.get(&update.station) else {
            errors.push(RowError {
                line: update.line,
                message: format!("شعبه {station} در این انتخابات نیست."),
            });
            continue;
        };
        if only_county.is_some_and(|c| c != found.county) {
            errors.push(RowError {
                line: update.line,
                message: format!("شعبه {station} در شهرستان شما نیست."),
            });
            continue;
        }
        if update.is_empty() {
            continue;
        }
        let next = update.apply(&found.declared.clone().unwrap_or_default());
        match check_declaration(&next, found.declared.as_ref(), found.security, today) {
            Ok(()) if found.declared.as_ref() == Some(&next) => {}
            Ok(()) => out.push((update.station.clone(), next)),
            Err(refusal) => errors.push(RowError {
                line: update.line,
                message: format!("شعبه {station}: {}", refusal.persian()),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn station_entity(code: &str) -> String {
    format!("station:{code}")
}

fn election_entity(code: &str) -> String {
    format!("election:{code}")
}

/// A declaration's details: every field, so the log alone tells what was declared.
fn readiness_json(election_code: &str, county: &str, r: &Readiness) -> serde_json::Value {
    serde_json::json!({
        "election": election_code,
        "county": county,
        "link": r.link.as_str(),
        "fibre_planned_on": r.fibre_planned_on.map(|d| d.to_string()),
        "cctv_installed": r.cctv_installed,
        "cctv_monitored": r.cctv_monitored,
        "power_backup": r.power_backup,
        "devices_installed": r.devices_installed,
        "devices_tested": r.devices_tested,
        "step_free": r.step_free,
        "ready": r.ready,
        "note": r.note,
    })
}

/// A station's readiness declared.
pub fn readiness_declared(
    election_code: &str,
    station: &str,
    county: &str,
    r: &Readiness,
) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ReadinessDeclare,
        station_entity(station),
        readiness_json(election_code, county, r),
    )
}

/// A readiness file written: how many stations changed, and each station's declaration.
pub fn readiness_imported(
    election_code: &str,
    only_county: Option<&str>,
    written: &[(String, Readiness)],
) -> AuditEntry {
    let stations: serde_json::Map<String, serde_json::Value> = written
        .iter()
        .map(|(code, r)| {
            let mut one = readiness_json(election_code, only_county.unwrap_or(""), r);
            if let Some(map) = one.as_object_mut() {
                map.remove("election");
                map.remove("county");
            }
            (code.clone(), one)
        })
        .collect();
    AuditEntry::new(
        AuditAction::ReadinessImport,
        election_entity(election_code),
        serde_json::json!({
            "election": election_code,
            "county": only_county,
            "count": written.len(),
            "stations": stations,
        }),
    )
}

/// The score's weights set.
pub fn weights_set(election_code: &str, weights: &Weights) -> AuditEntry {
    AuditEntry::new(
        AuditAction::ReadinessWeights,
        election_entity(election_code),
        serde_json::json!({ "election": election_code, "weights": weights }),
    )
}

/// A milestone written.
pub fn milestone_set(election_code: &str, m: &Milestone) -> AuditEntry {
    AuditEntry::new(
        AuditAction::TimelineMilestone,
        election_entity(election_code),
        serde_json::json!({
            "election": election_code,
            "key": m.key,
            "name": m.name,
            "starts_at_us": domain::clock::to_micros(m.starts_at),
            "ends_at_us": domain::clock::to_micros(m.ends_at),
            "owner": m.owner.map(Role::as_str),
            "done_at_us": m.done_at.map(domain::clock::to_micros),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::csv_io::readiness_from_csv;

    fn facts(county: &str) -> ImportFacts {
        ImportFacts {
            county: county.into(),
            declared: None,
            security: SecurityStanding::default(),
        }
    }

    #[test]
    fn an_import_names_every_bad_row_and_skips_what_changes_nothing() {
        let by = Actor::new(
            "gov",
            domain::calendar::parse_instant("1404/12/01 09:00").expect("instant"),
        );
        let table: HashMap<String, ImportFacts> = [
            ("0100001".to_owned(), facts("01")),
            ("0100002".to_owned(), facts("01")),
            ("0200001".to_owned(), facts("02")),
        ]
        .into_iter()
        .collect();
        let rows = readiness_from_csv(
            "station,link,fibre_planned_on\n0100001,fibre,\n0100002,fibre_planned,1404/11/01\n0200001,sim,\n0900001,sim,\n",
        )
        .expect("parses");
        let errors = plan_import(&rows, &table, Some("01"), &by).expect_err("refused");
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert!(errors[1].message.contains("شهرستان شما"));
        let good = readiness_from_csv("station,link\n0100001,fibre\n0100002,\n").expect("parses");
        let planned = plan_import(&good, &table, Some("01"), &by).expect("accepted");
        assert_eq!(planned.len(), 1, "a row that fills nothing writes nothing");
        assert_eq!(planned[0].0, "0100001");
    }
}
