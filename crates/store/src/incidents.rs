//! Incidents (issue 16 §5): filed at a station or for a county, stepped strictly in order, each
//! filing and step one transaction with its audit record. The rules are the domain's
//! (`domain::incident`); what both backends share beyond them is here.

use crate::audit_log::AuditEntry;
use crate::{Actor, Page, PageRequest, StoreResult};
use async_trait::async_trait;
use domain::audit_terms::AuditAction;
use domain::incident::{
    Category, Incident, IncidentPhoto, IncidentReport, IncidentStatus, IncidentStep, Severity,
};
use time::OffsetDateTime;

/// An incident to file: the report and, if one came with it, its photo (already stored, see
/// [`crate::files::FileStore`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub report: IncidentReport,
    pub photo: Option<IncidentPhoto>,
}

/// A step to take: the status it leads to and its note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStep {
    pub to: IncidentStatus,
    pub note: String,
}

/// Which incidents a list shows; every filter optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub county: Option<String>,
    pub station: Option<String>,
    pub status: Option<IncidentStatus>,
    pub severity: Option<Severity>,
    pub category: Option<Category>,
    /// Only those past a deadline at this instant (`domain::incident::overdue`).
    pub overdue_at: Option<OffsetDateTime>,
}

/// An incident with its steps, oldest first.
pub type IncidentFile = (Incident, Vec<IncidentStep>);

#[async_trait]
pub trait IncidentStore: Send + Sync + 'static {
    /// Files an incident at `by.at` by `by`, its deadlines fixed by the default targets
    /// (`domain::incident::Targets`). Refused (`Refusal::Incident`) when the report is invalid
    /// (`domain::incident::check_report`) or its station is not one of its county's.
    async fn file_incident(&self, new: &NewIncident, by: &Actor) -> StoreResult<Incident>;

    /// A page of incidents, newest filing first.
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Incident>>;

    /// One incident with its steps.
    async fn incident(&self, id: i64) -> StoreResult<Option<IncidentFile>>;

    /// Takes an incident to its next status at `by.at`; `NotFound` if there is none, refused
    /// (`Refusal::Incident`) when the step is not the next one or its note is not acceptable
    /// (`domain::incident::check_step`). Nothing is written on a refusal.
    async fn step_incident(&self, id: i64, step: &NewStep, by: &Actor)
        -> StoreResult<IncidentFile>;

    /// The hashes of every incident's photo, for the sweep of unreferenced uploads.
    async fn incident_photo_hashes(&self) -> StoreResult<std::collections::HashSet<String>>;
}

/// The incident a report becomes when filed by `by`, before the store gives it its id: its
/// description trimmed, its deadlines fixed by the default targets.
pub fn filed(new: &NewIncident, by: &Actor) -> Result<Incident, crate::Refusal> {
    let report = &new.report;
    domain::incident::check_report(report, by.at).map_err(crate::Refusal::Incident)?;
    Ok(Incident {
        id: 0,
        county: report.county.clone(),
        station: report.station.clone(),
        category: report.category(),
        subcategory: report.subcategory,
        severity: report.severity,
        occurred_at: report.occurred_at,
        reported_at: by.at,
        reported_by: by.username.clone(),
        description: domain::incident::clean_description(&report.description),
        photo: new.photo.clone(),
        status: IncidentStatus::Open,
        updated_at: by.at,
        dues: domain::incident::Targets::default().dues(report.severity, by.at),
    })
}

/// Checks that a report's station (if any) is one of its county's: `station_county` is the
/// county of the station as the backend found it (`None`: no such station).
pub fn check_station(
    report: &IncidentReport,
    station_county: Option<&str>,
) -> Result<(), crate::Refusal> {
    match (&report.station, station_county) {
        (None, _) => Ok(()),
        (Some(_), Some(county)) if county == report.county => Ok(()),
        (Some(_), _) => Err(crate::Refusal::Incident(
            domain::incident::IncidentRefusal::StationNotInCounty,
        )),
    }
}

/// The step `step` on `incident` by `by`, checked (`domain::incident::check_step`).
pub fn stepped(
    incident: &Incident,
    step: &NewStep,
    by: &Actor,
) -> Result<IncidentStep, crate::Refusal> {
    domain::incident::check_step(
        incident.status,
        incident.updated_at,
        step.to,
        by.at,
        &step.note,
    )
    .map_err(crate::Refusal::Incident)?;
    Ok(IncidentStep {
        status: step.to,
        at: by.at,
        by: by.username.clone(),
        note: step.note.trim().to_owned(),
    })
}

/// The SQL condition of [`IncidentFilter::overdue_at`] over an incident row's `status`,
/// `acknowledge_by_us` and `resolve_by_us` columns, `now` being the placeholder of the instant
/// in micros (`?3`, `$3`): `domain::incident::overdue` in SQL, written once for both backends.
pub fn overdue_sql(now: &str) -> String {
    format!(
        "(status <> 'resolved' AND (resolve_by_us < {now} \
         OR (status = 'open' AND acknowledge_by_us < {now})))"
    )
}

