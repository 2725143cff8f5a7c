//! The audit log in Persian (issue 20): every action the store records, named once here, and the
//! labels and readings of its records' details, so that the audit page shows «ورود به سامانه»
//! and «کد ملی», never `auth.login` or a JSON blob.
//!
//! [`AuditAction`] is the only way the store names an action (`store::AuditEntry::new` takes
//! one), so an action without a Persian name does not compile.

use crate::access::{Role, Scope};
use crate::boards::BoardRole;
use crate::identity::Purpose;
use crate::registration::DocumentKind;
use crate::staffing::Post;
use crate::station::{Area, LinkType};
use crate::station_day::{DayAction, DayState, PauseReason, WalkoutReason};
use crate::text::{persian_decimal, persian_number};
use crate::vetting::{Reviewer, VettingAction, VettingState};
use serde_json::Value;

macro_rules! audit_actions {
    ($($variant:ident = $code:literal => $persian:literal,)*) => {
        /// An action of the audit log: its stored code (`thing.verb`) and its Persian name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($variant,)*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant,)*];

            /// The code the chain stores (and hashes): never change one.
            pub fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            pub fn persian(self) -> &'static str {
                match self {
                    $(Self::$variant => $persian,)*
                }
            }
        }
    };
}

audit_actions! {
    ProvinceLoad = "province.load" => "بارگذاری استان",
    ElectionSeatTable = "election.seat_table" => "تغییر جدول کرسی‌های شوراها",
    AuthLogin = "auth.login" => "ورود به سامانه",
    AuthLogout = "auth.logout" => "خروج از سامانه",
    AuthRevoke = "auth.revoke" => "پایان همه نشست‌های حساب",
    UserCreate = "user.create" => "ایجاد حساب کاربری",
    UserDisable = "user.disable" => "غیرفعال کردن حساب کاربری",
    UserEnable = "user.enable" => "فعال کردن حساب کاربری",
    UserPassword = "user.password" => "تغییر گذرواژه",
    IdentityCodeSent = "identity.code_sent" => "ارسال کد یک‌بارمصرف",
    IdentityNoMatch = "identity.no_match" => "استعلام هویت بی‌نتیجه",
    IdentityVerified = "identity.verified" => "تأیید هویت با کد",
    IdentityWrongCode = "identity.wrong_code" => "کد نادرست",
    IdentityProofSpent = "identity.proof_spent" => "به‌کارگیری تأیید هویت",
    PersonCreate = "person.create" => "ثبت شخص",
    PersonImport = "person.import" => "درون‌برد اشخاص",
    StaffAssign = "staff.assign" => "گماردن عامل شعبه",
    StaffUnassign = "staff.unassign" => "برداشتن عامل شعبه",
    BoardMemberAdd = "board.member_add" => "افزودن عضو هیأت",
    BoardMemberRemove = "board.member_remove" => "برداشتن عضو هیأت",
    BoardMeeting = "board.meeting" => "ثبت جلسه هیأت",
    CandidateAdd = "candidate.add" => "ثبت نامزد",
    RegistrationSubmit = "registration.submit" => "ثبت‌نام داوطلب",
    RegistrationExecutiveReview = "registration.executive_review" => "بررسی هیأت اجرایی",
    RegistrationSupervisionDecision = "registration.supervision_decision" => "تصمیم هیأت نظارت",
    RegistrationObject = "registration.object" => "اعتراض داوطلب",
    RegistrationObjectionDecision = "registration.objection_decision" => "رسیدگی به اعتراض",
    RegistrationWithdraw = "registration.withdraw" => "انصراف داوطلب",
    RegistrationInquiry = "registration.inquiry" => "ثبت پاسخ استعلام",
    RollImport = "roll.import" => "درون‌برد فهرست رأی‌دهندگان",
    CheckinBatch = "checkin.batch" => "ثبت حضور رأی‌دهندگان",
    BallotChallenge = "ballot.challenge" => "بازبینی رمزنگاری برگه به درخواست رأی‌دهنده (برگه باطل و گشوده شد)",
    StationCreate = "station.create" => "ایجاد شعبه",
    StationUpdate = "station.update" => "ویرایش شعبه",
    StationImport = "station.import" => "درون‌برد شعبه‌ها",
    StationOpen = "station.open" => "گشایش شعبه",
    StationPause = "station.pause" => "توقف رأی‌گیری",
    StationResume = "station.resume" => "ازسرگیری رأی‌گیری",
    StationExtend = "station.extend" => "تمدید رأی‌گیری",
    StationApproveExtension = "station.approve_extension" => "تأیید تمدید به دستور فرماندار",
    StationClose = "station.close" => "پایان رأی‌گیری شعبه",
    StationWalkout = "station.walkout" => "ترک شعبه بی رأی",
    ReadinessDeclare = "readiness.declare" => "اعلام وضعیت آمادگی شعبه",
    ReadinessImport = "readiness.import" => "درون‌برد وضعیت آمادگی شعبه‌ها",
    ReadinessWeights = "readiness.weights" => "تغییر وزن شاخص‌های آمادگی",
    TimelineMilestone = "timeline.milestone" => "ویرایش مرحله زمان‌بندی انتخابات",
    // Sensitive stations and the county security council (issue 16).
    SecurityReasons = "security.reasons" => "تعیین فهرست علت‌های حساس بودن شعبه",
    SecurityFlag = "security.flag" => "اعلام شعبه حساس",
    SecurityUnflag = "security.unflag" => "برداشتن حساس بودن شعبه",
    SecurityPlanSave = "security.plan_save" => "نگارش طرح امنیتی شعبه",
    SecurityPlanSubmit = "security.plan_submit" => "فرستادن طرح امنیتی برای تصویب",
    SecurityPlanApprove = "security.plan_approve" => "تصویب طرح امنیتی در شورای تأمین",
    SecurityPlanReturn = "security.plan_return" => "بازگرداندن طرح امنیتی برای اصلاح",
    SecurityCadence = "security.cadence" => "تعیین دوره جلسات شورای تأمین",
    BoardDecisionDone = "board.decision_done" => "ثبت انجام تصمیم جلسه",
    IncidentFile = "incident.file" => "ثبت رخداد",
    IncidentStep = "incident.step" => "گام رسیدگی به رخداد",
    // Equipment tests (issue 16 §6).
    EquipmentTestStart = "equipment_test.start" => "آغاز آزمون صحت تجهیزات شعبه",
    EquipmentTestBallot = "equipment_test.ballot" => "ثبت برگه آزمایشی",
    EquipmentTestFinish = "equipment_test.finish" => "پایان آزمون صحت تجهیزات و داوری آن",
    EquipmentTestOverride = "equipment_test.override" => "مجوز گشایش شعبه بی‌گذراندن آزمون تجهیزات",
    GuardiansCeremony = "guardians.ceremony" => "مراسم کلید انتخابات: کلید عمومی و سهم‌های امینان",
    GuardiansConfirm = "guardians.confirm" => "تأیید دریافت سهم کلید به دست امین",
    GuardiansDecrypt = "guardians.decrypt" => "سهم رمزگشایی امین از جمع آرای شعب",
    // Voting devices (issue 17 §1).
    KioskRequest = "kiosk.request" => "درخواست جفت‌شدن دستگاه رأی‌گیری",
    KioskPair = "kiosk.pair" => "جفت‌کردن دستگاه رأی‌گیری با شعبه",
    KioskRetire = "kiosk.retire" => "کنار گذاشتن دستگاه رأی‌گیری",
    KioskActivate = "kiosk.activate" => "فعال‌کردن برگه رأی روی دستگاه",
    // Station minutes (issue 18 §2).
    SigningKeyRegister = "signing_key.register" => "ثبت کلید امضای صورتجلسه",
    SigningKeyConfirm = "signing_key.confirm" => "تأیید کلید امضای صورتجلسه به دست فرماندار",
    SigningKeyRevoke = "signing_key.revoke" => "ابطال کلید امضای صورتجلسه",
    MinutesDraw = "minutes.draw" => "تنظیم صورتجلسه شمارش آرای شعبه (یا اصلاحیه آن)",
    MinutesSign = "minutes.sign" => "امضای صورتجلسه شمارش آرا",
    MinutesRefuse = "minutes.refuse" => "خودداری از امضای صورتجلسه شمارش آرا",
    // Annulment (issue 18 §5).
    StationAnnul = "station.annul" => "ابطال صندوق شعبه به دست هیئت نظارت",
    StationRestore = "station.restore" => "لغو ابطال صندوق شعبه",
    // The paper fallback (issue 18 §1).
    StationPaperFallback = "station.paper_fallback" => "اعلام رأی‌گیری کاغذی شعبه پس از خرابی دستگاه",
    HandCountEnter = "hand_count.enter" => "ورود شمارش دستی آرا",
    HandCountResolve = "hand_count.resolve" => "حل مغایرت شمارش دستی به دست هیئت اجرایی",
    // Certification and complaints (issue 18 §5).
    ResultApprove = "result.approve" => "تأیید نتیجهٔ شورا به دست هیئت اجرایی",
    ResultConfirm = "result.confirm" => "تأیید نتیجهٔ شورا به دست هیئت نظارت",
    ResultPublish = "result.publish" => "اعلام رسمی نتیجهٔ شورا",
    ResultReopen = "result.reopen" => "بازگشایی نتیجهٔ شورا",
    ComplaintFile = "complaint.file" => "ثبت شکایت نامزد از نتیجه",
    ComplaintDecide = "complaint.decide" => "تصمیم هیئت نظارت شهرستان دربارهٔ شکایت",
    ComplaintObject = "complaint.object" => "اعتراض نامزد به تصمیم دربارهٔ شکایت",
    ComplaintHear = "complaint.hear" => "رسیدگی هیئت نظارت استان به اعتراض",
}

