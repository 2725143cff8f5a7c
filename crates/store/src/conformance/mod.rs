//! The conformance suite: every backend runs each case against a fresh, empty store. One file
//! per area of the store, like the area traits; the fixtures they share are here.
//!
//! ```text
//! store::conformance_suite!(|| async { Arc::new(Sqlite::connect(&temp_url()).await.unwrap()) as Arc<dyn Store> });
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::wildcard_imports
)] // test support: a failed case panics, and each area's file takes the shared fixtures whole

use crate::{
    verify_audit, Actor, AuditFilter, CouncilFilter, CountyFilter, NewSession, NewUser,
    PageRequest, StationFilter, Store, StoreError,
};
use domain::access::{Role, Scope};
use domain::demo::{kerman, DemoData, DemoOptions};
use domain::election::{CouncilKind, SeatTable};
use std::sync::Arc;
use time::macros::datetime;

use crate::StoreResult;
use domain::ids::NationalId;
use domain::person::{Education, Gender, Person, Relation, Relative};
use domain::staffing::{Post, Refusal};
use domain::station::{Area, Facilities, GeoPoint, LinkType, RouteStop, Station};

use domain::boards::{Attendance, BoardKind, BoardRefusal, BoardRole, Decision, Meeting};

use domain::roll::{Voter, VoterStatus};

use crate::{BallotOutcome, CheckIn, CheckInOutcome, NewBallot, TurnoutFilter};
use domain::roll::NotEligible;
use domain::station_day::{DayAction, DayRefusal, DayState, Pause, PauseReason, Presence};
// ---------------------------------------------------------------------------------------------
// Candidate registration and vetting (issue 5)

use crate::{NewRegistration, RegistrationFilter, StoredDocument};
use domain::inquiry::{Answer, Authority, InquiryAnswer};
use domain::registration::{Application, DocumentKind, MediaType, OfficialPost};
use domain::vetting::{RejectionGround, Reviewer, VettingAction, VettingRefusal, VettingState};

pub mod annulments;
pub mod audit_log;
pub mod auth;
pub mod boards;
pub mod candidacy;
pub mod certifications;
pub mod election_day;
pub mod equipment;
pub mod geography;
pub mod guardians;
pub mod hand_counts;
pub mod identity;
pub mod incidents;
pub mod kiosks;
pub mod minutes;
pub mod people;
pub mod readiness;
pub mod refusals;
pub mod roll;
pub mod security;
pub mod staffing;
pub mod stations;
pub mod tallies;

