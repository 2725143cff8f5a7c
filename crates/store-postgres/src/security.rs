//! Sensitive stations, their security plans and the security council's cadence on PostgreSQL
//! (issue 16; the twin of store-sqlite's `security.rs`). The rules are `domain::security`'s;
//! the lists' order is `store::security`'s.
//!
//! A write to a station's security locks the station's row first (`FOR NO KEY UPDATE`), so two
//! steps on one plan queue; flagging share-locks the election's row, which replacing the
//! election's reasons locks for update, so a reason is not dropped while a station takes it.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::facts::{flag_row, station_security};
use crate::rows;
use async_trait::async_trait;
use domain::boards::{board_code, BoardKind, Meeting};
use domain::security::{
    check_approval_meeting, check_reasons, check_reasons_kept, default_reasons, next_status,
    validate_reasons, Cadence, CctvCoverage, PlanStatus, PlanStep, SecurityPlan, SecurityRefusal,
    SensitiveReason, StationSecurity,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::Row;
use store::security::{
    cadence_set, join_reasons, page_sensitive, plan_approved, plan_returned, plan_saved,
    plan_submitted, reasons_set, split_reasons, station_flagged, station_unflagged, summarize,
    today, CountySecurity, SensitiveFilter, SensitiveStation, StationSecurityRecord, StoredPlan,
};
use store::{Actor, Entity, Page, PageRequest, SecurityStore, StoreError, StoreResult};

fn status_from(s: &str) -> StoreResult<PlanStatus> {
    PlanStatus::parse(s).ok_or_else(|| rows::corrupt("plan status", s))
}

fn refused(r: SecurityRefusal) -> crate::db::Fail {
    crate::db::Fail::Store(r.into())
}

/// A station's election, county and election day (locking the station's row when `lock`);
/// `NotFound` for an unknown station.
async fn station_facts(
    conn: &mut PgConnection,
    station: &str,
    lock: bool,
) -> Attempt<(String, String, time::Date)> {
    let sql = format!(
        "SELECT s.election_code, s.county_code, e.election_day FROM stations s \
         JOIN elections e ON e.code = s.election_code WHERE s.code = $1{}",
        if lock { " FOR NO KEY UPDATE OF s" } else { "" }
    );
    let row = sqlx::query(&sql)
        .bind(station)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(Entity::Station))?;
    let day: String = row.try_get("election_day")?;
    Ok((
        row.try_get("election_code")?,
        row.try_get("county_code")?,
        rows::parse_date(&day)?,
    ))
}

