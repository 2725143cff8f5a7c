//! Boards: the province inspection board (5), each county's inspection board (3: a head and
//! two members, chosen through the governor) and executive board (11: the governor as chair,
//! the judiciary's representative, the head of civil registration and 8 trusted local people,
//! plus 5 alternates) — DESIGN §8, Boards. Their meetings keep an agenda, attendance, minutes
//! and decisions, each decision with an owner and a due date.

use crate::ids::NationalId;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BoardKind {
    ProvinceInspection,
    CountyInspection,
    CountyExecutive,
    /// The county security council (شورای تأمین شهرستان, issue 16): the governor as chair,
    /// the police, intelligence, judiciary and IRGC representatives; it approves the sensitive
    /// stations' security plans.
    CountySecurity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BoardRole {
    /// The executive board's chair: the governor.
    Chair,
    /// An inspection board's head.
    Head,
    JudiciaryRep,
    CivilRegistrationHead,
    /// The county's police commander (the security council).
    PoliceRep,
    /// The intelligence ministry's representative (the security council).
    IntelligenceRep,
    /// The IRGC's representative (the security council).
    IrgcRep,
    /// A trusted local person on the executive board.
    Trusted,
    /// An inspection board's member.
    Member,
    Alternate,
}

impl BoardRole {
    pub const ALL: [BoardRole; 10] = [
        Self::Chair,
        Self::Head,
        Self::JudiciaryRep,
        Self::CivilRegistrationHead,
        Self::PoliceRep,
        Self::IntelligenceRep,
        Self::IrgcRep,
        Self::Trusted,
        Self::Member,
        Self::Alternate,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Chair => "chair",
            Self::Head => "head",
            Self::JudiciaryRep => "judiciary_rep",
            Self::CivilRegistrationHead => "civil_registration_head",
            Self::PoliceRep => "police_rep",
            Self::IntelligenceRep => "intelligence_rep",
            Self::IrgcRep => "irgc_rep",
            Self::Trusted => "trusted",
            Self::Member => "member",
            Self::Alternate => "alternate",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Chair => "رئیس هیأت (فرماندار)",
            Self::Head => "رئیس هیأت",
            Self::JudiciaryRep => "نماینده دادستان",
            Self::CivilRegistrationHead => "رئیس ثبت احوال",
            Self::PoliceRep => "فرمانده انتظامی شهرستان",
            Self::IntelligenceRep => "نماینده اداره اطلاعات",
            Self::IrgcRep => "نماینده سپاه",
            Self::Trusted => "معتمد محلی",
            Self::Member => "عضو",
            Self::Alternate => "عضو علی‌البدل",
        }
    }
}

impl BoardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProvinceInspection => "province_inspection",
            Self::CountyInspection => "county_inspection",
            Self::CountyExecutive => "county_executive",
            Self::CountySecurity => "county_security",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::ProvinceInspection,
            Self::CountyInspection,
            Self::CountyExecutive,
            Self::CountySecurity,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::ProvinceInspection => "هیأت بازرسی استان",
            Self::CountyInspection => "هیأت بازرسی شهرستان",
            Self::CountyExecutive => "هیأت اجرایی شهرستان",
            Self::CountySecurity => "شورای تأمین شهرستان",
        }
    }

    /// How many seats of each role the board has.
    pub fn seats(self) -> &'static [(BoardRole, usize)] {
        match self {
            Self::ProvinceInspection => &[(BoardRole::Head, 1), (BoardRole::Member, 4)],
            Self::CountyInspection => &[(BoardRole::Head, 1), (BoardRole::Member, 2)],
            Self::CountyExecutive => &[
                (BoardRole::Chair, 1),
                (BoardRole::JudiciaryRep, 1),
                (BoardRole::CivilRegistrationHead, 1),
                (BoardRole::Trusted, 8),
                (BoardRole::Alternate, 5),
            ],
            Self::CountySecurity => &[
                (BoardRole::Chair, 1),
                (BoardRole::PoliceRep, 1),
                (BoardRole::IntelligenceRep, 1),
                (BoardRole::JudiciaryRep, 1),
                (BoardRole::IrgcRep, 1),
                (BoardRole::Member, 2),
            ],
        }
    }

    /// The number of full (not alternate) members.
    pub fn size(self) -> usize {
        self.seats()
            .iter()
            .filter(|(r, _)| *r != BoardRole::Alternate)
            .map(|(_, n)| n)
            .sum()
    }
}

