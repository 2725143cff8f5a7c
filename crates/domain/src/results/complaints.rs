//! Complaints about a council's result (issue 18 §5). A candidate of the council — known by
//! their registration's tracking code and national id — complains about the council or one of
//! its stations within the complaints window after the count (the election's `result_complaints`
//! milestone; without one, three days from the close of polls). The county's supervision board
//! decides each: rejected, the station's box annulled, or a recount ordered, always with a
//! reason. The candidate may object to the decision within the window's length from it, and the
//! province's supervision board hears the objection: upheld or overturned, with a reason. A
//! complaint waits (and keeps the council from being confirmed) until decided, and an objection
//! until heard.

use crate::election::Election;
use time::{Duration, OffsetDateTime};

/// The milestone that sets the window, when the election has one.
pub const WINDOW_MILESTONE: &str = "result_complaints";
/// The window's length when the election sets none, counted from the close of polls.
pub const DEFAULT_WINDOW_DAYS: i64 = 3;
pub const MIN_TEXT_CHARS: usize = 10;
pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_REASON_CHARS: usize = 1000;

/// The supervision board's decision on a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ComplaintOutcome))]
pub enum Outcome {
    Rejected,
    /// The station's box annulled (a complaint about a station only).
    Annulled,
    RecountOrdered,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Self::Rejected, Self::Annulled, Self::RecountOrdered];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Annulled => "annulled",
            Self::RecountOrdered => "recount_ordered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Rejected => "رد شکایت",
            Self::Annulled => "ابطال صندوق شعبه",
            Self::RecountOrdered => "دستور بازشماری",
        }
    }
}

/// The province board's hearing of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ObjectionHearing))]
pub enum Hearing {
    /// The county board's decision stands.
    Upheld,
    /// The county board's decision is set aside.
    Overturned,
}

impl Hearing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upheld => "upheld",
            Self::Overturned => "overturned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Upheld, Self::Overturned]
            .into_iter()
            .find(|h| h.as_str() == s)
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::Upheld => "تأیید تصمیم هیئت نظارت شهرستان",
            Self::Overturned => "نقض تصمیم هیئت نظارت شهرستان",
        }
    }
}

/// Where a complaint stands, as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ComplaintState {
    /// About a station (else about the council as a whole).
    pub about_station: bool,
    pub decided_at: Option<OffsetDateTime>,
    pub objected: bool,
    pub heard: bool,
}

impl ComplaintState {
    /// It waits for the county board's decision, or for the province board's hearing.
    pub fn pending(&self) -> bool {
        self.decided_at.is_none() || (self.objected && !self.heard)
    }
}

/// Why a complaint, decision, objection or hearing is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComplaintRefusal {
    /// Filed before the count's close or after the window.
    OutsideWindow,
    /// The tracking code and national id are not of an approved candidate of the council.
    NotACandidate,
    /// The complaint's text is too short or too long.
    TextLength,
    /// The station does not serve the council.
    StationNotInCouncil,
    /// A box is annulled only on a complaint about a station.
    NoStationToAnnul,
    /// The candidate complained about this station (or this council as a whole) already.
    AlreadyFiled,
    AlreadyDecided,
    NotDecided,
    AlreadyObjected,
    /// The objection comes after its window from the decision.
    ObjectionOutsideWindow,
    NotObjected,
    AlreadyHeard,
    /// A decision or hearing without a reason, or one too long.
    ReasonLength,
}

