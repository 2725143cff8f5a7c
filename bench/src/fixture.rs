//! A county at the scale of issue 3 on SQLite: the Kerman demo, with one county brought up to
//! a given number of open stations (synthetic ones modelled on the county's own) and people
//! (new staff for the new stations' posts, less a few realistic gaps, and a registered reserve).

use anyhow::{anyhow, bail, Context};
use domain::access::{Role, Scope};
use domain::clock::{Clock, SystemClock};
use domain::demo::{DemoData, DemoOptions};
use domain::ids::NationalId;
use domain::person::Person;
use domain::staffing::Post;
use domain::station::Station;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use store::{Actor, NewUser, Store};

/// The benchmark's logins: (username, password, role, scope) are made from these.
pub const GOVERNOR: (&str, &str) = ("governor", "governor-1405");
pub const HQ: (&str, &str) = ("hq", "hq-1405");

#[derive(Debug, Clone)]
pub struct FixtureOptions {
    pub seed: u64,
    /// People of the demo itself.
    pub demo_people: usize,
    /// The county to grow.
    pub county: String,
    /// Open stations the county ends with.
    pub stations: usize,
    /// People serving in the county or registered as its reserve, at least.
    pub people: usize,
}

impl Default for FixtureOptions {
    fn default() -> Self {
        Self {
            seed: 1405,
            demo_people: 24_000,
            county: "11".into(),
            stations: 1_000,
            people: 7_000,
        }
    }
}

/// The database and what is in it.
pub struct Fixture {
    /// Holds the database file; removed when dropped.
    pub dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    pub county: String,
    /// Open stations of the county (from the store's coverage figures).
    pub stations_in_county: i64,
    /// Posts held in the county (one person each).
    pub people_serving: i64,
    /// People registered with the county's new staff but holding no post.
    pub people_reserve: i64,
    /// Everyone registered in the province.
    pub people_registered: i64,
    /// Posts held in the county before the benchmark added any.
    pub demo_people_serving: i64,
    pub stations_added: usize,
    pub posts_assigned: usize,
    pub setup_secs: f64,
}

impl Fixture {
    /// People serving in the county or registered as its reserve.
    pub fn people_in_county(&self) -> i64 {
        self.people_serving + self.people_reserve
    }
}

/// Whether a new station leaves a post empty: the demo's proportions (one station in 60 lacks
/// its inspector, one in 90 its governor's representative, one in 45 its second member).
fn gap(station_index: usize, post: Post) -> bool {
    match post {
        Post::Inspector => station_index % 60 == 17,
        Post::GovernorRep => station_index % 90 == 41,
        Post::Member2 => station_index % 45 == 3,
        _ => false,
    }
}

/// New stations for `county`, numbered on from its highest code, each a copy of one of its
/// own stations in turn (so the urban/rural/mobile mix and the routes stay the county's).
fn synthetic_stations(data: &DemoData, county: &str, count: usize) -> anyhow::Result<Vec<Station>> {
    let own: Vec<&Station> = data
        .stations
        .iter()
        .filter(|s| s.county_code == county)
        .collect();
    if own.is_empty() {
        bail!("county {county} has no stations in the demo");
    }
    let mut serial = own
        .iter()
        .filter_map(|s| s.code.get(2..).and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    let mut out = Vec::with_capacity(count);
    for (i, template) in own.iter().cycle().take(count).enumerate() {
        serial += 1;
        if serial > 99_999 {
            bail!("county {county} has run out of station codes");
        }
        let mut station = (*template).clone();
        station.code = format!("{county}{serial:05}");
        station.name = format!(
            "{} — شعبه افزوده {}",
            template.name,
            domain::text::persian_digits(&(i + 1).to_string())
        );
        station.closed = false;
        station
            .validate()
            .map_err(|e| anyhow!("synthetic station {}: {e}", station.code))?;
        out.push(station);
    }
    Ok(out)
}

/// `count` deterministic people drawn like the demo's, with national ids from a range the demo
/// never draws from (its first nine digits are ≥ 1,000,000; these are below), relatives remapped.
fn synthetic_people(seed: u64, count: usize) -> anyhow::Result<Vec<Person>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut people = domain::demo::synthetic_people(&mut rng, count);
    let mut renamed: HashMap<NationalId, NationalId> = HashMap::with_capacity(count);
    let mut body: u32 = 1;
    for person in &mut people {
        let id = loop {
            if body >= 1_000_000 {
                bail!("too many synthetic people for the reserved id range");
            }
            let candidate = NationalId::with_check_digit(body);
            body += 1;
            if let Some(id) = candidate {
                break id;
            }
        };
        renamed.insert(person.national_id.clone(), id.clone());
        person.national_id = id;
    }
    for person in &mut people {
        for relative in &mut person.relatives {
            relative.national_id = renamed
                .get(&relative.national_id)
                .cloned()
                .ok_or_else(|| anyhow!("a synthetic relative outside the batch"))?;
        }
    }
    Ok(people)
}

