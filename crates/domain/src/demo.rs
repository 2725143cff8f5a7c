//! The Kerman demo: a province at its real scale (DESIGN §8, Scale), built deterministically.
//!
//! Real county and city names and 1395 populations come from the shared data files (embedded);
//! everything the sources do not give (districts, rural districts, villages, missing cities and
//! populations, stations, people) is synthetic, plausible, and marked `synthetic`.

use crate::access::{Role, Scope};
use crate::ballot::Candidate;
use crate::boards::{board_code, BoardKind, BoardRole};
use crate::calendar::parse_instant;
use crate::election::{Council, CouncilKind, Election, Milestone, SeatTable};
use crate::geo::{City, County, District, RuralDistrict, Village};
use crate::ids::{MobileNumber, NationalId};
use crate::inquiry::{Answer, Authority, InquiryAnswer};
use crate::person::{Education, Gender, Person, Relation, Relative};
use crate::registration::{required_education, Application, Place, RegistrationWindow};
use crate::staffing::Post;
use crate::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};
use crate::text::normalize_name;
use crate::vetting::{apply, RejectionGround, Reviewer, VettingAction, VettingFile};
use crate::{DomainError, DomainResult};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap, HashSet};
use time::OffsetDateTime;

const COUNTIES_CSV: &str = include_str!("../data/kerman-counties.csv");
const CITIES_CSV: &str = include_str!("../data/kerman-cities.csv");

/// The province-wide totals the demo reproduces (DESIGN §8).
pub mod targets {
    pub const COUNTIES: usize = 25;
    pub const DISTRICTS: usize = 65;
    pub const RURAL_DISTRICTS: usize = 164;
    pub const CITIES: usize = 85;
    pub const VILLAGES: usize = 2_855;
    pub const LARGE_VILLAGES: usize = 142;
    pub const URBAN_STATIONS: usize = 1_267;
    pub const RURAL_STATIONS: usize = 1_736;
    pub const MOBILE_STATIONS: usize = 1_325;
    pub const HARD_ROUTE_STATIONS: usize = 92;
    pub const STATIONS: usize = URBAN_STATIONS + RURAL_STATIONS;
}

pub const ELECTION_CODE: &str = "shora-7";

/// A demo login, with its password in clear so that `sandoq demo` can print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub scope: Scope,
}

#[derive(Debug, Clone)]
pub struct DemoData {
    pub counties: Vec<County>,
    pub districts: Vec<District>,
    pub cities: Vec<City>,
    pub rural_districts: Vec<RuralDistrict>,
    pub villages: Vec<Village>,
    pub election: Election,
    pub councils: Vec<Council>,
    pub stations: Vec<Station>,
    pub people: Vec<Person>,
    /// Station posts, filled but for a realistic few gaps.
    pub assignments: Vec<DemoAssignment>,
    /// Board members: every board formed, but a few executive boards short of alternates.
    pub board_members: Vec<DemoBoardMember>,
    /// Approved candidates with their codes, for every council: the ballots' choices. Each is
    /// one of `registrations`, approved.
    pub candidates: Vec<Candidate>,
    /// Candidate registrations in every state of their vetting: every approved candidate's,
    /// and for some councils a few more, rejected, withdrawn, objected to or still pending.
    pub registrations: Vec<DemoRegistration>,
    pub users: Vec<DemoUser>,
    /// What the governors have declared of their stations' readiness by the fibre deadline:
    /// most on fibre, some connections planned (a few of them late), a few with no link, and
    /// some stations not declared at all.
    pub readiness: Vec<(String, crate::readiness::Declared)>,
    /// Sensitive stations with their plans in every state (issue 16).
    pub sensitive_stations: Vec<crate::security::demo::DemoSensitive>,
    /// The county security councils' meetings: held, and in Kerman county one missed.
    pub council_meetings: Vec<crate::security::demo::DemoCouncilMeeting>,
    /// Incidents in every status across counties (issue 16 §5).
    pub incidents: Vec<crate::incident::DemoIncident>,
    /// Equipment test runs (issue 16 §6): most stations passed, a few failed, a few not
    /// tested yet; the station user's station passed.
    pub equipment_runs: Vec<crate::test_deck::DemoRun>,
}

impl DemoData {
    /// Whether the demo staffed a station's head and governor's representative, without whom
    /// it does not open (`station_day::check_presence`).
    pub fn can_open(&self, station: &str) -> bool {
        let held = |post: Post| {
            self.assignments
                .iter()
                .any(|a| a.station == station && a.post == post)
        };
        held(Post::Head)
            && held(Post::GovernorRep)
            && self
                .equipment_runs
                .iter()
                .any(|r| r.station == station && r.outcome == crate::test_deck::RunOutcome::Passed)
    }

    /// The demo's province: its geography, election and councils.
    pub fn province(&self) -> crate::geo::ProvinceSeed {
        crate::geo::ProvinceSeed {
            election: self.election.clone(),
            counties: self.counties.clone(),
            districts: self.districts.clone(),
            cities: self.cities.clone(),
            rural_districts: self.rural_districts.clone(),
            villages: self.villages.clone(),
            councils: self.councils.clone(),
        }
    }
}

/// A post held at a station in the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAssignment {
    pub station: String,
    pub post: Post,
    pub national_id: NationalId,
}

/// A board member in the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoBoardMember {
    pub board: String,
    pub national_id: NationalId,
    pub role: BoardRole,
}

/// Forms the boards from the people nobody staffs a station with: the province inspection
/// board, and each county's inspection and executive boards (a county in five lacks two
/// alternates).
fn form_boards(
    counties: &[County],
    people: &[Person],
    assignments: &[DemoAssignment],
) -> Vec<DemoBoardMember> {
    let serving: HashSet<&NationalId> = assignments.iter().map(|a| &a.national_id).collect();
    let mut free = people
        .iter()
        .filter(|p| !p.sitting_council_member && !serving.contains(&p.national_id));
    let mut out = Vec::new();
    let mut boards = vec![(
        board_code(BoardKind::ProvinceInspection, None),
        BoardKind::ProvinceInspection,
        0usize,
    )];
    for (i, c) in counties.iter().enumerate() {
        boards.push((
            board_code(BoardKind::CountyInspection, Some(&c.code)),
            BoardKind::CountyInspection,
            0,
        ));
        boards.push((
            board_code(BoardKind::CountyExecutive, Some(&c.code)),
            BoardKind::CountyExecutive,
            if i % 5 == 2 { 2 } else { 0 },
        ));
    }
    // The county security councils last, so that a small demo short of people forms the
    // other boards whole.
    for c in counties {
        boards.push((
            board_code(BoardKind::CountySecurity, Some(&c.code)),
            BoardKind::CountySecurity,
            0,
        ));
    }
    'boards: for (code, kind, short) in boards {
        for (role, seats) in kind.seats() {
            let seats = if *role == BoardRole::Alternate {
                seats - short
            } else {
                *seats
            };
            for _ in 0..seats {
                let Some(person) = free.next() else {
                    break 'boards;
                };
                out.push(DemoBoardMember {
                    board: code.clone(),
                    national_id: person.national_id.clone(),
                    role: *role,
                });
            }
        }
    }
    out
}

/// Whether the demo leaves a post empty: about one station in 60 lacks its inspector, one in
/// 90 its governor's representative, one in 45 its second member.
fn demo_gap(station_index: usize, post: Post) -> bool {
    match post {
        Post::Inspector => station_index % 60 == 17,
        Post::GovernorRep => station_index % 90 == 41,
        Post::Member2 => station_index % 45 == 3,
        _ => false,
    }
}

/// Staffs the stations from the people, in order, with only eligible people (adults on
/// election day who do not sit on a council), one post each.
fn staff_stations(
    stations: &[Station],
    people: &[Person],
    election_day: time::Date,
) -> Vec<DemoAssignment> {
    let mut eligible = people.iter().filter(|p| {
        !p.sitting_council_member
            && crate::person::age_on(p.birth_date, election_day) >= crate::staffing::MINIMUM_AGE
    });
    let mut out = Vec::new();
    'stations: for (i, station) in stations.iter().enumerate() {
        for post in Post::ALL {
            if demo_gap(i, post) {
                continue;
            }
            let Some(person) = eligible.next() else {
                break 'stations;
            };
            out.push(DemoAssignment {
                station: station.code.clone(),
                post,
                national_id: person.national_id.clone(),
            });
        }
    }
    out
}

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub seed: u64,
    pub people: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        // Enough people to staff every station (7 posts × 3,003) with some to spare.
        Self {
            seed: 1405,
            people: 24_000,
        }
    }
}

fn csv_rows(text: &str) -> DomainResult<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.map(|rec| rec.iter().map(str::to_owned).collect())
                .map_err(|e| DomainError::InvalidField {
                    field: "demo data",
                    reason: e.to_string(),
                })
        })
        .collect()
}