impl AuditAction {
    /// The action stored as `code`, if it is one of ours.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.code() == code)
    }

    /// A station's day action (`station.<name>`, [`DayAction::name`]).
    pub fn of_day(action: &DayAction) -> Self {
        match action {
            DayAction::Open { .. } => Self::StationOpen,
            DayAction::Pause { .. } => Self::StationPause,
            DayAction::Resume => Self::StationResume,
            DayAction::Extend { .. } => Self::StationExtend,
            DayAction::ApproveExtension { .. } => Self::StationApproveExtension,
            DayAction::Close => Self::StationClose,
        }
    }

    /// A vetting step (`registration.<name>`, [`VettingAction::name`]).
    pub fn of_vetting(action: &VettingAction) -> Self {
        match action {
            VettingAction::ExecutiveReview { .. } => Self::RegistrationExecutiveReview,
            VettingAction::SupervisionDecision { .. } => Self::RegistrationSupervisionDecision,
            VettingAction::Object { .. } => Self::RegistrationObject,
            VettingAction::ObjectionDecision { .. } => Self::RegistrationObjectionDecision,
            VettingAction::Withdraw { .. } => Self::RegistrationWithdraw,
        }
    }
}

/// The actors that are not accounts, in Persian: the applicant (`app::registrations::APPLICANT`),
/// the election day's batching writer (`store::election_day::BATCH_ACTOR`), the demo's loader
/// and the command line (`cli`).
pub fn actor_persian(actor: &str) -> Option<&'static str> {
    Some(match actor {
        "applicant" => "داوطلب",
        "election-day-writer" => "ثبت گروهی روز رأی‌گیری",
        "sandoq-demo" => "بارگذاری داده‌های نمایشی",
        "cli" => "مدیر سامانه (خط فرمان)",
        _ => return None,
    })
}

