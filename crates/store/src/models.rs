//! Inputs and outputs of the store that are not domain types themselves.

use domain::access::{Role, Scope};
use domain::election::CouncilKind;
use domain::geo::County;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Who makes a change, and when (the clock is read by the caller, never by the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub username: String,
    pub at: OffsetDateTime,
}

impl Actor {
    pub fn new(username: impl Into<String>, at: OffsetDateTime) -> Self {
        Self {
            username: username.into(),
            at,
        }
    }
    pub fn at_us(&self) -> i64 {
        domain::clock::to_micros(self.at)
    }
}

/// A 1-based page request; `per_page` is clamped to 1..=500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 500;
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }
    pub fn offset(self) -> i64 {
        i64::from(self.page.saturating_sub(1)) * i64::from(self.per_page)
    }
    pub fn limit(self) -> i64 {
        i64::from(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(1, 50)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        if self.total == 0 {
            1
        } else {
            (self.total + i64::from(self.per_page) - 1) / i64::from(self.per_page)
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CountyFilter {
    /// Only this county.
    pub county: Option<String>,
}

/// A county with the figures of the HQ dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountySummary {
    #[serde(flatten)]
    pub county: County,
    pub districts: i64,
    pub cities: i64,
    pub villages: i64,
    pub city_councils: i64,
    pub village_councils: i64,
    pub main_seats: i64,
    pub alternate_seats: i64,
    pub stations: i64,
    pub urban_stations: i64,
    pub rural_stations: i64,
    pub mobile_stations: i64,
}

/// The column a list can be sorted by; each backend maps it to its own ORDER BY, with the
/// code breaking ties.
pub trait SortKey: Copy + Default + Eq + 'static {
    const ALL: &'static [Self];
    /// The name a client asks for (`?sort=name`, `?sort=-name` for descending).
    fn as_str(self) -> &'static str;
}

/// A list's order: a key and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort<K> {
    pub key: K,
    pub descending: bool,
}