fn field(row: &[String], i: usize) -> String {
    row.get(i).map(|s| normalize_name(s)).unwrap_or_default()
}

/// Spreads `count` picks evenly over `0..total`: index `i` is picked when the running share
/// crosses an integer. Exactly `count` indices are picked.
fn spread(i: usize, count: usize, total: usize) -> bool {
    total > 0 && (i + 1) * count / total > i * count / total
}

/// Largest-remainder apportionment of `total` over `weights`, each share at least `min`.
fn apportion(total: usize, weights: &[i64], min: usize) -> Vec<usize> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let base_total = total.saturating_sub(min * n);
    let sum: i64 = weights.iter().map(|w| (*w).max(1)).sum();
    let mut shares: Vec<(usize, usize, i64)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = i128::from((*w).max(1)) * base_total as i128;
            let floor = (exact / i128::from(sum)) as usize;
            let rem = (exact % i128::from(sum)) as i64;
            (i, floor, rem)
        })
        .collect();
    let assigned: usize = shares.iter().map(|s| s.1).sum();
    let mut leftover = base_total - assigned;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
    for i in order {
        if leftover == 0 {
            break;
        }
        shares[i].1 += 1;
        leftover -= 1;
    }
    shares.iter().map(|s| s.1 + min).collect()
}

const DISTRICT_NAMES: [&str; 24] = [
    "گلستان",
    "شهداد",
    "ماهان",
    "چترود",
    "راین",
    "گلباف",
    "جوپار",
    "کشیت",
    "دشتاب",
    "نگار",
    "ساردوئیه",
    "اسماعیلی",
    "حومه",
    "رحمت‌آباد",
    "جبالبارز",
    "نودژ",
    "خانوک",
    "هنزا",
    "دهج",
    "بلوک",
    "امیرآباد",
    "مرکزی جنوبی",
    "کوهستان",
    "دشت",
];
const PLACE_STEMS: [&str; 40] = [
    "حسین",
    "محمد",
    "علی",
    "اسلام",
    "دولت",
    "نصرت",
    "رحمت",
    "شریف",
    "قاسم",
    "جعفر",
    "حسن",
    "کریم",
    "رضا",
    "نعمت",
    "عباس",
    "فتح",
    "احمد",
    "مهدی",
    "جلال",
    "ابراهیم",
    "امیر",
    "نظام",
    "اکبر",
    "صادق",
    "یوسف",
    "خیر",
    "نور",
    "سید",
    "حاجی",
    "باقر",
    "زین",
    "شاه",
    "مراد",
    "قادر",
    "ولی",
    "فیض",
    "گل",
    "باغ",
    "چشمه",
    "سعید",
];
const VILLAGE_PREFIXES: [&str; 10] = [
    "",
    "",
    "",
    "",
    "ده ",
    "قلعه ",
    "چاه ",
    "کهن ",
    "باغ ",
    "تل ",
];
const VILLAGE_SUFFIXES: [&str; 8] = [
    "آباد",
    "آباد",
    "آباد",
    "آباد",
    "آباد علیا",
    "آباد سفلی",
    "ان",
    "ی",
];
const VENUES: [&str; 10] = [
    "مسجد جامع",
    "دبستان شهید بهشتی",
    "دبیرستان فردوسی",
    "حسینیه امام",
    "کانون فرهنگی",
    "مدرسه شهید رجایی",
    "سالن ورزشی",
    "مسجد امام رضا",
    "دبستان پروین اعتصامی",
    "فرهنگسرا",
];
const FEMALE_NAMES: [&str; 30] = [
    "فاطمه",
    "زهرا",
    "مریم",
    "زینب",
    "معصومه",
    "سمیه",
    "نرگس",
    "الهام",
    "مهسا",
    "سارا",
    "لیلا",
    "طاهره",
    "اعظم",
    "فرزانه",
    "راضیه",
    "مرضیه",
    "سکینه",
    "صدیقه",
    "منیره",
    "نسرین",
    "پروین",
    "شهلا",
    "محبوبه",
    "ریحانه",
    "کوثر",
    "هانیه",
    "الهه",
    "مژگان",
    "ندا",
    "آزاده",
];
const MALE_NAMES: [&str; 30] = [
    "محمد",
    "علی",
    "حسین",
    "رضا",
    "مهدی",
    "حسن",
    "احمد",
    "عباس",
    "مصطفی",
    "مجتبی",
    "جواد",
    "سعید",
    "امیر",
    "حمید",
    "محمود",
    "اکبر",
    "قاسم",
    "ابراهیم",
    "یوسف",
    "مرتضی",
    "هادی",
    "کاظم",
    "جعفر",
    "ناصر",
    "غلامرضا",
    "محسن",
    "وحید",
    "امین",
    "یاسر",
    "صادق",
];
const LAST_NAMES: [&str; 40] = [
    "کرمانی",
    "رفسنجانی",
    "سیرجانی",
    "جیرفتی",
    "بمی",
    "زرندی",
    "محمدی",
    "حسینی",
    "احمدی",
    "رضایی",
    "کاظمی",
    "موسوی",
    "صادقی",
    "نجفی",
    "هاشمی",
    "ابراهیمی",
    "شریفی",
    "افشار",
    "میرزایی",
    "اسماعیلی",
    "نظری",
    "جعفری",
    "قاسمی",
    "امیری",
    "سلطانی",
    "باقری",
    "خواجویی",
    "بهرامی",
    "پورحسینی",
    "ایرانمنش",
    "شهابی",
    "دهقان",
    "نیک‌نام",
    "رستمی",
    "زارع",
    "اسدی",
    "فتحی",
    "سالاری",
    "مهدوی",
    "کریمی",
];

/// A village's name: a stem, a suffix it takes, perhaps a prefix; the parts are joined as
/// [`normalize_name`] joins them («حسین‌آباد», «نصرآباد»).
fn place_name(rng: &mut ChaCha8Rng) -> String {
    let prefix = VILLAGE_PREFIXES.choose(rng).copied().unwrap_or("");
    let stem = PLACE_STEMS.choose(rng).copied().unwrap_or("علی");
    let suffix = VILLAGE_SUFFIXES.choose(rng).copied().unwrap_or("آباد");
    // «ی» and «ان» follow a consonant only: no «حاجیی», «رضاان» or «چشمهی».
    let ends_in_vowel = stem.ends_with(['ی', 'ه', 'ا', 'و']);
    let suffix = if ends_in_vowel && matches!(suffix, "ی" | "ان") {
        "آباد"
    } else {
        suffix
    };
    // No «باغ باغ‌آباد»: a prefix that repeats the stem is left out.
    let prefix = if prefix.trim() == stem { "" } else { prefix };
    normalize_name(&format!("{prefix}{stem}{suffix}"))
}

/// A rough centre per county (the province spans about 26–32°N, 54–60°E), so that demo
/// stations land in plausible places.
fn centre_of(county: &str) -> GeoPoint {
    let n = county.parse::<u32>().unwrap_or(1);
    GeoPoint {
        lat: 27.0 + f64::from((n * 7) % 45) / 10.0,
        lon: 55.0 + f64::from((n * 11) % 45) / 10.0,
    }
}

fn near(rng: &mut ChaCha8Rng, centre: GeoPoint) -> GeoPoint {
    let round = |x: f64| (x * 1e5).round() / 1e5;
    GeoPoint {
        lat: round(centre.lat + rng.gen_range(-0.3..0.3)),
        lon: round(centre.lon + rng.gen_range(-0.3..0.3)),
    }
}

/// A mobile station's day: the polling hours shared evenly among its villages, in order.
fn day_route(
    villages: &[&Council],
    open: time::OffsetDateTime,
    close: time::OffsetDateTime,
) -> Vec<RouteStop> {
    let stops = villages.len().max(1) as i64;
    // Whole minutes, so that schedules print and read back exactly.
    let slot = time::Duration::minutes((close - open).whole_minutes() / stops);
    villages
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let arrives_at = open + slot * i as i32;
            RouteStop {
                council: v.code.clone(),
                arrives_at,
                leaves_at: arrives_at + slot,
            }
        })
        .collect()
}

