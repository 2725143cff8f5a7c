//! A station's election day (DESIGN §8, Stations; issue 4, point 2): opening with the empty box
//! shown before the head, the governor's representative and the inspector; pauses; extensions of
//! the hours; closing. Pure rules: the store keeps the state and the web layer decides who acts.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DayState {
    NotOpened,
    Open,
    Paused,
    Closed,
}

impl DayState {
    pub const ALL: [DayState; 4] = [Self::NotOpened, Self::Open, Self::Paused, Self::Closed];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotOpened => "not_opened",
            Self::Open => "open",
            Self::Paused => "paused",
            Self::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::NotOpened => "گشوده‌نشده",
            Self::Open => "باز",
            Self::Paused => "متوقف",
            Self::Closed => "بسته",
        }
    }
}

/// Who was present when the station opened (or, for [`DayFacts`], which of these posts have
/// holders).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Presence {
    pub head: bool,
    pub governor_rep: bool,
    pub inspector: bool,
}

/// Why voting stopped at a station: one of a fixed list (issue 20), with the head's notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PauseReason {
    PowerCut,
    DeviceFault,
    LinkDown,
    ExecutiveBoardOrder,
    /// Anything else: the notes say what.
    Other,
}

impl PauseReason {
    pub const ALL: [PauseReason; 5] = [
        Self::PowerCut,
        Self::DeviceFault,
        Self::LinkDown,
        Self::ExecutiveBoardOrder,
        Self::Other,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PowerCut => "power_cut",
            Self::DeviceFault => "device_fault",
            Self::LinkDown => "link_down",
            Self::ExecutiveBoardOrder => "executive_board_order",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn persian(self) -> &'static str {
        match self {
            Self::PowerCut => "قطع برق",
            Self::DeviceFault => "خرابی دستگاه",
            Self::LinkDown => "قطع ارتباط",
            Self::ExecutiveBoardOrder => "دستور هیأت اجرایی",
            Self::Other => "سایر",
        }
    }
}

/// A station's pause as it stands: why, the notes, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pause {
    pub reason: PauseReason,
    pub notes: String,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: OffsetDateTime,
}

impl Pause {
    /// How long voting has stood still at `now` (never less than nothing).
    pub fn lasted(&self, now: OffsetDateTime) -> time::Duration {
        (now - self.since).max(time::Duration::ZERO)
    }

    /// The reason as a person reads it: the reason, and the notes after it.
    pub fn persian(&self) -> String {
        if self.notes.is_empty() {
            self.reason.persian().to_owned()
        } else {
            format!("{}: {}", self.reason.persian(), self.notes)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DayAction {
    /// Opens the station; the empty ballot box and each e-voting device's zero report were
    /// shown to those present, and the voter forms («تعرفه») received were counted.
    Open {
        presence: Presence,
        empty_box_shown: bool,
        /// Each e-voting device printed its zero report (no vote in it) and it was shown.
        #[serde(default)]
        zero_reports_shown: bool,
        /// How many voter forms («تعرفه») the station received, counted at the opening.
        #[serde(default)]
        forms_received: Option<u32>,
        /// Whether the election refuses to open without the inspector (else an absent
        /// inspector is recorded in the minutes): the election's setting, set by the use case
        /// (never by whoever asks).
        #[serde(skip)]
        inspector_required: bool,
        /// Whether the station must have passed its equipment test (or have the county's
        /// override) to open: the election's setting, set by the use case.
        #[serde(skip)]
        equipment_test_required: bool,
    },
    /// Stops voting for a reason from the list; [`PauseReason::Other`] needs notes.
    Pause {
        reason: PauseReason,
        #[serde(default)]
        notes: String,
    },
    Resume,
    /// Moves the closing time later, within the server's [`ExtensionLimits`].
    Extend {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: OffsetDateTime,
        /// The server's bounds, set by the use case (never by whoever asks).
        #[serde(skip)]
        limits: ExtensionLimits,
    },
    /// The county governor's longer extension, with its reason: up to
    /// [`MAX_APPROVED_EXTENSION`] past the scheduled close, whatever the station's own bounds.
    ApproveExtension {
        #[serde(with = "time::serde::rfc3339")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: OffsetDateTime,
        reason: String,
    },
    Close,
}

impl DayAction {
    /// A pause as a form or a client asks for it: `reason` is a reason's code or its Persian
    /// name, and any other text (the free reason clients sent before the list) is kept as the
    /// notes of [`PauseReason::Other`]. Notes are cleaned up as names are.
    pub fn pause(reason: &str, notes: &str) -> Self {
        let reason = crate::text::normalize_name(reason);
        let notes = crate::text::normalize_name(notes);
        match PauseReason::ALL
            .into_iter()
            .find(|r| r.as_str() == reason || r.persian() == reason)
        {
            Some(reason) => Self::Pause { reason, notes },
            None => Self::Pause {
                reason: PauseReason::Other,
                notes: [reason, notes]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("؛ "),
            },
        }
    }

    /// The station staff's extension to `until`, within the default [`ExtensionLimits`].
    pub fn extend(until: OffsetDateTime) -> Self {
        Self::Extend {
            until,
            limits: ExtensionLimits::default(),
        }
    }
}

/// How far a station's own staff may extend its day: per extension, and past the election's
/// scheduled close in all. The server's setting; longer is the county governor's to approve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionLimits {
    pub step: time::Duration,
    pub day: time::Duration,
}

impl Default for ExtensionLimits {
    fn default() -> Self {
        Self {
            step: MAX_EXTENSION_STEP,
            day: MAX_EXTENSION_DAY,
        }
    }
}

impl ExtensionLimits {
    /// Limits as configured: each at least a minute, and the day never past what a governor
    /// may approve.
    pub fn new(step: time::Duration, day: time::Duration) -> Option<Self> {
        let minute = time::Duration::MINUTE;
        (step >= minute && day >= minute && step <= day && day <= MAX_APPROVED_EXTENSION)
            .then_some(Self { step, day })
    }
}

impl DayAction {
    /// The action's name: its audit record is `station.<name>`, its API route `/<name>`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open { .. } => "open",
            Self::Pause { .. } => "pause",
            Self::Resume => "resume",
            Self::Extend { .. } => "extend",
            Self::ApproveExtension { .. } => "approve_extension",
            Self::Close => "close",
        }
    }

    /// Whether deciding it needs the station's outstanding ballots ([`decide`]): closing does.
    pub fn needs_outstanding_count(&self) -> bool {
        matches!(self, Self::Close)
    }