/// The keys the store's records write, in the order a record's details are shown, each with its
/// Persian label.
const DETAIL_LABELS: &[(&str, &str)] = &[
    // Sessions and accounts.
    ("expires_at_us", "پایان نشست"),
    ("expired_sessions_removed", "نشست‌های منقضی پاک‌شده"),
    ("sessions_ended", "نشست‌های پایان‌یافته"),
    ("role", "سمت"),
    ("scope", "حوزه دسترسی"),
    ("purpose", "منظور"),
    // The province's counts.
    ("counties", "شهرستان‌ها"),
    ("districts", "بخش‌ها"),
    ("cities", "شهرها"),
    ("rural_districts", "دهستان‌ها"),
    ("villages", "روستاها"),
    ("councils", "شوراها"),
    ("stations", "شعبه‌ها"),
    ("people", "اشخاص"),
    ("assignments", "گماردن‌ها"),
    ("board_members", "اعضای هیأت‌ها"),
    ("candidates", "نامزدها"),
    ("registrations", "ثبت‌نام‌ها"),
    ("count", "تعداد"),
    ("councils_changed", "شوراهای تغییریافته"),
    // People and boards.
    ("national_id", "کد ملی"),
    ("first_name", "نام"),
    ("last_name", "نام خانوادگی"),
    ("person", "شخص (درهم‌ساز)"),
    ("term_start", "آغاز دوره"),
    ("term_end", "پایان دوره"),
    ("meeting_id", "شماره جلسه"),
    ("held_at_us", "زمان جلسه"),
    ("decisions", "تصمیم‌ها"),
    // Candidacy.
    ("election", "انتخابات"),
    ("council", "شورا"),
    ("documents", "مدارک"),
    ("kind", "نوع"),
    ("sha256", "درهم‌ساز"),
    ("step", "مرحله"),
    ("state", "وضعیت"),
    ("reason", "علت"),
    ("reviewer", "بررسی‌کننده"),
    ("candidate_code", "کد نامزد"),
    // Seats.
    ("seat_table", "جدول کرسی‌ها"),
    ("city", "شهر"),
    ("village", "روستا"),
    ("overrides", "استثناها"),
    ("max_population", "حداکثر جمعیت"),
    ("main", "کرسی اصلی"),
    ("alternate", "کرسی علی‌البدل"),
    // Imports and election day.
    ("source_digest", "درهم‌ساز پرونده"),
    ("codes_digest", "درهم‌ساز کدها"),
    ("digest", "درهم‌ساز"),
    ("checkins", "حضورها"),
    ("ballots", "رأی‌ها"),
    ("accounts", "حساب‌ها"),
    ("action", "اقدام"),
    ("day", "روز رأی‌گیری شعبه"),
    ("opened_at_us", "زمان گشایش"),
    ("closes_at_us", "زمان پایان"),
    ("closed_at_us", "زمان بسته شدن"),
    ("until", "تا"),
    ("presence", "حاضران"),
    ("head", "رئیس شعبه"),
    ("governor_rep", "نماینده فرماندار"),
    ("inspector", "بازرس"),
    ("empty_box_shown", "نمایش صندوق خالی"),
    ("zero_reports_shown", "نمایش گزارش صفر دستگاه‌ها"),
    // A vetting file's inquiry and a rejection's legal grounds.
    ("authority", "مرجع استعلام"),
    ("answer", "پاسخ"),
    ("note", "توضیح"),
    ("grounds", "مستند قانونی"),
    ("forms_received", "تعرفه‌های دریافتی"),
    ("notes", "توضیح"),
    ("countersigned", "تأیید دوم"),
    // A station's record.
    ("code", "کد"),
    ("election_code", "انتخابات"),
    ("county", "شهرستان"),
    ("name", "نام"),
    ("area", "حوزه"),
    ("mobile", "سیار"),
    ("hard_to_reach", "صعب‌العبور"),
    ("expected_voters", "رأی‌دهندگان پیش‌بینی‌شده"),
    ("address", "نشانی"),
    ("postal_code", "کد پستی"),
    ("location", "موقعیت"),
    ("lat", "عرض جغرافیایی"),
    ("lon", "طول جغرافیایی"),
    ("facilities", "امکانات"),
    ("evoting_devices", "دستگاه‌های رأی‌گیری الکترونیکی"),
    ("identity_devices", "دستگاه‌های احراز هویت"),
    ("power_backup", "برق پشتیبان"),
    ("cctv", "دوربین مداربسته"),
    ("link", "ارتباط"),
    ("route", "مسیر"),
    ("arrives_at", "رسیدن"),
    ("leaves_at", "رفتن"),
    ("closed", "بسته"),
    // Readiness and the timeline.
    ("fibre_planned_on", "تاریخ برنامه‌ریزی‌شده اتصال فیبر"),
    ("cctv_installed", "دوربین نصب‌شده"),
    ("cctv_monitored", "پایش پیوسته دوربین"),
    ("devices_installed", "دستگاه‌های نصب‌شده"),
    ("devices_tested", "دستگاه‌های آزمایش‌شده"),
    ("step_free", "دسترسی بی‌پله"),
    ("ready", "آماده"),
    ("weights", "وزن شاخص‌ها"),
    ("key", "شناسه"),
    ("starts_at_us", "آغاز"),
    ("ends_at_us", "پایان"),
    ("owner", "مسئول"),
    ("done_at_us", "زمان انجام"),
    // Sensitive stations and their security plans (issue 16).
    ("station", "شعبه"),
    ("reasons", "علت‌های حساس بودن"),
    ("status", "وضعیت"),
    ("effective_on", "تاریخ اجرای طرح"),
    ("protective_staff", "نیروهای حفاظتی"),
    ("cctv_coverage", "پوشش دوربین"),
    ("starts_on", "نخستین جلسه"),
    ("every_days", "فاصله جلسات (روز)"),
    // An incident (issue 16).
    ("incident", "رخداد"),
    ("category", "دسته رخداد"),
    ("subcategory", "نوع رخداد"),
    ("severity", "شدت"),
    ("occurred_at_us", "زمان وقوع"),
    ("description", "شرح"),
    ("photo", "تصویر"),
    // An equipment test (issue 16 §6).
    ("run", "شماره آزمون"),
    ("decks", "دسته‌های آزمون"),
    ("outcome", "نتیجه آزمون"),
    ("differences", "اختلاف‌ها"),
    ("cast", "برگه‌های ثبت‌شده"),
    // A decision done.
    ("decision", "شماره تصمیم"),
    ("done_note", "شرح انجام"),
    // The demo's load (issue 16's counts).
    ("readiness", "اعلام‌های آمادگی"),
    ("sensitive_stations", "شعب حساس"),
    ("council_meetings", "جلسات شورای تأمین"),
    ("incidents", "رخدادها"),
    ("equipment_runs", "آزمون‌های تجهیزات"),
    // The guardians' election key (issue 17).
    ("key_kind", "کاربرد کلید"),
    ("fingerprint", "اثر انگشت کلید"),
    ("threshold", "آستانه امینان"),
    ("guardians", "امینان"),
    ("guardian", "امین"),
    // Voting devices (issue 17 §1).
    ("kiosk", "دستگاه رأی‌گیری"),
    ("shares", "سهم‌های رمزگشایی"),
    ("counted", "جمع‌های شمرده‌شده"),
    ("number", "شماره دستگاه"),
    // Equipment tests through the kiosks (issue 17 §6).
    ("test_run", "آزمون تجهیزات"),
    // Station minutes (issue 18 §2).
    ("version", "نسخه"),
    ("post", "سمت"),
    ("mark", "امضا یا خودداری"),
    ("public_key", "کلید عمومی"),
    ("username", "حساب کاربری"),
    ("entry", "نوبت ورود"),
    ("count", "شمارش"),
    ("blank", "آرای سفید"),
    ("unused_choices", "انتخاب‌های استفاده‌نشده"),
    ("votes", "آرا"),
    ("outcome", "تصمیم"),
    ("hearing", "نتیجهٔ رسیدگی"),
    ("lottery_commitment", "تعهد بذر قرعه"),
];