impl<K: SortKey> Sort<K> {
    pub fn ascending(key: K) -> Self {
        Self {
            key,
            descending: false,
        }
    }
    pub fn descending(key: K) -> Self {
        Self {
            key,
            descending: true,
        }
    }
    /// `name` or `-name`; `None` for a key not on the list.
    pub fn parse(text: &str) -> Option<Self> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        K::ALL
            .iter()
            .find(|k| k.as_str() == name)
            .map(|&key| Self { key, descending })
    }
    /// What [`Self::parse`] reads back.
    pub fn as_param(self) -> String {
        if self.descending {
            format!("-{}", self.key.as_str())
        } else {
            self.key.as_str().to_owned()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CouncilSortKey {
    #[default]
    Code,
    Name,
    Population,
    /// Main seats.
    Seats,
}

impl SortKey for CouncilSortKey {
    const ALL: &'static [Self] = &[Self::Code, Self::Name, Self::Population, Self::Seats];
    fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::Population => "population",
            Self::Seats => "seats",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StationSortKey {
    #[default]
    Code,
    Name,
    ExpectedVoters,
}

impl SortKey for StationSortKey {
    const ALL: &'static [Self] = &[Self::Code, Self::Name, Self::ExpectedVoters];
    fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::ExpectedVoters => "expected_voters",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouncilFilter {
    pub county: Option<String>,
    pub kind: Option<CouncilKind>,
    /// Part of the council's name, compared by search key (`domain::text::search_key`, in
    /// whatever script and spacing it was typed) as plain text: `%` and `_` are characters
    /// like any other.
    pub name: Option<String>,
    pub sort: Sort<CouncilSortKey>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationFilter {
    pub county: Option<String>,
    /// Stations whose own council, or one of whose route stops, is this council.
    pub council: Option<String>,
    /// Only this station (a station-scoped user's list).
    pub station: Option<String>,
    pub area: Option<domain::station::Area>,
    pub mobile: Option<bool>,
    pub closed: Option<bool>,
    /// Part of the name, compared by search key (`domain::text::search_key`) as plain text.
    pub name: Option<String>,
    pub sort: Sort<StationSortKey>,
}

/// A person holding a post at a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffAssignment {
    pub station: String,
    pub post: domain::staffing::Post,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub assigned_at_us: i64,
    pub assigned_by: String,
}

/// A station with posts nobody holds yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationGap {
    pub station: String,
    pub name: String,
    pub county: String,
    pub missing: Vec<domain::staffing::Post>,
}

/// A county's stations and how far they are staffed. Closed stations are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountyCoverage {
    pub county: String,
    pub name: String,
    pub stations: i64,
    pub urban: i64,
    pub rural: i64,
    pub fixed: i64,
    pub mobile: i64,
    /// Stations with all five branch members.
    pub full_branch: i64,
    pub with_governor_rep: i64,
    pub with_inspector: i64,
    /// Stations with all seven posts held.
    pub fully_staffed: i64,
    /// Posts held in all.
    pub assignments: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub scope: Scope,
    pub created_at_us: i64,
    /// When the account was disabled; a disabled account cannot sign in and has no sessions.
    pub disabled_at_us: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the bearer token; the token itself is never stored.
    pub token_hash: String,
    pub username: String,
    pub csrf_token: String,
    pub expires_at_us: i64,
    /// How long the session may go unused before it ends; `None`: only its expiry ends it
    /// (a station's device on its polling day).
    pub idle_timeout_us: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub username: String,
    pub csrf_token: String,
    pub created_at_us: i64,
    pub expires_at_us: i64,
    /// When the session was last used, as last written ([`crate::AuthStore::touch_session`]
    /// writes it at most about once a minute).
    pub last_seen_at_us: i64,
    pub idle_timeout_us: Option<i64>,
}

impl SessionRecord {
    /// When the session ends for want of use, if it can.
    pub fn idle_until_us(&self) -> Option<i64> {
        self.idle_timeout_us
            .map(|idle| self.last_seen_at_us.saturating_add(idle))
    }
}

/// What disabling or enabling an account, changing its password or ending its sessions did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountChange {
    /// Whether the account changed (disabling a disabled account does not).
    pub changed: bool,
    /// How many of its sessions ended.
    pub sessions_ended: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    /// Prefix of the action, e.g. `auth.` or `user.create`.
    pub action: Option<String>,
    /// Prefix of the entity, e.g. `user/` or `election/shora-7`.
    pub entity: Option<String>,
    pub from_us: Option<i64>,
    pub to_us: Option<i64>,
}

impl AuditFilter {
    /// The records whose action starts with `prefix`.
    pub fn action(prefix: impl Into<String>) -> Self {
        Self {
            action: Some(prefix.into()),
            ..Self::default()
        }
    }

    /// The records whose entity starts with `prefix`.
    pub fn entity(prefix: impl Into<String>) -> Self {
        Self {
            entity: Some(prefix.into()),
            ..Self::default()
        }
    }

    /// The records of one actor.
    pub fn actor(username: impl Into<String>) -> Self {
        Self {
            actor: Some(username.into()),
            ..Self::default()
        }
    }
}

/// Splits a scope into the columns the stores keep.
pub fn scope_columns(scope: &Scope) -> (&'static str, Option<&str>, Option<&str>) {
    match scope {
        Scope::Province => ("province", None, None),
        Scope::County { county } => ("county", Some(county), None),
        Scope::Station { county, station } => ("station", Some(county), Some(station)),
    }
}

/// Rebuilds a scope from its stored columns.
pub fn scope_from_columns(
    kind: &str,
    county: Option<String>,
    station: Option<String>,
) -> Option<Scope> {
    match (kind, county, station) {
        ("province", _, _) => Some(Scope::Province),
        ("county", Some(county), _) => Some(Scope::County { county }),
        ("station", Some(county), Some(station)) => Some(Scope::Station { county, station }),
        _ => None,
    }
}

/// A board and its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardWithMembers {
    #[serde(flatten)]
    pub board: domain::boards::Board,
    pub members: Vec<domain::boards::BoardMember>,
}