/// A board's code: `inspection-province`, `inspection-{county}`, `executive-{county}`,
/// `security-{county}`.
pub fn board_code(kind: BoardKind, county: Option<&str>) -> String {
    match (kind, county) {
        (BoardKind::ProvinceInspection, _) => "inspection-province".to_owned(),
        (BoardKind::CountyInspection, Some(c)) => format!("inspection-{c}"),
        (BoardKind::CountyExecutive, Some(c)) => format!("executive-{c}"),
        (BoardKind::CountySecurity, Some(c)) => format!("security-{c}"),
        (_, None) => String::new(),
    }
}

/// Reads a board code back into its kind and county (the county's existence is the store's
/// to check).
pub fn parse_board_code(code: &str) -> Option<(BoardKind, Option<String>)> {
    if code == "inspection-province" {
        return Some((BoardKind::ProvinceInspection, None));
    }
    let (prefix, county) = code.split_once('-')?;
    if county.is_empty() || !county.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match prefix {
        "inspection" => Some((BoardKind::CountyInspection, Some(county.to_owned()))),
        "executive" => Some((BoardKind::CountyExecutive, Some(county.to_owned()))),
        "security" => Some((BoardKind::CountySecurity, Some(county.to_owned()))),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Board {
    pub code: String,
    pub kind: BoardKind,
    pub county: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardMember {
    pub board: String,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub role: BoardRole,
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub term_start: Date,
    #[serde(default, with = "crate::json_time::date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub term_end: Option<Date>,
}

/// Why a membership is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardRefusal {
    RoleNotOnBoard { role: BoardRole, kind: BoardKind },
    RoleFull { role: BoardRole, seats: usize },
    AlreadyMember { role: BoardRole },
    BadTerm,
    DecisionAlreadyDone,
    DecisionNoteTooLong,
}

impl BoardRefusal {
    /// Whether the request itself is wrong (else it conflicts with the board as it stands).
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, Self::DecisionNoteTooLong)
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::RoleNotOnBoard { .. } => "role_not_on_board",
            Self::RoleFull { .. } => "board_full",
            Self::AlreadyMember { .. } => "already_member",
            Self::BadTerm => "invalid_term",
            Self::DecisionAlreadyDone => "decision_already_done",
            Self::DecisionNoteTooLong => "decision_note_too_long",
        }
    }
    pub fn persian(&self) -> String {
        match self {
            Self::RoleNotOnBoard { role, kind } => {
                format!("سمت «{}» در {} وجود ندارد.", role.persian(), kind.persian())
            }
            Self::RoleFull { role, seats } => {
                format!(
                    "همه {} کرسی «{}» این هیأت پر است.",
                    crate::text::persian_number(*seats as i64),
                    role.persian()
                )
            }
            Self::AlreadyMember { role } => format!(
                "این شخص هم‌اکنون با سمت «{}» عضو این هیأت است.",
                role.persian()
            ),
            Self::BadTerm => "پایان دوره عضویت باید پس از آغاز آن باشد.".to_owned(),
            Self::DecisionAlreadyDone => "این تصمیم پیش‌تر انجام‌شده ثبت شده است.".to_owned(),
            Self::DecisionNoteTooLong => format!(
                "شرح انجام تصمیم بیش از {} نویسه است.",
                crate::text::persian_number(MAX_DECISION_NOTE_CHARS as i64)
            ),
        }
    }
}

/// Decides whether a person may join a board in a role, given its current members.
pub fn check_membership(
    kind: BoardKind,
    role: BoardRole,
    national_id: &NationalId,
    term: (Date, Option<Date>),
    members: &[BoardMember],
) -> Result<(), BoardRefusal> {
    if term.1.is_some_and(|end| end <= term.0) {
        return Err(BoardRefusal::BadTerm);
    }
    let Some((_, seats)) = kind.seats().iter().find(|(r, _)| *r == role) else {
        return Err(BoardRefusal::RoleNotOnBoard { role, kind });
    };
    if let Some(m) = members
        .iter()
        .find(|m| m.national_id == national_id.as_str())
    {
        return Err(BoardRefusal::AlreadyMember { role: m.role });
    }
    if members.iter().filter(|m| m.role == role).count() >= *seats {
        return Err(BoardRefusal::RoleFull {
            role,
            seats: *seats,
        });
    }
    Ok(())
}

