//! `sandoq guardian …`: the key ceremony run by the operator with the guardians present, each
//! guardian's confirmation that they hold their share, and the key's public record.
//!
//! A share file leaves the server once, sealed under its guardian's passphrase; the database
//! keeps the public record alone. `confirm` opens the guardian's file on this machine and sends
//! only a proof that it holds the share.

use anyhow::{anyhow, bail, Context};
use app::guardians::{self, GuardianSeat};
use ballot_crypto::{Guardian, ShareFile};
use clap::{Args, Subcommand};
use domain::clock::Clock as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use store::guardians::KeyKind;
use store::{Actor, Store};

#[derive(Debug, Subcommand)]
pub enum GuardianCommand {
    /// Deal the election's key among its guardians: k of n needed to decrypt. Reads one
    /// passphrase per guardian from standard input, one line each, in the guardians' order,
    /// and writes each guardian's sealed share file to `--out`.
    Ceremony(CeremonyArgs),
    /// A guardian proves they hold their share: the file is opened here with the passphrase
    /// read from standard input, and only the proof is recorded.
    Confirm(ConfirmArgs),
    /// The key's public record: fingerprint, threshold, guardians and who has confirmed.
    Show(ShowArgs),
    /// A guardian decrypts the closed stations' tallies on a running server: the share file is
    /// opened here (passphrase from standard input), each station's published record is
    /// checked — every ballot's proofs, the chains, each tally the sum of its ballots — before
    /// its tallies are decrypted, and only the decryption shares with their proofs are sent.
    Decrypt(DecryptArgs),
}

#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// The guardian's sealed share file.
    #[arg(long, value_name = "FILE")]
    pub share: PathBuf,
    /// The server's address (`https://…`, or `http://…` on a closed network).
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Only this county's stations.
    #[arg(long)]
    pub county: Option<String>,
    /// Only this station.
    #[arg(long)]
    pub station: Option<String>,
}

#[derive(Debug, Args)]
pub struct CeremonyArgs {
    /// A guardian's name, once per guardian, in order (by default the province supervision
    /// board's members are named here by the operator).
    #[arg(long = "guardian", required = true, value_name = "NAME")]
    pub guardians: Vec<String>,
    /// How many guardians are needed to decrypt.
    #[arg(long)]
    pub threshold: usize,
    /// Where the sealed share files are written (`guardian-<n>.json`); they must not exist.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The guardian's sealed share file.
    #[arg(long, value_name = "FILE")]
    pub share: PathBuf,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The equipment tests' key (one of one, held by the server, made at the first test run)
    /// rather than the ballots'.
    #[arg(long)]
    pub test_key: bool,
}

/// One line of standard input without its line ending: a guardian's passphrase (the share
/// file's own rule, 12 characters at least, judges it).
fn read_passphrase(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read a passphrase from standard input")?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    Ok(line.strip_suffix('\r').unwrap_or(line).to_owned())
}

fn kind(test_key: bool) -> KeyKind {
    if test_key {
        KeyKind::Test
    } else {
        KeyKind::Election
    }
}

fn actor() -> Actor {
    Actor::new(crate::user::ACTOR, domain::clock::SystemClock.now())
}

async fn election(store: &dyn Store) -> anyhow::Result<String> {
    store
        .election(None)
        .await?
        .map(|e| e.code)
        .ok_or_else(|| anyhow!("the database has no election yet"))
}

fn refused(error: app::Error) -> anyhow::Error {
    match &error {
        app::Error::Crypto(e) => anyhow!("{e} — {}", e.persian()),
        app::Error::Store(store::StoreError::Refused(r)) => {
            anyhow!("{} — {}", r.code(), r.persian())
        }
        _ => anyhow::Error::new(error),
    }
}

pub async fn run(url: &str, command: &GuardianCommand) -> anyhow::Result<()> {
    // Decrypting talks to a server, never to the database.
    if let GuardianCommand::Decrypt(args) = command {
        return decrypt(args, std::io::stdin().lock()).await;
    }
    let store = crate::db::open(url).await?;
    match command {
        GuardianCommand::Ceremony(args) => {
            ceremony(store.as_ref(), args, std::io::stdin().lock()).await
        }
        GuardianCommand::Confirm(args) => {
            confirm(store.as_ref(), args, std::io::stdin().lock()).await
        }
        GuardianCommand::Show(args) => show(store.as_ref(), args).await,
        GuardianCommand::Decrypt(_) => unreachable!("decrypting needs no database"),
    }
}

fn share_path(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("guardian-{}.json", index + 1))
}

