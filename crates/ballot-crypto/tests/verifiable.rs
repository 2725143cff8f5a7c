//! The end-to-end properties issue 17 asks for, on the crate alone: ballots that prove their
//! form, openings that show what was encrypted, a threshold that holds, and a verifier that
//! catches a changed ciphertext, a forged proof, a changed count and a dropped ballot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use ballot_crypto::ballot::{self, BallotStyle};
use ballot_crypto::ceremony::{self, CeremonyRecord, Guardian};
use ballot_crypto::record::{self, CastBallot};
use ballot_crypto::sample::{self, Sample, SampleSpec};
use ballot_crypto::tally::{self, CountTable, EncryptedTally};
use ballot_crypto::{CryptoError, ElectionKey, ShareFile, TrackingCode};
use elastic_elgamal::group::Ristretto;
use elastic_elgamal::SecretKey;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::SeedableRng;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn style(candidates: usize, seats: u32) -> BallotStyle {
    BallotStyle {
        election: "1404-shura".into(),
        council: "C-0001".into(),
        seats,
        candidates: (1..=candidates)
            .map(|n| format!("{:04}", 1000 + n))
            .collect(),
    }
}

fn names(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("guardian {i}")).collect()
}

fn ceremony(n: usize, k: usize, seed: u64) -> (CeremonyRecord, ElectionKey, Vec<Guardian>) {
    let mut rng = rng(seed);
    let (mut record, shares) = ceremony::deal("1404-shura", &names(n), k, &mut rng).unwrap();
    let key = record.key().unwrap();
    let guardians: Vec<Guardian> = shares
        .into_iter()
        .enumerate()
        .map(|(index, share)| Guardian::new(&key, index, share).unwrap())
        .collect();
    for guardian in &guardians {
        record.confirm(guardian.confirmation(&mut rng)).unwrap();
    }
    (record, key, guardians)
}

#[test]
fn a_ballot_proves_its_form_and_is_bound_to_its_station_and_style() {
    let (_, key, _) = ceremony(3, 2, 1);
    let style = style(25, 11);
    let mut rng = rng(2);
    let choices = sample::random_choices(&mut rng, 25, 11);
    let (ballot, _) = ballot::encrypt(key.public(), &style, "S-01", &choices, &mut rng).unwrap();
    ballot::verify(key.public(), &style, "S-01", &ballot).unwrap();

    assert!(ballot::verify(key.public(), &style, "S-02", &ballot).is_err());
    let mut other_council = style.clone();
    other_council.council = "C-0002".into();
    assert!(ballot::verify(key.public(), &other_council, "S-01", &ballot).is_err());
    let mut fewer_seats = style.clone();
    fewer_seats.seats = 10;
    assert!(ballot::verify(key.public(), &fewer_seats, "S-01", &ballot).is_err());

    // More marks than seats cannot be encrypted ...
    let mut over = vec![true; 12];
    over.extend(vec![false; 13]);
    assert_eq!(
        ballot::encrypt(key.public(), &style, "S-01", &over, &mut rng).unwrap_err(),
        CryptoError::TooManyMarks {
            marked: 12,
            seats: 11
        }
    );
    // ... nor put together from two honest ballots: each proof is bound to its own ballot.
    let all: Vec<bool> = (0..25).map(|i| i < 11).collect();
    let (first, _) = ballot::encrypt(key.public(), &style, "S-01", &all, &mut rng).unwrap();
    let rest: Vec<bool> = (0..25).map(|i| (11..22).contains(&i)).collect();
    let (second, _) = ballot::encrypt(key.public(), &style, "S-01", &rest, &mut rng).unwrap();
    let mut spliced = first.clone();
    spliced.choices[11] = second.choices[11];
    spliced.choice_proofs[11] = second.choice_proofs[11].clone();
    assert!(ballot::verify(key.public(), &style, "S-01", &spliced).is_err());

    // A ciphertext of 2 (a double vote for one candidate) fails its 0-or-1 proof.
    let mut doubled = first.clone();
    doubled.choices[0] = doubled.choices[0] + doubled.choices[0];
    assert_eq!(
        ballot::verify(key.public(), &style, "S-01", &doubled).unwrap_err(),
        CryptoError::ChoiceProof { index: 0 }
    );
}