/// The seats a board still has to fill, role by role.
pub fn vacancies(kind: BoardKind, members: &[BoardMember]) -> Vec<(BoardRole, usize)> {
    kind.seats()
        .iter()
        .filter_map(|(role, seats)| {
            let held = members.iter().filter(|m| m.role == *role).count();
            (held < *seats).then(|| (*role, seats - held))
        })
        .collect()
}

/// A decision of a meeting: what, who answers for it, by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Decision {
    pub text: String,
    pub owner: String,
    #[serde(with = "crate::json_time::date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub due_on: Date,
    /// Once its owner has done it: when, recorded by whom, and how (never set by whoever
    /// records the meeting: only [`check_decision_done`] marks it).
    #[serde(default, skip_deserializing)]
    pub done: Option<DecisionDone>,
}

/// A decision marked done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionDone {
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    pub by: String,
    /// What was done.
    pub note: String,
}

/// The longest note on a decision done, in characters.
pub const MAX_DECISION_NOTE_CHARS: usize = 1_000;

/// Whether a decision may be marked done with `note`: once only, the note within its length;
/// the note normalised.
pub fn check_decision_done(decision: &Decision, note: &str) -> Result<String, BoardRefusal> {
    if decision.done.is_some() {
        return Err(BoardRefusal::DecisionAlreadyDone);
    }
    let note = crate::text::normalize_name(note);
    if note.chars().count() > MAX_DECISION_NOTE_CHARS {
        return Err(BoardRefusal::DecisionNoteTooLong);
    }
    Ok(note)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attendance {
    pub national_id: String,
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Meeting {
    /// Assigned by the store; 0 for a meeting not yet recorded.
    pub id: i64,
    pub board: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub held_at: OffsetDateTime,
    pub agenda: String,
    pub minutes: String,
    pub attendance: Vec<Attendance>,
    pub decisions: Vec<Decision>,
}

impl Meeting {
    /// Checks a meeting before it is recorded: text present, attendance only of members,
    /// decisions with an owner.
    pub fn validate(&self, members: &[BoardMember]) -> Result<(), crate::DomainError> {
        let bad = |field: &'static str, reason: &str| {
            Err(crate::DomainError::InvalidField {
                field,
                reason: reason.to_owned(),
            })
        };
        if self.agenda.trim().is_empty() || self.agenda.chars().count() > 5_000 {
            return bad("agenda", "دستور جلسه باید میان ۱ تا ۵٬۰۰۰ نویسه باشد");
        }
        if self.minutes.chars().count() > 50_000 {
            return bad("minutes", "صورتجلسه حداکثر ۵۰٬۰۰۰ نویسه است");
        }
        let mut seen = std::collections::HashSet::new();
        for a in &self.attendance {
            if !members.iter().any(|m| m.national_id == a.national_id) {
                return bad("attendance", "فهرست حاضران فقط اعضای هیأت را می‌پذیرد");
            }
            if !seen.insert(&a.national_id) {
                return bad("attendance", "یک عضو دو بار در فهرست حاضران آمده است");
            }
        }
        for d in &self.decisions {
            if d.text.trim().is_empty() || d.owner.trim().is_empty() {
                return bad("decisions", "هر مصوبه متن و مسئول پیگیری دارد");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn member(id: &NationalId, role: BoardRole) -> BoardMember {
        BoardMember {
            board: "inspection-11".into(),
            national_id: id.as_str().into(),
            first_name: "الف".into(),
            last_name: "ب".into(),
            role,
            term_start: date!(2026 - 01 - 01),
            term_end: None,
        }
    }

    #[test]
    fn board_sizes_follow_the_law() {
        assert_eq!(BoardKind::ProvinceInspection.size(), 5);
        assert_eq!(BoardKind::CountyInspection.size(), 3);
        assert_eq!(BoardKind::CountyExecutive.size(), 11);
        assert_eq!(BoardKind::CountySecurity.size(), 7);
        let alternates = BoardKind::CountyExecutive
            .seats()
            .iter()
            .find(|(r, _)| *r == BoardRole::Alternate)
            .unwrap()
            .1;
        assert_eq!(alternates, 5);
    }

    #[test]
    fn a_county_inspection_board_takes_a_head_and_two_members() {
        let ids: Vec<NationalId> = (1..=5)
            .filter_map(NationalId::with_check_digit)
            .take(4)
            .collect();
        let term = (date!(2026 - 01 - 01), None);
        let mut members = Vec::new();
        for (id, role) in ids
            .iter()
            .zip([BoardRole::Head, BoardRole::Member, BoardRole::Member])
        {
            check_membership(BoardKind::CountyInspection, role, id, term, &members).unwrap();
            members.push(member(id, role));
        }
        assert!(vacancies(BoardKind::CountyInspection, &members).is_empty());
        assert_eq!(
            check_membership(
                BoardKind::CountyInspection,
                BoardRole::Member,
                &ids[3],
                term,
                &members
            ),
            Err(BoardRefusal::RoleFull {
                role: BoardRole::Member,
                seats: 2
            })
        );
        assert_eq!(
            check_membership(
                BoardKind::CountyInspection,
                BoardRole::Trusted,
                &ids[3],
                term,
                &members
            )
            .unwrap_err()
            .code(),
            "role_not_on_board"
        );
        assert_eq!(
            check_membership(
                BoardKind::CountyExecutive,
                BoardRole::Trusted,
                &ids[0],
                term,
                &members
            )
            .unwrap_err()
            .code(),
            "already_member"
        );
        assert_eq!(
            check_membership(
                BoardKind::CountyInspection,
                BoardRole::Head,
                &ids[3],
                (date!(2026 - 02 - 01), Some(date!(2026 - 01 - 01))),
                &[]
            )
            .unwrap_err()
            .code(),
            "invalid_term"
        );
    }

    #[test]
    fn board_codes_round_trip() {
        for (kind, county) in [
            (BoardKind::ProvinceInspection, None),
            (BoardKind::CountyInspection, Some("11")),
            (BoardKind::CountyExecutive, Some("05")),
            (BoardKind::CountySecurity, Some("05")),
        ] {
            let code = board_code(kind, county);
            assert_eq!(
                parse_board_code(&code),
                Some((kind, county.map(str::to_owned)))
            );
        }
        for bad in ["", "inspection-", "executive-x1", "audit-11", "inspection"] {
            assert_eq!(parse_board_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn vacancies_count_down() {
        let id = NationalId::with_check_digit(42).unwrap();
        let v = vacancies(
            BoardKind::CountyExecutive,
            &[member(&id, BoardRole::Trusted)],
        );
        assert!(v.contains(&(BoardRole::Trusted, 7)));
        assert!(v.contains(&(BoardRole::Chair, 1)));
        assert_eq!(v.iter().map(|(_, n)| n).sum::<usize>(), 15);
    }

    #[test]
    fn meetings_need_an_agenda_and_members_present() {
        let id = NationalId::with_check_digit(42).unwrap();
        let members = [member(&id, BoardRole::Head)];
        let mut m = Meeting {
            id: 0,
            board: "inspection-11".into(),
            held_at: time::macros::datetime!(2026-01-20 06:00 UTC),
            agenda: "تعیین بازرسان شعب".into(),
            minutes: String::new(),
            attendance: vec![Attendance {
                national_id: id.as_str().into(),
                present: true,
            }],
            decisions: vec![Decision {
                text: "معرفی بازرسان تا پایان هفته".into(),
                owner: "رئیس هیأت".into(),
                due_on: date!(2026 - 01 - 27),
                done: None,
            }],
        };
        m.validate(&members).unwrap();
        m.attendance.push(Attendance {
            national_id: "0018465986".into(),
            present: true,
        });
        assert!(m.validate(&members).is_err());
        m.attendance.pop();
        m.agenda = " ".into();
        assert!(m.validate(&members).is_err());
    }
}
