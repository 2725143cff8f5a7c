//! Candidate registration on PostgreSQL beyond the conformance suite: approvals racing through
//! two servers never give two candidates one code.

use crate::demo_database;
use domain::ids::{MobileNumber, NationalId};
use domain::person::{Education, Gender};
use domain::registration::Application;
use domain::vetting::{Reviewer, VettingAction, VettingState};
use std::collections::HashSet;
use std::sync::Arc;
use store::{prelude::*, verify_audit, Actor, NewRegistration};
use store_postgres::Postgres;
use time::macros::datetime;

fn registration(election: &str, council: &str, n: u32) -> NewRegistration {
    NewRegistration {
        election_code: election.to_owned(),
        tracking_code: format!("R{n:07}"),
        application: Application {
            national_id: NationalId::with_check_digit(650_000_000 + n).unwrap(),
            first_name: "مریم".into(),
            last_name: format!("همزمان {n}"),
            father_name: "حسن".into(),
            birth_date: time::macros::date!(1980 - 01 - 01),
            gender: Gender::Female,
            mobile: MobileNumber::parse("09131112233").unwrap(),
            residence: "کرمان".into(),
            council: council.to_owned(),
            education: Education::Bachelor,
            former_member: false,
            occupation: "معلم".into(),
            official: None,
            veteran_family: false,
        },
        documents: Vec::new(),
    }
}

/// Two servers, each with its own pool, approve 16 reviewed files at once: 16 different codes,
/// each above the election's largest, each on its council's list, and the chain whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_approvals_take_distinct_codes() {
    let (url, data) = demo_database().await;
    let (a, b) = tokio::join!(Postgres::connect(&url), Postgres::connect(&url));
    let servers = [Arc::new(a.unwrap()), Arc::new(b.unwrap())];
    let election = data.election.code.clone();
    let filed = datetime!(2026-01-12 06:00 UTC);
    let board = Actor::new("board-user", filed + time::Duration::days(1));
    let n = 16_u32;
    for i in 0..n {
        let council = &data.councils[i as usize % 3].code;
        let new = registration(&election, council, i);
        servers[0]
            .register(&new, &Actor::new("applicant", filed))
            .await
            .unwrap();
        for answer in domain::inquiry::all_clear(board.at) {
            servers[0]
                .record_inquiry(&election, &new.tracking_code, &answer, &board)
                .await
                .unwrap();
        }
        servers[0]
            .vet(
                &election,
                &new.tracking_code,
                &VettingAction::ExecutiveReview {
                    qualified: true,
                    reason: String::new(),
                    grounds: Vec::new(),
                },
                Reviewer::ExecutiveBoard,
                &board,
            )
            .await
            .unwrap();
    }
    let (before, _) = servers[0].audit_head().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..n {
        let server = servers[i as usize % 2].clone();
        let election = election.clone();
        let board = board.clone();
        tasks.push(tokio::spawn(async move {
            server
                .vet(
                    &election,
                    &format!("R{i:07}"),
                    &VettingAction::SupervisionDecision {
                        approved: true,
                        reason: String::new(),
                        grounds: Vec::new(),
                    },
                    Reviewer::CountySupervisionBoard,
                    &board,
                )
                .await
        }));
    }
    let highest_demo = data
        .candidates
        .iter()
        .filter_map(|c| c.code.parse::<u64>().ok())
        .max()
        .unwrap_or(10_000);
    let mut codes = HashSet::new();
    for t in tasks {
        let approved = t.await.unwrap().unwrap();
        assert_eq!(approved.vetting.state, VettingState::Approved);
        let code = approved.candidate_code.unwrap();
        assert!(code.parse::<u64>().unwrap() > highest_demo);
        let listed = servers[1]
            .candidates(&election, &approved.application.council)
            .await
            .unwrap();
        assert!(listed.iter().any(|c| c.code == code));
        assert!(codes.insert(code), "a code given twice");
    }
    let expected: HashSet<String> = (1..=u64::from(n))
        .map(|k| (highest_demo + k).to_string())
        .collect();
    assert_eq!(codes, expected, "the next codes, without gaps");
    assert_eq!(
        verify_audit(servers[1].as_ref()).await.unwrap(),
        Ok(before + i64::from(n))
    );
}
