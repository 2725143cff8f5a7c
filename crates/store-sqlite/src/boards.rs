//! Boards, their members and their meetings on SQLite.
//!
//! Boards are not rows: a code names a board when `parse_board_code` reads it and, for a county
//! board, the county exists. Members and meetings hang off the code.

use crate::chain::append_audit;
use crate::db::{db_err, repeated_or, Sqlite};
use crate::sql::{all, bad_row, grouped, iso_date, parse_date};
use async_trait::async_trait;
use domain::boards::{
    board_code, check_membership, parse_board_code, Attendance, Board, BoardKind, BoardMember,
    BoardRole, Decision, Meeting,
};
use domain::clock::{from_micros, to_micros};
use domain::demo::DemoBoardMember;
use domain::ids::NationalId;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use store::boards::{meeting_recorded, member_added, member_removed};
use store::{Actor, BoardStore, BoardWithMembers, Entity, Refusal, StoreError, StoreResult};

fn role_from(s: &str) -> rusqlite::Result<BoardRole> {
    BoardRole::parse(s).ok_or_else(|| bad_row("role"))
}

/// Columns of a member row: `board_members m JOIN people p`.
const MEMBER_COLUMNS: &str =
    "m.board_code, m.national_id, p.first_name, p.last_name, m.role, m.term_start, m.term_end";

fn member_from_row(r: &Row<'_>) -> rusqlite::Result<BoardMember> {
    let role: String = r.get(4)?;
    let start: String = r.get(5)?;
    let end: Option<String> = r.get(6)?;
    Ok(BoardMember {
        board: r.get(0)?,
        national_id: r.get(1)?,
        first_name: r.get(2)?,
        last_name: r.get(3)?,
        role: role_from(&role)?,
        term_start: parse_date(&start)?,
        term_end: end.as_deref().map(parse_date).transpose()?,
    })
}

/// Role (in `BoardRole::ALL` order), then last name, first name, national id.
fn sort_members(members: &mut [BoardMember]) {
    members.sort_by(|a, b| {
        (a.role, &a.last_name, &a.first_name, &a.national_id).cmp(&(
            b.role,
            &b.last_name,
            &b.first_name,
            &b.national_id,
        ))
    });
}

fn county_exists(conn: &Connection, county: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT EXISTS(SELECT 1 FROM counties WHERE code = ?1)")
        .map_err(db_err)?
        .query_row([county], |r| r.get(0))
        .map_err(db_err)
}

/// The board a code names, if any.
fn find_board(conn: &Connection, code: &str) -> StoreResult<Option<Board>> {
    let Some((kind, county)) = parse_board_code(code) else {
        return Ok(None);
    };
    if let Some(c) = &county {
        if !county_exists(conn, c)? {
            return Ok(None);
        }
    }
    Ok(Some(Board {
        code: code.to_owned(),
        kind,
        county,
    }))
}

fn members_of(conn: &Connection, code: &str) -> StoreResult<Vec<BoardMember>> {
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLUMNS} FROM board_members m
             JOIN people p ON p.national_id = m.national_id WHERE m.board_code = ?1"
        ))
        .map_err(db_err)?;
    let mut members = all(&mut s, [code], member_from_row)?;
    sort_members(&mut members);
    Ok(members)
}

pub(crate) fn board(conn: &Connection, code: &str) -> StoreResult<Option<BoardWithMembers>> {
    let Some(board) = find_board(conn, code)? else {
        return Ok(None);
    };
    let members = members_of(conn, code)?;
    Ok(Some(BoardWithMembers { board, members }))
}

pub(crate) fn boards(
    conn: &Connection,
    county: Option<&str>,
) -> StoreResult<Vec<BoardWithMembers>> {
    let mut list = Vec::new();
    let counties: Vec<String> = if let Some(c) = county {
        if !county_exists(conn, c)? {
            return Ok(Vec::new());
        }
        vec![c.to_owned()]
    } else {
        list.push(Board {
            code: board_code(BoardKind::ProvinceInspection, None),
            kind: BoardKind::ProvinceInspection,
            county: None,
        });
        let mut s = conn
            .prepare_cached("SELECT code FROM counties ORDER BY code")
            .map_err(db_err)?;
        all(&mut s, [], |r| r.get(0))?
    };
    for c in counties {
        for kind in [
            BoardKind::CountyInspection,
            BoardKind::CountyExecutive,
            BoardKind::CountySecurity,
        ] {
            list.push(Board {
                code: board_code(kind, Some(&c)),
                kind,
                county: Some(c.clone()),
            });
        }
    }
    // Every member of these boards in one query, grouped here.
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT {MEMBER_COLUMNS} FROM board_members m
             JOIN people p ON p.national_id = m.national_id
             WHERE ?1 IS NULL OR m.county_code = ?1"
        ))
        .map_err(db_err)?;
    let mut by_board = grouped(all(&mut s, [county], |r| {
        let m = member_from_row(r)?;
        Ok((m.board.clone(), m))
    })?);
    Ok(list
        .into_iter()
        .map(|board| {
            let mut members = by_board.remove(&board.code).unwrap_or_default();
            sort_members(&mut members);
            BoardWithMembers { board, members }
        })
        .collect())
}

