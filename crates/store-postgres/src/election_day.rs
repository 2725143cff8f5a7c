//! Election day: each station's day (opening, pauses, extensions, closing, decided by
//! `domain::station_day::decide`), its counts, receipts and turnout; check-ins and ballots go
//! through the batching writer ([`writer`]).

pub(crate) mod writer;

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Postgres, Unique};
use crate::facts::{locked_day, polls_of};
use crate::rows::DAY_COLUMNS;
use crate::{facts, rows, sql};
use async_trait::async_trait;
use ballot_crypto::{BallotStyle, TrackingCode};
use domain::clock::{from_micros, to_micros};
use domain::station_day::{
    decide, decide_walkout, AtStation, DayAction, DayFacts, DayState, Presence, StationDay,
    Walkout, WalkoutReason,
};
use sqlx::postgres::PgConnection;
use sqlx::Row;
use store::election_day::{
    ballot_challenged, ballot_style, ballot_styles, chained, check_cast, day_action_taken,
    pause_columns, walkout_recorded, ChallengeOutcome, KioskHead, StationBallots, StoredBallot,
};
use store::{
    Actor, BallotOutcome, BoardStation, CheckIn, CheckInOutcome, ElectionDayStore, Entity,
    NewBallot, PendingCheckIn, StationCounts, StoreError, StoreResult, Turnout, TurnoutArea,
    TurnoutFilter, TurnoutHour, WalkoutRecord,
};

/// Which of the opening's posts (head, governor's representative, inspector) have holders.
async fn assigned_posts(
    tx: &mut PgConnection,
    election_code: &str,
    station: &str,
) -> Attempt<Presence> {
    let posts: Vec<String> = sqlx::query_scalar(
        "SELECT post FROM station_posts WHERE election_code = $1 AND station_code = $2",
    )
    .bind(election_code)
    .bind(station)
    .fetch_all(&mut *tx)
    .await?;
    let held = |post: domain::staffing::Post| posts.iter().any(|p| p == post.as_str());
    Ok(Presence {
        head: held(domain::staffing::Post::Head),
        governor_rep: held(domain::staffing::Post::GovernorRep),
        inspector: held(domain::staffing::Post::Inspector),
    })
}

/// A station's counts: check-ins from turnout, ballots in the box and still queued, and
/// walk-outs. `NotFound` for an unknown station.
async fn counts_in(
    conn: &mut PgConnection,
    election_code: &str,
    station: &str,
) -> Attempt<StationCounts> {
    let row = sqlx::query(
        "SELECT EXISTS (SELECT 1 FROM stations WHERE code = $2 AND election_code = $1) AS known, \
         (SELECT COALESCE(SUM(checked_in), 0) FROM turnout \
           WHERE election_code = $1 AND station_code = $2)::bigint AS checkins, \
         (SELECT COUNT(*) FROM ballots WHERE election_code = $1 AND station_code = $2) \
           + (SELECT COUNT(*) FROM ballot_queue WHERE election_code = $1 AND station_code = $2) AS ballots, \
         (SELECT COUNT(*) FROM walkouts WHERE election_code = $1 AND station_code = $2) AS walkouts",
    )
    .bind(election_code)
    .bind(station)
    .fetch_one(&mut *conn)
    .await?;
    if !row.try_get::<bool, _>("known")? {
        return Err(not_found(Entity::Station));
    }
    Ok(StationCounts::new(
        row.try_get("checkins")?,
        row.try_get("ballots")?,
        row.try_get("walkouts")?,
    ))
}

/// A council's ballot style (`store::election_day::ballot_style`) read on `conn`; `None` for an
/// unknown council.
async fn council_style(
    conn: &mut PgConnection,
    election_code: &str,
    council: &str,
) -> Attempt<Option<BallotStyle>> {
    let Some(row) = sqlx::query(
        "SELECT c.main_seats, ARRAY(SELECT k.code FROM candidates k WHERE k.election_code = $1 \
             AND k.council_code = c.code AND k.code IS NOT NULL) AS approved \
         FROM councils c WHERE c.code = $2",
    )
    .bind(election_code)
    .bind(council)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(ballot_style(
        election_code,
        council,
        row.try_get("approved")?,
        rows::seats_of(row.try_get("main_seats")?)?,
    )))
}