#[test]
fn a_challenged_ballot_opens_to_the_choices_shown_and_to_nothing_else() {
    let (_, key, _) = ceremony(3, 2, 3);
    let style = style(6, 3);
    let mut rng = rng(4);
    let shown = vec![true, false, false, true, false, false];
    let (ballot, opening) =
        ballot::encrypt(key.public(), &style, "S-01", &shown, &mut rng).unwrap();
    ballot::check_opening(key.public(), &style, &ballot, &opening).unwrap();
    assert_eq!(style.marked(&opening.choices), vec!["1001", "1004"]);

    // A kiosk that showed one thing and encrypted another is caught.
    let mut other = opening.clone();
    other.choices = vec![false, true, false, true, false, false];
    assert_eq!(
        ballot::check_opening(key.public(), &style, &ballot, &other).unwrap_err(),
        CryptoError::Opening { index: 0 }
    );
    let mut wrong_randomness = opening.clone();
    wrong_randomness.randomness.swap(2, 3);
    assert!(ballot::check_opening(key.public(), &style, &ballot, &wrong_randomness).is_err());
}

#[test]
fn fewer_than_k_shares_decrypt_nothing_k_give_the_counts_and_a_wrong_share_is_caught() {
    let (_, key, guardians) = ceremony(5, 3, 5);
    let style = style(6, 3);
    let mut rng = rng(6);
    let mut expected = vec![0_u64; 6];
    let mut ballots = Vec::new();
    for _ in 0..30 {
        let choices = sample::random_choices(&mut rng, 6, 3);
        for (count, &flag) in expected.iter_mut().zip(&choices) {
            *count += u64::from(flag);
        }
        ballots.push(
            ballot::encrypt(key.public(), &style, "S-01", &choices, &mut rng)
                .unwrap()
                .0,
        );
    }
    let tally = EncryptedTally::of(6, &ballots).unwrap();
    assert_eq!(tally.ballots, 30);
    let shares: Vec<_> = guardians
        .iter()
        .map(|g| g.decrypt(&tally, &mut rng))
        .collect();
    let table = CountTable::up_to(30);

    // Two of three needed: refused, and no combination of two shares is the count.
    assert_eq!(
        tally::decrypt_counts(&key, &tally, &shares[..2], &table).unwrap_err(),
        CryptoError::NotEnoughShares { have: 2, need: 3 }
    );
    let (_, two_of_five_key, _) = ceremony(5, 2, 7);
    assert!(tally::decrypt_counts(&two_of_five_key, &tally, &shares[..2], &table).is_err());

    // Any three give the counts.
    for picked in [[0, 1, 2], [0, 2, 4], [1, 3, 4], [2, 3, 4]] {
        let some: Vec<_> = picked.iter().map(|&i| shares[i].clone()).collect();
        assert_eq!(
            tally::decrypt_counts(&key, &tally, &some, &table).unwrap(),
            expected
        );
        tally::check_counts(&key, &tally, &some, &expected).unwrap();
    }
    let mut off_by_one = expected.clone();
    off_by_one[2] += 1;
    assert_eq!(
        tally::check_counts(&key, &tally, &shares[..3], &off_by_one).unwrap_err(),
        CryptoError::CountMismatch { index: 2 }
    );

    // A share passed off as another guardian's, or made for another tally, fails its proof.
    let mut impostor = shares[3].clone();
    impostor.guardian = 1;
    assert_eq!(
        tally::verify_share(&key, &tally, &impostor).unwrap_err(),
        CryptoError::ShareProof {
            guardian: 1,
            index: 0
        }
    );
    let other_tally = EncryptedTally::of(6, &ballots[1..]).unwrap();
    let stale = guardians[0].decrypt(&other_tally, &mut rng);
    let err = tally::decrypt_counts(
        &key,
        &tally,
        &[stale, shares[1].clone(), shares[2].clone()],
        &table,
    )
    .unwrap_err();
    assert!(matches!(err, CryptoError::ShareProof { guardian: 0, .. }));
    assert_eq!(
        tally::combine(&key, &tally, &[shares[0].clone(), shares[0].clone()]).unwrap_err(),
        CryptoError::RepeatedGuardian(0)
    );
}

#[test]
fn a_server_held_test_key_counts_its_tallies_alone_and_only_with_its_own_share() {
    let mut rng = rng(41);
    let (record, share) = ceremony::deal_server_held("1404-shura", &mut rng).unwrap();
    let key = record.key().unwrap();
    assert_eq!((key.threshold(), key.guardians()), (1, 1));
    let holder = Guardian::server_held(&key, &share).unwrap();
    let style = style(5, 2);
    let deck = [
        vec![true, false, false, false, true],
        vec![false, true, false, false, true],
        vec![false; 5],
    ];
    let ballots: Vec<_> = deck
        .iter()
        .map(|flags| {
            let (sealed, _) =
                ballot::encrypt(key.public(), &style, "S-01", flags, &mut rng).unwrap();
            sealed
        })
        .collect();
    let tally = EncryptedTally::of(5, &ballots).unwrap();
    let decryption = holder.decrypt(&tally, &mut rng);
    let counts = tally::decrypt_counts(&key, &tally, &[decryption], &CountTable::up_to(3)).unwrap();
    assert_eq!(counts, vec![1, 1, 0, 0, 2]);
    // Another key's share is not this key's holder.
    let (_, other_share) = ceremony::deal_server_held("1404-shura", &mut rng).unwrap();
    assert!(Guardian::server_held(&key, &other_share).is_err());
    assert!(Guardian::server_held(&key, "not a share").is_err());
}

