//! Candidate registration: the registration windows, the eligibility rules with their Persian
//! reasons, and the documents an application carries (issue 5; DESIGN §8, Candidates and Dates).
//!
//! Everything here is a pure function of the application, the council's place and the time
//! given; the store enforces the one rule that needs all registrations (one per person).

use crate::calendar::{jalali_datetime, jalali_numeric, JalaliDate, TEHRAN};
use crate::election::{CouncilKind, Election, Milestone};
use crate::ids::{MobileNumber, NationalId};
use crate::person::{age_on, Education, Gender};
use crate::text::persian_number;
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

/// Candidates must be at least this many full years old when they register.
pub const MIN_AGE: i32 = 25;
/// Listed officials must have resigned at least this many months before registration opened.
pub const RESIGNATION_MONTHS: u8 = 3;
/// A village of up to this many households needs a literate candidate, a larger one a diploma.
pub const SMALL_VILLAGE_HOUSEHOLDS: i64 = 200;
/// A city of up to this many people needs an associate degree, a larger one a bachelor's.
pub const SMALL_CITY_POPULATION: i64 = 20_000;

/// The timeline milestone holding a council kind's registration window.
pub fn window_key(kind: CouncilKind) -> &'static str {
    match kind {
        CouncilKind::City => "city_registration",
        CouncilKind::Village => "village_registration",
    }
}

/// A registration window: every day from the first to the last, between the daily opening and
/// closing times (Tehran time). The milestone's start and end give both: 1404/10/21 08:00 to
/// 1404/10/27 16:00 is seven days of 08:00–16:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegistrationWindow {
    pub kind: CouncilKind,
    pub first_day: Date,
    pub last_day: Date,
    pub daily_opens: Time,
    pub daily_closes: Time,
}

/// Where a window stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WindowStatus {
    NotYetOpen {
        opens_at: OffsetDateTime,
    },
    Open {
        closes_at: OffsetDateTime,
    },
    /// Between two days of the window.
    ClosedForTheDay {
        reopens_at: OffsetDateTime,
    },
    Over {
        closed_at: OffsetDateTime,
    },
}

impl WindowStatus {
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open { .. })
    }
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotYetOpen { .. } => "not_yet_open",
            Self::Open { .. } => "open",
            Self::ClosedForTheDay { .. } => "closed_for_the_day",
            Self::Over { .. } => "over",
        }
    }
    /// A Persian sentence with the Jalali time and the countdown to it.
    pub fn persian(&self, now: OffsetDateTime) -> String {
        match *self {
            Self::NotYetOpen { opens_at } => format!(
                "ثبت‌نام از {} آغاز می‌شود ({} دیگر).",
                jalali_datetime(opens_at),
                countdown(now, opens_at)
            ),
            Self::Open { closes_at } => format!(
                "ثبت‌نام باز است و امروز ساعت {} بسته می‌شود ({} دیگر).",
                jalali_datetime(closes_at),
                countdown(now, closes_at)
            ),
            Self::ClosedForTheDay { reopens_at } => format!(
                "ثبت‌نام امروز بسته است و {} دوباره باز می‌شود ({} دیگر).",
                jalali_datetime(reopens_at),
                countdown(now, reopens_at)
            ),
            Self::Over { closed_at } => {
                format!(
                    "مهلت ثبت‌نام در {} به پایان رسید.",
                    jalali_datetime(closed_at)
                )
            }
        }
    }
}

/// `from` to `to` as Persian days, hours and minutes (`۲ روز و ۳ ساعت`); at least a minute.
pub fn countdown(from: OffsetDateTime, to: OffsetDateTime) -> String {
    let minutes = (to - from).whole_minutes().max(1);
    let (days, hours, mins) = (minutes / 1_440, minutes % 1_440 / 60, minutes % 60);
    let parts: Vec<String> = [(days, "روز"), (hours, "ساعت"), (mins, "دقیقه")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, unit)| format!("{} {unit}", persian_number(n)))
        .collect();
    parts.join(" و ")
}