/// A detail's key in Persian, if it is one the store writes.
pub fn detail_label(key: &str) -> Option<&'static str> {
    DETAIL_LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, label)| *label)
}

/// Where a key's detail is shown among its record's: in [`DETAIL_LABELS`]' order, unknown keys
/// last.
fn detail_rank(key: &str) -> usize {
    DETAIL_LABELS
        .iter()
        .position(|(k, _)| *k == key)
        .unwrap_or(DETAIL_LABELS.len())
}

/// A part of a detail's label: a key in Persian (or a list's row number), or a key the store
/// wrote that has no Persian name (an account's username, a place code), shown as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelPart {
    Persian(String),
    Code(String),
}

/// How a detail's value reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailValue {
    /// Persian text: a name, a number or a date written out.
    Text(String),
    /// A code, as written: a national id, a station code, a hash.
    Code(String),
    /// A person's national id, for the page to name them beside it.
    NationalId(String),
    /// A county by its code, for the page to name.
    County(String),
    /// An account's scope, for the page to name its county.
    Scope(Scope),
}

/// One row of a record's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// The path to the value, outermost first.
    pub label: Vec<LabelPart>,
    pub value: DetailValue,
}

/// A record's payload as rows: nested objects and lists flattened into their paths, each key in
/// Persian, each value read by its key. An empty payload has no rows.
pub fn details(payload: &Value) -> Vec<Detail> {
    let mut rows = Vec::new();
    flatten(payload, &mut Vec::new(), None, &mut rows);
    rows
}