/// A post held by someone the staffing rules would now refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffConflict {
    #[serde(flatten)]
    pub assignment: StaffAssignment,
    /// The refusal's stable code (`candidate`, `candidate_relative`, …).
    pub code: String,
    /// Its Persian reason.
    pub reason: String,
}

/// A voter's check-in at a station (DESIGN §3, §4): the store decides it in the batching
/// writer and answers only after the batch commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub election_code: String,
    pub station: String,
    pub national_id: domain::ids::NationalId,
    /// SHA-256 (hex) of the ballot token the caller hands to the voting device; the store keeps
    /// only this, beside the station and council, never beside the voter.
    pub token_hash: String,
    /// The election's setting: voters may only vote at a station of their own constituency.
    pub own_constituency_only: bool,
    pub by: Actor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckInOutcome {
    /// Checked in: the voter's council, whose ballot the token opens.
    Accepted {
        council: String,
    },
    /// The person has already checked in, here or elsewhere.
    AlreadyVoted {
        station: String,
        at: OffsetDateTime,
    },
    NotEligible(domain::roll::NotEligible),
    StationNotOpen(domain::station_day::DayState),
}

/// A ballot on its way into the box: encrypted by the use case for the token's council
/// (`ballot_crypto::tracking::encode`'s text; its choices are in no field), with the digest
/// of the ballot style it was encrypted for and the kiosk whose chain it joins. Nothing in it
/// names the voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBallot {
    pub election_code: String,
    pub token_hash: String,
    /// The council the ballot was encrypted for (the token's, as the use case read it).
    pub council: String,
    /// `ballot_crypto::BallotStyle::digest` of the style it was encrypted for.
    pub style_digest: String,
    pub kiosk: String,
    pub ballot: String,
    pub by: Actor,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BallotOutcome {
    /// In the box: the station and council it was cast for, its tracking code (hex) and the
    /// voter's receipt (`domain::ids::ReceiptCode`, from the tracking code).
    Cast {
        station: String,
        council: String,
        tracking_code: String,
        receipt: String,
    },
    /// No such token, or it was used already.
    TokenUnknown,
    Refused(domain::ballot::BallotRefusal),
}

/// A station's figures on election day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StationCounts {
    pub checkins: i64,
    pub ballots: i64,
    /// Checked-in voters recorded as having left without voting («خروج بدون رأی»).
    #[serde(default)]
    pub walkouts: i64,
    /// Checked-in voters whose ballots are not cast yet, nor recorded as walk-outs.
    pub outstanding: i64,
}

impl StationCounts {
    /// The counts from the check-ins, ballots and walk-outs: every check-in is one of the
    /// three, a ballot, a walk-out, or still outstanding.
    pub fn new(checkins: i64, ballots: i64, walkouts: i64) -> Self {
        Self {
            checkins,
            ballots,
            walkouts,
            outstanding: checkins - ballots - walkouts,
        }
    }
}

/// A voter checked in at a station whose ballot is not cast yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingCheckIn {
    pub national_id: String,
    pub council: String,
    #[serde(with = "domain::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub checked_in_at: time::OffsetDateTime,
}

/// A walk-out as recorded: the person, why, who countersigned, when and by which account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalkoutRecord {
    pub national_id: String,
    pub council: String,
    pub reason: domain::station_day::WalkoutReason,
    pub notes: String,
    pub countersigned_by: Option<String>,
    #[serde(with = "domain::json_time::instant")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: time::OffsetDateTime,
    pub recorded_by: String,
}

/// Where turnout is counted: the province, or a county, or a council (a council wins over a
/// county).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoutFilter {
    pub county: Option<String>,
    pub council: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnoutArea {
    /// A county code (province view), council code (county view) or station code (council
    /// view).
    pub code: String,
    pub name: String,
    /// People on the roll; stations have none of their own (`None`).
    pub eligible: Option<i64>,
    pub checked_in: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnoutHour {
    /// The hour's start.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub hour: OffsetDateTime,
    pub checked_in: i64,
}

/// Turnout in an area: the roll, the check-ins, per hour, and per area one level down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Turnout {
    pub eligible: i64,
    pub checked_in: i64,
    pub hourly: Vec<TurnoutHour>,
    pub areas: Vec<TurnoutArea>,
}