impl RegistrationWindow {
    pub fn from_milestone(kind: CouncilKind, milestone: &Milestone) -> Self {
        let start = milestone.starts_at.to_offset(TEHRAN);
        let end = milestone.ends_at.to_offset(TEHRAN);
        Self {
            kind,
            first_day: start.date(),
            last_day: end.date(),
            daily_opens: start.time(),
            daily_closes: end.time(),
        }
    }

    /// The window of `kind` in the election's timeline, if it has one.
    pub fn of(election: &Election, kind: CouncilKind) -> Option<Self> {
        election
            .milestones
            .iter()
            .find(|m| m.key == window_key(kind))
            .map(|m| Self::from_milestone(kind, m))
    }

    /// Daily hours apply only when the day closes after it opens; a window from midnight to
    /// midnight runs day and night.
    fn has_daily_hours(&self) -> bool {
        self.daily_closes > self.daily_opens
    }

    fn at(day: Date, time: Time) -> OffsetDateTime {
        PrimitiveDateTime::new(day, time)
            .assume_offset(TEHRAN)
            .to_offset(time::UtcOffset::UTC)
    }

    /// When registration first opens.
    pub fn opens_at(&self) -> OffsetDateTime {
        Self::at(self.first_day, self.daily_opens)
    }

    /// When registration closes for good.
    pub fn closes_at(&self) -> OffsetDateTime {
        Self::at(self.last_day, self.daily_closes)
    }

    pub fn status(&self, now: OffsetDateTime) -> WindowStatus {
        if now < self.opens_at() {
            return WindowStatus::NotYetOpen {
                opens_at: self.opens_at(),
            };
        }
        if now >= self.closes_at() {
            return WindowStatus::Over {
                closed_at: self.closes_at(),
            };
        }
        if !self.has_daily_hours() {
            return WindowStatus::Open {
                closes_at: self.closes_at(),
            };
        }
        let local = now.to_offset(TEHRAN);
        let today = local.date();
        if local.time() < self.daily_opens {
            WindowStatus::ClosedForTheDay {
                reopens_at: Self::at(today, self.daily_opens),
            }
        } else if local.time() < self.daily_closes {
            WindowStatus::Open {
                closes_at: Self::at(today, self.daily_closes),
            }
        } else {
            WindowStatus::ClosedForTheDay {
                reopens_at: Self::at(today + Duration::days(1), self.daily_opens),
            }
        }
    }

    /// The last day a listed official may have resigned on: registration's first day,
    /// [`RESIGNATION_MONTHS`] Jalali months earlier (the month's last day when it is shorter).
    pub fn resignation_deadline(&self) -> Date {
        months_before(self.first_day, RESIGNATION_MONTHS)
    }
}

/// `day` moved back `months` Jalali months, kept within the target month.
fn months_before(day: Date, months: u8) -> Date {
    let Ok(j) = JalaliDate::from_gregorian(day) else {
        return day - Duration::days(i64::from(months) * 30);
    };
    let index = j.year * 12 + i32::from(j.month) - 1 - i32::from(months);
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8);
    (0..=2)
        .find_map(|back| {
            JalaliDate::new(year, month, j.day.saturating_sub(back))
                .and_then(JalaliDate::to_gregorian)
                .ok()
        })
        .unwrap_or(day - Duration::days(i64::from(months) * 30))
}

/// The place a council serves, as far as the education rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub kind: CouncilKind,
    pub population: i64,
    /// Villages only.
    pub households: Option<i64>,
}

/// The least education a candidate for a council of `place` needs (DESIGN §8): a village of up
/// to 200 households, literate; a larger village, a diploma; a city of up to 20,000 people, an
/// associate degree; a larger city, a bachelor's.
pub fn required_education(place: &Place) -> Education {
    match place.kind {
        CouncilKind::Village => {
            if place.households.unwrap_or(0) <= SMALL_VILLAGE_HOUSEHOLDS {
                Education::Literate
            } else {
                Education::Diploma
            }
        }
        CouncilKind::City => {
            if place.population <= SMALL_CITY_POPULATION {
                Education::Associate
            } else {
                Education::Bachelor
            }
        }
    }
}

/// A listed official's post (governor, judge, director-general…) and when they resigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OfficialPost {
    pub title: String,
    pub resigned_on: Option<Date>,
}