    /// The opening as the rules want it: the head, the governor's representative and the
    /// inspector present, the empty box and the zero reports shown to them, and `forms` voter
    /// forms received.
    pub fn open_in_full(forms: u32) -> Self {
        Self::open(
            Presence {
                head: true,
                governor_rep: true,
                inspector: true,
            },
            Shown {
                empty_box: true,
                zero_reports: true,
            },
            Some(forms),
        )
    }

    /// An opening as a form or a client asks for it: who was present, what was shown to them,
    /// and the forms counted (the election's rule on the inspector is the use case's to set).
    pub fn open(presence: Presence, shown: Shown, forms_received: Option<u32>) -> Self {
        Self::Open {
            presence,
            empty_box_shown: shown.empty_box,
            zero_reports_shown: shown.zero_reports,
            forms_received,
            inspector_required: false,
            equipment_test_required: false,
        }
    }

    /// Whether deciding it needs the station's assigned posts ([`decide`]): opening does.
    pub fn needs_assigned_posts(&self) -> bool {
        matches!(self, Self::Open { .. })
    }

    /// Whether deciding it needs the station's equipment test standing ([`decide`]): an
    /// opening that requires a passed test does.
    pub fn needs_equipment_standing(&self) -> bool {
        matches!(
            self,
            Self::Open {
                equipment_test_required: true,
                ..
            }
        )
    }
}

/// What the opening showed those present: the empty ballot box, and each e-voting device's
/// zero report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shown {
    pub empty_box: bool,
    pub zero_reports: bool,
}

/// The most voter forms a station can have received: a bound on what is typed, far above any
/// station's roll.
pub const MAX_FORMS_RECEIVED: u32 = 100_000;

impl Presence {
    /// Which of the opening's posts are among `posts` (a station's held posts: everyone
    /// assigned, present).
    pub fn of_posts(posts: impl IntoIterator<Item = crate::staffing::Post>) -> Self {
        use crate::staffing::Post;
        posts.into_iter().fold(Self::default(), |mut p, post| {
            match post {
                Post::Head => p.head = true,
                Post::GovernorRep => p.governor_rep = true,
                Post::Inspector => p.inspector = true,
                _ => {}
            }
            p
        })
    }
}

/// A station's day as far as it has gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationDay {
    pub state: DayState,
    #[serde(default, with = "crate::json_time::instant::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub opened_at: Option<OffsetDateTime>,
    /// When voting ends: the polls' official end, or later once extended.
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub closes_at: OffsetDateTime,
    #[serde(default, with = "crate::json_time::instant::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<OffsetDateTime>,
    /// Who was present when it opened.
    #[serde(default)]
    pub presence: Option<Presence>,
    /// The voter forms («تعرفه») counted at the opening (the zero reports were shown then
    /// too); `None` before it opens, or for a day opened before they were recorded.
    #[serde(default)]
    pub forms_received: Option<u32>,
    /// While paused: why and since when.
    #[serde(default)]
    pub pause: Option<Pause>,
}

impl StationDay {
    /// The day before the station opens, with the polls' official hours.
    pub fn new(polls_close: OffsetDateTime) -> Self {
        Self {
            state: DayState::NotOpened,
            opened_at: None,
            closes_at: polls_close,
            closed_at: None,
            presence: None,
            forms_received: None,
            pause: None,
        }
    }

    /// Whether a voter may check in at `now`.
    pub fn accepts_voters(&self, now: OffsetDateTime) -> bool {
        self.state == DayState::Open && now < self.closes_at
    }

    /// How late the station opened, or is at `now` still not open, past the polls' opening
    /// («تأخیر در گشایش»): `None` within [`OPENING_GRACE`].
    pub fn opening_delay(
        &self,
        now: OffsetDateTime,
        polls_open: OffsetDateTime,
    ) -> Option<time::Duration> {
        let opened = match self.state {
            DayState::NotOpened => now,
            _ => self.opened_at?,
        };
        let delay = opened - polls_open;
        (delay > OPENING_GRACE).then_some(delay)
    }
}

/// How long after the polls open a station may still open without its opening counting as
/// late.
pub const OPENING_GRACE: time::Duration = time::Duration::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayRefusal {
    /// The action does not follow from the station's state.
    NotNow {
        state: DayState,
    },
    BeforePollsOpen,
    AfterPollsClose,
    Absent {
        who: &'static str,
    },
    EmptyBoxNotShown,
    /// The zero report of the station's e-voting devices was not shown.
    ZeroReportsNotShown,
    /// The voter forms received were not counted (or the count is beyond belief).
    FormsNotCounted,
    NoReason,
    NotLater,
    /// Longer than the station's own bounds allow ([`ExtensionLimits`]): at once, or past the
    /// scheduled close in all.
    ExtensionTooLong {
        limits: ExtensionLimits,
    },
    /// Past the most a governor may approve ([`MAX_APPROVED_EXTENSION`]).
    BeyondApproval,
    /// Voting lasts its full hours (DESIGN §8: at least 10 hours, 08:00–18:00).
    TooEarlyToClose,
    /// Voters checked in whose ballots are not cast yet: closing now would leave the
    /// station's ballots short of its check-ins (DESIGN §4).
    BallotsOutstanding {
        count: i64,
    },
    /// Recorded present at the opening for a post the station has no holder for.
    NotAssigned {
        who: &'static str,
    },
    /// A walk-out for someone not checked in at this station.
    NotCheckedInHere,
    /// A walk-out for someone whose ballot is already in the box.
    BallotAlreadyCast,
    WalkoutAlreadyRecorded,
    /// The station has a governor's representative, who must countersign.
    CountersignRequired,
    /// The countersign is not the station's governor's representative's (or the post is
    /// vacant).
    CountersignMismatch,
    /// The station has not passed its equipment test, and the county has not let it open.
    EquipmentNotPassed {
        standing: crate::test_deck::EquipmentStanding,
    },
}

