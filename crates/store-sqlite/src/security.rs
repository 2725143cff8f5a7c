//! Sensitive stations, their security plans and the security council's cadence on SQLite
//! (issue 16). The rules are `domain::security`'s; the lists' order is `store::security`'s.

use crate::chain::append_audit;
use crate::db::{db_err, Sqlite};
use crate::facts::{flag_row, station_security};
use crate::sql::{all, bad_row, iso_date, parse_date};
use async_trait::async_trait;
use domain::boards::{board_code, BoardKind};
use domain::security::{
    check_approval_meeting, check_reasons, check_reasons_kept, default_reasons, next_status,
    validate_reasons, Cadence, CctvCoverage, PlanStatus, PlanStep, SecurityPlan, SensitiveReason,
    StationSecurity,
};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::security::{
    cadence_set, join_reasons, page_sensitive, plan_approved, plan_returned, plan_saved,
    plan_submitted, reasons_set, split_reasons, station_flagged, station_unflagged, summarize,
    today, CountySecurity, SensitiveFilter, SensitiveStation, StationSecurityRecord, StoredPlan,
};
use store::{Actor, Entity, Page, PageRequest, SecurityStore, StoreError, StoreResult};

fn status_from(s: &str) -> rusqlite::Result<PlanStatus> {
    PlanStatus::parse(s).ok_or_else(|| bad_row("plan status"))
}

/// A station's election, county and election day; `NotFound` for an unknown station.
fn station_facts(conn: &Connection, station: &str) -> StoreResult<(String, String, time::Date)> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached(
            "SELECT s.election_code, s.county_code, e.election_day FROM stations s
             JOIN elections e ON e.code = s.election_code WHERE s.code = ?1",
        )
        .map_err(db_err)?
        .query_row([station], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(db_err)?;
    let (election, county, day) = row.ok_or(StoreError::not_found(Entity::Station))?;
    let day = parse_date(&day).map_err(db_err)?;
    Ok((election, county, day))
}

fn reasons_of(conn: &Connection, election: &str) -> StoreResult<Vec<SensitiveReason>> {
    let mut s = conn
        .prepare_cached(
            "SELECT code, name FROM security_reasons WHERE election_code = ?1 ORDER BY position",
        )
        .map_err(db_err)?;
    let list = all(&mut s, [election], |r| {
        Ok(SensitiveReason {
            code: r.get(0)?,
            name: r.get(1)?,
        })
    })?;
    Ok(if list.is_empty() {
        default_reasons()
    } else {
        list
    })
}

const PLAN_COLUMNS: &str =
    "status, measures, responsible_name, responsible_phone, protective_staff,
    cctv_coverage, contacts, escalation, effective_on, return_reason, meeting_id, updated_at_us,
    updated_by, decided_at_us, decided_by";

fn plan_from_row(r: &Row<'_>) -> rusqlite::Result<StoredPlan> {
    let status: String = r.get(0)?;
    let cctv: String = r.get(5)?;
    let effective: String = r.get(8)?;
    Ok(StoredPlan {
        plan: SecurityPlan {
            measures: r.get(1)?,
            responsible_name: r.get(2)?,
            responsible_phone: r.get(3)?,
            protective_staff: r.get(4)?,
            cctv_coverage: CctvCoverage::parse(&cctv).ok_or_else(|| bad_row("cctv"))?,
            contacts: r.get(6)?,
            escalation: r.get(7)?,
            effective_on: parse_date(&effective)?,
        },
        status: status_from(&status)?,
        return_reason: r.get(9)?,
        meeting_id: r.get(10)?,
        updated_at_us: r.get(11)?,
        updated_by: r.get(12)?,
        decided_at_us: r.get(13)?,
        decided_by: r.get(14)?,
    })
}

