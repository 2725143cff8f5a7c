//! `sandoq demo`: the Kerman demo province and its logins.

use anyhow::{anyhow, bail, Context};
use clap::Args;
use domain::access::Scope;
use domain::clock::Clock;
use domain::demo::{DemoData, DemoOptions};
use std::io::Write;
use store::{Actor, NewUser, Store};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many synthetic people to create (staff pool and voters).
    #[arg(long, default_value_t = DemoOptions::default().people)]
    pub people: usize,
    /// Seed of the generator: the same seed gives the same demo.
    #[arg(long, default_value_t = DemoOptions::default().seed)]
    pub seed: u64,
    /// Load the geography, councils and people but no stations (to import stations from a file).
    #[arg(long)]
    pub no_stations: bool,
    /// Size of the synthetic eligibility roll (Kerman has about 2.3 million voters).
    #[arg(long, default_value_t = KERMAN_VOTERS)]
    pub voters: usize,
    /// Print the demo's province (geography, election, councils) as a JSON seed for
    /// `sandoq import province`, and load nothing.
    #[arg(long)]
    pub province_seed: bool,
    /// Hold no key ceremony: the election's guardians hold it (`sandoq guardian ceremony`).
    #[arg(long)]
    pub no_election_key: bool,
}

/// About the number of eligible voters in Kerman province (DESIGN §8, Scale).
pub const KERMAN_VOTERS: usize = 2_300_000;

/// Streams a synthetic roll of `count` voters into the store.
pub async fn load_roll(
    store: &dyn Store,
    data: &DemoData,
    seed: u64,
    count: usize,
    by: &Actor,
) -> anyhow::Result<u64> {
    if count == 0 {
        return Ok(0);
    }
    let digest = format!("synthetic:seed={seed}:voters={count}");
    let voters = domain::demo::synthetic_roll(data, seed, count);
    let imported = store::import::roll_from(store, &data.election.code, voters, &digest, by).await;
    imported.context("cannot load the synthetic roll")
}

/// Prints the roll's size and a few voters of the demo station's constituency, so that a
/// newcomer logged in as `station` has national ids to check in on election day.
pub fn print_roll(data: &DemoData, seed: u64, count: usize, loaded: u64) {
    println!("eligibility roll: {loaded} voters");
    let station = data.users.iter().find_map(|u| match &u.scope {
        Scope::Station { station, .. } => data.stations.iter().find(|s| &s.code == station),
        _ => None,
    });
    let Some(station) = station else { return };
    let councils = station.councils();
    let day = data.election.election_day;
    let sample: Vec<String> = domain::demo::synthetic_roll(data, seed, count)
        .filter(|v| {
            councils.contains(&v.council.as_str())
                && v.status == domain::roll::VoterStatus::Alive
                && domain::person::age_on(v.birth_date, day) >= domain::roll::VOTING_AGE
        })
        .take(5)
        .map(|v| v.national_id.to_string())
        .collect();
    if !sample.is_empty() {
        println!(
            "voters who may vote at station {} on election day (serve --now \"1405/02/11 09:00\"): {}",
            station.code,
            sample.join(" ")
        );
    }
    // The voter votes on a kiosk, never in the staff's session: a second window of another
    // browser (or a private window: its own cookies) is the kiosk.
    println!(
        "voting kiosk: open /kiosk in another browser or a private window, press «نمایش کد جفت‌سازی», \
         and type the code it shows on station {}'s console (signed in as station) under «دستگاه‌های رأی‌گیری»; \
         after each check-in the console activates the voter's ballot on it",
        station.code
    );
}

pub async fn run(url: &str, args: &DemoArgs) -> anyhow::Result<()> {
    if args.province_seed {
        let data = domain::demo::kerman(DemoOptions {
            seed: args.seed,
            people: args.people,
        })
        .map_err(|e| anyhow!("cannot build the demo: {e} ({})", e.persian()))?;
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &data.province())?;
        writeln!(out)?;
        return Ok(());
    }
    let store = crate::db::open(url).await?;
    if !store.is_empty().await? {
        bail!(
            "the database {} already holds data; `sandoq demo` only loads into an empty database",
            crate::db::redact(url)
        );
    }
    let clock = domain::clock::SystemClock;
    let data = load(
        store.as_ref(),
        &clock,
        DemoOptions {
            seed: args.seed,
            people: args.people,
        },
        args.no_stations,
        (!args.no_election_key)
            .then(|| guardians_dir(url))
            .as_deref(),
    )
    .await?;
    let voters = load_roll(
        store.as_ref(),
        &data,
        args.seed,
        args.voters,
        &Actor::new("sandoq-demo", clock.now()),
    )
    .await?;
    print_summary(&data)?;
    if !args.no_election_key {
        print_guardians(&guardians_dir(url));
    }
    print_roll(&data, args.seed, args.voters, voters);
    Ok(())
}

/// Where the demo's guardians' share files are, and their passphrases.
pub fn print_guardians(dir: &std::path::Path) {
    println!(
        "the election key: {DEMO_THRESHOLD} of {DEMO_GUARDIANS} guardians; their share files are in {} (guardian-N.json, passphrase \"{}\" with N for 1)",
        dir.display(),
        demo_passphrase(1)
    );
}

/// The demo's guardians and how many of them decrypt.
const DEMO_GUARDIANS: usize = 5;
const DEMO_THRESHOLD: usize = 3;

/// A demo guardian's passphrase (a demo's only: a real ceremony reads each guardian's own).
pub fn demo_passphrase(guardian: usize) -> String {
    format!("demo guardian {guardian} passphrase")
}

