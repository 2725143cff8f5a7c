//! `sandoq guardian ceremony | confirm | show` on a small demo that left the ceremony to its
//! guardians: the shares leave as sealed files only, the database keeps the public record and
//! never a share, a guardian confirms with their passphrase, a wrong one is refused, and a
//! second ceremony is refused. The demo's own ceremony, when it holds one, writes its
//! guardians' files beside the database.

use super::{sandoq, small_demo, sqlite_url, verify, DEMO_RECORDS, SMALL_DEMO};
use ballot_crypto::ShareFile;

const PASSPHRASES: &str =
    "first guardian's passphrase\nsecond guardian's passphrase\nthird guardian's passphrase\n";

#[test]
fn a_key_ceremony_hands_out_sealed_shares_and_keeps_only_the_public_record() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = sqlite_url(dir, "guardians.db");
    let keyless = [&SMALL_DEMO[..], &["--no-election-key"]].concat();
    let demo = sandoq(dir, &url, &keyless, "");
    assert!(demo.success(), "{demo:#?}");
    // The demo's records but its ceremony's.
    const DEMO_RECORDS: i64 = super::DEMO_RECORDS - 1;
    assert_eq!(verify(dir, &url).intact_count(), DEMO_RECORDS);
    let none = sandoq(dir, &url, &["guardian", "show"], "");
    assert!(none.stdout.contains("no election key yet"), "{none:#?}");
    let out = dir.join("shares");
    let ceremony = [
        "guardian",
        "ceremony",
        "--guardian",
        "Zahra Kermani",
        "--guardian",
        "Ali Rafsanjani",
        "--guardian",
        "Maryam Bami",
        "--threshold",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];

    // A short passphrase refuses the whole ceremony: nothing is written.
    let weak = sandoq(
        dir,
        &url,
        &ceremony,
        "eleven char\nsecond guardian's passphrase\nthird guardian's passphrase\n",
    );
    assert!(!weak.success(), "{weak:#?}");
    assert!(weak.stderr.contains("at least 12 characters"), "{weak:#?}");
    assert!(!out.join("guardian-1.json").exists());
    assert_eq!(verify(dir, &url).intact_count(), DEMO_RECORDS);

    let run = sandoq(dir, &url, &ceremony, PASSPHRASES);
    assert!(run.success(), "{run:#?}");
    assert!(run.stdout.contains("2 of 3 guardians"), "{run:#?}");
    for n in 1..=3 {
        let path = out.join(format!("guardian-{n}.json"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert_eq!(verify(dir, &url).intact_count(), DEMO_RECORDS + 1);

    // The database holds no share: the second guardian's secret, opened here, is nowhere in it.
    let file: ShareFile =
        serde_json::from_slice(&std::fs::read(out.join("guardian-2.json")).unwrap()).unwrap();
    let secret = file.open("second guardian's passphrase").unwrap();
    let bytes = secret.expose_scalar().to_bytes();
    let database = std::fs::read(dir.join("guardians.db")).unwrap();
    let wal = std::fs::read(dir.join("guardians.db-wal")).unwrap_or_default();
    for text in [hex::encode(bytes), base64_of(&bytes)] {
        for stored in [&database, &wal] {
            assert!(
                !contains(stored, text.as_bytes()),
                "a share's secret is in the database"
            );
        }
    }
    for stored in [&database, &wal] {
        assert!(
            !contains(stored, &bytes),
            "a share's secret bytes are in the database"
        );
    }

    let show = sandoq(dir, &url, &["guardian", "show"], "");
    assert!(show.success(), "{show:#?}");
    assert!(show.stdout.contains("2 of 3 guardians"), "{show:#?}");
    assert_eq!(show.stdout.matches("not confirmed").count(), 3, "{show:#?}");
    // The equipment tests' key is the server's own, made at the first test run: none yet.
    let test_key = sandoq(dir, &url, &["guardian", "show", "--test-key"], "");
    assert!(test_key.stdout.contains("no test key yet"), "{test_key:#?}");

    let share = out.join("guardian-2.json");
    let confirm = ["guardian", "confirm", "--share", share.to_str().unwrap()];
    let wrong = sandoq(dir, &url, &confirm, "not the passphrase at all\n");
    assert!(!wrong.success(), "{wrong:#?}");
    assert!(wrong.stderr.contains("passphrase is wrong"), "{wrong:#?}");
    let right = sandoq(dir, &url, &confirm, "second guardian's passphrase\n");
    assert!(right.success(), "{right:#?}");
    assert!(
        right
            .stdout
            .contains("guardian 2 (Ali Rafsanjani) confirmed"),
        "{right:#?}"
    );
    let show = sandoq(dir, &url, &["guardian", "show"], "");
    assert!(
        show.stdout.contains("2. Ali Rafsanjani: confirmed"),
        "{show:#?}"
    );
    assert_eq!(show.stdout.matches("not confirmed").count(), 2, "{show:#?}");

    // Once per election: another ceremony is refused, even into another directory.
    let again_out = dir.join("again");
    let mut again = ceremony;
    again[11] = again_out.to_str().unwrap();
    let refused = sandoq(dir, &url, &again, PASSPHRASES);
    assert!(!refused.success(), "{refused:#?}");
    assert!(
        refused.stderr.contains("election_key_exists"),
        "{refused:#?}"
    );
    assert!(!again_out.exists());
    assert_eq!(verify(dir, &url).intact_count(), DEMO_RECORDS + 2);
}

#[test]
fn the_demo_holds_its_own_ceremony_and_a_new_demo_replaces_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let url = sqlite_url(dir, "guardians.db");
    small_demo(dir, &url);
    // The demo's own key: five guardians, none confirmed yet.
    let demo_key = sandoq(dir, &url, &["guardian", "show"], "");
    assert!(
        demo_key.stdout.contains("3 of 5 guardians"),
        "{demo_key:#?}"
    );
    assert_eq!(
        demo_key.stdout.matches("not confirmed").count(),
        5,
        "{demo_key:#?}"
    );
    // The demo wrote its guardians' files beside the database; the first confirms.
    let demo_share = dir.join("guardians-guardians").join("guardian-1.json");
    let confirmed = sandoq(
        dir,
        &url,
        &[
            "guardian",
            "confirm",
            "--share",
            demo_share.to_str().unwrap(),
        ],
        "demo guardian 1 passphrase\n",
    );
    assert!(confirmed.success(), "{confirmed:#?}");
    assert_eq!(verify(dir, &url).intact_count(), DEMO_RECORDS + 1);
    // Another file elsewhere in the directory is not the demo's.
    let other = dir.join("kept.json");
    std::fs::write(&other, "{}").unwrap();

    // A new demo where an old one's database was removed replaces the old demo's share files
    // (and only the demo's own directory is touched).
    let old = std::fs::read(&demo_share).unwrap();
    for file in ["guardians.db", "guardians.db-wal", "guardians.db-shm"] {
        let _ = std::fs::remove_file(dir.join(file));
    }
    small_demo(dir, &url);
    assert_ne!(std::fs::read(&demo_share).unwrap(), old);
    assert!(other.exists());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
