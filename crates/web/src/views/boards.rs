//! Board pages: members, vacancies, appointments, meetings, and printable minutes. The use
//! cases are `app::boards`, as for the API.

use crate::download::{Cell, Sheet};
use crate::views::OnPage;
use crate::views::{
    answer_form, breaks_a_rule, breaks_a_rule_or_names_nothing, page_error, redirect, render,
    render_status, Layout, PageResult, Refused, Visit,
};
use crate::{ApiError, AppState};
use app::boards::{Appointment, DecisionForm, MeetingForm, Presence, VisibleBoard};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::access::Action;
use domain::boards::BoardRole;
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;

pub struct MemberRow {
    pub national_id: String,
    pub national_id_fa: String,
    pub name: String,
    pub role: &'static str,
    pub term: String,
}

pub struct MeetingRow {
    pub id: i64,
    pub held_at: String,
    pub agenda: String,
    pub decisions: String,
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    layout: Layout,
    code: String,
    title: String,
    members: Vec<MemberRow>,
    vacancies: Vec<String>,
    status: String,
    complete: bool,
    roles: Vec<(&'static str, &'static str)>,
    can_manage: bool,
    can_record: bool,
    meetings: Vec<MeetingRow>,
    error: Option<String>,
    notice: Option<String>,
}

/// The Persian title of a board: its kind and, for a county board, the county's name.
async fn board_title(
    state: &AppState,
    kind: domain::boards::BoardKind,
    county: Option<&str>,
) -> Result<String, ApiError> {
    Ok(match county {
        Some(c) => {
            let name = match state.app.lookups().county(c).await {
                Ok(summary) => summary.county.name,
                Err(app::Error::NotFound(_)) => String::new(),
                Err(e) => return Err(e.into()),
            };
            format!("{} {name}", kind.persian())
        }
        None => format!("{} کرمان", kind.persian()),
    })
}

