//! The storage contract of sandoq.
//!
//! One object-safe [`Store`] trait over domain types; the web layer holds it as `Arc<dyn Store>`
//! and only the `cli` crate names a backend. Every mutating method takes an [`Actor`] and
//! writes its change and its audit record in one transaction.

pub mod election_day;
pub mod files;
pub mod import;
pub mod models;

#[cfg(feature = "conformance")]
pub mod conformance;

use async_trait::async_trait;
use audit::AuditRecord;
use domain::ballot::Candidate;
use domain::boards::{BoardMember, BoardRole, Meeting};
use domain::demo::DemoData;
use domain::election::{Council, Election, SeatTable};
use domain::person::Person;
use domain::roll::Voter;
use domain::staffing::Post;
use domain::station::Station;
use domain::station_day::{DayAction, StationDay};
pub use models::*;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("{entity} already exists ({constraint})")]
    Conflict {
        entity: &'static str,
        constraint: String,
    },
    #[error("invalid data: {0}")]
    Invalid(String),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("database error: {0}")]
    Database(String),
    #[error("assignment refused: {}", .0.code())]
    Refused(domain::staffing::Refusal),
    #[error("board membership refused: {}", .0.code())]
    BoardRefused(domain::boards::BoardRefusal),
    #[error("station day action refused: {}", .0.code())]
    DayRefused(domain::station_day::DayRefusal),
    #[error("vetting step refused: {}", .0.code())]
    VettingRefused(domain::vetting::VettingRefusal),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Why a roll import is refused once anyone has checked in (`StoreError::Invalid`), in the
/// words of every backend.
pub const ROLL_LOCKED_BY_VOTING: &str =
    "رأی‌گیری آغاز شده است؛ فهرست واجدان شرایط دیگر جایگزین نمی‌شود.";

/// A batch of the eligibility roll on its way to `Store::import_roll`, or the sender's reason
/// to abort the import.
pub type RollBatch = Result<Vec<Voter>, String>;