/// One ballot's link in its kiosk's chain, in the transaction: the chain made if new, its head
/// locked and moved on (the writer does the same for a whole batch at once).
async fn join_chain(
    conn: &mut PgConnection,
    election_code: &str,
    station: &str,
    kiosk: &str,
    ballot: &str,
) -> Attempt<store::election_day::Chained> {
    let start = TrackingCode::start(election_code, station, kiosk).hex();
    sqlx::query(
        "INSERT INTO kiosk_chains (election_code, station_code, kiosk, head, ballots) \
         VALUES ($1, $2, $3, $4, 0) ON CONFLICT DO NOTHING",
    )
    .bind(election_code)
    .bind(station)
    .bind(kiosk)
    .bind(&start)
    .execute(&mut *conn)
    .await?;
    let head: String = sqlx::query_scalar(
        "SELECT head FROM kiosk_chains \
         WHERE election_code = $1 AND station_code = $2 AND kiosk = $3 FOR UPDATE",
    )
    .bind(election_code)
    .bind(station)
    .bind(kiosk)
    .fetch_one(&mut *conn)
    .await?;
    let link = chained(election_code, station, kiosk, Some(&head), ballot)?;
    sqlx::query(
        "UPDATE kiosk_chains SET head = $4, ballots = ballots + 1 \
         WHERE election_code = $1 AND station_code = $2 AND kiosk = $3",
    )
    .bind(election_code)
    .bind(station)
    .bind(kiosk)
    .bind(&link.tracking_code)
    .execute(&mut *conn)
    .await?;
    Ok(link)
}