fn reference_election() -> DomainResult<Election> {
    use crate::access::Role;
    // A window that has run its course is marked done at its end: the timeline shows it done
    // only once the clock has passed that (`domain::timeline`), so every phase of the demo
    // reads true under `--now`.
    let milestone = |key: &str,
                     name: &str,
                     start: &str,
                     end: &str,
                     owner: Option<Role>,
                     done_at_end: bool|
     -> DomainResult<Milestone> {
        let ends_at = parse_instant(end)?;
        Ok(Milestone {
            key: key.into(),
            name: name.into(),
            starts_at: parse_instant(start)?,
            ends_at,
            owner,
            done_at: done_at_end.then_some(ends_at),
        })
    };
    Ok(Election {
        code: ELECTION_CODE.into(),
        name: "هفتمین دوره انتخابات شوراهای اسلامی شهر و روستا".into(),
        kind: "council".into(),
        election_day: crate::calendar::parse_date("1405/02/11")?,
        seat_table: SeatTable::law_default(),
        milestones: vec![
            milestone(
                "city_registration",
                "ثبت‌نام داوطلبان شوراهای شهر",
                "1404/10/21 08:00",
                "1404/10/27 16:00",
                Some(Role::CountyGovernor),
                true,
            )?,
            milestone(
                "executive_vetting",
                "بررسی صلاحیت در هیأت‌های اجرایی",
                "1404/11/09 00:00",
                "1404/11/23 00:00",
                Some(Role::ExecutiveBoard),
                true,
            )?,
            milestone(
                "village_registration",
                "ثبت‌نام داوطلبان شوراهای روستا",
                "1404/11/24 08:00",
                "1404/11/30 16:00",
                Some(Role::CountyGovernor),
                true,
            )?,
            milestone(
                crate::readiness::FIBRE_DEADLINE,
                "مهلت تعیین وضعیت فیبر نوری شعب",
                "1404/11/01 00:00",
                "1404/12/01 00:00",
                Some(Role::CountyGovernor),
                false,
            )?,
            milestone(
                crate::readiness::SECURITY_PLAN_DEADLINE,
                "مهلت تصویب طرح امنیتی شعب حساس",
                "1404/12/01 00:00",
                "1405/01/25 00:00",
                Some(Role::CountyGovernor),
                false,
            )?,
            milestone(
                "equipment_tests",
                "آزمون تجهیزات شعب (آزمون منطق و دقت)",
                "1405/02/01 08:00",
                "1405/02/09 18:00",
                Some(Role::CountyGovernor),
                false,
            )?,
            milestone(
                "election_day",
                "روز رأی‌گیری",
                "1405/02/11 08:00",
                "1405/02/11 18:00",
                None,
                false,
            )?,
        ],
    })
}