impl ComplaintRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::OutsideWindow => "complaint_outside_window",
            Self::NotACandidate => "complaint_not_a_candidate",
            Self::TextLength => "complaint_text_length",
            Self::StationNotInCouncil => "complaint_station_not_in_council",
            Self::NoStationToAnnul => "complaint_no_station_to_annul",
            Self::AlreadyFiled => "complaint_already_filed",
            Self::AlreadyDecided => "complaint_already_decided",
            Self::NotDecided => "complaint_not_decided",
            Self::AlreadyObjected => "complaint_already_objected",
            Self::ObjectionOutsideWindow => "objection_outside_window",
            Self::NotObjected => "complaint_not_objected",
            Self::AlreadyHeard => "objection_already_heard",
            Self::ReasonLength => "complaint_reason_length",
        }
    }

    pub fn persian(self) -> String {
        match self {
            Self::OutsideWindow => "مهلت شکایت از نتیجه (پس از شمارش آرا) نیست.".into(),
            Self::NotACandidate => "کد رهگیری و کد ملی از آنِ نامزد تأییدشدهٔ این شورا نیست.".into(),
            Self::TextLength => format!(
                "متن شکایت باید دست‌کم {} و بیشتر از {} نویسه نباشد.",
                crate::text::persian_number(MIN_TEXT_CHARS as i64),
                crate::text::persian_number(MAX_TEXT_CHARS as i64)
            ),
            Self::StationNotInCouncil => "این شعبه در حوزهٔ این شورا نیست.".into(),
            Self::NoStationToAnnul => "ابطال صندوق تنها در شکایت از یک شعبه ممکن است.".into(),
            Self::AlreadyFiled => {
                "شما پیش‌تر از همین شعبه (یا از کل این شورا) شکایت کرده‌اید.".into()
            }
            Self::AlreadyDecided => "دربارهٔ این شکایت پیش‌تر تصمیم گرفته شده است.".into(),
            Self::NotDecided => "دربارهٔ این شکایت هنوز تصمیمی گرفته نشده است.".into(),
            Self::AlreadyObjected => "به این تصمیم پیش‌تر اعتراض شده است.".into(),
            Self::ObjectionOutsideWindow => "مهلت اعتراض به این تصمیم گذشته است.".into(),
            Self::NotObjected => "به این تصمیم اعتراضی نشده است.".into(),
            Self::AlreadyHeard => "به این اعتراض پیش‌تر رسیدگی شده است.".into(),
            Self::ReasonLength => format!(
                "دلیل باید نوشته شود و بیش از {} نویسه نباشد.",
                crate::text::persian_number(MAX_REASON_CHARS as i64)
            ),
        }
    }

    pub fn is_invalid_input(self) -> bool {
        matches!(
            self,
            Self::TextLength | Self::ReasonLength | Self::NoStationToAnnul
        )
    }
}

/// The complaints window: the election's `result_complaints` milestone, or from the close of
/// polls (the end of its `election_day` milestone) for [`DEFAULT_WINDOW_DAYS`]. `None` when the
/// election sets neither.
pub fn window(election: &Election) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let find = |key: &str| election.milestones.iter().find(|m| m.key == key);
    if let Some(set) = find(WINDOW_MILESTONE) {
        return Some((set.starts_at, set.ends_at));
    }
    let close = find("election_day")?.ends_at;
    Some((close, close + Duration::days(DEFAULT_WINDOW_DAYS)))
}

fn text_of(text: &str, min: usize, max: usize) -> Option<String> {
    let text = crate::text::normalize_name(text.trim());
    let n = text.chars().count();
    (n >= min && n <= max).then_some(text)
}

/// Whether complaints about a council may still come at `now`: the window has not closed, or
/// a decision (at each of `decided`, not yet objected to) may still be objected to.
pub fn still_open(
    window: Option<(OffsetDateTime, OffsetDateTime)>,
    decided: impl IntoIterator<Item = OffsetDateTime>,
    now: OffsetDateTime,
) -> bool {
    let length = window.map_or(Duration::days(DEFAULT_WINDOW_DAYS), |(from, until)| {
        until - from
    });
    window.is_some_and(|(_, until)| now < until) || decided.into_iter().any(|at| now < at + length)
}

