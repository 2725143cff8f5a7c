//! CSV files of stations and people (DESIGN §9): UTF-8 with a BOM so that Excel shows Persian,
//! a header row, Persian or ASCII digits accepted, every bad row reported by its line number.
//! Export then import then export gives the same bytes.

use crate::calendar::{parse_date, JalaliDate};
use crate::ids::{MobileNumber, NationalId, PostalCode};
use crate::person::{Education, Gender, Person, Relation, Relative};
use crate::readiness::{self, Link, Readiness};
use crate::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};
use crate::text::{ascii_digits, normalize_name};
use std::collections::HashSet;
use time::OffsetDateTime;

const BOM: &str = "\u{feff}";

pub const STATION_HEADER: [&str; 19] = [
    "code",
    "name",
    "county",
    "council",
    "area",
    "mobile",
    "hard_to_reach",
    "expected_voters",
    "address",
    "postal_code",
    "latitude",
    "longitude",
    "evoting_devices",
    "identity_devices",
    "power_backup",
    "cctv",
    "link",
    "closed",
    "route",
];

pub const PEOPLE_HEADER: [&str; 10] = [
    "national_id",
    "first_name",
    "last_name",
    "father_name",
    "gender",
    "birth_date",
    "mobile",
    "education",
    "sitting_council_member",
    "relatives",
];

/// A refused row: its line in the file (the header is line 1) and why, in Persian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "بله" | "آری" => Some(true),
        "false" | "0" | "no" | "خیر" | "" => Some(false),
        _ => None,
    }
}

/// RFC 3339 in Tehran time, whole seconds: `2026-05-01T08:00:00+03:30`.
fn instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(crate::calendar::TEHRAN);
    let (h, m) = (
        t.offset().whole_hours(),
        t.offset().minutes_past_hour().abs(),
    );
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        if h < 0 { '-' } else { '+' },
        h.abs(),
        m
    )
}