fn insert_member(
    tx: &Transaction<'_>,
    board: &Board,
    national_id: &str,
    role: BoardRole,
    term: (time::Date, Option<time::Date>),
    by: &Actor,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO board_members (board_code, kind, county_code, national_id, role, term_start, term_end, appointed_at_us, appointed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .map_err(db_err)?
    .execute(params![
        board.code,
        board.kind.as_str(),
        board.county,
        national_id,
        role.as_str(),
        iso_date(term.0),
        term.1.map(iso_date),
        by.at_us(),
        by.username,
    ])
    .map_err(db_err)?;
    Ok(())
}

pub(crate) fn add_member(
    tx: &Transaction<'_>,
    code: &str,
    national_id: &str,
    role: BoardRole,
    term: (time::Date, Option<time::Date>),
    by: &Actor,
) -> StoreResult<BoardMember> {
    let board = find_board(tx, code)?.ok_or(StoreError::not_found(Entity::Board))?;
    let (first_name, last_name): (String, String) = tx
        .prepare_cached("SELECT first_name, last_name FROM people WHERE national_id = ?1")
        .map_err(db_err)?
        .query_row([national_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?
        .ok_or(StoreError::not_found(Entity::Person))?;
    let id = NationalId::parse(national_id)?;
    let members = members_of(tx, code)?;
    check_membership(board.kind, role, &id, term, &members).map_err(StoreError::from)?;
    insert_member(tx, &board, id.as_str(), role, term, by)?;
    append_audit(tx, by, &member_added(code, id.as_str(), role, term))?;
    Ok(BoardMember {
        board: board.code,
        national_id: id.as_str().to_owned(),
        first_name,
        last_name,
        role,
        term_start: term.0,
        term_end: term.1,
    })
}

pub(crate) fn remove_member(
    tx: &Transaction<'_>,
    code: &str,
    national_id: &str,
    by: &Actor,
) -> StoreResult<Option<BoardMember>> {
    let removed: Option<(String, String, Option<String>)> = tx
        .prepare_cached(
            "DELETE FROM board_members WHERE board_code = ?1 AND national_id = ?2
             RETURNING role, term_start, term_end",
        )
        .map_err(db_err)?
        .query_row([code, national_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(db_err)?;
    let Some((role, start, end)) = removed else {
        return Ok(None);
    };
    let (first_name, last_name): (String, String) = tx
        .prepare_cached("SELECT first_name, last_name FROM people WHERE national_id = ?1")
        .map_err(db_err)?
        .query_row([national_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(db_err)?
        .ok_or_else(|| {
            StoreError::Corrupt(format!("board member {national_id} is not a person"))
        })?;
    let role = role_from(&role).map_err(db_err)?;
    append_audit(tx, by, &member_removed(code, national_id, role))?;
    Ok(Some(BoardMember {
        board: code.to_owned(),
        national_id: national_id.to_owned(),
        first_name,
        last_name,
        role,
        term_start: parse_date(&start).map_err(db_err)?,
        term_end: end.as_deref().map(parse_date).transpose().map_err(db_err)?,
    }))
}

/// The demo's boards, in the province load's transaction: appointed on the day of loading,
/// with no end to their term.
pub(crate) fn write_demo(
    tx: &Transaction<'_>,
    members: &[DemoBoardMember],
    by: &Actor,
) -> StoreResult<()> {
    let start = by.at.to_offset(time::UtcOffset::UTC).date();
    for m in members {
        let (kind, county) = parse_board_code(&m.board).ok_or_else(|| Refusal::UnknownBoard {
            board: m.board.clone(),
        })?;
        let board = Board {
            code: m.board.clone(),
            kind,
            county,
        };
        insert_member(
            tx,
            &board,
            m.national_id.as_str(),
            m.role,
            (start, None),
            by,
        )?;
    }
    Ok(())
}

/// The demo's council meetings (issue 16), after its boards: each checked as `record_meeting`
/// checks it, with no audit record of its own (the load's counts the demo); their ids in order.
pub(crate) fn write_demo_meetings(
    tx: &Transaction<'_>,
    meetings: &[Meeting],
    by: &Actor,
) -> StoreResult<Vec<i64>> {
    meetings
        .iter()
        .map(|m| {
            find_board(tx, &m.board)?.ok_or(StoreError::not_found(Entity::Board))?;
            m.validate(&members_of(tx, &m.board)?)?;
            insert_meeting(tx, m, by)
        })
        .collect()
}

pub(crate) fn record_meeting(tx: &Transaction<'_>, m: &Meeting, by: &Actor) -> StoreResult<i64> {
    find_board(tx, &m.board)?.ok_or(StoreError::not_found(Entity::Board))?;
    let members = members_of(tx, &m.board)?;
    m.validate(&members)?;
    let id = insert_meeting(tx, m, by)?;
    append_audit(tx, by, &meeting_recorded(m, id))?;
    Ok(id)
}

/// Writes a meeting validated by the caller, with its attendance and decisions (no audit
/// record: `record_meeting`'s, or the demo load's).
fn insert_meeting(tx: &Transaction<'_>, m: &Meeting, by: &Actor) -> StoreResult<i64> {
    let held_at_us = to_micros(m.held_at);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO meetings (board_code, held_at_us, agenda, minutes, recorded_at_us, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )
        .map_err(db_err)?
        .query_row(
            params![
                m.board,
                held_at_us,
                m.agenda,
                m.minutes,
                by.at_us(),
                by.username
            ],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    {
        let mut s = tx
            .prepare_cached(
                "INSERT INTO meeting_attendance (meeting_id, national_id, present) VALUES (?1, ?2, ?3)",
            )
            .map_err(db_err)?;
        for a in &m.attendance {
            s.execute(params![id, a.national_id, a.present])
                .map_err(|e| repeated_or(e, Entity::Person, &a.national_id))?;
        }
        let mut s = tx
            .prepare_cached(
                "INSERT INTO meeting_decisions (meeting_id, position, text, owner, due_on) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(db_err)?;
        for (i, d) in m.decisions.iter().enumerate() {
            s.execute(params![id, i as i64, d.text, d.owner, iso_date(d.due_on)])
                .map_err(db_err)?;
        }
    }
    Ok(id)
}

const MEETING_COLUMNS: &str = "id, board_code, held_at_us, agenda, minutes";

fn meeting_from_row(r: &Row<'_>) -> rusqlite::Result<Meeting> {
    Ok(Meeting {
        id: r.get(0)?,
        board: r.get(1)?,
        held_at: from_micros(r.get(2)?),
        agenda: r.get(3)?,
        minutes: r.get(4)?,
        attendance: Vec::new(),
        decisions: Vec::new(),
    })
}

/// Fills in attendance (by national id) and decisions (by position) of meetings selected by
/// `filter`, a condition on `mt` (the meetings table) with `?1` as its only parameter: one
/// query each, however many meetings.
fn attach_details(
    conn: &Connection,
    meetings: &mut [Meeting],
    filter: &str,
    param: &dyn rusqlite::ToSql,
) -> StoreResult<()> {
    if meetings.is_empty() {
        return Ok(());
    }
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT a.meeting_id, a.national_id, a.present FROM meeting_attendance a
             JOIN meetings mt ON mt.id = a.meeting_id WHERE {filter}
             ORDER BY a.meeting_id, a.national_id"
        ))
        .map_err(db_err)?;
    let mut attendance = grouped(all(&mut s, [param], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Attendance {
                national_id: r.get(1)?,
                present: r.get(2)?,
            },
        ))
    })?);
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT d.meeting_id, d.text, d.owner, d.due_on, d.done_at_us, d.done_by, d.done_note
             FROM meeting_decisions d
             JOIN meetings mt ON mt.id = d.meeting_id WHERE {filter}
             ORDER BY d.meeting_id, d.position"
        ))
        .map_err(db_err)?;
    let mut decisions = grouped(all(&mut s, [param], |r| {
        let due: String = r.get(3)?;
        Ok((
            r.get::<_, i64>(0)?,
            Decision {
                text: r.get(1)?,
                owner: r.get(2)?,
                due_on: parse_date(&due)?,
                done: store::boards::done_of(r.get(4)?, r.get(5)?, r.get(6)?),
            },
        ))
    })?);
    for m in meetings {
        m.attendance = attendance.remove(&m.id).unwrap_or_default();
        m.decisions = decisions.remove(&m.id).unwrap_or_default();
    }
    Ok(())
}

pub(crate) fn meetings(conn: &Connection, code: &str) -> StoreResult<Vec<Meeting>> {
    let mut s = conn
        .prepare_cached(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE board_code = ?1
             ORDER BY held_at_us DESC, id DESC"
        ))
        .map_err(db_err)?;
    let mut list = all(&mut s, [code], meeting_from_row)?;
    attach_details(conn, &mut list, "mt.board_code = ?1", &code)?;
    Ok(list)
}

pub(crate) fn meeting(conn: &Connection, id: i64) -> StoreResult<Option<Meeting>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {MEETING_COLUMNS} FROM meetings WHERE id = ?1"
        ))
        .map_err(db_err)?
        .query_row([id], meeting_from_row)
        .optional()
        .map_err(db_err)?;
    let Some(mut m) = found else {
        return Ok(None);
    };
    attach_details(conn, std::slice::from_mut(&mut m), "mt.id = ?1", &id)?;
    Ok(Some(m))
}