/// Where the demo's guardians' share files go: beside the SQLite file (`sandoq-guardians` for
/// `sandoq.db`), or, for PostgreSQL, `<database>-guardians` in the working directory.
pub fn guardians_dir(url: &str) -> std::path::PathBuf {
    if let Ok(db) = store_sqlite::path_from_url(url) {
        let stem = db
            .file_stem()
            .map_or_else(|| "sandoq".into(), |s| s.to_string_lossy().into_owned());
        return db.with_file_name(format!("{stem}-guardians"));
    }
    let database = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .filter(|name| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .unwrap_or("sandoq");
    std::path::PathBuf::from(format!("{database}-guardians"))
}

/// The demo's key ceremony: the first board's first five members (the province's inspection
/// board; a real election names its province supervision board's) hold the key, three of them
/// needed; their share files, sealed under [`demo_passphrase`], go to `dir`, replacing an
/// earlier demo's.
async fn demo_ceremony(
    store: &dyn Store,
    data: &DemoData,
    dir: &std::path::Path,
    by: &Actor,
) -> anyhow::Result<()> {
    let first_board = data.board_members.first().map(|m| m.board.clone());
    let mut names: Vec<String> = data
        .board_members
        .iter()
        .filter(|m| Some(&m.board) == first_board.as_ref())
        .filter_map(|m| data.people.iter().find(|p| p.national_id == m.national_id))
        .map(|p| format!("{} {}", p.first_name, p.last_name))
        .take(DEMO_GUARDIANS)
        .collect();
    while names.len() < DEMO_GUARDIANS {
        names.push(format!(
            "امین {}",
            domain::text::persian_number(names.len() as i64 + 1)
        ));
    }
    let seats: Vec<app::guardians::GuardianSeat> = names
        .iter()
        .enumerate()
        .map(|(i, name)| app::guardians::GuardianSeat {
            name: name.clone(),
            passphrase: demo_passphrase(i + 1),
        })
        .collect();
    // A demo loads only into an empty database, so share files already in its own directory
    // are an earlier demo's (its database removed): they go, or a new demo could not start.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let named = path
                .file_stem()
                .is_some_and(|stem| stem.to_string_lossy().starts_with("guardian-"));
            if named && path.extension().is_some_and(|ext| ext == "json") {
                std::fs::remove_file(entry.path())
                    .with_context(|| format!("cannot remove {}", entry.path().display()))?;
            }
        }
    }
    crate::guardian::hold_ceremony(
        store,
        &data.election.code,
        store::guardians::KeyKind::Election,
        &seats,
        DEMO_THRESHOLD,
        dir,
        by,
    )
    .await
    .context("the demo's key ceremony")?;
    Ok(())
}

/// Builds the demo, loads it and creates its users. The caller checks that the store is empty.
pub async fn load(
    store: &dyn Store,
    clock: &dyn Clock,
    options: DemoOptions,
    without_stations: bool,
    guardians_dir: Option<&std::path::Path>,
) -> anyhow::Result<DemoData> {
    let mut data = domain::demo::kerman(options)
        .map_err(|e| anyhow!("cannot build the demo: {e} ({})", e.persian()))?;
    if without_stations {
        data.stations.clear();
        data.assignments.clear();
        data.readiness.clear();
        // Sensitive stations and the plans their councils approved (issue 16) go with them.
        data.sensitive_stations.clear();
        for meeting in &mut data.council_meetings {
            meeting.approves.clear();
        }
        // Incidents filed at a station go with the stations; a county's own stay.
        data.incidents.retain(|i| i.report.station.is_none());
        data.equipment_runs.clear();
    }
    store
        .load_demo(&data, &Actor::new("sandoq-demo", clock.now()))
        .await
        .context("cannot load the demo province")?;
    for user in &data.users {
        let password_hash = web::auth::hash_password(&user.password)
            .map_err(|e| anyhow!("cannot hash the password of {}: {e}", user.username))?;
        store
            .create_user(
                &NewUser {
                    username: user.username.clone(),
                    password_hash,
                    role: user.role,
                    scope: user.scope.clone(),
                },
                &Actor::new("sandoq-demo", clock.now()),
            )
            .await
            .with_context(|| format!("cannot create the demo user {}", user.username))?;
    }
    if let Some(dir) = guardians_dir {
        demo_ceremony(store, &data, dir, &Actor::new("sandoq-demo", clock.now())).await?;
    }
    Ok(data)
}

pub fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::Province => "province".to_owned(),
        Scope::County { county } => format!("county {county}"),
        Scope::Station { county, station } => format!("station {station} (county {county})"),
    }
}

/// Prints the demo logins and the headline counts.
pub fn print_summary(data: &DemoData) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "demo loaded: {} counties, {} councils, {} stations, {} people",
        data.counties.len(),
        data.councils.len(),
        data.stations.len(),
        data.people.len()
    )?;
    writeln!(out, "demo logins:")?;
    let rows: Vec<[String; 4]> = data
        .users
        .iter()
        .map(|u| {
            [
                u.username.clone(),
                u.password.clone(),
                u.role.as_str().to_owned(),
                scope_label(&u.scope),
            ]
        })
        .collect();
    let header = ["username", "password", "role", "scope"].map(str::to_owned);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect::<Vec<_>>()
            .join("  ");
        writeln!(out, "  {}", line.trim_end())?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_labels() {
        assert_eq!(scope_label(&Scope::Province), "province");
        assert_eq!(
            scope_label(&Scope::County {
                county: "01".into()
            }),
            "county 01"
        );
    }
}