#[test]
fn the_ceremony_record_checks_its_commitments_and_every_guardians_confirmation() {
    let (record, key, guardians) = ceremony(5, 3, 8);
    assert_eq!(record.confirmed(&key).unwrap(), vec![0, 1, 2, 3, 4]);
    assert_eq!(key.threshold(), 3);

    let (other, _, other_guardians) = ceremony(5, 3, 9);
    let mut swapped = record.clone();
    swapped.commitments[1] = other.commitments[1].clone();
    assert!(swapped.key().is_err());
    let mut wrong_key = record.clone();
    wrong_key.public_key = other.public_key.clone();
    assert!(wrong_key.key().is_err());

    // A confirmation from another ceremony's guardian does not verify here.
    let mut rng = rng(10);
    let mut record = record;
    assert_eq!(
        record
            .confirm(other_guardians[2].confirmation(&mut rng))
            .unwrap_err(),
        CryptoError::ShareNotForKey(2)
    );
    // Nor does a share dealt for another key open a guardian here.
    let foreign: SecretKey<Ristretto> = SecretKey::generate(&mut rng);
    assert!(Guardian::new(&key, 0, foreign).is_err());
    assert_eq!(guardians[4].index(), 4);
}

#[test]
fn a_share_file_opens_only_with_its_passphrase_and_as_itself() {
    let mut rng = rng(11);
    let (record, shares) = ceremony::deal("1404-shura", &names(3), 2, &mut rng).unwrap();
    let key = record.key().unwrap();
    let file = ShareFile::seal(
        "1404-shura",
        1,
        "guardian 2",
        &key,
        &shares[1],
        "a long enough passphrase",
        &mut rng,
    )
    .unwrap();
    let text = serde_json::to_string(&file).unwrap();
    assert!(!text.contains(&hex::encode(shares[1].expose_scalar().as_bytes())));
    let opened = file.open("a long enough passphrase").unwrap();
    Guardian::new(&key, 1, opened).unwrap();

    assert_eq!(
        file.open("a wrong passphrase, long").unwrap_err(),
        CryptoError::ShareFileLocked
    );
    let mut relabelled = file.clone();
    relabelled.guardian = 0;
    assert_eq!(
        relabelled.open("a long enough passphrase").unwrap_err(),
        CryptoError::ShareFileLocked
    );
    assert_eq!(
        ShareFile::seal("1404-shura", 0, "g", &key, &shares[0], "short", &mut rng).unwrap_err(),
        CryptoError::WeakPassphrase(12)
    );
}

#[test]
fn tracking_codes_chain_per_kiosk_and_read_back_from_their_short_form() {
    let (_, key, _) = ceremony(3, 2, 12);
    let style = style(4, 2);
    let mut rng = rng(13);
    let start = TrackingCode::start("1404-shura", "S-01", "K-1");
    assert_ne!(start, TrackingCode::start("1404-shura", "S-01", "K-2"));
    let (ballot, _) = ballot::encrypt(
        key.public(),
        &style,
        "S-01",
        &[true, false, false, false],
        &mut rng,
    )
    .unwrap();
    let code = start.next(&ballot).unwrap();
    assert_eq!(code, start.next(&ballot).unwrap());
    let mut changed = ballot.clone();
    changed.choices.swap(0, 1);
    assert_ne!(code, start.next(&changed).unwrap());

    let short = code.short();
    assert_eq!(short.len(), 24);
    let typed = short.to_lowercase().replace('-', " ");
    assert_eq!(
        TrackingCode::normalise_short(&typed).unwrap(),
        short.replace('-', "")
    );
    assert_eq!(TrackingCode::normalise_short("not a code"), None);
    let text = serde_json::to_string(&code).unwrap();
    assert_eq!(serde_json::from_str::<TrackingCode>(&text).unwrap(), code);
}

/// An honest record: two stations, two kiosks each, every third ballot challenged, 3 of 5
/// guardians' shares, and the counts.
fn build_record(seed: u64) -> Sample {
    let spec = SampleSpec {
        style: style(6, 3),
        stations: vec!["S-01".into(), "S-02".into()],
        kiosks_per_station: 2,
        ballots_per_kiosk: 6,
        challenge_every: Some(3),
        guardians: 5,
        threshold: 3,
    };
    sample::build(&spec, &mut rng(seed)).unwrap()
}