/// What an applicant fills in on the registration form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub national_id: NationalId,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub birth_date: Date,
    pub gender: Gender,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mobile: MobileNumber,
    pub residence: String,
    /// The council applied for, by its code.
    pub council: String,
    pub education: Education,
    /// Sat on this council in the last term (exempt from the education rule).
    pub former_member: bool,
    pub occupation: String,
    /// Set when the applicant holds, or held, a post listed in the law.
    pub official: Option<OfficialPost>,
    /// Of a martyr's, a veteran's or a freed prisoner's family (a tie-break priority).
    pub veteran_family: bool,
}

impl Application {
    /// Normalises names (Arabic ي/ك, spaces) and checks each field on its own; the first bad
    /// field is the error.
    pub fn normalized(mut self) -> Result<Self, crate::DomainError> {
        use crate::text::normalize_name;
        let invalid = |field: &'static str, reason: &str| crate::DomainError::InvalidField {
            field,
            reason: reason.into(),
        };
        self.first_name = normalize_name(&self.first_name);
        self.last_name = normalize_name(&self.last_name);
        self.father_name = normalize_name(&self.father_name);
        self.residence = normalize_name(&self.residence);
        self.occupation = normalize_name(&self.occupation);
        for (field, value, max) in [
            ("first_name", &self.first_name, 100_i64),
            ("last_name", &self.last_name, 100),
            ("father_name", &self.father_name, 100),
            ("residence", &self.residence, 300),
            ("occupation", &self.occupation, 100),
        ] {
            let n = value.chars().count();
            if n == 0 || n as i64 > max {
                return Err(invalid(
                    field,
                    &format!("باید میان ۱ تا {} نویسه باشد", persian_number(max)),
                ));
            }
        }
        if self.council.trim().is_empty() {
            return Err(invalid("council", "شورای مورد نظر را انتخاب کنید"));
        }
        if let Some(post) = &mut self.official {
            post.title = normalize_name(&post.title);
            if post.title.is_empty() || post.title.chars().count() > 200 {
                return Err(invalid(
                    "official",
                    "عنوان سمت باید میان ۱ تا ۲۰۰ نویسه باشد",
                ));
            }
        }
        if self.birth_date.year() < 1900 {
            return Err(invalid("birth_date", "تاریخ تولد پذیرفتنی نیست"));
        }
        Ok(self)
    }

    /// The documents this application must carry.
    pub fn required_documents(&self) -> Vec<DocumentKind> {
        let mut kinds = vec![DocumentKind::Photo];
        if self.education > Education::Literate {
            kinds.push(DocumentKind::Degree);
        }
        if self.gender == Gender::Male {
            kinds.push(DocumentKind::MilitaryCard);
        }
        if self.official.is_some() {
            kinds.push(DocumentKind::ResignationCertificate);
        }
        kinds.push(DocumentKind::CriminalRecord);
        kinds
    }
}

/// Why a registration is refused. The codes are stable (the API's `code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Ineligible {
    RegistrationClosed { status: WindowStatus },
    TooYoung { age: i32 },
    EducationBelowMinimum { required: Education },
    NotResigned,
    ResignedTooLate { resigned_on: Date, deadline: Date },
    MissingDocument { document: DocumentKind },
    AlreadyRegistered,
}