/// Expands to one `#[tokio::test]` per case; `$fresh` is a closure returning a future of a
/// fresh `Arc<dyn Store>`.
#[macro_export]
macro_rules! conformance_suite {
    ($fresh:expr) => {
        $crate::conformance_suite!(@cases $fresh;
            geography::empty_store_then_province_loads,
            geography::a_province_seed_loads_and_stations_follow,
            geography::election_round_trips,
            geography::councils_filter_sort_and_paginate,
            geography::seat_table_edit_recomputes_seats,
            stations::stations_filter_and_paginate,
            stations::stations_are_created_updated_and_closed,
            stations::mobile_routes_round_trip_and_filter,
            stations::station_import_is_all_or_nothing,
            stations::station_filters_and_sorts,
            people::people_are_found_by_national_id,
            people::people_are_created_searched_and_imported,
            people::people_are_found_in_their_county,
            auth::usernames_are_unique,
            auth::sessions_expire_and_end,
            identity::codes_are_rationed_per_person_and_per_address,
            identity::a_code_is_entered_once_and_a_proof_spent_once,
            auth::disabling_ends_sessions_and_spares_the_last_hq,
            auth::a_new_password_ends_the_other_sessions,
            auth::revoking_ends_every_session,
            auth::idle_sessions_end_unless_used,
            audit_log::audit_log_filters_and_pages,
            audit_log::concurrent_writes_keep_one_chain,
            staffing::staffing_rules_refuse_and_write_nothing,
            staffing::relatives_of_candidates_are_refused_both_ways,
            staffing::concurrent_requests_never_make_two_inspectors,
            staffing::demo_staffing_loads_and_coverage_adds_up,
            staffing::later_candidacies_show_as_conflicts,
            boards::boards_are_formed_within_their_sizes,
            boards::meetings_round_trip,
            boards::demo_boards_load,
            roll::the_roll_is_imported_and_replaced_whole,
            roll::a_bad_roll_changes_nothing,
            election_day::a_station_day_runs_from_opening_to_close,
            election_day::checkins_keep_one_person_one_vote,
            election_day::checkins_follow_the_station_day_as_it_changes,
            election_day::checkins_follow_a_replaced_roll,
            election_day::one_person_at_many_stations_at_once_checks_in_once,
            election_day::ballots_are_secret_checked_and_counted,
            election_day::turnout_adds_up_by_area_and_hour,
            election_day::a_voter_who_walks_out_is_counted_and_cannot_vote,
            election_day::an_opening_records_who_was_present_against_the_posts,
            election_day::the_day_board_shows_each_stations_day_and_checkins,
            candidacy::registrations_are_filed_once_per_person,
            candidacy::vetting_moves_files_and_records_every_step,
            candidacy::inquiries_are_recorded_once_and_decisions_wait_for_them,
            candidacy::registrations_filter_and_page,
            candidacy::registrations_search_and_sort,
            refusals::every_bad_input_is_refused_in_persian,
            refusals::a_day_without_polling_hours_is_refused_in_persian,
            refusals::a_repeated_id_in_a_roll_file_is_named_on_its_lines,
            readiness::readiness_is_declared_checked_and_listed,
            readiness::readiness_files_are_all_or_nothing,
            readiness::weights_and_milestones_belong_to_the_election,
            readiness::a_sensitive_station_without_an_approved_plan_is_not_marked_ready,
            security::a_sensitive_station_needs_an_approved_plan,
            security::sensitive_lists_and_reasons_follow_the_demo_and_the_election,
            security::the_security_council_is_a_board_with_a_cadence,
            incidents::incidents_are_filed_and_stepped_in_order,
            incidents::incidents_filter_and_page,
            equipment::a_failed_test_blocks_opening_until_overridden_and_test_ballots_stay_apart,
            equipment::a_passed_run_stands_and_the_standings_follow_the_demo,
            equipment::sealed_test_ballots_need_the_kiosks_test_activation_and_are_judged_as_counted,
            guardians::an_election_key_is_recorded_once_and_its_guardians_confirm,
            kiosks::kiosks_are_paired_by_code_and_hold_one_ballot_at_a_time,
            tallies::shares_are_kept_once_per_guardian_and_counts_once_per_tally,
            minutes::minutes_are_signed_once_per_post_and_never_changed,
            annulments::a_box_is_annulled_once_with_a_reason_and_lifted_once,
            hand_counts::hand_counts_are_entered_twice_by_two_officials_and_resolved_once,
            certifications::results_are_certified_in_order_and_complaints_hold_the_confirmation
        );
    };
    (@cases $fresh:expr; $($area:ident :: $case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = ($fresh)().await;
                $crate::conformance::$area::$case(store).await;
            }
        )*
    };
}

fn actor() -> Actor {
    Actor::new("test", datetime!(2026-01-11 05:00 UTC))
}

/// Every column of the `ballots` table, sorted: the encrypted ballot and its place in its
/// kiosk's chain, and nothing that could name a voter, a check-in, a choice or a time (both
/// backends' schema tests hold their table to it).
pub const BALLOT_COLUMNS: [&str; 8] = [
    "ballot",
    "council_code",
    "election_code",
    "kiosk",
    "previous_code",
    "receipt",
    "station_code",
    "tracking_code",
];