fn complete_decision(
    tx: &Transaction<'_>,
    meeting_id: i64,
    position: i64,
    note: &str,
    by: &Actor,
) -> StoreResult<Meeting> {
    let found: Option<(String, Decision)> = tx
        .prepare_cached(
            "SELECT mt.board_code, d.text, d.owner, d.due_on, d.done_at_us, d.done_by, d.done_note
             FROM meeting_decisions d JOIN meetings mt ON mt.id = d.meeting_id
             WHERE d.meeting_id = ?1 AND d.position = ?2",
        )
        .map_err(db_err)?
        .query_row(params![meeting_id, position], |r| {
            let due: String = r.get(3)?;
            Ok((
                r.get(0)?,
                Decision {
                    text: r.get(1)?,
                    owner: r.get(2)?,
                    due_on: parse_date(&due)?,
                    done: store::boards::done_of(r.get(4)?, r.get(5)?, r.get(6)?),
                },
            ))
        })
        .optional()
        .map_err(db_err)?;
    let board = found.as_ref().map_or("", |(b, _)| b.as_str()).to_owned();
    let (note, entry) = store::boards::decision_done(
        &board,
        meeting_id,
        position,
        found.as_ref().map(|(_, d)| d),
        note,
    )?;
    tx.prepare_cached(
        "UPDATE meeting_decisions SET done_at_us = ?1, done_by = ?2, done_note = ?3
         WHERE meeting_id = ?4 AND position = ?5",
    )
    .map_err(db_err)?
    .execute(params![by.at_us(), by.username, note, meeting_id, position])
    .map_err(db_err)?;
    append_audit(tx, by, &entry)?;
    meeting(tx, meeting_id)?.ok_or(StoreError::not_found(Entity::Meeting))
}