fn flatten(value: &Value, path: &mut Vec<LabelPart>, key: Option<&str>, rows: &mut Vec<Detail>) {
    if key == Some("scope") {
        if let Ok(scope) = serde_json::from_value::<Scope>(value.clone()) {
            rows.push(row(path, DetailValue::Scope(scope)));
            return;
        }
    }
    match value {
        Value::Object(map) => {
            if map.is_empty() && !path.is_empty() {
                rows.push(row(path, text("—")));
            }
            let mut keys: Vec<(&String, &Value)> = map.iter().collect();
            keys.sort_by_key(|(k, _)| detail_rank(k));
            for (k, v) in keys {
                path.push(label_of(k));
                flatten(v, path, Some(k), rows);
                path.pop();
            }
        }
        Value::Array(items) => {
            if items.is_empty() {
                rows.push(row(path, text("—")));
            }
            for (i, v) in items.iter().enumerate() {
                path.push(LabelPart::Persian(persian_number(i as i64 + 1)));
                // A list's items are read by the list's key (`documents` → their kinds).
                flatten(v, path, key, rows);
                path.pop();
            }
        }
        scalar => rows.push(row(path, read(key.unwrap_or(""), scalar))),
    }
}

fn row(path: &[LabelPart], value: DetailValue) -> Detail {
    Detail {
        label: path.to_vec(),
        value,
    }
}