/// An incident filed: its place, kind, severity, when it happened, its description and photo.
pub fn incident_filed(incident: &Incident) -> AuditEntry {
    AuditEntry::new(
        AuditAction::IncidentFile,
        format!("incident/{}", incident.id),
        serde_json::json!({
            "county": incident.county,
            "station": incident.station,
            "category": incident.category.as_str(),
            "subcategory": incident.subcategory.as_str(),
            "severity": incident.severity.as_str(),
            "occurred_at_us": domain::clock::to_micros(incident.occurred_at),
            "description": incident.description,
            "photo": incident.photo.as_ref().map(|p| p.sha256.clone()),
        }),
    )
}

/// An incident's step: the status it led to and its note.
pub fn incident_stepped(incident: &Incident, step: &IncidentStep) -> AuditEntry {
    AuditEntry::new(
        AuditAction::IncidentStep,
        format!("incident/{}", incident.id),
        serde_json::json!({
            "county": incident.county,
            "status": step.status.as_str(),
            "note": step.note,
        }),
    )
}

/// The columns of an incident row, in [`IncidentRow`]'s order (both backends select them so).
pub const INCIDENT_COLUMNS: &str = "id, county_code, station_code, category, subcategory, \
     severity, occurred_at_us, reported_at_us, reported_by, description, photo_sha256, \
     photo_media_type, photo_size, status, updated_at_us, acknowledge_by_us, resolve_by_us";

/// An incident row as stored, before its codes are read: both backends read one and
/// [`IncidentRow::read`] makes the incident.
#[derive(Debug, Clone)]
pub struct IncidentRow {
    pub id: i64,
    pub county_code: String,
    pub station_code: Option<String>,
    pub category: String,
    pub subcategory: String,
    pub severity: String,
    pub occurred_at_us: i64,
    pub reported_at_us: i64,
    pub reported_by: String,
    pub description: String,
    pub photo_sha256: Option<String>,
    pub photo_media_type: Option<String>,
    pub photo_size: Option<i64>,
    pub status: String,
    pub updated_at_us: i64,
    pub acknowledge_by_us: i64,
    pub resolve_by_us: i64,
}

fn corrupt(what: &str, value: &str) -> crate::StoreError {
    crate::StoreError::Corrupt(format!("incident {what} {value:?}"))
}

impl IncidentRow {
    /// The incident, or `Corrupt` when a stored code is not one of ours.
    pub fn read(self) -> StoreResult<Incident> {
        use domain::clock::from_micros;
        use domain::incident::{Dues, Subcategory};
        let category =
            Category::parse(&self.category).ok_or_else(|| corrupt("category", &self.category))?;
        let subcategory = Subcategory::parse(&self.subcategory)
            .filter(|s| s.category() == category)
            .ok_or_else(|| corrupt("subcategory", &self.subcategory))?;
        let photo = match (self.photo_sha256, self.photo_media_type, self.photo_size) {
            (Some(sha256), Some(media), Some(size)) => Some(IncidentPhoto {
                media_type: domain::registration::MediaType::from_mime(&media)
                    .ok_or_else(|| corrupt("photo type", &media))?,
                size,
                sha256,
            }),
            _ => None,
        };
        Ok(Incident {
            id: self.id,
            county: self.county_code,
            station: self.station_code,
            category,
            subcategory,
            severity: Severity::parse(&self.severity)
                .ok_or_else(|| corrupt("severity", &self.severity))?,
            occurred_at: from_micros(self.occurred_at_us),
            reported_at: from_micros(self.reported_at_us),
            reported_by: self.reported_by,
            description: self.description,
            photo,
            status: IncidentStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            updated_at: from_micros(self.updated_at_us),
            dues: Dues {
                acknowledge_by: from_micros(self.acknowledge_by_us),
                resolve_by: from_micros(self.resolve_by_us),
            },
        })
    }
}

/// A step row as stored: status, time, actor, note.
pub fn read_step(status: &str, at_us: i64, by: String, note: String) -> StoreResult<IncidentStep> {
    Ok(IncidentStep {
        status: IncidentStatus::parse(status).ok_or_else(|| corrupt("step status", status))?,
        at: domain::clock::from_micros(at_us),
        by,
        note,
    })
}

/// A demo incident as the store keeps it, and its steps: filed and stepped as the rules
/// would have it (the demo is checked by the rules, not trusted).
pub fn demo_incident(
    demo: &domain::incident::DemoIncident,
) -> StoreResult<(Incident, Vec<IncidentStep>)> {
    let by = Actor::new(demo.reported_by.clone(), demo.reported_at);
    let mut incident = filed(
        &NewIncident {
            report: demo.report.clone(),
            photo: None,
        },
        &by,
    )?;
    let mut steps = Vec::new();
    for s in &demo.steps {
        let step = stepped(
            &incident,
            &NewStep {
                to: s.status,
                note: s.note.clone(),
            },
            &Actor::new(s.by.clone(), s.at),
        )?;
        incident.status = step.status;
        incident.updated_at = step.at;
        steps.push(step);
    }
    Ok((incident, steps))
}