/// The key the suite's ballots are encrypted under (one guardian; no case decrypts).
pub fn conformance_key() -> &'static ballot_crypto::ElectionKey {
    use rand_chacha::rand_core::SeedableRng;
    static KEY: std::sync::OnceLock<ballot_crypto::ElectionKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(17);
        let (record, _) =
            ballot_crypto::ceremony::deal("conformance", &["guardian".into()], 1, &mut rng)
                .expect("a key");
        record.key().expect("the key")
    })
}

/// A ballot as the use case casts it with `token`: `choices` encrypted for the style of the
/// token's council at its station, on kiosk `K-1`. A token that opens nothing gets a ballot
/// for no council (the store answers `TokenUnknown` before reading it).
pub async fn sealed_ballot(
    store: &dyn Store,
    election: &str,
    token: &str,
    choices: &[String],
    by: Actor,
) -> NewBallot {
    use rand_chacha::rand_core::SeedableRng;
    let token_hash = audit::digest_hex(token.as_bytes());
    let Some(open) = store.open_ballot(election, &token_hash).await.unwrap() else {
        return NewBallot {
            election_code: election.to_owned(),
            token_hash,
            council: "none".into(),
            style_digest: "none".into(),
            kiosk: "K-1".into(),
            ballot: "{}".into(),
            by,
        };
    };
    let style = store
        .ballot_style(election, &open.council)
        .await
        .unwrap()
        .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(token.len() as u64);
    let (ballot, _) = ballot_crypto::ballot::encrypt(
        conformance_key().public(),
        &style,
        &open.station,
        &style.flags(choices),
        &mut rng,
    )
    .unwrap();
    NewBallot {
        election_code: election.to_owned(),
        token_hash,
        council: open.council,
        style_digest: style.digest(),
        kiosk: "K-1".into(),
        ballot: ballot_crypto::tracking::encode(&ballot).unwrap(),
        by,
    }
}

/// The small demo every case loads (seed 7, 300 people).
pub fn demo() -> DemoData {
    kerman(DemoOptions {
        seed: 7,
        people: 300,
    })
    .expect("demo builds")
}

async fn loaded(store: &Arc<dyn Store>) -> DemoData {
    let data = demo();
    store
        .load_demo(&data, &actor())
        .await
        .expect("province loads");
    data
}

async fn assert_chain(store: &Arc<dyn Store>, records: i64) {
    let checked = verify_audit(store.as_ref())
        .await
        .expect("scan")
        .expect("chain intact");
    assert_eq!(checked, records, "audit records");
}

fn new_user(name: &str, role: Role, scope: Scope) -> NewUser {
    NewUser {
        username: name.into(),
        password_hash: format!("hash-of-{name}"),
        role,
        scope,
    }
}

async fn audit_head(store: &Arc<dyn Store>) -> i64 {
    store.audit_head().await.unwrap().0
}

fn person(id: &str, last: &str, birth: time::Date) -> Person {
    Person {
        national_id: NationalId::parse(id).unwrap(),
        first_name: "مریم".into(),
        last_name: last.into(),
        father_name: "حسن".into(),
        gender: Gender::Female,
        birth_date: birth,
        mobile: None,
        education: Some(Education::Bachelor),
        sitting_council_member: false,
        relatives: Vec::new(),
    }
}

/// A valid national id not in the demo (synthetic people start at 001000000x).
fn fresh_id(n: u32) -> String {
    NationalId::with_check_digit(n).unwrap().as_str().to_owned()
}

/// The first page of the audit records the filter selects, newest first.
async fn audit_records(
    store: &Arc<dyn Store>,
    filter: AuditFilter,
) -> crate::Page<audit::AuditRecord> {
    store
        .audit_page(&filter, PageRequest::default())
        .await
        .unwrap()
}

/// A page of the stations the filter selects.
async fn list_stations(
    store: &Arc<dyn Store>,
    filter: StationFilter,
    page: PageRequest,
) -> crate::Page<Station> {
    store.stations(&filter, page).await.unwrap()
}