impl DayRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotNow { .. } => "station_state",
            Self::BeforePollsOpen => "before_polls_open",
            Self::AfterPollsClose => "after_polls_close",
            Self::Absent { .. } => "opening_quorum",
            Self::EmptyBoxNotShown => "empty_box_not_shown",
            Self::ZeroReportsNotShown => "zero_reports_not_shown",
            Self::FormsNotCounted => "forms_not_counted",
            Self::NoReason => "reason_required",
            Self::NotLater => "extension_not_later",
            Self::ExtensionTooLong { .. } => "extension_too_long",
            Self::BeyondApproval => "extension_beyond_approval",
            Self::TooEarlyToClose => "too_early_to_close",
            Self::BallotsOutstanding { .. } => "ballots_outstanding",
            Self::NotAssigned { .. } => "post_vacant",
            Self::NotCheckedInHere => "not_checked_in_here",
            Self::BallotAlreadyCast => "ballot_already_cast",
            Self::WalkoutAlreadyRecorded => "walkout_already_recorded",
            Self::CountersignRequired => "countersign_required",
            Self::CountersignMismatch => "countersign_mismatch",
            Self::EquipmentNotPassed { .. } => "equipment_test_not_passed",
        }
    }

    pub fn persian(&self) -> String {
        match self {
            Self::NotNow { state } => format!(
                "در وضعیت کنونی شعبه ({}) این کار ممکن نیست.",
                state.persian()
            ),
            Self::BeforePollsOpen => "رأی‌گیری هنوز آغاز نشده است.".into(),
            Self::AfterPollsClose => "زمان رأی‌گیری به پایان رسیده است.".into(),
            Self::Absent { who } => format!("برای گشایش شعبه حضور {who} لازم است."),
            Self::EmptyBoxNotShown => {
                "صندوق خالی باید پیش از گشایش به حاضران نشان داده شود.".into()
            }
            Self::ZeroReportsNotShown => "گزارش صفر هر دستگاه رأی‌گیری باید پیش از گشایش چاپ و به حاضران نشان داده شود؛ دستگاهی که گزارش صفر ندارد به کار نمی‌رود.".into(),
            Self::FormsNotCounted => format!(
                "تعداد تعرفه‌های دریافتی را بنویسید (عددی از ۰ تا {}).",
                crate::text::persian_number(i64::from(MAX_FORMS_RECEIVED))
            ),
            Self::NoReason => "علت را بنویسید.".into(),
            Self::NotLater => "زمان تمدید باید پس از زمان پایان کنونی باشد.".into(),
            Self::ExtensionTooLong { limits } => format!(
                "هر تمدید حداکثر {} دقیقه است و شعبه بیش از {} دقیقه پس از پایان مقرر رأی‌گیری باز نمی‌ماند؛ تمدید بیشتر با تأیید فرماندار شهرستان است.",
                crate::text::persian_number(limits.step.whole_minutes()),
                crate::text::persian_number(limits.day.whole_minutes())
            ),
            Self::BeyondApproval => format!(
                "رأی‌گیری بیش از {} ساعت پس از پایان مقرر ادامه نمی‌یابد، حتی با تأیید فرماندار.",
                crate::text::persian_number(MAX_APPROVED_EXTENSION.whole_hours())
            ),
            Self::TooEarlyToClose => "پیش از پایان ساعت رأی‌گیری نمی‌توان شعبه را بست.".into(),
            Self::BallotsOutstanding { count } => format!(
                "{} رأی‌دهنده احراز هویت شده‌اند و هنوز رأی نداده‌اند؛ پیش از بستن شعبه یا رأی دهند یا «خروج بدون رأی» آنان ثبت شود.",
                crate::text::persian_number(*count)
            ),
            Self::NotAssigned { who } => format!(
                "برای این شعبه {who} تعیین نشده است؛ حضور او را نمی‌توان در صورتجلسه ثبت کرد."
            ),
            Self::NotCheckedInHere => "این شخص در این شعبه احراز هویت نشده است.".into(),
            Self::BallotAlreadyCast => {
                "رأی این شخص در صندوق است؛ خروج بدون رأی برای او ثبت نمی‌شود.".into()
            }
            Self::WalkoutAlreadyRecorded => "خروج بدون رأی این شخص پیش‌تر ثبت شده است.".into(),
            Self::CountersignRequired => {
                "تأیید نماینده فرماندار شعبه لازم است: کد ملی او را بنویسید.".into()
            }
            Self::CountersignMismatch => {
                "کد ملی تأییدکننده از آنِ نماینده فرماندار این شعبه نیست.".into()
            }
            Self::EquipmentNotPassed { standing } => format!(
                "تجهیزات این شعبه آزمون صحت را نگذرانده است (وضعیت: {})؛ گشایش تنها با مجوز شهرستان ممکن است.",
                standing.persian()
            ),
        }
    }
}

/// The most one extension may add to a station's hours.
pub const MAX_EXTENSION_STEP: time::Duration = time::Duration::hours(2);
/// The latest a station may stay open past the election's scheduled close on its own; longer
/// is the county governor's to approve (issue 15: a station extended its day by a month).
pub const MAX_EXTENSION_DAY: time::Duration = time::Duration::hours(6);
/// The latest a governor may keep a station open past the scheduled close.
pub const MAX_APPROVED_EXTENSION: time::Duration = time::Duration::hours(12);

/// Until when a station device's session lasts when it signs in at `now` for `ttl`: on polling
/// day (from twelve hours before the polls open) through the latest the station may close
/// (the scheduled close and [`MAX_APPROVED_EXTENSION`]), so that no station is signed out in the
/// middle of its day (issue 15); on any other day, `ttl`.
pub fn station_session_until(
    now: OffsetDateTime,
    ttl: time::Duration,
    polls_open: OffsetDateTime,
    polls_close: OffsetDateTime,
) -> OffsetDateTime {
    if on_polling_day(now, polls_open, polls_close) {
        (now + ttl).max(polls_close + MAX_APPROVED_EXTENSION)
    } else {
        now + ttl
    }
}

/// Whether `now` falls in a station's polling day as its sessions count it: from twelve hours
/// before the polls open to the latest the station may close (the scheduled close and
/// [`MAX_APPROVED_EXTENSION`]). A station device signed in then is kept signed in through the day,
/// and is not signed out for being idle (a quiet hour at a village station is no reason to
/// type the password again in front of the queue).
pub fn on_polling_day(
    now: OffsetDateTime,
    polls_open: OffsetDateTime,
    polls_close: OffsetDateTime,
) -> bool {
    now >= polls_open - time::Duration::hours(12) && now < polls_close + MAX_APPROVED_EXTENSION
}

