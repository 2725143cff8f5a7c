//! Election day on SQLite: each station's day, its counts, receipts and turnout; check-ins and
//! ballots go through the batching writer (`writer`).

mod roll_index;
pub(crate) mod writer;

use crate::chain::append_audit;
use crate::db::{db_err, Job, Sqlite};
use crate::sql::{all, bad_row, parse_date};
use async_trait::async_trait;
use ballot_crypto::BallotStyle;
use domain::station_day::{
    decide, decide_walkout, AtStation, DayAction, DayFacts, DayState, Presence, StationDay,
    Walkout, WalkoutReason,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use store::election_day::{
    ballot_challenged, ballot_style, ballot_styles, chained, check_cast, day_action_taken,
    pause_columns, pause_of, walkout_recorded, Chained, ChallengeOutcome, KioskHead,
    StationBallots, StationFacts, StoredBallot,
};
use store::{
    Actor, BallotOutcome, BoardStation, CheckIn, CheckInOutcome, ElectionDayStore, Entity,
    NewBallot, PendingCheckIn, Refusal, StationCounts, StoreError, StoreResult, Turnout,
    TurnoutArea, TurnoutFilter, TurnoutHour, WalkoutRecord,
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

/// The columns [`day_of_row`] reads, from `start` on (of `station_days`).
const DAY_COLUMNS: &str = "state, opened_at_us, closes_at_us, closed_at_us, paused_at_us, \
     pause_reason, pause_notes, presence, forms_received";

/// A day from [`DAY_COLUMNS`], read from column `start` on: `None` when the row is missing
/// (the state is null, as on the far side of an outer join).
fn day_of_row(r: &rusqlite::Row<'_>, start: usize) -> rusqlite::Result<Option<StationDay>> {
    let Some(state) = r.get::<_, Option<String>>(start)? else {
        return Ok(None);
    };
    let reason: Option<String> = r.get(start + 5)?;
    let pause = pause_of(r.get(start + 4)?, reason.as_deref(), r.get(start + 6)?)
        .map_err(|_| bad_row("pause_reason"))?;
    Ok(Some(StationDay {
        state: DayState::parse(&state).ok_or_else(|| bad_row("state"))?,
        opened_at: r
            .get::<_, Option<i64>>(start + 1)?
            .map(domain::clock::from_micros),
        closes_at: domain::clock::from_micros(r.get(start + 2)?),
        closed_at: r
            .get::<_, Option<i64>>(start + 3)?
            .map(domain::clock::from_micros),
        pause,
        presence: r
            .get::<_, Option<String>>(start + 7)?
            .map(|p| serde_json::from_str(&p).map_err(|_| bad_row("presence")))
            .transpose()?,
        forms_received: r
            .get::<_, Option<i64>>(start + 8)?
            .map(|n| u32::try_from(n).map_err(|_| bad_row("forms_received")))
            .transpose()?,
    }))
}

pub(crate) fn day_row(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Option<StationDay>> {
    conn.prepare_cached(&format!(
        "SELECT {DAY_COLUMNS} FROM station_days WHERE election_code = ?1 AND station_code = ?2"
    ))
    .map_err(db_err)?
    .query_row([election, station], |r| day_of_row(r, 0))
    .optional()
    .map_err(db_err)
    .map(Option::flatten)
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
    let mut read = DayFacts::default();
    if action.needs_outstanding_count() {
        read.outstanding = counts(tx, election, station)?.outstanding;
        read.paper_fallback = crate::facts::paper_fallback(tx, election, station)?;
    }
    if action.needs_assigned_posts() {
        read.assigned = assigned_posts(tx, election, station)?;
    }
    if action.needs_equipment_standing() {
        read.equipment = crate::facts::equipment_standing(tx, election, station)?;
    }
    let next = decide(
        &current.day,
        action,
        by.at,
        facts.opens,
        facts.closes,
        &read,
    )?;
    let (paused_at, pause_reason, pause_notes) = pause_columns(&next);
    let presence = next
        .presence
        .map(|p| serde_json::to_string(&p))
        .transpose()
        .map_err(|e| StoreError::database(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO station_days (election_code, station_code, state, opened_at_us, closes_at_us,
             closed_at_us, paused_at_us, pause_reason, pause_notes, presence, forms_received)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT DO UPDATE SET state = excluded.state, opened_at_us = excluded.opened_at_us,
             closes_at_us = excluded.closes_at_us, closed_at_us = excluded.closed_at_us,
             paused_at_us = excluded.paused_at_us, pause_reason = excluded.pause_reason,
             pause_notes = excluded.pause_notes, presence = excluded.presence,
             forms_received = excluded.forms_received",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        station,
        next.state.as_str(),
        next.opened_at.map(domain::clock::to_micros),
        domain::clock::to_micros(next.closes_at),
        next.closed_at.map(domain::clock::to_micros),
        paused_at,
        pause_reason,
        pause_notes,
        presence,
        next.forms_received,
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &day_action_taken(election, station, action, &next)?)?;
    Ok(next)
}

/// Which of the opening's posts (head, governor's representative, inspector) have holders.
fn assigned_posts(tx: &Transaction<'_>, election: &str, station: &str) -> StoreResult<Presence> {
    let posts: Vec<String> = all(
        &mut *tx
            .prepare_cached(
                "SELECT post FROM station_posts WHERE election_code = ?1 AND station_code = ?2",
            )
            .map_err(db_err)?,
        [election, station],
        |r| r.get(0),
    )?;
    let held = |post: domain::staffing::Post| posts.iter().any(|p| p == post.as_str());
    Ok(Presence {
        head: held(domain::staffing::Post::Head),
        governor_rep: held(domain::staffing::Post::GovernorRep),
        inspector: held(domain::staffing::Post::Inspector),
    })
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
    let walkouts =
        count("SELECT count(*) FROM walkouts WHERE election_code = ?1 AND station_code = ?2")?;
    Ok(StationCounts::new(checkins, ballots, walkouts))
}

fn pending(conn: &Connection, election: &str, station: &str) -> StoreResult<Vec<PendingCheckIn>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT c.national_id, c.council_code, c.at_us FROM ballot_tokens t
                 JOIN checkins c ON c.election_code = t.election_code AND c.national_id = t.national_id
                 WHERE t.election_code = ?1 AND t.station_code = ?2 AND c.station_code = ?2
                 ORDER BY c.at_us, c.national_id",
            )
            .map_err(db_err)?,
        [election, station],
        |r| {
            Ok(PendingCheckIn {
                national_id: r.get(0)?,
                council: r.get(1)?,
                checked_in_at: domain::clock::from_micros(r.get(2)?),
            })
        },
    )
}

/// Where a person stands at a station, read in the walk-out's transaction; with the council of
/// their pending ballot.
fn at_station(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    national_id: &str,
) -> StoreResult<(AtStation, Option<String>)> {
    let left: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM walkouts WHERE election_code = ?1 AND national_id = ?2 AND station_code = ?3)",
        )
        .map_err(db_err)?
        .query_row([election, national_id, station], |r| r.get(0))
        .map_err(db_err)?;
    if left {
        return Ok((AtStation::LeftWithoutVoting, None));
    }
    let here: bool = tx
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM checkins WHERE election_code = ?1 AND national_id = ?2 AND station_code = ?3)",
        )
        .map_err(db_err)?
        .query_row([election, national_id, station], |r| r.get(0))
        .map_err(db_err)?;
    if !here {
        return Ok((AtStation::NotCheckedInHere, None));
    }
    let council: Option<String> = tx
        .prepare_cached(
            "SELECT council_code FROM ballot_tokens
             WHERE election_code = ?1 AND national_id = ?2 AND station_code = ?3",
        )
        .map_err(db_err)?
        .query_row([election, national_id, station], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    Ok(match council {
        Some(c) => (AtStation::Pending, Some(c)),
        None => (AtStation::Voted, None),
    })
}