fn progress(started: Instant, what: &str) {
    eprintln!("[{:7.1} s] {what}", started.elapsed().as_secs_f64());
}

/// Builds the database. Progress goes to standard error.
pub async fn build(options: &FixtureOptions) -> anyhow::Result<Fixture> {
    let started = Instant::now();
    let clock = SystemClock;
    let actor = || Actor::new("bench", clock.now());
    let dir = tempfile::Builder::new().prefix("sandoq-bench-").tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let sqlite = store_sqlite::Sqlite::connect(&url)
        .await
        .with_context(|| format!("cannot open {url}"))?;
    let store: Arc<dyn Store> = Arc::new(sqlite);

    let data = domain::demo::kerman(DemoOptions {
        seed: options.seed,
        people: options.demo_people,
    })
    .map_err(|e| anyhow!("cannot build the demo: {e}"))?;
    store.load_demo(&data, &actor()).await?;
    progress(
        started,
        &format!(
            "demo loaded: {} stations, {} people, {} posts held",
            data.stations.len(),
            data.people.len(),
            data.assignments.len()
        ),
    );

    let county = options.county.clone();
    let open_now = data
        .stations
        .iter()
        .filter(|s| s.county_code == county && !s.closed)
        .count();
    let to_add = options.stations.saturating_sub(open_now);
    let new_stations = synthetic_stations(&data, &county, to_add)?;
    store.import_stations(&new_stations, &actor()).await?;
    progress(
        started,
        &format!("county {county}: {open_now} stations, {to_add} added"),
    );

    let before = store
        .coverage(Some(&county))
        .await?
        .pop()
        .ok_or_else(|| anyhow!("no coverage for county {county}"))?;
    let posts: Vec<(String, Post)> = new_stations
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            Post::ALL
                .into_iter()
                .filter(move |p| !gap(i, *p))
                .map(|p| (s.code.clone(), p))
        })
        .collect();
    // Enough people for every post to fill (with a margin for the few who may not serve), and
    // a reserve that brings the county to its head count.
    let serving_after = before.assignments as usize + posts.len();
    let reserve = options.people.saturating_sub(serving_after) + 100;
    let count = posts.len() + posts.len() / 50 + 50 + reserve;
    let people = synthetic_people(options.seed.wrapping_add(3), count)?;
    store.import_people(&people, &actor()).await?;
    progress(started, &format!("{count} people registered"));

    let day = data.election.election_day;
    let mut eligible = people.iter().filter(|p| {
        !p.sitting_council_member
            && domain::person::age_on(p.birth_date, day) >= domain::staffing::MINIMUM_AGE
    });
    let mut assigned = 0usize;
    for (station, post) in &posts {
        let person = eligible
            .next()
            .ok_or_else(|| anyhow!("ran out of eligible people after {assigned} posts"))?;
        store
            .assign_post(station, *post, person.national_id.as_str(), &actor())
            .await
            .with_context(|| format!("cannot give {station}/{} a holder", post.as_str()))?;
        assigned += 1;
        if assigned.is_multiple_of(1_000) {
            progress(
                started,
                &format!("{assigned} of {} posts assigned", posts.len()),
            );
        }
    }
    progress(started, &format!("{assigned} posts assigned one by one"));

    for (username, password, role, scope) in [
        (
            GOVERNOR.0,
            GOVERNOR.1,
            Role::CountyGovernor,
            Scope::County {
                county: county.clone(),
            },
        ),
        (HQ.0, HQ.1, Role::ProvinceHq, Scope::Province),
    ] {
        let password_hash = web::auth::hash_password(password)
            .map_err(|e| anyhow!("cannot hash a password: {e}"))?;
        store
            .create_user(
                &NewUser {
                    username: username.into(),
                    password_hash,
                    role,
                    scope,
                },
                &actor(),
            )
            .await?;
    }

    let after = store
        .coverage(Some(&county))
        .await?
        .pop()
        .ok_or_else(|| anyhow!("no coverage for county {county}"))?;
    let people_registered = store.people_count().await?;
    let fixture = Fixture {
        dir,
        store,
        county,
        stations_in_county: after.stations,
        people_serving: after.assignments,
        people_reserve: (people.len() - assigned) as i64,
        people_registered,
        demo_people_serving: before.assignments,
        stations_added: new_stations.len(),
        posts_assigned: assigned,
        setup_secs: started.elapsed().as_secs_f64(),
    };
    if fixture.stations_in_county != options.stations as i64 {
        bail!(
            "county {} has {} open stations, not {}",
            fixture.county,
            fixture.stations_in_county,
            options.stations
        );
    }
    if fixture.people_in_county() < options.people as i64 {
        bail!(
            "county {} has {} people, fewer than {}",
            fixture.county,
            fixture.people_in_county(),
            options.people
        );
    }
    progress(
        started,
        &format!(
            "fixture ready: {} stations, {} serving + {} reserve in county {}; {} people in all",
            fixture.stations_in_county,
            fixture.people_serving,
            fixture.people_reserve,
            fixture.county,
            fixture.people_registered
        ),
    );
    Ok(fixture)
}