/// Decides a filing at `now`: inside the window, by a candidate of the council (the caller
/// looked the tracking code up), about one of its stations if any; the text as kept.
pub fn check_filing(
    window: Option<(OffsetDateTime, OffsetDateTime)>,
    now: OffsetDateTime,
    (candidate, station_in_council): (bool, bool),
    text: &str,
) -> Result<String, ComplaintRefusal> {
    if !window.is_some_and(|(from, until)| from <= now && now < until) {
        return Err(ComplaintRefusal::OutsideWindow);
    }
    if !candidate {
        return Err(ComplaintRefusal::NotACandidate);
    }
    if !station_in_council {
        return Err(ComplaintRefusal::StationNotInCouncil);
    }
    text_of(text, MIN_TEXT_CHARS, MAX_TEXT_CHARS).ok_or(ComplaintRefusal::TextLength)
}

fn reason_of(reason: &str) -> Result<String, ComplaintRefusal> {
    text_of(reason, 1, MAX_REASON_CHARS).ok_or(ComplaintRefusal::ReasonLength)
}

/// Decides the county board's decision: once, with a reason; an annulment only for a station.
pub fn check_decision(
    state: &ComplaintState,
    outcome: Outcome,
    reason: &str,
) -> Result<String, ComplaintRefusal> {
    if state.decided_at.is_some() {
        return Err(ComplaintRefusal::AlreadyDecided);
    }
    if outcome == Outcome::Annulled && !state.about_station {
        return Err(ComplaintRefusal::NoStationToAnnul);
    }
    reason_of(reason)
}

/// Decides an objection at `now`: to a decision, once, within the window's length from it.
pub fn check_objection(
    state: &ComplaintState,
    window_length: Duration,
    now: OffsetDateTime,
    text: &str,
) -> Result<String, ComplaintRefusal> {
    let Some(decided) = state.decided_at else {
        return Err(ComplaintRefusal::NotDecided);
    };
    if state.objected {
        return Err(ComplaintRefusal::AlreadyObjected);
    }
    if now >= decided + window_length {
        return Err(ComplaintRefusal::ObjectionOutsideWindow);
    }
    text_of(text, MIN_TEXT_CHARS, MAX_TEXT_CHARS).ok_or(ComplaintRefusal::TextLength)
}