/// An upload of a registration, kept outside the database under its content hash
/// ([`crate::files::FileStore`]); the database keeps this record of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredDocument {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: domain::registration::DocumentKind,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub media_type: domain::registration::MediaType,
    pub size: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// A registration to file: the application as checked by `domain::registration`, under a
/// fresh tracking code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub election_code: String,
    pub tracking_code: String,
    pub application: domain::registration::Application,
    pub documents: Vec<StoredDocument>,
}

/// A registration as filed, with its council and where its vetting stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub election_code: String,
    pub tracking_code: String,
    pub application: domain::registration::Application,
    pub council_name: String,
    pub council_kind: CouncilKind,
    pub county_code: String,
    pub documents: Vec<StoredDocument>,
    pub vetting: domain::vetting::VettingFile,
    /// Given on approval, unique in the election.
    pub candidate_code: Option<String>,
}

/// One step of a registration's history, as the applicant and the boards see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VettingEvent {
    pub at: OffsetDateTime,
    /// `submitted`, or the name of the vetting step.
    pub step: String,
    /// The state the step led to.
    pub state: domain::vetting::VettingState,
    /// Who took the step (a username, or `applicant`).
    pub by: String,
    pub reason: String,
    /// The legal grounds a rejection cited (none for other steps).
    pub grounds: Vec<domain::vetting::RejectionGround>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationFilter {
    pub county: Option<String>,
    pub council: Option<String>,
    pub state: Option<domain::vetting::VettingState>,
    /// The applicant's (their own filings, found after proving who they are).
    pub national_id: Option<String>,
    /// What the worklist's search box was given ([`RegistrationSearch::parse`]).
    pub search: Option<RegistrationSearch>,
    pub sort: Sort<RegistrationSortKey>,
}

/// A worklist search: a tracking code or the applicant's national id by its first digits
/// (typed in any script), or a part of the applicant's name as a search key
/// (`domain::text::search_key`), compared with first and last name run together, so that
/// «علی رضایی» finds Ali Rezaei whatever the spaces and ZWNJs typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationSearch {
    Digits(String),
    Name(String),
}

impl RegistrationSearch {
    /// `None` for a blank search (everything).
    pub fn parse(text: &str) -> Option<Self> {
        match crate::people::PeopleQuery::parse(text) {
            crate::people::PeopleQuery::IdPrefix(d) => Some(Self::Digits(d)),
            crate::people::PeopleQuery::Name(key) if key.is_empty() => None,
            crate::people::PeopleQuery::Name(key) => Some(Self::Name(key)),
        }
    }
}

/// The worklist's columns a list of registrations can be sorted by; filing order breaks ties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegistrationSortKey {
    /// Filing time (the worklist's own order).
    #[default]
    Filed,
    Tracking,
    /// Last name, then first name.
    Name,
    /// The council's name.
    Council,
}

impl SortKey for RegistrationSortKey {
    const ALL: &'static [Self] = &[Self::Filed, Self::Tracking, Self::Name, Self::Council];
    fn as_str(self) -> &'static str {
        match self {
            Self::Filed => "filed",
            Self::Tracking => "tracking",
            Self::Name => "name",
            Self::Council => "council",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_parse_from_their_names_and_nothing_else() {
        assert_eq!(
            Sort::<CouncilSortKey>::parse("-population"),
            Some(Sort::descending(CouncilSortKey::Population))
        );
        assert_eq!(
            Sort::<StationSortKey>::parse("expected_voters"),
            Some(Sort::ascending(StationSortKey::ExpectedVoters))
        );
        for bad in ["", "-", "--name", "1; DROP TABLE councils", "Name", "name "] {
            assert_eq!(Sort::<CouncilSortKey>::parse(bad), None, "{bad:?}");
        }
        for key in CouncilSortKey::ALL {
            for sort in [Sort::ascending(*key), Sort::descending(*key)] {
                assert_eq!(Sort::parse(&sort.as_param()), Some(sort));
            }
        }
    }
}