fn route_text(route: &[RouteStop]) -> String {
    route
        .iter()
        .map(|s| {
            format!(
                "{}@{}/{}",
                s.council,
                instant(s.arrives_at),
                instant(s.leaves_at)
            )
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn parse_route(text: &str) -> Result<Vec<RouteStop>, String> {
    let text = ascii_digits(text.trim());
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(';')
        .map(|stop| {
            let bad = || format!("توقف «{stop}» باید به شکل کدشورا@آغاز/پایان باشد");
            let (council, times) = stop.trim().split_once('@').ok_or_else(bad)?;
            let (from, to) = times.split_once('/').ok_or_else(bad)?;
            let rfc = &time::format_description::well_known::Rfc3339;
            Ok(RouteStop {
                council: council.trim().to_owned(),
                arrives_at: OffsetDateTime::parse(from.trim(), rfc).map_err(|_| bad())?,
                leaves_at: OffsetDateTime::parse(to.trim(), rfc).map_err(|_| bad())?,
            })
        })
        .collect()
}

fn coordinate(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.5}")).unwrap_or_default()
}

fn write_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut ok = writer.write_record(header).is_ok();
    for row in rows {
        ok &= writer.write_record(&row).is_ok();
    }
    let bytes = writer.into_inner().unwrap_or_default();
    debug_assert!(ok);
    format!("{BOM}{}", String::from_utf8_lossy(&bytes))
}

/// A text cell that a spreadsheet shows and never runs: one that would start a formula (`=`,
/// `+`, `-`, `@`, or a tab or carriage return before one) gets a leading `'`, as OWASP advises
/// for CSV meant for Excel. For the public lists, whose names and occupations applicants type.
pub fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The header of the candidate lists' CSV.
pub const CANDIDATE_HEADER: [&str; 9] = [
    "council",
    "council_name",
    "code",
    "first_name",
    "last_name",
    "gender",
    "education",
    "education_fa",
    "occupation",
];

/// The results' columns: a row per candidate of each council, best first.
pub const RESULTS_HEADER: [&str; 11] = [
    "council_code",
    "council_name",
    "county_code",
    "status",
    "candidate_code",
    "candidate_name",
    "votes",
    "rank",
    "outcome",
    "stations_reported",
    "stations_total",
];

/// The published results as CSV (UTF-8 with a BOM): a row per candidate, by council.
pub fn results_to_csv(results: &crate::results::published::PublishedResults) -> String {
    use crate::results::status::StationStanding;
    write_csv(
        &RESULTS_HEADER,
        results.councils.iter().flat_map(|council| {
            let reported = council
                .stations
                .iter()
                .filter(|s| s.standing == StationStanding::Reported)
                .count();
            council.candidates.iter().map(move |c| {
                vec![
                    council.council.clone(),
                    inert(&council.name),
                    council.county.clone(),
                    council.status.as_str().to_owned(),
                    c.code.clone(),
                    inert(&c.name),
                    c.votes.to_string(),
                    c.rank.to_string(),
                    c.outcome.as_str().to_owned(),
                    reported.to_string(),
                    council.stations.len().to_string(),
                ]
            })
        }),
    )
}

/// Final candidate lists as CSV: each council's candidates by code, councils in the order
/// given (a candidate of a council not given is left out).
pub fn candidates_to_csv(
    councils: &[crate::election::Council],
    candidates: &[crate::ballot::Candidate],
) -> String {
    let mut by_council: std::collections::HashMap<&str, Vec<&crate::ballot::Candidate>> =
        std::collections::HashMap::new();
    for c in candidates {
        by_council.entry(c.council.as_str()).or_default().push(c);
    }
    write_csv(
        &CANDIDATE_HEADER,
        councils.iter().flat_map(|council| {
            let mut listed = by_council.remove(council.code.as_str()).unwrap_or_default();
            listed.sort_by_key(|c| (c.code.len(), c.code.clone()));
            listed.into_iter().map(move |c| {
                vec![
                    council.code.clone(),
                    inert(&council.name),
                    c.code.clone(),
                    inert(&c.first_name),
                    inert(&c.last_name),
                    c.gender.as_str().to_owned(),
                    c.education.map_or("", Education::as_str).to_owned(),
                    c.education.map_or("", Education::persian).to_owned(),
                    inert(&c.occupation),
                ]
            })
        }),
    )
}

/// Stations as CSV, in the order given.
pub fn stations_to_csv(stations: &[Station]) -> String {
    write_csv(
        &STATION_HEADER,
        stations.iter().map(|s| {
            vec![
                s.code.clone(),
                s.name.clone(),
                s.county_code.clone(),
                s.council_code.clone(),
                s.area.as_str().to_owned(),
                yes_no(s.mobile).to_owned(),
                yes_no(s.hard_to_reach).to_owned(),
                s.expected_voters.to_string(),
                s.address.clone(),
                s.postal_code
                    .as_ref()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
                coordinate(s.location.map(|l| l.lat)),
                coordinate(s.location.map(|l| l.lon)),
                s.facilities.evoting_devices.to_string(),
                s.facilities.identity_devices.to_string(),
                yes_no(s.facilities.power_backup).to_owned(),
                yes_no(s.facilities.cctv).to_owned(),
                s.facilities.link.as_str().to_owned(),
                yes_no(s.closed).to_owned(),
                route_text(&s.route),
            ]
        }),
    )
}

/// The 1-based line of a byte offset. (The csv crate's own line count is off by one after a
/// CRLF, which is how Excel saves files.)
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    // After a CRLF the reported start sits on the line feed; the record begins after it.
    while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
        start += 1;
    }
    bytes
        .get(..start)
        .map_or(1, |b| b.split(|c| *c == b'\n').count() as u64)
}

