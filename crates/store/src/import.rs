//! CSV imports on top of the store: parse (domain), check every row's references against the
//! store, then write all or nothing. Every bad row is reported with its line number.

use crate::{
    Actor, CouncilFilter, Entity, GeographyStore, PageRequest, PeopleStore, RollBatch, RollStore,
    StationStore, StoreError, StoreResult,
};
use domain::csv_io::{data_lines, people_from_csv, stations_from_csv, RowError};
use domain::roll::{parse_voter, Voter, ROLL_HEADER};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

#[derive(Debug)]
pub enum ImportError {
    /// The file is refused; nothing was written.
    Rows(Vec<RowError>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Every council's county, by council code.
async fn council_counties<S: GeographyStore + ?Sized>(
    store: &S,
) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for page in 1.. {
        let batch = store
            .councils(
                &CouncilFilter::default(),
                PageRequest::new(page, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
        out.extend(batch.items.into_iter().map(|c| (c.code, c.county_code)));
        if done {
            break;
        }
    }
    Ok(out)
}

/// The election imports go into: the current one, `NotFound { Election }` before there is one.
async fn current_election<S: GeographyStore + ?Sized>(
    store: &S,
) -> StoreResult<domain::election::Election> {
    store
        .election(None)
        .await?
        .ok_or(StoreError::not_found(Entity::Election))
}

/// Imports a station file into the current election. With `only_county`, every row must be a
/// station of that county (a governor imports their own county's stations only).
pub async fn stations_csv<S: GeographyStore + StationStore + ?Sized>(
    store: &S,
    text: &str,
    only_county: Option<&str>,
    by: &Actor,
) -> Result<u64, ImportError> {
    let election = current_election(store).await?;
    let stations = stations_from_csv(text, &election.code).map_err(ImportError::Rows)?;
    let councils = council_counties(store).await?;
    let lines = data_lines(text);
    let mut errors = Vec::new();
    for (i, station) in stations.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        if let Some(county) = only_county {
            if station.county_code != county {
                errors.push(RowError {
                    line,
                    message: format!("شعبه {} در شهرستان شما نیست.", station.code),
                });
                continue;
            }
        }
        for council in station.councils() {
            match councils.get(council) {
                None => errors.push(RowError {
                    line,
                    message: format!("شورای «{council}» وجود ندارد."),
                }),
                Some(c) if *c != station.county_code => {
                    errors.push(RowError {
                        line,
                        message: format!(
                            "شورای «{council}» در شهرستان {} نیست.",
                            station.county_code
                        ),
                    });
                }
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.import_stations(&stations, by).await?)
}

/// Imports a people file; a national id already registered is a bad row.
pub async fn people_csv<S: PeopleStore + ?Sized>(
    store: &S,
    text: &str,
    by: &Actor,
) -> Result<u64, ImportError> {
    let people = people_from_csv(text).map_err(ImportError::Rows)?;
    let lines = data_lines(text);
    let mut errors = Vec::new();
    for (i, person) in people.iter().enumerate() {
        if store.person(person.national_id.as_str()).await?.is_some() {
            errors.push(RowError {
                line: lines.get(i).copied().unwrap_or(0),
                message: format!("کد ملی {} از پیش ثبت شده است.", person.national_id),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.import_people(&people, by).await?)
}

// ---- the eligibility roll -------------------------------------------------------------------

/// Rows sent to the store at a time.
const ROLL_BATCH: usize = 20_000;
/// Enough bad rows to fix a file by; the total is reported too.
const MAX_REPORTED: usize = 1_000;

/// What one pass over a roll file found.
struct RollPass {
    errors: Vec<RowError>,
    error_count: u64,
}

/// Replaces the election's roll with `voters` (already checked, as the demo's synthetic roll
/// is), sent to the store in batches as a file's rows are; how many were imported.
pub async fn roll_from<S: RollStore + ?Sized>(
    store: &S,
    election: &str,
    voters: impl Iterator<Item = Voter>,
    digest: &str,
    by: &Actor,
) -> StoreResult<u64> {
    const BATCH: usize = 20_000;
    let (tx, rx) = tokio::sync::mpsc::channel::<RollBatch>(4);
    let import = store.import_roll(election, rx, digest, by);
    let send = async move {
        let mut batch = Vec::with_capacity(BATCH);
        for voter in voters {
            batch.push(voter);
            if batch.len() == BATCH && tx.send(Ok(std::mem::take(&mut batch))).await.is_err() {
                return;
            }
        }
        if !batch.is_empty() {
            let _ = tx.send(Ok(batch)).await;
        }
    };
    let (imported, ()) = tokio::join!(import, send);
    imported
}

fn row_error(line: u64, message: impl Into<String>) -> RowError {
    RowError {
        line,
        message: message.into(),
    }
}

/// Reads a roll file line by line, sending good rows in batches while none is bad; a bad row
/// stops the sending (the reading goes on, to report every bad row) and aborts the import.
fn read_roll(
    path: &Path,
    councils: &HashSet<String>,
    tx: &tokio::sync::mpsc::Sender<RollBatch>,
) -> RollPass {
    let mut pass = RollPass {
        errors: Vec::new(),
        error_count: 0,
    };
    let fail = |pass: &mut RollPass, error: RowError| {
        pass.error_count += 1;
        if pass.errors.len() < MAX_REPORTED {
            pass.errors.push(error);
        }
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            fail(&mut pass, row_error(0, format!("پرونده خوانده نشد: {e}")));
            let _ = tx.blocking_send(Err("پرونده خوانده نشد".into()));
            return pass;
        }
    };
    let mut lines = BufReader::with_capacity(1 << 20, file).lines();
    let header = lines.next().and_then(Result::ok).unwrap_or_default();
    let header: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .split(',')
        .map(|h| h.trim().to_lowercase())
        .collect();
    let Some(positions) = ROLL_HEADER
        .iter()
        .map(|c| header.iter().position(|h| h == c))
        .collect::<Option<Vec<usize>>>()
    else {
        fail(
            &mut pass,
            row_error(
                1,
                format!(
                    "سطر عنوان باید ستون‌های {} را داشته باشد",
                    ROLL_HEADER.join(",")
                ),
            ),
        );
        let _ = tx.blocking_send(Err("سطر عنوان نادرست است".into()));
        return pass;
    };
    let mut batch: Vec<Voter> = Vec::with_capacity(ROLL_BATCH);
    for (i, line) in lines.enumerate() {
        let line_no = i as u64 + 2;
        let Ok(line) = line else {
            fail(&mut pass, row_error(line_no, "سطر با UTF-8 نوشته نشده است"));
            continue;
        };
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
        match parse_voter(&fields) {
            Ok(v) if !councils.contains(&v.council) => fail(
                &mut pass,
                row_error(
                    line_no,
                    format!("شورای «{}» در این انتخابات نیست", v.council),
                ),
            ),
            Ok(v) if pass.error_count == 0 => {
                batch.push(v);
                if batch.len() == ROLL_BATCH
                    && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
                {
                    // The store stopped receiving: it failed, and says why.
                    return pass;
                }
            }
            Ok(_) => {}
            Err(message) => fail(&mut pass, row_error(line_no, message)),
        }
    }
    if pass.error_count > 0 {
        let _ = tx.blocking_send(Err(format!("{} سطر نادرست", pass.error_count)));
    } else if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
    pass
}

/// SHA-256 of a file, streamed.
fn file_digest(path: &Path) -> std::io::Result<String> {
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

/// Replaces the current election's roll from a file (`national_id,birth_date,council,status`),
/// streamed in one pass: constant memory, all or nothing, every bad row by line. A repeated
/// national id is reported on every line it appears. Returns the number of voters. The file
/// is hashed, read and (for a repeated id) searched on the blocking pool, never on the async
/// runtime's workers.
pub async fn roll_file<S: GeographyStore + RollStore + ?Sized>(
    store: &S,
    path: &Path,
    by: &Actor,
) -> Result<u64, ImportError> {
    let election = current_election(store).await?;
    let councils: HashSet<String> = council_counties(store).await?.into_keys().collect();
    let digest = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || file_digest(&path))
            .await
            .map_err(StoreError::database)?
            .map_err(|e| ImportError::Rows(vec![row_error(0, format!("پرونده خوانده نشد: {e}"))]))?
    };
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let reader = {
        let path = path.to_owned();
        tokio::task::spawn_blocking(move || read_roll(&path, &councils, &tx))
    };
    let imported = store.import_roll(&election.code, rx, &digest, by).await;
    let pass = reader.await.map_err(StoreError::database)?;
    if pass.error_count > 0 {
        return Err(ImportError::Rows(pass.errors));
    }
    match imported {
        Err(StoreError::Duplicate {
            entity: Entity::Voter,
            key: id,
        }) => {
            let lines = {
                let (path, id) = (path.to_owned(), id.clone());
                tokio::task::spawn_blocking(move || lines_with(&path, &id))
                    .await
                    .map_err(StoreError::database)?
            };
            let message = format!("کد ملی {id} بیش از یک بار آمده است");
            Err(ImportError::Rows(if lines.is_empty() {
                vec![row_error(0, message)]
            } else {
                lines
                    .iter()
                    .map(|l| row_error(*l, message.clone()))
                    .collect()
            }))
        }
        other => Ok(other?),
    }
}
