//! `sandoq tally --from DIR`: the independent recount (issue 18 §7). From the published election
//! record and results alone — no database, no trust in the server that wrote them — it verifies
//! the record whole (every ballot's proofs, every tally's sum, every decryption and count), then
//! recomputes every council's result from the record's decrypted counts by the same rules the
//! server follows (`domain::results::council`): each station's standing, the votes, the ranks,
//! members and alternates, the ties and the lottery. Exits 0 when the published results are
//! reproduced exactly, or 2 naming every difference.

use crate::verify_record::{self, Verified, WRONG};
use ballot_crypto::record::StationRecord;
use clap::Args;
use domain::results::council::{self as council_rules, Paper, StationInput, StationTally};
use domain::results::count_checks::Voters;
use domain::results::minutes::Minutes;
use domain::results::paper::{PublishedHandCounts, PublishedPaperStation, HAND_COUNTS_FILE};
use domain::results::published::{PublishedCouncil, PublishedResults, RESULTS_FILE};
use domain::results::published_minutes::{self, PublishedMinutes, MINUTES_FILE};
use domain::results::status::StationStanding;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct TallyArgs {
    /// The directory of the published record and results (`sandoq record export --to DIR`).
    #[arg(long = "from", value_name = "DIR")]
    pub from: PathBuf,
    /// Threads verifying the record (the machine's cores by default).
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn run(args: &TallyArgs) -> anyhow::Result<ExitCode> {
    let began = Instant::now();
    let Some(Verified {
        manifest,
        stations,
        findings,
        ..
    }) = verify_record::verified(&args.from, args.threads)?
    else {
        return Ok(ExitCode::from(WRONG));
    };
    if !findings.is_empty() {
        verify_record::print_findings(&manifest, &findings);
        return Ok(ExitCode::from(WRONG));
    }
    let results = match verify_record::read::<PublishedResults>(&args.from.join(RESULTS_FILE)) {
        Ok(results) => results,
        Err(error) => {
            println!("the published results: {error:#}");
            return Ok(ExitCode::from(WRONG));
        }
    };
    let hand_counts =
        match verify_record::read::<PublishedHandCounts>(&args.from.join(HAND_COUNTS_FILE)) {
            Ok(hand_counts) => hand_counts,
            Err(error) => {
                println!("the published hand counts: {error:#}");
                return Ok(ExitCode::from(WRONG));
            }
        };
    let minutes = match verify_record::read::<PublishedMinutes>(&args.from.join(MINUTES_FILE)) {
        Ok(minutes) => minutes,
        Err(error) => {
            println!("the published minutes: {error:#}");
            return Ok(ExitCode::from(WRONG));
        }
    };
    let mut differences = Vec::new();
    if minutes.election != manifest.election {
        differences.push(format!(
            "the minutes are of election {}, the record of {}",
            minutes.election, manifest.election
        ));
    }
    // Every signature verified against its official's published key; which stations' current
    // minutes are fully signed follows from the marks, not from the results' word.
    let checked = published_minutes::check(&minutes);
    differences.extend(checked.faults.iter().cloned());
    if results.election != manifest.election {
        differences.push(format!(
            "the results are of election {}, the record of {}",
            results.election, manifest.election
        ));
    }
    if hand_counts.election != manifest.election {
        differences.push(format!(
            "the hand counts are of election {}, the record of {}",
            hand_counts.election, manifest.election
        ));
    }
    let paper: HashMap<&str, &PublishedPaperStation> = hand_counts
        .stations
        .iter()
        .map(|p| (p.station.as_str(), p))
        .collect();
    let records: HashMap<&str, &StationRecord> =
        stations.iter().map(|s| (s.station.as_str(), s)).collect();
    let styles: HashMap<&str, &[String]> = manifest
        .styles
        .iter()
        .map(|s| (s.council.as_str(), s.candidates.as_slice()))
        .collect();
    let mut seen = BTreeSet::new();
    for council in &results.councils {
        if !seen.insert(council.council.as_str()) {
            differences.push(format!("council {} is published twice", council.council));
            continue;
        }
        differences.extend(against_ballot(council, &manifest));
        let inputs = inputs(
            council,
            (&records, &paper),
            &styles,
            &checked,
            &mut differences,
        );
        differences.extend(council.recount(&inputs));
    }
    // Every council with a ballot has a result.
    for style in &manifest.styles {
        if !seen.contains(style.council.as_str()) {
            differences.push(format!(
                "council {} has a ballot in the record but no published result",
                style.council
            ));
        }
    }
    // Every ballot of the record is in its council's published result: a station left off a
    // council's list would hide its votes.
    for record in &stations {
        let councils: BTreeSet<&str> = record.ballots.iter().map(|b| b.council.as_str()).collect();
        for council in councils {
            let listed = results
                .councils
                .iter()
                .find(|c| c.council == council)
                .is_some_and(|c| c.stations.iter().any(|s| s.station == record.station));
            if !listed {
                differences.push(format!(
                    "council {council}: station {} has ballots for it in the record but is not in its published result",
                    record.station
                ));
            }
        }
    }
    let secs = began.elapsed().as_secs_f64();
    if differences.is_empty() {
        let members: usize = results
            .councils
            .iter()
            .flat_map(|c| &c.candidates)
            .filter(|c| c.outcome == domain::results::seats::Outcome::Member)
            .count();
        println!(
            "results reproduced: election {}, {} councils, {} members, from {} stations of the verified record ({secs:.1} s)",
            results.election,
            results.councils.len(),
            members,
            stations.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "the published results of {} differ from the record in {} ways",
            results.election,
            differences.len()
        );
        for difference in &differences {
            println!("{difference}");
        }
        Ok(ExitCode::from(WRONG))
    }
}

/// What the record's ballot style fixes of a council, against its published result: the seats
/// (choices per ballot) and the candidates, each once (a candidate dropped would drop their
/// votes; one added could take a seat); and each station listed once (listed twice, its votes
/// would count twice).
fn against_ballot(
    council: &PublishedCouncil,
    manifest: &ballot_crypto::record::Manifest,
) -> Vec<String> {
    let mut differences = Vec::new();
    let Some(style) = manifest
        .styles
        .iter()
        .find(|s| s.council == council.council)
    else {
        differences.push(format!(
            "council {}: published, but no ballot of the record is its",
            council.council
        ));
        return differences;
    };
    if style.seats != council.main_seats {
        differences.push(format!(
            "council {}: {} seats published, its ballot has {} choices",
            council.council, council.main_seats, style.seats
        ));
    }
    let mut published = BTreeSet::new();
    for candidate in &council.candidates {
        if !published.insert(candidate.code.as_str()) {
            differences.push(format!(
                "council {}: candidate {} is published twice",
                council.council, candidate.code
            ));
        }
    }
    let on_ballot: BTreeSet<&str> = style.candidates.iter().map(String::as_str).collect();
    for missing in on_ballot.difference(&published) {
        differences.push(format!(
            "council {}: candidate {missing} is on the ballot but not in the published result",
            council.council
        ));
    }
    for extra in published.difference(&on_ballot) {
        differences.push(format!(
            "council {}: candidate {extra} is published but not on the ballot",
            council.council
        ));
    }
    let mut stations = BTreeSet::new();
    for station in &council.stations {
        if !stations.insert(station.station.as_str()) {
            differences.push(format!(
                "council {}: station {} is published twice",
                council.council, station.station
            ));
        }
    }
    differences
}

/// What each published station of a council brought, by the record: its ballots, and its
/// decrypted counts for the council (the voters are the results' own, the record has none).
fn inputs(
    council: &PublishedCouncil,
    (records, paper): (
        &HashMap<&str, &StationRecord>,
        &HashMap<&str, &PublishedPaperStation>,
    ),
    styles: &HashMap<&str, &[String]>,
    minutes: &published_minutes::Checked,
    differences: &mut Vec<String>,
) -> Vec<StationInput> {
    council
        .stations
        .iter()
        .map(|published| {
            let voters: Voters = published.voters.map(Into::into).unwrap_or_default();
            let Some(record) = records.get(published.station.as_str()) else {
                if published.standing != StationStanding::NotClosed {
                    differences.push(format!(
                        "council {}: station {} is published as {} but has no record",
                        council.council,
                        published.station,
                        published.standing.as_str()
                    ));
                }
                return StationInput {
                    signed: false,
                    annulled: published.annulled.is_some(),
                    station: published.station.clone(),
                    closed: false,
                    voters,
                    ballots: 0,
                    tally: None,
                    paper: Paper::Electronic,
                };
            };
            let ballots = record
                .ballots
                .iter()
                .filter(|b| b.council == council.council)
                .count() as u64;
            let decrypted = record
                .tallies
                .iter()
                .find(|t| t.council == council.council)
                .and_then(|t| t.counts.as_ref());
            let votes = decrypted.map(|counts| {
                styles
                    .get(council.council.as_str())
                    .copied()
                    .unwrap_or_default()
                    .iter()
                    .cloned()
                    .zip(counts.votes.iter().copied())
                    .collect()
            });
            let by_hand = paper.get(published.station.as_str());
            let station_paper = by_hand.map_or(Paper::Electronic, |p| p.paper(&council.council));
            let tally = (ballots > 0).then_some(StationTally { ballots, votes });
            let signed = match minutes.current.get(published.station.as_str()) {
                None => false,
                Some((current, signed)) => {
                    // The minutes hold the devices' count and the accepted hand count together.
                    let whole = council_rules::station_count(tally.as_ref(), &station_paper);
                    differences.extend(minutes_against_record(
                        &council.council,
                        current,
                        voters,
                        whole.as_ref().map_or(ballots, |(n, _)| *n),
                        whole.as_ref().map(|(_, votes)| votes.as_ref()),
                    ));
                    *signed
                }
            };
            StationInput {
                signed,
                // An annulment is a published decision with its reason: the recount follows it.
                annulled: published.annulled.is_some(),
                station: published.station.clone(),
                // A station with counts in the record is closed, whatever is published.
                closed: published.standing != StationStanding::NotClosed || decrypted.is_some(),
                voters,
                ballots: (record.ballots.len() as u64)
                    .saturating_add(by_hand.map_or(0, |p| p.ballots())),
                tally,
                paper: station_paper,
            }
        })
        .collect()
}

/// What a station's current minutes say of a council and its voters, against the record's
/// count: signed minutes that say other than the decrypted count are named.
fn minutes_against_record(
    council: &str,
    minutes: &Minutes,
    voters: Voters,
    ballots: u64,
    votes: Option<&[(String, u64)]>,
) -> Vec<String> {
    let mut differences = Vec::new();
    let place = format!(
        "station {} minutes version {}",
        minutes.station, minutes.version
    );
    if minutes.voters() != voters {
        differences.push(format!(
            "{place}: {} check-ins and {} walkouts, the results {} and {}",
            minutes.check_ins, minutes.walkouts, voters.check_ins, voters.walkouts
        ));
    }
    let Some(votes) = votes else {
        return differences;
    };
    match minutes.council(council) {
        None if ballots > 0 => differences.push(format!(
            "{place}: no count for council {council}, which has {ballots} ballots in the record"
        )),
        None => {}
        Some(counted) => {
            if counted.ballots != ballots {
                differences.push(format!(
                    "{place}: council {council} {} ballots, the record {ballots}",
                    counted.ballots
                ));
            }
            let mut recorded: Vec<(&str, u64)> =
                votes.iter().map(|(code, n)| (code.as_str(), *n)).collect();
            recorded.sort_unstable();
            let said: Vec<(&str, u64)> = counted
                .votes
                .iter()
                .map(|v| (v.candidate.as_str(), v.votes))
                .collect();
            if said != recorded {
                differences.push(format!(
                    "{place}: council {council}'s votes are not the record's decrypted count"
                ));
            }
        }
    }
    differences
}
