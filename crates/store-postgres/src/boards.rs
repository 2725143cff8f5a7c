//! Boards and their meetings, and the demo's board members.
//!
//! Boards are not rows: a board exists when its code parses and, for a county's board, the
//! county does. Writers to a board serialise on a lock taken first thing in their transaction
//! ([`lock_board`]): the county's row for a county's boards, a transaction-scoped advisory lock
//! for the province board. So two appointments racing for a board's last seat of a role queue,
//! and the second reads the first's member and is refused.

use crate::chain::append_audit;
use crate::db::{db, not_found, retry, settle, Attempt, Fail, Postgres, Unique};
use crate::{rows, sql};
use async_trait::async_trait;
use domain::boards::{
    check_membership, parse_board_code, Board, BoardKind, BoardMember, BoardRole, Meeting,
};
use domain::demo::DemoBoardMember;
use domain::ids::NationalId;
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::Row;
use std::collections::HashMap;
use store::boards::{meeting_recorded, member_added, member_removed};
use store::{Actor, BoardStore, BoardWithMembers, Entity, Refusal, StoreError, StoreResult};

/// Key of the transaction-scoped advisory lock of the province board ("sandoqb" in ASCII;
/// the migration runner's is "sandoq").
const PROVINCE_BOARD_LOCK: i64 = 0x73_61_6e_64_6f_71_62;

fn board_not_found() -> Fail {
    not_found(Entity::Board)
}

fn board(code: &str, kind: BoardKind, county: Option<String>) -> Board {
    Board {
        code: code.to_owned(),
        kind,
        county,
    }
}

