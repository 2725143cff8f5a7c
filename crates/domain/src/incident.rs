//! Incidents (issue 16 §5): cyber and physical incidents and reported violations, filed at a
//! station or for a whole county, each with its category, severity, when it happened, who
//! filed it, a description and optionally a photo.
//!
//! An incident moves through [`IncidentStatus`] strictly in order — open → acknowledged → in
//! progress → resolved — each step timed and by whom ([`check_step`]); a step out of order is
//! refused ([`IncidentRefusal::OutOfOrder`]). Each severity has a response-time target
//! ([`Targets`]): the time from **filing** to **acknowledgement**, and from filing to
//! **resolution**. The deadlines are fixed when the incident is filed ([`Targets::dues`]) and
//! kept with it, so a later change of targets does not move an incident's deadlines;
//! [`Incident::overdue`] says which one has passed.

use crate::registration::MediaType;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The shortest description, in characters (after trimming): a few words that say what
/// happened.
pub const MIN_DESCRIPTION_CHARS: usize = 10;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// The longest note on a step, in characters.
pub const MAX_NOTE_CHARS: usize = 1_000;
/// The largest photo, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// How long before its filing an incident may have happened (older ones are not incidents of
/// the election's operations but matters for the boards).
pub const MAX_BACKDATE: Duration = Duration::days(7);

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal => $persian:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vm])* $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant,)*];
            /// The stored and API code (snake_case).
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            pub fn persian(self) -> &'static str {
                match self {
                    $(Self::$variant => $persian,)*
                }
            }
        }
    };
}

coded_enum! {
    /// What kind of incident.
    Category {
        Cyber = "cyber" => "امنیت سایبری",
        Physical = "physical" => "حادثه فیزیکی",
        Violation = "violation" => "تخلف گزارش‌شده",
    }
}

coded_enum! {
    /// A fixed list of what happened, each under one [`Category`].
    Subcategory {
        LinkDown = "link_down" => "قطع یا اختلال ارتباط شبکه",
        Intrusion = "intrusion" => "نفوذ یا دسترسی غیرمجاز",
        Malware = "malware" => "بدافزار یا رفتار مشکوک دستگاه",
        AccountMisuse = "account_misuse" => "سوءاستفاده از حساب کاربری",
        OtherCyber = "other_cyber" => "سایر موارد سایبری",
        PowerCut = "power_cut" => "قطع برق",
        EquipmentDamage = "equipment_damage" => "آسیب یا خرابی تجهیزات",
        Disturbance = "disturbance" => "ناآرامی یا درگیری",
        FireOrHazard = "fire_or_hazard" => "آتش‌سوزی یا خطر ایمنی",
        Theft = "theft" => "سرقت یا مفقود شدن اقلام",
        OtherPhysical = "other_physical" => "سایر حوادث فیزیکی",
        Campaigning = "campaigning" => "تبلیغات غیرمجاز در محل شعبه",
        VoteBuying = "vote_buying" => "خرید و فروش رأی",
        IdentityFraud = "identity_fraud" => "رأی دادن با هویت دیگری",
        StaffMisconduct = "staff_misconduct" => "تخلف عوامل اجرایی",
        Obstruction = "obstruction" => "ممانعت از کار بازرسان یا ناظران",
        OtherViolation = "other_violation" => "سایر تخلفات",
    }
}

impl Subcategory {
    /// The category this belongs under.
    pub fn category(self) -> Category {
        match self {
            Self::LinkDown
            | Self::Intrusion
            | Self::Malware
            | Self::AccountMisuse
            | Self::OtherCyber => Category::Cyber,
            Self::PowerCut
            | Self::EquipmentDamage
            | Self::Disturbance
            | Self::FireOrHazard
            | Self::Theft
            | Self::OtherPhysical => Category::Physical,
            Self::Campaigning
            | Self::VoteBuying
            | Self::IdentityFraud
            | Self::StaffMisconduct
            | Self::Obstruction
            | Self::OtherViolation => Category::Violation,
        }
    }
}

impl Category {
    /// Its subcategories, in the list's order.
    pub fn subcategories(self) -> impl Iterator<Item = Subcategory> {
        Subcategory::ALL
            .iter()
            .copied()
            .filter(move |s| s.category() == self)
    }
}