impl Postgres {
    async fn read_station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let read = async {
            if !facts::station_exists(&mut conn, election_code, station).await? {
                return Ok(None);
            }
            let row = sqlx::query(&format!(
                "SELECT {DAY_COLUMNS} FROM station_days WHERE election_code = $1 AND station_code = $2"
            ))
            .bind(election_code)
            .bind(station)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(day) = row.as_ref().map(rows::station_day).transpose()?.flatten() {
                return Ok(Some(day));
            }
            let (_, close) = polls_of(&mut conn, election_code).await?;
            Ok(Some(StationDay::new(close)))
        };
        read.await.map_err(settle)
    }

    /// Applies a station-day action in one transaction. The day's row is created (as not
    /// opened) if missing and locked, so concurrent actions at a station queue; closing also
    /// waits for check-in batches that read the station open (they share-lock the row), then
    /// counts the tokens they left. A refusal rolls everything back, the created row too.
    async fn try_act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> Attempt<StationDay> {
        let mut tx = self.pool.begin().await?;
        if !facts::station_exists(&mut tx, election_code, station).await? {
            return Err(not_found(Entity::Station));
        }
        let (polls_open, polls_close) = polls_of(&mut tx, election_code).await?;
        let day = locked_day(&mut tx, election_code, station, polls_close).await?;
        let mut read = DayFacts::default();
        if action.needs_outstanding_count() {
            read.outstanding = counts_in(&mut tx, election_code, station)
                .await?
                .outstanding;
            read.paper_fallback = facts::paper_fallback(&mut tx, election_code, station).await?;
        }
        if action.needs_assigned_posts() {
            read.assigned = assigned_posts(&mut tx, election_code, station).await?;
        }
        if action.needs_equipment_standing() {
            read.equipment = facts::equipment_standing(&mut tx, election_code, station).await?;
        }
        let next = decide(&day, action, by.at, polls_open, polls_close, &read)
            .map_err(StoreError::from)?;
        let presence = next
            .presence
            .map(|p| serde_json::to_string(&p))
            .transpose()
            .map_err(|e| StoreError::database(e.to_string()))?;
        if next.state == DayState::Closed {
            // The day's ballots enter the box together, shuffled (see 0005_election_day.sql).
            sqlx::query(
                "WITH moved AS (DELETE FROM ballot_queue \
                   WHERE election_code = $1 AND station_code = $2 RETURNING *) \
                 INSERT INTO ballots (tracking_code, receipt, election_code, station_code, \
                     council_code, kiosk, previous_code, ballot) \
                 SELECT tracking_code, receipt, election_code, station_code, council_code, kiosk, \
                     previous_code, ballot FROM moved ORDER BY random()",
            )
            .bind(election_code)
            .bind(station)
            .execute(&mut *tx)
            .await?;
        }
        let (paused_at, pause_reason, pause_notes) = pause_columns(&next);
        sqlx::query(
            "UPDATE station_days SET state = $3, opened_at_us = $4, closes_at_us = $5, \
             closed_at_us = $6, paused_at_us = $7, pause_reason = $8, pause_notes = $9, \
             presence = $10, forms_received = $11 WHERE election_code = $1 AND station_code = $2",
        )
        .bind(election_code)
        .bind(station)
        .bind(next.state.as_str())
        .bind(next.opened_at.map(to_micros))
        .bind(to_micros(next.closes_at))
        .bind(next.closed_at.map(to_micros))
        .bind(paused_at)
        .bind(pause_reason)
        .bind(pause_notes)
        .bind(presence)
        .bind(next.forms_received.map(i64::from))
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            by,
            &day_action_taken(election_code, station, action, &next)?,
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }

    async fn read_station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        counts_in(&mut conn, election_code, station)
            .await
            .map_err(settle)
    }

    async fn read_pending_checkins(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<PendingCheckIn>> {
        let found = sqlx::query(
            "SELECT c.national_id, c.council_code, c.at_us FROM ballot_tokens t \
             JOIN checkins c ON c.election_code = t.election_code AND c.national_id = t.national_id \
             WHERE t.election_code = $1 AND t.station_code = $2 AND c.station_code = $2 \
             ORDER BY c.at_us, c.national_id",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|r| {
                Ok(PendingCheckIn {
                    national_id: r.try_get("national_id").map_err(db)?,
                    council: r.try_get("council_code").map_err(db)?,
                    checked_in_at: from_micros(r.try_get("at_us").map_err(db)?),
                })
            })
            .collect()
    }

    /// Records a walk-out in one transaction, with the station's day locked as its actions
    /// lock it (so a walk-out and a close queue), and the voter's token deleted before a ballot
    /// can spend it (a cast locks the token first, and then finds it gone, or the walk-out
    /// finds it gone and refuses).
    async fn try_record_walkout(
        &self,
        election_code: &str,
        station: &str,
        walkout: &Walkout,
        by: &Actor,
    ) -> Attempt<StationCounts> {
        let mut tx = self.pool.begin().await?;
        if !facts::station_exists(&mut tx, election_code, station).await? {
            return Err(not_found(Entity::Station));
        }
        let (_, polls_close) = polls_of(&mut tx, election_code).await?;
        let day = locked_day(&mut tx, election_code, station, polls_close).await?;
        let national_id = walkout.national_id.as_str();
        let standing = sqlx::query(
            "SELECT EXISTS (SELECT 1 FROM walkouts \
               WHERE election_code = $1 AND national_id = $2 AND station_code = $3) AS left_, \
             EXISTS (SELECT 1 FROM checkins \
               WHERE election_code = $1 AND national_id = $2 AND station_code = $3) AS here, \
             (SELECT national_id FROM station_posts \
               WHERE election_code = $1 AND station_code = $3 AND post = 'governor_rep') AS rep",
        )
        .bind(election_code)
        .bind(national_id)
        .bind(station)
        .fetch_one(&mut *tx)
        .await?;
        let spent: Option<String> = sqlx::query_scalar(
            "DELETE FROM ballot_tokens \
             WHERE election_code = $1 AND national_id = $2 AND station_code = $3 \
             RETURNING council_code",
        )
        .bind(election_code)
        .bind(national_id)
        .bind(station)
        .fetch_optional(&mut *tx)
        .await?;
        let at_station = if standing.try_get::<bool, _>("left_")? {
            AtStation::LeftWithoutVoting
        } else if !standing.try_get::<bool, _>("here")? {
            AtStation::NotCheckedInHere
        } else if spent.is_some() {
            AtStation::Pending
        } else {
            AtStation::Voted
        };
        let rep = standing
            .try_get::<Option<String>, _>("rep")?
            .map(|id| domain::ids::NationalId::parse(&id))
            .transpose()?;
        // A refusal rolls the token's deletion back with the rest.
        decide_walkout(&day, walkout, at_station, rep.as_ref()).map_err(StoreError::from)?;
        let council = spent
            .ok_or_else(|| StoreError::Corrupt("a pending check-in without its token".into()))?;
        sqlx::query(
            "INSERT INTO walkouts (election_code, national_id, station_code, council_code, reason, \
               notes, countersigned_by, at_us, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(election_code)
        .bind(national_id)
        .bind(station)
        .bind(&council)
        .bind(walkout.reason.as_str())
        .bind(walkout.notes.trim())
        .bind(walkout.countersigned_by.as_ref().map(domain::ids::NationalId::as_str))
        .bind(to_micros(by.at))
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            by,
            &walkout_recorded(election_code, station, walkout),
        )
        .await?;
        let counts = counts_in(&mut tx, election_code, station).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn read_walkouts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<WalkoutRecord>> {
        let found = sqlx::query(
            "SELECT national_id, council_code, reason, notes, countersigned_by, at_us, recorded_by \
             FROM walkouts WHERE election_code = $1 AND station_code = $2 \
             ORDER BY at_us, national_id",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        found
            .iter()
            .map(|r| {
                let reason: String = r.try_get("reason").map_err(db)?;
                Ok(WalkoutRecord {
                    national_id: r.try_get("national_id").map_err(db)?,
                    council: r.try_get("council_code").map_err(db)?,
                    reason: WalkoutReason::parse(&reason)
                        .ok_or_else(|| StoreError::Corrupt(format!("walk-out reason {reason}")))?,
                    notes: r.try_get("notes").map_err(db)?,
                    countersigned_by: r.try_get("countersigned_by").map_err(db)?,
                    at: from_micros(r.try_get("at_us").map_err(db)?),
                    recorded_by: r.try_get("recorded_by").map_err(db)?,
                })
            })
            .collect()
    }

    /// See [`ElectionDayStore::open_ballot`]: a spent token's row is deleted with its ballot.
    async fn read_open_ballot(
        &self,
        election_code: &str,
        token_hash: &str,
    ) -> StoreResult<Option<store::election_day::OpenBallot>> {
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT station_code, council_code FROM ballot_tokens \
             WHERE token_hash = $1 AND election_code = $2",
        )
        .bind(token_hash)
        .bind(election_code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|(station, council)| store::election_day::OpenBallot { station, council }))
    }

    async fn read_receipt(
        &self,
        election_code: &str,
        receipt: &str,
    ) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "SELECT station_code FROM ballots WHERE election_code = $1 AND receipt = $2 \
             UNION ALL SELECT station_code FROM ballot_queue WHERE election_code = $1 AND receipt = $2",
        )
        .bind(election_code)
        .bind(receipt)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    /// A challenged ballot in one transaction: the token locked (a cast of it waits, or went
    /// first and it is spent), the council's style read, the kiosk's chain created if new and
    /// locked, the ballot kept with its opening, the chain moved on, the audit record.
    async fn try_challenge(&self, b: &NewBallot, opening: &str) -> Attempt<ChallengeOutcome> {
        let mut tx = self.pool.begin().await?;
        let token = sqlx::query(
            "SELECT station_code, council_code FROM ballot_tokens \
             WHERE token_hash = $1 AND election_code = $2 FOR UPDATE",
        )
        .bind(&b.token_hash)
        .bind(&b.election_code)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(token) = token else {
            return Ok(ChallengeOutcome::TokenUnknown);
        };
        let station: String = token.try_get("station_code")?;
        let council: String = token.try_get("council_code")?;
        let style = council_style(&mut tx, &b.election_code, &council)
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("a ballot token's council {council} is gone"))
            })?;
        if let Err(refusal) = check_cast(b, &council, &style) {
            return Ok(ChallengeOutcome::Refused(refusal));
        }
        let link = join_chain(&mut tx, &b.election_code, &station, &b.kiosk, &b.ballot).await?;
        sqlx::query(
            "INSERT INTO challenged_ballots (tracking_code, election_code, station_code, \
                 council_code, kiosk, previous_code, ballot, opening) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&link.tracking_code)
        .bind(&b.election_code)
        .bind(&station)
        .bind(&council)
        .bind(&b.kiosk)
        .bind(&link.previous)
        .bind(&b.ballot)
        .bind(opening)
        .execute(&mut *tx)
        .await?;
        append_audit(
            &mut tx,
            &b.by,
            &ballot_challenged(&b.election_code, &station),
        )
        .await?;
        tx.commit().await?;
        Ok(ChallengeOutcome::Challenged {
            station,
            council,
            tracking_code: link.tracking_code,
        })
    }

    async fn read_styles(&self, election_code: &str) -> StoreResult<Vec<BallotStyle>> {
        let councils =
            sqlx::query("SELECT code, main_seats FROM councils ORDER BY code COLLATE \"C\"")
                .fetch_all(&self.pool)
                .await
                .map_err(db)?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<String, _>("code").map_err(db)?,
                        rows::seats_of(r.try_get("main_seats").map_err(db)?)?,
                    ))
                })
                .collect::<StoreResult<Vec<_>>>()?;
        let approved = sqlx::query(
            "SELECT council_code, code FROM candidates WHERE election_code = $1 AND code IS NOT NULL",
        )
        .bind(election_code)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| Ok((r.try_get("council_code")?, r.try_get("code")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db)?;
        Ok(ballot_styles(election_code, councils, approved))
    }

    async fn read_station_ballots(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationBallots> {
        let ballots = sqlx::query(
            "SELECT tracking_code, previous_code, kiosk, council_code, ballot FROM ( \
               SELECT tracking_code, previous_code, kiosk, council_code, ballot FROM ballots \
                 WHERE election_code = $1 AND station_code = $2 \
               UNION ALL SELECT tracking_code, previous_code, kiosk, council_code, ballot \
                 FROM ballot_queue WHERE election_code = $1 AND station_code = $2) b \
             ORDER BY tracking_code COLLATE \"C\"",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(StoredBallot {
                tracking_code: r.try_get("tracking_code")?,
                previous_code: r.try_get("previous_code")?,
                kiosk: r.try_get("kiosk")?,
                council: r.try_get("council_code")?,
                ballot: r.try_get("ballot")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db)?;
        let challenged = sqlx::query(
            "SELECT tracking_code, previous_code, kiosk, council_code, ballot, opening \
             FROM challenged_ballots WHERE election_code = $1 AND station_code = $2 \
             ORDER BY tracking_code",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok((
                StoredBallot {
                    tracking_code: r.try_get("tracking_code")?,
                    previous_code: r.try_get("previous_code")?,
                    kiosk: r.try_get("kiosk")?,
                    council: r.try_get("council_code")?,
                    ballot: r.try_get("ballot")?,
                },
                r.try_get("opening")?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db)?;
        let chains = sqlx::query(
            "SELECT kiosk, head, ballots FROM kiosk_chains \
             WHERE election_code = $1 AND station_code = $2 AND ballots > 0 ORDER BY kiosk",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(KioskHead {
                kiosk: r.try_get("kiosk")?,
                head: r.try_get("head")?,
                ballots: r.try_get("ballots")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db)?;
        Ok(StationBallots {
            ballots,
            challenged,
            chains,
        })
    }

    async fn read_style(
        &self,
        election_code: &str,
        council: &str,
    ) -> StoreResult<Option<BallotStyle>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        council_style(&mut conn, election_code, council)
            .await
            .map_err(settle)
    }

    /// Turnout from the `turnout` and `roll_councils` tables. Check-ins count where the voter's
    /// council lies (a voter voting outside their constituency counts for their own council and
    /// county); in the council view, a station that is not on the council's list but took its
    /// voters' check-ins is listed too, so that the stations add up to the council.
    async fn read_turnout(
        &self,
        election_code: &str,
        filter: &TurnoutFilter,
    ) -> StoreResult<Turnout> {
        let (hourly_sql, areas_sql, area, eligible): (String, String, Option<&str>, bool) =
            match (&filter.council, &filter.county) {
                (Some(council), _) => {
                    let known: Option<i32> = sqlx::query_scalar(
                        "SELECT 1 FROM councils WHERE code = $1 AND election_code = $2",
                    )
                    .bind(council)
                    .bind(election_code)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db)?;
                    if known.is_none() {
                        return Err(StoreError::not_found(Entity::Council));
                    }
                    (
                        format!(
                            "SELECT hour_us, {} AS n FROM turnout \
                             WHERE election_code = $1 AND council_code = $2 \
                             GROUP BY hour_us ORDER BY hour_us",
                            sql::sum("checked_in")
                        ),
                        format!(
                            "SELECT s.code, s.name, NULL::bigint AS eligible, \
                               (SELECT {} FROM turnout t WHERE t.election_code = $1 \
                                AND t.council_code = $2 AND t.station_code = s.code) AS checked_in \
                             FROM stations s WHERE s.election_code = $1 AND (s.council_code = $2 \
                               OR EXISTS (SELECT 1 FROM station_route r \
                                          WHERE r.station_code = s.code AND r.council_code = $2) \
                               OR EXISTS (SELECT 1 FROM turnout t WHERE t.election_code = $1 \
                                          AND t.council_code = $2 AND t.station_code = s.code)) \
                             ORDER BY s.code COLLATE \"C\"",
                            sql::sum("t.checked_in")
                        ),
                        Some(council.as_str()),
                        false,
                    )
                }
                (None, Some(county)) => {
                    let known: Option<i32> =
                        sqlx::query_scalar("SELECT 1 FROM counties WHERE code = $1")
                            .bind(county)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db)?;
                    if known.is_none() {
                        return Err(StoreError::not_found(Entity::County));
                    }
                    (
                        format!(
                            "SELECT t.hour_us, {} AS n FROM turnout t \
                             JOIN councils c ON c.code = t.council_code \
                             WHERE t.election_code = $1 AND c.county_code = $2 \
                             GROUP BY t.hour_us ORDER BY t.hour_us",
                            sql::sum("t.checked_in")
                        ),
                        format!(
                            "SELECT c.code, c.name, COALESCE(r.voters, 0) AS eligible, \
                               (SELECT {} FROM turnout t WHERE t.election_code = $1 \
                                AND t.council_code = c.code) AS checked_in \
                             FROM councils c LEFT JOIN roll_councils r \
                               ON r.election_code = $1 AND r.council_code = c.code \
                             WHERE c.election_code = $1 AND c.county_code = $2 \
                             ORDER BY c.code COLLATE \"C\"",
                            sql::sum("t.checked_in")
                        ),
                        Some(county.as_str()),
                        true,
                    )
                }
                (None, None) => (
                    format!(
                        "SELECT hour_us, {} AS n FROM turnout WHERE election_code = $1 \
                         GROUP BY hour_us ORDER BY hour_us",
                        sql::sum("checked_in")
                    ),
                    format!(
                        "SELECT k.code, k.name, \
                           (SELECT {} FROM roll_councils r JOIN councils c ON c.code = r.council_code \
                            WHERE r.election_code = $1 AND c.county_code = k.code) AS eligible, \
                           (SELECT {} FROM turnout t JOIN councils c ON c.code = t.council_code \
                            WHERE t.election_code = $1 AND c.county_code = k.code) AS checked_in \
                         FROM counties k ORDER BY k.code COLLATE \"C\"",
                        sql::sum("r.voters"),
                        sql::sum("t.checked_in")
                    ),
                    None,
                    true,
                ),
            };
        let query = |sql| {
            let q = sqlx::query(sql).bind(election_code);
            match area {
                Some(code) => q.bind(code),
                None => q,
            }
        };
        let hourly = query(&hourly_sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                Ok(TurnoutHour {
                    hour: from_micros(row.try_get("hour_us")?),
                    checked_in: row.try_get("n")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(db)?;
        let areas = query(&areas_sql)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                Ok(TurnoutArea {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    eligible: row
                        .try_get::<Option<i64>, _>("eligible")?
                        .filter(|_| eligible),
                    checked_in: row.try_get("checked_in")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(db)?;
        let total_eligible: i64 = match (&filter.council, eligible) {
            (Some(council), _) => sqlx::query_scalar(
                "SELECT COALESCE((SELECT voters FROM roll_councils \
                 WHERE election_code = $1 AND council_code = $2), 0)",
            )
            .bind(election_code)
            .bind(council)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?,
            _ => areas.iter().filter_map(|a| a.eligible).sum(),
        };
        Ok(Turnout {
            eligible: total_eligible,
            checked_in: hourly.iter().map(|h| h.checked_in).sum(),
            hourly,
            areas,
        })
    }
}

impl Postgres {
    /// The stations of a county (or the province) with their day and check-ins, in code
    /// order.
    async fn read_station_day_board(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<BoardStation>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let read = async {
            let (_, close) = polls_of(&mut conn, election_code).await?;
            let day_columns: String = DAY_COLUMNS
                .split(',')
                .map(|c| format!("d.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = sqlx::query(&format!(
                "SELECT s.code, s.name, s.council_code, c.name AS council_name, s.county_code, \
                   s.expected_voters, COALESCE(t.checked_in, 0)::bigint AS checkins, {day_columns} \
                 FROM stations s \
                 JOIN councils c ON c.code = s.council_code \
                 LEFT JOIN station_days d ON d.election_code = $1 AND d.station_code = s.code \
                 LEFT JOIN (SELECT station_code, {} AS checked_in FROM turnout \
                            WHERE election_code = $1 GROUP BY station_code) t \
                   ON t.station_code = s.code \
                 WHERE s.election_code = $1 AND NOT s.closed \
                   AND ($2::text IS NULL OR s.county_code = $2) \
                 ORDER BY s.code COLLATE \"C\"",
                sql::sum("checked_in")
            ))
            .bind(election_code)
            .bind(county)
            .fetch_all(&mut *conn)
            .await?;
            let mut board = Vec::with_capacity(rows.len());
            for row in &rows {
                board.push(BoardStation {
                    code: row.try_get("code")?,
                    name: row.try_get("name")?,
                    council: row.try_get("council_code")?,
                    council_name: row.try_get("council_name")?,
                    county: row.try_get("county_code")?,
                    expected_voters: row.try_get("expected_voters")?,
                    checkins: row.try_get("checkins")?,
                    day: rows::station_day(row)?.unwrap_or_else(|| StationDay::new(close)),
                });
            }
            Ok(board)
        };
        read.await.map_err(settle)
    }
}

#[async_trait]
impl ElectionDayStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>> {
        self.read_station_day(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay> {
        retry(Unique::Fail, || {
            self.try_act_on_station(election_code, station, action, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts> {
        self.read_station_counts(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn pending_checkins(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<PendingCheckIn>> {
        self.read_pending_checkins(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn record_walkout(
        &self,
        election_code: &str,
        station: &str,
        walkout: &Walkout,
        by: &Actor,
    ) -> StoreResult<StationCounts> {
        retry(Unique::Fail, || {
            self.try_record_walkout(election_code, station, walkout, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn walkouts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<WalkoutRecord>> {
        self.read_walkouts(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome> {
        writer::check_in(self, checkin).await
    }

    #[tracing::instrument(skip_all)]
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome> {
        writer::cast_ballot(self, ballot).await
    }

    #[tracing::instrument(skip_all)]
    async fn pending_token(
        &self,
        election_code: &str,
        station: &str,
        national_id: &str,
    ) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "SELECT token_hash FROM ballot_tokens \
             WHERE election_code = $1 AND station_code = $2 AND national_id = $3",
        )
        .bind(election_code)
        .bind(station)
        .bind(national_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn open_ballot(
        &self,
        election_code: &str,
        token_hash: &str,
    ) -> StoreResult<Option<store::election_day::OpenBallot>> {
        self.read_open_ballot(election_code, token_hash).await
    }

    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>> {
        self.read_receipt(election_code, receipt).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_receipts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<String>> {
        // Ballots still queued for their batch are cast too.
        sqlx::query_scalar(
            "SELECT receipt FROM ( \
               SELECT receipt FROM ballots WHERE election_code = $1 AND station_code = $2 \
               UNION ALL \
               SELECT receipt FROM ballot_queue WHERE election_code = $1 AND station_code = $2 \
             ) cast_here ORDER BY receipt COLLATE \"C\"",
        )
        .bind(election_code)
        .bind(station)
        .fetch_all(&self.pool)
        .await
        .map_err(db)
    }

    #[tracing::instrument(skip_all)]
    async fn challenge_ballot(
        &self,
        ballot: &NewBallot,
        opening: &str,
    ) -> StoreResult<ChallengeOutcome> {
        retry(Unique::Fail, || self.try_challenge(ballot, opening)).await
    }

    #[tracing::instrument(skip_all)]
    async fn ballot_styles(&self, election_code: &str) -> StoreResult<Vec<BallotStyle>> {
        self.read_styles(election_code).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_ballots(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationBallots> {
        self.read_station_ballots(election_code, station).await
    }

    #[tracing::instrument(skip_all)]
    async fn ballot_style(
        &self,
        election_code: &str,
        council: &str,
    ) -> StoreResult<Option<BallotStyle>> {
        self.read_style(election_code, council).await
    }

    #[tracing::instrument(skip_all)]
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout> {
        self.read_turnout(election_code, filter).await
    }

    #[tracing::instrument(skip_all)]
    async fn station_day_board(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<BoardStation>> {
        self.read_station_day_board(election_code, county).await
    }
}