/// The board's page, with the reason its form was refused, if it was.
async fn board_page(visit: &Visit, code: &str, refused: Option<Refused>) -> PageResult {
    let here = format!("/boards/{code}");
    let (status, error) = Refused::shown(refused);
    let boards = visit.app().boards();
    let VisibleBoard {
        kind,
        county,
        board,
    } = boards
        .board(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let vacancies = domain::boards::vacancies(kind, &board.members);
    let meetings = boards.meetings(visit.principal(), code).await?;
    let full = board
        .members
        .iter()
        .filter(|m| m.role != BoardRole::Alternate)
        .count();
    let page = BoardPage {
        layout: visit.layout(
            board_title(&visit.state, kind, county.as_deref()).await?,
            &here,
        ),
        title: board_title(&visit.state, kind, county.as_deref()).await?,
        code: code.to_owned(),
        members: board
            .members
            .iter()
            .map(|m| MemberRow {
                national_id: m.national_id.clone(),
                national_id_fa: persian_digits(&m.national_id),
                name: format!("{} {}", m.first_name, m.last_name),
                role: m.role.persian(),
                term: match m.term_end {
                    Some(end) => format!(
                        "{} تا {}",
                        jalali_numeric(m.term_start),
                        jalali_numeric(end)
                    ),
                    None => format!("از {}", jalali_numeric(m.term_start)),
                },
            })
            .collect(),
        status: format!(
            "{} از {} عضو اصلی",
            persian_number(full as i64),
            persian_number(kind.size() as i64)
        ),
        complete: vacancies.is_empty(),
        vacancies: vacancies
            .iter()
            .map(|(r, n)| format!("{}: {}", r.persian(), persian_number(*n as i64)))
            .collect(),
        roles: kind
            .seats()
            .iter()
            .map(|(r, _)| (r.as_str(), r.persian()))
            .collect(),
        can_manage: app::allows(
            visit.principal(),
            Action::ManageBoard {
                kind,
                county: county.as_deref(),
            },
        ),
        can_record: app::allows(
            visit.principal(),
            Action::RecordMeeting {
                kind,
                county: county.as_deref(),
            },
        ),
        meetings: meetings
            .iter()
            .map(|m| MeetingRow {
                id: m.id,
                held_at: jalali_datetime(m.held_at),
                agenda: m.agenda.clone(),
                decisions: persian_number(m.decisions.len() as i64),
            })
            .collect(),
        error,
        notice: None,
    };
    render_status(status, &page)
}

pub async fn show(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    board_page(&visit, &code, None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct AppointForm {
    national_id: String,
    role: String,
    #[serde(default)]
    term_start: String,
    #[serde(default)]
    term_end: String,
}

/// The appointment form: a refusal shows its Persian reason on the board's page.
pub async fn appoint(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<AppointForm>>,
) -> PageResult {
    let here = format!("/boards/{code}");
    let outcome = match BoardRole::parse(&form.role) {
        Some(role) => {
            let appointment = Appointment {
                national_id: &form.national_id,
                role,
                term_start: Some(&form.term_start),
                term_end: Some(&form.term_end),
            };
            visit
                .app()
                .boards()
                .appoint(visit.principal(), &code, appointment)
                .await
                .map(drop)
        }
        None => Err(app::Error::invalid("role", "سمت را انتخاب کنید")),
    };
    let done = |()| format!("{here}?done=1");
    let again = |refused| board_page(&visit, &code, Some(refused));
    answer_form(outcome, &here, breaks_a_rule_or_names_nothing, done, again).await
}

pub async fn remove(
    visit: Visit,
    OnPage(Path((code, national_id))): OnPage<Path<(String, String)>>,
) -> PageResult {
    let here = format!("/boards/{code}");
    visit
        .app()
        .boards()
        .remove(visit.principal(), &code, &national_id)
        .await
        .map_err(|e| page_error(e, &here))?;
    Ok(redirect(&here))
}

/// The meeting form: repeated fields (`present`, `decision_text`, …) come as pairs.
pub async fn record(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(fields)): OnPage<Form<Vec<(String, String)>>>,
) -> PageResult {
    let here = format!("/boards/{code}");
    let one = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let all = |name: &str| {
        fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect::<Vec<_>>()
    };
    let form = MeetingForm {
        held_at: one("held_at"),
        agenda: one("agenda"),
        minutes: one("minutes"),
        presence: Presence::Present(all("present")),
        decisions: all("decision_text")
            .into_iter()
            .zip(all("decision_owner"))
            .zip(all("decision_due"))
            .filter(|((text, _), _)| !text.is_empty())
            .map(|((text, owner), due_on)| DecisionForm {
                text,
                owner,
                due_on,
            })
            .collect(),
    };
    let boards = visit.app().boards();
    let outcome = boards.record_meeting(visit.principal(), &code, form).await;
    let done = |id| format!("/meetings/{id}");
    let again = |refused| board_page(&visit, &code, Some(refused));
    answer_form(outcome, &here, breaks_a_rule, done, again).await
}

pub struct AttendanceRow {
    pub name: String,
    pub role: &'static str,
    pub present: bool,
}

pub struct DecisionRow {
    pub number: String,
    pub text: String,
    pub owner: String,
    pub due: String,
    /// Its place in the list (from 0), for the form that marks it done.
    pub position: usize,
    /// Once done: when, by whom, and what was done.
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "minutes.html")]
struct MinutesPage {
    layout: Layout,
    letterhead: crate::views::Letterhead,
    board_code: String,
    title: String,
    number: String,
    held_at: String,
    agenda: String,
    minutes: String,
    attendance: Vec<AttendanceRow>,
    decisions: Vec<DecisionRow>,
    /// Whether the visitor may mark a decision done (who records the board's meetings).
    can_complete: bool,
    meeting_id: i64,
    notice: Option<String>,
    error: Option<String>,
}

/// `/meetings/{id}`: the printable minutes (صورتجلسه) of a meeting.
pub async fn minutes(
    visit: Visit,
    OnPage(Path(id)): OnPage<Path<i64>>,
    OnPage(Query(q)): OnPage<Query<crate::views::DoneQuery>>,
) -> PageResult {
    let notice = q.done.map(|_| "انجام مصوبه ثبت شد.".to_owned());
    minutes_page(&visit, id, notice, None).await
}

async fn minutes_page(
    visit: &Visit,
    id: i64,
    notice: Option<String>,
    error: Option<String>,
) -> PageResult {
    let here = format!("/meetings/{id}");
    let boards = visit.app().boards();
    let meeting = boards
        .meeting(visit.principal(), id)
        .await
        .map_err(|e| page_error(e, &here))?;
    let VisibleBoard {
        kind,
        county,
        board,
    } = boards.board(visit.principal(), &meeting.board).await?;
    let title = board_title(&visit.state, kind, county.as_deref()).await?;
    let letterhead = crate::views::Letterhead::new(visit, county.as_deref())
        .await
        .map_err(|e| page_error(e, &here))?;
    let attendance = meeting
        .attendance
        .iter()
        .map(|a| {
            let member = board
                .members
                .iter()
                .find(|m| m.national_id == a.national_id);
            AttendanceRow {
                name: member.map_or_else(
                    || persian_digits(&a.national_id),
                    |m| format!("{} {}", m.first_name, m.last_name),
                ),
                role: member.map_or("", |m| m.role.persian()),
                present: a.present,
            }
        })
        .collect();
    render(&MinutesPage {
        layout: visit.layout(format!("صورتجلسه {title}"), &here),
        letterhead,
        board_code: meeting.board.clone(),
        number: persian_number(meeting.id),
        held_at: domain::calendar::jalali_long_datetime(meeting.held_at),
        agenda: meeting.agenda.clone(),
        minutes: meeting.minutes.clone(),
        decisions: meeting
            .decisions
            .iter()
            .enumerate()
            .map(|(i, d)| DecisionRow {
                number: persian_number(i as i64 + 1),
                text: d.text.clone(),
                owner: d.owner.clone(),
                due: jalali_numeric(d.due_on),
                position: i,
                done: d.done.as_ref().map(|done| {
                    let when = jalali_numeric(domain::security::tehran_date(done.at));
                    if done.note.is_empty() {
                        format!("انجام شد ({when}، {})", persian_digits(&done.by))
                    } else {
                        format!(
                            "انجام شد ({when}، {}): {}",
                            persian_digits(&done.by),
                            done.note
                        )
                    }
                }),
            })
            .collect(),
        can_complete: app::allows(
            visit.principal(),
            Action::RecordMeeting {
                kind,
                county: county.as_deref(),
            },
        ),
        meeting_id: meeting.id,
        notice,
        error,
        attendance,
        title,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionDoneForm {
    #[serde(default)]
    note: String,
}

/// `POST /meetings/{id}/decisions/{position}/done`: marks a decision done, back to the minutes.
pub async fn complete_decision(
    visit: Visit,
    OnPage(Path((id, position))): OnPage<Path<(i64, i64)>>,
    OnPage(Form(form)): OnPage<Form<DecisionDoneForm>>,
) -> PageResult {
    let here = format!("/meetings/{id}");
    let outcome = visit
        .app()
        .boards()
        .complete_decision(visit.principal(), id, position, &form.note)
        .await;
    crate::views::answer_form(
        outcome,
        &here,
        crate::views::breaks_a_rule,
        |_| format!("{here}?done=decision"),
        |refused| minutes_page(&visit, id, None, Some(refused.reason)),
    )
    .await
}

/// `GET /boards/{code}/members.xlsx`: the board's members as its page lists them, for those who
/// see the board, as an Excel file.
pub async fn members_xlsx(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/boards/{code}");
    let VisibleBoard {
        kind,
        county,
        board,
    } = visit
        .app()
        .boards()
        .board(visit.principal(), &code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let title = board_title(&visit.state, kind, county.as_deref()).await?;
    let rows = board
        .members
        .iter()
        .map(|m| {
            vec![
                Cell::text(title.as_str()),
                Cell::text(m.role.persian()),
                Cell::code(&m.national_id),
                Cell::text(m.first_name.as_str()),
                Cell::text(m.last_name.as_str()),
                Cell::text(jalali_numeric(m.term_start)),
                m.term_end
                    .map_or(Cell::Empty, |end| Cell::text(jalali_numeric(end))),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "اعضای هیأت",
        header: &[
            "هیأت",
            "سمت",
            "کد ملی",
            "نام",
            "نام خانوادگی",
            "آغاز دوره",
            "پایان دوره",
        ],
        rows,
    };
    Ok(sheet.download(&format!("board-{code}"))?)
}