coded_enum! {
    /// How grave an incident is; the graver, the sooner it must be answered ([`Targets`]).
    Severity {
        Low = "low" => "کم",
        Medium = "medium" => "متوسط",
        High = "high" => "زیاد",
        Critical = "critical" => "بحرانی",
    }
}

coded_enum! {
    /// Where an incident stands. It moves only forward, one status at a time.
    IncidentStatus {
        Open = "open" => "باز",
        Acknowledged = "acknowledged" => "دیده شد",
        InProgress = "in_progress" => "در حال رسیدگی",
        Resolved = "resolved" => "رفع شد",
    }
}

impl IncidentStatus {
    /// The status the next step leads to; none after resolution.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Open => Some(Self::Acknowledged),
            Self::Acknowledged => Some(Self::InProgress),
            Self::InProgress => Some(Self::Resolved),
            Self::Resolved => None,
        }
    }

    /// The step that leads to this status, as a verb (for a form's button).
    pub fn step_persian(self) -> &'static str {
        match self {
            Self::Open => "ثبت",
            Self::Acknowledged => "اعلام دیده شدن",
            Self::InProgress => "آغاز رسیدگی",
            Self::Resolved => "اعلام رفع",
        }
    }
}

/// The response-time target of one severity: how long after filing an incident must be
/// acknowledged, and how long after filing it must be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Target {
    pub acknowledge: Duration,
    pub resolve: Duration,
}

/// The targets of every severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub low: Target,
    pub medium: Target,
    pub high: Target,
    pub critical: Target,
}

impl Default for Targets {
    /// Critical: seen in 15 minutes, resolved in 2 hours; high: 30 minutes, 4 hours; medium:
    /// 1 hour, 12 hours; low: 4 hours, 48 hours.
    fn default() -> Self {
        let t = |ack: i64, resolve: i64| Target {
            acknowledge: Duration::minutes(ack),
            resolve: Duration::minutes(resolve),
        };
        Self {
            critical: t(15, 2 * 60),
            high: t(30, 4 * 60),
            medium: t(60, 12 * 60),
            low: t(4 * 60, 48 * 60),
        }
    }
}

impl Targets {
    pub fn of(&self, severity: Severity) -> Target {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }

    /// The deadlines of an incident of `severity` filed at `reported_at`.
    pub fn dues(&self, severity: Severity, reported_at: OffsetDateTime) -> Dues {
        let target = self.of(severity);
        Dues {
            acknowledge_by: reported_at + target.acknowledge,
            resolve_by: reported_at + target.resolve,
        }
    }
}

/// An incident's deadlines, fixed when it is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dues {
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub acknowledge_by: OffsetDateTime,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub resolve_by: OffsetDateTime,
}

/// Which deadline an incident has missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = IncidentOverdue))]
pub enum Overdue {
    /// Still open past its acknowledgement deadline.
    Acknowledgement,
    /// Not resolved past its resolution deadline.
    Resolution,
}

impl Overdue {
    pub fn persian(self) -> &'static str {
        match self {
            Self::Acknowledgement => "دیده نشده، از مهلت گذشته",
            Self::Resolution => "رفع نشده، از مهلت گذشته",
        }
    }
}

/// Which deadline an incident in `status` with `dues` has missed at `now`: the resolution's
/// first (it is the graver), then the acknowledgement's while it is still open. A resolved
/// incident is never overdue.
pub fn overdue(status: IncidentStatus, dues: Dues, now: OffsetDateTime) -> Option<Overdue> {
    if status == IncidentStatus::Resolved {
        None
    } else if now > dues.resolve_by {
        Some(Overdue::Resolution)
    } else if status == IncidentStatus::Open && now > dues.acknowledge_by {
        Some(Overdue::Acknowledgement)
    } else {
        None
    }
}

/// What the one filing says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub county: String,
    /// The station it happened at; none for one of the county (its network, its offices).
    pub station: Option<String>,
    pub subcategory: Subcategory,
    pub severity: Severity,
    /// When it happened (at or before the filing).
    #[serde(with = "crate::json_time::instant")]
    pub occurred_at: OffsetDateTime,
    pub description: String,
}

