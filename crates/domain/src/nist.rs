//! Exports in NIST's Election Results Common Data Format (SP 1500-100 Rev. 2, JSON): the
//! election's candidate structure — the province, its counties and each council's
//! constituency as reporting units, one candidate contest per council (votes allowed = its main
//! seats) with a selection per approved candidate, and each candidate's person. The results
//! export adds vote counts to the same structure, so the identifiers here are the ones it uses.
//!
//! Identifiers: `gpu-province`, `gpu-county-<code>`, `gpu-council-<code>`, `contest-<council>`,
//! `candidate-<code>`, `person-<code>`, `selection-<code>`.

use crate::ballot::Candidate;
use crate::election::{Council, CouncilKind, Election};
use crate::geo::County;
use serde_json::{json, Value};
use time::OffsetDateTime;

/// What issued a report (the schema requires it).
pub struct Issuer<'a> {
    pub name: &'a str,
    pub abbreviation: &'a str,
    /// `sandoq <version>`.
    pub application: &'a str,
}

fn text(persian: &str) -> Value {
    json!({
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": persian, "Language": "fa"}],
    })
}

fn local_id(value: &str) -> Value {
    json!([{"@type": "ElectionResults.ExternalIdentifier", "Type": "local-level", "Value": value}])
}

/// RFC 3339 in UTC, as the schema's `DateTimeWithZone` pattern wants it (whole seconds).
fn date_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month() as u8,
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

fn date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// The candidate structure of `election` for `councils` (with their `counties`), listing
/// `candidates` (approved, with their codes), as an `ElectionResults.ElectionReport`.
pub fn candidates_report(
    issuer: &Issuer<'_>,
    election: &Election,
    counties: &[County],
    councils: &[Council],
    candidates: &[Candidate],
    generated: OffsetDateTime,
) -> Value {
    let mut units = vec![json!({
        "@type": "ElectionResults.ReportingUnit",
        "@id": "gpu-province",
        "Type": "state",
        "Name": text("استان کرمان"),
        "ComposingGpUnitIds": counties.iter().map(|c| format!("gpu-county-{}", c.code)).collect::<Vec<_>>(),
    })];
    for county in counties {
        units.push(json!({
            "@type": "ElectionResults.ReportingUnit",
            "@id": format!("gpu-county-{}", county.code),
            "Type": "county",
            "Name": text(&county.name),
            "ExternalIdentifier": local_id(&county.code),
            "ComposingGpUnitIds": councils
                .iter()
                .filter(|c| c.county_code == county.code)
                .map(|c| format!("gpu-council-{}", c.code))
                .collect::<Vec<_>>(),
        }));
    }
    for council in councils {
        units.push(json!({
            "@type": "ElectionResults.ReportingUnit",
            "@id": format!("gpu-council-{}", council.code),
            "Type": match council.kind {
                CouncilKind::City => "city",
                CouncilKind::Village => "village",
            },
            "Name": text(&council.name),
            "ExternalIdentifier": local_id(&council.code),
        }));
    }
    let mut people = Vec::with_capacity(candidates.len());
    let mut listed = Vec::with_capacity(candidates.len());
    for c in candidates {
        people.push(json!({
            "@type": "ElectionResults.Person",
            "@id": format!("person-{}", c.code),
            "FirstName": c.first_name,
            "LastName": c.last_name,
            "FullName": text(&format!("{} {}", c.first_name, c.last_name)),
            "Gender": c.gender.as_str(),
            "Profession": text(&c.occupation),
        }));
        listed.push(json!({
            "@type": "ElectionResults.Candidate",
            "@id": format!("candidate-{}", c.code),
            "BallotName": text(&format!("{} {}", c.first_name, c.last_name)),
            "PersonId": format!("person-{}", c.code),
            "PreElectionStatus": "qualified",
            "ExternalIdentifier": local_id(&c.code),
        }));
    }
    let contests: Vec<Value> = councils
        .iter()
        .map(|council| {
            let selections: Vec<Value> = candidates
                .iter()
                .filter(|c| c.council == council.code)
                .enumerate()
                .map(|(i, c)| {
                    json!({
                        "@type": "ElectionResults.CandidateSelection",
                        "@id": format!("selection-{}", c.code),
                        "CandidateIds": [format!("candidate-{}", c.code)],
                        "SequenceOrder": i + 1,
                    })
                })
                .collect();
            json!({
                "@type": "ElectionResults.CandidateContest",
                "@id": format!("contest-{}", council.code),
                "Name": crate::election::council_title(council.kind, &council.name),
                "ElectionDistrictId": format!("gpu-council-{}", council.code),
                "VotesAllowed": council.main_seats,
                "NumberElected": council.main_seats,
                "ExternalIdentifier": local_id(&council.code),
                "ContestSelection": selections,
            })
        })
        .collect();
    json!({
        "@type": "ElectionResults.ElectionReport",
        "Format": "summary-contest",
        "GeneratedDate": date_time(generated),
        "Issuer": issuer.name,
        "IssuerAbbreviation": issuer.abbreviation,
        "VendorApplicationId": issuer.application,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "pre-election",
        "GpUnit": units,
        "Person": people,
        "Election": [{
            "@type": "ElectionResults.Election",
            "Name": text(&election.name),
            "Type": "general",
            "StartDate": date(election.election_day),
            "EndDate": date(election.election_day),
            "ElectionScopeId": "gpu-province",
            "ExternalIdentifier": local_id(&election.code),
            "Candidate": listed,
            "Contest": contests,
        }],
    })
}

