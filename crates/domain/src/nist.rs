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
        // A broken export is caught: a contest without its votes allowed.
        let mut broken = report.clone();
        broken["Election"][0]["Contest"][0]
            .as_object_mut()
            .unwrap()
            .remove("VotesAllowed");
        assert!(!v.is_valid(&broken));
    }
}