impl IncidentReport {
    pub fn category(&self) -> Category {
        self.subcategory.category()
    }
}

/// An incident's photo, kept outside the database under its content hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentPhoto {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub media_type: MediaType,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// An incident as filed and as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: i64,
    pub county: String,
    pub station: Option<String>,
    pub category: Category,
    pub subcategory: Subcategory,
    pub severity: Severity,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub occurred_at: OffsetDateTime,
    /// When it was filed: the response-time targets run from here.
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub reported_at: OffsetDateTime,
    /// The account that filed it.
    pub reported_by: String,
    pub description: String,
    pub photo: Option<IncidentPhoto>,
    pub status: IncidentStatus,
    /// When the last step (or the filing) was taken.
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: OffsetDateTime,
    pub dues: Dues,
}

impl Incident {
    /// Which deadline it has missed at `now`, if any.
    pub fn overdue(&self, now: OffsetDateTime) -> Option<Overdue> {
        overdue(self.status, self.dues, now)
    }
}

/// One step an incident took: the status it led to, when, by whom, with a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentStep {
    pub status: IncidentStatus,
    #[serde(with = "crate::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: OffsetDateTime,
    pub by: String,
    pub note: String,
}

/// Why a filing or a step is refused. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentRefusal {
    /// The description is shorter than [`MIN_DESCRIPTION_CHARS`].
    DescriptionTooShort,
    /// The description is longer than [`MAX_DESCRIPTION_CHARS`].
    DescriptionTooLong,
    /// A step's note is longer than [`MAX_NOTE_CHARS`].
    NoteTooLong,
    /// A resolution says what was done: its note may not be empty.
    ResolutionNeedsNote,
    /// It happened after it was filed.
    OccurredInFuture,
    /// It happened more than [`MAX_BACKDATE`] before it was filed.
    OccurredTooLongAgo,
    /// A step that is not the next one: `to` asked while the incident is `from`.
    OutOfOrder {
        from: IncidentStatus,
        to: IncidentStatus,
    },
    /// A step timed before the incident's last one.
    StepBeforeLast,
    /// The photo is empty, too large, or not a JPEG or PNG by its content.
    PhotoEmpty,
    PhotoTooLarge,
    PhotoNotAnImage,
    /// The photo declares one type and is another.
    PhotoMismatch,
    /// The station is not in the county given, or does not exist.
    StationNotInCounty,
}