fn walkout(
    tx: &Transaction<'_>,
    election: &str,
    station: &str,
    walkout: &Walkout,
    by: &Actor,
) -> StoreResult<StationCounts> {
    let Some(facts) = election_facts(tx, election)? else {
        return Err(StoreError::not_found(Entity::Election));
    };
    let Some(current) = station_facts(tx, election, station, facts.closes)? else {
        return Err(StoreError::not_found(Entity::Station));
    };
    let national_id = walkout.national_id.as_str();
    let (standing, council) = at_station(tx, election, station, national_id)?;
    let rep: Option<String> = tx
        .prepare_cached(
            "SELECT national_id FROM station_posts
             WHERE election_code = ?1 AND station_code = ?2 AND post = 'governor_rep'",
        )
        .map_err(db_err)?
        .query_row([election, station], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let rep = rep
        .map(|id| domain::ids::NationalId::parse(&id).map_err(|_| bad_row("national_id")))
        .transpose()
        .map_err(db_err)?;
    decide_walkout(&current.day, walkout, standing, rep.as_ref())?;
    let council =
        council.ok_or_else(|| StoreError::database("a pending check-in without its council"))?;
    tx.prepare_cached(
        "DELETE FROM ballot_tokens WHERE election_code = ?1 AND national_id = ?2 AND station_code = ?3",
    )
    .map_err(db_err)?
    .execute([election, national_id, station])
    .map_err(db_err)?;
    tx.prepare_cached(
        "INSERT INTO walkouts (election_code, national_id, station_code, council_code, reason, notes,
             countersigned_by, at_us, recorded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .map_err(db_err)?
    .execute(params![
        election,
        national_id,
        station,
        council,
        walkout.reason.as_str(),
        walkout.notes.trim(),
        walkout.countersigned_by.as_ref().map(domain::ids::NationalId::as_str),
        domain::clock::to_micros(by.at),
        by.username,
    ])
    .map_err(db_err)?;
    append_audit(tx, by, &walkout_recorded(election, station, walkout))?;
    counts(tx, election, station)
}

fn walkouts_of(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<Vec<WalkoutRecord>> {
    all(
        &mut *conn
            .prepare_cached(
                "SELECT national_id, council_code, reason, notes, countersigned_by, at_us, recorded_by
                 FROM walkouts WHERE election_code = ?1 AND station_code = ?2
                 ORDER BY at_us, national_id",
            )
            .map_err(db_err)?,
        [election, station],
        |r| {
            let reason: String = r.get(2)?;
            Ok(WalkoutRecord {
                national_id: r.get(0)?,
                council: r.get(1)?,
                reason: WalkoutReason::parse(&reason).ok_or_else(|| bad_row("reason"))?,
                notes: r.get(3)?,
                countersigned_by: r.get(4)?,
                at: domain::clock::from_micros(r.get(5)?),
                recorded_by: r.get(6)?,
            })
        },
    )
}

/// A council's ballot style (`store::election_day::ballot_style`); `None` for an unknown
/// council.
pub(crate) fn read_style(
    conn: &Connection,
    election: &str,
    council: &str,
) -> StoreResult<Option<BallotStyle>> {
    let seats: Option<u32> = conn
        .prepare_cached("SELECT main_seats FROM councils WHERE code = ?1")
        .map_err(db_err)?
        .query_row([council], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let Some(seats) = seats else {
        return Ok(None);
    };
    let codes = all(
        &mut *conn
            .prepare_cached(
                "SELECT code FROM candidates
                 WHERE election_code = ?1 AND council_code = ?2 AND code IS NOT NULL",
            )
            .map_err(db_err)?,
        params![election, council],
        |r| r.get(0),
    )?;
    Ok(Some(ballot_style(election, council, codes, seats)))
}

/// A ballot joining its kiosk's chain in the writing transaction: the kiosk's head read and
/// moved on (`store::election_day::chained`). The cast and the challenge both take this path.
pub(crate) fn join_chain(
    tx: &Connection,
    election: &str,
    station: &str,
    kiosk: &str,
    ballot: &str,
) -> StoreResult<Chained> {
    let head: Option<String> = tx
        .prepare_cached(
            "SELECT head FROM kiosk_chains
             WHERE election_code = ?1 AND station_code = ?2 AND kiosk = ?3",
        )
        .map_err(db_err)?
        .query_row(params![election, station, kiosk], |r| r.get(0))
        .optional()
        .map_err(db_err)?;
    let link = chained(election, station, kiosk, head.as_deref(), ballot)?;
    tx.prepare_cached(
        "INSERT INTO kiosk_chains (election_code, station_code, kiosk, head, ballots)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (election_code, station_code, kiosk)
         DO UPDATE SET head = excluded.head, ballots = ballots + 1",
    )
    .map_err(db_err)?
    .execute(params![election, station, kiosk, link.tracking_code])
    .map_err(db_err)?;
    Ok(link)
}

/// A token's station and council, while it is unspent.
pub(crate) fn token_of(
    tx: &Connection,
    election: &str,
    token_hash: &str,
) -> StoreResult<Option<(String, String)>> {
    tx.prepare_cached(
        "SELECT station_code, council_code FROM ballot_tokens
         WHERE token_hash = ?1 AND election_code = ?2",
    )
    .map_err(db_err)?
    .query_row(params![token_hash, election], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
    .map_err(db_err)
}

fn challenge(tx: &Transaction<'_>, b: &NewBallot, opening: &str) -> StoreResult<ChallengeOutcome> {
    let Some((station, council)) = token_of(tx, &b.election_code, &b.token_hash)? else {
        return Ok(ChallengeOutcome::TokenUnknown);
    };
    let style = read_style(tx, &b.election_code, &council)?.ok_or_else(|| {
        StoreError::Corrupt(format!("a ballot token's council {council} is gone"))
    })?;
    if let Err(refusal) = check_cast(b, &council, &style) {
        return Ok(ChallengeOutcome::Refused(refusal));
    }
    let link = join_chain(tx, &b.election_code, &station, &b.kiosk, &b.ballot)?;
    tx.prepare_cached(
        "INSERT INTO challenged_ballots (tracking_code, election_code, station_code, council_code,
             kiosk, previous_code, ballot, opening)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(db_err)?
    .execute(params![
        link.tracking_code,
        b.election_code,
        station,
        council,
        b.kiosk,
        link.previous,
        b.ballot,
        opening
    ])
    .map_err(db_err)?;
    append_audit(tx, &b.by, &ballot_challenged(&b.election_code, &station))?;
    Ok(ChallengeOutcome::Challenged {
        station,
        council,
        tracking_code: link.tracking_code,
    })
}

fn read_styles(conn: &Connection, election: &str) -> StoreResult<Vec<BallotStyle>> {
    let councils = all(
        &mut *conn
            .prepare_cached("SELECT code, main_seats FROM councils ORDER BY code")
            .map_err(db_err)?,
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let approved = all(
        &mut *conn
            .prepare_cached(
                "SELECT council_code, code FROM candidates
                 WHERE election_code = ?1 AND code IS NOT NULL",
            )
            .map_err(db_err)?,
        [election],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(ballot_styles(election, councils, approved))
}

fn station_ballots(
    conn: &Connection,
    election: &str,
    station: &str,
) -> StoreResult<StationBallots> {
    let ballots = all(
        &mut *conn
            .prepare_cached(
                "SELECT tracking_code, previous_code, kiosk, council_code, ballot FROM ballots
                 WHERE election_code = ?1 AND station_code = ?2 ORDER BY tracking_code",
            )
            .map_err(db_err)?,
        params![election, station],
        |r| {
            Ok(StoredBallot {
                tracking_code: r.get(0)?,
                previous_code: r.get(1)?,
                kiosk: r.get(2)?,
                council: r.get(3)?,
                ballot: r.get(4)?,
            })
        },
    )?;
    let challenged = all(
        &mut *conn
            .prepare_cached(
                "SELECT tracking_code, previous_code, kiosk, council_code, ballot, opening
                 FROM challenged_ballots
                 WHERE election_code = ?1 AND station_code = ?2 ORDER BY tracking_code",
            )
            .map_err(db_err)?,
        params![election, station],
        |r| {
            Ok((
                StoredBallot {
                    tracking_code: r.get(0)?,
                    previous_code: r.get(1)?,
                    kiosk: r.get(2)?,
                    council: r.get(3)?,
                    ballot: r.get(4)?,
                },
                r.get(5)?,
            ))
        },
    )?;
    let chains = all(
        &mut *conn
            .prepare_cached(
                "SELECT kiosk, head, ballots FROM kiosk_chains
                 WHERE election_code = ?1 AND station_code = ?2 ORDER BY kiosk",
            )
            .map_err(db_err)?,
        params![election, station],
        |r| {
            Ok(KioskHead {
                kiosk: r.get(0)?,
                head: r.get(1)?,
                ballots: r.get(2)?,
            })
        },
    )?;
    Ok(StationBallots {
        ballots,
        challenged,
        chains,
    })
}

fn receipt_station(conn: &Connection, election: &str, code: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached(
        "SELECT station_code FROM ballots WHERE election_code = ?1 AND receipt = ?2",
    )
    .map_err(db_err)?
    .query_row([election, code], |r| r.get(0))
    .optional()
    .map_err(db_err)
}

fn station_receipts(conn: &Connection, election: &str, station: &str) -> StoreResult<Vec<String>> {
    conn.prepare_cached(
        "SELECT receipt FROM ballots WHERE election_code = ?1 AND station_code = ?2 ORDER BY receipt",
    )
    .map_err(db_err)?
    .query_map([election, station], |r| r.get(0))
    .map_err(db_err)?
    .collect::<Result<Vec<String>, _>>()
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

/// The stations of a county (or the province) with their day and check-ins, in code order.
fn board(
    conn: &Connection,
    election: &str,
    county: Option<&str>,
) -> StoreResult<Vec<BoardStation>> {
    let Some(facts) = election_facts(conn, election)? else {
        return Err(StoreError::not_found(Entity::Election));
    };
    let day_columns: String = DAY_COLUMNS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    all(
        &mut *conn
            .prepare_cached(&format!(
                "SELECT s.code, s.name, s.council_code, c.name, s.county_code, s.expected_voters,
                     coalesce(t.checked_in, 0), {day_columns}
                 FROM stations s
                 JOIN councils c ON c.code = s.council_code
                 LEFT JOIN station_days d ON d.election_code = ?1 AND d.station_code = s.code
                 LEFT JOIN (SELECT station_code, sum(checked_in) AS checked_in FROM turnout_now
                            WHERE election_code = ?1 GROUP BY station_code) t
                   ON t.station_code = s.code
                 WHERE s.election_code = ?1 AND s.closed = 0
                   AND (?2 IS NULL OR s.county_code = ?2)
                 ORDER BY s.code"
            ))
            .map_err(db_err)?,
        params![election, county],
        |r| {
            Ok(BoardStation {
                code: r.get(0)?,
                name: r.get(1)?,
                council: r.get(2)?,
                council_name: r.get(3)?,
                county: r.get(4)?,
                expected_voters: r.get(5)?,
                checkins: r.get(6)?,
                day: day_of_row(r, 7)?.unwrap_or_else(|| StationDay::new(facts.closes)),
            })
        },
    )
}

fn pending_token(
    conn: &Connection,
    election: &str,
    station: &str,
    national_id: &str,
) -> StoreResult<Option<String>> {
    conn.prepare_cached(
        "SELECT token_hash FROM ballot_tokens
         WHERE election_code = ?1 AND station_code = ?2 AND national_id = ?3",
    )
    .map_err(db_err)?
    .query_row([election, station, national_id], |r| r.get(0))
    .optional()
    .map_err(db_err)
}

fn open_ballot(
    conn: &Connection,
    election: &str,
    token_hash: &str,
) -> StoreResult<Option<store::election_day::OpenBallot>> {
    conn.prepare_cached(
        "SELECT station_code, council_code FROM ballot_tokens
         WHERE token_hash = ?1 AND election_code = ?2",
    )
    .map_err(db_err)?
    .query_row([token_hash, election], |r| {
        Ok(store::election_day::OpenBallot {
            station: r.get(0)?,
            council: r.get(1)?,
        })
    })
    .optional()
    .map_err(db_err)
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

    #[tracing::instrument(skip_all)]
    async fn pending_checkins(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<PendingCheckIn>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| pending(c, &election, &station)).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_walkout(
        &self,
        election_code: &str,
        station: &str,
        record: &Walkout,
        by: &Actor,
    ) -> StoreResult<StationCounts> {
        let (election, station, record, by) = (
            election_code.to_owned(),
            station.to_owned(),
            record.clone(),
            by.clone(),
        );
        self.write(move |tx| walkout(tx, &election, &station, &record, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn walkouts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<WalkoutRecord>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| walkouts_of(c, &election, &station))
            .await
    }

    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
        self.batched(|reply| Job::CheckIn(checkin, reply)).await
    }

    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome> {
        self.batched(|reply| Job::Ballot(ballot, reply)).await
    }

    #[tracing::instrument(skip_all)]
    async fn pending_token(
        &self,
        election_code: &str,
        station: &str,
        national_id: &str,
    ) -> StoreResult<Option<String>> {
        let (election, station, national_id) = (
            election_code.to_owned(),
            station.to_owned(),
            national_id.to_owned(),
        );
        self.read(move |c| pending_token(c, &election, &station, &national_id))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn open_ballot(
        &self,
        election_code: &str,
        token_hash: &str,
    ) -> StoreResult<Option<store::election_day::OpenBallot>> {
        let (election, token_hash) = (election_code.to_owned(), token_hash.to_owned());
        self.read(move |c| open_ballot(c, &election, &token_hash))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>> {
        let (election, receipt) = (election_code.to_owned(), receipt.to_owned());
        self.read(move |c| receipt_station(c, &election, &receipt))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_receipts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<String>> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| station_receipts(c, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn challenge_ballot(
        &self,
        ballot: &NewBallot,
        opening: &str,
    ) -> StoreResult<ChallengeOutcome> {
        let (ballot, opening) = (ballot.clone(), opening.to_owned());
        self.write(move |tx| challenge(tx, &ballot, &opening)).await
    }

    #[tracing::instrument(skip_all)]
    async fn ballot_styles(&self, election_code: &str) -> StoreResult<Vec<BallotStyle>> {
        let election = election_code.to_owned();
        self.read(move |c| read_styles(c, &election)).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_ballots(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationBallots> {
        let (election, station) = (election_code.to_owned(), station.to_owned());
        self.read(move |c| station_ballots(c, &election, &station))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn ballot_style(
        &self,
        election_code: &str,
        council: &str,
    ) -> StoreResult<Option<BallotStyle>> {
        let (election, council) = (election_code.to_owned(), council.to_owned());
        self.read(move |c| read_style(c, &election, &council)).await
    }

    #[tracing::instrument(skip_all)]
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
        let (election, filter) = (election_code.to_owned(), filter.clone());
        self.read(move |c| turnout_in(c, &election, &filter)).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_day_board(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<BoardStation>> {
        let (election, county) = (election_code.to_owned(), county.map(str::to_owned));
        self.read(move |c| board(c, &election, county.as_deref()))
            .await
    }
}