impl Ineligible {
    pub fn code(&self) -> &'static str {
        match self {
            Self::RegistrationClosed { .. } => "registration_closed",
            Self::TooYoung { .. } => "too_young",
            Self::EducationBelowMinimum { .. } => "education_below_minimum",
            Self::NotResigned => "not_resigned",
            Self::ResignedTooLate { .. } => "resigned_too_late",
            Self::MissingDocument { .. } => "missing_document",
            Self::AlreadyRegistered => "already_registered",
        }
    }

    pub fn persian(&self, now: OffsetDateTime) -> String {
        match self {
            Self::RegistrationClosed { status } => {
                format!("اکنون زمان ثبت‌نام این شورا نیست. {}", status.persian(now))
            }
            Self::TooYoung { age } => format!(
                "سن داوطلب در روز ثبت‌نام {} سال است؛ داوطلب باید دست‌کم {} سال تمام داشته باشد.",
                persian_number(i64::from(*age)),
                persian_number(i64::from(MIN_AGE))
            ),
            Self::EducationBelowMinimum { required } => format!(
                "کمترین مدرک تحصیلی برای این شورا «{}» است؛ اعضای دوره پیشین همین شورا از این شرط معاف‌اند.",
                required.persian()
            ),
            Self::NotResigned => "دارندگان سمت‌های مذکور در قانون باید دست‌کم سه ماه پیش از آغاز ثبت‌نام استعفا داده باشند؛ تاریخ استعفا وارد نشده است.".into(),
            Self::ResignedTooLate {
                resigned_on,
                deadline,
            } => format!(
                "استعفا در {} پذیرفته نیست؛ استعفا باید تا {} (سه ماه پیش از آغاز ثبت‌نام) انجام شده باشد.",
                jalali_numeric(*resigned_on),
                jalali_numeric(*deadline)
            ),
            Self::MissingDocument { document } => {
                format!("بارگذاری «{}» الزامی است.", document.persian())
            }
            Self::AlreadyRegistered => {
                "برای این کد ملی در این انتخابات پیش‌تر ثبت‌نام شده است؛ با کد رهگیری آن وضعیت را ببینید.".into()
            }
        }
    }
}

/// Every rule a registration breaks, in a fixed order (the window first), or `Ok` when it may
/// be filed. `documents` are the kinds uploaded (each already checked by [`check_upload`]).
pub fn check_application(
    application: &Application,
    place: &Place,
    window: &RegistrationWindow,
    documents: &[DocumentKind],
    now: OffsetDateTime,
) -> Result<(), Vec<Ineligible>> {
    let mut broken = Vec::new();
    let status = window.status(now);
    if !status.is_open() {
        broken.push(Ineligible::RegistrationClosed { status });
    }
    let today = now.to_offset(TEHRAN).date();
    let age = age_on(application.birth_date, today);
    if age < MIN_AGE {
        broken.push(Ineligible::TooYoung { age });
    }
    let required = required_education(place);
    if application.education < required && !application.former_member {
        broken.push(Ineligible::EducationBelowMinimum { required });
    }
    if let Some(post) = &application.official {
        let deadline = window.resignation_deadline();
        match post.resigned_on {
            None => broken.push(Ineligible::NotResigned),
            Some(on) if on > deadline => broken.push(Ineligible::ResignedTooLate {
                resigned_on: on,
                deadline,
            }),
            Some(_) => {}
        }
    }
    for document in application.required_documents() {
        if !documents.contains(&document) {
            broken.push(Ineligible::MissingDocument { document });
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// The documents of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DocumentKind {
    Photo,
    Degree,
    MilitaryCard,
    ResignationCertificate,
    CriminalRecord,
}

/// The file types an upload may be, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Jpeg,
    Png,
    Pdf,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Pdf => "application/pdf",
        }
    }
    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Self::Jpeg),
            "image/png" => Some(Self::Png),
            "application/pdf" => Some(Self::Pdf),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Pdf => "pdf",
        }
    }
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        Self::Photo,
        Self::Degree,
        Self::MilitaryCard,
        Self::ResignationCertificate,
        Self::CriminalRecord,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Degree => "degree",
            Self::MilitaryCard => "military_card",
            Self::ResignationCertificate => "resignation_certificate",
            Self::CriminalRecord => "criminal_record",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn persian(self) -> &'static str {
        match self {
            Self::Photo => "عکس",
            Self::Degree => "مدرک تحصیلی",
            Self::MilitaryCard => "کارت پایان خدمت یا معافیت",
            Self::ResignationCertificate => "گواهی استعفا",
            Self::CriminalRecord => "گواهی عدم سوءپیشینه",
        }
    }
    /// The largest upload of this kind, in bytes.
    pub fn max_bytes(self) -> usize {
        match self {
            Self::Photo => 2 * 1024 * 1024,
            _ => 5 * 1024 * 1024,
        }
    }
    /// A photo is an image; the certificates may be scans or PDFs.
    pub fn accepts(self, media: MediaType) -> bool {
        match self {
            Self::Photo => matches!(media, MediaType::Jpeg | MediaType::Png),
            _ => true,
        }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum UploadRefusal {
    EmptyFile {
        document: DocumentKind,
    },
    FileTooLarge {
        document: DocumentKind,
        max_bytes: usize,
    },
    UnrecognisedContent {
        document: DocumentKind,
    },
    ContentMismatch {
        document: DocumentKind,
        declared: String,
        found: MediaType,
    },
    TypeNotAccepted {
        document: DocumentKind,
        found: MediaType,
    },
}

impl UploadRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyFile { .. } => "empty_file",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::UnrecognisedContent { .. } => "unrecognised_content",
            Self::ContentMismatch { .. } => "content_mismatch",
            Self::TypeNotAccepted { .. } => "type_not_accepted",
        }
    }
    pub fn persian(&self) -> String {
        match self {
            Self::EmptyFile { document } => format!("پرونده «{}» خالی است.", document.persian()),
            Self::FileTooLarge {
                document,
                max_bytes,
            } => format!(
                "پرونده «{}» بزرگ‌تر از {} مگابایت است.",
                document.persian(),
                persian_number((*max_bytes / (1024 * 1024)) as i64)
            ),
            Self::UnrecognisedContent { document } => format!(
                "محتوای پرونده «{}» نه تصویر JPEG یا PNG است و نه PDF.",
                document.persian()
            ),
            Self::ContentMismatch {
                document,
                declared,
                found,
            } => format!(
                "پرونده «{}» خود را {} معرفی کرده ولی محتوای آن {} است.",
                document.persian(),
                declared,
                found.mime()
            ),
            Self::TypeNotAccepted { document, found } => format!(
                "برای «{}» پرونده {} پذیرفته نیست؛ تصویر JPEG یا PNG بارگذاری کنید.",
                document.persian(),
                found.mime()
            ),
        }
    }
}