impl IncidentRefusal {
    /// The stable code of the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DescriptionTooShort => "incident_description_too_short",
            Self::DescriptionTooLong => "incident_description_too_long",
            Self::NoteTooLong => "incident_note_too_long",
            Self::ResolutionNeedsNote => "incident_resolution_needs_note",
            Self::OccurredInFuture => "incident_in_future",
            Self::OccurredTooLongAgo => "incident_too_old",
            Self::OutOfOrder { .. } => "incident_step_out_of_order",
            Self::StepBeforeLast => "incident_step_before_last",
            Self::PhotoEmpty => "incident_photo_empty",
            Self::PhotoTooLarge => "incident_photo_too_large",
            Self::PhotoNotAnImage => "incident_photo_not_an_image",
            Self::PhotoMismatch => "incident_photo_mismatch",
            Self::StationNotInCounty => "incident_station_not_in_county",
        }
    }

    /// The form field at fault, for the form's error list.
    pub fn field(&self) -> &'static str {
        match self {
            Self::DescriptionTooShort | Self::DescriptionTooLong => "description",
            Self::NoteTooLong | Self::ResolutionNeedsNote => "note",
            Self::OccurredInFuture | Self::OccurredTooLongAgo => "occurred_at",
            Self::OutOfOrder { .. } | Self::StepBeforeLast => "status",
            Self::PhotoEmpty
            | Self::PhotoTooLarge
            | Self::PhotoNotAnImage
            | Self::PhotoMismatch => "photo",
            Self::StationNotInCounty => "station",
        }
    }

    pub fn persian(&self) -> String {
        use crate::text::persian_number;
        match self {
            Self::DescriptionTooShort => format!(
                "شرح رخداد را دست‌کم در {} نویسه بنویسید.",
                persian_number(MIN_DESCRIPTION_CHARS as i64)
            ),
            Self::DescriptionTooLong => format!(
                "شرح رخداد بیش از {} نویسه است.",
                persian_number(MAX_DESCRIPTION_CHARS as i64)
            ),
            Self::NoteTooLong => format!(
                "توضیح بیش از {} نویسه است.",
                persian_number(MAX_NOTE_CHARS as i64)
            ),
            Self::ResolutionNeedsNote => "برای اعلام رفع، بنویسید چه اقدامی انجام شد.".into(),
            Self::OccurredInFuture => "زمان وقوع رخداد پس از زمان ثبت آن است.".into(),
            Self::OccurredTooLongAgo => format!(
                "زمان وقوع بیش از {} روز پیش است؛ چنین موردی را به هیأت‌ها گزارش کنید.",
                persian_number(MAX_BACKDATE.whole_days())
            ),
            Self::OutOfOrder { from, to } => match from.next() {
                Some(next) => format!(
                    "رخداد «{}» است؛ گام بعدی «{}» است، نه «{}».",
                    from.persian(),
                    next.step_persian(),
                    to.step_persian()
                ),
                None => "این رخداد رفع شده است و گام دیگری ندارد.".into(),
            },
            Self::StepBeforeLast => "زمان این گام پیش از گام قبلی رخداد است.".into(),
            Self::PhotoEmpty => "پرونده تصویر خالی است.".into(),
            Self::PhotoTooLarge => format!(
                "تصویر بیش از {} مگابایت است.",
                persian_number((MAX_PHOTO_BYTES / (1024 * 1024)) as i64)
            ),
            Self::PhotoNotAnImage => "پرونده بارگذاری‌شده تصویر JPEG یا PNG نیست.".into(),
            Self::PhotoMismatch => "نوع اعلام‌شده پرونده با محتوای آن یکی نیست.".into(),
            Self::StationNotInCounty => "این شعبه در شهرستان گفته‌شده نیست.".into(),
        }
    }

    /// Whether the refusal is about the request's content (422) rather than the incident's
    /// state (409).
    pub fn is_invalid_input(&self) -> bool {
        !matches!(self, Self::OutOfOrder { .. } | Self::StepBeforeLast)
    }
}

/// The description as kept: trimmed.
pub fn clean_description(text: &str) -> String {
    text.trim().to_owned()
}

/// Checks a filing made at `reported_at`: the description's length (trimmed) and when it
/// happened.
pub fn check_report(
    report: &IncidentReport,
    reported_at: OffsetDateTime,
) -> Result<(), IncidentRefusal> {
    let chars = report.description.trim().chars().count();
    if chars < MIN_DESCRIPTION_CHARS {
        return Err(IncidentRefusal::DescriptionTooShort);
    }
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(IncidentRefusal::DescriptionTooLong);
    }
    if report.occurred_at > reported_at {
        return Err(IncidentRefusal::OccurredInFuture);
    }
    if reported_at - report.occurred_at > MAX_BACKDATE {
        return Err(IncidentRefusal::OccurredTooLongAgo);
    }
    Ok(())
}

/// Checks a step to `to` at `at` with `note`, on an incident now `from` whose last step (or
/// filing) was at `last_at`: only the next status, never before the last step, a note within
/// its length, and a resolution saying what was done.
pub fn check_step(
    from: IncidentStatus,
    last_at: OffsetDateTime,
    to: IncidentStatus,
    at: OffsetDateTime,
    note: &str,
) -> Result<(), IncidentRefusal> {
    if from.next() != Some(to) {
        return Err(IncidentRefusal::OutOfOrder { from, to });
    }
    if at < last_at {
        return Err(IncidentRefusal::StepBeforeLast);
    }
    if note.trim().chars().count() > MAX_NOTE_CHARS {
        return Err(IncidentRefusal::NoteTooLong);
    }
    if to == IncidentStatus::Resolved && note.trim().is_empty() {
        return Err(IncidentRefusal::ResolutionNeedsNote);
    }
    Ok(())
}