async fn ceremony(
    store: &dyn Store,
    args: &CeremonyArgs,
    mut input: impl BufRead,
) -> anyhow::Result<()> {
    let election = election(store).await?;
    let paths: Vec<PathBuf> = (0..args.guardians.len())
        .map(|i| share_path(&args.out, i))
        .collect();
    if let Some(taken) = paths.iter().find(|p| p.exists()) {
        bail!(
            "{} exists: a share file is never overwritten",
            taken.display()
        );
    }
    let mut seats = Vec::with_capacity(args.guardians.len());
    for name in &args.guardians {
        let passphrase = read_passphrase(&mut input)
            .with_context(|| format!("the passphrase of guardian {name:?}"))?;
        seats.push(GuardianSeat {
            name: name.clone(),
            passphrase,
        });
    }
    let recorded = hold_ceremony(
        store,
        &election,
        KeyKind::Election,
        &seats,
        args.threshold,
        &args.out,
        &actor(),
    )
    .await?;
    println!(
        "election {election}: key {} ({} of {} guardians), fingerprint {}",
        KeyKind::Election.as_str(),
        recorded.threshold,
        recorded.guardians,
        recorded.fingerprint
    );
    for (name, path) in args.guardians.iter().zip(&paths) {
        println!("  {name}: {}", path.display());
    }
    println!("hand each file to its guardian, then delete it here; each confirms with `sandoq guardian confirm --share FILE`");
    Ok(())
}

async fn confirm(
    store: &dyn Store,
    args: &ConfirmArgs,
    mut input: impl BufRead,
) -> anyhow::Result<()> {
    let election = election(store).await?;
    let file: ShareFile = serde_json::from_slice(
        &std::fs::read(&args.share)
            .with_context(|| format!("cannot read {}", args.share.display()))?,
    )
    .with_context(|| format!("{} is not a share file", args.share.display()))?;
    if file.election != election {
        bail!(
            "the share file is for election {}, not {election}",
            file.election
        );
    }
    let passphrase = read_passphrase(&mut input)?;
    let share = file
        .open(&passphrase)
        .map_err(|e| anyhow!("{e} — {}", e.persian()))?;
    let key = guardians::election_key(store, &election, KeyKind::Election)
        .await
        .map_err(refused)?;
    let guardian =
        Guardian::new(&key, file.guardian, share).map_err(|e| anyhow!("{e} — {}", e.persian()))?;
    let confirmation = guardian.confirmation(&mut rand::rngs::OsRng);
    let index =
        guardians::confirm_guardian(store, &election, KeyKind::Election, &confirmation, &actor())
            .await
            .map_err(refused)?;
    println!(
        "guardian {} ({}) confirmed: they hold their share of key {}",
        index + 1,
        file.name,
        key.fingerprint()
    );
    Ok(())
}

async fn show(store: &dyn Store, args: &ShowArgs) -> anyhow::Result<()> {
    let election = election(store).await?;
    let Some(published) = guardians::published_key(store, &election, kind(args.test_key))
        .await
        .map_err(refused)?
    else {
        println!(
            "election {election}: no {} key yet",
            kind(args.test_key).as_str()
        );
        return Ok(());
    };
    println!(
        "election {election}: key {} fingerprint {}, {} of {} guardians, public key {}",
        published.kind.as_str(),
        published.fingerprint,
        published.record.threshold,
        published.record.guardians.len(),
        published.record.public_key
    );
    for guardian in &published.record.guardians {
        let state = if published.confirmed.contains(&guardian.index) {
            "confirmed"
        } else {
            "not confirmed"
        };
        println!("  {}. {}: {state}", guardian.index + 1, guardian.name);
    }
    Ok(())
}