/// Decides the province board's hearing: of an objection, once, with a reason.
pub fn check_hearing(state: &ComplaintState, reason: &str) -> Result<String, ComplaintRefusal> {
    if !state.objected {
        return Err(ComplaintRefusal::NotObjected);
    }
    if state.heard {
        return Err(ComplaintRefusal::AlreadyHeard);
    }
    reason_of(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const CLOSE: OffsetDateTime = datetime!(2026-05-01 14:30 UTC);

    fn election(milestones: Vec<crate::election::Milestone>) -> Election {
        Election {
            code: "E".into(),
            name: "E".into(),
            kind: "council".into(),
            election_day: time::macros::date!(2026 - 05 - 01),
            seat_table: crate::election::SeatTable::law_default(),
            milestones,
        }
    }

    fn milestone(
        key: &str,
        starts_at: OffsetDateTime,
        ends_at: OffsetDateTime,
    ) -> crate::election::Milestone {
        crate::election::Milestone {
            key: key.into(),
            name: key.into(),
            starts_at,
            ends_at,
            owner: None,
            done_at: None,
        }
    }

    #[test]
    fn the_window_is_the_elections_own_or_three_days_from_the_close() {
        let day = milestone("election_day", CLOSE - Duration::hours(10), CLOSE);
        assert_eq!(
            window(&election(vec![day.clone()])),
            Some((CLOSE, CLOSE + Duration::days(3)))
        );
        let set = milestone(WINDOW_MILESTONE, CLOSE, CLOSE + Duration::days(5));
        assert_eq!(
            window(&election(vec![day, set])),
            Some((CLOSE, CLOSE + Duration::days(5)))
        );
        assert_eq!(window(&election(vec![])), None);
    }

    #[test]
    fn complaints_stay_open_through_the_window_and_each_decisions_objection_time() {
        let open = Some((CLOSE, CLOSE + Duration::days(3)));
        assert!(still_open(open, [], CLOSE + Duration::days(1)));
        assert!(!still_open(open, [], CLOSE + Duration::days(3)));
        let decided = CLOSE + Duration::days(2);
        assert!(still_open(open, [decided], CLOSE + Duration::days(4)));
        assert!(!still_open(open, [decided], CLOSE + Duration::days(5)));
        assert!(!still_open(None, [], CLOSE));
    }

    #[test]
    fn a_complaint_is_filed_in_its_window_by_a_candidate_about_their_council() {
        let open = Some((CLOSE, CLOSE + Duration::days(3)));
        let text = "شمارش این شعبه در حضور ناظران نبود";
        let at = CLOSE + Duration::days(1);
        assert_eq!(
            check_filing(open, at, (true, true), &format!("  {text} ")),
            Ok(text.to_owned())
        );
        assert_eq!(
            check_filing(open, CLOSE - Duration::minutes(1), (true, true), text),
            Err(ComplaintRefusal::OutsideWindow)
        );
        assert_eq!(
            check_filing(open, CLOSE + Duration::days(3), (true, true), text),
            Err(ComplaintRefusal::OutsideWindow)
        );
        assert_eq!(
            check_filing(None, at, (true, true), text),
            Err(ComplaintRefusal::OutsideWindow)
        );
        assert_eq!(
            check_filing(open, at, (false, true), text),
            Err(ComplaintRefusal::NotACandidate)
        );
        assert_eq!(
            check_filing(open, at, (true, false), text),
            Err(ComplaintRefusal::StationNotInCouncil)
        );
        assert_eq!(
            check_filing(open, at, (true, true), "کوتاه"),
            Err(ComplaintRefusal::TextLength)
        );
    }

    #[test]
    fn a_decision_is_made_once_an_objection_in_time_and_heard_once() {
        let filed = ComplaintState {
            about_station: false,
            ..ComplaintState::default()
        };
        assert!(filed.pending());
        assert_eq!(
            check_decision(&filed, Outcome::Annulled, "x"),
            Err(ComplaintRefusal::NoStationToAnnul)
        );
        assert_eq!(
            check_decision(&filed, Outcome::Rejected, " "),
            Err(ComplaintRefusal::ReasonLength)
        );
        assert_eq!(
            check_decision(&filed, Outcome::Rejected, "بی‌پایه"),
            Ok("بی‌پایه".into())
        );
        let three = Duration::days(3);
        assert_eq!(
            check_objection(&filed, three, CLOSE, "اعتراض به تصمیم هیئت"),
            Err(ComplaintRefusal::NotDecided)
        );
        let decided = ComplaintState {
            decided_at: Some(CLOSE),
            ..filed
        };
        assert!(!decided.pending());
        assert_eq!(
            check_decision(&decided, Outcome::Rejected, "x"),
            Err(ComplaintRefusal::AlreadyDecided)
        );
        assert_eq!(
            check_objection(&decided, three, CLOSE + three, "اعتراض به تصمیم هیئت"),
            Err(ComplaintRefusal::ObjectionOutsideWindow)
        );
        assert!(check_objection(
            &decided,
            three,
            CLOSE + Duration::days(2),
            "اعتراض به تصمیم هیئت"
        )
        .is_ok());
        assert_eq!(
            check_hearing(&decided, "x"),
            Err(ComplaintRefusal::NotObjected)
        );
        let objected = ComplaintState {
            objected: true,
            ..decided
        };
        assert!(objected.pending(), "an objection waits for its hearing");
        assert_eq!(
            check_objection(&objected, three, CLOSE, "اعتراض به تصمیم هیئت"),
            Err(ComplaintRefusal::AlreadyObjected)
        );
        assert_eq!(
            check_hearing(&objected, "مستند است"),
            Ok("مستند است".into())
        );
        let heard = ComplaintState {
            heard: true,
            ..objected
        };
        assert!(!heard.pending());
        assert_eq!(
            check_hearing(&heard, "x"),
            Err(ComplaintRefusal::AlreadyHeard)
        );
    }
}