/// Checks a photo by its content: not empty, within [`MAX_PHOTO_BYTES`], a JPEG or PNG, and
/// the type it declares (`declared`, the part's Content-Type, if any).
pub fn check_photo(declared: Option<&str>, bytes: &[u8]) -> Result<MediaType, IncidentRefusal> {
    if bytes.is_empty() {
        return Err(IncidentRefusal::PhotoEmpty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(IncidentRefusal::PhotoTooLarge);
    }
    let Some(found @ (MediaType::Jpeg | MediaType::Png)) = crate::registration::sniff(bytes) else {
        return Err(IncidentRefusal::PhotoNotAnImage);
    };
    if let Some(declared) = declared.map(str::trim).filter(|d| !d.is_empty()) {
        let generic = matches!(
            declared.to_ascii_lowercase().as_str(),
            "application/octet-stream" | "binary/octet-stream"
        );
        if !generic && MediaType::from_mime(declared) != Some(found) {
            return Err(IncidentRefusal::PhotoMismatch);
        }
    }
    Ok(found)
}

/// An incident of the demo, filed and stepped as the store would have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoIncident {
    pub report: IncidentReport,
    pub reported_at: OffsetDateTime,
    pub reported_by: String,
    /// Its steps, in order (each the next status).
    pub steps: Vec<IncidentStep>,
}

impl DemoIncident {
    /// Where it stands after its steps.
    pub fn status(&self) -> IncidentStatus {
        self.steps.last().map_or(IncidentStatus::Open, |s| s.status)
    }
}

