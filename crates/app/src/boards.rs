//! The boards: appointing and removing members (the HQ forms every board, a governor their
//! county's), and recording a board's meeting (its managers, and the board's own members).

use crate::lookups::{board_access, visible};
use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::boards::{Attendance, BoardKind, BoardMember, BoardRole, Decision, Meeting};
use domain::ids::NationalId;
use store::{BoardStore, BoardWithMembers};

#[derive(Clone, Copy)]
pub struct Boards<'a> {
    pub(crate) boards: &'a dyn BoardStore,
    pub(crate) ctx: Context<'a>,
}

/// A board the principal may see, with its kind and county.
pub struct VisibleBoard {
    pub kind: BoardKind,
    pub county: Option<String>,
    pub board: BoardWithMembers,
}

/// An appointment as typed: the person's national id, the seat, and the term (Jalali or ISO
/// dates; the term starts today when left empty).
#[derive(Debug, Clone)]
pub struct Appointment<'a> {
    pub national_id: &'a str,
    pub role: BoardRole,
    pub term_start: Option<&'a str>,
    pub term_end: Option<&'a str>,
}

/// Who attended a meeting: each member's presence as given, or the national ids of those
/// present (every other member of the board is recorded absent).
#[derive(Debug, Clone)]
pub enum Presence {
    Given(Vec<Attendance>),
    Present(Vec<String>),
}

/// A decision as typed; its due date Jalali or ISO.
#[derive(Debug, Clone)]
pub struct DecisionForm {
    pub text: String,
    pub owner: String,
    pub due_on: String,
}

/// A meeting as typed: when (Jalali date and Tehran time, or RFC 3339), its agenda, minutes,
/// attendance and decisions.
#[derive(Debug, Clone)]
pub struct MeetingForm {
    pub held_at: String,
    pub agenda: String,
    pub minutes: String,
    pub presence: Presence,
    pub decisions: Vec<DecisionForm>,
}

/// The principal, if they may see the board and appoint or remove its members.
fn manages<'p>(principal: Option<&'p Principal>, code: &str) -> Result<&'p Principal> {
    let (kind, county) = board_access(principal, code)?;
    authorize(
        principal,
        Action::ManageBoard {
            kind,
            county: county.as_deref(),
        },
    )
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

impl Boards<'_> {
    /// The boards of the county asked for (confined by [`crate::lookups::list_county`]), or
    /// province-wide the province board and every county's: each one the principal may see
    /// ([`board_access`]; a county's executive board does not see who sits on its security
    /// council).
    pub async fn list(
        self,
        principal: Option<&Principal>,
        county: Option<String>,
    ) -> Result<Vec<BoardWithMembers>> {
        let county = crate::lookups::list_county(principal, county)?;
        let mut boards = self.boards.boards(county.as_deref()).await?;
        boards.retain(|b| board_access(principal, &b.board.code).is_ok());
        Ok(boards)
    }

    /// A board the principal may see.
    pub async fn board(self, principal: Option<&Principal>, code: &str) -> Result<VisibleBoard> {
        let (kind, county) = board_access(principal, code)?;
        let board = self
            .boards
            .board(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Board))?;
        Ok(VisibleBoard {
            kind,
            county,
            board,
        })
    }

    /// A meeting the principal may see (its board's).
    pub async fn meeting(self, principal: Option<&Principal>, id: i64) -> Result<Meeting> {
        visible(
            principal,
            store::Entity::Meeting,
            self.boards.meeting(id),
            |meeting| board_access(principal, &meeting.board).map(drop),
        )
        .await
    }

    /// Marks decision `position` (from 0) of a meeting done, with what was done
    /// (`board.decision_done`): whoever records the board's meetings.
    pub async fn complete_decision(
        self,
        principal: Option<&Principal>,
        meeting_id: i64,
        position: i64,
        note: &str,
    ) -> Result<Meeting> {
        let meeting = self.meeting(principal, meeting_id).await?;
        let (kind, county) = board_access(principal, &meeting.board)?;
        let p = authorize(
            principal,
            Action::RecordMeeting {
                kind,
                county: county.as_deref(),
            },
        )?;
        Ok(self
            .boards
            .complete_decision(meeting_id, position, note, &self.ctx.actor(p))
            .await?)
    }

    /// A board's meetings, newest first.
    pub async fn meetings(self, principal: Option<&Principal>, code: &str) -> Result<Vec<Meeting>> {
        board_access(principal, code)?;
        Ok(self.boards.meetings(code).await?)
    }

    /// Appoints a member (`board.member_add`) after the boards' rules approve it.
    pub async fn appoint(
        self,
        principal: Option<&Principal>,
        code: &str,
        appointment: Appointment<'_>,
    ) -> Result<BoardMember> {
        let p = manages(principal, code)?;
        let id = NationalId::parse(appointment.national_id)?;
        let by = self.ctx.actor(p);
        let term_start = match non_empty(appointment.term_start) {
            Some(s) => domain::calendar::parse_date(s)?,
            None => by.at.to_offset(domain::calendar::TEHRAN).date(),
        };
        let term_end = non_empty(appointment.term_end)
            .map(domain::calendar::parse_date)
            .transpose()?;
        Ok(self
            .boards
            .add_board_member(
                code,
                id.as_str(),
                appointment.role,
                (term_start, term_end),
                &by,
            )
            .await?)
    }

    /// Removes a member (`board.member_remove`); who was removed, if anyone.
    pub async fn remove(
        self,
        principal: Option<&Principal>,
        code: &str,
        national_id: &str,
    ) -> Result<Option<BoardMember>> {
        let p = manages(principal, code)?;
        let id = NationalId::parse(national_id)?;
        Ok(self
            .boards
            .remove_board_member(code, id.as_str(), &self.ctx.actor(p))
            .await?)
    }

    /// Records a meeting of the board (`board.meeting`) and returns its id.
    pub async fn record_meeting(
        self,
        principal: Option<&Principal>,
        code: &str,
        form: MeetingForm,
    ) -> Result<i64> {
        let (kind, county) = board_access(principal, code)?;
        let p = authorize(
            principal,
            Action::RecordMeeting {
                kind,
                county: county.as_deref(),
            },
        )?;
        let attendance = match form.presence {
            Presence::Given(attendance) => attendance,
            Presence::Present(present) => self
                .boards
                .board(code)
                .await?
                .ok_or(Error::NotFound(store::Entity::Board))?
                .members
                .iter()
                .map(|m| Attendance {
                    national_id: m.national_id.clone(),
                    present: present.contains(&m.national_id),
                })
                .collect(),
        };
        let decisions = form
            .decisions
            .into_iter()
            .map(|d| {
                Ok(Decision {
                    text: d.text.trim().to_owned(),
                    owner: d.owner.trim().to_owned(),
                    due_on: domain::calendar::parse_date(&d.due_on)?,
                    done: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let meeting = Meeting {
            id: 0,
            board: code.to_owned(),
            held_at: domain::calendar::parse_instant(&form.held_at)?,
            agenda: form.agenda.trim().to_owned(),
            minutes: form.minutes.trim().to_owned(),
            attendance,
            decisions,
        };
        Ok(self
            .boards
            .record_meeting(&meeting, &self.ctx.actor(p))
            .await?)
    }
}
