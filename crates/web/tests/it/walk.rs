//! The route walk (DESIGN §5): every route the router serves — the API's from its OpenAPI
//! document, the pages' from `web::page_routes()`, both listed by `web::routes()` — called by
//! every role in its demo scope, by users whose scope does not reach (another county's, another
//! station's) and anonymously, each answer checked against the one policy
//! (`domain::access::authorize`): 401 or the way to the login page without credentials, 403
//! where the policy refuses, and never a missing route, a wrong method or a failure where it
//! lets the caller through. A route the walk does not know fails it, so a new route must say
//! here which `Action` guards it.

use crate::registrations::{executive_council, submit, Form};
use crate::support::{demo, demo_station, enc, Reply, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use domain::access::{authorize, Action, Denied, Principal, Role, Scope};
use domain::boards::BoardKind;
use domain::staffing::Post;
use std::collections::BTreeSet;
use store::NewUser;

/// What a route answers a caller, by the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Open to everyone: served with or without credentials.
    Open,
    /// The policy's decision for this caller.
    Policy(Result<(), Denied>),
}

/// A request body.
enum Sent {
    Nothing,
    Json(String),
    Form(String),
    Csv(String),
    Multipart(String, Vec<u8>),
    /// The login form with its double-submit cookie.
    Login,
}

struct Call {
    url: String,
    sent: Sent,
    access: Access,
    /// Let through, it answers 2xx or 3xx: every read, and every open route but the writes
    /// whose repeats the rules refuse (a second registration, an objection to an approval).
    succeeds: bool,
}

/// Who calls: a name for messages, the principal (none for the anonymous), a bearer token.
struct Caller {
    name: String,
    principal: Option<Principal>,
    token: Option<String>,
}

/// The things the routes name: county 11's station of the demo's station user, its council,
/// county 11's inspection board with a meeting, a person, a registration approved with a photo,
/// a ballot token of the station.
struct Fixture {
    station: String,
    council: String,
    /// A complaint about the council (issue 18 §5), filed as the store keeps it.
    complaint: i64,
    board: String,
    meeting: i64,
    person: String,
    pooled: String,
    /// Board members of the own and the foreign county.
    members: (String, String),
    tracking: String,
    applicant: String,
    candidate: String,
    ballot_token: String,
    stations_csv: String,
    /// Proofs of the applicant's identity (one-time codes entered): to file (refused, as they
    /// filed already, so never spent) and to act on their file (refused steps spend nothing).
    register_proof: String,
    applicant_proof: String,
    /// The account the users page's forms act on (an observer no caller signs in as).
    account: String,
    /// An incident at the walk's station, with a photo (issue 16).
    incident: i64,
    /// The station's kiosks: one that walks as a caller, and two the staff's retire routes
    /// take out of service (issue 17 §1).
    kiosk: crate::support::Kiosk,
    spares: (String, String),
    /// A pending signing key of an official of the own county (issue 18 §2).
    signing_key: i64,
}

const ELECTION: &str = "shora-7";