/// The demo's incidents (issue 16 §8): a few in every status across counties, the first
/// county's first station (the demo's `station` login) among them, all filed before
/// 1404/12/01 09:00 Tehran time (`serve --demo --now "1404/12/01 09:00"`), when some are past
/// their deadlines and some are not. `stations` are `(county, station)` codes, the first of
/// each county first.
pub fn demo(counties: &[String], stations: &[(String, String)]) -> Vec<DemoIncident> {
    // 1404/12/01 09:00 in Tehran.
    let nine = time::macros::datetime!(2026-02-20 05:30 UTC);
    let first_station = |county: &str| {
        stations
            .iter()
            .find(|(c, _)| c == county)
            .map(|(_, s)| s.clone())
    };
    // (county index, at the station?, subcategory, severity, minutes before nine, steps
    // taken, reporter, description)
    type Planned = (
        usize,
        bool,
        Subcategory,
        Severity,
        i64,
        usize,
        &'static str,
        &'static str,
    );
    let plan: [Planned; 14] = [
        (
            0,
            true,
            Subcategory::PowerCut,
            Severity::Critical,
            30,
            0,
            "station",
            "برق ساختمان شعبه قطع شده و برق اضطراری هنوز راه نیفتاده است.",
        ),
        (
            0,
            true,
            Subcategory::Campaigning,
            Severity::Medium,
            10,
            0,
            "inspection",
            "پوستر تبلیغاتی یکی از نامزدها در ورودی حوزه نصب شده است.",
        ),
        (
            0,
            false,
            Subcategory::LinkDown,
            Severity::High,
            50,
            1,
            "governor",
            "ارتباط فیبر نوری مرکز شهرستان با ستاد استان دچار اختلال است.",
        ),
        (
            0,
            true,
            Subcategory::EquipmentDamage,
            Severity::High,
            6 * 60,
            2,
            "inspection",
            "یکی از دستگاه‌های احراز هویت روشن نمی‌شود.",
        ),
        (
            0,
            true,
            Subcategory::Disturbance,
            Severity::Medium,
            26 * 60,
            3,
            "inspection",
            "دو نفر از هواداران نامزدها در محوطه شعبه درگیری لفظی داشتند.",
        ),
        (
            1,
            true,
            Subcategory::Intrusion,
            Severity::Critical,
            3 * 60,
            1,
            "hq",
            "تلاش ناموفق ورود با گذرواژه‌های پیاپی روی حساب عوامل شعبه دیده شد.",
        ),
        (
            1,
            false,
            Subcategory::Theft,
            Severity::Low,
            20 * 60,
            0,
            "hq",
            "دو کارتن تعرفه از انبار فرمانداری مفقود گزارش شده است.",
        ),
        (
            2,
            true,
            Subcategory::VoteBuying,
            Severity::High,
            40,
            0,
            "hq",
            "گزارش مردمی درباره پیشنهاد پول در برابر رأی در نزدیکی شعبه.",
        ),
        (
            2,
            true,
            Subcategory::FireOrHazard,
            Severity::Critical,
            2 * 24 * 60,
            3,
            "hq",
            "بخاری نفتی در اتاق شعبه دود کرده بود؛ اتاق تخلیه و تهویه شد.",
        ),
        (
            3,
            true,
            Subcategory::Malware,
            Severity::Medium,
            90,
            2,
            "hq",
            "پیام ناآشنا روی صفحه دستگاه رأی‌گیری نمایش داده می‌شود.",
        ),
        (
            4,
            false,
            Subcategory::StaffMisconduct,
            Severity::Low,
            5 * 60,
            1,
            "hq",
            "یکی از عوامل اجرایی بدون هماهنگی محل خدمت را ترک کرده است.",
        ),
        (
            5,
            true,
            Subcategory::Obstruction,
            Severity::High,
            4 * 60,
            3,
            "hq",
            "مسئول شعبه از ورود بازرس به شعبه جلوگیری کرده بود.",
        ),
        (
            6,
            true,
            Subcategory::PowerCut,
            Severity::Medium,
            15,
            0,
            "hq",
            "نوسان برق در ساختمان مدرسه محل شعبه.",
        ),
        (
            7,
            true,
            Subcategory::AccountMisuse,
            Severity::Critical,
            5,
            0,
            "hq",
            "رمز عبور دستگاه شعبه روی برگه‌ای کنار دستگاه نوشته شده بود.",
        ),
    ];
    let notes = [
        "گزارش دیده شد و به کارشناس مربوط ارجاع شد.",
        "کارشناس در محل حاضر است و رسیدگی آغاز شد.",
        "مشکل برطرف شد و صورت‌جلسه آن تنظیم شد.",
    ];
    let mut out = Vec::new();
    for (county_at, at_station, subcategory, severity, before, taken, by, description) in plan {
        let Some(county) = counties.get(county_at % counties.len().max(1)) else {
            continue;
        };
        let station = if at_station {
            match first_station(county) {
                Some(s) => Some(s),
                None => continue,
            }
        } else {
            None
        };
        let reported_at = nine - Duration::minutes(before);
        let occurred_at = reported_at - Duration::minutes(5);
        let mut steps = Vec::new();
        let mut status = IncidentStatus::Open;
        let gap = Duration::minutes(before / 4);
        for (i, note) in notes.iter().enumerate().take(taken) {
            let Some(next) = status.next() else { break };
            status = next;
            steps.push(IncidentStep {
                status,
                at: reported_at + gap * (i as i32 + 1),
                by: if county_at == 0 { "governor" } else { "hq" }.to_owned(),
                note: (*note).to_owned(),
            });
        }
        out.push(DemoIncident {
            report: IncidentReport {
                county: county.clone(),
                station,
                subcategory,
                severity,
                occurred_at,
                description: description.to_owned(),
            },
            reported_at,
            reported_by: by.to_owned(),
            steps,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-02-20 05:30 UTC);

    fn report(description: &str, occurred_at: OffsetDateTime) -> IncidentReport {
        IncidentReport {
            county: "01".into(),
            station: Some("0100001".into()),
            subcategory: Subcategory::PowerCut,
            severity: Severity::High,
            occurred_at,
            description: description.into(),
        }
    }

    #[test]
    fn every_subcategory_is_under_one_category_and_every_category_has_some() {
        for category in Category::ALL {
            assert!(category.subcategories().count() >= 2, "{category:?}");
            assert!(category.subcategories().all(|s| s.category() == *category));
        }
        let total: usize = Category::ALL
            .iter()
            .map(|c| c.subcategories().count())
            .sum();
        assert_eq!(total, Subcategory::ALL.len());
    }

    #[test]
    fn codes_round_trip_and_read_in_persian() {
        fn persian(s: &str) -> bool {
            s.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
        }
        for s in Subcategory::ALL {
            assert_eq!(Subcategory::parse(s.as_str()), Some(*s));
            assert!(persian(s.persian()));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(*s));
            assert!(persian(s.persian()));
        }
        for s in IncidentStatus::ALL {
            assert_eq!(IncidentStatus::parse(s.as_str()), Some(*s));
            assert!(persian(s.persian()) && persian(s.step_persian()));
        }
        assert_eq!(Category::parse("cyber"), Some(Category::Cyber));
        assert_eq!(Category::parse("Cyber"), None);
    }

    #[test]
    fn a_report_needs_a_description_of_sensible_length_and_a_past_time() {
        assert_eq!(check_report(&report("برق شعبه قطع شد", T0), T0), Ok(()));
        assert_eq!(
            check_report(&report("   قطع   ", T0), T0),
            Err(IncidentRefusal::DescriptionTooShort)
        );
        let long = "ا".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(
            check_report(&report(&long, T0), T0),
            Err(IncidentRefusal::DescriptionTooLong)
        );
        assert_eq!(
            check_report(
                &report(&"ا".repeat(MAX_DESCRIPTION_CHARS), T0 - Duration::hours(1)),
                T0
            ),
            Ok(())
        );
        assert_eq!(
            check_report(&report("برق شعبه قطع شد", T0 + Duration::minutes(1)), T0),
            Err(IncidentRefusal::OccurredInFuture)
        );
        assert_eq!(
            check_report(&report("برق شعبه قطع شد", T0 - Duration::days(8)), T0),
            Err(IncidentRefusal::OccurredTooLongAgo)
        );
    }

    #[test]
    fn steps_go_forward_one_at_a_time() {
        use IncidentStatus::*;
        assert_eq!(check_step(Open, T0, Acknowledged, T0, ""), Ok(()));
        assert_eq!(check_step(Acknowledged, T0, InProgress, T0, ""), Ok(()));
        assert_eq!(
            check_step(InProgress, T0, Resolved, T0, "برق وصل شد"),
            Ok(())
        );
        assert_eq!(
            check_step(Open, T0, Resolved, T0, "x"),
            Err(IncidentRefusal::OutOfOrder {
                from: Open,
                to: Resolved
            })
        );
        assert_eq!(
            check_step(Resolved, T0, Resolved, T0, "x"),
            Err(IncidentRefusal::OutOfOrder {
                from: Resolved,
                to: Resolved
            })
        );
        assert_eq!(
            check_step(Open, T0, Acknowledged, T0 - Duration::seconds(1), ""),
            Err(IncidentRefusal::StepBeforeLast)
        );
        assert_eq!(
            check_step(InProgress, T0, Resolved, T0, "  "),
            Err(IncidentRefusal::ResolutionNeedsNote)
        );
        assert_eq!(
            check_step(Open, T0, Acknowledged, T0, &"x".repeat(MAX_NOTE_CHARS + 1)),
            Err(IncidentRefusal::NoteTooLong)
        );
        let out = IncidentRefusal::OutOfOrder {
            from: Open,
            to: Resolved,
        };
        assert!(!out.is_invalid_input());
        assert!(out.persian().contains("اعلام دیده شدن"), "{}", out.persian());
    }

    #[test]
    fn targets_measure_from_filing_and_flag_the_missed_deadline() {
        let dues = Targets::default().dues(Severity::Critical, T0);
        assert_eq!(dues.acknowledge_by, T0 + Duration::minutes(15));
        assert_eq!(dues.resolve_by, T0 + Duration::hours(2));
        use IncidentStatus::*;
        let at = |m: i64| T0 + Duration::minutes(m);
        assert_eq!(
            overdue(Open, dues, at(15)),
            None,
            "the deadline itself is in time"
        );
        assert_eq!(overdue(Open, dues, at(16)), Some(Overdue::Acknowledgement));
        assert_eq!(overdue(Acknowledged, dues, at(16)), None);
        assert_eq!(
            overdue(InProgress, dues, at(121)),
            Some(Overdue::Resolution)
        );
        assert_eq!(overdue(Open, dues, at(121)), Some(Overdue::Resolution));
        assert_eq!(overdue(Resolved, dues, at(10_000)), None);
    }

    #[test]
    fn graver_incidents_have_shorter_targets() {
        let t = Targets::default();
        for pair in Severity::ALL.windows(2) {
            let (lighter, graver) = (t.of(pair[0]), t.of(pair[1]));
            assert!(graver.acknowledge < lighter.acknowledge, "{pair:?}");
            assert!(graver.resolve < lighter.resolve, "{pair:?}");
        }
        for s in Severity::ALL {
            assert!(t.of(*s).acknowledge < t.of(*s).resolve);
        }
    }

    #[test]
    fn a_photo_is_judged_by_its_content() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let jpeg = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0".to_vec();
        assert_eq!(check_photo(Some("image/png"), &png), Ok(MediaType::Png));
        assert_eq!(check_photo(None, &jpeg), Ok(MediaType::Jpeg));
        assert_eq!(
            check_photo(Some("application/octet-stream"), &jpeg),
            Ok(MediaType::Jpeg)
        );
        assert_eq!(
            check_photo(Some("image/jpeg"), &png),
            Err(IncidentRefusal::PhotoMismatch)
        );
        assert_eq!(
            check_photo(Some("image/png"), b"%PDF-1.7 not a photo"),
            Err(IncidentRefusal::PhotoNotAnImage)
        );
        assert_eq!(
            check_photo(Some("image/png"), b"GIF89a..."),
            Err(IncidentRefusal::PhotoNotAnImage)
        );
        assert_eq!(check_photo(None, b""), Err(IncidentRefusal::PhotoEmpty));
        let mut big = png.clone();
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(check_photo(None, &big), Err(IncidentRefusal::PhotoTooLarge));
    }

    fn status() -> impl Strategy<Value = IncidentStatus> {
        prop::sample::select(IncidentStatus::ALL.to_vec())
    }

    #[test]
    fn the_demo_has_every_status_and_some_overdue_at_nine() {
        let counties: Vec<String> = (1..=25).map(|i| format!("{i:02}")).collect();
        let stations: Vec<(String, String)> = counties
            .iter()
            .map(|c| (c.clone(), format!("{c}00001")))
            .collect();
        let incidents = demo(&counties, &stations);
        for status in IncidentStatus::ALL {
            assert!(
                incidents.iter().any(|i| i.status() == *status),
                "{status:?}"
            );
        }
        let dues = |i: &DemoIncident| Targets::default().dues(i.report.severity, i.reported_at);
        let overdue_now: Vec<_> = incidents
            .iter()
            .filter(|i| overdue(i.status(), dues(i), T0).is_some())
            .collect();
        assert!(overdue_now.len() >= 3, "{}", overdue_now.len());
        assert!(overdue_now.len() < incidents.len());
        for i in &incidents {
            assert_eq!(check_report(&i.report, i.reported_at), Ok(()));
            let mut from = IncidentStatus::Open;
            let mut last = i.reported_at;
            for step in &i.steps {
                assert_eq!(
                    check_step(from, last, step.status, step.at, &step.note),
                    Ok(())
                );
                assert!(step.at <= T0);
                (from, last) = (step.status, step.at);
            }
        }
        assert!(incidents
            .iter()
            .any(|i| i.report.station.as_deref() == Some("0100001")
                && i.status() == IncidentStatus::Open));
    }

    proptest! {
        /// Whatever sequence of steps is tried, the accepted ones walk the statuses in order,
        /// and only the next status is ever accepted.
        #[test]
        fn only_the_next_status_is_ever_accepted(tries in prop::collection::vec(status(), 0..20)) {
            let mut current = IncidentStatus::Open;
            let mut walked = vec![current];
            for to in tries {
                let ok = check_step(current, T0, to, T0, "انجام شد").is_ok();
                prop_assert_eq!(ok, current.next() == Some(to));
                if ok {
                    current = to;
                    walked.push(to);
                }
            }
            prop_assert_eq!(&walked[..], &IncidentStatus::ALL[..walked.len()]);
        }

        /// Overdue never comes before a deadline, and a resolved incident is never overdue.
        #[test]
        fn overdue_only_after_a_deadline(minutes in 0i64..5_000, s in status(), sev in 0usize..4) {
            let dues = Targets::default().dues(Severity::ALL[sev], T0);
            let now = T0 + Duration::minutes(minutes);
            match overdue(s, dues, now) {
                None => prop_assert!(s == IncidentStatus::Resolved || now <= dues.resolve_by),
                Some(Overdue::Resolution) => prop_assert!(now > dues.resolve_by),
                Some(Overdue::Acknowledgement) => {
                    prop_assert!(s == IncidentStatus::Open && now > dues.acknowledge_by);
                }
            }
        }
    }
}
