//! Incidents (issue 16 §5): filing one (with an optional photo, judged by its content), the
//! lists of a county and of the province, one incident with its steps, and the next step. The
//! API and the pages call the same. The rules are `domain::incident`'s; who may do what is
//! `domain::access`'s (`FileIncident`, `ViewIncidents`, `ViewAllIncidents`, `StepIncident`).

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal, ScopeKind};
use domain::incident::{
    check_photo, check_report, Category, Incident, IncidentPhoto, IncidentReport, IncidentStatus,
    Severity, Subcategory,
};
use store::incidents::{IncidentFile, IncidentFilter, NewIncident, NewStep};
use store::{IncidentStore, Page, PageRequest};

/// The largest filing request: the form and its photo at their largest.
pub const MAX_INCIDENT_BYTES: usize = domain::incident::MAX_PHOTO_BYTES + 64 * 1024;

#[derive(Clone, Copy)]
pub struct Incidents<'a> {
    pub(crate) incidents: &'a dyn IncidentStore,
    pub(crate) ctx: Context<'a>,
}

/// A photo as uploaded: its declared type (not trusted) and its bytes.
#[derive(Debug, Clone)]
pub struct PhotoUpload {
    pub declared: Option<String>,
    pub bytes: bytes::Bytes,
}

/// A filing as entered (the API's fields, the page's form).
#[derive(Debug, Clone, Default)]
pub struct IncidentForm {
    /// The county; may be left out when a station is given (its county is taken).
    pub county: Option<String>,
    pub station: Option<String>,
    pub subcategory: String,
    pub severity: String,
    /// When it happened, Jalali or ISO (Tehran time); now when left out.
    pub occurred_at: Option<String>,
    pub description: String,
    pub photo: Option<PhotoUpload>,
}

/// A list's filters as asked for (codes; empty is none).
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub county: Option<String>,
    pub station: Option<String>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub overdue: bool,
}