/// The line numbers of a file's data rows, in order, skipping blank rows as the parsers do.
pub fn data_lines(text: &str) -> Vec<u64> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .filter(|r| !r.iter().all(|f| f.trim().is_empty()))
        .map(|r| r.position().map_or(0, |p| line_at(text, p.byte())))
        .collect()
}

/// Reads rows by header name, so columns may come in any order.
struct Rows {
    header: Vec<String>,
    records: Vec<(u64, csv::StringRecord)>,
}

fn read_rows(text: &str, required: &[&str]) -> Result<Rows, Vec<RowError>> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            return Err(vec![RowError {
                line: 1,
                message: format!("سطر عنوان خوانا نیست: {e}"),
            }])
        }
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowError {
            line: 1,
            message: format!("ستون‌های لازم در سطر عنوان نیستند: {}", missing.join("، ")),
        }]);
    }
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        match record {
            Ok(r) => {
                let line = r
                    .position()
                    .map_or(i as u64 + 2, |p| line_at(text, p.byte()));
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                records.push((line, r));
            }
            Err(e) => errors.push(RowError {
                line: e
                    .position()
                    .map_or(i as u64 + 2, |p| line_at(text, p.byte())),
                message: format!("سطر خوانا نیست: {e}"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(Rows { header, records })
    } else {
        Err(errors)
    }
}

impl Rows {
    /// Every record through `parse` (which reads the record's fields with [`Rows::get`]); a
    /// record whose `key` an earlier record had is refused with `repeated`'s message. Every
    /// record parsed, or every bad one by its line.
    fn parse_each<T, K: Eq + std::hash::Hash>(
        &self,
        parse: impl Fn(&csv::StringRecord) -> Result<T, String>,
        key: impl Fn(&T) -> K,
        repeated: impl Fn(&T) -> String,
    ) -> Result<Vec<T>, Vec<RowError>> {
        self.parse_each_at(|_, record| parse(record), key, repeated)
    }

    /// [`Rows::parse_each`], the parser also told the record's line.
    fn parse_each_at<T, K: Eq + std::hash::Hash>(
        &self,
        parse: impl Fn(u64, &csv::StringRecord) -> Result<T, String>,
        key: impl Fn(&T) -> K,
        repeated: impl Fn(&T) -> String,
    ) -> Result<Vec<T>, Vec<RowError>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (line, record) in &self.records {
            let parsed = parse(*line, record).and_then(|item| {
                if seen.insert(key(&item)) {
                    Ok(item)
                } else {
                    Err(repeated(&item))
                }
            });
            match parsed {
                Ok(item) => out.push(item),
                Err(message) => errors.push(RowError {
                    line: *line,
                    message,
                }),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    fn get<'a>(&self, record: &'a csv::StringRecord, column: &str) -> &'a str {
        self.header
            .iter()
            .position(|h| h == column)
            .and_then(|i| record.get(i))
            .map_or("", str::trim)
    }
}

/// Parses a station file for `election_code`; either every row is good, or every bad row is
/// reported.
pub fn stations_from_csv(text: &str, election_code: &str) -> Result<Vec<Station>, Vec<RowError>> {
    let rows = read_rows(
        text,
        &["code", "name", "county", "council", "area", "mobile"],
    )?;
    rows.parse_each(
        |record| -> Result<Station, String> {
            let field = |c: &str| rows.get(record, c);
            let number = |c: &str| -> Result<i64, String> {
                let v = ascii_digits(field(c));
                if v.is_empty() {
                    Ok(0)
                } else {
                    v.parse().map_err(|_| format!("«{c}» باید عدد باشد"))
                }
            };
            let flag = |c: &str| {
                parse_bool(field(c)).ok_or_else(|| format!("«{c}» باید true یا false باشد"))
            };
            let coord = |c: &str| -> Result<Option<f64>, String> {
                let v = ascii_digits(field(c));
                if v.is_empty() {
                    Ok(None)
                } else {
                    v.parse()
                        .map(Some)
                        .map_err(|_| format!("«{c}» باید عدد باشد"))
                }
            };
            let location = match (coord("latitude")?, coord("longitude")?) {
                (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
                (None, None) => None,
                _ => return Err("عرض و طول جغرافیایی باید با هم بیایند".into()),
            };
            let postal = ascii_digits(field("postal_code"));
            let station = Station {
                code: ascii_digits(field("code")),
                election_code: election_code.to_owned(),
                county_code: ascii_digits(field("county")),
                council_code: ascii_digits(field("council")),
                name: normalize_name(field("name")),
                area: Area::parse(field("area")).ok_or("«area» باید urban یا rural باشد")?,
                mobile: flag("mobile")?,
                hard_to_reach: flag("hard_to_reach")?,
                expected_voters: number("expected_voters")?,
                address: normalize_name(field("address")),
                postal_code: if postal.is_empty() {
                    None
                } else {
                    Some(PostalCode::parse(&postal).map_err(|e| e.persian())?)
                },
                location,
                facilities: Facilities {
                    evoting_devices: u32::try_from(number("evoting_devices")?)
                        .map_err(|_| "تعداد دستگاه نامعتبر است")?,
                    identity_devices: u32::try_from(number("identity_devices")?)
                        .map_err(|_| "تعداد دستگاه نامعتبر است")?,
                    power_backup: flag("power_backup")?,
                    cctv: flag("cctv")?,
                    link: match field("link") {
                        "" => LinkType::None,
                        l => LinkType::parse(l)
                            .ok_or("«link» باید fibre، landline، sim یا none باشد")?,
                    },
                },
                route: parse_route(field("route"))?,
                closed: flag("closed")?,
            };
            station.validate().map_err(|e| e.persian())?;
            Ok(station)
        },
        |station| station.code.clone(),
        |station| format!("کد شعبه {} در این فایل تکرار شده است", station.code),
    )
}

/// People as CSV (birth dates in Jalali, ASCII digits), in the order given.
pub fn people_to_csv(people: &[Person]) -> String {
    write_csv(
        &PEOPLE_HEADER,
        people.iter().map(|p| {
            let birth = JalaliDate::from_gregorian(p.birth_date).map_or_else(
                |_| p.birth_date.to_string(),
                |j| format!("{:04}/{:02}/{:02}", j.year, j.month, j.day),
            );
            vec![
                p.national_id.as_str().to_owned(),
                p.first_name.clone(),
                p.last_name.clone(),
                p.father_name.clone(),
                p.gender.as_str().to_owned(),
                birth,
                p.mobile
                    .as_ref()
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
                p.education
                    .map(|e| e.as_str().to_owned())
                    .unwrap_or_default(),
                yes_no(p.sitting_council_member).to_owned(),
                p.relatives
                    .iter()
                    .map(|r| format!("{}:{}", r.national_id, r.relation.as_str()))
                    .collect::<Vec<_>>()
                    .join(";"),
            ]
        }),
    )
}

/// Parses a people file; either every row is good, or every bad row is reported.
pub fn people_from_csv(text: &str) -> Result<Vec<Person>, Vec<RowError>> {
    let rows = read_rows(
        text,
        &[
            "national_id",
            "first_name",
            "last_name",
            "gender",
            "birth_date",
        ],
    )?;
    rows.parse_each(
        |record| -> Result<Person, String> {
            let field = |c: &str| rows.get(record, c);
            let national_id = NationalId::parse(field("national_id")).map_err(|e| e.persian())?;
            let mobile = match field("mobile") {
                "" => None,
                m => Some(MobileNumber::parse(m).map_err(|e| e.persian())?),
            };
            let education = match field("education") {
                "" => None,
                e => Some(Education::parse(e).ok_or_else(|| format!("تحصیلات «{e}» شناخته نشد"))?),
            };
            let relatives = ascii_digits(field("relatives"))
                .split(';')
                .filter(|r| !r.trim().is_empty())
                .map(|r| {
                    let (id, relation) = r
                        .split_once(':')
                        .ok_or_else(|| format!("خویشاوند «{r}» باید به شکل کدملی:نسبت باشد"))?;
                    Ok(Relative {
                        national_id: NationalId::parse(id).map_err(|e| e.persian())?,
                        relation: Relation::parse(relation.trim())
                            .ok_or_else(|| format!("نسبت «{relation}» شناخته نشد"))?,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            let person = Person {
                national_id,
                first_name: field("first_name").to_owned(),
                last_name: field("last_name").to_owned(),
                father_name: field("father_name").to_owned(),
                gender: Gender::parse(field("gender"))
                    .ok_or("«gender» باید female یا male باشد")?,
                birth_date: parse_date(field("birth_date")).map_err(|e| e.persian())?,
                mobile,
                education,
                sitting_council_member: parse_bool(field("sitting_council_member"))
                    .ok_or("«sitting_council_member» باید true یا false باشد")?,
                relatives,
            }
            .normalized()
            .map_err(|e| e.persian())?;
            Ok(person)
        },
        |person| person.national_id.clone(),
        |person| format!("کد ملی {} در این فایل تکرار شده است", person.national_id),
    )
}

/// One row of a readiness file (the telecom company's list, or the officials' own export
/// edited): its station and the cells it fills; a column the file leaves out, or an empty
/// cell, is `None` and keeps what was declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessUpdate {
    pub line: u64,
    pub station: String,
    pub link: Option<Link>,
    pub fibre_planned_on: Option<time::Date>,
    pub cctv_installed: Option<bool>,
    pub cctv_monitored: Option<bool>,
    pub power_backup: Option<bool>,
    pub devices_installed: Option<bool>,
    pub devices_tested: Option<bool>,
    pub step_free: Option<bool>,
    pub ready: Option<bool>,
    pub note: Option<String>,
}

impl ReadinessUpdate {
    /// Whether the row fills no cell but its station's (an undeclared station's row of an
    /// export, sent back as it was): it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.link.is_none()
            && self.fibre_planned_on.is_none()
            && [
                self.cctv_installed,
                self.cctv_monitored,
                self.power_backup,
                self.devices_installed,
                self.devices_tested,
                self.step_free,
                self.ready,
            ]
            .iter()
            .all(Option::is_none)
            && self.note.is_none()
    }

    /// The declaration after this row: `base` (what was declared, or nothing) with the row's
    /// columns over it. A link other than a planned connection drops a date the row does not
    /// bring.
    pub fn apply(&self, base: &Readiness) -> Readiness {
        let mut r = base.clone();
        if let Some(link) = self.link {
            r.link = link;
            if link != Link::FibrePlanned && self.fibre_planned_on.is_none() {
                r.fibre_planned_on = None;
            }
        }
        if let Some(date) = self.fibre_planned_on {
            r.fibre_planned_on = Some(date);
        }
        let set = |field: &mut bool, value: Option<bool>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        set(&mut r.cctv_installed, self.cctv_installed);
        set(&mut r.cctv_monitored, self.cctv_monitored);
        set(&mut r.power_backup, self.power_backup);
        set(&mut r.devices_installed, self.devices_installed);
        set(&mut r.devices_tested, self.devices_tested);
        set(&mut r.step_free, self.step_free);
        set(&mut r.ready, self.ready);
        if let Some(note) = &self.note {
            r.note.clone_from(note);
        }
        r
    }
}

/// Parses a readiness file: `station` and any of [`readiness::CSV_HEADER`]'s other columns, in
/// any order, a link by its code or Persian name, dates Jalali or ISO, digits Persian or
/// ASCII. Every row parsed, or every bad row by its line (a station twice is one of them).
pub fn readiness_from_csv(text: &str) -> Result<Vec<ReadinessUpdate>, Vec<RowError>> {
    let rows = read_rows(text, &["station"])?;
    let unknown: Vec<&String> = rows
        .header
        .iter()
        .filter(|h| !h.is_empty() && !readiness::CSV_HEADER.contains(&h.as_str()))
        .collect();
    if let Some(column) = unknown.first() {
        return Err(vec![RowError {
            line: 1,
            message: format!(
                "ستون «{column}» شناخته نیست؛ ستون‌ها: {}",
                readiness::CSV_HEADER.join("، ")
            ),
        }]);
    }
    rows.parse_each_at(
        |line, record| -> Result<ReadinessUpdate, String> {
            let field = |c: &str| rows.get(record, c);
            let flag = |c: &str| -> Result<Option<bool>, String> {
                if field(c).is_empty() {
                    return Ok(None);
                }
                parse_bool(field(c))
                    .map(Some)
                    .ok_or_else(|| format!("ستون {c}: «{}» بله یا خیر نیست", field(c)))
            };
            let station = ascii_digits(field("station"));
            if !crate::station::is_valid_station_code(&station) {
                return Err(format!("کد شعبه «{}» هفت رقم نیست", field("station")));
            }
            let link = if field("link").is_empty() {
                None
            } else {
                Some(Link::parse(field("link")).ok_or_else(|| {
                    format!(
                        "نوع اتصال «{}» شناخته نیست؛ یکی از: {}",
                        field("link"),
                        Link::ALL.map(Link::as_str).join("، ")
                    )
                })?)
            };
            let fibre_planned_on = match field("fibre_planned_on") {
                "" => None,
                text => Some(parse_date(text).map_err(|e| e.persian())?),
            };
            let note = Some(field("note"))
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
            Ok(ReadinessUpdate {
                line,
                station,
                link,
                fibre_planned_on,
                cctv_installed: flag("cctv_installed")?,
                cctv_monitored: flag("cctv_monitored")?,
                power_backup: flag("power_backup")?,
                devices_installed: flag("devices_installed")?,
                devices_tested: flag("devices_tested")?,
                step_free: flag("step_free")?,
                ready: flag("ready")?,
                note,
            })
        },
        |u| u.station.clone(),
        |u| format!("شعبه {} بیش از یک بار آمده است", u.station),
    )
}

/// Readiness as CSV for Excel (BOM, CRLF), stations in the order given; an undeclared station
/// has its code and empty columns. Reading it back gives the same declarations.
pub fn readiness_to_csv<'a>(
    rows: impl IntoIterator<Item = (&'a str, Option<&'a Readiness>)>,
) -> String {
    write_csv(
        &readiness::CSV_HEADER,
        rows.into_iter().map(|(station, declared)| {
            let mut row = vec![station.to_owned()];
            match declared {
                None => row.extend(std::iter::repeat_n(String::new(), 10)),
                Some(r) => row.extend([
                    r.link.as_str().to_owned(),
                    r.fibre_planned_on
                        .map(crate::calendar::jalali_numeric)
                        .unwrap_or_default(),
                    yes_no(r.cctv_installed).to_owned(),
                    yes_no(r.cctv_monitored).to_owned(),
                    yes_no(r.power_backup).to_owned(),
                    yes_no(r.devices_installed).to_owned(),
                    yes_no(r.devices_tested).to_owned(),
                    yes_no(r.step_free).to_owned(),
                    yes_no(r.ready).to_owned(),
                    inert(&r.note),
                ]),
            }
            row
        }),
    )
}

#[cfg(test)]
mod tests {

    #[test]
    fn candidate_lists_export_by_council_and_code() {
        let d = crate::demo::kerman(crate::demo::DemoOptions { seed: 7, people: 0 }).unwrap();
        let some: Vec<_> = d.councils.iter().take(3).cloned().collect();
        let text = candidates_to_csv(&some, &d.candidates);
        let mut reader = csv::Reader::from_reader(text.trim_start_matches(BOM).as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            CANDIDATE_HEADER
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let expected = d
            .candidates
            .iter()
            .filter(|c| some.iter().any(|k| k.code == c.council))
            .count();
        assert_eq!(rows.len(), expected);
        // Grouped by council in the given order, by code within each.
        let councils: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
        let mut order: Vec<&str> = councils.clone();
        order.dedup();
        assert_eq!(
            order,
            some.iter().map(|c| c.code.as_str()).collect::<Vec<_>>()
        );
        for pair in rows.windows(2).filter(|w| w[0][0] == w[1][0]) {
            assert!(pair[0][2].parse::<u32>().unwrap() < pair[1][2].parse::<u32>().unwrap());
        }
        let first = d.candidates.iter().find(|c| c.code == rows[0][2]).unwrap();
        assert_eq!(&rows[0][4], first.last_name.as_str());
        assert_eq!(&rows[0][7], first.education.unwrap().persian());
    }

    use super::*;

    #[test]
    fn a_formula_is_written_as_text() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(inert(formula), format!("'{formula}"));
        }
        for plain in ["علی", "Ali", "1", "", "a=b"] {
            assert_eq!(inert(plain), plain);
        }
    }
    use crate::demo::{kerman, DemoOptions};

    #[test]
    fn stations_round_trip_byte_for_byte() {
        let d = kerman(DemoOptions {
            seed: 3,
            people: 10,
        })
        .unwrap();
        let first = stations_to_csv(&d.stations);
        assert!(first.starts_with(BOM));
        let parsed = stations_from_csv(&first, &d.election.code).unwrap();
        assert_eq!(parsed.len(), 3_003);
        let second = stations_to_csv(&parsed);
        let diff = first.lines().zip(second.lines()).find(|(a, b)| a != b);
        assert_eq!(diff, None, "first differing line");
        assert_eq!(second, first);
        let mobile = parsed.iter().find(|s| s.mobile).unwrap();
        let original = d.stations.iter().find(|s| s.code == mobile.code).unwrap();
        assert_eq!(mobile.route, original.route);
    }

    #[test]
    fn people_round_trip_byte_for_byte() {
        let d = kerman(DemoOptions {
            seed: 3,
            people: 2_000,
        })
        .unwrap();
        let first = people_to_csv(&d.people);
        let parsed = people_from_csv(&first).unwrap();
        assert_eq!(parsed, d.people);
        let second = people_to_csv(&parsed);
        assert_eq!(
            first.lines().zip(second.lines()).find(|(a, b)| a != b),
            None
        );
        assert_eq!(second, first);
    }

    #[test]
    fn every_bad_station_row_is_reported_by_line() {
        let text = "\u{feff}code,name,county,council,area,mobile\n\
                    1100001,شعبه یک,11,11101,urban,false\n\
                    12,شعبه دو,11,11101,urban,false\n\
                    1100003,شعبه سه,11,11101,town,false\n\
                    1100001,شعبه تکراری,11,11101,urban,false\n\
                    ۱۱۰۰۰۰۵,شعبه پنج,۱۱,۱۱۱۰۱,urban,no\n";
        let errors = stations_from_csv(text, "e").unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![3, 4, 5]
        );
        assert!(errors[0].message.contains("۷ رقم"));
        assert!(errors[2].message.contains("تکرار"));
        let missing = stations_from_csv("code,name\n1,x\n", "e").unwrap_err();
        assert_eq!(missing[0].line, 1);
    }

    #[test]
    fn lines_are_right_after_crlf() {
        let text = "code,name,county,council,area,mobile\r\n1100001,الف,11,11101,urban,false\r\n1100002,ب,11,11101,town,false\r\n";
        assert_eq!(stations_from_csv(text, "e").unwrap_err()[0].line, 3);
        assert_eq!(data_lines(text), vec![2, 3]);
    }

    #[test]
    fn persian_digits_and_arabic_letters_are_accepted() {
        let text = "national_id,first_name,last_name,gender,birth_date\n۰۰۱۸۴۶۵۹۸۶,علي,كريمي,male,۱۳۶۰/۰۵/۱۲\n";
        let people = people_from_csv(text).unwrap();
        assert_eq!(people[0].national_id.as_str(), "0018465986");
        assert_eq!(people[0].first_name, "علی");
        assert_eq!(people[0].last_name, "کریمی");
        assert_eq!(people[0].birth_date, time::macros::date!(1981 - 08 - 03));
    }

    #[test]
    fn bad_people_rows_are_all_reported() {
        let text = "national_id,first_name,last_name,gender,birth_date,mobile\n\
                    0499370890,الف,ب,male,1360/01/01,\n\
                    0018465986,الف,ب,other,1360/01/01,\n\
                    0084575948,الف,ب,female,1360/13/01,\n\
                    0499370899,الف,ب,female,1360/01/01,0812\n";
        let errors = people_from_csv(text).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 5]
        );
        assert!(errors[0].message.contains("کد ملی"));
    }
}