/// Which board members to read.
#[derive(Clone, Copy)]
enum Members<'a> {
    All,
    OfCounty(&'a str),
    OfBoard(&'a str),
}

/// Board members with their names, in the contract's order: by role (`BoardRole::ALL` order),
/// then last name, first name and national id (byte order, as SQLite compares).
async fn members(conn: &mut PgConnection, which: Members<'_>) -> Attempt<Vec<BoardMember>> {
    let (filter, bind) = match which {
        Members::All => ("TRUE", None),
        Members::OfCounty(county) => ("bm.county_code = $1", Some(county)),
        Members::OfBoard(code) => ("bm.board_code = $1", Some(code)),
    };
    let sql = format!(
        "SELECT {} FROM board_members bm JOIN people p ON p.national_id = bm.national_id \
         WHERE {filter}",
        rows::BOARD_MEMBER_COLUMNS
    );
    let mut query = sqlx::query(&sql);
    if let Some(value) = bind {
        query = query.bind(value);
    }
    let found = query.fetch_all(&mut *conn).await?;
    let mut out = rows::all(&found, rows::board_member)?;
    out.sort_by(|a, b| {
        (a.role, &a.last_name, &a.first_name, &a.national_id).cmp(&(
            b.role,
            &b.last_name,
            &b.first_name,
            &b.national_id,
        ))
    });
    Ok(out)
}

/// Whether a county is registered.
async fn county_exists(conn: &mut PgConnection, county: &str) -> Attempt<bool> {
    Ok(
        sqlx::query_scalar::<_, i32>("SELECT 1 FROM counties WHERE code = $1")
            .bind(county)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// Takes the lock that board writers queue on (see the module's note) and says whether the
/// board exists. `FOR NO KEY UPDATE` conflicts with itself but not with the key-share locks
/// that foreign-key checks take, so inserts referring to the county are not held up.
async fn lock_board(conn: &mut PgConnection, county: Option<&str>) -> Attempt<bool> {
    let Some(county) = county else {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(PROVINCE_BOARD_LOCK)
            .execute(&mut *conn)
            .await?;
        return Ok(true);
    };
    Ok(
        sqlx::query_scalar::<_, i32>("SELECT 1 FROM counties WHERE code = $1 FOR NO KEY UPDATE")
            .bind(county)
            .fetch_optional(&mut *conn)
            .await?
            .is_some(),
    )
}

/// The UTC date of an instant.
fn utc_date(at: time::OffsetDateTime) -> time::Date {
    at.to_offset(time::UtcOffset::UTC).date()
}

/// Writes the demo's board members in one statement (within `load_demo`): appointed by
/// the loader at its time, their terms starting that day and open-ended.
pub(crate) async fn write_demo_members(
    conn: &mut PgConnection,
    members: &[DemoBoardMember],
    by: &Actor,
) -> Attempt<()> {
    if members.is_empty() {
        return Ok(());
    }
    let (mut codes, mut kinds, mut counties, mut ids, mut roles) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for member in members {
        let Some((kind, county)) = parse_board_code(&member.board) else {
            return Err(Refusal::UnknownBoard {
                board: member.board.clone(),
            }
            .into());
        };
        codes.push(member.board.clone());
        kinds.push(kind.as_str().to_owned());
        counties.push(county);
        ids.push(member.national_id.as_str().to_owned());
        roles.push(member.role.as_str().to_owned());
    }
    sqlx::query(
        "INSERT INTO board_members (board_code, kind, county_code, national_id, role, term_start, \
         term_end, appointed_at_us, appointed_by) \
         SELECT u.board_code, u.kind, u.county_code, u.national_id, u.role, $6, NULL, $7, $8 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) \
           AS u(board_code, kind, county_code, national_id, role)",
    )
    .bind(codes)
    .bind(kinds)
    .bind(counties)
    .bind(ids)
    .bind(roles)
    .bind(rows::format_date(utc_date(by.at))?)
    .bind(by.at_us())
    .bind(&by.username)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Meeting rows with their attendance and decisions (one more query for each, for all of them).
async fn meetings_whole(pool: &PgPool, found: &[PgRow]) -> StoreResult<Vec<Meeting>> {
    let ids = rows::keys::<i64>(found, "id")?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let present = sqlx::query(
        "SELECT meeting_id, national_id, present FROM meeting_attendance \
         WHERE meeting_id = ANY($1) ORDER BY meeting_id, national_id COLLATE \"C\"",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut attendance = rows::grouped::<i64, _>(&present, "meeting_id", rows::attendance)?;
    let decided = sqlx::query(
        "SELECT meeting_id, text, owner, due_on, done_at_us, done_by, done_note FROM meeting_decisions \
         WHERE meeting_id = ANY($1) ORDER BY meeting_id, position",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut decisions = rows::grouped::<i64, _>(&decided, "meeting_id", rows::decision)?;
    found
        .iter()
        .zip(&ids)
        .map(|(row, id)| {
            rows::meeting(
                row,
                attendance.remove(id).unwrap_or_default(),
                decisions.remove(id).unwrap_or_default(),
            )
        })
        .collect()
}

/// Writes a meeting the caller validated, with its attendance and decisions (no audit record:
/// `record_meeting`'s, or the demo load's).
async fn insert_meeting(conn: &mut PgConnection, meeting: &Meeting, by: &Actor) -> Attempt<i64> {
    let code = meeting.board.as_str();
    let held_at_us = domain::clock::to_micros(meeting.held_at);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO meetings (board_code, held_at_us, agenda, minutes, recorded_at_us, \
         recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(code)
    .bind(held_at_us)
    .bind(&meeting.agenda)
    .bind(&meeting.minutes)
    .bind(by.at_us())
    .bind(&by.username)
    .fetch_one(&mut *conn)
    .await?;
    if !meeting.attendance.is_empty() {
        sqlx::query(
            "INSERT INTO meeting_attendance (meeting_id, national_id, present) \
             SELECT $1, * FROM UNNEST($2::text[], $3::bool[])",
        )
        .bind(id)
        .bind(sql::column(&meeting.attendance, |a| a.national_id.clone()))
        .bind(sql::column(&meeting.attendance, |a| a.present))
        .execute(&mut *conn)
        .await?;
    }
    if !meeting.decisions.is_empty() {
        let due = meeting
            .decisions
            .iter()
            .map(|d| rows::format_date(d.due_on))
            .collect::<StoreResult<Vec<_>>>()?;
        sqlx::query(
            "INSERT INTO meeting_decisions (meeting_id, position, text, owner, due_on) \
             SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[], $5::text[])",
        )
        .bind(id)
        .bind((0..meeting.decisions.len() as i64).collect::<Vec<_>>())
        .bind(sql::column(&meeting.decisions, |d| d.text.clone()))
        .bind(sql::column(&meeting.decisions, |d| d.owner.clone()))
        .bind(due)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The demo's council meetings (issue 16), after its boards: each checked as `record_meeting`
/// checks it, with no audit record of its own (the load's counts the demo); their ids in order.
pub(crate) async fn write_demo_meetings(
    conn: &mut PgConnection,
    meetings: &[Meeting],
    by: &Actor,
) -> Attempt<Vec<i64>> {
    let mut ids = Vec::with_capacity(meetings.len());
    for m in meetings {
        let current = members(&mut *conn, Members::OfBoard(&m.board)).await?;
        m.validate(&current)?;
        ids.push(insert_meeting(&mut *conn, m, by).await?);
    }
    Ok(ids)
}

impl Postgres {
    /// See [`BoardStore::boards`].
    async fn read_boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>> {
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let (counties, found) = if let Some(county) = county {
            if !county_exists(&mut conn, county).await.map_err(settle)? {
                return Ok(Vec::new());
            }
            let found = members(&mut conn, Members::OfCounty(county))
                .await
                .map_err(settle)?;
            (vec![county.to_owned()], found)
        } else {
            let counties: Vec<String> =
                sqlx::query_scalar("SELECT code FROM counties ORDER BY code COLLATE \"C\"")
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(db)?;
            let found = members(&mut conn, Members::All).await.map_err(settle)?;
            (counties, found)
        };
        let mut by_board: HashMap<String, Vec<BoardMember>> = HashMap::new();
        for member in found {
            by_board
                .entry(member.board.clone())
                .or_default()
                .push(member);
        }
        let mut boards = Vec::with_capacity(1 + 3 * counties.len());
        if county.is_none() {
            boards.push((BoardKind::ProvinceInspection, None));
        }
        for c in counties {
            boards.push((BoardKind::CountyInspection, Some(c.clone())));
            boards.push((BoardKind::CountyExecutive, Some(c.clone())));
            boards.push((BoardKind::CountySecurity, Some(c)));
        }
        Ok(boards
            .into_iter()
            .map(|(kind, county)| {
                let code = domain::boards::board_code(kind, county.as_deref());
                BoardWithMembers {
                    members: by_board.remove(&code).unwrap_or_default(),
                    board: board(&code, kind, county),
                }
            })
            .collect())
    }

    /// See [`BoardStore::board`].
    async fn read_board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>> {
        let Some((kind, county)) = parse_board_code(code) else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await.map_err(db)?;
        if let Some(county) = &county {
            if !county_exists(&mut conn, county).await.map_err(settle)? {
                return Ok(None);
            }
        }
        let members = members(&mut conn, Members::OfBoard(code))
            .await
            .map_err(settle)?;
        Ok(Some(BoardWithMembers {
            board: board(code, kind, county),
            members,
        }))
    }

    /// Reads the board's members and decides on them in the transaction that writes the new
    /// one, behind the board's lock.
    async fn try_add_board_member(
        &self,
        code: &str,
        national_id: &str,
        role: BoardRole,
        term: (time::Date, Option<time::Date>),
        by: &Actor,
    ) -> Attempt<BoardMember> {
        let Some((kind, county)) = parse_board_code(code) else {
            return Err(board_not_found());
        };
        let mut tx = self.pool.begin().await?;
        if !lock_board(&mut tx, county.as_deref()).await? {
            return Err(board_not_found());
        }
        let person = sqlx::query("SELECT first_name, last_name FROM people WHERE national_id = $1")
            .bind(national_id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(person) = person else {
            return Err(not_found(Entity::Person));
        };
        let id = NationalId::parse(national_id)?;
        let current = members(&mut tx, Members::OfBoard(code)).await?;
        check_membership(kind, role, &id, term, &current).map_err(StoreError::from)?;

        let term_start = rows::format_date(term.0)?;
        let term_end = term.1.map(rows::format_date).transpose()?;
        sqlx::query(
            "INSERT INTO board_members (board_code, kind, county_code, national_id, role, term_start, \
             term_end, appointed_at_us, appointed_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(code)
        .bind(kind.as_str())
        .bind(county.as_deref())
        .bind(national_id)
        .bind(role.as_str())
        .bind(&term_start)
        .bind(&term_end)
        .bind(by.at_us())
        .bind(&by.username)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &member_added(code, national_id, role, term)).await?;
        tx.commit().await?;
        Ok(BoardMember {
            board: code.to_owned(),
            national_id: national_id.to_owned(),
            first_name: person.try_get("first_name")?,
            last_name: person.try_get("last_name")?,
            role,
            term_start: term.0,
            term_end: term.1,
        })
    }

    async fn try_remove_board_member(
        &self,
        code: &str,
        national_id: &str,
        by: &Actor,
    ) -> Attempt<Option<BoardMember>> {
        let Some((_, county)) = parse_board_code(code) else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        // Queue with appointments to this board (see `try_add_board_member`).
        lock_board(&mut tx, county.as_deref()).await?;
        let removed = sqlx::query(&format!(
            "WITH bm AS (DELETE FROM board_members WHERE board_code = $1 AND national_id = $2 \
               RETURNING board_code, national_id, role, term_start, term_end) \
             SELECT {} FROM bm JOIN people p ON p.national_id = bm.national_id",
            rows::BOARD_MEMBER_COLUMNS
        ))
        .bind(code)
        .bind(national_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(removed) = removed else {
            // Not a member: no change, no audit record.
            tx.rollback().await?;
            return Ok(None);
        };
        let removed = rows::board_member(&removed)?;
        append_audit(
            &mut tx,
            by,
            &member_removed(code, national_id, removed.role),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(removed))
    }

    /// Checks the meeting against the board's members and writes it whole, behind the board's
    /// lock (so a member removed meanwhile is not recorded as attending).
    async fn try_record_meeting(&self, meeting: &Meeting, by: &Actor) -> Attempt<i64> {
        let code = meeting.board.as_str();
        let Some((_, county)) = parse_board_code(code) else {
            return Err(board_not_found());
        };
        let mut tx = self.pool.begin().await?;
        if !lock_board(&mut tx, county.as_deref()).await? {
            return Err(board_not_found());
        }
        let current = members(&mut tx, Members::OfBoard(code)).await?;
        meeting.validate(&current)?;
        let id = insert_meeting(&mut tx, meeting, by).await?;
        append_audit(&mut tx, by, &meeting_recorded(meeting, id)).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// See [`BoardStore::meetings`].
    async fn read_meetings(&self, code: &str) -> StoreResult<Vec<Meeting>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM meetings WHERE board_code = $1 ORDER BY held_at_us DESC, id DESC",
            rows::MEETING_COLUMNS
        ))
        .bind(code)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        meetings_whole(&self.pool, &found).await
    }

    /// See [`BoardStore::complete_decision`]: the decision's row locked, so two marks of one
    /// decision queue and the second finds it done.
    async fn try_complete_decision(
        &self,
        meeting_id: i64,
        position: i64,
        note: &str,
        by: &Actor,
    ) -> Attempt<()> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT mt.board_code, d.text, d.owner, d.due_on, d.done_at_us, d.done_by, d.done_note \
             FROM meeting_decisions d JOIN meetings mt ON mt.id = d.meeting_id \
             WHERE d.meeting_id = $1 AND d.position = $2 FOR UPDATE OF d",
        )
        .bind(meeting_id)
        .bind(position)
        .fetch_optional(&mut *tx)
        .await?;
        let found = row
            .as_ref()
            .map(|r| Ok::<_, StoreError>((rows::board_code(r)?, rows::decision(r)?)))
            .transpose()?;
        let board = found.as_ref().map_or("", |(b, _)| b.as_str()).to_owned();
        let (note, entry) = store::boards::decision_done(
            &board,
            meeting_id,
            position,
            found.as_ref().map(|(_, d)| d),
            note,
        )?;
        sqlx::query(
            "UPDATE meeting_decisions SET done_at_us = $1, done_by = $2, done_note = $3 \
             WHERE meeting_id = $4 AND position = $5",
        )
        .bind(by.at_us())
        .bind(&by.username)
        .bind(&note)
        .bind(meeting_id)
        .bind(position)
        .execute(&mut *tx)
        .await?;
        append_audit(&mut tx, by, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// See [`BoardStore::meeting`].
    async fn read_meeting(&self, id: i64) -> StoreResult<Option<Meeting>> {
        let found = sqlx::query(&format!(
            "SELECT {} FROM meetings WHERE id = $1",
            rows::MEETING_COLUMNS
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let found: Vec<PgRow> = found.into_iter().collect();
        Ok(meetings_whole(&self.pool, &found).await?.pop())
    }
}

#[async_trait]
impl BoardStore for Postgres {
    #[tracing::instrument(skip_all)]
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>> {
        self.read_boards(county).await
    }

    #[tracing::instrument(skip_all)]
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>> {
        self.read_board(code).await
    }

    #[tracing::instrument(skip_all)]
    async fn add_board_member(
        &self,
        board: &str,
        national_id: &str,
        role: BoardRole,
        term: (time::Date, Option<time::Date>),
        by: &Actor,
    ) -> StoreResult<BoardMember> {
        // As with posts: a unique violation means a writer that skipped the lock won a race;
        // the next attempt reads its row and refuses.
        retry(
            Unique::Retry {
                entity: Entity::BoardMember,
                key: national_id,
            },
            || self.try_add_board_member(board, national_id, role, term, by),
        )
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>> {
        retry(Unique::Fail, || {
            self.try_remove_board_member(board, national_id, by)
        })
        .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64> {
        retry(Unique::Fail, || self.try_record_meeting(meeting, by)).await
    }

    #[tracing::instrument(skip_all)]
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>> {
        self.read_meetings(board).await
    }

    #[tracing::instrument(skip_all)]
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>> {
        self.read_meeting(id).await
    }

    #[tracing::instrument(skip_all)]
    async fn complete_decision(
        &self,
        meeting_id: i64,
        position: i64,
        note: &str,
        by: &Actor,
    ) -> StoreResult<Meeting> {
        retry(Unique::Fail, || {
            self.try_complete_decision(meeting_id, position, note, by)
        })
        .await?;
        self.read_meeting(meeting_id)
            .await?
            .ok_or(StoreError::not_found(Entity::Meeting))
    }
}