fn all(principal: Option<&Principal>, actions: &[Action<'_>]) -> Access {
    Access::Policy(
        actions
            .iter()
            .try_for_each(|action| authorize(principal, *action)),
    )
}

impl Fixture {
    async fn new(app: &TestApp) -> Self {
        let station = crate::election_day::own_station();
        let station_record = demo_station(|s| s.code == station);
        assert_eq!(station_record.county_code, OWN_COUNTY);
        let by = store::Actor::new("walk", app.state.clock.now());
        let new_person = |n: u32| domain::person::Person {
            national_id: domain::ids::NationalId::with_check_digit(n).unwrap(),
            first_name: "الف".into(),
            last_name: "ب".into(),
            father_name: String::new(),
            gender: domain::person::Gender::Male,
            birth_date: time::macros::date!(1980 - 01 - 01),
            mobile: None,
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        };
        // Someone nobody appoints in the walk (in the pool those who appoint see), and a
        // member of the foreign county's board: each caller the policy lets read the registry
        // finds one of them or the own county's board member.
        let (member, person, pooled, foreign_member) = (
            new_person(7_001),
            new_person(7_002),
            new_person(7_003),
            new_person(7_004),
        );
        for p in [&member, &person, &pooled, &foreign_member] {
            app.store.create_person(p, &by).await.unwrap();
        }
        app.store
            .add_board_member(
                &format!("inspection-{FOREIGN_COUNTY}"),
                foreign_member.national_id.as_str(),
                domain::boards::BoardRole::Head,
                (time::macros::date!(2026 - 01 - 01), None),
                &by,
            )
            .await
            .unwrap();
        let board = format!("inspection-{OWN_COUNTY}");
        app.store
            .add_board_member(
                &board,
                member.national_id.as_str(),
                domain::boards::BoardRole::Head,
                (time::macros::date!(2026 - 01 - 01), None),
                &by,
            )
            .await
            .unwrap();
        let meeting = app
            .store
            .record_meeting(
                &domain::boards::Meeting {
                    id: 0,
                    board: board.clone(),
                    held_at: app.state.clock.now(),
                    agenda: "دستور".into(),
                    minutes: String::new(),
                    attendance: Vec::new(),
                    decisions: vec![domain::boards::Decision {
                        text: "بازدید از شعب".into(),
                        owner: "دبیر هیأت".into(),
                        due_on: time::macros::date!(2026 - 03 - 01),
                        done: None,
                    }],
                },
                &by,
            )
            .await
            .unwrap();
        // A registration of county 11 with its documents, approved (so its photo is public).
        let applicant = "0018465986".to_owned();
        let council = executive_council();
        assert_eq!(council.county_code, OWN_COUNTY);
        let filed = submit(app, &Form::eligible(&applicant, &council.code)).await;
        assert_eq!(filed.status, 201, "{}", filed.text());
        let tracking = filed.json()["tracking_code"].as_str().unwrap().to_owned();
        use domain::vetting::{Reviewer, VettingAction};
        for answer in domain::inquiry::all_clear(by.at) {
            app.store
                .record_inquiry(ELECTION, &tracking, &answer, &by)
                .await
                .unwrap();
        }
        for (step, reviewer) in [
            (
                VettingAction::ExecutiveReview {
                    qualified: true,
                    reason: String::new(),
                    grounds: Vec::new(),
                },
                Reviewer::ExecutiveBoard,
            ),
            (
                VettingAction::SupervisionDecision {
                    approved: true,
                    reason: String::new(),
                    grounds: Vec::new(),
                },
                Reviewer::CountySupervisionBoard,
            ),
        ] {
            app.store
                .vet(ELECTION, &tracking, &step, reviewer, &by)
                .await
                .unwrap();
        }
        let candidate = app
            .store
            .registration(ELECTION, &tracking)
            .await
            .unwrap()
            .unwrap()
            .0
            .candidate_code
            .unwrap();
        let register_proof = app.prove(&applicant, "register").await;
        let applicant_proof = app.prove(&applicant, "applicant").await;
        let account = "walk-account".to_owned();
        app.store
            .create_user(
                &NewUser {
                    username: account.clone(),
                    password_hash: "$argon2id$unused".into(),
                    role: Role::Observer,
                    scope: Scope::Province,
                },
                &by,
            )
            .await
            .unwrap();
        let incident = crate::incidents::file_as_hq(app, &station).await;
        // A signing key of someone holding a signing post at another own-county station.
        let official = new_person(7_005);
        app.store.create_person(&official, &by).await.unwrap();
        let elsewhere = demo_station(|s| s.county_code == OWN_COUNTY && s.code != station);
        app.store
            .assign_post(
                &elsewhere.code,
                Post::Head,
                official.national_id.as_str(),
                &by,
            )
            .await
            .unwrap();
        let signing_key = store::MinutesStore::register_signing_key(
            app.store.as_ref(),
            &store::minutes::NewSigningKey {
                election: ELECTION.into(),
                username: account.clone(),
                national_id: official.national_id.as_str().to_owned(),
                public_key: ed25519_dalek::SigningKey::from_bytes(&[7; 32])
                    .verifying_key()
                    .to_bytes(),
                station: None,
                county: None,
            },
            &by,
        )
        .await
        .unwrap()
        .id;
        let complaint = store::ComplaintStore::file_complaint(
            app.store.as_ref(),
            ELECTION,
            &store::complaints::NewComplaint {
                council: station_record.council_code.clone(),
                station: None,
                candidate: "101".into(),
                text: "شکایتی برای گشت در مسیرها".into(),
            },
            &by,
        )
        .await
        .unwrap()
        .id;
        let staff = app.token("station").await;
        let kiosk = crate::support::Kiosk::pair(app, &staff, &station).await;
        let spares = (
            crate::support::Kiosk::pair(app, &staff, &station).await.id,
            crate::support::Kiosk::pair(app, &staff, &station).await.id,
        );
        Self {
            complaint,
            signing_key,
            kiosk,
            spares,
            incident,
            account,
            register_proof,
            applicant_proof,
            council: station_record.council_code.clone(),
            stations_csv: domain::csv_io::stations_to_csv(std::slice::from_ref(station_record)),
            ballot_token: format!("{:016x}.{station}.{}", 7, "s".repeat(43)),
            station,
            board,
            meeting,
            person: person.national_id.as_str().to_owned(),
            pooled: pooled.national_id.as_str().to_owned(),
            members: (
                member.national_id.as_str().to_owned(),
                foreign_member.national_id.as_str().to_owned(),
            ),
            tracking,
            applicant,
            candidate,
        }
    }

    /// The request a route is walked with, and what the policy makes of the caller.
    fn call(&self, method: &Method, route: &str, who: Option<&Principal>) -> Call {
        let county = OWN_COUNTY;
        let station = self.station.as_str();
        let view_station = Action::ViewStation { county, station };
        let board = Action::ManageBoard {
            kind: BoardKind::CountyInspection,
            county: Some(county),
        };
        let meeting = Action::RecordMeeting {
            kind: BoardKind::CountyInspection,
            county: Some(county),
        };
        let inspector = Action::AssignPost {
            county,
            post: Post::Inspector,
        };
        let see_files = Action::ViewRegistrations { county };
        let open = Access::Open;
        let signed_in = all(who, &[Action::ViewElection]);
        let in_county = all(who, &[Action::ViewElection, Action::ViewCounty(county)]);
        let sees_station = all(who, &[Action::ViewElection, view_station]);
        let operates = all(who, &[Action::OperateStation { station }]);
        let casts = all(who, &[Action::CastBallot { station }]);
        let json = |s: &str| Sent::Json(s.to_owned());
        let form = |s: &str| Sent::Form(s.to_owned());
        let opening = r#"{"presence": {"head": true, "governor_rep": true, "inspector": true}, "empty_box_shown": true, "zero_reports_shown": true, "forms_received": 400}"#;
        let vote = format!("activation=0123456789abcdef&council={}", self.council);
        let filled = |path: &str| {
            path.replace("{code}", station)
                .replace("{post}", "inspector")
                .replace("{tracking_code}", &self.tracking)
                .replace("{national_id}", &self.person)
                .replace("{id}", &self.meeting.to_string())
        };
        let (url, sent, access) = match (method.as_str(), route) {
            ("POST", "/api/v1/auth/login") => (
                filled(route),
                json(r#"{"username":"observer","password":"observer-1405"}"#),
                open,
            ),
            ("POST", "/api/v1/auth/logout" | "/logout") => {
                unreachable!("walked last: it ends the session")
            }
            (
                "GET",
                "/api/v1/auth/me" | "/api/v1/elections/current" | "/" | "/api/v1/readiness/weights"
                | "/api/v1/timeline" | "/timeline",
            ) => {
                (filled(route), Sent::Nothing, signed_in)
            }
            // Every user sees their own scope's counties.
            ("GET", "/api/v1/counties") => {
                let own = who.map(|p| match &p.scope {
                    Scope::Province => Action::ViewProvince,
                    Scope::County { county } | Scope::Station { county, .. } => {
                        Action::ViewCounty(county)
                    }
                });
                let access = match own {
                    Some(own) => all(who, &[Action::ViewElection, own]),
                    None => signed_in,
                };
                (filled(route), Sent::Nothing, access)
            }
            // The election-day picture's fragments are guarded like their pages.
            ("GET", "/day-board" | "/day-board.xlsx") => (
                filled(route),
                Sent::Nothing,
                all(who, &[Action::ViewProvince]),
            ),
            (
                "GET",
                "/api/v1/counties/{code}" | "/counties/{code}" | "/counties/{code}/inspectors"
                | "/counties/{code}/day-board" | "/counties/{code}/stations.xlsx"
                | "/counties/{code}/inspectors.xlsx" | "/counties/{code}/day-board.xlsx",
            ) => (
                route.replace("{code}", county),
                Sent::Nothing,
                in_county,
            ),
            (
                "GET",
                "/api/v1/councils" | "/api/v1/boards" | "/api/v1/coverage"
                | "/api/v1/coverage/gaps" | "/api/v1/coverage/conflicts"
                | "/api/v1/stations/export.csv",
            ) => (format!("{route}?county={county}"), Sent::Nothing, in_county),
            ("GET", "/api/v1/councils/{code}" | "/councils/{code}") => (
                route.replace("{code}", &self.council),
                Sent::Nothing,
                in_county,
            ),
            // A station's staff list their own station (within their county).
            ("GET", "/api/v1/stations") => {
                let access = match who.map(|p| &p.scope) {
                    Some(Scope::Station { county: c, station: s }) => {
                        assert_eq!(c, county, "the walk's station users are county {county}'s");
                        all(
                            who,
                            &[Action::ViewStation {
                                county: c,
                                station: s,
                            }],
                        )
                    }
                    _ => in_county,
                };
                (format!("{route}?county={county}"), Sent::Nothing, access)
            }
            ("POST", "/api/v1/stations") => (
                filled(route),
                Sent::Json(
                    serde_json::json!({"name": "شعبه گردش", "county": county, "council": self.council, "area": "urban"})
                        .to_string(),
                ),
                all(who, &[Action::ManageStations { county }]),
            ),
            ("GET", "/api/v1/stations/{code}" | "/api/v1/stations/{code}/staff"
                | "/api/v1/stations/{code}/day" | "/stations/{code}" | "/stations/{code}/staff"
                | "/stations/{code}/day" | "/stations/{code}/minutes"
                | "/api/v1/stations/{code}/equipment-test" | "/stations/{code}/equipment-test") => {
                (filled(route), Sent::Nothing, sees_station)
            }
            ("POST", "/api/v1/stations/{code}/walkouts") => (
                filled(route),
                json(r#"{"national_id": "0018465986", "reason": "declined"}"#),
                operates,
            ),
            ("POST", "/stations/{code}/walkouts") => (
                filled(route),
                form("national_id=0018465986&reason=declined"),
                operates,
            ),
            ("PATCH", "/api/v1/stations/{code}") => (
                filled(route),
                json(r#"{"expected_voters": 900}"#),
                all(who, &[view_station, Action::ManageStations { county }]),
            ),
            ("POST", "/stations/{code}/edit") => (
                filled(route),
                form("name=%D8%B4%D8%B9%D8%A8%D9%87&address=&postal_code=&expected_voters=900&evoting_devices=1&identity_devices=1&link=none"),
                all(who, &[view_station, Action::ManageStations { county }]),
            ),
            // A governor imports their own county's stations (a row of another county is a
            // bad row, not a refusal of access).
            ("POST", "/api/v1/stations/import") => {
                let own = who.and_then(|p| p.scope.county()).unwrap_or_default();
                (
                    filled(route),
                    Sent::Csv(self.stations_csv.clone()),
                    all(
                        who,
                        &[Action::ViewElection, Action::ManageStations { county: own }],
                    ),
                )
            }
            ("PUT", "/api/v1/stations/{code}/staff/{post}") => (
                filled(route),
                Sent::Json(serde_json::json!({"national_id": self.person}).to_string()),
                all(who, &[view_station, inspector]),
            ),
            ("DELETE", "/api/v1/stations/{code}/staff/{post}") => {
                (filled(route), Sent::Nothing, all(who, &[view_station, inspector]))
            }
            ("POST", "/stations/{code}/staff/{post}") => (
                filled(route),
                Sent::Form(format!("national_id={}", self.person)),
                all(who, &[view_station, inspector]),
            ),
            ("POST", "/stations/{code}/staff/{post}/free") => {
                (filled(route), form(""), all(who, &[view_station, inspector]))
            }
            ("PUT", "/api/v1/elections/{code}/seat-table") => (
                route.replace("{code}", ELECTION),
                Sent::Json(
                    serde_json::to_string(&domain::election::SeatTable::law_default()).unwrap(),
                ),
                all(who, &[Action::ManageElection]),
            ),
            ("GET", "/api/v1/people/{national_id}") => (
                route.replace(
                    "{national_id}",
                    match who.and_then(|p| p.scope.county()) {
                        None => &self.pooled,
                        Some(FOREIGN_COUNTY) => &self.members.1,
                        Some(_) => &self.members.0,
                    },
                ),
                Sent::Nothing,
                all(who, &[Action::ViewPeople]),
            ),
            ("GET", "/api/v1/people" | "/people" | "/people.xlsx") => {
                (format!("{route}?q=001"), Sent::Nothing, all(who, &[Action::ViewPeople]))
            }
            ("POST", "/api/v1/people") => (
                filled(route),
                Sent::Json(
                    serde_json::json!({"national_id": domain::ids::NationalId::with_check_digit(7_003).unwrap(), "first_name": "الف", "last_name": "ب", "gender": "male", "birth_date": "1360/01/01"})
                        .to_string(),
                ),
                all(who, &[Action::ManagePeople]),
            ),
            ("POST", "/api/v1/people/import") => (
                filled(route),
                Sent::Csv("national_id,first_name\n".into()),
                all(who, &[Action::ManagePeople]),
            ),
            (
                "GET",
                "/api/v1/boards/{code}" | "/api/v1/boards/{code}/meetings" | "/boards/{code}"
                | "/boards/{code}/members.xlsx",
            ) => (
                route.replace("{code}", &self.board),
                Sent::Nothing,
                in_county,
            ),
            ("GET", "/api/v1/meetings/{id}" | "/meetings/{id}") => {
                (filled(route), Sent::Nothing, in_county)
            }
            // A decision done: whoever records the board's meetings (the second caller let
            // through finds it done: 409, still served).
            ("POST", "/api/v1/meetings/{id}/decisions/{position}/done") => (
                filled(route).replace("{position}", "0"),
                json(r#"{"note": "انجام شد"}"#),
                all(who, &[Action::ViewCounty(county), meeting]),
            ),
            ("POST", "/meetings/{id}/decisions/{position}/done") => (
                filled(route).replace("{position}", "0"),
                form("note=x"),
                all(who, &[Action::ViewCounty(county), meeting]),
            ),
            ("PUT", "/api/v1/boards/{code}/members/{national_id}") => (
                route
                    .replace("{code}", &self.board)
                    .replace("{national_id}", &self.person),
                json(r#"{"role": "member"}"#),
                all(who, &[Action::ViewCounty(county), board]),
            ),
            ("DELETE", "/api/v1/boards/{code}/members/{national_id}")
            | ("POST", "/boards/{code}/members/{national_id}/remove") => (
                route
                    .replace("{code}", &self.board)
                    .replace("{national_id}", &self.person),
                if method == Method::POST { form("") } else { Sent::Nothing },
                all(who, &[Action::ViewCounty(county), board]),
            ),
            ("POST", "/boards/{code}/members") => (
                route.replace("{code}", &self.board),
                Sent::Form(format!(
                    "national_id={}&role=member&term_start=&term_end=",
                    self.person
                )),
                all(who, &[Action::ViewCounty(county), board]),
            ),
            ("POST", "/api/v1/boards/{code}/meetings") => (
                route.replace("{code}", &self.board),
                json(r#"{"held_at": "1404/11/02 10:00", "agenda": "بررسی"}"#),
                all(who, &[Action::ViewCounty(county), meeting]),
            ),
            ("POST", "/boards/{code}/meetings") => (
                route.replace("{code}", &self.board),
                form("held_at=1404%2F11%2F02+10%3A00&agenda=x&minutes="),
                all(who, &[Action::ViewCounty(county), meeting]),
            ),
            ("POST", "/api/v1/stations/{code}/open") => (filled(route), json(opening), operates),
            ("POST", "/api/v1/stations/{code}/pause") => {
                (filled(route), json(r#"{"reason": "قطع برق"}"#), operates)
            }
            ("POST", "/api/v1/stations/{code}/extend") => {
                (filled(route), json(r#"{"until": "1405/02/11 20:00"}"#), operates)
            }
            ("POST", "/api/v1/stations/{code}/approve-extension") => (
                filled(route),
                json(r#"{"until": "1405/02/12 02:00", "reason": "صف"}"#),
                all(
                    who,
                    &[
                        Action::ViewElection,
                        view_station,
                        Action::ApproveExtension { county },
                    ],
                ),
            ),
            // Equipment tests (issue 16 §6): whoever sees the station reads them; its own
            // staff run them; the county's governor or the HQ overrides.
            (
                "POST",
                "/api/v1/stations/{code}/equipment-test"
                | "/api/v1/stations/{code}/equipment-test/finish"
                | "/stations/{code}/equipment-test/start"
                | "/stations/{code}/equipment-test/finish",
            )
            | ("GET", "/api/v1/stations/{code}/kiosks") => (filled(route), Sent::Nothing, operates),
            ("POST", "/api/v1/stations/{code}/equipment-test/kiosks/{kiosk}/activation") => (
                filled(route).replace("{kiosk}", &self.kiosk.id),
                json("{}"),
                operates,
            ),
            ("POST", "/stations/{code}/equipment-test/kiosks/{kiosk}/activate") => (
                filled(route).replace("{kiosk}", &self.kiosk.id),
                form(&format!("council={}", self.council)),
                operates,
            ),
            ("POST", "/api/v1/stations/{code}/equipment-test/override") => (
                filled(route),
                json(r#"{"reason": "دستگاه جایگزین"}"#),
                all(
                    who,
                    &[
                        Action::ViewElection,
                        view_station,
                        Action::OverrideEquipmentTest { county },
                    ],
                ),
            ),
            ("POST", "/stations/{code}/equipment-test/override") => (
                filled(route),
                form("reason=x"),
                all(
                    who,
                    &[
                        Action::ViewElection,
                        view_station,
                        Action::OverrideEquipmentTest { county },
                    ],
                ),
            ),
            ("POST", "/api/v1/stations/{code}/resume" | "/api/v1/stations/{code}/close")
            | ("GET", "/api/v1/stations/{code}/pending-checkins") => {
                (filled(route), Sent::Nothing, operates)
            }
            ("POST", "/stations/{code}/day/{action}") => (
                filled(route).replace("{action}", "pause"),
                form("reason=x"),
                operates,
            ),
            ("POST", "/api/v1/checkins") => (
                filled(route),
                Sent::Json(
                    serde_json::json!({"station": station, "national_id": "0018465986"}).to_string(),
                ),
                operates,
            ),
            ("POST", "/stations/{code}/checkin") => {
                (filled(route), form("national_id=0018465986"), operates)
            }
            // The count (issue 17 §4): open; a share's proof is its credential.
            ("POST", "/api/v1/tallies/shares") => (
                filled(route),
                json(r#"{"guardian": 0, "shares": []}"#),
                open,
            ),
            ("POST", "/api/v1/ballots") => (
                filled(route),
                json(r#"{"activation": "0123456789abcdef", "choices": []}"#),
                casts,
            ),
            // The voting kiosk (issue 17 §1): a device asks to be paired (open; a signed-in
            // caller is refused), reads its ballot (a kiosk only); the station's staff pair,
            // list, retire and activate.
            ("GET", "/api/v1/kiosk") => (filled(route), Sent::Nothing, casts),
            ("POST", "/api/v1/stations/{code}/kiosks") => (
                filled(route),
                json(r#"{"pairing_code": "00000000"}"#),
                operates,
            ),
            ("POST", "/stations/{code}/kiosks") => {
                (filled(route), form("pairing_code=00000000"), operates)
            }
            ("DELETE", "/api/v1/stations/{code}/kiosks/{kiosk}") => (
                filled(route).replace("{kiosk}", &self.spares.0),
                Sent::Nothing,
                operates,
            ),
            ("POST", "/stations/{code}/kiosks/{kiosk}/retire") => (
                filled(route).replace("{kiosk}", &self.spares.1),
                form(""),
                operates,
            ),
            ("POST", "/api/v1/stations/{code}/kiosks/{kiosk}/activation") => (
                filled(route).replace("{kiosk}", &self.kiosk.id),
                Sent::Json(
                    serde_json::json!({"ballot_token": self.ballot_token}).to_string(),
                ),
                operates,
            ),
            ("POST", "/stations/{code}/kiosks/{kiosk}/activate") => (
                filled(route).replace("{kiosk}", &self.kiosk.id),
                Sent::Form(format!("ballot_token={}", enc(&self.ballot_token))),
                operates,
            ),
            ("POST", "/vote" | "/vote/review" | "/vote/cast" | "/vote/challenge") => {
                (filled(route), Sent::Form(vote), casts)
            }
            (
                "GET",
                "/healthz" | "/api/v1/openapi.json" | "/api/v1/turnout" | "/api/v1/candidates/csv"
                | "/api/v1/candidates/nist"
                | "/turnout" | "/turnout/live" | "/candidates" | "/register" | "/registration-status" | "/login"
                | "/my-filings" | "/demo/outbox" | "/kiosk" | "/receipts" | "/count" | "/results"
                // The count and the record (a station's part is refused while it votes).
                | "/api/v1/tallies" | "/api/v1/record/manifest" | "/api/v1/record/stations/{code}"
                // A station's count and receipts, its minutes and the officials' keys.
                | "/api/v1/results/stations/{code}" | "/results/stations/{code}"
                | "/api/v1/results/stations/{code}/minutes" | "/results/stations/{code}/minutes"
                | "/api/v1/results/stations/{code}/hand-counts"
                | "/results/stations/{code}/hand-counts"
                | "/api/v1/results/complaints"
                | "/results/complaints"
                | "/api/v1/results/signing-keys"
                | "/api/v1/results",
            )
            | ("POST", "/api/v1/kiosk/pairing" | "/kiosk/pairing") => {
                (filled(route), Sent::Nothing, open)
            }
            ("GET", "/api/v1/results/{council}" | "/results/{council}") => (
                route.replace("{council}", &self.council),
                Sent::Nothing,
                open,
            ),
            ("GET", "/api/v1/councils/{code}/candidates") => (
                route.replace("{code}", &self.council),
                Sent::Nothing,
                open,
            ),
            ("GET", "/api/v1/receipts/{code}") => (
                route.replace("{code}", "0000-0000-0000-0000-0000"),
                Sent::Nothing,
                open,
            ),
            ("GET", "/candidates/photo/{code}") => (
                route.replace("{code}", &self.candidate),
                Sent::Nothing,
                open,
            ),
            ("GET", "/assets/{*path}") => ("/assets/app.css".into(), Sent::Nothing, open),
            ("POST", "/login") => (filled(route), Sent::Login, open),
            ("POST", "/api/v1/registrations" | "/register") => {
                let (content_type, body) =
                    Form::eligible(&self.applicant, &executive_council().code)
                        .set("identity_proof", &self.register_proof)
                        .body();
                (filled(route), Sent::Multipart(content_type, body), open)
            }
            ("POST", "/register/county") => (
                filled(route),
                Sent::Form(format!(
                    "identity_proof={}&county={county}",
                    enc(&self.register_proof)
                )),
                open,
            ),
            ("POST", "/api/v1/identity/codes") => (
                filled(route),
                Sent::Json(
                    serde_json::json!({"national_id": self.applicant, "birth_date": "1360/05/12",
                        "father_name": "حسین", "purpose": "applicant"})
                    .to_string(),
                ),
                open,
            ),
            ("POST", "/identity/codes") => (
                filled(route),
                Sent::Form(format!(
                    "national_id={}&birth_date=1360-05-12&father_name={}&purpose=applicant",
                    self.applicant,
                    enc("حسین")
                )),
                open,
            ),
            ("POST", "/api/v1/identity/proofs") => (
                filled(route),
                json(r#"{"challenge": "no-such-challenge", "code": "123456"}"#),
                open,
            ),
            ("POST", "/identity/proofs") => (
                filled(route),
                form("challenge=no-such-challenge&code=123456"),
                open,
            ),
            ("POST", "/api/v1/identity/registrations") => (
                filled(route),
                Sent::Json(
                    serde_json::json!({"identity_proof": self.applicant_proof}).to_string(),
                ),
                open,
            ),
            ("POST", "/api/v1/registrations/{tracking_code}/lookup") => (
                filled(route),
                Sent::Json(serde_json::json!({"national_id": self.applicant}).to_string()),
                open,
            ),
            ("POST", "/registration-status") => (
                filled(route),
                Sent::Form(format!(
                    "tracking_code={}&national_id={}",
                    self.tracking, self.applicant
                )),
                open,
            ),
            ("POST", "/registration-status/steps") => (
                filled(route),
                Sent::Form(format!(
                    "tracking_code={}&identity_proof={}&step=object&reason=x",
                    self.tracking,
                    enc(&self.applicant_proof)
                )),
                open,
            ),
            // Public for the applicant's own steps; a board's step is the policy's.
            ("POST", "/api/v1/registrations/{tracking_code}/steps") => match who {
                None => (
                    filled(route),
                    Sent::Json(
                        serde_json::json!({"step": "object", "reason": "x", "identity_proof": self.applicant_proof})
                            .to_string(),
                    ),
                    open,
                ),
                Some(_) => (
                    filled(route),
                    json(r#"{"step": "executive_review", "qualified": true, "reason": ""}"#),
                    all(who, &[Action::Vet { county }]),
                ),
            },
            ("POST", "/registrations/{tracking_code}/steps") => (
                filled(route),
                form("step=executive_review&decision=yes&reason="),
                all(who, &[Action::Vet { county }]),
            ),
            // The walk's file is approved: the boards that may record are refused on its state.
            ("POST", "/api/v1/registrations/{tracking_code}/inquiries") => (
                filled(route),
                json(r#"{"authority": "police", "answer": "clear", "note": ""}"#),
                all(who, &[Action::RecordInquiry { county }]),
            ),
            ("POST", "/registrations/{tracking_code}/inquiries") => (
                filled(route),
                form("authority=police&answer=clear&note="),
                all(who, &[Action::RecordInquiry { county }]),
            ),
            (
                "GET",
                "/api/v1/registrations" | "/api/v1/registrations/statistics" | "/registrations"
                | "/registrations.xlsx" | "/candidates/participation",
            ) => (
                format!("{route}?county={county}"),
                Sent::Nothing,
                all(who, &[see_files]),
            ),
            (
                "GET",
                "/registrations/{tracking_code}" | "/api/v1/registrations/{tracking_code}/inquiries",
            ) => {
                (filled(route), Sent::Nothing, all(who, &[see_files]))
            }
            ("GET", "/registrations/{tracking_code}/documents/{kind}") => (
                filled(route).replace("{kind}", "photo"),
                Sent::Nothing,
                all(who, &[see_files]),
            ),
            ("GET", "/api/v1/audit" | "/api/v1/audit/verify" | "/audit" | "/audit/verify") => {
                (filled(route), Sent::Nothing, all(who, &[Action::ViewAudit]))
            }
            ("GET", "/users") => (filled(route), Sent::Nothing, all(who, &[Action::ManageAccounts])),
            (
                "POST",
                "/users/{username}/disable" | "/users/{username}/enable"
                | "/users/{username}/sessions/revoke",
            ) => (
                route.replace("{username}", &self.account),
                form(""),
                all(who, &[Action::ManageAccounts]),
            ),
            ("POST", "/users/{username}/password") => (
                route.replace("{username}", &self.account),
                form("password=walk-password-1405"),
                all(who, &[Action::ManageAccounts]),
            ),
            // Readiness and the timeline (issue 16).
            (
                "GET",
                "/api/v1/readiness" | "/api/v1/readiness/export.csv" | "/readiness.csv",
            ) => (
                format!("{route}?county={county}"),
                Sent::Nothing,
                all(who, &[Action::ViewReadiness { county: Some(county) }]),
            ),
            ("GET", "/readiness") => (
                filled(route),
                Sent::Nothing,
                all(who, &[Action::ViewReadiness { county: None }]),
            ),
            ("GET", "/counties/{code}/readiness") => (
                route.replace("{code}", county),
                Sent::Nothing,
                all(who, &[Action::ViewReadiness { county: Some(county) }]),
            ),
            ("GET", "/api/v1/stations/{code}/readiness" | "/stations/{code}/readiness") => (
                filled(route),
                Sent::Nothing,
                all(who, &[Action::ViewReadiness { county: Some(county) }]),
            ),
            ("PUT", "/api/v1/stations/{code}/readiness") => (
                filled(route),
                json(r#"{"link": "sim", "power_backup": true}"#),
                all(
                    who,
                    &[view_station, Action::DeclareReadiness { county: Some(county) }],
                ),
            ),
            ("POST", "/stations/{code}/readiness") => (
                filled(route),
                form("link=sim&power_backup=on"),
                all(
                    who,
                    &[view_station, Action::DeclareReadiness { county: Some(county) }],
                ),
            ),
            // A governor's file names their own county's stations (another county's row is a
            // bad row, not a refusal of access); the HQ's any.
            ("POST", "/api/v1/readiness/import" | "/readiness/import") => {
                let own = who.and_then(domain::access::readiness_file_county);
                let file = format!("station,link\n{station},landline\n");
                let sent = if route.starts_with("/api") {
                    Sent::Csv(file)
                } else {
                    let boundary = "walk-boundary";
                    Sent::Multipart(
                        format!("multipart/form-data; boundary={boundary}"),
                        format!(
                            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n--{boundary}--\r\n"
                        )
                        .into_bytes(),
                    )
                };
                (
                    filled(route),
                    sent,
                    all(who, &[Action::DeclareReadiness { county: own }]),
                )
            }
            ("PUT", "/api/v1/readiness/weights") => (
                filled(route),
                json(r#"{"link": 30, "cctv_installed": 10, "cctv_monitored": 10, "power_backup": 15, "devices_installed": 10, "devices_tested": 15, "step_free": 10}"#),
                all(who, &[Action::ManageElection]),
            ),
            ("POST", "/readiness/weights") => (
                filled(route),
                form("link=30&cctv_installed=10&cctv_monitored=10&power_backup=15&devices_installed=10&devices_tested=15&step_free=10"),
                all(who, &[Action::ManageElection]),
            ),
            ("PUT", "/api/v1/timeline/{key}") => (
                route.replace("{key}", "walk_milestone"),
                json(r#"{"key": "walk_milestone", "name": "مرحله گردش", "starts_at": "2026-03-01T08:00:00+03:30", "ends_at": "2026-03-02T08:00:00+03:30", "owner": "county_governor"}"#),
                all(who, &[Action::ManageElection]),
            ),
            ("POST", "/timeline/{key}") => (
                route.replace("{key}", "walk_milestone"),
                form("name=%D9%85%D8%B1%D8%AD%D9%84%D9%87&starts=1404/12/10+08:00&ends=1404/12/11+08:00&owner=county_governor"),
                all(who, &[Action::ManageElection]),
            ),
            // Sensitive stations and the county security council (issue 16).
            ("GET", "/api/v1/security/stations" | "/security") => (
                format!("{route}?county={county}"),
                Sent::Nothing,
                all(who, &[Action::ViewSecurity { county: Some(county) }]),
            ),
            ("GET", "/api/v1/security/reasons") => (filled(route), Sent::Nothing, signed_in),
            ("PUT", "/api/v1/security/reasons") => (
                filled(route),
                Sent::Json(serde_json::to_string(&domain::security::default_reasons()).unwrap()),
                all(who, &[Action::ManageElection]),
            ),
            ("GET", "/api/v1/stations/{code}/security" | "/stations/{code}/security") => (
                filled(route),
                Sent::Nothing,
                all(
                    who,
                    &[Action::ViewElection, Action::ViewSecurity { county: Some(county) }],
                ),
            ),
            (
                "GET",
                "/api/v1/security/councils/{county}" | "/security/councils/{county}",
            ) => (
                route.replace("{county}", county),
                Sent::Nothing,
                all(who, &[Action::ViewSecurity { county: Some(county) }]),
            ),
            (
                "PUT" | "DELETE" | "POST",
                "/api/v1/stations/{code}/sensitivity"
                | "/api/v1/stations/{code}/security-plan"
                | "/api/v1/stations/{code}/security-plan/submit"
                | "/api/v1/stations/{code}/security-plan/approve"
                | "/api/v1/stations/{code}/security-plan/return"
                | "/stations/{code}/security/flag"
                | "/stations/{code}/security/unflag"
                | "/stations/{code}/security/plan"
                | "/stations/{code}/security/submit"
                | "/stations/{code}/security/decide",
            ) => {
                let sent = match (method.as_str(), route) {
                    ("PUT", "/api/v1/stations/{code}/sensitivity") => {
                        json(r#"{"reasons": ["border_area"]}"#)
                    }
                    ("PUT", _) => json(
                        r#"{"measures": "م", "responsible_name": "ر", "responsible_phone": "110110", "protective_staff": 2, "cctv_coverage": "none", "contacts": "۱۱۰", "escalation": "ف", "effective_on": "1405/02/01"}"#,
                    ),
                    ("DELETE", _) => Sent::Nothing,
                    (_, "/api/v1/stations/{code}/security-plan/approve") => {
                        Sent::Json(format!(r#"{{"meeting_id": {}}}"#, self.meeting))
                    }
                    (_, "/api/v1/stations/{code}/security-plan/return") => {
                        json(r#"{"reason": "ناقص"}"#)
                    }
                    (_, "/stations/{code}/security/flag") => form("reason=border_area&note="),
                    (_, "/stations/{code}/security/plan") => form(
                        "measures=m&responsible_name=r&responsible_phone=110110&protective_staff=2&cctv_coverage=none&contacts=c&escalation=e&effective_on=1405%2F02%2F01",
                    ),
                    (_, "/stations/{code}/security/decide") => form(&format!(
                        "meeting={}&decision=approve&reason=",
                        self.meeting
                    )),
                    (_, route) if route.starts_with("/api/") => Sent::Nothing,
                    _ => form(""),
                };
                (
                    filled(route),
                    sent,
                    all(who, &[Action::ViewElection, Action::ManageSecurity { county }]),
                )
            }
            (
                "PUT" | "POST",
                "/api/v1/security/councils/{county}/cadence" | "/security/councils/{county}/cadence",
            ) => (
                route.replace("{county}", county),
                if method == Method::PUT {
                    json(r#"{"starts_on": "1404/10/20", "every_days": 14}"#)
                } else {
                    form("starts_on=1404%2F10%2F20&every_days=14")
                },
                all(who, &[Action::ManageSecurity { county }]),
            ),
            // Incidents (issue 16): the walk's station's, in the own county.
            ("GET", "/api/v1/incidents" | "/incidents" | "/incidents/live") => (
                format!("{route}?county={county}&station={station}"),
                Sent::Nothing,
                all(
                    who,
                    &[Action::ViewIncidents {
                        county,
                        station: Some(station),
                    }],
                ),
            ),
            ("GET", "/incidents/new") => (
                format!("{route}?station={station}"),
                Sent::Nothing,
                all(
                    who,
                    &[Action::FileIncident {
                        county,
                        station: Some(station),
                    }],
                ),
            ),
            ("POST", "/api/v1/incidents" | "/incidents") => {
                let (content_type, body) = crate::incidents::form_body(
                    &[
                        ("station", station),
                        ("subcategory", "power_cut"),
                        ("severity", "low"),
                        ("description", "برق شعبه چند دقیقه قطع شد."),
                    ],
                    None,
                );
                (
                    filled(route),
                    Sent::Multipart(content_type, body),
                    all(
                        who,
                        &[Action::FileIncident {
                            county,
                            station: Some(station),
                        }],
                    ),
                )
            }
            ("GET", "/api/v1/incidents/{id}" | "/incidents/{id}" | "/incidents/{id}/photo") => (
                route.replace("{id}", &self.incident.to_string()),
                Sent::Nothing,
                all(
                    who,
                    &[Action::ViewIncidents {
                        county,
                        station: Some(station),
                    }],
                ),
            ),
            // Station minutes (issue 18 §2): the walk's station is not counted, so a drawing is
            // refused and there are no minutes to sign; the policy decides who gets that far.
            ("POST", "/api/v1/stations/{code}/minutes") => (
                filled(route),
                json(r#"{"remarks": ""}"#),
                all(who, &[Action::DrawMinutes { county, station }]),
            ),
            ("POST", "/stations/{code}/minutes") => (
                filled(route),
                form("remarks="),
                all(who, &[Action::DrawMinutes { county, station }]),
            ),
            ("POST", "/api/v1/stations/{code}/minutes/{version}/signatures") => (
                filled(route).replace("{version}", "1"),
                json(r#"{"signature": "AAAA"}"#),
                all(who, &[Action::SignMinutes { county, station }]),
            ),
            ("POST", "/api/v1/stations/{code}/minutes/{version}/refusals") => (
                filled(route).replace("{version}", "1"),
                json(r#"{"reason": "نادرست"}"#),
                all(who, &[Action::SignMinutes { county, station }]),
            ),
            ("POST", "/stations/{code}/minutes/{version}/refusals") => (
                filled(route).replace("{version}", "1"),
                form("reason=x"),
                all(who, &[Action::SignMinutes { county, station }]),
            ),
            ("POST", "/api/v1/stations/{code}/annulment" | "/api/v1/stations/{code}/annulment/lift") => (
                filled(route),
                json(r#"{"reason": ""}"#),
                all(who, &[Action::AnnulStation { county }]),
            ),
            // Complaints and certification (issue 18 §5): a filing and an objection are the
            // candidate's (public, refused here: no such candidate); the walk's council is not
            // complete, and its complaint is not decided.
            ("POST", "/api/v1/results/complaints") => (
                filled(route),
                json(&format!(
                    r#"{{"tracking_code": "0", "national_id": "0018465986", "council": "{}", "text": "متن شکایت آزمایشی"}}"#,
                    self.council
                )),
                open,
            ),
            ("POST", "/api/v1/results/complaints/{id}/objection") => (
                route.replace("{id}", &self.complaint.to_string()),
                json(r#"{"tracking_code": "0", "national_id": "0018465986", "text": "متن اعتراض آزمایشی"}"#),
                open,
            ),
            ("POST", "/results/complaints") => (
                filled(route),
                form(&format!(
                    "tracking_code=0&national_id=0018465986&council={}&text=x",
                    self.council
                )),
                open,
            ),
            ("POST", "/results/complaints/{id}/objection") => (
                route.replace("{id}", &self.complaint.to_string()),
                form("tracking_code=0&national_id=0018465986&text=x"),
                open,
            ),
            ("POST", "/results/complaints/{id}/decision") => (
                route.replace("{id}", &self.complaint.to_string()),
                form("ruling=rejected&reason="),
                all(who, &[Action::DecideComplaint { county }]),
            ),
            ("POST", "/results/complaints/{id}/hearing") => (
                route.replace("{id}", &self.complaint.to_string()),
                form("ruling=upheld&reason=x"),
                all(who, &[Action::HearObjection]),
            ),
            ("POST", "/results/{council}/certification") => (
                route.replace("{council}", &self.council),
                form("step=approve&reason="),
                all(
                    who,
                    &[Action::CertifyResult {
                        county,
                        step: domain::results::certification::Step::Approve,
                    }],
                ),
            ),
            ("POST", "/api/v1/results/complaints/{id}/decision") => (
                route.replace("{id}", &self.complaint.to_string()),
                json(r#"{"outcome": "rejected", "reason": ""}"#),
                all(who, &[Action::DecideComplaint { county }]),
            ),
            ("POST", "/api/v1/results/complaints/{id}/hearing") => (
                route.replace("{id}", &self.complaint.to_string()),
                json(r#"{"hearing": "upheld", "reason": "x"}"#),
                all(who, &[Action::HearObjection]),
            ),
            ("POST", "/api/v1/results/{council}/certification") => (
                route.replace("{council}", &self.council),
                json(r#"{"step": "approve"}"#),
                all(
                    who,
                    &[Action::CertifyResult {
                        county,
                        step: domain::results::certification::Step::Approve,
                    }],
                ),
            ),
            // The paper fallback (issue 18 §1): the walk's station is open and electronic, so a
            // declaration without a reason and an entry before the close are refused.
            ("POST", "/api/v1/stations/{code}/paper-fallback") => (
                filled(route),
                json(r#"{"reason": ""}"#),
                all(who, &[Action::DeclarePaperFallback { county }]),
            ),
            ("POST", "/stations/{code}/paper-fallback") => (
                filled(route),
                form("reason="),
                all(who, &[Action::DeclarePaperFallback { county }]),
            ),
            ("POST", "/api/v1/stations/{code}/hand-counts") => (
                filled(route),
                json(&format!(
                    r#"{{"council": "{}", "ballots": 0, "blank": 0, "unused_choices": 0, "votes": {{}}}}"#,
                    self.council
                )),
                all(who, &[Action::EnterHandCount { county, station }]),
            ),
            ("POST", "/stations/{code}/hand-counts/{council}") => (
                filled(route).replace("{council}", &self.council),
                form("ballots=0&blank=0&unused_choices=0"),
                all(who, &[Action::EnterHandCount { county, station }]),
            ),
            ("POST", "/api/v1/stations/{code}/hand-counts/{council}/resolution") => (
                filled(route).replace("{council}", &self.council),
                json(r#"{"ballots": 0, "blank": 0, "unused_choices": 0, "votes": {}, "reason": "x"}"#),
                all(who, &[Action::ResolveHandCount { county }]),
            ),
            ("POST", "/stations/{code}/hand-counts/{council}/resolution") => (
                filled(route).replace("{council}", &self.council),
                form("ballots=0&blank=0&unused_choices=0&reason=x"),
                all(who, &[Action::ResolveHandCount { county }]),
            ),
            ("POST", "/api/v1/signing-keys") => (
                filled(route),
                json(r#"{"national_id": "0000000000", "public_key": "AAAA"}"#),
                all(who, &[Action::RegisterSigningKey]),
            ),
            ("GET", "/api/v1/signing-keys") => (
                filled(route),
                Sent::Nothing,
                all(who, &[Action::ManageSigningKeys { county: None }]),
            ),
            ("GET", "/signing-keys") => {
                let own = who.and_then(|p| p.scope.county());
                let either = authorize(who, Action::RegisterSigningKey).or_else(|_| {
                    authorize(who, Action::ManageSigningKeys { county: own })
                });
                (filled(route), Sent::Nothing, Access::Policy(either))
            }
            ("POST", "/api/v1/signing-keys/{id}/confirm" | "/api/v1/signing-keys/{id}/revoke") => (
                route.replace("{id}", &self.signing_key.to_string()),
                Sent::Nothing,
                all(
                    who,
                    &[Action::ManageSigningKeys {
                        county: Some(county),
                    }],
                ),
            ),
            ("POST", "/signing-keys/{id}/{action}") => (
                route
                    .replace("{id}", &self.signing_key.to_string())
                    .replace("{action}", "confirm"),
                Sent::Nothing,
                all(
                    who,
                    &[Action::ManageSigningKeys {
                        county: Some(county),
                    }],
                ),
            ),
            ("POST", "/api/v1/incidents/{id}/steps") => (
                route.replace("{id}", &self.incident.to_string()),
                json(r#"{"status": "acknowledged", "note": ""}"#),
                all(who, &[Action::StepIncident { county }]),
            ),
            ("POST", "/incidents/{id}/steps") => (
                route.replace("{id}", &self.incident.to_string()),
                form("status=acknowledged&note="),
                all(who, &[Action::StepIncident { county }]),
            ),
            _ => panic!(
                "{method} {route} is served but not walked: add it to tests/it/walk.rs with the \
                 Action that guards it"
            ),
        };
        let repeats = matches!(
            route,
            "/api/v1/registrations"
                | "/register"
                | "/api/v1/registrations/{tracking_code}/steps"
                | "/api/v1/registrations/{tracking_code}/inquiries"
                | "/registrations/{tracking_code}/inquiries"
                | "/registration-status/steps"
                | "/api/v1/identity/proofs"
                | "/identity/proofs"
                // No share posted is refused (the walk holds no closed station's tally).
                | "/api/v1/tallies/shares"
                // A signed-in caller (or a kiosk) is not made a kiosk.
                | "/api/v1/kiosk/pairing"
                | "/kiosk/pairing"
                // A complaint or an objection from someone who is not the council's candidate.
                | "/api/v1/results/complaints"
                | "/api/v1/results/complaints/{id}/objection"
                | "/results/complaints"
                | "/results/complaints/{id}/objection"
        );
        // A station's part of the record is refused until its close (the walk's is not closed).
        let unpublished = route == "/api/v1/record/stations/{code}";
        let succeeds =
            !unpublished && (*method == Method::GET || (access == Access::Open && !repeats));
        Call {
            url,
            sent,
            access,
            succeeds,
        }
    }
}

fn is_api(url: &str) -> bool {
    url.starts_with("/api/") || url == "/healthz"
}

/// Whether an answer is the refusal of an anonymous caller: 401 from the API, the way to the
/// login page from a page.
fn asks_to_log_in(r: &Reply) -> bool {
    r.status == StatusCode::UNAUTHORIZED
        || (r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next="))
}

async fn send(app: &TestApp, method: &Method, call: &Call, token: Option<&str>) -> Reply {
    let mut b = Request::builder().method(method.clone()).uri(&call.url);
    if let Some(t) = token {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let body = match &call.sent {
        Sent::Nothing => Body::empty(),
        Sent::Json(j) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(j.clone())
        }
        Sent::Form(f) => {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(f.clone())
        }
        Sent::Csv(c) => {
            b = b.header(header::CONTENT_TYPE, "text/csv");
            Body::from(c.clone())
        }
        Sent::Multipart(content_type, bytes) => {
            b = b.header(header::CONTENT_TYPE, content_type);
            Body::from(bytes.clone())
        }
        Sent::Login => {
            b = b
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, "sandoq_login_csrf=walk");
            Body::from("username=observer&password=observer-1405&csrf_token=walk&next=/")
        }
    };
    app.send(b.body(body).unwrap()).await
}

/// Checks one answer against the policy's decision.
fn check(method: &Method, call: &Call, caller: &Caller, r: &Reply) {
    let what = format!(
        "{method} {} as {}: {} {}",
        call.url,
        caller.name,
        r.status,
        r.text().chars().take(300).collect::<String>()
    );
    let served = |r: &Reply| {
        assert!(
            ![
                StatusCode::UNAUTHORIZED,
                StatusCode::FORBIDDEN,
                StatusCode::NOT_FOUND,
                StatusCode::METHOD_NOT_ALLOWED
            ]
            .contains(&r.status)
                && !r.status.is_server_error()
                && !asks_to_log_in(r),
            "served expected, got {what}"
        );
    };
    match call.access {
        Access::Open | Access::Policy(Ok(())) => {
            served(r);
            assert!(
                !call.succeeds || r.status.is_success() || r.status.is_redirection(),
                "2xx or 3xx expected, got {what}"
            );
        }
        Access::Policy(Err(Denied::Unauthenticated)) => {
            if is_api(&call.url) {
                r.assert_problem(401, "unauthenticated");
            } else {
                assert!(
                    r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next="),
                    "the way to log in expected, got {what}"
                );
            }
        }
        Access::Policy(Err(Denied::Forbidden)) => {
            if is_api(&call.url) {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "403 expected, got {what}");
                r.assert_problem(403, "forbidden");
            } else {
                assert!(
                    r.status == StatusCode::FORBIDDEN
                        && r.content_type().starts_with("text/html")
                        && r.text().contains("data-code=\"forbidden\""),
                    "the 403 page expected, got {what}"
                );
            }
        }
    }
}

/// The demo's seven users in their scopes, users of another county and of another station, and
/// the anonymous.
async fn callers(app: &TestApp, fixture: &Fixture) -> Vec<Caller> {
    let other_station = demo_station(|s| {
        s.county_code == OWN_COUNTY && s.code != crate::election_day::own_station()
    })
    .code
    .clone();
    let foreign = || Scope::County {
        county: FOREIGN_COUNTY.to_owned(),
    };
    let by = store::Actor::new("walk", app.state.clock.now());
    let mut extra = vec![(
        "station-elsewhere".to_owned(),
        Role::StationStaff,
        Scope::Station {
            county: OWN_COUNTY.to_owned(),
            station: other_station,
        },
    )];
    for role in [
        Role::CountyGovernor,
        Role::InspectionBoard,
        Role::ExecutiveBoard,
        Role::SupervisionBoard,
        Role::Observer,
    ] {
        extra.push((
            format!("{}-{FOREIGN_COUNTY}", role.as_str()),
            role,
            foreign(),
        ));
    }
    for (username, role, scope) in &extra {
        domain::access::check_role_scope(*role, scope).unwrap();
        let user = NewUser {
            username: username.clone(),
            password_hash: web::auth::hash_password(&format!("{username}-1405")).unwrap(),
            role: *role,
            scope: scope.clone(),
        };
        app.store.create_user(&user, &by).await.unwrap();
    }
    let mut out = vec![Caller {
        name: "anonymous".into(),
        principal: None,
        token: None,
    }];
    let users = demo()
        .users
        .iter()
        .map(|u| (u.username.clone(), u.role, u.scope.clone()))
        .chain(extra);
    for (username, role, scope) in users {
        out.push(Caller {
            token: Some(app.token(&username).await),
            principal: Some(Principal {
                username: username.clone(),
                role,
                scope,
            }),
            name: username,
        });
    }
    assert_eq!(
        out.iter()
            .filter_map(|c| c.principal.as_ref().map(|p| p.role))
            .collect::<std::collections::HashSet<_>>()
            .len(),
        Role::ALL.len(),
        "every role walks"
    );
    // And the station's kiosk: nothing but its ballot (issue 17 §1).
    let kiosk = &fixture.kiosk;
    let principal = Principal {
        username: domain::kiosk::kiosk_username(&kiosk.id),
        role: Role::Kiosk,
        scope: Scope::Station {
            county: OWN_COUNTY.to_owned(),
            station: kiosk.station.clone(),
        },
    };
    out.push(Caller {
        name: "kiosk".into(),
        principal: Some(principal),
        token: Some(kiosk.secret.clone()),
    });
    out
}

async fn walk_app() -> TestApp {
    // Every caller logs in, and the login routes are walked by each: no rate limit here.
    // Every caller asks for a one-time code too: not rationed either. A demo, so that its
    // text-message page is served.
    TestApp::with_config(web::Config {
        login_attempts_per_minute: 100_000,
        identity_limits: crate::support::unrationed(),
        demo: true,
        ..web::Config::default()
    })
    .await
}

type Routes = Vec<(Method, String)>;

/// The routes to walk, the two that end the session last.
fn routes() -> (Routes, Routes) {
    let all = web::routes();
    let distinct: BTreeSet<(String, String)> = all
        .iter()
        .map(|(m, p)| (m.to_string(), p.clone()))
        .collect();
    assert_eq!(distinct.len(), all.len(), "each route once");
    all.into_iter()
        .partition(|(_, path)| path != "/api/v1/auth/logout" && path != "/logout")
}

#[tokio::test]
async fn every_route_meets_the_policy_for_every_role_and_a_foreign_scope() {
    let app = walk_app().await;
    let fixture = Fixture::new(&app).await;
    let callers = callers(&app, &fixture).await;
    let (routes, logouts) = routes();
    // The API's routes are its OpenAPI document's (and the document), the pages' the table's.
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    let documented = doc["paths"].as_object().unwrap().len();
    let api_paths: BTreeSet<&str> = routes
        .iter()
        .chain(&logouts)
        .map(|(_, p)| p.as_str())
        .filter(|p| p.starts_with("/api/v1/") || *p == "/healthz")
        .filter(|p| *p != "/api/v1/openapi.json")
        .collect();
    assert_eq!(api_paths.len(), documented);
    assert_eq!(
        routes.len() + logouts.len(),
        web::openapi()
            .paths
            .paths
            .values()
            .map(|item| {
                [
                    item.get.is_some(),
                    item.put.is_some(),
                    item.post.is_some(),
                    item.delete.is_some(),
                    item.patch.is_some(),
                ]
                .iter()
                .filter(|served| **served)
                .count()
            })
            .sum::<usize>()
            + 1
            + web::page_routes().len()
    );
    let mut pairs = 0;
    for (method, route) in &routes {
        for caller in &callers {
            let call = fixture.call(method, route, caller.principal.as_ref());
            let r = send(&app, method, &call, caller.token.as_deref()).await;
            check(method, &call, caller, &r);
            pairs += 1;
        }
    }
    // Logging out ends the session: each caller logs out through the API, then logs in again
    // and logs out of the browser.
    let users = callers
        .iter()
        .filter(|c| c.principal.as_ref().is_none_or(|p| p.role != Role::Kiosk));
    for caller in users {
        for (method, route) in &logouts {
            let token = match &caller.principal {
                Some(p) => Some(app.token(&p.username).await),
                None => None,
            };
            let call = Call {
                url: route.clone(),
                sent: Sent::Nothing,
                access: if route == "/logout" {
                    Access::Open
                } else {
                    all(caller.principal.as_ref(), &[Action::ViewElection])
                },
                succeeds: true,
            };
            let r = send(&app, method, &call, token.as_deref()).await;
            check(method, &call, caller, &r);
            pairs += 1;
            if let Some(token) = token {
                app.get("/api/v1/auth/me", Some(&token))
                    .await
                    .assert_problem(401, "unauthenticated");
            }
        }
    }
    // The kiosk has no session to log out of: its staff take it out of service.
    assert_eq!(
        pairs,
        routes.len() * callers.len() + logouts.len() * (callers.len() - 1)
    );
    eprintln!(
        "walked {} routes × {} callers = {pairs} pairs",
        routes.len() + logouts.len(),
        callers.len()
    );
}

/// The public routes are exactly those the router serves without credentials; every other
/// route asks to log in first.
#[tokio::test]
async fn the_public_routes_are_exactly_those_served_without_credentials() {
    let app = walk_app().await;
    let fixture = Fixture::new(&app).await;
    let (routes, logouts) = routes();
    let mut served = BTreeSet::new();
    for (method, route) in routes.iter().chain(&logouts) {
        let call = if logouts.contains(&(method.clone(), route.clone())) {
            Call {
                url: route.clone(),
                sent: Sent::Nothing,
                access: Access::Open,
                succeeds: true,
            }
        } else {
            fixture.call(method, route, None)
        };
        let r = send(&app, method, &call, None).await;
        if !asks_to_log_in(&r) {
            served.insert((method.to_string(), route.clone()));
        }
    }
    let public: BTreeSet<(String, String)> = web::auth::PUBLIC_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), (*p).to_owned()))
        .collect();
    assert_eq!(served, public);
    // Each listed route is one the router serves.
    let all: BTreeSet<(String, String)> = routes
        .iter()
        .chain(&logouts)
        .map(|(m, p)| (m.to_string(), p.clone()))
        .collect();
    assert!(public.is_subset(&all), "{:?}", public.difference(&all));
}

/// The router serves nothing the route table lacks: a method a listed path does not list is
/// 405, and a path beside the listed ones is 404.
#[tokio::test]
async fn the_router_serves_only_the_listed_routes() {
    let (app, hq) = TestApp::with_token("hq").await;
    let all = web::routes();
    let paths: BTreeSet<&str> = all.iter().map(|(_, p)| p.as_str()).collect();
    let mut checked = 0;
    let example = |path: &str| {
        path.replace("{*path}", "app.css")
            .replace("{tracking_code}", "000000000000")
            .replace("{national_id}", "0018465986")
            .replace("{code}", "x")
            .replace("{post}", "inspector")
            .replace("{action}", "pause")
            .replace("{id}", "1")
            .replace("{kind}", "photo")
            .replace("{username}", "observer")
    };
    for path in paths {
        for method in [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ] {
            if all.iter().any(|(m, p)| *m == method && p == path) {
                continue;
            }
            let request = Request::builder()
                .method(method.clone())
                .uri(example(path))
                .header(header::AUTHORIZATION, format!("Bearer {hq}"))
                .body(Body::empty())
                .unwrap();
            let r = app.send(request).await;
            assert_eq!(
                r.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is not listed but answered {}",
                r.status
            );
        }
        let beside = format!("{}/unlisted", example(path).trim_end_matches('/'));
        if all.iter().any(|(_, pattern)| matches(pattern, &beside)) {
            continue;
        }
        let r = app.get(&beside, Some(&hq)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{beside}: {}", r.text());
        checked += 1;
    }
    assert!(checked > 40, "{checked} unlisted paths checked");
}

/// Whether a path pattern (`/a/{param}/b`, `/a/{*rest}`) matches a path.
fn matches(pattern: &str, path: &str) -> bool {
    let mut path = path.split('/');
    for segment in pattern.split('/') {
        if segment.starts_with("{*") {
            return true;
        }
        match path.next() {
            Some(p) if segment == p || (segment.starts_with('{') && !p.is_empty()) => {}
            _ => return false,
        }
    }
    path.next().is_none()
}