/// Applies an action at `now`, with the polls scheduled from `polls_open` to `polls_close`;
/// returns the new day.
pub fn apply(
    day: &StationDay,
    action: &DayAction,
    now: OffsetDateTime,
    polls_open: OffsetDateTime,
    polls_close: OffsetDateTime,
) -> Result<StationDay, DayRefusal> {
    let mut next = day.clone();
    match action {
        DayAction::Open {
            presence,
            empty_box_shown,
            zero_reports_shown,
            forms_received,
            ..
        } => {
            if day.state != DayState::NotOpened {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if now < polls_open {
                return Err(DayRefusal::BeforePollsOpen);
            }
            if now >= day.closes_at {
                return Err(DayRefusal::AfterPollsClose);
            }
            if !empty_box_shown {
                return Err(DayRefusal::EmptyBoxNotShown);
            }
            if !zero_reports_shown {
                return Err(DayRefusal::ZeroReportsNotShown);
            }
            let forms = forms_received
                .filter(|n| *n <= MAX_FORMS_RECEIVED)
                .ok_or(DayRefusal::FormsNotCounted)?;
            next.state = DayState::Open;
            next.opened_at = Some(now);
            next.presence = Some(*presence);
            next.forms_received = Some(forms);
        }
        DayAction::Pause { reason, notes } => {
            if day.state != DayState::Open {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if *reason == PauseReason::Other && notes.trim().is_empty() {
                return Err(DayRefusal::NoReason);
            }
            next.state = DayState::Paused;
            next.pause = Some(Pause {
                reason: *reason,
                notes: notes.trim().to_owned(),
                since: now,
            });
        }
        DayAction::Resume => {
            if day.state != DayState::Paused {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if now >= day.closes_at {
                return Err(DayRefusal::AfterPollsClose);
            }
            next.state = DayState::Open;
            next.pause = None;
        }
        DayAction::Extend { until, limits } => {
            if !matches!(day.state, DayState::Open | DayState::Paused) {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if *until <= day.closes_at || *until <= now {
                return Err(DayRefusal::NotLater);
            }
            if *until - day.closes_at > limits.step || *until - polls_close > limits.day {
                return Err(DayRefusal::ExtensionTooLong { limits: *limits });
            }
            next.closes_at = *until;
        }
        DayAction::ApproveExtension { until, reason } => {
            if !matches!(day.state, DayState::Open | DayState::Paused) {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if *until <= day.closes_at || *until <= now {
                return Err(DayRefusal::NotLater);
            }
            if reason.trim().is_empty() {
                return Err(DayRefusal::NoReason);
            }
            if *until - polls_close > MAX_APPROVED_EXTENSION {
                return Err(DayRefusal::BeyondApproval);
            }
            next.closes_at = *until;
        }
        DayAction::Close => {
            if !matches!(day.state, DayState::Open | DayState::Paused) {
                return Err(DayRefusal::NotNow { state: day.state });
            }
            if now < day.closes_at {
                return Err(DayRefusal::TooEarlyToClose);
            }
            next.state = DayState::Closed;
            next.closed_at = Some(now);
            next.pause = None;
        }
    }
    Ok(next)
}

/// What the store reads in its writing transaction for [`decide`]: the station's outstanding
/// ballots (read only when [`DayAction::needs_outstanding_count`], else 0) and which of the
/// opening's posts have holders (read only when [`DayAction::needs_assigned_posts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayFacts {
    pub outstanding: i64,
    pub assigned: Presence,
    /// Read only when [`DayAction::needs_equipment_standing`].
    pub equipment: crate::test_deck::EquipmentStanding,
    /// The station fell back to paper ballots (issue 18 §1): its checked-in voters without a
    /// device's ballot voted on paper, and its hand count accounts for them. Read with the
    /// outstanding ballots.
    pub paper_fallback: bool,
}

/// Decides an action on the facts the store read in its writing transaction: [`apply`]; an
/// opening's presence checked against the station's posts ([`check_presence`]); and a close
/// refused while checked-in voters have yet to cast their ballots or be recorded as walk-outs
/// (the station's ballots must equal its check-ins at close, DESIGN §4).
pub fn decide(
    day: &StationDay,
    action: &DayAction,
    now: OffsetDateTime,
    polls_open: OffsetDateTime,
    polls_close: OffsetDateTime,
    facts: &DayFacts,
) -> Result<StationDay, DayRefusal> {
    if let DayAction::Open {
        presence,
        inspector_required,
        equipment_test_required,
        ..
    } = action
    {
        if day.state == DayState::NotOpened {
            check_presence(presence, &facts.assigned, *inspector_required)?;
            if *equipment_test_required && !facts.equipment.allows_opening() {
                return Err(DayRefusal::EquipmentNotPassed {
                    standing: facts.equipment,
                });
            }
        }
    }
    let next = apply(day, action, now, polls_open, polls_close)?;
    if next.state == DayState::Closed && facts.outstanding > 0 && !facts.paper_fallback {
        return Err(DayRefusal::BallotsOutstanding {
            count: facts.outstanding,
        });
    }
    Ok(next)
}

/// An opening's presence against the station's posts (issue 20): nobody is recorded present
/// whose post has no holder; the head and the governor's representative must be present; an
/// absent inspector is recorded in the minutes, unless the election requires the inspector
/// (`inspector_required`).
pub fn check_presence(
    presence: &Presence,
    assigned: &Presence,
    inspector_required: bool,
) -> Result<(), DayRefusal> {
    let posts = [
        (presence.head, assigned.head, "رئیس شعبه", true),
        (
            presence.governor_rep,
            assigned.governor_rep,
            "نماینده فرماندار",
            true,
        ),
        (
            presence.inspector,
            assigned.inspector,
            "بازرس",
            inspector_required,
        ),
    ];
    for (present, held, who, _) in posts {
        if present && !held {
            return Err(DayRefusal::NotAssigned { who });
        }
    }
    for (present, _, who, required) in posts {
        if required && !present {
            return Err(DayRefusal::Absent { who });
        }
    }
    Ok(())
}

/// Why a checked-in voter left without voting («خروج بدون رأی»): the fixed list the head
/// picks from; `Other` needs its notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WalkoutReason {
    /// Changed their mind and left.
    Declined,
    /// Fell ill or could not go on.
    Unwell,
    /// Called away by an emergency.
    Emergency,
    Other,
}

impl WalkoutReason {
    pub const ALL: [WalkoutReason; 4] =
        [Self::Declined, Self::Unwell, Self::Emergency, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Declined => "declined",
            Self::Unwell => "unwell",
            Self::Emergency => "emergency",
            Self::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Declined => "از رأی دادن منصرف شد و شعبه را ترک کرد",
            Self::Unwell => "بیماری یا ناتوانی",
            Self::Emergency => "ترک شعبه به سبب پیشامد اضطراری",
            Self::Other => "سایر (با توضیح)",
        }
    }
}

/// The head's record that a checked-in voter left without voting: who, why, and the
/// governor's representative who countersigns it (by national id, on the station's device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Walkout {
    pub national_id: crate::ids::NationalId,
    pub reason: WalkoutReason,
    #[serde(default)]
    pub notes: String,
    /// The national id of the station's governor's representative; `None` only when that
    /// post is vacant.
    #[serde(default)]
    pub countersigned_by: Option<crate::ids::NationalId>,
}

/// Where a person stands at a station, as the store finds them when a walk-out is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtStation {
    /// Checked in here, ballot not cast.
    Pending,
    /// Checked in here and the ballot is in the box.
    Voted,
    /// Already recorded as having left without voting.
    LeftWithoutVoting,
    /// Not checked in at this station.
    NotCheckedInHere,
}

