//! Election day on SQLite: each station's day, its counts, receipts and turnout; check-ins and
//! ballots go through the batching writer (`writer`).

mod roll_index;
pub(crate) mod writer;

use crate::chain::append_audit;
use crate::db::{db_err, Job, Sqlite};
use crate::sql::{all, bad_row, parse_date};
use async_trait::async_trait;
use domain::station_day::{decide, DayAction, DayState, StationDay};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::election_day::{day_action_taken, StationFacts};
use store::{
    Actor, BallotOutcome, CheckIn, CheckInOutcome, ElectionDayStore, Entity, NewBallot, Refusal,
    StationCounts, StoreError, StoreResult, Turnout, TurnoutArea, TurnoutFilter, TurnoutHour,
};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy)]
pub(crate) struct ElectionFacts {
    pub(crate) day: time::Date,
    pub(crate) opens: OffsetDateTime,
    pub(crate) closes: OffsetDateTime,
}

pub(crate) fn election_facts(
    conn: &Connection,
    election: &str,
) -> StoreResult<Option<ElectionFacts>> {
    let row: Option<(String, Option<i64>, Option<i64>)> = conn
        .prepare_cached(
            "SELECT e.election_day, m.starts_at_us, m.ends_at_us FROM elections e
             LEFT JOIN milestones m ON m.election_code = e.code AND m.key = 'election_day'
             WHERE e.code = ?1",
        )
        .map_err(db_err)?
        .query_row([election], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(db_err)?;
    let Some((day, opens, closes)) = row else {
        return Ok(None);
    };
    let (Some(opens), Some(closes)) = (opens, closes) else {
        return Err(Refusal::NoPollingHours.into());
    };
    Ok(Some(ElectionFacts {
        day: parse_date(&day).map_err(db_err)?,
        opens: domain::clock::from_micros(opens),
        closes: domain::clock::from_micros(closes),
    }))
}

/// A station's councils and day; `None` for a station that does not exist (or is closed
/// down).
pub(crate) fn station_facts(
    conn: &Connection,
    election: &str,
    station: &str,
    polls_close: OffsetDateTime,
) -> StoreResult<Option<StationFacts>> {
    let council: Option<String> = conn
        .prepare_cached(
            "SELECT council_code FROM stations WHERE code = ?1 AND election_code = ?2 AND closed = 0",
        )
        .map_err(db_err)?
        .query_row([station, election], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(council) = council else {
        return Ok(None);
    };
    let mut councils = vec![council];
    let route: Vec<String> = all(
        &mut *conn
            .prepare_cached(
                "SELECT council_code FROM station_route WHERE station_code = ?1 ORDER BY position",
            )
            .map_err(db_err)?,
        [station],
        |r| r.get(0),
    )?;
    for c in route {
        if !councils.contains(&c) {
            councils.push(c);
        }
    }
    let day = day_row(conn, election, station)?.unwrap_or_else(|| StationDay::new(polls_close));
    Ok(Some(StationFacts { councils, day }))
}

fn day_row(conn: &Connection, election: &str, station: &str) -> StoreResult<Option<StationDay>> {
    conn.prepare_cached(
        "SELECT state, opened_at_us, closes_at_us, closed_at_us FROM station_days
         WHERE election_code = ?1 AND station_code = ?2",
    )
    .map_err(db_err)?
    .query_row([election, station], |r| {
        let state: String = r.get(0)?;
        Ok(StationDay {
            state: DayState::parse(&state).ok_or_else(|| bad_row("state"))?,
            opened_at: r.get::<_, Option<i64>>(1)?.map(domain::clock::from_micros),
            closes_at: domain::clock::from_micros(r.get(2)?),
            closed_at: r.get::<_, Option<i64>>(3)?.map(domain::clock::from_micros),
        })
    })
    .optional()
    .map_err(db_err)
}

fn day_of(conn: &Connection, election: &str, station: &str) -> StoreResult<Option<StationDay>> {
    let Some(facts) = election_facts(conn, election)? else {
        return Err(StoreError::not_found(Entity::Election));
    };
    Ok(station_facts(conn, election, station, facts.closes)?.map(|s| s.day))
}

pub(crate) fn act(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    action: &DayAction,
    by: &Actor,
) -> StoreResult<StationDay> {
    let Some(facts) = election_facts(tx, election)? else {
        return Err(StoreError::not_found(Entity::Election));
    };
    let Some(current) = station_facts(tx, election, station, facts.closes)? else {
        return Err(StoreError::not_found(Entity::Station));
    };
    let outstanding = if action.needs_outstanding_count() {
        counts(tx, election, station)?.outstanding
    } else {
        0
    };
    let next = decide(
        &current.day,
        action,
        by.at,
        facts.opens,
        facts.closes,
        outstanding,
    )?;
    tx.prepare_cached(
        "INSERT INTO station_days (election_code, station_code, state, opened_at_us, closes_at_us, closed_at_us)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET state = excluded.state, opened_at_us = excluded.opened_at_us,
             closes_at_us = excluded.closes_at_us, closed_at_us = excluded.closed_at_us",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        station,
        next.state.as_str(),
        next.opened_at.map(domain::clock::to_micros),
        domain::clock::to_micros(next.closes_at),
        next.closed_at.map(domain::clock::to_micros),
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &day_action_taken(election, station, action, &next)?)?;
    Ok(next)
}

pub(crate) fn counts(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<StationCounts> {
    let known: bool = conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM stations WHERE code = ?1 AND election_code = ?2)",
        )
        .map_err(db_err)?
        .query_row([station, election], |r| r.get(0))
        .map_err(db_err)?;
    if !known {
        return Err(StoreError::not_found(Entity::Station));
    }
    let count = |sql: &str| -> StoreResult<i64> {
        conn.prepare_cached(sql)
            .map_err(db_err)?
            .query_row([election, station], |r| r.get(0))
            .map_err(db_err)
    };
    // Check-ins from the turnout rows and outstanding tokens as the difference: every accepted
    // check-in adds one token, every ballot spends one.
    let checkins = count(
        "SELECT coalesce(sum(checked_in), 0) FROM turnout_now WHERE election_code = ?1 AND station_code = ?2",
    )?;
    let ballots =
        count("SELECT count(*) FROM ballots WHERE election_code = ?1 AND station_code = ?2")?;
    Ok(StationCounts {
        checkins,
        ballots,
        outstanding: checkins - ballots,
    })
}

fn receipt_station(conn: &Connection, election: &str, code: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT station_code FROM receipts WHERE election_code = ?1 AND code = ?2")
        .map_err(db_err)?
        .query_row([election, code], |r| r.get(0))
        .optional()
        .map_err(db_err)
}

fn turnout_in(conn: &Connection, election: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
    // The councils in scope, then everything is summed over them.
    let (scope_sql, scope_arg): (&str, String) = match (&filter.council, &filter.county) {
        (Some(council), _) => ("c.code = ?2", council.clone()),
        (None, Some(county)) => ("c.county_code = ?2", county.clone()),
        (None, None) => ("?2 = ''", String::new()),
    };
    let eligible: i64 = conn
        .prepare_cached(&format!(
            "SELECT coalesce(sum(r.voters), 0) FROM roll_councils r
             JOIN councils c ON c.code = r.council_code
             WHERE r.election_code = ?1 AND {scope_sql}"
        ))
        .map_err(db_err)?
        .query_row(params![election, scope_arg], |r| r.get(0))
        .map_err(db_err)?;
    let hourly = all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT t.hour_us, sum(t.checked_in) FROM turnout_now t
                 JOIN councils c ON c.code = t.council_code
                 WHERE t.election_code = ?1 AND {scope_sql}
                 GROUP BY t.hour_us ORDER BY t.hour_us"
            ))
            .map_err(db_err)?,
        params![election, scope_arg],
        |r| {
            Ok(TurnoutHour {
                hour: domain::clock::from_micros(r.get(0)?),
                checked_in: r.get(1)?,
            })
        },
    )?;
    let checked_in = hourly.iter().map(|h| h.checked_in).sum();
    let area = |r: &rusqlite::Row<'_>| {
        Ok(TurnoutArea {
            code: r.get(0)?,
            name: r.get(1)?,
            eligible: r.get(2)?,
            checked_in: r.get(3)?,
        })
    };
    let areas = match (&filter.council, &filter.county) {
        (Some(council), _) => all(
            &mut *conn
                .prepare_cached(
                    "SELECT s.code, s.name, NULL,
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          WHERE t.election_code = ?1 AND t.station_code = s.code AND t.council_code = ?2)
                     FROM stations s
                     WHERE s.council_code = ?2
                        OR s.code IN (SELECT station_code FROM station_route WHERE council_code = ?2)
                        OR s.code IN (SELECT station_code FROM turnout_now
                                      WHERE election_code = ?1 AND council_code = ?2)
                     ORDER BY s.code",
                )
                .map_err(db_err)?,
            params![election, council],
            area,
        )?,
        (None, Some(county)) => all(
            &mut *conn
                .prepare_cached(
                    "SELECT c.code, c.name,
                         coalesce((SELECT voters FROM roll_councils r
                                   WHERE r.election_code = ?1 AND r.council_code = c.code), 0),
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          WHERE t.election_code = ?1 AND t.council_code = c.code)
                     FROM councils c WHERE c.county_code = ?2 ORDER BY c.code",
                )
                .map_err(db_err)?,
            params![election, county],
            area,
        )?,
        (None, None) => all(
            &mut *conn
                .prepare_cached(
                    "SELECT k.code, k.name,
                         (SELECT coalesce(sum(r.voters), 0) FROM roll_councils r
                          JOIN councils c ON c.code = r.council_code
                          WHERE r.election_code = ?1 AND c.county_code = k.code),
                         (SELECT coalesce(sum(t.checked_in), 0) FROM turnout_now t
                          JOIN councils c ON c.code = t.council_code
                          WHERE t.election_code = ?1 AND c.county_code = k.code)
                     FROM counties k ORDER BY k.code",
                )
                .map_err(db_err)?,
            [election],
            area,
        )?,
    };
    Ok(Turnout {
        eligible,
        checked_in,
        hourly,
        areas,
    })
}