/// Builds the Kerman demo. Same options, same data, byte for byte.
#[allow(clippy::too_many_lines)]
pub fn kerman(options: DemoOptions) -> DomainResult<DemoData> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let election = reference_election()?;

    // Counties, coded 01..25 in the order of the source file.
    let counties: Vec<County> = csv_rows(COUNTIES_CSV)?
        .iter()
        .enumerate()
        .map(|(i, row)| County {
            code: format!("{:02}", i + 1),
            name: field(row, 0),
            name_en: field(row, 1),
            centre: field(row, 2),
            population: crate::text::ascii_digits(&field(row, 4)).parse().ok(),
            synthetic: false,
        })
        .collect();
    let county_index: BTreeMap<String, usize> = counties
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.clone(), i))
        .collect();

    // Real cities; a missing population becomes a plausible small-town figure (≤ 50,000,
    // so the law's bands give exactly the seat distribution of DESIGN §8).
    struct PendingCity {
        county: usize,
        name: String,
        name_en: String,
        population: i64,
        synthetic: bool,
    }
    let mut pending: Vec<PendingCity> = Vec::new();
    for row in csv_rows(CITIES_CSV)? {
        let county_name = field(&row, 2);
        let county = county_index.get(&county_name).copied().unwrap_or(0);
        let (population, synthetic) =
            match crate::text::ascii_digits(&field(&row, 3)).parse::<i64>() {
                Ok(p) => (p, false),
                Err(_) => (rng.gen_range(3_000..25_000), true),
            };
        pending.push(PendingCity {
            county,
            name: field(&row, 0),
            name_en: field(&row, 1),
            population,
            synthetic,
        });
    }
    // Fill up to 85 cities, giving the new towns to counties with the fewest cities.
    let mut synthetic_stems = PLACE_STEMS.iter().cycle().skip(7);
    while pending.len() < targets::CITIES {
        let mut per_county = vec![0usize; counties.len()];
        for c in &pending {
            per_county[c.county] += 1;
        }
        let county = (0..counties.len())
            .min_by_key(|i| (per_county[*i], *i))
            .unwrap_or(0);
        let stem = synthetic_stems.next().copied().unwrap_or("نو");
        pending.push(PendingCity {
            county,
            name: normalize_name(&format!("{stem}شهر")),
            name_en: String::new(),
            population: rng.gen_range(2_500..12_000),
            synthetic: true,
        });
    }

    // Districts: a central one in every county, a second everywhere, a third in the 15
    // counties with the most cities.
    let mut cities_per_county = vec![0usize; counties.len()];
    for c in &pending {
        cities_per_county[c.county] += 1;
    }
    let mut by_size: Vec<usize> = (0..counties.len()).collect();
    by_size.sort_by_key(|i| (std::cmp::Reverse(cities_per_county[*i]), *i));
    let extra_district = targets::DISTRICTS - 2 * counties.len();
    let mut districts_of: Vec<usize> = vec![2; counties.len()];
    for i in by_size.iter().take(extra_district) {
        districts_of[*i] += 1;
    }
    let mut districts = Vec::new();
    let mut district_names = DISTRICT_NAMES.iter().cycle();
    let mut county_districts: Vec<Vec<usize>> = vec![Vec::new(); counties.len()];
    for (ci, county) in counties.iter().enumerate() {
        for d in 0..districts_of[ci] {
            let name = if d == 0 {
                "بخش مرکزی".to_owned()
            } else {
                format!("بخش {}", district_names.next().copied().unwrap_or("نو"))
            };
            county_districts[ci].push(districts.len());
            districts.push(District {
                code: format!("{}{}", county.code, d + 1),
                county_code: county.code.clone(),
                name,
                synthetic: d > 0,
            });
        }
    }

    // Cities go to districts: the county's centre (or its first city) to the central district,
    // the rest round-robin.
    let mut cities = Vec::new();
    let mut next_in_county = vec![0usize; counties.len()];
    let mut city_serial: BTreeMap<usize, usize> = BTreeMap::new();
    let mut ordered: Vec<&PendingCity> = pending.iter().collect();
    ordered.sort_by_key(|c| {
        (
            c.county,
            c.name != counties[c.county].centre,
            std::cmp::Reverse(c.population),
        )
    });
    for c in ordered {
        let slot = next_in_county[c.county];
        next_in_county[c.county] += 1;
        let ds = &county_districts[c.county];
        let district = ds[slot % ds.len()];
        let serial = city_serial.entry(district).or_insert(0);
        *serial += 1;
        cities.push(City {
            code: format!("{}{:02}", districts[district].code, *serial),
            district_code: districts[district].code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            population: c.population,
            synthetic: c.synthetic,
        });
    }

    // Rural districts: two per district, a third in the first 34 districts.
    let mut rural_districts = Vec::new();
    let extra_rural = targets::RURAL_DISTRICTS - 2 * districts.len();
    for (di, district) in districts.iter().enumerate() {
        let count = 2 + usize::from(di < extra_rural);
        for r in 0..count {
            let name = format!("دهستان {}", place_name(&mut rng));
            rural_districts.push(RuralDistrict {
                code: format!("{}{}", district.code, 5 + r),
                district_code: district.code.clone(),
                name,
                synthetic: true,
            });
        }
    }

    // Villages: spread evenly over rural districts; 142 of them above 1,500 people.
    let per_rural = apportion(targets::VILLAGES, &vec![1; rural_districts.len()], 0);
    let mut villages = Vec::new();
    for (ri, rural) in rural_districts.iter().enumerate() {
        let mut used = HashSet::new();
        for v in 0..per_rural[ri] {
            let global = villages.len();
            let large = spread(global, targets::LARGE_VILLAGES, targets::VILLAGES);
            let population = if large {
                rng.gen_range(1_501..6_500)
            } else {
                rng.gen_range(60..1_500)
            };
            let mut name = place_name(&mut rng);
            while !used.insert(name.clone()) {
                name = place_name(&mut rng);
            }
            villages.push(Village {
                code: format!("{}{:03}", rural.code, v + 1),
                rural_district_code: rural.code.clone(),
                name,
                population,
                households: (population * 10 / 36).max(1),
                synthetic: true,
            });
        }
    }

    // Councils: one per city and per village; seats from the election's table.
    let county_of_district: BTreeMap<&str, &str> = districts
        .iter()
        .map(|d| (d.code.as_str(), d.county_code.as_str()))
        .collect();
    let district_of_rural: BTreeMap<&str, &str> = rural_districts
        .iter()
        .map(|r| (r.code.as_str(), r.district_code.as_str()))
        .collect();
    let mut councils = Vec::new();
    for city in &cities {
        let seats = election
            .seat_table
            .seats(CouncilKind::City, &city.code, city.population);
        councils.push(Council {
            code: city.code.clone(),
            election_code: election.code.clone(),
            kind: CouncilKind::City,
            name: format!("شورای اسلامی شهر {}", city.name),
            county_code: county_of_district
                .get(city.district_code.as_str())
                .copied()
                .unwrap_or_default()
                .to_owned(),
            place_code: city.code.clone(),
            population: city.population,
            main_seats: seats.main,
            alternate_seats: seats.alternate,
        });
    }
    for village in &villages {
        let seats =
            election
                .seat_table
                .seats(CouncilKind::Village, &village.code, village.population);
        let district = district_of_rural
            .get(village.rural_district_code.as_str())
            .copied()
            .unwrap_or_default();
        councils.push(Council {
            code: village.code.clone(),
            election_code: election.code.clone(),
            kind: CouncilKind::Village,
            name: format!("شورای اسلامی روستای {}", village.name),
            county_code: county_of_district
                .get(district)
                .copied()
                .unwrap_or_default()
                .to_owned(),
            place_code: village.code.clone(),
            population: village.population,
            main_seats: seats.main,
            alternate_seats: seats.alternate,
        });
    }

    // Stations: urban ones by city population (at least one each), rural ones over the
    // villages in runs: a mobile station serves a route of neighbouring villages.
    let mut stations = Vec::new();
    let mut county_serial: BTreeMap<String, usize> = BTreeMap::new();
    let mut next_code = |county: &str| {
        let serial = county_serial.entry(county.to_owned()).or_insert(0);
        *serial += 1;
        format!("{county}{:05}", *serial)
    };
    let city_councils: Vec<&Council> = councils
        .iter()
        .filter(|c| c.kind == CouncilKind::City)
        .collect();
    let urban = apportion(
        targets::URBAN_STATIONS,
        &city_councils
            .iter()
            .map(|c| c.population)
            .collect::<Vec<_>>(),
        1,
    );
    for (council, count) in city_councils.iter().zip(urban) {
        let city_name = council
            .name
            .trim_start_matches("شورای اسلامی شهر ")
            .to_owned();
        for n in 0..count {
            let venue = VENUES[n % VENUES.len()];
            stations.push(Station {
                code: next_code(&council.county_code),
                election_code: election.code.clone(),
                county_code: council.county_code.clone(),
                council_code: council.code.clone(),
                name: format!(
                    "شعبه {} {city_name} — {venue}",
                    crate::text::persian_digits(&(n + 1).to_string())
                ),
                area: Area::Urban,
                mobile: false,
                hard_to_reach: false,
                expected_voters: (council.population * 68 / 100 / count as i64).max(1),
                address: format!("{city_name}، {venue}"),
                postal_code: None,
                location: Some(near(&mut rng, centre_of(&council.county_code))),
                facilities: Facilities {
                    evoting_devices: 2,
                    identity_devices: 2,
                    power_backup: true,
                    cctv: n % 10 < 7,
                    link: if n % 8 == 7 {
                        LinkType::Landline
                    } else {
                        LinkType::Fibre
                    },
                },
                route: Vec::new(),
                closed: false,
            });
        }
    }
    let village_councils: Vec<&Council> = councils
        .iter()
        .filter(|c| c.kind == CouncilKind::Village)
        .collect();
    let polling = election.milestones.iter().find(|m| m.key == "election_day");
    let (polls_open, polls_close) = polling.map_or(
        (
            time::OffsetDateTime::UNIX_EPOCH,
            time::OffsetDateTime::UNIX_EPOCH,
        ),
        |m| (m.starts_at, m.ends_at),
    );
    // Runs of villages, within one county, one run per rural station.
    let per_county_villages: BTreeMap<&str, Vec<&Council>> =
        village_councils.iter().fold(BTreeMap::new(), |mut m, c| {
            m.entry(c.county_code.as_str())
                .or_insert_with(Vec::new)
                .push(*c);
            m
        });
    let weights: Vec<i64> = per_county_villages
        .values()
        .map(|v| v.len() as i64)
        .collect();
    let rural_per_county = apportion(targets::RURAL_STATIONS, &weights, 1);
    let mut rural_index = 0usize;
    let mut mobile_index = 0usize;
    for ((county, villages_here), count) in per_county_villages.iter().zip(rural_per_county) {
        let runs = apportion(villages_here.len(), &vec![1; count], 1);
        let mut offset = 0;
        for run in runs {
            let route = &villages_here[offset..(offset + run).min(villages_here.len())];
            offset += run;
            let Some(first) = route.first() else { continue };
            let mobile = spread(
                rural_index,
                targets::MOBILE_STATIONS,
                targets::RURAL_STATIONS,
            );
            rural_index += 1;
            let hard = mobile
                && spread(
                    mobile_index,
                    targets::HARD_ROUTE_STATIONS,
                    targets::MOBILE_STATIONS,
                );
            if mobile {
                mobile_index += 1;
            }
            let village_name = first
                .name
                .trim_start_matches("شورای اسلامی روستای ")
                .to_owned();
            let population: i64 = route.iter().map(|c| c.population).sum();
            stations.push(Station {
                code: next_code(county),
                election_code: election.code.clone(),
                county_code: (*county).to_owned(),
                council_code: first.code.clone(),
                name: if mobile {
                    format!("شعبه سیار {village_name}")
                } else {
                    format!("شعبه ثابت {village_name} — مدرسه روستا")
                },
                area: Area::Rural,
                mobile,
                hard_to_reach: hard,
                expected_voters: (population * 68 / 100).max(1),
                address: format!("روستای {village_name}"),
                postal_code: None,
                location: Some(near(&mut rng, centre_of(county))),
                facilities: Facilities {
                    evoting_devices: 1,
                    identity_devices: 1,
                    power_backup: !hard,
                    cctv: !mobile && rural_index.is_multiple_of(3),
                    link: if hard {
                        LinkType::None
                    } else if mobile {
                        LinkType::Sim
                    } else {
                        LinkType::Landline
                    },
                },
                route: if mobile {
                    day_route(route, polls_open, polls_close)
                } else {
                    Vec::new()
                },
                closed: false,
            });
        }
    }

    let people = synthetic_people(&mut rng, options.people);
    let assignments = staff_stations(&stations, &people, election.election_day);
    let board_members = form_boards(&counties, &people, &assignments);
    let (candidates, registrations) =
        candidacies(&mut rng, &councils, &villages, &election, &people);
    let kerman_county = counties
        .iter()
        .find(|c| c.name_en == "Kerman")
        .map_or_else(|| "01".to_owned(), |c| c.code.clone());
    let first_station = stations
        .iter()
        .find(|s| s.county_code == kerman_county)
        .map(|s| s.code.clone())
        .unwrap_or_default();
    // The governor's county first, so that its governor and its station have incidents.
    let mut incident_counties: Vec<String> = counties.iter().map(|c| c.code.clone()).collect();
    incident_counties.sort_by_key(|c| *c != kerman_county);
    let incidents = crate::incident::demo(
        &incident_counties,
        &stations
            .iter()
            .map(|s| (s.county_code.clone(), s.code.clone()))
            .collect::<Vec<_>>(),
    );
    let county_scope = Scope::County {
        county: kerman_county.clone(),
    };
    let user = |username: &str, role: Role, scope: Scope| DemoUser {
        username: username.into(),
        password: format!("{username}-1405"),
        role,
        scope,
    };
    let (sensitive_stations, council_meetings) = crate::security::demo::build(
        &stations,
        &board_members,
        election.election_day,
        &kerman_county,
    );
    let users = vec![
        user("hq", Role::ProvinceHq, Scope::Province),
        user("governor", Role::CountyGovernor, county_scope.clone()),
        user("inspection", Role::InspectionBoard, county_scope.clone()),
        user("executive", Role::ExecutiveBoard, county_scope),
        user("supervision", Role::SupervisionBoard, Scope::Province),
        user(
            "station",
            Role::StationStaff,
            Scope::Station {
                county: kerman_county,
                station: first_station,
            },
        ),
        user("observer", Role::Observer, Scope::Province),
    ];

    let mut readiness = demo_readiness(options.seed, &stations)?;
    // A sensitive station whose plan the county security council has not approved is not
    // ready (`SecurityStanding::needs_plan`): the demo keeps the rule it demonstrates.
    {
        use crate::security::PlanStatus;
        let approved: HashSet<&str> = council_meetings
            .iter()
            .flat_map(|m| m.approves.iter().map(String::as_str))
            .chain(
                sensitive_stations
                    .iter()
                    .filter(|s| matches!(s.plan, Some((_, PlanStatus::Approved))))
                    .map(|s| s.station.as_str()),
            )
            .collect();
        let unplanned: HashSet<&str> = sensitive_stations
            .iter()
            .map(|s| s.station.as_str())
            .filter(|s| !approved.contains(s))
            .collect();
        for (station, declared) in &mut readiness {
            if unplanned.contains(station.as_str()) {
                declared.readiness.ready = false;
            }
        }
    }
    let equipment_runs = {
        let mut ballot: BTreeMap<String, (Vec<String>, u32)> = councils
            .iter()
            .map(|c| (c.code.clone(), (Vec::new(), c.main_seats)))
            .collect();
        for c in &candidates {
            if let Some((codes, _)) = ballot.get_mut(&c.council) {
                codes.push(c.code.clone());
            }
        }
        for (codes, _) in ballot.values_mut() {
            codes.sort();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x7e57_dec6);
        let first = users
            .iter()
            .filter_map(|u| u.scope.station())
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let keep: Vec<&str> = first.iter().map(String::as_str).collect();
        crate::test_deck::demo_runs(
            &stations,
            &ballot,
            parse_instant("1405/02/04 10:00")?,
            &keep,
            || rng.gen_range(0..100),
        )
    };
    Ok(DemoData {
        counties,
        districts,
        cities,
        rural_districts,
        villages,
        election,
        councils,
        stations,
        people,
        assignments,
        board_members,
        candidates,
        registrations,
        users,
        readiness,
        sensitive_stations,
        council_meetings,
        incidents,
        equipment_runs,
    })
}