/// What an upload's bytes are, by their content (the file name and the declared type are not
/// trusted).
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    match infer::get(bytes)?.mime_type() {
        "image/jpeg" => Some(MediaType::Jpeg),
        "image/png" => Some(MediaType::Png),
        "application/pdf" => Some(MediaType::Pdf),
        _ => None,
    }
}

/// Checks one upload: not empty, within its size, content of an accepted type, and the same
/// type as the one it declares (`declared`: the part's Content-Type, if any).
pub fn check_upload(
    document: DocumentKind,
    declared: Option<&str>,
    bytes: &[u8],
) -> Result<MediaType, UploadRefusal> {
    if bytes.is_empty() {
        return Err(UploadRefusal::EmptyFile { document });
    }
    if bytes.len() > document.max_bytes() {
        return Err(UploadRefusal::FileTooLarge {
            document,
            max_bytes: document.max_bytes(),
        });
    }
    let found = sniff(bytes).ok_or(UploadRefusal::UnrecognisedContent { document })?;
    if let Some(declared) = declared.filter(|d| !d.trim().is_empty()) {
        let generic = matches!(
            declared.trim().to_ascii_lowercase().as_str(),
            "application/octet-stream" | "binary/octet-stream"
        );
        if !generic && MediaType::from_mime(declared) != Some(found) {
            return Err(UploadRefusal::ContentMismatch {
                document,
                declared: declared.trim().to_owned(),
                found,
            });
        }
    }
    if !document.accepts(found) {
        return Err(UploadRefusal::TypeNotAccepted { document, found });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_instant;
    use time::macros::{date, time};

    fn window(kind: CouncilKind) -> RegistrationWindow {
        let (start, end) = match kind {
            CouncilKind::City => ("1404/10/21 08:00", "1404/10/27 16:00"),
            CouncilKind::Village => ("1404/11/24 08:00", "1404/11/30 16:00"),
        };
        RegistrationWindow::from_milestone(
            kind,
            &Milestone {
                key: window_key(kind).into(),
                name: String::new(),
                starts_at: parse_instant(start).unwrap(),
                ends_at: parse_instant(end).unwrap(),
                owner: None,
                done_at: None,
            },
        )
    }

    fn t(s: &str) -> OffsetDateTime {
        parse_instant(s).unwrap()
    }

    const JPEG: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ];
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";

    fn application() -> Application {
        Application {
            national_id: NationalId::parse("0018465986").unwrap(),
            first_name: "علي".into(),
            last_name: "كرماني".into(),
            father_name: "حسن".into(),
            birth_date: date!(1980 - 05 - 01),
            gender: Gender::Male,
            mobile: MobileNumber::parse("09131234567").unwrap(),
            residence: "کرمان، خیابان شریعتی".into(),
            council: "c1".into(),
            education: Education::Bachelor,
            former_member: false,
            occupation: "معلم".into(),
            official: None,
            veteran_family: false,
        }
    }

    fn big_city() -> Place {
        Place {
            kind: CouncilKind::City,
            population: 537_718,
            households: None,
        }
    }

    fn all_documents() -> Vec<DocumentKind> {
        DocumentKind::ALL.to_vec()
    }

    /// Inside the city window: 1404/10/23 10:00 Tehran.
    fn during() -> OffsetDateTime {
        t("1404/10/23 10:00")
    }

    fn codes(r: Result<(), Vec<Ineligible>>) -> Vec<&'static str> {
        r.err()
            .unwrap_or_default()
            .iter()
            .map(Ineligible::code)
            .collect()
    }

    #[test]
    fn the_window_opens_each_day_from_eight_to_four_tehran_time() {
        let w = window(CouncilKind::City);
        assert_eq!(w.first_day, date!(2026 - 01 - 11));
        assert_eq!(w.last_day, date!(2026 - 01 - 17));
        assert_eq!(
            (w.daily_opens, w.daily_closes),
            (time!(08:00), time!(16:00))
        );
        assert_eq!(w.opens_at(), t("2026-01-11T04:30:00Z"));
        assert_eq!(
            w.status(t("1404/10/21 07:59")),
            WindowStatus::NotYetOpen {
                opens_at: w.opens_at()
            }
        );
        assert!(w.status(t("1404/10/21 08:00")).is_open());
        assert_eq!(
            w.status(t("1404/10/23 15:59")),
            WindowStatus::Open {
                closes_at: t("1404/10/23 16:00")
            }
        );
        assert_eq!(
            w.status(t("1404/10/23 16:00")),
            WindowStatus::ClosedForTheDay {
                reopens_at: t("1404/10/24 08:00")
            }
        );
        assert_eq!(
            w.status(t("1404/10/24 06:00")),
            WindowStatus::ClosedForTheDay {
                reopens_at: t("1404/10/24 08:00")
            }
        );
        assert!(w.status(t("1404/10/27 15:59")).is_open());
        assert_eq!(
            w.status(t("1404/10/27 16:00")),
            WindowStatus::Over {
                closed_at: w.closes_at()
            }
        );
        // The village window is another month's.
        let v = window(CouncilKind::Village);
        assert!(!v.status(during()).is_open());
        assert!(v.status(t("1404/11/30 12:00")).is_open());
    }

    #[test]
    fn a_midnight_to_midnight_window_runs_day_and_night() {
        let w = RegistrationWindow::from_milestone(
            CouncilKind::City,
            &Milestone {
                key: "city_registration".into(),
                name: String::new(),
                starts_at: t("1404/10/21 00:00"),
                ends_at: t("1404/10/28 00:00"),
                owner: None,
                done_at: None,
            },
        );
        assert!(w.status(t("1404/10/22 23:30")).is_open());
        assert!(!w.status(t("1404/10/28 00:00")).is_open());
    }

    #[test]
    fn the_status_reads_in_persian_with_a_countdown() {
        let w = window(CouncilKind::City);
        let now = t("1404/10/19 06:00");
        let text = w.status(now).persian(now);
        assert!(text.contains("۱۴۰۴/۱۰/۲۱ ۰۸:۰۰"), "{text}");
        assert!(text.contains("۲ روز و ۲ ساعت"), "{text}");
        assert_eq!(countdown(now, now), "۱ دقیقه");
        assert_eq!(
            countdown(now, now + Duration::minutes(75)),
            "۱ ساعت و ۱۵ دقیقه"
        );
    }

    #[test]
    fn three_jalali_months_back_stay_within_the_month() {
        let jalali = |y, m, d| JalaliDate::new(y, m, d).unwrap().to_gregorian().unwrap();
        assert_eq!(months_before(jalali(1404, 10, 21), 3), jalali(1404, 7, 21));
        assert_eq!(months_before(jalali(1404, 2, 15), 3), jalali(1403, 11, 15));
        // Esfand 1403 has 30 days: the 31st of Khordad goes back to its last day.
        assert_eq!(months_before(jalali(1404, 3, 31), 3), jalali(1403, 12, 30));
        for offset in 0..800 {
            let day = date!(2025 - 01 - 01) + Duration::days(offset);
            let back = (day - months_before(day, 3)).whole_days();
            assert!((89..=93).contains(&back), "{day}: {back} days");
        }
    }

    #[test]
    fn education_follows_the_place() {
        let village = |households| Place {
            kind: CouncilKind::Village,
            population: households * 4,
            households: Some(households),
        };
        let city = |population| Place {
            kind: CouncilKind::City,
            population,
            households: None,
        };
        assert_eq!(required_education(&village(200)), Education::Literate);
        assert_eq!(required_education(&village(201)), Education::Diploma);
        assert_eq!(required_education(&city(20_000)), Education::Associate);
        assert_eq!(required_education(&city(20_001)), Education::Bachelor);
    }

    #[test]
    fn a_good_application_passes() {
        let a = application();
        assert_eq!(
            check_application(
                &a,
                &big_city(),
                &window(CouncilKind::City),
                &all_documents(),
                during()
            ),
            Ok(())
        );
    }

    #[test]
    fn each_rule_refuses_its_case_with_its_reason() {
        let w = window(CouncilKind::City);
        let docs = all_documents();
        let check = |a: &Application, now| check_application(a, &big_city(), &w, &docs, now);

        // Outside the window.
        assert_eq!(
            codes(check(&application(), t("1404/10/20 10:00"))),
            ["registration_closed"]
        );
        assert_eq!(
            codes(check(&application(), t("1404/10/23 17:00"))),
            ["registration_closed"]
        );

        // 25 full Jalali years on the day of registration, not a day less: born 1379/10/23
        // (2001-01-12), not yet 25 on 1404/10/22 (2026-01-12, the Gregorian anniversary).
        let mut young = application();
        young.birth_date = date!(2001 - 01 - 12);
        assert_eq!(codes(check(&young, t("1404/10/22 10:00"))), ["too_young"]);
        assert_eq!(check(&young, t("1404/10/23 10:00")), Ok(()));
        let refusal = check(&young, t("1404/10/22 10:00")).unwrap_err().remove(0);
        assert!(
            refusal.persian(during()).contains("۲۴ سال"),
            "{}",
            refusal.persian(during())
        );

        // Education below the place's minimum, unless a former member.
        let mut associate = application();
        associate.education = Education::Associate;
        assert_eq!(
            codes(check(&associate, during())),
            ["education_below_minimum"]
        );
        associate.former_member = true;
        assert_eq!(check(&associate, during()), Ok(()));

        // Officials: resigned three Jalali months before registration opened (1404/07/21).
        let deadline = w.resignation_deadline();
        assert_eq!(jalali_numeric(deadline), "۱۴۰۴/۰۷/۲۱");
        let mut official = application();
        official.official = Some(OfficialPost {
            title: "فرماندار".into(),
            resigned_on: None,
        });
        assert_eq!(codes(check(&official, during())), ["not_resigned"]);
        official.official = Some(OfficialPost {
            title: "فرماندار".into(),
            resigned_on: Some(deadline + Duration::days(1)),
        });
        assert_eq!(codes(check(&official, during())), ["resigned_too_late"]);
        official.official = Some(OfficialPost {
            title: "فرماندار".into(),
            resigned_on: Some(deadline),
        });
        assert_eq!(check(&official, during()), Ok(()));

        // Every rule broken at once is reported, the window first.
        let mut bad = young.clone();
        bad.education = Education::Diploma;
        bad.official = Some(OfficialPost {
            title: "قاضی".into(),
            resigned_on: None,
        });
        assert_eq!(
            codes(check_application(
                &bad,
                &big_city(),
                &w,
                &[],
                t("1404/10/20 10:00")
            )),
            [
                "registration_closed",
                "too_young",
                "education_below_minimum",
                "not_resigned",
                "missing_document",
                "missing_document",
                "missing_document",
                "missing_document",
                "missing_document"
            ]
        );
    }

    #[test]
    fn the_documents_follow_the_applicant() {
        let mut a = application();
        assert_eq!(
            a.required_documents(),
            [
                DocumentKind::Photo,
                DocumentKind::Degree,
                DocumentKind::MilitaryCard,
                DocumentKind::CriminalRecord
            ]
        );
        a.gender = Gender::Female;
        a.education = Education::Literate;
        a.official = Some(OfficialPost {
            title: "مدیرکل".into(),
            resigned_on: Some(date!(2025 - 01 - 01)),
        });
        assert_eq!(
            a.required_documents(),
            [
                DocumentKind::Photo,
                DocumentKind::ResignationCertificate,
                DocumentKind::CriminalRecord
            ]
        );
        let w = window(CouncilKind::Village);
        let small_village = Place {
            kind: CouncilKind::Village,
            population: 400,
            households: Some(100),
        };
        let r = check_application(
            &a,
            &small_village,
            &w,
            &[DocumentKind::Photo],
            t("1404/11/25 09:00"),
        );
        assert_eq!(
            r.unwrap_err(),
            [
                Ineligible::MissingDocument {
                    document: DocumentKind::ResignationCertificate
                },
                Ineligible::MissingDocument {
                    document: DocumentKind::CriminalRecord
                }
            ]
        );
    }

    #[test]
    fn names_are_normalised_and_checked() {
        let a = application().normalized().unwrap();
        assert_eq!(a.first_name, "علی");
        assert_eq!(a.last_name, "کرمانی");
        let mut empty = application();
        empty.father_name = "  ".into();
        assert!(matches!(
            empty.normalized(),
            Err(crate::DomainError::InvalidField {
                field: "father_name",
                ..
            })
        ));
    }

    #[test]
    fn uploads_are_judged_by_their_content() {
        let photo = DocumentKind::Photo;
        assert_eq!(
            check_upload(photo, Some("image/jpeg"), JPEG),
            Ok(MediaType::Jpeg)
        );
        assert_eq!(check_upload(photo, None, PNG), Ok(MediaType::Png));
        assert_eq!(
            check_upload(DocumentKind::Degree, Some("application/octet-stream"), PDF),
            Ok(MediaType::Pdf)
        );
        // A PDF calling itself a JPEG, and text calling itself a PDF.
        assert_eq!(
            check_upload(photo, Some("image/jpeg"), PDF).map_err(|e| e.code()),
            Err("content_mismatch")
        );
        assert_eq!(
            check_upload(
                DocumentKind::Degree,
                Some("application/pdf"),
                b"hello, not a pdf"
            )
            .map_err(|e| e.code()),
            Err("unrecognised_content")
        );
        // A PDF is no photo, even when it says so honestly.
        assert_eq!(
            check_upload(photo, Some("application/pdf"), PDF).map_err(|e| e.code()),
            Err("type_not_accepted")
        );
        assert_eq!(
            check_upload(photo, None, b"").map_err(|e| e.code()),
            Err("empty_file")
        );
        let mut huge = JPEG.to_vec();
        huge.resize(photo.max_bytes() + 1, 0);
        let refusal = check_upload(photo, Some("image/jpeg"), &huge).unwrap_err();
        assert_eq!(refusal.code(), "file_too_large");
        assert!(
            refusal.persian().contains("۲ مگابایت"),
            "{}",
            refusal.persian()
        );
        huge.truncate(photo.max_bytes());
        assert_eq!(
            check_upload(photo, Some("image/jpeg"), &huge),
            Ok(MediaType::Jpeg)
        );
    }

    #[test]
    fn refusals_read_in_persian() {
        let now = during();
        for refusal in [
            Ineligible::TooYoung { age: 24 },
            Ineligible::EducationBelowMinimum {
                required: Education::Bachelor,
            },
            Ineligible::NotResigned,
            Ineligible::AlreadyRegistered,
            Ineligible::MissingDocument {
                document: DocumentKind::MilitaryCard,
            },
        ] {
            let text = refusal.persian(now);
            assert!(
                text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{text}"
            );
            assert!(!text.chars().any(|c| c.is_ascii_digit()), "{text}");
        }
    }
}