#[async_trait]
impl ElectionDayStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| day_of(c, &election, &station)).await
    }

    #[tracing::instrument(skip_all)]
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay> {
        let (election, station, action, by) = (
            election_code.to_owned(),
            station.to_owned(),
            action.clone(),
            by.clone(),
        );
        let opened = matches!(action, DayAction::Open { .. }).then(|| election.clone());
        let day = self
            .write(move |tx| act(tx, &election, &station, &action, &by))
            .await?;
        if let Some(election) = opened {
            // The day's first check-ins would otherwise wait for the roll to be read. Best
            // effort: with the writer's queue full, they will read it.
            let _ = self.inner.jobs.try_send(Job::ReadRoll(election));
        }
        Ok(day)
    }

    #[tracing::instrument(skip_all)]
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| counts(c, &election, &station)).await
    }

    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
        self.batched(|reply| Job::CheckIn(checkin, reply)).await
    }

    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome> {
        self.batched(|reply| Job::Ballot(ballot, reply)).await
    }

    #[tracing::instrument(skip_all)]
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>> {
        let (election, receipt) = (election_code.to_owned(), receipt.to_owned());
        self.read(move |c| receipt_station(c, &election, &receipt))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
        let (election, filter) = (election_code.to_owned(), filter.clone());
        self.read(move |c| turnout_in(c, &election, &filter)).await
    }
}