/// The governors' declarations of the demo's stations. A generator of its own, so that the
/// rest of the demo stays as it was.
fn demo_readiness(
    seed: u64,
    stations: &[Station],
) -> DomainResult<Vec<(String, crate::readiness::Declared)>> {
    use crate::readiness::{Declared, Link, Readiness};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5ead_1e55);
    let declared_from = parse_instant("1404/11/05 09:00")?;
    let late_plan = crate::calendar::parse_date("1404/11/25")?;
    let later_plan = crate::calendar::parse_date("1404/12/20")?;
    let mut out = Vec::new();
    for station in stations.iter().filter(|s| !s.closed) {
        let roll: u32 = rng.gen_range(0..100);
        // Some 6 in 100 not declared by the deadline.
        if roll < 6 {
            continue;
        }
        let (link, fibre_planned_on) = match roll {
            6..=74 => (Link::FibreConnected, None),
            75..=80 => (Link::FibrePlanned, Some(later_plan)),
            81..=83 => (Link::FibrePlanned, Some(late_plan)),
            84..=90 => (Link::Landline, None),
            91..=96 => (Link::Sim, None),
            _ => (Link::None, None),
        };
        let cctv_installed = rng.gen_bool(if station.area == Area::Urban {
            0.85
        } else {
            0.45
        });
        let devices_installed = rng.gen_bool(0.8);
        let devices_tested = devices_installed && rng.gen_bool(0.7);
        let power_backup = station.facilities.power_backup || rng.gen_bool(0.5);
        let mut readiness = Readiness {
            link,
            fibre_planned_on,
            cctv_installed,
            cctv_monitored: cctv_installed && rng.gen_bool(0.6),
            power_backup,
            devices_installed,
            devices_tested,
            step_free: rng.gen_bool(0.55),
            ready: false,
            note: String::new(),
        };
        readiness.ready =
            crate::readiness::missing_for_ready(&readiness).is_empty() && rng.gen_bool(0.8);
        let minutes = rng.gen_range(0..(20 * 24 * 60));
        out.push((
            station.code.clone(),
            Declared {
                readiness,
                declared_at: declared_from + time::Duration::minutes(minutes),
                declared_by: "sandoq-demo".into(),
            },
        ));
    }
    Ok(out)
}

const OCCUPATIONS: [&str; 12] = [
    "آموزگار",
    "کشاورز",
    "پزشک",
    "مهندس عمران",
    "کارمند",
    "بازنشسته",
    "دامدار",
    "کاسب",
    "پرستار",
    "وکیل",
    "دبیر",
    "باغدار",
];

/// A registration of the demo, with the vetting steps its file went through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRegistration {
    pub tracking_code: String,
    pub application: Application,
    pub submitted_at: OffsetDateTime,
    pub steps: Vec<DemoStep>,
    /// The standard inquiries' answers (all four on a file a board has decided on; some, or
    /// none, on one that waits).
    pub inquiries: Vec<InquiryAnswer>,
    /// For an approved candidate: their code (one of [`DemoData::candidates`]).
    pub candidate_code: Option<String>,
}

/// One vetting step of a demo file: what, by which body, by whom (a username), when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoStep {
    pub action: VettingAction,
    pub reviewer: Reviewer,
    pub by: String,
    pub at: OffsetDateTime,
}

impl DemoRegistration {
    /// The file after each step, as `domain::vetting::apply` moves it (the first is the filed
    /// state); an error if a step is not one the rules allow.
    pub fn files(&self) -> DomainResult<Vec<VettingFile>> {
        let mut files = vec![VettingFile::new(self.submitted_at)];
        for step in &self.steps {
            let last = files
                .last()
                .copied()
                .unwrap_or_else(|| VettingFile::new(self.submitted_at));
            let next = apply(&last, &step.action, step.reviewer, step.at, &self.inquiries)
                .map_err(|refusal| DomainError::InvalidField {
                    field: "vetting",
                    reason: format!("{}: {}", self.tracking_code, refusal.code()),
                })?;
            files.push(next);
        }
        Ok(files)
    }
}

/// How a demo file that did not simply pass ended (or where it waits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pending,
    Reviewed,
    Rejected,
    ObjectedToCounty,
    RejectedOnObjection,
    ObjectedToProvince,
    FinallyRejected,
    Withdrawn,
}

const OUTCOMES: [(Outcome, u32); 8] = [
    (Outcome::Pending, 5),
    (Outcome::Reviewed, 5),
    (Outcome::Rejected, 30),
    (Outcome::ObjectedToCounty, 5),
    (Outcome::RejectedOnObjection, 8),
    (Outcome::ObjectedToProvince, 3),
    (Outcome::FinallyRejected, 19),
    (Outcome::Withdrawn, 25),
];

const REJECTIONS: [(&str, RejectionGround); 4] = [
    (
        "گواهی عدم سوءپیشینه ارائه‌شده معتبر نیست",
        RejectionGround::CriminalConviction,
    ),
    (
        "مدرک تحصیلی با شرط قانونی این حوزه هم‌خوان نیست",
        RejectionGround::Education,
    ),
    (
        "استعفا در مهلت قانونی انجام نشده است",
        RejectionGround::OfficeNotResigned,
    ),
    (
        "عدم احراز شرط اقامت در حوزه انتخابیه",
        RejectionGround::Residence,
    ),
];

/// The demo's inquiries of a file whose board steps start at `at`: all four answered then when
/// a board decides on it (the judiciary's adverse when the file is rejected on a conviction),
/// the judiciary's and the civil registration's only when it still waits.
fn demo_inquiries(
    at: OffsetDateTime,
    decided: bool,
    ground: Option<RejectionGround>,
) -> Vec<InquiryAnswer> {
    Authority::ALL
        .into_iter()
        .filter(|a| decided || matches!(a, Authority::Judiciary | Authority::CivilRegistration))
        .map(|authority| {
            let adverse = authority == Authority::Judiciary
                && ground == Some(RejectionGround::CriminalConviction);
            InquiryAnswer {
                authority,
                answer: if adverse {
                    Answer::Adverse
                } else {
                    Answer::Clear
                },
                note: if adverse {
                    "محکومیت قطعی کیفری در سامانه سجل کیفری".into()
                } else {
                    String::new()
                },
                answered_at: at,
            }
        })
        .collect()
}

/// A random instant within `days` days from `from` (to the minute).
fn within(rng: &mut ChaCha8Rng, from: OffsetDateTime, days: i64) -> OffsetDateTime {
    from + time::Duration::minutes(rng.gen_range(60..(days.max(1) * 1_440)))
}