/// The results as an `ElectionResults.ElectionReport`: the candidate structure of
/// [`candidates_report`] with, per contest, its count status, the stations reported of its
/// stations, the unused choices (`Undervotes`: ballots × seats − votes) and each selection's
/// votes; each candidate's post-election status once known (members `projected-winner` while
/// unofficial, `winner` once certified, the rest `defeated` once certified); the report's
/// `Status` (`unofficial-partial` until every council reported, then `unofficial-complete`, then
/// `certified` once every council is) and `IsTest`.
#[allow(clippy::too_many_arguments)]
pub fn results_report(
    issuer: &Issuer<'_>,
    election: &Election,
    counties: &[County],
    councils: &[Council],
    candidates: &[Candidate],
    results: &crate::results::published::PublishedResults,
    generated: OffsetDateTime,
    is_test: bool,
) -> Value {
    use crate::results::seats::Outcome;
    use crate::results::status::{ResultStatus, StationStanding};
    let mut report = candidates_report(issuer, election, counties, councils, candidates, generated);
    let by_council: std::collections::HashMap<&str, &crate::results::published::PublishedCouncil> =
        results
            .councils
            .iter()
            .map(|c| (c.council.as_str(), c))
            .collect();
    let lowest = councils
        .iter()
        .map(|c| {
            by_council
                .get(c.code.as_str())
                .map_or(ResultStatus::UnofficialPartial, |r| r.status)
        })
        .min()
        .unwrap_or(ResultStatus::UnofficialPartial);
    report["Status"] = json!(match lowest {
        ResultStatus::UnofficialPartial => "unofficial-partial",
        ResultStatus::UnofficialComplete | ResultStatus::Approved => "unofficial-complete",
        ResultStatus::Confirmed | ResultStatus::Published => "certified",
    });
    report["IsTest"] = json!(is_test);
    let mut outcomes: std::collections::HashMap<String, &'static str> =
        std::collections::HashMap::new();
    if let Some(contests) = report["Election"][0]["Contest"].as_array_mut() {
        for contest in contests {
            let code = contest["ExternalIdentifier"][0]["Value"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let Some(result) = by_council.get(code.as_str()) else {
                continue;
            };
            let reported = result
                .stations
                .iter()
                .filter(|s| s.standing == StationStanding::Reported)
                .count();
            let district = format!("gpu-council-{code}");
            contest["CountStatus"] = json!([{
                "@type": "ElectionResults.CountStatus",
                "Status": if result.status >= ResultStatus::UnofficialComplete { "completed" } else if reported > 0 { "in-process" } else { "not-processed" },
                "Type": "total",
            }]);
            contest["SubUnitsReported"] = json!(reported);
            contest["TotalSubUnits"] = json!(result.stations.len());
            let votes: u64 = result.candidates.iter().map(|c| c.votes).sum();
            contest["OtherCounts"] = json!([{
                "@type": "ElectionResults.OtherCounts",
                "GpUnitId": district,
                "Undervotes": result.ballots_cast.saturating_mul(u64::from(result.main_seats)).saturating_sub(votes),
            }]);
            if let Some(selections) = contest["ContestSelection"].as_array_mut() {
                for selection in selections {
                    let candidate = selection["@id"]
                        .as_str()
                        .and_then(|id| id.strip_prefix("selection-"))
                        .unwrap_or_default()
                        .to_owned();
                    let Some(counted) = result.candidates.iter().find(|c| c.code == candidate)
                    else {
                        continue;
                    };
                    selection["VoteCounts"] = json!([{
                        "@type": "ElectionResults.VoteCounts",
                        "Count": counted.votes,
                        "GpUnitId": district,
                        "Type": "total",
                    }]);
                    let certified = result.status.is_certified();
                    let status = match (counted.outcome, certified) {
                        (Outcome::Member, true) => Some("winner"),
                        (Outcome::Member, false) => Some("projected-winner"),
                        (Outcome::None, true) => Some("defeated"),
                        _ => None,
                    };
                    if let Some(status) = status {
                        outcomes.insert(format!("candidate-{candidate}"), status);
                    }
                }
            }
        }
    }
    if let Some(listed) = report["Election"][0]["Candidate"].as_array_mut() {
        for candidate in listed {
            if let Some(status) = candidate["@id"].as_str().and_then(|id| outcomes.get(id)) {
                candidate["PostElectionStatus"] = json!(status);
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{kerman, DemoOptions};

    const SCHEMA: &str = include_str!("../../../standards/NIST_V2_election_results_reporting.json");
    const NIST_EXAMPLE: &str = include_str!("../../../standards/err-gen-01.json");

    fn validator() -> jsonschema::Validator {
        let schema: Value = serde_json::from_str(SCHEMA).unwrap();
        jsonschema::draft4::new(&schema).unwrap()
    }

    #[test]
    fn the_validator_accepts_nists_own_example_and_catches_a_broken_one() {
        let v = validator();
        let example: Value = serde_json::from_str(NIST_EXAMPLE).unwrap();
        assert!(v.is_valid(&example));
        let mut broken = example;
        broken["Status"] = json!("final-ish");
        assert!(!v.is_valid(&broken));
    }

    #[test]
    fn the_demo_candidates_export_validates_and_adds_up() {
        let d = kerman(DemoOptions { seed: 7, people: 0 }).unwrap();
        let issuer = Issuer {
            name: "ستاد انتخابات استان کرمان",
            abbreviation: "KRM",
            application: "sandoq test",
        };
        let generated = time::macros::datetime!(2026-04-20 10:15:30.5 UTC);
        let report = candidates_report(
            &issuer,
            &d.election,
            &d.counties,
            &d.councils,
            &d.candidates,
            generated,
        );
        let v = validator();
        let errors: Vec<String> = v
            .iter_errors(&report)
            .take(5)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(report["GeneratedDate"], "2026-04-20T10:15:30Z");
        let election = &report["Election"][0];
        assert_eq!(election["StartDate"], "2026-05-01");
        let contests = election["Contest"].as_array().unwrap();
        assert_eq!(contests.len(), d.councils.len());
        let selections: usize = contests
            .iter()
            .map(|c| c["ContestSelection"].as_array().unwrap().len())
            .sum();
        assert_eq!(selections, d.candidates.len());
        assert_eq!(
            election["Candidate"].as_array().unwrap().len(),
            d.candidates.len()
        );
        assert_eq!(
            report["Person"].as_array().unwrap().len(),
            d.candidates.len()
        );
        // Every reference points at something in the report.
        let ids: std::collections::HashSet<&str> = report["GpUnit"]
            .as_array()
            .unwrap()
            .iter()
            .chain(report["Person"].as_array().unwrap())
            .chain(election["Candidate"].as_array().unwrap())
            .map(|x| x["@id"].as_str().unwrap())
            .collect();
        for contest in contests {
            assert!(ids.contains(contest["ElectionDistrictId"].as_str().unwrap()));
            let council = d
                .councils
                .iter()
                .find(|c| format!("contest-{}", c.code) == contest["@id"].as_str().unwrap())
                .unwrap();
            assert_eq!(contest["VotesAllowed"], council.main_seats);
            for s in contest["ContestSelection"].as_array().unwrap() {
                assert!(ids.contains(s["CandidateIds"][0].as_str().unwrap()));
            }
        }
        // The results export: the same structure with the counts, still valid.
        let mut results = crate::results::published::PublishedResults {
            election: d.election.code.clone(),
            councils: Vec::new(),
        };
        let first = &d.councils[0];
        let on_list: Vec<&Candidate> = d
            .candidates
            .iter()
            .filter(|c| c.council == first.code)
            .collect();
        results
            .councils
            .push(crate::results::published::PublishedCouncil {
                council: first.code.clone(),
                name: first.name.clone(),
                county: first.county_code.clone(),
                main_seats: first.main_seats,
                alternate_seats: first.alternate_seats,
                status: crate::results::status::ResultStatus::Confirmed,
                ballots_cast: 40,
                candidates: on_list
                    .iter()
                    .enumerate()
                    .map(|(i, c)| crate::results::published::PublishedCandidate {
                        code: c.code.clone(),
                        name: String::new(),
                        votes: 10 + i as u64,
                        rank: 1,
                        outcome: if i == 0 {
                            crate::results::seats::Outcome::Member
                        } else {
                            crate::results::seats::Outcome::None
                        },
                        veteran_family: false,
                        education: None,
                    })
                    .collect(),
                ties: Vec::new(),
                stations: Vec::new(),
                lottery: None,
                certified_digest: None,
            });
        let with_counts = results_report(
            &issuer,
            &d.election,
            &d.counties,
            &d.councils,
            &d.candidates,
            &results,
            generated,
            true,
        );
        let errors: Vec<String> = v
            .iter_errors(&with_counts)
            .take(5)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(with_counts["IsTest"], true);
        assert_eq!(
            with_counts["Status"], "unofficial-partial",
            "one council of many reported"
        );
        let contest = with_counts["Election"][0]["Contest"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["@id"] == format!("contest-{}", first.code))
            .unwrap();
        let counted: Vec<u64> = contest["ContestSelection"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["VoteCounts"][0]["Count"].as_u64().unwrap())
            .collect();
        assert_eq!(counted.len(), on_list.len());
        assert_eq!(
            counted.iter().sum::<u64>(),
            (0..on_list.len() as u64).map(|i| 10 + i).sum::<u64>()
        );
        let winner = with_counts["Election"][0]["Candidate"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["@id"] == format!("candidate-{}", on_list[0].code))
            .unwrap();
        assert_eq!(winner["PostElectionStatus"], "winner");
        // Every council certified: the report is.
        let only_first = results_report(
            &issuer,
            &d.election,
            &d.counties,
            std::slice::from_ref(first),
            &d.candidates,
            &results,
            generated,
            false,
        );
        assert_eq!(only_first["Status"], "certified");
        assert!(v.is_valid(&only_first));

        // A broken export is caught: a contest without its votes allowed.
        let mut broken = report.clone();
        broken["Election"][0]["Contest"][0]
            .as_object_mut()
            .unwrap()
            .remove("VotesAllowed");
        assert!(!v.is_valid(&broken));
    }
}