/// The storage operations of the system. Each backend implements all of them and passes the
/// conformance suite (`store::conformance_suite!`).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The backend's name, for logs and the health check.
    fn backend(&self) -> &'static str;

    /// Cheap liveness query.
    async fn ping(&self) -> StoreResult<()>;

    /// True when no geography has been loaded yet.
    async fn is_empty(&self) -> StoreResult<bool>;

    /// Loads a whole province (geography, election, councils, stations, people) in one
    /// transaction with one audit record holding the data's counts. Users are not loaded here.
    async fn load_province(&self, data: &DemoData, by: &Actor) -> StoreResult<()>;

    /// The election with this code, or the most recent one when `code` is `None`.
    async fn election(&self, code: Option<&str>) -> StoreResult<Option<Election>>;

    /// Replaces an election's seat table and recomputes every council's seats from it.
    /// Returns the number of councils whose seats changed.
    async fn set_seat_table(
        &self,
        election_code: &str,
        table: &SeatTable,
        by: &Actor,
    ) -> StoreResult<u64>;

    /// Counties with their figures, in code order.
    async fn counties(&self, filter: &CountyFilter) -> StoreResult<Vec<CountySummary>>;

    async fn councils(
        &self,
        filter: &CouncilFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Council>>;
    async fn council(&self, code: &str) -> StoreResult<Option<Council>>;

    async fn stations(
        &self,
        filter: &StationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Station>>;
    async fn station(&self, code: &str) -> StoreResult<Option<Station>>;

    /// Adds a station; `Conflict` if its code is taken, `Invalid` if its council is not in its
    /// county or does not exist (route stops likewise).
    async fn create_station(&self, station: &Station, by: &Actor) -> StoreResult<()>;
    /// Replaces a station's record (its code stays); `NotFound` if there is none.
    async fn update_station(&self, station: &Station, by: &Actor) -> StoreResult<()>;
    /// Creates or replaces every station given, all or nothing, with one audit record.
    /// Returns how many were written.
    async fn import_stations(&self, stations: &[Station], by: &Actor) -> StoreResult<u64>;

    async fn person(&self, national_id: &str) -> StoreResult<Option<Person>>;
    async fn people_count(&self) -> StoreResult<i64>;
    /// Adds a person (with declared relatives); `Conflict { entity: "person" }` if the national
    /// id is already registered.
    async fn create_person(&self, person: &Person, by: &Actor) -> StoreResult<()>;
    /// Adds every person given, all or nothing, with one audit record.
    async fn import_people(&self, people: &[Person], by: &Actor) -> StoreResult<u64>;
    /// People whose national id starts with `query` (digits) or whose first or last name
    /// contains it, ordered by last name, first name, national id.
    async fn search_people(&self, query: &str, page: PageRequest) -> StoreResult<Page<Person>>;

    /// Records a candidacy in a council (the minimal record the staffing rules need; the
    /// candidates workflow builds on it).
    async fn add_candidate(
        &self,
        election_code: &str,
        council_code: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<()>;

    /// The place a council serves, as the candidates' education rule needs it (a village's
    /// households with its population).
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>>;
    /// What the participation statistics need of every registration of the election.
    async fn registration_facts(
        &self,
        election_code: &str,
    ) -> StoreResult<Vec<domain::participation::RegistrationFact>>;
    /// Every approved candidate of the election, by council and code (the final lists).
    async fn all_candidates(&self, election_code: &str) -> StoreResult<Vec<Candidate>>;
    /// The photo uploaded with an approved candidate's registration, if any.
    async fn candidate_photo(
        &self,
        election_code: &str,
        candidate_code: &str,
    ) -> StoreResult<Option<StoredDocument>>;
    /// Files a registration, its documents' records and the first entry of its history.
    /// `Conflict { entity: "registration" }` when the person has already registered in the
    /// election (one registration per person), or the tracking code is taken.
    async fn register(&self, registration: &NewRegistration, by: &Actor) -> StoreResult<()>;
    /// A registration by its tracking code, with its history, oldest first.
    async fn registration(
        &self,
        election_code: &str,
        tracking_code: &str,
    ) -> StoreResult<Option<(Registration, Vec<VettingEvent>)>>;
    /// Registrations in filing order (oldest first).
    async fn registrations(
        &self,
        election_code: &str,
        filter: &RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Registration>>;
    /// Takes a vetting step by `domain::vetting::apply` (refused as `VettingRefused`). On
    /// approval the candidate gets the election's next free candidate code and joins the
    /// council's candidates.
    async fn vet(
        &self,
        election_code: &str,
        tracking_code: &str,
        action: &domain::vetting::VettingAction,
        reviewer: domain::vetting::Reviewer,
        by: &Actor,
    ) -> StoreResult<Registration>;

    /// The posts held at a station, in post order.
    async fn station_staff(&self, station: &str) -> StoreResult<Vec<StaffAssignment>>;
    /// Gives a post to a person after `domain::staffing::check_assignment` approves it on facts
    /// read in the same transaction; `Refused` with the rule that stops it otherwise.
    /// `NotFound` for an unknown station or person.
    async fn assign_post(
        &self,
        station: &str,
        post: Post,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<StaffAssignment>;
    /// Frees a post; returns who held it (nothing is written when nobody did).
    async fn unassign_post(
        &self,
        station: &str,
        post: Post,
        by: &Actor,
    ) -> StoreResult<Option<StaffAssignment>>;
    /// Staffing coverage per county (all counties, or one), in county code order.
    async fn coverage(&self, county: Option<&str>) -> StoreResult<Vec<CountyCoverage>>;
    /// Open stations of a county with unheld posts, in station code order.
    async fn staffing_gaps(&self, county: &str, page: PageRequest)
        -> StoreResult<Page<StationGap>>;

    /// Posts whose holders the staffing rules would now refuse (a candidacy or a candidate
    /// relative in the station's councils arrived after the appointment, or the person sits on
    /// a council): for each held post at an open station of the county (or of all counties),
    /// the facts are read as for `assign_post` — but ignoring the post itself and the holder's
    /// own assignment — and `domain::staffing::check_assignment` decides; every refusal is a
    /// conflict. Ordered by station code, then post order.
    async fn staffing_conflicts(&self, county: Option<&str>) -> StoreResult<Vec<StaffConflict>>;

    /// Every post held at a county's stations (or only `post`), in station code then post
    /// order. Built from `stations` and `station_staff`; a backend may answer it in one query.
    async fn county_staff(
        &self,
        county: &str,
        post: Option<Post>,
    ) -> StoreResult<Vec<StaffAssignment>> {
        let mut out = Vec::new();
        for page in 1.. {
            let filter = StationFilter {
                county: Some(county.to_owned()),
                closed: Some(false),
                ..Default::default()
            };
            let batch = self
                .stations(&filter, PageRequest::new(page, PageRequest::MAX_PER_PAGE))
                .await?;
            for station in &batch.items {
                out.extend(
                    self.station_staff(&station.code)
                        .await?
                        .into_iter()
                        .filter(|s| post.is_none_or(|p| s.post == p)),
                );
            }
            if batch.items.len() < PageRequest::MAX_PER_PAGE as usize {
                break;
            }
        }
        Ok(out)
    }

    /// Replaces the election's eligibility roll with the rows received, all or nothing, with
    /// one audit record (`roll.import`: the count and the caller's digest of the source). Rows
    /// arrive in batches through the channel so that neither side holds the whole roll; the
    /// import commits when the sender is dropped after only `Ok` batches. An `Err(reason)`
    /// batch aborts it (`Invalid(reason)`): a sender that finds a bad row says so. A national id twice is `Conflict { entity:
    /// "voter" }`, an unknown council `Invalid`; either way the previous roll stays whole. Once
    /// anyone has checked in, the roll stays as it is: `Invalid(ROLL_LOCKED_BY_VOTING)`.
    async fn import_roll(
        &self,
        election_code: &str,
        rows: tokio::sync::mpsc::Receiver<RollBatch>,
        source_digest: &str,
        by: &Actor,
    ) -> StoreResult<u64>;
    /// One person on the election's roll.
    async fn voter(&self, election_code: &str, national_id: &str) -> StoreResult<Option<Voter>>;
    /// How many people the election's roll holds.
    async fn roll_count(&self, election_code: &str) -> StoreResult<i64>;

    /// A station's election day: its row, or a day not yet opened that ends at the polls'
    /// official close (the election's `election_day` milestone). `None` for an unknown station.
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>>;
    /// Applies an election-day action to a station at `by.at` after `domain::station_day::apply`
    /// approves it on the state read in the writing transaction (`DayRefused` otherwise, and
    /// `DayRefusal::BallotsOutstanding` when closing with checked-in voters yet to vote), with
    /// one audit record (`station.<action>`). `NotFound` for an unknown station; `Invalid` when
    /// the election has no `election_day` milestone.
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay>;
    /// A station's check-ins, ballots and outstanding tokens.
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts>;

    /// Checks a voter in through the batching writer (DESIGN §3): concurrent check-ins share
    /// one transaction and one audit record (`checkin.batch`, with the batch's digest), and
    /// this returns only after that transaction commits. One person, one check-in per election
    /// across all stations and servers, enforced by the store's unique key. `NotFound` for an
    /// unknown station.
    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome>;
    /// Casts a ballot through the same writer: the token is spent, the choices are checked by
    /// `domain::ballot::check_ballot` against the council's approved candidates and seats, and
    /// the ballot and its receipt are stored apart, with random keys, no time and nothing
    /// naming the voter. The batch's audit record counts ballots per station only.
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome>;
    /// Whether a receipt code is among the election's ballots, and at which station.
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>>;
    /// The approved candidates of a council, in code order.
    async fn candidates(&self, election_code: &str, council: &str) -> StoreResult<Vec<Candidate>>;
    /// Turnout from the check-ins: per hour, and per county (province), council (county) or
    /// station (council).
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout>;

    /// The boards of a county (its inspection and executive boards), or with `None` the
    /// province inspection board and every county's boards; each with its members ordered by
    /// role (in `BoardRole::ALL` order) then last name, first name. Boards exist for every
    /// county without being created; their codes come from `domain::boards::board_code`.
    async fn boards(&self, county: Option<&str>) -> StoreResult<Vec<BoardWithMembers>>;
    /// One board by code; `None` for a code that names no board.
    async fn board(&self, code: &str) -> StoreResult<Option<BoardWithMembers>>;
    /// Appoints a member after `domain::boards::check_membership` approves it in the writing
    /// transaction (`BoardRefused` otherwise); `NotFound` for an unknown board or person.
    async fn add_board_member(
        &self,
        board: &str,
        national_id: &str,
        role: BoardRole,
        term: (time::Date, Option<time::Date>),
        by: &Actor,
    ) -> StoreResult<BoardMember>;
    /// Removes a member; returns who was removed (nothing is written when nobody was).
    async fn remove_board_member(
        &self,
        board: &str,
        national_id: &str,
        by: &Actor,
    ) -> StoreResult<Option<BoardMember>>;
    /// Records a meeting (after `Meeting::validate` against the board's members: `Invalid`
    /// otherwise; `NotFound` for an unknown board) and returns its id.
    async fn record_meeting(&self, meeting: &Meeting, by: &Actor) -> StoreResult<i64>;
    /// A board's meetings, newest first.
    async fn meetings(&self, board: &str) -> StoreResult<Vec<Meeting>>;
    async fn meeting(&self, id: i64) -> StoreResult<Option<Meeting>>;

    /// Fails with `Conflict` when the username is taken.
    async fn create_user(&self, user: &NewUser, by: &Actor) -> StoreResult<()>;
    async fn user(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn users(&self) -> StoreResult<Vec<UserRecord>>;

    /// Records a login: the new session and its audit record.
    async fn create_session(&self, session: &NewSession, by: &Actor) -> StoreResult<()>;
    /// A session that has not expired at `now_us`, with its user.
    async fn session(
        &self,
        token_hash: &str,
        now_us: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>>;
    /// Records a logout. Deleting a session that does not exist is not an error.
    async fn delete_session(&self, token_hash: &str, by: &Actor) -> StoreResult<()>;

    /// The audit log, newest first, filtered and paginated.
    async fn audit_page(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> StoreResult<Page<AuditRecord>>;
    /// Records with `seq > after`, in sequence order, at most `limit` (for the verifier).
    async fn audit_scan(&self, after: i64, limit: u32) -> StoreResult<Vec<AuditRecord>>;
    /// The chain's head: last sequence number and hash.
    async fn audit_head(&self) -> StoreResult<(i64, String)>;
}

/// Walks the whole audit chain through the store, page by page, and checks it against the head.
/// Returns the number of records checked.
pub async fn verify_audit(store: &dyn Store) -> StoreResult<Result<i64, audit::AuditError>> {
    let mut verifier = audit::Verifier::new();
    let mut after = 0;
    loop {
        let batch = store.audit_scan(after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for record in &batch {
            if let Err(e) = verifier.push(record) {
                return Ok(Err(e));
            }
        }
    }
    let (head_seq, head_hash) = store.audit_head().await?;
    Ok(verifier.finish(head_seq, &head_hash))
}

/// The digest a `checkin.batch` audit record holds: SHA-256 over the batch's accepted
/// check-ins (`national_id|station|at_us`, one per line, in national id order), so the record
/// commits to exactly who checked in where without listing them.
pub fn checkin_batch_digest<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, i64)>) -> String {
    let mut lines: Vec<String> = rows
        .into_iter()
        .map(|(id, station, at)| format!("{id}|{station}|{at}\n"))
        .collect();
    lines.sort_unstable();
    audit::digest_hex(lines.concat().as_bytes())
}
