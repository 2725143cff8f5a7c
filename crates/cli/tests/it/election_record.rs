//! `sandoq verify --from DIR` on a record written as an election publishes it: an honest record
//! passes; a changed ciphertext, a forged proof, a changed count, a dropped ballot, a missing
//! station and a damaged file each fail with exit code 2 and are named.

use super::{sandoq, Run};
use ballot_crypto::ballot::BallotStyle;
use ballot_crypto::record::{StationRecord, MANIFEST_FILE, STATIONS_DIR};
use ballot_crypto::sample::{self, Sample, SampleSpec};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::Path;

fn honest_sample() -> Sample {
    let spec = SampleSpec {
        style: BallotStyle {
            election: "1404-shura".into(),
            council: "C-0001".into(),
            seats: 3,
            candidates: (1..=7).map(|n| format!("{}", 2000 + n)).collect(),
        },
        stations: vec!["11-0001".into(), "11-0002".into(), "12-0001".into()],
        kiosks_per_station: 2,
        ballots_per_kiosk: 5,
        challenge_every: Some(4),
        guardians: 5,
        threshold: 3,
    };
    sample::build(&spec, &mut StdRng::seed_from_u64(17)).unwrap()
}

fn write(dir: &Path, sample: &Sample, stations: &[StationRecord]) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join(STATIONS_DIR)).unwrap();
    std::fs::write(
        dir.join(MANIFEST_FILE),
        serde_json::to_vec_pretty(&sample.manifest).unwrap(),
    )
    .unwrap();
    for station in stations {
        std::fs::write(
            dir.join(STATIONS_DIR)
                .join(format!("{}.json", station.station)),
            serde_json::to_vec(station).unwrap(),
        )
        .unwrap();
    }
}

fn verify_record(dir: &Path) -> Run {
    let cwd = dir.parent().unwrap();
    sandoq(
        cwd,
        "sqlite:unused.db",
        &["verify", "--from", dir.to_str().unwrap()],
        "",
    )
}

fn assert_wrong(run: &Run, expected: &str) {
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stdout.contains(expected),
        "expected {expected:?} in {run:#?}"
    );
}

#[test]
fn verify_passes_an_honest_record_and_names_each_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("record");
    let sample = honest_sample();

    write(&dir, &sample, &sample.stations);
    let run = verify_record(&dir);
    assert!(run.success(), "{run:#?}");
    assert!(
        run.stdout
            .contains("3 stations, 24 ballots, 6 challenged ballots, 9 decryption shares"),
        "{run:#?}"
    );

    // One changed ciphertext: a vote added to a candidate on a cast ballot.
    let mut stations = sample.stations.clone();
    let ballot = &mut stations[1].ballots[2].ballot;
    ballot.choices[0] = ballot.choices[0] + ballot.choices[1];
    write(&dir, &sample, &stations);
    assert_wrong(&verify_record(&dir), "station 11-0002: ballot");

    // One forged proof: a valid proof taken from another ballot.
    let mut stations = sample.stations.clone();
    let proof = stations[0].ballots[0].ballot.marks_proof.clone();
    stations[0].ballots[1].ballot.marks_proof = proof;
    write(&dir, &sample, &stations);
    assert_wrong(
        &verify_record(&dir),
        "at most the council's seats are marked does not verify",
    );

    // One changed count.
    let mut stations = sample.stations.clone();
    stations[2].tallies[0].counts.as_mut().unwrap().votes[3] += 1;
    write(&dir, &sample, &stations);
    assert_wrong(
        &verify_record(&dir),
        "station 12-0001: candidate 2004's count",
    );

    // One dropped ballot.
    let mut stations = sample.stations.clone();
    stations[0].ballots.remove(3);
    write(&dir, &sample, &stations);
    let run = verify_record(&dir);
    assert_wrong(
        &run,
        "station 11-0001: council C-0001: the encrypted tally is not the sum",
    );
    assert!(run.stdout.contains("the chain"), "{run:#?}");

    // A station's record left out, and a damaged file.
    write(&dir, &sample, &sample.stations[..2]);
    assert_wrong(
        &verify_record(&dir),
        "station 12-0001 is listed but its record is missing",
    );
    write(&dir, &sample, &sample.stations);
    std::fs::write(
        dir.join(STATIONS_DIR).join("11-0002.json"),
        b"{\"not\": \"a record\"}",
    )
    .unwrap();
    assert_wrong(&verify_record(&dir), "11-0002.json is not a record file");
}

/// The demo's record, as `sandoq record export` writes it before any vote: the key ceremony, the
/// styles and every station with an empty box; `sandoq verify` passes it, and names a
/// station's file taken out.
#[test]
fn the_demos_record_exports_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = super::sqlite_url(dir, "record.db");
    super::small_demo(dir, &url);
    let out = dir.join("record");
    let export = sandoq(
        dir,
        &url,
        &["record", "export", "--to", out.to_str().unwrap()],
        "",
    );
    assert!(export.success(), "{export:#?}");
    assert!(export.stdout.contains(" 0 ballots"), "{export:#?}");
    let run = verify_record(&out);
    assert!(run.success(), "{run:#?}");
    assert!(run.stdout.contains("0 ballots"), "{run:#?}");
    let again = sandoq(
        dir,
        &url,
        &["record", "export", "--to", out.to_str().unwrap()],
        "",
    );
    assert!(!again.success(), "{again:#?}");
    let first = std::fs::read_dir(out.join(STATIONS_DIR))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let station = first.file_stem().unwrap().to_string_lossy().into_owned();
    std::fs::remove_file(&first).unwrap();
    assert_wrong(
        &verify_record(&out),
        &format!("station {station} is listed but its record is missing"),
    );
}
