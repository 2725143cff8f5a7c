//! `sandoq import voters FILE.csv`: the eligibility roll, streamed in one pass.
//!
//! Rows are parsed and checked as they are read and sent to the store in batches, so neither
//! side holds the roll; the store commits only when every row was good. A bad row stops the
//! sending (the parse goes on, to report every bad row by line) and the store rolls back.

use anyhow::{bail, Context};
use domain::csv_io::RowError;
use domain::roll::{parse_voter, Voter, ROLL_HEADER};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use store::{Actor, CouncilFilter, PageRequest, Store, StoreError};
use tokio::sync::mpsc;

const BATCH: usize = 20_000;
/// Enough bad rows to fix a file by; the count of all of them is reported too.
const MAX_REPORTED: usize = 1_000;

/// What one pass over a roll file found.
pub struct Parsed {
    pub rows: u64,
    pub errors: Vec<RowError>,
    pub error_count: u64,
}

/// Reads a roll file line by line, sending good rows in batches while none is bad.
pub fn read_roll(
    path: &Path,
    councils: &HashSet<String>,
    tx: &mpsc::Sender<store::RollBatch>,
) -> anyhow::Result<Parsed> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    let header = lines.next().transpose()?.unwrap_or_default();
    let header: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .split(',')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let positions: Option<Vec<usize>> = ROLL_HEADER
        .iter()
        .map(|c| header.iter().position(|h| h == c))
        .collect();
    let Some(positions) = positions else {
        bail!(
            "{}:1: the header must name the columns {}",
            path.display(),
            ROLL_HEADER.join(",")
        );
    };
    let mut parsed = Parsed {
        rows: 0,
        errors: Vec::new(),
        error_count: 0,
    };
    let mut batch: Vec<Voter> = Vec::with_capacity(BATCH);
    for (i, line) in lines.enumerate() {
        let line_no = i as u64 + 2;
        let line = line.with_context(|| format!("{}:{line_no}: not UTF-8 text", path.display()))?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let fields: Vec<&str> = positions
            .iter()
            .map(|p| cells.get(*p).copied().unwrap_or(""))
            .collect();
        let row = parse_voter(&fields).and_then(|v| {
            if councils.contains(&v.council) {
                Ok(v)
            } else {
                Err(format!("شورای «{}» در این انتخابات نیست", v.council))
            }
        });
        match row {
            Ok(v) if parsed.error_count == 0 => {
                parsed.rows += 1;
                batch.push(v);
                if batch.len() == BATCH && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
                {
                    // The store stopped receiving: it has failed and will say why.
                    return Ok(parsed);
                }
            }
            Ok(_) => parsed.rows += 1,
            Err(message) => {
                parsed.error_count += 1;
                if parsed.errors.len() < MAX_REPORTED {
                    parsed.errors.push(RowError {
                        line: line_no,
                        message,
                    });
                }
            }
        }
    }
    if parsed.error_count > 0 {
        let _ = tx.blocking_send(Err(format!("{} سطر نادرست", parsed.error_count)));
    } else if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
    Ok(parsed)
}

/// SHA-256 of a file, streamed.
fn file_digest(path: &Path) -> anyhow::Result<String> {
    use sha2::Digest;
    let mut file = std::fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(buf.get(..n).unwrap_or_default());
    }
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// The lines of a file on which a national id appears (to report a duplicate).
fn lines_with(path: &Path, national_id: &str) -> Vec<u64> {
    let Ok(file) = std::fs::File::open(path) else {
        return Vec::new();
    };
    BufReader::new(file)
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            l.ok()
                .filter(|l| domain::text::ascii_digits(l).contains(national_id))
                .map(|_| i as u64 + 1)
        })
        .collect()
}

/// Every council code of the store.
pub async fn council_codes(store: &dyn Store) -> anyhow::Result<HashSet<String>> {
    let mut out = HashSet::new();
    for page in 1.. {
        let batch = store
            .councils(
                &CouncilFilter::default(),
                PageRequest::new(page, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
        out.extend(batch.items.into_iter().map(|c| c.code));
        if done {
            break;
        }
    }
    Ok(out)
}

pub async fn import_voters(url: &str, path: &Path, by: Actor) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let election = store
        .election(None)
        .await?
        .context("there is no election in this database; load one first (sandoq demo)")?;
    let councils = council_codes(store.as_ref()).await?;
    let digest = file_digest(path).with_context(|| format!("cannot read {}", path.display()))?;
    let started = std::time::Instant::now();
    let (tx, rx) = mpsc::channel(4);
    let reader = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || read_roll(&path, &councils, &tx))
    };
    let imported = store.import_roll(&election.code, rx, &digest, &by).await;
    let parsed = reader.await.context("the reader stopped")??;
    if parsed.error_count > 0 {
        for e in &parsed.errors {
            eprintln!("{}:{}: {}", path.display(), e.line, e.message);
        }
        bail!(
            "{} bad rows in {}; nothing was imported",
            parsed.error_count,
            path.display()
        );
    }
    match imported {
        Ok(n) => {
            let secs = started.elapsed().as_secs_f64();
            println!(
                "imported {n} voters from {} in {secs:.1} s ({:.0} rows/s)",
                path.display(),
                n as f64 / secs.max(1e-9)
            );
            Ok(())
        }
        Err(StoreError::Conflict {
            entity: "voter",
            constraint,
        }) => {
            // The store names the key; the national id is its run of ten digits.
            let digits = domain::text::ascii_digits(&constraint);
            let id = digits
                .split(|c: char| !c.is_ascii_digit())
                .find(|run| run.len() == 10)
                .unwrap_or_default()
                .to_owned();
            let lines = lines_with(path, &id);
            let at = lines
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            eprintln!(
                "{}:{}: national id {id} appears more than once (lines {at})",
                path.display(),
                lines.first().copied().unwrap_or(0)
            );
            bail!(
                "a national id appears twice in {}; nothing was imported",
                path.display()
            )
        }
        Err(e) => Err(e).context("the roll import was refused; nothing was imported"),
    }
}