fn record(conn: &Connection, station: &str) -> StoreResult<Option<StationSecurityRecord>> {
    let (election, county, _) = match station_facts(conn, station) {
        Ok(f) => f,
        Err(StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let flag = flag_row(conn, station)?;
    let plan = conn
        .prepare_cached(&format!(
            "SELECT {PLAN_COLUMNS} FROM security_plans WHERE station_code = ?1"
        ))
        .map_err(db_err)?
        .query_row([station], plan_from_row)
        .optional()
        .map_err(db_err)?;
    let (reasons, note) = flag.clone().unwrap_or_default();
    Ok(Some(StationSecurityRecord {
        station: station.to_owned(),
        county,
        election,
        security: StationSecurity {
            sensitive: flag.is_some(),
            reasons,
            plan_status: plan.as_ref().map(|p| p.status),
        },
        note,
        plan,
    }))
}

fn set_reasons(
    tx: &Transaction<'_>,
    election: &str,
    reasons: &[SensitiveReason],
    by: &Actor,
) -> StoreResult<()> {
    validate_reasons(reasons)?;
    let exists: bool = tx
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)",
            [election],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if !exists {
        return Err(StoreError::not_found(Entity::Election));
    }
    let mut s = tx
        .prepare_cached(
            "SELECT f.reasons FROM sensitive_stations f JOIN stations s ON s.code = f.station_code
             WHERE s.election_code = ?1",
        )
        .map_err(db_err)?;
    let mut in_use: Vec<String> = all(&mut s, [election], |r| r.get::<_, String>(0))?
        .iter()
        .flat_map(|r| split_reasons(r))
        .collect();
    in_use.sort();
    in_use.dedup();
    check_reasons_kept(reasons, &in_use)?;
    tx.execute(
        "DELETE FROM security_reasons WHERE election_code = ?1",
        [election],
    )
    .map_err(db_err)?;
    let mut s = tx
        .prepare_cached(
            "INSERT INTO security_reasons (election_code, code, name, position) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(db_err)?;
    for (i, r) in reasons.iter().enumerate() {
        s.execute(params![election, r.code, r.name.trim(), i as i64])
            .map_err(db_err)?;
    }
    append_audit(tx, by, &reasons_set(election, reasons))
}

fn check_note(note: &str) -> StoreResult<()> {
    if note.chars().count() > 2_000 {
        return Err(domain::security::SecurityRefusal::InvalidPlan {
            field: "note",
            reason: "بیش از اندازه بلند است",
        }
        .into());
    }
    Ok(())
}

fn flag(
    tx: &Transaction<'_>,
    station: &str,
    reasons: &[String],
    note: &str,
    by: &Actor,
) -> StoreResult<StationSecurity> {
    let (election, county, _) = station_facts(tx, station)?;
    check_reasons(reasons, &reasons_of(tx, &election)?)?;
    check_note(note)?;
    tx.prepare_cached(
        "INSERT INTO sensitive_stations (station_code, county_code, reasons, note, flagged_at_us, flagged_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (station_code) DO UPDATE SET reasons = excluded.reasons, note = excluded.note,
             flagged_at_us = excluded.flagged_at_us, flagged_by = excluded.flagged_by",
    )
    .map_err(db_err)?
    .execute(params![
        station,
        county,
        join_reasons(reasons),
        note.trim(),
        by.at_us(),
        by.username
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &station_flagged(station, reasons, note.trim()))?;
    station_security(tx, station)
}

fn unflag(tx: &Transaction<'_>, station: &str, by: &Actor) -> StoreResult<bool> {
    station_facts(tx, station)?;
    let n = tx
        .execute(
            "DELETE FROM sensitive_stations WHERE station_code = ?1",
            [station],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Ok(false);
    }
    append_audit(tx, by, &station_unflagged(station))?;
    Ok(true)
}

/// The station's current security, refusing a plan step for a station that is not sensitive.
fn sensitive(conn: &Connection, station: &str) -> StoreResult<StationSecurity> {
    let security = station_security(conn, station)?;
    if !security.sensitive {
        return Err(domain::security::SecurityRefusal::NotSensitive.into());
    }
    Ok(security)
}

fn save(
    tx: &Transaction<'_>,
    station: &str,
    plan: &SecurityPlan,
    by: &Actor,
) -> StoreResult<PlanStatus> {
    let (_, _, election_day) = station_facts(tx, station)?;
    let current = sensitive(tx, station)?;
    let status = next_status(current.plan_status, &PlanStep::Save)?;
    plan.validate(today(by), election_day)?;
    tx.prepare_cached(
        "INSERT INTO security_plans (station_code, status, measures, responsible_name, responsible_phone,
             protective_staff, cctv_coverage, contacts, escalation, effective_on, return_reason,
             meeting_id, updated_at_us, updated_by, decided_at_us, decided_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '', NULL, ?11, ?12, NULL, NULL)
         ON CONFLICT (station_code) DO UPDATE SET status = excluded.status,
             measures = excluded.measures, responsible_name = excluded.responsible_name,
             responsible_phone = excluded.responsible_phone,
             protective_staff = excluded.protective_staff, cctv_coverage = excluded.cctv_coverage,
             contacts = excluded.contacts, escalation = excluded.escalation,
             effective_on = excluded.effective_on, return_reason = '', meeting_id = NULL,
             updated_at_us = excluded.updated_at_us, updated_by = excluded.updated_by,
             decided_at_us = NULL, decided_by = NULL",
    )
    .map_err(db_err)?
    .execute(params![
        station,
        status.as_str(),
        plan.measures.trim(),
        plan.responsible_name.trim(),
        domain::text::ascii_digits(plan.responsible_phone.trim()),
        plan.protective_staff,
        plan.cctv_coverage.as_str(),
        plan.contacts.trim(),
        plan.escalation.trim(),
        iso_date(plan.effective_on),
        by.at_us(),
        by.username,
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &plan_saved(station, plan))?;
    Ok(status)
}

fn submit(tx: &Transaction<'_>, station: &str, by: &Actor) -> StoreResult<PlanStatus> {
    station_facts(tx, station)?;
    let current = sensitive(tx, station)?;
    let status = next_status(current.plan_status, &PlanStep::Submit)?;
    tx.prepare_cached(
        "UPDATE security_plans SET status = ?2, updated_at_us = ?3, updated_by = ?4
         WHERE station_code = ?1",
    )
    .map_err(db_err)?
    .execute(params![station, status.as_str(), by.at_us(), by.username])
    .map_err(db_err)?;
    append_audit(tx, by, &plan_submitted(station))?;
    Ok(status)
}

/// Checks that `meeting` is a held meeting of the station's county's security council.
fn council_meeting(conn: &Connection, county: &str, meeting: i64, by: &Actor) -> StoreResult<()> {
    let (board, held_at_us): (String, i64) = conn
        .prepare_cached("SELECT board_code, held_at_us FROM meetings WHERE id = ?1")
        .map_err(db_err)?
        .query_row([meeting], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?
        .ok_or(StoreError::not_found(Entity::Meeting))?;
    let m = domain::boards::Meeting {
        id: meeting,
        board,
        held_at: domain::clock::from_micros(held_at_us),
        agenda: String::new(),
        minutes: String::new(),
        attendance: Vec::new(),
        decisions: Vec::new(),
    };
    check_approval_meeting(
        &m,
        &board_code(BoardKind::CountySecurity, Some(county)),
        by.at,
    )?;
    Ok(())
}

fn decide(
    tx: &Transaction<'_>,
    station: &str,
    step: &PlanStep,
    meeting: Option<i64>,
    by: &Actor,
) -> StoreResult<PlanStatus> {
    let (_, county, _) = station_facts(tx, station)?;
    let current = sensitive(tx, station)?;
    let status = next_status(current.plan_status, step)?;
    if let Some(id) = meeting {
        council_meeting(tx, &county, id, by)?;
    }
    let reason = match step {
        PlanStep::Return { reason } => reason.trim(),
        _ => "",
    };
    tx.prepare_cached(
        "UPDATE security_plans SET status = ?2, return_reason = ?3, meeting_id = ?4,
             decided_at_us = ?5, decided_by = ?6
         WHERE station_code = ?1",
    )
    .map_err(db_err)?
    .execute(params![
        station,
        status.as_str(),
        reason,
        meeting,
        by.at_us(),
        by.username
    ])
    .map_err(db_err)?;
    let entry = match (step, meeting) {
        (PlanStep::Approve, Some(id)) => plan_approved(station, id),
        _ => plan_returned(station, meeting, reason),
    };
    append_audit(tx, by, &entry)?;
    Ok(status)
}

fn sensitive_rows(conn: &Connection, county: Option<&str>) -> StoreResult<Vec<SensitiveStation>> {
    let mut s = conn
        .prepare_cached(
            "SELECT f.station_code, s.name, f.county_code, f.reasons, f.note, p.status,
                 f.flagged_at_us, p.effective_on
             FROM sensitive_stations f JOIN stations s ON s.code = f.station_code
             LEFT JOIN security_plans p ON p.station_code = f.station_code
             WHERE ?1 IS NULL OR f.county_code = ?1",
        )
        .map_err(db_err)?;
    all(&mut s, [county], |r| {
        let status: Option<String> = r.get(5)?;
        let plan_status = status.as_deref().map(status_from).transpose()?;
        Ok(SensitiveStation {
            station: r.get(0)?,
            name: r.get(1)?,
            county: r.get(2)?,
            reasons: split_reasons(&r.get::<_, String>(3)?),
            note: r.get(4)?,
            plan_status,
            needs_plan: plan_status != Some(PlanStatus::Approved),
            flagged_at_us: r.get(6)?,
            effective_on: r.get(7)?,
        })
    })
}

fn summary(conn: &Connection, county: Option<&str>) -> StoreResult<Vec<CountySecurity>> {
    let mut s = conn
        .prepare_cached(
            "SELECT code, name FROM counties WHERE ?1 IS NULL OR code = ?1 ORDER BY code",
        )
        .map_err(db_err)?;
    let counties: Vec<(String, String)> = all(&mut s, [county], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let rows = sensitive_rows(conn, county)?;
    Ok(counties
        .into_iter()
        .map(|(code, name)| {
            let statuses: Vec<Option<PlanStatus>> = rows
                .iter()
                .filter(|r| r.county == code)
                .map(|r| r.plan_status)
                .collect();
            summarize(code, name, statuses)
        })
        .collect())
}

/// The current election's code and day.
fn current_election(conn: &Connection) -> StoreResult<(String, time::Date)> {
    let (code, day): (String, String) = conn
        .query_row(
            "SELECT code, election_day FROM elections ORDER BY created_at_us DESC, code DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db_err)?
        .ok_or(StoreError::not_found(Entity::Election))?;
    Ok((code, parse_date(&day).map_err(db_err)?))
}

fn county_exists(conn: &Connection, county: &str) -> StoreResult<()> {
    let exists: bool = conn
        .query_row(
            "SELECT EXISTS(SELECT 1 FROM counties WHERE code = ?1)",
            [county],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::not_found(Entity::County))
    }
}

fn cadence(conn: &Connection, county: &str) -> StoreResult<Option<Cadence>> {
    county_exists(conn, county)?;
    let (election, _) = current_election(conn)?;
    let row: Option<(String, u32)> = conn
        .prepare_cached(
            "SELECT starts_on, every_days FROM security_cadences
             WHERE election_code = ?1 AND county_code = ?2",
        )
        .map_err(db_err)?
        .query_row([election.as_str(), county], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?;
    row.map(|(starts, every_days)| {
        Ok(Cadence {
            starts_on: parse_date(&starts).map_err(db_err)?,
            every_days,
        })
    })
    .transpose()
}

fn set_cadence(
    tx: &Transaction<'_>,
    county: &str,
    cadence: Cadence,
    by: &Actor,
) -> StoreResult<()> {
    county_exists(tx, county)?;
    let (election, day) = current_election(tx)?;
    cadence.validate(day)?;
    tx.prepare_cached(
        "INSERT INTO security_cadences (election_code, county_code, starts_on, every_days, set_at_us, set_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (election_code, county_code) DO UPDATE SET starts_on = excluded.starts_on,
             every_days = excluded.every_days, set_at_us = excluded.set_at_us, set_by = excluded.set_by",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        county,
        iso_date(cadence.starts_on),
        cadence.every_days,
        by.at_us(),
        by.username
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &cadence_set(county, &cadence))
}

/// The demo's sensitive stations and plans, in the demo load's transaction (no audit records
/// of their own: the load's record counts them).
pub(crate) fn write_demo(
    tx: &Transaction<'_>,
    data: &domain::demo::DemoData,
    by: &Actor,
) -> StoreResult<()> {
    let mut flag_stmt = tx
        .prepare_cached(
            "INSERT INTO sensitive_stations (station_code, county_code, reasons, note, flagged_at_us, flagged_by)
             SELECT code, county_code, ?2, ?3, ?4, ?5 FROM stations WHERE code = ?1",
        )
        .map_err(db_err)?;
    for s in &data.sensitive_stations {
        flag_stmt
            .execute(params![
                s.station,
                join_reasons(&s.reasons),
                s.note,
                by.at_us(),
                by.username
            ])
            .map_err(db_err)?;
        let Some((plan, status)) = &s.plan else {
            continue;
        };
        tx.prepare_cached(
            "INSERT INTO security_plans (station_code, status, measures, responsible_name, responsible_phone,
                 protective_staff, cctv_coverage, contacts, escalation, effective_on, return_reason,
                 meeting_id, updated_at_us, updated_by, decided_at_us, decided_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, NULL, ?12, ?13, NULL, NULL)",
        )
        .map_err(db_err)?
        .execute(params![
            s.station,
            status.as_str(),
            plan.measures,
            plan.responsible_name,
            plan.responsible_phone,
            plan.protective_staff,
            plan.cctv_coverage.as_str(),
            plan.contacts,
            plan.escalation,
            iso_date(plan.effective_on),
            if *status == PlanStatus::Returned {
                "شمار نیروهای حفاظتی برای این شعبه کم است."
            } else {
                ""
            },
            by.at_us(),
            by.username,
        ])
        .map_err(db_err)?;
    }
    Ok(())
}

/// Ties the demo's approved plans to the council meetings that approved them (`ids`: the
/// meetings' ids, as `boards::write_demo_meetings` wrote them).
pub(crate) fn write_demo_approvals(
    tx: &Transaction<'_>,
    meetings: &[domain::security::demo::DemoCouncilMeeting],
    ids: &[i64],
    by: &Actor,
) -> StoreResult<()> {
    let mut s = tx
        .prepare_cached(
            "UPDATE security_plans SET meeting_id = ?2, decided_at_us = ?3, decided_by = ?4
             WHERE station_code = ?1",
        )
        .map_err(db_err)?;
    for (m, id) in meetings.iter().zip(ids) {
        for station in &m.approves {
            s.execute(params![
                station,
                id,
                domain::clock::to_micros(m.meeting.held_at),
                by.username
            ])
            .map_err(db_err)?;
        }
    }
    Ok(())
}

#[async_trait]
impl SecurityStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn sensitive_reasons(&self, election: &str) -> StoreResult<Vec<SensitiveReason>> {
        let election = election.to_owned();
        self.read(move |c| {
            let exists: bool = c
                .query_row(
                    "SELECT EXISTS(SELECT 1 FROM elections WHERE code = ?1)",
                    [&election],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            if !exists {
                return Err(StoreError::not_found(Entity::Election));
            }
            reasons_of(c, &election)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn set_sensitive_reasons(
        &self,
        election: &str,
        reasons: &[SensitiveReason],
        by: &Actor,
    ) -> StoreResult<()> {
        let (election, reasons, by) = (election.to_owned(), reasons.to_vec(), by.clone());
        self.write(move |tx| set_reasons(tx, &election, &reasons, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_security(&self, station: &str) -> StoreResult<Option<StationSecurityRecord>> {
        let station = station.to_owned();
        self.read(move |c| record(c, &station)).await
    }

    #[tracing::instrument(skip_all)]
    async fn flag_station(
        &self,
        station: &str,
        reasons: &[String],
        note: &str,
        by: &Actor,
    ) -> StoreResult<StationSecurity> {
        let (station, reasons, note, by) = (
            station.to_owned(),
            reasons.to_vec(),
            note.to_owned(),
            by.clone(),
        );
        self.write(move |tx| flag(tx, &station, &reasons, &note, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn unflag_station(&self, station: &str, by: &Actor) -> StoreResult<bool> {
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| unflag(tx, &station, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn save_plan(
        &self,
        station: &str,
        plan: &SecurityPlan,
        by: &Actor,
    ) -> StoreResult<PlanStatus> {
        let (station, plan, by) = (station.to_owned(), plan.clone(), by.clone());
        self.write(move |tx| save(tx, &station, &plan, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn submit_plan(&self, station: &str, by: &Actor) -> StoreResult<PlanStatus> {
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| submit(tx, &station, &by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn approve_plan(
        &self,
        station: &str,
        meeting: i64,
        by: &Actor,
    ) -> StoreResult<PlanStatus> {
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| decide(tx, &station, &PlanStep::Approve, Some(meeting), &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn return_plan(
        &self,
        station: &str,
        meeting: Option<i64>,
        reason: &str,
        by: &Actor,
    ) -> StoreResult<PlanStatus> {
        let step = PlanStep::Return {
            reason: reason.to_owned(),
        };
        let (station, by) = (station.to_owned(), by.clone());
        self.write(move |tx| decide(tx, &station, &step, meeting, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn sensitive_stations(
        &self,
        filter: &SensitiveFilter,
        page: PageRequest,
    ) -> StoreResult<Page<SensitiveStation>> {
        let filter = filter.clone();
        self.read(move |c| {
            let rows = sensitive_rows(c, filter.county.as_deref())?;
            Ok(page_sensitive(rows, &filter, page))
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn security_summary(&self, county: Option<&str>) -> StoreResult<Vec<CountySecurity>> {
        let county = county.map(str::to_owned);
        self.read(move |c| summary(c, county.as_deref())).await
    }

    #[tracing::instrument(skip_all)]
    async fn council_cadence(&self, county: &str) -> StoreResult<Option<Cadence>> {
        let county = county.to_owned();
        self.read(move |c| cadence(c, &county)).await
    }

    #[tracing::instrument(skip_all)]
    async fn set_council_cadence(
        &self,
        county: &str,
        cadence: &Cadence,
        by: &Actor,
    ) -> StoreResult<()> {
        let (county, cadence, by) = (county.to_owned(), *cadence, by.clone());
        self.write(move |tx| set_cadence(tx, &county, cadence, &by))
            .await
    }
}