/// The steps of a file that ends in `outcome` (or passes, for `None`), from `opens` (when the
/// executive board starts), and its inquiries' answers.
fn demo_steps(
    rng: &mut ChaCha8Rng,
    county: &str,
    outcome: Option<Outcome>,
    opens: OffsetDateTime,
) -> (Vec<DemoStep>, Vec<InquiryAnswer>) {
    use Outcome as O;
    let mut ground = None;
    let mut reason = |rng: &mut ChaCha8Rng| {
        let (text, cited) = REJECTIONS.choose(rng).copied().unwrap_or(REJECTIONS[0]);
        ground = Some(cited);
        (text.to_owned(), vec![cited])
    };
    let executive = format!("executive-board-{county}");
    let supervision = format!("supervision-board-{county}");
    let mut steps = Vec::new();
    let mut at = opens;
    let mut step = |action: VettingAction, reviewer: Reviewer, by: &str, at: OffsetDateTime| {
        steps.push(DemoStep {
            action,
            reviewer,
            by: by.to_owned(),
            at,
        });
    };
    if outcome == Some(O::Pending) {
        return (steps, demo_inquiries(opens, false, None));
    }
    let rejected = matches!(
        outcome,
        Some(
            O::Rejected
                | O::ObjectedToCounty
                | O::RejectedOnObjection
                | O::ObjectedToProvince
                | O::FinallyRejected
        )
    );
    at = within(rng, at, 13);
    let (why, grounds) = if rejected {
        reason(rng)
    } else {
        ("مدارک کامل و شرایط احراز شد".into(), Vec::new())
    };
    step(
        VettingAction::ExecutiveReview {
            qualified: !rejected,
            reason: why,
            grounds,
        },
        Reviewer::ExecutiveBoard,
        &executive,
        at,
    );
    if outcome == Some(O::Reviewed) {
        return (steps, demo_inquiries(opens, true, ground));
    }
    if outcome == Some(O::Withdrawn) {
        at = within(rng, at, 5);
        step(
            VettingAction::Withdraw {
                reason: "انصراف به دلایل شخصی".into(),
            },
            Reviewer::Applicant,
            "applicant",
            at,
        );
        return (steps, demo_inquiries(opens, true, ground));
    }
    at = within(rng, at, 19);
    let (why, grounds) = if rejected {
        reason(rng)
    } else {
        ("تأیید صلاحیت".into(), Vec::new())
    };
    let upheld_grounds = grounds.clone();
    step(
        VettingAction::SupervisionDecision {
            approved: !rejected,
            reason: why,
            grounds,
        },
        Reviewer::CountySupervisionBoard,
        &supervision,
        at,
    );
    if !rejected || outcome == Some(O::Rejected) {
        return (steps, demo_inquiries(opens, true, ground));
    }
    at = within(rng, at, 3);
    step(
        VettingAction::Object {
            reason: "مدارک تکمیلی پیوست شد".into(),
        },
        Reviewer::Applicant,
        "applicant",
        at,
    );
    if outcome == Some(O::ObjectedToCounty) {
        return (steps, demo_inquiries(opens, true, ground));
    }
    at = within(rng, at, 9);
    step(
        VettingAction::ObjectionDecision {
            upheld: false,
            reason: "اعتراض وارد نیست".into(),
            grounds: upheld_grounds.clone(),
        },
        Reviewer::CountySupervisionBoard,
        &supervision,
        at,
    );
    if outcome == Some(O::RejectedOnObjection) {
        return (steps, demo_inquiries(opens, true, ground));
    }
    at = within(rng, at, 3);
    step(
        VettingAction::Object {
            reason: "درخواست رسیدگی در هیأت نظارت استان".into(),
        },
        Reviewer::Applicant,
        "applicant",
        at,
    );
    if outcome == Some(O::ObjectedToProvince) {
        return (steps, demo_inquiries(opens, true, ground));
    }
    at = within(rng, at, 9);
    step(
        VettingAction::ObjectionDecision {
            upheld: false,
            reason: "رد صلاحیت تأیید می‌شود".into(),
            grounds: upheld_grounds,
        },
        Reviewer::ProvinceSupervisionBoard,
        "supervision-board-province",
        at,
    );
    (steps, demo_inquiries(opens, true, ground))
}

/// Candidates for every council (a city council draws about twice its seats, a village
/// council a few more than its seats), each filed as a registration in its council kind's
/// window and approved through the vetting steps, with codes unique in the election from 10001
/// up; and for some councils a few more registrations that did not pass (or still wait). They
/// are people outside the registry (nobody staffs a station with them).
fn candidacies(
    rng: &mut ChaCha8Rng,
    councils: &[Council],
    villages: &[Village],
    election: &Election,
    people: &[Person],
) -> (Vec<Candidate>, Vec<DemoRegistration>) {
    let registered: HashSet<&NationalId> = people.iter().map(|p| &p.national_id).collect();
    let households: HashMap<&str, i64> = villages
        .iter()
        .map(|v| (v.code.as_str(), v.households))
        .collect();
    let wanted: Vec<(usize, usize)> = councils
        .iter()
        .map(|c| {
            let seats = c.main_seats as usize;
            if c.kind == CouncilKind::City {
                (seats * 2 + rng.gen_range(0..=seats), rng.gen_range(1..=3))
            } else {
                (
                    seats + rng.gen_range(1..=3),
                    usize::from(rng.gen_ratio(1, 3)),
                )
            }
        })
        .collect();
    let total: usize = wanted.iter().map(|(a, b)| a + b).sum();
    let mut drawn = synthetic_people(rng, total + total / 10)
        .into_iter()
        .filter(|p| !registered.contains(&p.national_id));
    let vetting_opens = |kind: CouncilKind, window: &RegistrationWindow| match kind {
        CouncilKind::City => election
            .milestones
            .iter()
            .find(|m| m.key == "executive_vetting")
            .map_or(window.closes_at(), |m| m.starts_at),
        CouncilKind::Village => window.closes_at() + time::Duration::days(1),
    };
    let mut candidates = Vec::new();
    let mut registrations = Vec::with_capacity(total);
    let mut tracking_codes = HashSet::with_capacity(total);
    for (council, (approved, extra)) in councils.iter().zip(wanted) {
        let Some(window) = RegistrationWindow::of(election, council.kind) else {
            continue;
        };
        let place = Place {
            kind: council.kind,
            population: council.population,
            households: households.get(council.place_code.as_str()).copied(),
        };
        let required = required_education(&place);
        let window_days = (window.last_day - window.first_day).whole_days() + 1;
        let opens = vetting_opens(council.kind, &window);
        for (i, person) in drawn.by_ref().take(approved + extra).enumerate() {
            let outcome = (i >= approved).then(|| {
                let roll = rng.gen_range(0..100);
                let mut acc = 0;
                OUTCOMES
                    .iter()
                    .find(|(_, w)| {
                        acc += w;
                        roll < acc
                    })
                    .map_or(Outcome::Rejected, |(o, _)| *o)
            });
            let day = window.first_day + time::Duration::days(rng.gen_range(0..window_days));
            let minutes = (window.daily_closes - window.daily_opens)
                .whole_minutes()
                .max(1);
            let submitted_at = time::PrimitiveDateTime::new(day, window.daily_opens)
                .assume_offset(crate::calendar::TEHRAN)
                .to_offset(time::UtcOffset::UTC)
                + time::Duration::minutes(rng.gen_range(0..minutes));
            let former_member = rng.gen_ratio(1, 8);
            let education = person.education.unwrap_or(Education::Diploma);
            let education = if former_member {
                education
            } else {
                education.max(required)
            };
            // Candidates are at least 25 on the day they register.
            let birth_date = if crate::person::age_on(person.birth_date, day) < 26 {
                person.birth_date - time::Duration::days(12 * 365)
            } else {
                person.birth_date
            };
            let occupation = OCCUPATIONS
                .choose(rng)
                .copied()
                .unwrap_or("کارمند")
                .to_owned();
            let Some(mobile) = person
                .mobile
                .clone()
                .or_else(|| MobileNumber::parse("09130000000").ok())
            else {
                continue;
            };
            let code = outcome
                .is_none()
                .then(|| (10_001 + candidates.len()).to_string());
            let veteran_family = rng.gen_ratio(1, 10);
            if let Some(code) = &code {
                candidates.push(Candidate {
                    code: code.clone(),
                    council: council.code.clone(),
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    gender: person.gender,
                    education: Some(education),
                    occupation: occupation.clone(),
                    veteran_family,
                });
            }
            let application = Application {
                national_id: person.national_id.clone(),
                first_name: person.first_name,
                last_name: person.last_name,
                father_name: person.father_name,
                birth_date,
                gender: person.gender,
                mobile,
                residence: council.name.clone(),
                council: council.code.clone(),
                education,
                former_member,
                occupation,
                official: None,
                veteran_family,
            };
            let (steps, inquiries) =
                demo_steps(rng, &council.county_code, outcome, opens.max(submitted_at));
            let tracking_code = loop {
                let code = format!(
                    "{:012}",
                    rng.gen_range(100_000_000_000u64..1_000_000_000_000)
                );
                if tracking_codes.insert(code.clone()) {
                    break code;
                }
            };
            registrations.push(DemoRegistration {
                tracking_code,
                application,
                submitted_at,
                steps,
                inquiries,
                candidate_code: code,
            });
        }
    }
    (candidates, registrations)
}