fn text(s: &str) -> DetailValue {
    DetailValue::Text(s.to_owned())
}

fn label_of(key: &str) -> LabelPart {
    detail_label(key).map_or_else(
        || LabelPart::Code(key.to_owned()),
        |l| LabelPart::Persian(l.to_owned()),
    )
}

/// A scalar read by its key: times and dates as Jalali in Tehran time, numbers with Persian
/// digits, named values (roles, states, reasons) by their Persian names, codes as written.
fn read(key: &str, value: &Value) -> DetailValue {
    match value {
        Value::Null => text("—"),
        Value::Bool(b) => text(if *b { "بله" } else { "خیر" }),
        Value::Number(n) => match (n.as_i64(), key.ends_with("_us")) {
            (Some(us), true) => DetailValue::Text(crate::calendar::jalali_datetime(
                crate::clock::from_micros(us),
            )),
            (Some(i), false) => DetailValue::Text(persian_number(i)),
            (None, _) => DetailValue::Text(persian_decimal(n.as_f64().unwrap_or_default(), 6)),
        },
        Value::String(s) => read_text(key, s),
        // Objects and lists are flattened before they get here.
        other => DetailValue::Code(other.to_string()),
    }
}

fn read_text(key: &str, s: &str) -> DetailValue {
    let named: Option<&'static str> = match key {
        "role" => Role::parse(s)
            .ok()
            .map(Role::persian)
            .or_else(|| BoardRole::parse(s).map(BoardRole::persian)),
        "purpose" => Purpose::parse(s).map(Purpose::persian),
        "state" => VettingState::parse(s)
            .map(VettingState::persian)
            .or_else(|| DayState::parse(s).map(DayState::persian)),
        "step" => Some(crate::vetting::step_persian(s)),
        "reviewer" => serde_json::from_value::<Reviewer>(Value::String(s.to_owned()))
            .ok()
            .map(Reviewer::persian),
        "kind" => DocumentKind::parse(s).map(DocumentKind::persian),
        // A pause's or a walkout's reason is a code from its list; others are free text.
        "reason" => PauseReason::parse(s)
            .map(PauseReason::persian)
            .or_else(|| WalkoutReason::parse(s).map(WalkoutReason::persian)),
        "action" => AuditAction::parse(&format!("station.{s}")).map(AuditAction::persian),
        "area" => Area::parse(s).map(Area::persian),
        "link" => LinkType::parse(s)
            .map(LinkType::persian)
            .or_else(|| crate::readiness::Link::parse(s).map(crate::readiness::Link::persian)),
        "owner" => Role::parse(s).ok().map(Role::persian),
        "post" => Post::parse(s).map(Post::persian),
        "authority" => crate::inquiry::Authority::parse(s).map(crate::inquiry::Authority::persian),
        "answer" => crate::inquiry::Answer::parse(s).map(crate::inquiry::Answer::persian),
        "grounds" => {
            crate::vetting::RejectionGround::parse(s).map(crate::vetting::RejectionGround::persian)
        }
        // A plan's status or an incident's: their codes differ.
        "status" => crate::security::PlanStatus::parse(s)
            .map(crate::security::PlanStatus::persian)
            .or_else(|| {
                crate::incident::IncidentStatus::parse(s)
                    .map(crate::incident::IncidentStatus::persian)
            }),
        "cctv_coverage" => {
            crate::security::CctvCoverage::parse(s).map(crate::security::CctvCoverage::persian)
        }
        "category" => crate::incident::Category::parse(s).map(crate::incident::Category::persian),
        "subcategory" => {
            crate::incident::Subcategory::parse(s).map(crate::incident::Subcategory::persian)
        }
        "severity" => crate::incident::Severity::parse(s).map(crate::incident::Severity::persian),
        "outcome" => {
            crate::test_deck::RunOutcome::parse(s).map(crate::test_deck::RunOutcome::persian)
        }
        _ => None,
    };
    if let Some(persian) = named {
        return text(persian);
    }
    match key {
        "county" => DetailValue::County(s.to_owned()),
        "national_id" => DetailValue::NationalId(s.to_owned()),
        "term_start" | "term_end" | "fibre_planned_on" | "effective_on" | "starts_on" => {
            match parse_iso_date(s) {
                Some(date) => DetailValue::Text(crate::calendar::jalali_numeric(date)),
                None => DetailValue::Code(s.to_owned()),
            }
        }
        "until" | "arrives_at" | "leaves_at" => {
            match time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
                Ok(at) => DetailValue::Text(crate::calendar::jalali_datetime(at)),
                Err(_) => DetailValue::Code(s.to_owned()),
            }
        }
        "first_name" | "last_name" | "name" | "address" | "notes" | "note" | "reason"
        | "description" => DetailValue::Text(s.to_owned()),
        _ if is_code(s) => DetailValue::Code(s.to_owned()),
        _ => DetailValue::Text(s.to_owned()),
    }
}