#[cfg(test)]
mod readiness_csv_tests {
    use super::*;
    use crate::calendar::parse_date;

    #[test]
    fn the_telecom_list_brings_links_only_and_the_rest_stays() {
        let text = "\u{feff}station,link,fibre_planned_on\r\n0100001,fibre,\r\n۰۱۰۰۰۰۲,فیبر نوری در دست اتصال,۱۴۰۴/۱۲/۲۰\r\n";
        let rows = readiness_from_csv(text).expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].station, "0100002");
        assert_eq!(rows[1].line, 3);
        let base = Readiness {
            cctv_installed: true,
            ..Readiness::default()
        };
        let first = rows[0].apply(&base);
        assert_eq!(first.link, Link::FibreConnected);
        assert!(first.cctv_installed, "a column left out keeps its value");
        let second = rows[1].apply(&base);
        assert_eq!(second.link, Link::FibrePlanned);
        assert_eq!(
            second.fibre_planned_on,
            Some(parse_date("1404/12/20").expect("date"))
        );
    }

    #[test]
    fn every_bad_row_is_reported_by_its_line() {
        let text = "station,link,cctv_installed\n0100001,satellite,true\n0100002,sim,maybe\n12,sim,true\n0100004,sim,true\n0100004,,false\n";
        let errors = readiness_from_csv(text).expect_err("refused");
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![2, 3, 4, 6]
        );
        assert!(errors[0].message.contains("satellite"));
        let unknown = readiness_from_csv("station,colour\n0100001,red\n").expect_err("refused");
        assert_eq!(unknown[0].line, 1);
    }

    #[test]
    fn an_export_reads_back_as_the_same_declarations() {
        let planned = Readiness {
            link: Link::FibrePlanned,
            fibre_planned_on: Some(parse_date("1405/01/15").expect("date")),
            cctv_installed: true,
            note: "=SUM(A1)".into(),
            ..Readiness::default()
        };
        let full = Readiness {
            link: Link::Landline,
            power_backup: true,
            devices_installed: true,
            devices_tested: true,
            ready: true,
            ..Readiness::default()
        };
        let text = readiness_to_csv([
            ("0100001", Some(&planned)),
            ("0100002", Some(&full)),
            ("0100003", None),
        ]);
        assert!(text.starts_with('\u{feff}') && text.contains("\r\n"));
        let rows = readiness_from_csv(&text).expect("reads back");
        assert_eq!(rows[1].apply(&Readiness::default()), full);
        let mut back = rows[0].apply(&Readiness::default());
        // The note was made inert for Excel; that is what comes back.
        assert_eq!(back.note, "'=SUM(A1)");
        back.note = planned.note.clone();
        assert_eq!(back, planned);
        // An undeclared station's row comes back changing nothing.
        assert!(rows[2].is_empty());
        assert!(!rows[0].is_empty());
    }
}