/// Deterministic people with valid, distinct national ids and plausible Persian names.
pub fn synthetic_people(rng: &mut ChaCha8Rng, count: usize) -> Vec<Person> {
    let mut seen = HashSet::with_capacity(count);
    let mut people: Vec<Person> = Vec::with_capacity(count);
    let earliest =
        time::Date::from_calendar_date(1945, time::Month::January, 1).unwrap_or(time::Date::MIN);
    while people.len() < count {
        let Some(national_id) = NationalId::with_check_digit(rng.gen_range(1_000_000..999_999_999))
        else {
            continue;
        };
        if !seen.insert(national_id.clone()) {
            continue;
        }
        let gender = if rng.gen_bool(0.5) {
            Gender::Female
        } else {
            Gender::Male
        };
        let names: &[&str] = if gender == Gender::Female {
            &FEMALE_NAMES
        } else {
            &MALE_NAMES
        };
        let first_name = names.choose(rng).copied().unwrap_or("علی").to_owned();
        let father_name = MALE_NAMES.choose(rng).copied().unwrap_or("محمد").to_owned();
        let last_name = LAST_NAMES
            .choose(rng)
            .copied()
            .unwrap_or("کرمانی")
            .to_owned();
        let birth_date = earliest + time::Duration::days(rng.gen_range(0..(60 * 365)));
        let operator = [
            "912", "913", "917", "919", "935", "936", "938", "939", "990", "991",
        ]
        .choose(rng)
        .copied()
        .unwrap_or("913");
        let mobile =
            MobileNumber::parse(&format!("0{operator}{:07}", rng.gen_range(0..10_000_000))).ok();
        let education = Education::ALL.choose(rng).copied();
        // Now and then a person declares a close relative among those drawn before them.
        let relatives = match people.last() {
            Some(previous) if rng.gen_ratio(1, 20) => {
                let relation = [Relation::Sibling, Relation::Spouse, Relation::Parent]
                    .choose(rng)
                    .copied()
                    .unwrap_or(Relation::Sibling);
                vec![Relative {
                    national_id: previous.national_id.clone(),
                    relation,
                }]
            }
            _ => Vec::new(),
        };
        people.push(Person {
            national_id,
            first_name,
            last_name,
            father_name,
            gender,
            birth_date,
            mobile,
            education,
            sitting_council_member: rng.gen_ratio(1, 200),
            relatives,
        });
    }
    people
}