fn findings(built: &Sample) -> Vec<String> {
    let (findings, _) = record::verify(&built.manifest, &built.stations, 2);
    findings.iter().map(ToString::to_string).collect()
}

#[test]
fn the_verifier_passes_an_honest_record_and_names_every_tampering() {
    let honest = build_record(20);
    let (clean, checked) = record::verify(&honest.manifest, &honest.stations, 2);
    assert!(clean.is_empty(), "{clean:?}");
    assert_eq!(checked.stations, 2);
    assert_eq!(checked.ballots, 16);
    assert_eq!(checked.challenged, 8);
    assert_eq!(checked.decryption_shares, 6);

    // One changed ciphertext.
    let mut changed = build_record(20);
    let ballot = &mut changed.stations[0].ballots[3].ballot;
    ballot.choices[1] = ballot.choices[1] + ballot.choices[2];
    let found = findings(&changed);
    assert!(
        found
            .iter()
            .any(|f| f.contains("station S-01: ballot") && f.contains("0 or 1")),
        "{found:?}"
    );
    assert!(found.iter().any(|f| f.contains("not the sum")), "{found:?}");

    // One forged proof: an honest proof from another ballot.
    let mut forged = build_record(20);
    let proof = forged.stations[1].ballots[0].ballot.choice_proofs[0].clone();
    forged.stations[1].ballots[1].ballot.choice_proofs[0] = proof;
    let found = findings(&forged);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("station S-02: ballot") && f.contains("choice 0")),
        "{found:?}"
    );

    // One changed count.
    let mut recounted = build_record(20);
    recounted.stations[0].tallies[0]
        .counts
        .as_mut()
        .unwrap()
        .votes[4] += 1;
    let found = findings(&recounted);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("candidate 1005's count"), "{found:?}");

    // One dropped ballot, with the tally and counts made again so that they agree: the
    // kiosk's chain still gives it away.
    let mut dropped = build_record(20);
    let station = &mut dropped.stations[1];
    let gone = station.ballots.remove(4);
    station.tallies[0].tally =
        EncryptedTally::of(6, station.ballots.iter().map(|c| &c.ballot)).unwrap();
    station.tallies[0].shares.clear();
    station.tallies[0].counts = None;
    let found = findings(&dropped);
    assert!(
        found.iter().any(
            |f| f.contains(&format!("kiosk {}", gone.kiosk)) && f.contains("broken")
                || f.contains("does not end")
        ),
        "{found:?}"
    );

    // A challenged ballot counted as cast changes the sum; its opening still checks.
    let mut counted = build_record(20);
    let challenged = counted.stations[0].challenged[0].clone();
    counted.stations[0].ballots.push(CastBallot {
        kiosk: challenged.kiosk,
        council: challenged.council,
        tracking_code: challenged.tracking_code,
        previous: challenged.previous,
        ballot: challenged.ballot,
    });
    let found = findings(&counted);
    assert!(found.iter().any(|f| f.contains("not the sum")), "{found:?}");

    // A station left out of the record.
    let mut missing = build_record(20);
    missing.stations.pop();
    assert_eq!(
        findings(&missing),
        vec!["station S-02 is listed but its record is missing".to_string()]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Whatever a voter marks within the seats, the ballot verifies, and the guardians'
    /// decryption of the sum is the plain sum.
    #[test]
    fn any_valid_ballots_verify_and_decrypt_to_their_plain_sum(
        ballots in proptest::collection::vec(proptest::collection::vec(any::<bool>(), 5), 1..6),
        seed in any::<u64>(),
    ) {
        let (_, key, guardians) = ceremony(3, 2, 30);
        let style = style(5, 3);
        let mut rng = rng(seed);
        let mut expected = vec![0_u64; 5];
        let mut encrypted = Vec::new();
        for mut choices in ballots {
            // Keep at most 3 marks: the rest is what a voter may mark.
            let mut kept = 0;
            for flag in &mut choices {
                if *flag { kept += 1; if kept > 3 { *flag = false; } }
            }
            for (count, &flag) in expected.iter_mut().zip(&choices) {
                *count += u64::from(flag);
            }
            let (ballot, _) = ballot::encrypt(key.public(), &style, "S-09", &choices, &mut rng).unwrap();
            prop_assert!(ballot::verify(key.public(), &style, "S-09", &ballot).is_ok());
            encrypted.push(ballot);
        }
        let tally = EncryptedTally::of(5, &encrypted).unwrap();
        let shares: Vec<_> = guardians[1..].iter().map(|g| g.decrypt(&tally, &mut rng)).collect();
        let counts = tally::decrypt_counts(&key, &tally, &shares, &CountTable::up_to(tally.ballots)).unwrap();
        prop_assert_eq!(counts, expected);
    }
}