async fn reasons_of(conn: &mut PgConnection, election: &str) -> Attempt<Vec<SensitiveReason>> {
    let found = sqlx::query(
        "SELECT code, name FROM security_reasons WHERE election_code = $1 ORDER BY position",
    )
    .bind(election)
    .fetch_all(&mut *conn)
    .await?;
    let list = found
        .iter()
        .map(|r| {
            Ok(SensitiveReason {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(if list.is_empty() {
        default_reasons()
    } else {
        list
    })
}

fn plan_from_row(r: &PgRow) -> StoreResult<StoredPlan> {
    let get = |e: sqlx::Error| rows::corrupt("security plan", e);
    let status: String = r.try_get("status").map_err(get)?;
    let cctv: String = r.try_get("cctv_coverage").map_err(get)?;
    let effective: String = r.try_get("effective_on").map_err(get)?;
    let staff: i64 = r.try_get("protective_staff").map_err(get)?;
    Ok(StoredPlan {
        plan: SecurityPlan {
            measures: r.try_get("measures").map_err(get)?,
            responsible_name: r.try_get("responsible_name").map_err(get)?,
            responsible_phone: r.try_get("responsible_phone").map_err(get)?,
            protective_staff: u32::try_from(staff)
                .map_err(|e| rows::corrupt("protective staff", e))?,
            cctv_coverage: CctvCoverage::parse(&cctv)
                .ok_or_else(|| rows::corrupt("cctv coverage", &cctv))?,
            contacts: r.try_get("contacts").map_err(get)?,
            escalation: r.try_get("escalation").map_err(get)?,
            effective_on: rows::parse_date(&effective)?,
        },
        status: status_from(&status)?,
        return_reason: r.try_get("return_reason").map_err(get)?,
        meeting_id: r.try_get("meeting_id").map_err(get)?,
        updated_at_us: r.try_get("updated_at_us").map_err(get)?,
        updated_by: r.try_get("updated_by").map_err(get)?,
        decided_at_us: r.try_get("decided_at_us").map_err(get)?,
        decided_by: r.try_get("decided_by").map_err(get)?,
    })
}

async fn record(conn: &mut PgConnection, station: &str) -> Attempt<Option<StationSecurityRecord>> {
    let (election, county, _) = match station_facts(conn, station, false).await {
        Ok(f) => f,
        Err(crate::db::Fail::Store(StoreError::NotFound { .. })) => return Ok(None),
        Err(e) => return Err(e),
    };
    let flag = flag_row(conn, station).await?;
    let plan = sqlx::query("SELECT * FROM security_plans WHERE station_code = $1")
        .bind(station)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(plan_from_row)
        .transpose()?;
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

async fn election_exists(conn: &mut PgConnection, election: &str, lock: &str) -> Attempt<bool> {
    Ok(
        sqlx::query_scalar::<_, i32>(&format!("SELECT 1 FROM elections WHERE code = $1 {lock}"))
            .bind(election)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

fn check_note(note: &str) -> Attempt<()> {
    if note.chars().count() > 2_000 {
        return Err(refused(SecurityRefusal::InvalidPlan {
            field: "note",
            reason: "بیش از اندازه بلند است",
        }));
    }
    Ok(())
}

/// The station's current security, refusing a plan step for a station that is not sensitive.
async fn sensitive(conn: &mut PgConnection, station: &str) -> Attempt<StationSecurity> {
    let security = station_security(conn, station).await?;
    if !security.sensitive {
        return Err(refused(SecurityRefusal::NotSensitive));
    }
    Ok(security)
}

/// Checks that `meeting` is a held meeting of the station's county's security council.
async fn council_meeting(
    conn: &mut PgConnection,
    county: &str,
    meeting: i64,
    by: &Actor,
) -> Attempt<()> {
    let row = sqlx::query("SELECT board_code, held_at_us FROM meetings WHERE id = $1")
        .bind(meeting)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(Entity::Meeting))?;
    let m = Meeting {
        id: meeting,
        board: row.try_get("board_code")?,
        held_at: domain::clock::from_micros(row.try_get("held_at_us")?),
        agenda: String::new(),
        minutes: String::new(),
        attendance: Vec::new(),
        decisions: Vec::new(),
    };
    check_approval_meeting(
        &m,
        &board_code(BoardKind::CountySecurity, Some(county)),
        by.at,
    )
    .map_err(refused)
}

const INSERT_PLAN: &str = "INSERT INTO security_plans (station_code, status, measures, \
     responsible_name, responsible_phone, protective_staff, cctv_coverage, contacts, escalation, \
     effective_on, return_reason, meeting_id, updated_at_us, updated_by, decided_at_us, decided_by) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $13, NULL, NULL)";

async fn sensitive_rows(
    conn: &mut PgConnection,
    county: Option<&str>,
) -> Attempt<Vec<SensitiveStation>> {
    let found = sqlx::query(
        "SELECT f.station_code, s.name, f.county_code, f.reasons, f.note, p.status, \
             f.flagged_at_us, p.effective_on \
         FROM sensitive_stations f JOIN stations s ON s.code = f.station_code \
         LEFT JOIN security_plans p ON p.station_code = f.station_code \
         WHERE $1::text IS NULL OR f.county_code = $1",
    )
    .bind(county)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        let status: Option<String> = r.try_get("status")?;
        let plan_status = status.as_deref().map(status_from).transpose()?;
        let reasons: String = r.try_get("reasons")?;
        out.push(SensitiveStation {
            station: r.try_get("station_code")?,
            name: r.try_get("name")?,
            county: r.try_get("county_code")?,
            reasons: split_reasons(&reasons),
            note: r.try_get("note")?,
            plan_status,
            needs_plan: plan_status != Some(PlanStatus::Approved),
            flagged_at_us: r.try_get("flagged_at_us")?,
            effective_on: r.try_get("effective_on")?,
        });
    }
    Ok(out)
}

/// The current election's code and day.
async fn current_election(conn: &mut PgConnection) -> Attempt<(String, time::Date)> {
    let row = sqlx::query(
        "SELECT code, election_day FROM elections \
         ORDER BY created_at_us DESC, code COLLATE \"C\" DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| not_found(Entity::Election))?;
    let day: String = row.try_get("election_day")?;
    Ok((row.try_get("code")?, rows::parse_date(&day)?))
}

async fn county_exists(conn: &mut PgConnection, county: &str) -> Attempt<()> {
    let found = sqlx::query_scalar::<_, i32>("SELECT 1 FROM counties WHERE code = $1")
        .bind(county)
        .fetch_optional(&mut *conn)
        .await?;
    if found.is_some() {
        Ok(())
    } else {
        Err(not_found(Entity::County))
    }
}

/// The demo's sensitive stations and plans, in the demo load's transaction (no audit records
/// of their own: the load's record counts them).
pub(crate) async fn write_demo(
    conn: &mut PgConnection,
    data: &domain::demo::DemoData,
    by: &Actor,
) -> Attempt<()> {
    for s in &data.sensitive_stations {
        sqlx::query(
            "INSERT INTO sensitive_stations (station_code, county_code, reasons, note, \
                 flagged_at_us, flagged_by) \
             SELECT code, county_code, $2, $3, $4, $5 FROM stations WHERE code = $1",
        )
        .bind(&s.station)
        .bind(join_reasons(&s.reasons))
        .bind(&s.note)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *conn)
        .await?;
        let Some((plan, status)) = &s.plan else {
            continue;
        };
        sqlx::query(INSERT_PLAN)
            .bind(&s.station)
            .bind(status.as_str())
            .bind(&plan.measures)
            .bind(&plan.responsible_name)
            .bind(&plan.responsible_phone)
            .bind(i64::from(plan.protective_staff))
            .bind(plan.cctv_coverage.as_str())
            .bind(&plan.contacts)
            .bind(&plan.escalation)
            .bind(rows::format_date(plan.effective_on)?)
            .bind(if *status == PlanStatus::Returned {
                "شمار نیروهای حفاظتی برای این شعبه کم است."
            } else {
                ""
            })
            .bind(by.at_us())
            .bind(&by.username)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Ties the demo's approved plans to the council meetings that approved them (`ids`: the
/// meetings' ids, as `boards::write_demo_meetings` wrote them).
pub(crate) async fn write_demo_approvals(
    conn: &mut PgConnection,
    meetings: &[domain::security::demo::DemoCouncilMeeting],
    ids: &[i64],
    by: &Actor,
) -> Attempt<()> {
    for (m, id) in meetings.iter().zip(ids) {
        if m.approves.is_empty() {
            continue;
        }
        sqlx::query(
            "UPDATE security_plans SET meeting_id = $2, decided_at_us = $3, decided_by = $4 \
             WHERE station_code = ANY($1)",
        )
        .bind(&m.approves)
        .bind(id)
        .bind(domain::clock::to_micros(m.meeting.held_at))
        .bind(&by.username)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Postgres {
    async fn try_set_reasons(
        &self,
        election: &str,
        reasons: &[SensitiveReason],
        by: &Actor,
    ) -> Attempt<()> {
        validate_reasons(reasons).map_err(refused)?;
        let mut tx = self.pool.begin().await?;
        if !election_exists(&mut tx, election, "FOR NO KEY UPDATE").await? {
            return Err(not_found(Entity::Election));
        }
        let stored: Vec<String> = sqlx::query_scalar(
            "SELECT f.reasons FROM sensitive_stations f JOIN stations s ON s.code = f.station_code \
             WHERE s.election_code = $1",
        )
        .bind(election)
        .fetch_all(&mut *tx)
        .await?;
        let mut in_use: Vec<String> = stored.iter().flat_map(|r| split_reasons(r)).collect();
        in_use.sort();
        in_use.dedup();
        check_reasons_kept(reasons, &in_use).map_err(refused)?;
        sqlx::query("DELETE FROM security_reasons WHERE election_code = $1")
            .bind(election)
            .execute(&mut *tx)
            .await?;
        for (i, r) in reasons.iter().enumerate() {
            sqlx::query(
                "INSERT INTO security_reasons (election_code, code, name, position) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(election)
            .bind(&r.code)
            .bind(r.name.trim())
            .bind(i as i64)
            .execute(&mut *tx)
            .await?;
        }
        append_audit(&mut tx, by, &reasons_set(election, reasons)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn try_flag(
        &self,
        station: &str,
        reasons: &[String],
        note: &str,
        by: &Actor,
    ) -> Attempt<StationSecurity> {
        let mut tx = self.pool.begin().await?;
        let (election, county, _) = station_facts(&mut tx, station, true).await?;
        election_exists(&mut tx, &election, "FOR SHARE").await?;
        let list = reasons_of(&mut tx, &election).await?;
        check_reasons(reasons, &list).map_err(refused)?;
        check_note(note)?;
        sqlx::query(
            "INSERT INTO sensitive_stations (station_code, county_code, reasons, note, \
                 flagged_at_us, flagged_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (station_code) DO UPDATE SET reasons = excluded.reasons, \
                 note = excluded.note, flagged_at_us = excluded.flagged_at_us, \
                 flagged_by = excluded.flagged_by",
        )
        .bind(station)
        .bind(&county)
        .bind(join_reasons(reasons))
        .bind(note.trim())
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &station_flagged(station, reasons, note.trim())).await?;
        let security = station_security(&mut tx, station).await?;
        tx.commit().await?;
        Ok(security)
    }

    async fn try_unflag(&self, station: &str, by: &Actor) -> Attempt<bool> {
        let mut tx = self.pool.begin().await?;
        station_facts(&mut tx, station, true).await?;
        let n = sqlx::query("DELETE FROM sensitive_stations WHERE station_code = $1")
            .bind(station)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        append_audit(&mut tx, by, &station_unflagged(station)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn try_save(
        &self,
        station: &str,
        plan: &SecurityPlan,
        by: &Actor,
    ) -> Attempt<PlanStatus> {
        let mut tx = self.pool.begin().await?;
        let (_, _, election_day) = station_facts(&mut tx, station, true).await?;
        let current = sensitive(&mut tx, station).await?;
        let status = next_status(current.plan_status, &PlanStep::Save).map_err(refused)?;
        plan.validate(today(by), election_day).map_err(refused)?;
        sqlx::query("DELETE FROM security_plans WHERE station_code = $1")
            .bind(station)
            .execute(&mut *tx)
            .await?;
        sqlx::query(INSERT_PLAN)
            .bind(station)
            .bind(status.as_str())
            .bind(plan.measures.trim())
            .bind(plan.responsible_name.trim())
            .bind(domain::text::ascii_digits(plan.responsible_phone.trim()))
            .bind(i64::from(plan.protective_staff))
            .bind(plan.cctv_coverage.as_str())
            .bind(plan.contacts.trim())
            .bind(plan.escalation.trim())
            .bind(rows::format_date(plan.effective_on)?)
            .bind("")
            .bind(by.at_us())
            .bind(&by.username)
            .execute(&mut *tx)
            .await?;
        append_audit(&mut tx, by, &plan_saved(station, plan)).await?;
        tx.commit().await?;
        Ok(status)
    }

    async fn try_submit(&self, station: &str, by: &Actor) -> Attempt<PlanStatus> {
        let mut tx = self.pool.begin().await?;
        station_facts(&mut tx, station, true).await?;
        let current = sensitive(&mut tx, station).await?;
        let status = next_status(current.plan_status, &PlanStep::Submit).map_err(refused)?;
        sqlx::query(
            "UPDATE security_plans SET status = $2, updated_at_us = $3, updated_by = $4 \
             WHERE station_code = $1",
        )
        .bind(station)
        .bind(status.as_str())
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &plan_submitted(station)).await?;
        tx.commit().await?;
        Ok(status)
    }

    async fn try_decide(
        &self,
        station: &str,
        step: &PlanStep,
        meeting: Option<i64>,
        by: &Actor,
    ) -> Attempt<PlanStatus> {
        let mut tx = self.pool.begin().await?;
        let (_, county, _) = station_facts(&mut tx, station, true).await?;
        let current = sensitive(&mut tx, station).await?;
        let status = next_status(current.plan_status, step).map_err(refused)?;
        if let Some(id) = meeting {
            council_meeting(&mut tx, &county, id, by).await?;
        }
        let reason = match step {
            PlanStep::Return { reason } => reason.trim(),
            _ => "",
        };
        sqlx::query(
            "UPDATE security_plans SET status = $2, return_reason = $3, meeting_id = $4, \
                 decided_at_us = $5, decided_by = $6 WHERE station_code = $1",
        )
        .bind(station)
        .bind(status.as_str())
        .bind(reason)
        .bind(meeting)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        let entry = match (step, meeting) {
            (PlanStep::Approve, Some(id)) => plan_approved(station, id),
            _ => plan_returned(station, meeting, reason),
        };
        append_audit(&mut tx, by, &entry).await?;
        tx.commit().await?;
        Ok(status)
    }

    async fn try_set_cadence(&self, county: &str, cadence: &Cadence, by: &Actor) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        county_exists(&mut tx, county).await?;
        let (election, day) = current_election(&mut tx).await?;
        cadence.validate(day).map_err(refused)?;
        sqlx::query(
            "INSERT INTO security_cadences (election_code, county_code, starts_on, every_days, \
                 set_at_us, set_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (election_code, county_code) DO UPDATE SET \
                 starts_on = excluded.starts_on, every_days = excluded.every_days, \
                 set_at_us = excluded.set_at_us, set_by = excluded.set_by",
        )
        .bind(&election)
        .bind(county)
        .bind(rows::format_date(cadence.starts_on)?)
        .bind(i64::from(cadence.every_days))
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &cadence_set(county, cadence)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_cadence(&self, county: &str) -> Attempt<Option<Cadence>> {
        let mut conn = self.pool.acquire().await?;
        county_exists(&mut conn, county).await?;
        let (election, _) = current_election(&mut conn).await?;
        let row = sqlx::query(
            "SELECT starts_on, every_days FROM security_cadences \
             WHERE election_code = $1 AND county_code = $2",
        )
        .bind(&election)
        .bind(county)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let starts: String = row.try_get("starts_on")?;
        let every: i64 = row.try_get("every_days")?;
        Ok(Some(Cadence {
            starts_on: rows::parse_date(&starts)?,
            every_days: u32::try_from(every)
                .map_err(|e| crate::db::Fail::Store(rows::corrupt("cadence", e)))?,
        }))
    }

    async fn read_summary(&self, county: Option<&str>) -> Attempt<Vec<CountySecurity>> {
        let mut conn = self.pool.acquire().await?;
        let counties = sqlx::query(
            "SELECT code, name FROM counties WHERE $1::text IS NULL OR code = $1 \
             ORDER BY code COLLATE \"C\"",
        )
        .bind(county)
        .fetch_all(&mut *conn)
        .await?;
        let found = sensitive_rows(&mut conn, county).await?;
        let mut out = Vec::with_capacity(counties.len());
        for c in &counties {
            let code: String = c.try_get("code")?;
            let statuses: Vec<Option<PlanStatus>> = found
                .iter()
                .filter(|r| r.county == code)
                .map(|r| r.plan_status)
                .collect();
            out.push(summarize(code, c.try_get("name")?, statuses));
        }
        Ok(out)
    }
}

#[async_trait]
impl SecurityStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn sensitive_reasons(&self, election: &str) -> StoreResult<Vec<SensitiveReason>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        if !election_exists(&mut conn, election, "")
            .await
            .map_err(settle)?
        {
            return Err(StoreError::not_found(Entity::Election));
        }
        reasons_of(&mut conn, election).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn set_sensitive_reasons(
        &self,
        election: &str,
        reasons: &[SensitiveReason],
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_set_reasons(election, reasons, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_security(&self, station: &str) -> StoreResult<Option<StationSecurityRecord>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        record(&mut conn, station).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn flag_station(
        &self,
        station: &str,
        reasons: &[String],
        note: &str,
        by: &Actor,
    ) -> StoreResult<StationSecurity> {
        retry(Unique::Fail, || self.try_flag(station, reasons, note, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn unflag_station(&self, station: &str, by: &Actor) -> StoreResult<bool> {
        retry(Unique::Fail, || self.try_unflag(station, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn save_plan(
        &self,
        station: &str,
        plan: &SecurityPlan,
        by: &Actor,
    ) -> StoreResult<PlanStatus> {
        retry(Unique::Fail, || self.try_save(station, plan, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn submit_plan(&self, station: &str, by: &Actor) -> StoreResult<PlanStatus> {
        retry(Unique::Fail, || self.try_submit(station, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn approve_plan(
        &self,
        station: &str,
        meeting: i64,
        by: &Actor,
    ) -> StoreResult<PlanStatus> {
        retry(Unique::Fail, || {
            self.try_decide(station, &PlanStep::Approve, Some(meeting), by)
        })
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
        retry(Unique::Fail, || {
            self.try_decide(station, &step, meeting, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn sensitive_stations(
        &self,
        filter: &SensitiveFilter,
        page: PageRequest,
    ) -> StoreResult<Page<SensitiveStation>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let found = sensitive_rows(&mut conn, filter.county.as_deref())
            .await
            .map_err(settle)?;
        Ok(page_sensitive(found, filter, page))
    }

    #[tracing::instrument(skip_all)]
    async fn security_summary(&self, county: Option<&str>) -> StoreResult<Vec<CountySecurity>> {
        self.read_summary(county).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn council_cadence(&self, county: &str) -> StoreResult<Option<Cadence>> {
        self.read_cadence(county).await.map_err(settle)
    }

    #[tracing::instrument(skip_all)]
    async fn set_council_cadence(
        &self,
        county: &str,
        cadence: &Cadence,
        by: &Actor,
    ) -> StoreResult<()> {
        retry(Unique::Fail, || self.try_set_cadence(county, cadence, by)).await
    }
}