/// The key ceremony from the command line or the demo: the shares are dealt and sealed, the
/// files written into `dir` (created 0700; each 0600, never over an existing file), and only
/// then is the public record kept; if that is refused, the files written are removed, so no
/// key is recorded whose shares were not handed over and no share outlives a refused key.
pub async fn hold_ceremony(
    store: &dyn Store,
    election: &str,
    kind: KeyKind,
    seats: &[GuardianSeat],
    threshold: usize,
    dir: &Path,
    by: &Actor,
) -> anyhow::Result<store::guardians::ElectionKeyRecord> {
    let paths: Vec<PathBuf> = (0..seats.len()).map(|i| share_path(dir, i)).collect();
    if let Some(taken) = paths.iter().find(|p| p.exists()) {
        bail!(
            "{} exists: a share file is never overwritten",
            taken.display()
        );
    }
    // A refused ceremony touches no disk: the usual refusal, a key already held, is asked first
    // (the store still decides, when the record is kept).
    if store.election_key(election, kind).await?.is_some() {
        return Err(refused(app::Error::Store(store::StoreError::Refused(
            store::Refusal::ElectionKeyExists,
        ))));
    }
    let dealt = guardians::deal_ceremony(election, seats, threshold).map_err(refused)?;
    let created = !dir.exists();
    create_private_dir(dir)?;
    let mut written = Vec::new();
    let mut outcome = Ok(());
    for (file, path) in dealt.share_files.iter().zip(&paths) {
        outcome = serde_json::to_vec_pretty(file)
            .map_err(anyhow::Error::from)
            .and_then(|bytes| write_private(path, &bytes));
        if outcome.is_err() {
            break;
        }
        written.push(path);
    }
    let recorded = match outcome {
        Ok(()) => guardians::record_ceremony(store, kind, &dealt.record, by)
            .await
            .map_err(refused),
        Err(error) => Err(error),
    };
    if recorded.is_err() {
        for path in written {
            let _ = std::fs::remove_file(path);
        }
        if created {
            let _ = std::fs::remove_dir(dir);
        }
    }
    recorded
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// A page of the server's tallies, as `sandoq guardian decrypt` reads it.
#[derive(Debug, serde::Deserialize)]
struct TallyPage {
    page: u32,
    pages: u32,
    stations: Vec<ListedStation>,
}

#[derive(Debug, serde::Deserialize)]
struct ListedStation {
    station: String,
    tallies: Vec<ListedTally>,
}

#[derive(Debug, serde::Deserialize)]
struct ListedTally {
    guardians: Vec<usize>,
}

#[derive(Debug, serde::Deserialize)]
struct Posted {
    accepted: u64,
    counted: Vec<serde_json::Value>,
}

async fn decrypt(args: &DecryptArgs, mut input: impl BufRead) -> anyhow::Result<()> {
    use ballot_crypto::record::{self, Manifest, StationRecord};
    let client = crate::http::Client::new(&args.server)?;
    let file: ShareFile = serde_json::from_slice(
        &std::fs::read(&args.share)
            .with_context(|| format!("cannot read {}", args.share.display()))?,
    )
    .with_context(|| format!("{} is not a share file", args.share.display()))?;
    let manifest: Manifest = client.get("/api/v1/record/manifest").await?;
    if file.election != manifest.election {
        bail!(
            "the share file is for election {}, the server's is {}",
            file.election,
            manifest.election
        );
    }
    let crypto = |e: ballot_crypto::CryptoError| anyhow!("{e} — {}", e.persian());
    let key = manifest.ceremony.key().map_err(crypto)?;
    let passphrase = read_passphrase(&mut input)?;
    let share = file.open(&passphrase).map_err(crypto)?;
    let guardian = Guardian::new(&key, file.guardian, share).map_err(crypto)?;
    let mut query = Vec::new();
    if let Some(county) = &args.county {
        query.push(format!("county={}", web::fmt::url_encode(county)));
    }
    if let Some(station) = &args.station {
        query.push(format!("station={}", web::fmt::url_encode(station)));
    }
    let (mut accepted, mut counted, mut done_before, mut stations) = (0, 0, 0, 0);
    let mut refused_stations = Vec::new();
    let mut page = 1;
    loop {
        let mut asked = query.clone();
        asked.push(format!("page={page}"));
        let listed: TallyPage = client
            .get(&format!("/api/v1/tallies?{}", asked.join("&")))
            .await?;
        let mut shares = Vec::new();
        for listed_station in &listed.stations {
            stations += 1;
            if listed_station
                .tallies
                .iter()
                .all(|t| t.guardians.contains(&file.guardian))
            {
                done_before += 1;
                continue;
            }
            let part: StationRecord = client
                .get(&format!(
                    "/api/v1/record/stations/{}",
                    web::fmt::url_encode(&listed_station.station)
                ))
                .await?;
            // The server's word is not taken: a tally is decrypted only as the sum of the
            // station's published ballots, each with its proofs, in their kiosks' chains.
            let findings = record::verify_station(&manifest, &key, &part);
            if part.station != listed_station.station || !findings.is_empty() {
                for finding in &findings {
                    eprintln!("station {}: {}", listed_station.station, finding.what);
                }
                refused_stations.push(listed_station.station.clone());
                continue;
            }
            for tally in &part.tallies {
                if tally.shares.iter().any(|s| s.guardian == file.guardian) {
                    continue;
                }
                shares.push(serde_json::json!({
                    "station": part.station,
                    "council": tally.council,
                    "share": guardian.decrypt(&tally.tally, &mut rand::rngs::OsRng),
                }));
            }
        }
        if !shares.is_empty() {
            let posted: Posted = client
                .post(
                    "/api/v1/tallies/shares",
                    &serde_json::json!({ "guardian": file.guardian, "shares": shares }),
                )
                .await?;
            accepted += posted.accepted;
            counted += posted.counted.len();
        }
        if listed.page >= listed.pages {
            break;
        }
        page = listed.page + 1;
    }
    println!(
        "guardian {} ({}): {accepted} decryption shares sent for {stations} closed stations \
         ({done_before} decrypted by this guardian before); {counted} tallies counted now",
        file.guardian + 1,
        file.name
    );
    if !refused_stations.is_empty() {
        bail!(
            "not decrypted: the published record of {} station(s) does not verify: {}",
            refused_stations.len(),
            refused_stations.join(", ")
        );
    }
    Ok(())
}