/// Decides a walk-out on the facts read in the writing transaction: the station open or
/// paused, the person checked in here with the ballot not cast, a reason (notes for `Other`),
/// and the countersign of the station's own governor's representative — nobody's when the
/// post is vacant, so that the record never claims someone who is not assigned.
pub fn decide_walkout(
    day: &StationDay,
    walkout: &Walkout,
    at_station: AtStation,
    governor_rep: Option<&crate::ids::NationalId>,
) -> Result<(), DayRefusal> {
    if !matches!(day.state, DayState::Open | DayState::Paused) {
        return Err(DayRefusal::NotNow { state: day.state });
    }
    match at_station {
        AtStation::Pending => {}
        AtStation::Voted => return Err(DayRefusal::BallotAlreadyCast),
        AtStation::LeftWithoutVoting => return Err(DayRefusal::WalkoutAlreadyRecorded),
        AtStation::NotCheckedInHere => return Err(DayRefusal::NotCheckedInHere),
    }
    if walkout.reason == WalkoutReason::Other && walkout.notes.trim().is_empty() {
        return Err(DayRefusal::NoReason);
    }
    match (governor_rep, &walkout.countersigned_by) {
        (Some(rep), Some(by)) if rep == by => Ok(()),
        (Some(_), None) => Err(DayRefusal::CountersignRequired),
        (_, Some(_)) => Err(DayRefusal::CountersignMismatch),
        (None, None) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const OPEN: OffsetDateTime = datetime!(2026-05-01 04:30 UTC); // 08:00 Tehran
    const CLOSE: OffsetDateTime = datetime!(2026-05-01 14:30 UTC); // 18:00 Tehran
    const ALL: Presence = Presence {
        head: true,
        governor_rep: true,
        inspector: true,
    };

    fn open(at: OffsetDateTime) -> Result<StationDay, DayRefusal> {
        apply(
            &StationDay::new(CLOSE),
            &DayAction::open_in_full(400),
            at,
            OPEN,
            CLOSE,
        )
    }

    #[test]
    fn a_station_session_lasts_through_its_polling_day() {
        let eight = time::Duration::hours(8);
        // Through the latest a governor may keep it open.
        let latest = CLOSE + MAX_APPROVED_EXTENSION;
        let morning = OPEN - time::Duration::hours(1);
        assert_eq!(station_session_until(morning, eight, OPEN, CLOSE), latest);
        let eve = OPEN - time::Duration::hours(12);
        assert_eq!(station_session_until(eve, eight, OPEN, CLOSE), latest);
        let day_before = eve - time::Duration::minutes(1);
        assert_eq!(
            station_session_until(day_before, eight, OPEN, CLOSE),
            day_before + eight
        );
        let late = latest - time::Duration::minutes(1);
        assert_eq!(
            station_session_until(late, eight, OPEN, CLOSE),
            late + eight
        );
        assert_eq!(
            station_session_until(latest, eight, OPEN, CLOSE),
            latest + eight
        );
        assert!(on_polling_day(eve, OPEN, CLOSE));
        assert!(on_polling_day(late, OPEN, CLOSE));
        assert!(!on_polling_day(day_before, OPEN, CLOSE));
        assert!(!on_polling_day(latest, OPEN, CLOSE));
    }

    #[test]
    fn a_full_day() {
        let day = open(OPEN).unwrap();
        assert!(day.accepts_voters(OPEN));
        let paused = apply(
            &day,
            &DayAction::Pause {
                reason: PauseReason::PowerCut,
                notes: String::new(),
            },
            OPEN + time::Duration::hours(2),
            OPEN,
            CLOSE,
        )
        .unwrap();
        assert!(!paused.accepts_voters(OPEN + time::Duration::hours(2)));
        let resumed = apply(
            &paused,
            &DayAction::Resume,
            OPEN + time::Duration::hours(3),
            OPEN,
            CLOSE,
        )
        .unwrap();
        let extended = apply(
            &resumed,
            &DayAction::extend(CLOSE + time::Duration::hours(2)),
            CLOSE - time::Duration::minutes(5),
            OPEN,
            CLOSE,
        )
        .unwrap();
        assert!(extended.accepts_voters(CLOSE + time::Duration::minutes(30)));
        assert_eq!(
            apply(
                &extended,
                &DayAction::Close,
                CLOSE + time::Duration::hours(1),
                OPEN,
                CLOSE
            ),
            Err(DayRefusal::TooEarlyToClose)
        );
        let closed = apply(
            &extended,
            &DayAction::Close,
            CLOSE + time::Duration::hours(2),
            OPEN,
            CLOSE,
        )
        .unwrap();
        assert_eq!(closed.state, DayState::Closed);
        assert!(!closed.accepts_voters(CLOSE + time::Duration::hours(2)));
        assert_eq!(
            apply(
                &closed,
                &DayAction::Resume,
                CLOSE + time::Duration::hours(3),
                OPEN,
                CLOSE
            )
            .unwrap_err()
            .code(),
            "station_state"
        );
    }

    #[test]
    fn a_station_extends_within_its_bounds_and_the_governor_beyond_them() {
        let day = open(OPEN).unwrap();
        let at = CLOSE - time::Duration::minutes(10);
        let extend = |day: &StationDay, by: time::Duration, limits: ExtensionLimits| {
            apply(
                day,
                &DayAction::Extend {
                    until: day.closes_at + by,
                    limits,
                },
                at,
                OPEN,
                CLOSE,
            )
        };
        let defaults = ExtensionLimits::default();
        let tight =
            ExtensionLimits::new(time::Duration::minutes(30), time::Duration::hours(1)).unwrap();
        // The server's bounds, not fixed ones: an hour at once is too long under a 30-minute
        // step, and fine under the default two hours.
        assert_eq!(
            extend(&day, time::Duration::hours(1), tight),
            Err(DayRefusal::ExtensionTooLong { limits: tight })
        );
        let step = extend(&day, time::Duration::hours(1), defaults).unwrap();
        let mut far = step.clone();
        for _ in 0..5 {
            far = extend(&far, time::Duration::hours(1), defaults).unwrap();
        }
        assert_eq!(far.closes_at, CLOSE + MAX_EXTENSION_DAY);
        let refused = extend(&far, time::Duration::minutes(1), defaults).unwrap_err();
        assert_eq!(refused.code(), "extension_too_long");
        assert!(
            refused.persian().contains("فرماندار"),
            "{}",
            refused.persian()
        );
        // The governor's approval goes past them, with a reason, up to its own ceiling.
        let approve = |day: &StationDay, until: OffsetDateTime, reason: &str| {
            apply(
                day,
                &DayAction::ApproveExtension {
                    until,
                    reason: reason.into(),
                },
                at,
                OPEN,
                CLOSE,
            )
        };
        let later = CLOSE + time::Duration::hours(9);
        assert_eq!(approve(&far, later, " "), Err(DayRefusal::NoReason));
        let approved = approve(&far, later, "صف طولانی رأی‌دهندگان").unwrap();
        assert_eq!(approved.closes_at, later);
        assert_eq!(
            approve(
                &far,
                CLOSE + MAX_APPROVED_EXTENSION + time::Duration::minutes(1),
                "صف"
            ),
            Err(DayRefusal::BeyondApproval)
        );
        assert_eq!(
            DayAction::ApproveExtension {
                until: later,
                reason: String::new()
            }
            .name(),
            "approve_extension"
        );
        // Limits a server may not set: none at all, a step past the day, a day past approval.
        assert!(ExtensionLimits::new(time::Duration::ZERO, time::Duration::hours(1)).is_none());
        assert!(ExtensionLimits::new(time::Duration::hours(2), time::Duration::hours(1)).is_none());
        assert!(ExtensionLimits::new(
            time::Duration::hours(1),
            MAX_APPROVED_EXTENSION + time::Duration::hours(1)
        )
        .is_none());
    }

    #[test]
    fn a_close_waits_for_every_checked_in_voters_ballot() {
        let day = open(OPEN).unwrap();
        let after = CLOSE + time::Duration::minutes(1);
        assert!(DayAction::Close.needs_outstanding_count());
        assert!(!DayAction::Resume.needs_outstanding_count());
        assert_eq!(
            decide(
                &day,
                &DayAction::Close,
                after,
                OPEN,
                CLOSE,
                &DayFacts {
                    outstanding: 2,
                    ..DayFacts::default()
                }
            ),
            Err(DayRefusal::BallotsOutstanding { count: 2 })
        );
        // At a station that fell back to paper, those voters voted on paper: it closes.
        assert_eq!(
            decide(
                &day,
                &DayAction::Close,
                after,
                OPEN,
                CLOSE,
                &DayFacts {
                    outstanding: 2,
                    paper_fallback: true,
                    ..DayFacts::default()
                }
            )
            .map(|d| d.state),
            Ok(DayState::Closed)
        );
        // The day's own rules come first: too early is too early, whatever is outstanding.
        assert_eq!(
            decide(
                &day,
                &DayAction::Close,
                OPEN,
                OPEN,
                CLOSE,
                &DayFacts {
                    outstanding: 2,
                    ..DayFacts::default()
                }
            ),
            Err(DayRefusal::TooEarlyToClose)
        );
        let closed = decide(
            &day,
            &DayAction::Close,
            after,
            OPEN,
            CLOSE,
            &DayFacts {
                outstanding: 0,
                ..DayFacts::default()
            },
        )
        .unwrap();
        assert_eq!(closed.state, DayState::Closed);
        // Only a close counts them.
        let paused = decide(
            &day,
            &DayAction::Pause {
                reason: PauseReason::PowerCut,
                notes: String::new(),
            },
            OPEN,
            OPEN,
            CLOSE,
            &DayFacts {
                outstanding: 5,
                ..DayFacts::default()
            },
        )
        .unwrap();
        assert_eq!(paused.state, DayState::Paused);
        assert_eq!(
            [
                DayAction::open_in_full(400).name(),
                DayAction::Close.name(),
                DayAction::Resume.name()
            ],
            ["open", "close", "resume"]
        );
    }

    #[test]
    fn opening_needs_its_hour_its_quorum_and_the_empty_box() {
        assert_eq!(
            open(OPEN - time::Duration::minutes(1)),
            Err(DayRefusal::BeforePollsOpen)
        );
        assert_eq!(open(CLOSE), Err(DayRefusal::AfterPollsClose));
        // The head and the governor's representative must be present.
        for presence in [
            Presence { head: false, ..ALL },
            Presence {
                governor_rep: false,
                ..ALL
            },
        ] {
            assert_eq!(
                check_presence(&presence, &ALL, false).unwrap_err().code(),
                "opening_quorum"
            );
        }
        // An absent inspector is recorded, unless the election requires the inspector.
        let no_inspector = Presence {
            inspector: false,
            ..ALL
        };
        assert_eq!(check_presence(&no_inspector, &ALL, false), Ok(()));
        assert_eq!(
            check_presence(&no_inspector, &ALL, true),
            Err(DayRefusal::Absent { who: "بازرس" })
        );
        // Nobody is recorded present whose post is vacant: not even the inspector who is
        // required (the election cannot open such a station until one is assigned).
        let vacant = Presence {
            inspector: false,
            ..ALL
        };
        assert_eq!(
            check_presence(&ALL, &vacant, false),
            Err(DayRefusal::NotAssigned { who: "بازرس" })
        );
        assert_eq!(check_presence(&no_inspector, &vacant, false), Ok(()));
        assert_eq!(
            check_presence(&no_inspector, &vacant, true),
            Err(DayRefusal::Absent { who: "بازرس" })
        );
        // Through decide, with the station's posts as the store read them.
        let opening = |presence, inspector_required| DayAction::Open {
            presence,
            empty_box_shown: true,
            zero_reports_shown: true,
            forms_received: Some(400),
            inspector_required,
            equipment_test_required: false,
        };
        let facts = DayFacts {
            outstanding: 0,
            assigned: vacant,
            ..DayFacts::default()
        };
        let day = StationDay::new(CLOSE);
        assert_eq!(
            decide(&day, &opening(ALL, false), OPEN, OPEN, CLOSE, &facts),
            Err(DayRefusal::NotAssigned { who: "بازرس" })
        );
        let opened = decide(
            &day,
            &opening(no_inspector, false),
            OPEN,
            OPEN,
            CLOSE,
            &facts,
        )
        .unwrap();
        assert_eq!(
            opened.presence,
            Some(no_inspector),
            "the absence is recorded"
        );
        // An election that requires the equipment test: only a pass or the county's
        // override opens the station.
        use crate::test_deck::EquipmentStanding;
        let mut strict = DayAction::open_in_full(400);
        if let DayAction::Open {
            equipment_test_required,
            ..
        } = &mut strict
        {
            *equipment_test_required = true;
        }
        assert!(strict.needs_equipment_standing());
        assert!(!DayAction::open_in_full(400).needs_equipment_standing());
        for standing in EquipmentStanding::ALL {
            let facts = DayFacts {
                assigned: ALL,
                equipment: standing,
                ..DayFacts::default()
            };
            let decided = decide(&day, &strict, OPEN, OPEN, CLOSE, &facts);
            if standing.allows_opening() {
                assert_eq!(decided.map(|d| d.state), Ok(DayState::Open));
            } else {
                assert_eq!(decided, Err(DayRefusal::EquipmentNotPassed { standing }));
            }
        }
        let r = apply(
            &StationDay::new(CLOSE),
            &DayAction::open(
                ALL,
                Shown {
                    empty_box: false,
                    zero_reports: true,
                },
                Some(400),
            ),
            OPEN,
            OPEN,
            CLOSE,
        );
        assert_eq!(r, Err(DayRefusal::EmptyBoxNotShown));
        let r = apply(
            &StationDay::new(CLOSE),
            &DayAction::open(
                ALL,
                Shown {
                    empty_box: true,
                    zero_reports: false,
                },
                Some(400),
            ),
            OPEN,
            OPEN,
            CLOSE,
        );
        assert_eq!(r, Err(DayRefusal::ZeroReportsNotShown));
        let shown = Shown {
            empty_box: true,
            zero_reports: true,
        };
        for forms in [None, Some(MAX_FORMS_RECEIVED + 1)] {
            let r = apply(
                &StationDay::new(CLOSE),
                &DayAction::open(ALL, shown, forms),
                OPEN,
                OPEN,
                CLOSE,
            );
            assert_eq!(r, Err(DayRefusal::FormsNotCounted), "{forms:?}");
        }
        let opened = apply(
            &StationDay::new(CLOSE),
            &DayAction::open(ALL, shown, Some(0)),
            OPEN,
            OPEN,
            CLOSE,
        )
        .unwrap();
        assert_eq!(opened.forms_received, Some(0), "none received is recorded");
        let day = open(OPEN).unwrap();
        assert_eq!(
            apply(&day, &DayAction::open_in_full(400), OPEN, OPEN, CLOSE)
                .unwrap_err()
                .code(),
            "station_state"
        );
    }

    #[test]
    fn pauses_need_a_reason_and_extensions_go_later() {
        let day = open(OPEN).unwrap();
        assert_eq!(
            apply(
                &day,
                &DayAction::Pause {
                    reason: PauseReason::Other,
                    notes: "  ".into()
                },
                OPEN,
                OPEN,
                CLOSE
            ),
            Err(DayRefusal::NoReason)
        );
        assert_eq!(
            apply(&day, &DayAction::Resume, OPEN, OPEN, CLOSE)
                .unwrap_err()
                .code(),
            "station_state"
        );
        assert_eq!(
            apply(&day, &DayAction::extend(CLOSE), OPEN, OPEN, CLOSE),
            Err(DayRefusal::NotLater)
        );
        assert_eq!(
            apply(
                &StationDay::new(CLOSE),
                &DayAction::Close,
                CLOSE,
                OPEN,
                CLOSE
            )
            .unwrap_err()
            .code(),
            "station_state"
        );
    }

    #[test]
    fn a_pause_keeps_its_reason_and_start_until_voting_resumes() {
        let day = open(OPEN).unwrap();
        let at = OPEN + time::Duration::hours(2);
        let paused = apply(
            &day,
            &DayAction::pause("device_fault", " دستگاه احراز هویت "),
            at,
            OPEN,
            CLOSE,
        )
        .unwrap();
        let pause = paused.pause.clone().unwrap();
        assert_eq!(pause.reason, PauseReason::DeviceFault);
        assert_eq!(pause.notes, "دستگاه احراز هویت");
        assert_eq!(pause.since, at);
        assert_eq!(
            pause.lasted(at + time::Duration::minutes(25)),
            time::Duration::minutes(25)
        );
        assert_eq!(
            pause.lasted(at - time::Duration::minutes(1)),
            time::Duration::ZERO
        );
        assert_eq!(pause.persian(), "خرابی دستگاه: دستگاه احراز هویت");
        // An extension keeps the pause; resuming ends it.
        let extended = apply(
            &paused,
            &DayAction::extend(CLOSE + time::Duration::hours(1)),
            at,
            OPEN,
            CLOSE,
        )
        .unwrap();
        assert_eq!(extended.pause, Some(pause));
        let resumed = apply(&extended, &DayAction::Resume, at, OPEN, CLOSE).unwrap();
        assert_eq!(resumed.pause, None);
        // A listed reason needs no notes; «سایر» does.
        assert!(apply(&day, &DayAction::pause("power_cut", ""), at, OPEN, CLOSE).is_ok());
        assert_eq!(
            apply(&day, &DayAction::pause("other", " "), at, OPEN, CLOSE),
            Err(DayRefusal::NoReason)
        );
    }

    #[test]
    fn a_pause_is_read_from_a_code_a_persian_name_or_free_text() {
        assert_eq!(
            DayAction::pause("قطع ارتباط", ""),
            DayAction::Pause {
                reason: PauseReason::LinkDown,
                notes: String::new()
            }
        );
        assert_eq!(
            DayAction::pause("executive_board_order", "نامه ۱۲"),
            DayAction::Pause {
                reason: PauseReason::ExecutiveBoardOrder,
                notes: "نامه ۱۲".into()
            }
        );
        // Free text, as clients sent before the list: «سایر», the text kept as notes.
        assert_eq!(
            DayAction::pause("آتش‌سوزی در ساختمان", "تخلیه"),
            DayAction::Pause {
                reason: PauseReason::Other,
                notes: "آتش‌سوزی در ساختمان؛ تخلیه".into()
            }
        );
        assert_eq!(
            DayAction::pause("", ""),
            DayAction::Pause {
                reason: PauseReason::Other,
                notes: String::new()
            }
        );
        for reason in PauseReason::ALL {
            assert_eq!(PauseReason::parse(reason.as_str()), Some(reason));
            assert_eq!(
                serde_json::to_value(reason).unwrap(),
                serde_json::Value::from(reason.as_str())
            );
        }
        // The JSON of the action (its audit record) names the reason by its code.
        let json = serde_json::to_value(DayAction::pause("power_cut", "")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"action": "pause", "reason": "power_cut", "notes": ""})
        );
    }

    #[test]
    fn an_opening_is_late_past_the_grace() {
        let waiting = StationDay::new(CLOSE);
        assert_eq!(
            waiting.opening_delay(OPEN - time::Duration::hours(1), OPEN),
            None
        );
        assert_eq!(waiting.opening_delay(OPEN + OPENING_GRACE, OPEN), None);
        let nine = OPEN + time::Duration::hours(1);
        assert_eq!(
            waiting.opening_delay(nine, OPEN),
            Some(time::Duration::hours(1))
        );
        let on_time = open(OPEN + time::Duration::minutes(5)).unwrap();
        assert_eq!(on_time.opening_delay(nine, OPEN), None);
        let late = open(OPEN + time::Duration::minutes(40)).unwrap();
        assert_eq!(
            late.opening_delay(nine, OPEN),
            Some(time::Duration::minutes(40)),
            "an opening stays late once it happened"
        );
    }

    #[test]
    fn states_round_trip_their_names_and_serde() {
        for state in DayState::ALL {
            assert_eq!(DayState::parse(state.as_str()), Some(state));
            assert_eq!(
                serde_json::to_value(state).unwrap(),
                serde_json::Value::from(state.as_str())
            );
        }
        assert_eq!(DayState::parse("ajar"), None);
    }

    #[test]
    fn every_refusal_explains_itself_in_persian() {
        for r in [
            DayRefusal::NotNow {
                state: DayState::Closed,
            },
            DayRefusal::BeforePollsOpen,
            DayRefusal::AfterPollsClose,
            DayRefusal::Absent { who: "بازرس" },
            DayRefusal::EmptyBoxNotShown,
            DayRefusal::ZeroReportsNotShown,
            DayRefusal::FormsNotCounted,
            DayRefusal::NoReason,
            DayRefusal::NotLater,
            DayRefusal::TooEarlyToClose,
            DayRefusal::BallotsOutstanding { count: 2 },
            DayRefusal::NotCheckedInHere,
            DayRefusal::BallotAlreadyCast,
            DayRefusal::WalkoutAlreadyRecorded,
            DayRefusal::CountersignRequired,
            DayRefusal::CountersignMismatch,
        ] {
            assert!(
                r.persian()
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{r:?}"
            );
        }
    }

    #[test]
    fn a_walkout_is_the_pending_voters_with_a_reason_and_the_reps_countersign() {
        use crate::ids::NationalId;
        let voter = NationalId::with_check_digit(600_000_001).unwrap();
        let rep = NationalId::with_check_digit(700_000_002).unwrap();
        let stranger = NationalId::with_check_digit(700_000_003).unwrap();
        let walkout = |reason, notes: &str, by: Option<&NationalId>| Walkout {
            national_id: voter.clone(),
            reason,
            notes: notes.into(),
            countersigned_by: by.cloned(),
        };
        let day = open(OPEN).unwrap();
        let signed = walkout(WalkoutReason::Declined, "", Some(&rep));
        assert_eq!(
            decide_walkout(&day, &signed, AtStation::Pending, Some(&rep)),
            Ok(())
        );
        // Paused counts as the day still running; before opening and after closing, no.
        let paused = StationDay {
            state: DayState::Paused,
            ..day.clone()
        };
        assert_eq!(
            decide_walkout(&paused, &signed, AtStation::Pending, Some(&rep)),
            Ok(())
        );
        for state in [DayState::NotOpened, DayState::Closed] {
            let other = StationDay {
                state,
                ..day.clone()
            };
            assert_eq!(
                decide_walkout(&other, &signed, AtStation::Pending, Some(&rep)),
                Err(DayRefusal::NotNow { state })
            );
        }
        for (at, refusal) in [
            (AtStation::Voted, DayRefusal::BallotAlreadyCast),
            (
                AtStation::LeftWithoutVoting,
                DayRefusal::WalkoutAlreadyRecorded,
            ),
            (AtStation::NotCheckedInHere, DayRefusal::NotCheckedInHere),
        ] {
            assert_eq!(decide_walkout(&day, &signed, at, Some(&rep)), Err(refusal));
        }
        // `Other` needs its notes.
        assert_eq!(
            decide_walkout(
                &day,
                &walkout(WalkoutReason::Other, " ", Some(&rep)),
                AtStation::Pending,
                Some(&rep)
            ),
            Err(DayRefusal::NoReason)
        );
        assert_eq!(
            decide_walkout(
                &day,
                &walkout(WalkoutReason::Other, "کارت شناسایی همراه نداشت", Some(&rep)),
                AtStation::Pending,
                Some(&rep)
            ),
            Ok(())
        );
        // Only the station's own representative countersigns; nobody when the post is vacant.
        let cases = [
            (None, Some(&rep), DayRefusal::CountersignRequired),
            (Some(&stranger), Some(&rep), DayRefusal::CountersignMismatch),
            (Some(&rep), None, DayRefusal::CountersignMismatch),
        ];
        for (by, assigned, refusal) in cases {
            assert_eq!(
                decide_walkout(
                    &day,
                    &walkout(WalkoutReason::Unwell, "", by),
                    AtStation::Pending,
                    assigned
                ),
                Err(refusal)
            );
        }
        assert_eq!(
            decide_walkout(
                &day,
                &walkout(WalkoutReason::Unwell, "", None),
                AtStation::Pending,
                None
            ),
            Ok(())
        );
        for r in WalkoutReason::ALL {
            assert_eq!(WalkoutReason::parse(r.as_str()), Some(r));
        }
    }
}