fn given(value: Option<&str>) -> Option<String> {
    value
        .map(domain::text::ascii_digits)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parse_code<T>(
    field: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>> {
    match given(value) {
        None => Ok(None),
        Some(v) => parse(&v)
            .map(Some)
            .ok_or_else(|| Error::invalid(field, format!("مقدار «{v}» شناخته نیست"))),
    }
}

/// A refusal of the incidents' rules, as the store would give it.
fn refused(r: domain::incident::IncidentRefusal) -> Error {
    Error::Store(r.into())
}

impl Incidents<'_> {
    /// Files an incident. Every field is checked, and the photo judged by its content, before
    /// anything is written; the photo is stored first (unreferenced until the filing commits,
    /// see `Registrations::sweep_orphans`).
    pub async fn file(self, principal: Option<&Principal>, form: IncidentForm) -> Result<Incident> {
        let p = principal.ok_or(Error::Unauthenticated)?;
        let now = self.ctx.clock.now();
        // Station staff file at their own station unless they say otherwise.
        let station = given(form.station.as_deref()).or_else(|| {
            (p.scope.kind() == ScopeKind::Station)
                .then(|| p.scope.station().map(str::to_owned))
                .flatten()
        });
        let asked_county = given(form.county.as_deref());
        let county = match &station {
            Some(code) => {
                let found = self.ctx.lookups.stations.station(code).await?;
                match (found, &asked_county) {
                    (None, _) => {
                        return Err(Error::invalid("station", "شعبه‌ای با این کد پیدا نشد"))
                    }
                    (Some(s), Some(c)) if s.county_code != *c => {
                        return Err(refused(
                            domain::incident::IncidentRefusal::StationNotInCounty,
                        ))
                    }
                    (Some(s), _) => s.county_code,
                }
            }
            None => asked_county
                .or_else(|| p.scope.county().map(str::to_owned))
                .ok_or_else(|| Error::invalid("county", "شهرستان یا شعبه را مشخص کنید"))?,
        };
        authorize(
            principal,
            Action::FileIncident {
                county: &county,
                station: station.as_deref(),
            },
        )?;
        let subcategory =
            parse_code("subcategory", Some(&form.subcategory), Subcategory::parse)?
                .ok_or_else(|| Error::invalid("subcategory", "نوع رخداد را انتخاب کنید"))?;
        let severity = parse_code("severity", Some(&form.severity), Severity::parse)?
            .ok_or_else(|| Error::invalid("severity", "شدت رخداد را انتخاب کنید"))?;
        let occurred_at = match form
            .occurred_at
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            None => now,
            Some(v) => domain::calendar::parse_instant(v).map_err(|_| {
                Error::invalid(
                    "occurred_at",
                    "زمان وقوع را به صورت ۱۴۰۴/۱۲/۰۱ ۰۸:۳۰ بنویسید",
                )
            })?,
        };
        let report = IncidentReport {
            county,
            station,
            subcategory,
            severity,
            occurred_at,
            description: form.description,
        };
        check_report(&report, now).map_err(refused)?;
        let photo = match form.photo {
            None => None,
            Some(upload) => {
                let media =
                    check_photo(upload.declared.as_deref(), &upload.bytes).map_err(refused)?;
                let files = self.ctx.files.clone();
                let bytes = upload.bytes.clone();
                let sha256 = tokio::task::spawn_blocking(move || files.put(&bytes)).await??;
                Some(IncidentPhoto {
                    media_type: media,
                    size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
                    sha256,
                })
            }
        };
        Ok(self
            .incidents
            .file_incident(&NewIncident { report, photo }, &self.ctx.actor(p))
            .await?)
    }

    /// Whether the principal may file at `station` (a code): the station's county found, the
    /// policy asked. `NotFound` for a station that does not exist.
    pub async fn may_file_at(self, principal: Option<&Principal>, station: &str) -> Result<()> {
        principal.ok_or(Error::Unauthenticated)?;
        let station = domain::text::ascii_digits(station.trim());
        let found = self
            .ctx
            .lookups
            .stations
            .station(&station)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        authorize(
            principal,
            Action::FileIncident {
                county: &found.county_code,
                station: Some(&station),
            },
        )?;
        Ok(())
    }

    /// A page of the incidents the principal may see, filtered: a county's users see their
    /// county's, station staff their station's, province-wide users any county's or all.
    pub async fn list(
        self,
        principal: Option<&Principal>,
        query: &ListQuery,
        page: PageRequest,
    ) -> Result<Page<Incident>> {
        let p = principal.ok_or(Error::Unauthenticated)?;
        let mut county = given(query.county.as_deref());
        let mut station = given(query.station.as_deref());
        if p.scope.kind() == ScopeKind::Station {
            station = station.or_else(|| p.scope.station().map(str::to_owned));
        }
        county = county.or_else(|| p.scope.county().map(str::to_owned));
        match &county {
            Some(c) => authorize(
                principal,
                Action::ViewIncidents {
                    county: c,
                    station: station.as_deref(),
                },
            )?,
            None => authorize(principal, Action::ViewAllIncidents)?,
        };
        let filter = IncidentFilter {
            county,
            station,
            status: parse_code("status", query.status.as_deref(), IncidentStatus::parse)?,
            severity: parse_code("severity", query.severity.as_deref(), Severity::parse)?,
            category: parse_code("category", query.category.as_deref(), Category::parse)?,
            overdue_at: query.overdue.then(|| self.ctx.clock.now()),
        };
        Ok(self.incidents.incidents(&filter, page).await?)
    }

    /// The open incidents (not yet resolved) of a station, for its console: those the
    /// principal may see, newest first.
    pub async fn unresolved_at(
        self,
        principal: Option<&Principal>,
        county: &str,
        station: &str,
    ) -> Result<Vec<Incident>> {
        authorize(
            principal,
            Action::ViewIncidents {
                county,
                station: Some(station),
            },
        )?;
        let filter = IncidentFilter {
            county: Some(county.to_owned()),
            station: Some(station.to_owned()),
            ..IncidentFilter::default()
        };
        let page = self
            .incidents
            .incidents(&filter, PageRequest::new(1, 100))
            .await?;
        Ok(page
            .items
            .into_iter()
            .filter(|i| i.status != IncidentStatus::Resolved)
            .collect())
    }

    /// One incident with its steps, if the principal may see it.
    pub async fn one(self, principal: Option<&Principal>, id: i64) -> Result<IncidentFile> {
        principal.ok_or(Error::Unauthenticated)?;
        let file = self
            .incidents
            .incident(id)
            .await?
            .ok_or(Error::NotFound(store::Entity::Incident))?;
        authorize(
            principal,
            Action::ViewIncidents {
                county: &file.0.county,
                station: file.0.station.as_deref(),
            },
        )?;
        Ok(file)
    }

    /// Whether the principal may take an incident of `county` to its next status (for the
    /// page's form).
    pub fn may_step(principal: Option<&Principal>, county: &str) -> bool {
        crate::allows(principal, Action::StepIncident { county })
    }

    /// Takes an incident to `to` (a status code) with `note`, if the principal may step it.
    pub async fn step(
        self,
        principal: Option<&Principal>,
        id: i64,
        to: &str,
        note: &str,
    ) -> Result<IncidentFile> {
        let (incident, _) = self.one(principal, id).await?;
        let p = authorize(
            principal,
            Action::StepIncident {
                county: &incident.county,
            },
        )?;
        let to = parse_code("status", Some(to), IncidentStatus::parse)?
            .ok_or_else(|| Error::invalid("status", "گام بعدی را انتخاب کنید"))?;
        let step = NewStep {
            to,
            note: note.to_owned(),
        };
        Ok(self
            .incidents
            .step_incident(id, &step, &self.ctx.actor(p))
            .await?)
    }

    /// An incident's photo, to those who may see the incident.
    pub async fn photo(
        self,
        principal: Option<&Principal>,
        id: i64,
    ) -> Result<(domain::registration::MediaType, Vec<u8>)> {
        let (incident, _) = self.one(principal, id).await?;
        let photo = incident
            .photo
            .ok_or(Error::NotFound(store::Entity::Document))?;
        let files = self.ctx.files.clone();
        let sha = photo.sha256.clone();
        let bytes = tokio::task::spawn_blocking(move || files.get(&sha)).await??;
        Ok((photo.media_type, bytes))
    }
}