#[async_trait]
impl BoardStore for Sqlite {
    #[tracing::instrument(skip_all)]
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>> {
        let county = county.map(str::to_owned);
        self.read(move |c| boards(c, county.as_deref())).await
    }

    #[tracing::instrument(skip_all)]
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>> {
        let code = code.to_owned();
        self.read(move |c| board(c, &code)).await
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
        let (board, id, by) = (board.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| add_member(tx, &board, &id, role, term, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>> {
        let (board, id, by) = (board.to_owned(), national_id.to_owned(), by.clone());
        self.write(move |tx| remove_member(tx, &board, &id, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64> {
        let (meeting, by) = (meeting.clone(), by.clone());
        self.write(move |tx| record_meeting(tx, &meeting, &by))
            .await
    }

    #[tracing::instrument(skip_all)]
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>> {
        let board = board.to_owned();
        self.read(move |c| meetings(c, &board)).await
    }

    #[tracing::instrument(skip_all)]
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>> {
        self.read(move |c| meeting(c, id)).await
    }

    #[tracing::instrument(skip_all)]
    async fn complete_decision(
        &self,
        meeting_id: i64,
        position: i64,
        note: &str,
        by: &Actor,
    ) -> StoreResult<Meeting> {
        let (note, by) = (note.to_owned(), by.clone());
        self.write(move |tx| complete_decision(tx, meeting_id, position, &note, &by))
            .await
    }
}