/// A deterministic synthetic eligibility roll of `count` people, streamed (never held whole):
/// the demo's registered people first (so staff can vote), then synthetic ids from a range
/// the demo never draws. Councils are drawn in proportion to their population; about 3% are
/// under 18 on election day and 0.5% deceased, so the demo can show every refusal.
pub fn synthetic_roll(
    data: &DemoData,
    seed: u64,
    count: usize,
) -> impl Iterator<Item = crate::roll::Voter> + '_ {
    use crate::roll::{Voter, VoterStatus};
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_0F70);
    let mut cumulative = Vec::with_capacity(data.councils.len());
    let mut total = 0i64;
    for c in &data.councils {
        total += c.population.max(1);
        cumulative.push(total);
    }
    let day = data.election.election_day;
    let people = data.people.iter().map(|p| p.national_id.clone());
    // Synthetic ids: nine leading digits from 990,000,000 up, which the people generator
    // (1,000,000..999,999,999 drawn at random) may also hit, so skip the people's ids.
    let taken: HashSet<NationalId> = data.people.iter().map(|p| p.national_id.clone()).collect();
    let synthetic = (0u32..)
        .filter_map(|i| NationalId::with_check_digit(900_000_000 + i))
        .filter(move |id| !taken.contains(id));
    people.chain(synthetic).take(count).map(move |national_id| {
        let pick = rng.gen_range(0..total.max(1));
        let council = &data.councils[cumulative
            .partition_point(|c| *c <= pick)
            .min(data.councils.len() - 1)];
        let age_days = if rng.gen_ratio(3, 100) {
            rng.gen_range(15 * 365..18 * 365 - 1)
        } else {
            rng.gen_range(18 * 365 + 5..90 * 365)
        };
        Voter {
            national_id,
            birth_date: day - time::Duration::days(age_days),
            council: council.code.clone(),
            status: if rng.gen_ratio(1, 200) {
                VoterStatus::Deceased
            } else {
                VoterStatus::Alive
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> DemoData {
        kerman(DemoOptions {
            seed: 1405,
            people: 500,
        })
        .unwrap()
    }

    #[test]
    fn kerman_at_its_real_scale() {
        let d = demo();
        assert_eq!(d.counties.len(), targets::COUNTIES);
        assert_eq!(d.districts.len(), targets::DISTRICTS);
        assert_eq!(d.rural_districts.len(), targets::RURAL_DISTRICTS);
        assert_eq!(d.cities.len(), targets::CITIES);
        assert_eq!(d.villages.len(), targets::VILLAGES);
        let city: Vec<_> = d
            .councils
            .iter()
            .filter(|c| c.kind == CouncilKind::City)
            .collect();
        let village: Vec<_> = d
            .councils
            .iter()
            .filter(|c| c.kind == CouncilKind::Village)
            .collect();
        assert_eq!(city.len(), 85);
        assert_eq!(city.iter().filter(|c| c.main_seats == 11).count(), 1);
        assert_eq!(city.iter().filter(|c| c.main_seats == 7).count(), 7);
        assert_eq!(city.iter().filter(|c| c.main_seats == 5).count(), 77);
        assert_eq!(village.len(), 2_855);
        assert_eq!(village.iter().filter(|c| c.main_seats == 3).count(), 2_713);
        assert_eq!(village.iter().filter(|c| c.main_seats == 5).count(), 142);
        assert_eq!(d.stations.len(), 3_003);
        assert_eq!(
            d.stations.iter().filter(|s| s.area == Area::Urban).count(),
            1_267
        );
        assert_eq!(
            d.stations.iter().filter(|s| s.area == Area::Rural).count(),
            1_736
        );
        assert_eq!(d.stations.iter().filter(|s| s.mobile).count(), 1_325);
        assert_eq!(d.stations.iter().filter(|s| s.hard_to_reach).count(), 92);
    }

    #[test]
    fn the_demo_province_is_a_sound_seed_and_broken_ones_are_refused() {
        let seed = demo().province();
        assert_eq!(seed.validate(), Ok(()));
        let mut twice = seed.clone();
        twice.counties.push(seed.counties[0].clone());
        assert!(matches!(
            twice.validate(),
            Err(crate::DomainError::InvalidField {
                field: "counties",
                ..
            })
        ));
        let mut orphan = seed.clone();
        orphan.districts[0].county_code = "99".into();
        assert!(orphan.validate().is_err());
        let mut elsewhere = seed.clone();
        let other = seed
            .counties
            .iter()
            .find(|c| c.code != elsewhere.councils[0].county_code)
            .unwrap()
            .code
            .clone();
        elsewhere.councils[0].county_code = other;
        assert!(matches!(
            elsewhere.validate(),
            Err(crate::DomainError::InvalidField {
                field: "councils",
                ..
            })
        ));
        let mut foreign = seed.clone();
        foreign.councils[0].election_code = "other".into();
        assert!(foreign.validate().is_err());
        let mut bad_code = seed;
        bad_code.villages[0].code = "not a code!".into();
        assert!(matches!(
            bad_code.validate(),
            Err(crate::DomainError::InvalidCode(_))
        ));
    }

    #[test]
    fn codes_are_unique_and_nested() {
        let d = demo();
        let unique = |codes: Vec<&str>| {
            let n = codes.len();
            codes.into_iter().collect::<HashSet<_>>().len() == n
        };
        assert!(unique(d.counties.iter().map(|c| c.code.as_str()).collect()));
        assert!(unique(
            d.districts.iter().map(|c| c.code.as_str()).collect()
        ));
        assert!(unique(d.councils.iter().map(|c| c.code.as_str()).collect()));
        assert!(unique(d.stations.iter().map(|c| c.code.as_str()).collect()));
        for s in &d.stations {
            assert!(s.code.starts_with(&s.county_code));
            let council = d
                .councils
                .iter()
                .find(|c| c.code == s.council_code)
                .unwrap();
            assert_eq!(council.county_code, s.county_code);
        }
        for v in &d.villages {
            assert!(v.code.starts_with(&v.rural_district_code));
        }
        // Every county has stations and councils.
        for c in &d.counties {
            assert!(
                d.stations.iter().any(|s| s.county_code == c.code),
                "{}",
                c.name
            );
            assert!(
                d.councils
                    .iter()
                    .any(|s| s.county_code == c.code && s.kind == CouncilKind::City),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn real_names_are_kept() {
        let d = demo();
        let kerman = d.cities.iter().find(|c| c.name_en == "Kerman").unwrap();
        assert_eq!(kerman.population, 537_718);
        assert!(!kerman.synthetic);
        assert!(d.counties.iter().any(|c| c.name == "رفسنجان"));
        assert!(d.cities.iter().filter(|c| c.synthetic).count() >= 7);
    }

    /// Place names as Persian writes them: a compound's parts apart by a ZWNJ («حسین‌آباد»,
    /// one spelling of it), and no suffix that cannot follow its stem («حاجیی», «رضاان»).
    #[test]
    fn place_names_are_written_once_and_possible() {
        let d = demo();
        let names = d
            .counties
            .iter()
            .map(|c| &c.name)
            .chain(d.cities.iter().map(|c| &c.name))
            .chain(d.villages.iter().map(|v| &v.name))
            .chain(d.councils.iter().map(|c| &c.name))
            .chain(d.stations.iter().map(|s| &s.name));
        let mut seen = 0;
        for name in names {
            assert_eq!(
                &normalize_name(name),
                name,
                "{name} is written as normalised"
            );
            for word in name.split(' ') {
                let chars: Vec<char> = word.chars().collect();
                let impossible = chars.windows(3).any(|w| {
                    (w[1] == 'ی' && w[2] == 'ی' && !matches!(w[0], 'ا' | 'و'))
                        || (w[0] == 'ا' && w[1] == 'ا' && w[2] == 'ن')
                });
                assert!(!impossible, "{name}: «{word}»");
            }
            seen += 1;
        }
        assert!(seen > 3_000);
        let zwnj_abad = d
            .villages
            .iter()
            .filter(|v| v.name.contains("\u{200C}آباد"))
            .count();
        assert!(zwnj_abad > 100, "villages named «…‌آباد»: {zwnj_abad}");
        assert!(d.counties.iter().any(|c| c.name == "قلعه\u{200C}گنج"));
    }

    #[test]
    fn deterministic_and_valid_people() {
        let a = demo();
        let b = demo();
        assert_eq!(a.people, b.people);
        assert_eq!(a.stations, b.stations);
        assert_eq!(a.people.len(), 500);
        for p in &a.people {
            assert!(NationalId::parse(p.national_id.as_str()).is_ok());
            assert!(!p.first_name.contains('ي'));
        }
        let ids: HashSet<_> = a.people.iter().map(|p| &p.national_id).collect();
        assert_eq!(ids.len(), 500);
    }

    #[test]
    fn demo_staffing_has_a_few_gaps_and_no_conflicts() {
        let d = kerman(DemoOptions::default()).unwrap();
        let posts = d.stations.len() * Post::ALL.len();
        let gaps = posts - d.assignments.len();
        assert!(gaps > 0 && gaps * 50 < posts, "{gaps} gaps of {posts}");
        let ids: HashSet<_> = d.assignments.iter().map(|a| &a.national_id).collect();
        assert_eq!(ids.len(), d.assignments.len(), "one post per person");
        let by_id: std::collections::HashMap<_, _> =
            d.people.iter().map(|p| (&p.national_id, p)).collect();
        for a in &d.assignments {
            let p = by_id[&a.national_id];
            assert!(!p.sitting_council_member);
            assert!(crate::person::age_on(p.birth_date, d.election.election_day) >= 18);
        }
        let slots: HashSet<_> = d.assignments.iter().map(|a| (&a.station, a.post)).collect();
        assert_eq!(slots.len(), d.assignments.len(), "one holder per post");
    }

    #[test]
    fn the_demo_keeps_its_own_rules_on_readiness_and_equipment_tests() {
        use crate::security::PlanStatus;
        use crate::test_deck::RunOutcome;
        let d = demo();
        let approved: HashSet<&str> = d
            .council_meetings
            .iter()
            .flat_map(|m| m.approves.iter().map(String::as_str))
            .chain(
                d.sensitive_stations
                    .iter()
                    .filter(|s| matches!(s.plan, Some((_, PlanStatus::Approved))))
                    .map(|s| s.station.as_str()),
            )
            .collect();
        for (station, declared) in &d.readiness {
            let sensitive = d.sensitive_stations.iter().any(|s| &s.station == station);
            let standing = crate::readiness::SecurityStanding {
                sensitive,
                plan_approved: approved.contains(station.as_str()),
            };
            assert!(
                !(declared.readiness.ready && standing.needs_plan()),
                "{station} is ready without its approved plan"
            );
        }
        // Runs: most passed, some failed with their differences, some stations not tested;
        // the station user's station passed.
        let passed = |r: &&crate::test_deck::DemoRun| r.outcome == RunOutcome::Passed;
        let failed: Vec<_> = d.equipment_runs.iter().filter(|r| !passed(r)).collect();
        assert!(!failed.is_empty() && failed.iter().all(|r| !r.differences.is_empty()));
        assert!(d.equipment_runs.iter().filter(passed).count() > 20 * failed.len());
        let open = d.stations.iter().filter(|s| !s.closed).count();
        assert!(
            d.equipment_runs.len() < open,
            "some stations are not tested yet"
        );
        for user in &d.users {
            if let Some(station) = user.scope.station() {
                assert!(d
                    .equipment_runs
                    .iter()
                    .any(|r| r.station == station && passed(&r)));
            }
        }
    }

    #[test]
    fn demo_stations_are_valid_and_mobile_ones_have_routes() {
        let d = demo();
        for s in &d.stations {
            s.validate().unwrap_or_else(|e| panic!("{}: {e}", s.code));
        }
        let mobile = d.stations.iter().find(|s| s.mobile).unwrap();
        assert!(!mobile.route.is_empty());
        assert_eq!(mobile.route[0].council, mobile.council_code);
    }

    #[test]
    fn the_synthetic_roll_is_deterministic_distinct_and_mixed() {
        let d = demo();
        let a: Vec<_> = synthetic_roll(&d, 1, 20_000).collect();
        let b: Vec<_> = synthetic_roll(&d, 1, 20_000).collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 20_000);
        let ids: HashSet<_> = a.iter().map(|v| &v.national_id).collect();
        assert_eq!(ids.len(), 20_000);
        assert_eq!(
            a[0].national_id, d.people[0].national_id,
            "registered people come first"
        );
        let under = a
            .iter()
            .filter(|v| crate::person::age_on(v.birth_date, d.election.election_day) < 18)
            .count();
        assert!((300..900).contains(&under), "{under}");
        assert!(a
            .iter()
            .any(|v| v.status == crate::roll::VoterStatus::Deceased));
        let councils: HashSet<_> = d.councils.iter().map(|c| c.code.as_str()).collect();
        assert!(a.iter().all(|v| councils.contains(v.council.as_str())));
    }

    #[test]
    fn demo_users_fit_their_roles() {
        let d = demo();
        assert_eq!(d.users.len(), Role::ALL.len());
        for u in &d.users {
            crate::access::check_role_scope(u.role, &u.scope).unwrap();
        }
    }

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1], 1).iter().sum::<usize>(), 10);
        assert_eq!(
            apportion(1267, &[537_718, 5_000, 5_000], 1)
                .iter()
                .sum::<usize>(),
            1267
        );
        assert_eq!((0..2855).filter(|i| spread(*i, 142, 2855)).count(), 142);
    }

    #[test]
    fn every_council_has_more_candidates_than_seats_with_unique_codes() {
        let d = demo();
        let mut per_council = std::collections::HashMap::<&str, u32>::new();
        for c in &d.candidates {
            *per_council.entry(c.council.as_str()).or_default() += 1;
        }
        for council in &d.councils {
            assert!(
                per_council.get(council.code.as_str()).copied().unwrap_or(0) > council.main_seats,
                "{}",
                council.code
            );
        }
        let codes: HashSet<&str> = d.candidates.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(codes.len(), d.candidates.len());
    }

    #[test]
    fn registrations_pass_the_rules_and_reach_every_state() {
        use crate::registration::{check_application, Place, RegistrationWindow};
        use crate::vetting::VettingState;
        let d = demo();
        let households: std::collections::HashMap<&str, i64> = d
            .villages
            .iter()
            .map(|v| (v.code.as_str(), v.households))
            .collect();
        let councils: std::collections::HashMap<&str, &Council> =
            d.councils.iter().map(|c| (c.code.as_str(), c)).collect();
        let mut states = HashSet::new();
        let mut approved = 0;
        let mut ids = HashSet::new();
        let mut codes = HashSet::new();
        for r in &d.registrations {
            assert!(
                ids.insert(&r.application.national_id),
                "one registration per person"
            );
            assert!(codes.insert(&r.tracking_code));
            let council = councils[r.application.council.as_str()];
            let place = Place {
                kind: council.kind,
                population: council.population,
                households: households.get(council.place_code.as_str()).copied(),
            };
            let window = RegistrationWindow::of(&d.election, council.kind).unwrap();
            assert_eq!(
                check_application(
                    &r.application,
                    &place,
                    &window,
                    &r.application.required_documents(),
                    r.submitted_at
                ),
                Ok(()),
                "{}",
                r.tracking_code
            );
            let files = r.files().unwrap();
            let last = files.last().unwrap();
            states.insert(last.state);
            assert!(last.state_since <= d.election.election_day.midnight().assume_utc());
            match &r.candidate_code {
                Some(code) => {
                    approved += 1;
                    assert_eq!(last.state, VettingState::Approved);
                    let c = d.candidates.iter().find(|c| &c.code == code).unwrap();
                    assert_eq!(c.council, r.application.council);
                    assert_eq!(c.last_name, r.application.last_name);
                }
                None => assert_ne!(last.state, VettingState::Approved),
            }
        }
        assert_eq!(approved, d.candidates.len());
        assert_eq!(states.len(), VettingState::ALL.len(), "{states:?}");
        // None of them is a registered person (nobody staffs a station with them).
        assert!(d.people.iter().all(|p| !ids.contains(&p.national_id)));
    }
}