/// Registers a new person (national id `fresh_id(n)`, born on `birth`); their national id.
async fn register(store: &Arc<dyn Store>, n: u32, last: &str, birth: time::Date) -> String {
    let id = fresh_id(n);
    store
        .create_person(&person(&id, last, birth), &actor())
        .await
        .unwrap();
    id
}

async fn clean_people(store: &Arc<dyn Store>, from: u32, n: u32) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = register(
            store,
            from + i,
            "آزمون",
            time::macros::date!(1985 - 06 - 15),
        )
        .await;
        ids.push(id);
    }
    ids
}

fn refusal(r: StoreResult<crate::StaffAssignment>) -> Refusal {
    match r {
        Err(StoreError::Refused(crate::Refusal::Staffing(refusal))) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `n` voters with distinct valid ids, spread over the demo's councils.
fn roll(data: &DemoData, start: u32, n: u32) -> Vec<Voter> {
    (0..n)
        .map(|i| Voter {
            national_id: NationalId::with_check_digit(1_000 + start + i).unwrap(),
            birth_date: time::macros::date!(1970 - 01 - 01)
                + time::Duration::days(i64::from(i % 12_000)),
            council: data.councils[(i as usize * 7) % data.councils.len()]
                .code
                .clone(),
            status: if i % 97 == 0 {
                VoterStatus::Deceased
            } else {
                VoterStatus::Alive
            },
        })
        .collect()
}

/// Sends rows in batches of `batch` from a task, as an importer would.
pub fn send(rows: Vec<Voter>, batch: usize) -> tokio::sync::mpsc::Receiver<crate::RollBatch> {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        for chunk in rows.chunks(batch) {
            if tx.send(Ok(chunk.to_vec())).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// The demo's stations without a single post staffed, in the demo's order.
pub fn unstaffed_stations(data: &DemoData) -> Vec<&Station> {
    let staffed: std::collections::HashSet<&str> = data
        .assignments
        .iter()
        .map(|a| a.station.as_str())
        .collect();
    data.stations
        .iter()
        .filter(|s| !staffed.contains(s.code.as_str()))
        .collect()
}

/// The last county whose `kind` board (`inspection`, `executive`: the board's code is
/// `kind-county`) the demo left without members.
pub fn county_with_empty_board(data: &DemoData, kind: &str) -> String {
    data.counties
        .iter()
        .rev()
        .find(|c| {
            let code = format!("{kind}-{}", c.code);
            !data.board_members.iter().any(|m| m.board == code)
        })
        .unwrap_or_else(|| panic!("a county whose {kind} board the demo left empty"))
        .code
        .clone()
}

/// The demo's council `code`.
fn council_of<'a>(data: &'a DemoData, code: &str) -> &'a domain::election::Council {
    data.councils
        .iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| panic!("the demo has council {code}"))
}

/// The demo's first council of `county`.
fn council_in<'a>(data: &'a DemoData, county: &str) -> &'a domain::election::Council {
    data.councils
        .iter()
        .find(|c| c.county_code == county)
        .unwrap_or_else(|| panic!("the demo has a council in county {county}"))
}

/// The actions of the audit records `filter` finds, newest first (the first page).
async fn audit_actions(store: &Arc<dyn Store>, filter: AuditFilter) -> Vec<String> {
    audit_records(store, filter)
        .await
        .items
        .into_iter()
        .map(|r| r.action)
        .collect()
}

/// The staffing refusal of putting `national_id` in `post` at `station` (a panic if the store
/// does not refuse it).
async fn post_refusal(
    store: &Arc<dyn Store>,
    station: &str,
    post: Post,
    national_id: &str,
) -> Refusal {
    refusal(
        store
            .assign_post(station, post, national_id, &actor())
            .await,
    )
}

fn at(t: time::OffsetDateTime) -> Actor {
    Actor::new("station", t)
}