fn parse_iso_date(s: &str) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &format).ok()
}

/// Text with no letters but Latin ones, digits and code punctuation reads as a code.
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_action_has_one_code_and_a_persian_name() {
        let mut codes = HashSet::new();
        for action in AuditAction::ALL {
            assert!(codes.insert(action.code()), "{} twice", action.code());
            assert_eq!(AuditAction::parse(action.code()), Some(*action));
            assert!(
                action
                    .persian()
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{action:?}"
            );
            assert!(!action.persian().is_ascii());
        }
        assert_eq!(
            AuditAction::parse("auth.login"),
            Some(AuditAction::AuthLogin)
        );
        assert_eq!(AuditAction::AuthLogin.persian(), "ورود به سامانه");
        assert_eq!(AuditAction::parse("auth.unknown"), None);
    }

    #[test]
    fn day_and_vetting_actions_keep_their_codes() {
        let until = time::macros::datetime!(2026-02-01 18:00 UTC);
        let days = [
            DayAction::open_in_full(400),
            DayAction::Pause {
                reason: PauseReason::PowerCut,
                notes: String::new(),
            },
            DayAction::Resume,
            DayAction::Extend {
                until,
                limits: crate::station_day::ExtensionLimits::default(),
            },
            DayAction::ApproveExtension {
                until,
                reason: String::new(),
            },
            DayAction::Close,
        ];
        for day in &days {
            assert_eq!(
                AuditAction::of_day(day).code(),
                format!("station.{}", day.name())
            );
        }
        let reason = String::new;
        let steps = [
            VettingAction::ExecutiveReview {
                qualified: true,
                reason: reason(),
                grounds: Vec::new(),
            },
            VettingAction::SupervisionDecision {
                approved: true,
                reason: reason(),
                grounds: Vec::new(),
            },
            VettingAction::Object { reason: reason() },
            VettingAction::ObjectionDecision {
                upheld: true,
                reason: reason(),
                grounds: Vec::new(),
            },
            VettingAction::Withdraw { reason: reason() },
        ];
        for step in &steps {
            let action = AuditAction::of_vetting(step);
            assert_eq!(action.code(), format!("registration.{}", step.name()));
            // The audit page and the file's history name a step alike.
            assert_eq!(action.persian(), crate::vetting::step_persian(step.name()));
        }
    }

    #[test]
    fn details_are_rows_of_persian_keys_and_readable_values() {
        let payload = serde_json::json!({
            "national_id": "0018465986",
            "role": "trusted",
            "term_start": "2026-01-10",
            "term_end": null,
            "expires_at_us": 1_768_024_800_000_000_i64,
            "sessions_ended": 1200,
            "countersigned": true,
            "county": "11",
            "documents": [{"kind": "photo", "sha256": "ab12"}],
            "day": {"state": "paused"},
            "reason": "power_cut",
        });
        let rows = details(&payload);
        let find = |label: &[&str]| {
            rows.iter()
                .find(|r| {
                    r.label
                        == label
                            .iter()
                            .map(|l| LabelPart::Persian((*l).to_owned()))
                            .collect::<Vec<_>>()
                })
                .map_or_else(|| panic!("no {label:?} in {rows:?}"), |r| r.value.clone())
        };
        assert_eq!(
            find(&["کد ملی"]),
            DetailValue::NationalId("0018465986".into())
        );
        assert_eq!(
            find(&["سمت"]),
            DetailValue::Text(BoardRole::Trusted.persian().into())
        );
        assert_eq!(find(&["آغاز دوره"]), DetailValue::Text("۱۴۰۴/۱۰/۲۰".into()));
        assert_eq!(find(&["پایان دوره"]), DetailValue::Text("—".into()));
        // 2026-01-10 06:00 UTC is 09:30 in Tehran.
        assert_eq!(
            find(&["پایان نشست"]),
            DetailValue::Text("۱۴۰۴/۱۰/۲۰ ۰۹:۳۰".into())
        );
        assert_eq!(
            find(&["نشست‌های پایان‌یافته"]),
            DetailValue::Text("۱٬۲۰۰".into())
        );
        assert_eq!(find(&["تأیید دوم"]), DetailValue::Text("بله".into()));
        assert_eq!(find(&["شهرستان"]), DetailValue::County("11".into()));
        assert_eq!(
            find(&["مدارک", "۱", "نوع"]),
            DetailValue::Text(DocumentKind::Photo.persian().into())
        );
        assert_eq!(
            find(&["مدارک", "۱", "درهم‌ساز"]),
            DetailValue::Code("ab12".into())
        );
        assert_eq!(
            find(&["روز رأی‌گیری شعبه", "وضعیت"]),
            DetailValue::Text(DayState::Paused.persian().into())
        );
        assert_eq!(
            find(&["علت"]),
            DetailValue::Text(PauseReason::PowerCut.persian().into())
        );
    }

    #[test]
    fn a_scope_is_kept_for_the_page_to_name_and_unknown_keys_stay_codes() {
        let rows = details(&serde_json::json!({
            "scope": {"kind": "county", "county": "11"},
            "accounts": {"station-0100001": {"checkins": 3}},
        }));
        assert!(rows.contains(&Detail {
            label: vec![LabelPart::Persian("حوزه دسترسی".into())],
            value: DetailValue::Scope(Scope::County {
                county: "11".into()
            }),
        }));
        assert!(rows.contains(&Detail {
            label: vec![
                LabelPart::Persian("حساب‌ها".into()),
                LabelPart::Code("station-0100001".into()),
                LabelPart::Persian("حضورها".into()),
            ],
            value: DetailValue::Text("۳".into()),
        }));
        assert!(details(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn every_key_a_store_record_writes_has_a_persian_label() {
        // The keys of the store's builders (`store::*` audit entries) and of the records they
        // embed (a station, a day action, a seat table); `store`'s own test checks its builders
        // against `detail_label` too.
        let keys = [
            "expires_at_us",
            "expired_sessions_removed",
            "sessions_ended",
            "role",
            "scope",
            "purpose",
            "counties",
            "districts",
            "cities",
            "rural_districts",
            "villages",
            "councils",
            "stations",
            "people",
            "assignments",
            "board_members",
            "candidates",
            "registrations",
            "count",
            "councils_changed",
            "national_id",
            "first_name",
            "last_name",
            "person",
            "term_start",
            "term_end",
            "meeting_id",
            "held_at_us",
            "decisions",
            "election",
            "council",
            "documents",
            "kind",
            "sha256",
            "step",
            "state",
            "reason",
            "reviewer",
            "candidate_code",
            "seat_table",
            "source_digest",
            "codes_digest",
            "digest",
            "checkins",
            "ballots",
            "accounts",
            "action",
            "day",
            "opened_at_us",
            "closes_at_us",
            "closed_at_us",
            "notes",
            "countersigned",
            "station",
            "reasons",
            "status",
            "effective_on",
            "protective_staff",
            "cctv_coverage",
            "starts_on",
            "every_days",
            "incident",
            "station",
            "category",
            "subcategory",
            "severity",
            "status",
            "occurred_at_us",
            "description",
            "photo",
            "run",
            "decks",
            "outcome",
            "differences",
            "cast",
            "decision",
            "done_note",
            "readiness",
            "sensitive_stations",
            "council_meetings",
            "incidents",
            "equipment_runs",
            "key_kind",
            "fingerprint",
            "threshold",
            "guardians",
            "guardian",
            "kiosk",
            "number",
            "shares",
            "counted",
            "test_run",
        ];
        for key in keys {
            assert!(detail_label(key).is_some(), "{key}");
        }
    }
}