/// The demo as it stands (`seed`): the fixture asks for exactly county `defaults.county`'s own
/// open stations, so it adds none, and registers and assigns nobody beyond the demo's; with
/// the demo's data, for what a benchmark adds on top.
pub async fn demo_as_it_stands(seed: u64) -> anyhow::Result<(Fixture, DemoData)> {
    let defaults = FixtureOptions::default();
    let data = domain::demo::kerman(DemoOptions {
        seed,
        people: defaults.demo_people,
    })
    .map_err(|e| anyhow!("cannot build the demo: {e}"))?;
    let county_stations = data
        .stations
        .iter()
        .filter(|s| s.county_code == defaults.county && !s.closed)
        .count();
    let fx = build(&FixtureOptions {
        seed,
        stations: county_stations,
        people: 0,
        ..defaults
    })
    .await?;
    Ok((fx, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_ids_are_valid_distinct_and_apart_from_the_demo() {
        let people = synthetic_people(7, 300).unwrap();
        let ids: std::collections::HashSet<_> = people.iter().map(|p| &p.national_id).collect();
        assert_eq!(ids.len(), 300);
        for p in &people {
            let first_nine: u32 = p.national_id.as_str()[..9].parse().unwrap();
            assert!(first_nine < 1_000_000);
            for r in &p.relatives {
                assert!(ids.contains(&r.national_id));
            }
        }
    }

    #[test]
    fn synthetic_stations_continue_the_county() {
        let data = domain::demo::kerman(DemoOptions {
            seed: 1405,
            people: 10,
        })
        .unwrap();
        let extra = synthetic_stations(&data, "11", 30).unwrap();
        let last = data
            .stations
            .iter()
            .filter(|s| s.county_code == "11")
            .map(|s| s.code.clone())
            .max()
            .unwrap();
        assert!(extra
            .iter()
            .all(|s| s.code > last && s.code.starts_with("11")));
        assert_eq!(extra.len(), 30);
    }
}
