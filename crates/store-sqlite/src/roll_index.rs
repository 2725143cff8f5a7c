//! The eligibility roll of an election, held in memory by the election-day writer.
//!
//! Every check-in looks its voter up on the roll. In SQLite that is a walk down a B-tree of
//! millions of rows whose leaf is rarely in the page cache, so each lookup read a page from the
//! file and pushed a page of the `checkins` table out of the cache. The roll does not change
//! on election day (only an import replaces it, and the writer then reads it again), so the
//! writer reads it once into an array sorted by national id: 16 bytes a voter, about 37 MB for
//! Kerman's 2.3 million. A roll too large for that ([`MAX_VOTERS`]) is looked up in the
//! database as before. The one-person-one-vote rule stays with the database's unique key.

use crate::db_err;
use crate::queries::parse_date;
use domain::ids::NationalId;
use domain::roll::{Voter, VoterStatus};
use rusqlite::Connection;
use std::collections::HashMap;
use store::{StoreError, StoreResult};

/// The largest roll kept in memory (about 160 MB); a province's is a few million.
pub(crate) const MAX_VOTERS: i64 = 10_000_000;

/// The deceased flag, in the top bit of a voter's council index.
const DECEASED: u32 = 1 << 31;

/// National ids below 10^10 < 2^34 have at most 2^20 prefixes: a 4 MB table at most, about
/// four ids per prefix for Kerman's roll.
const PREFIX_SHIFT: u32 = 14;

/// A voter on the roll: national id as a number (ten digits, so it fits and sorts as the text
/// does), birth date (Julian day) and council (index into `councils`, with [`DECEASED`]).
#[derive(Clone, Copy)]
struct Entry {
    id: u64,
    birth: i32,
    council: u32,
}

/// One election's roll, sorted by national id.
pub(crate) struct RollIndex {
    /// The voters in order of national id, each with its facts beside it (one cache line).
    voters: Vec<Entry>,
    /// Where the ids with each prefix (`id >> PREFIX_SHIFT`) start in `voters`, and one more
    /// entry for the end: a lookup then searches the few ids of its prefix instead of all
    /// of them (a binary search over millions misses the processor's cache at every step).
    starts: Vec<u32>,
    councils: Vec<String>,
}

impl RollIndex {
    /// Reads the roll of `election`, or `None` when it has more than [`MAX_VOTERS`] voters.
    pub(crate) fn load(conn: &Connection, election: &str) -> StoreResult<Option<Self>> {
        let size: i64 = conn
            .prepare_cached("SELECT count(*) FROM voters WHERE election_code = ?1")
            .map_err(db_err)?
            .query_row([election], |r| r.get(0))
            .map_err(db_err)?;
        if size > MAX_VOTERS {
            return Ok(None);
        }
        let capacity = usize::try_from(size).unwrap_or_default();
        let mut index = Self {
            voters: Vec::with_capacity(capacity),
            starts: Vec::new(),
            councils: Vec::new(),
        };
        let mut council_index: HashMap<String, u32> = HashMap::new();
        let mut rows = conn
            .prepare(
                "SELECT national_id, birth_date, council_code, deceased FROM voters
                 WHERE election_code = ?1 ORDER BY national_id",
            )
            .map_err(db_err)?;
        let mut rows = rows.query([election]).map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            let text = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
            let id = text(0).map_err(db_err)?;
            let id = as_number(id).ok_or_else(|| {
                StoreError::Database(format!("the roll holds a malformed national id {id:?}"))
            })?;
            let birth = parse_date(text(1).map_err(db_err)?).map_err(db_err)?;
            let council = text(2).map_err(db_err)?;
            let council = if let Some(i) = council_index.get(council) {
                *i
            } else {
                let i = u32::try_from(index.councils.len())
                    .ok()
                    .filter(|i| *i < DECEASED)
                    .ok_or_else(|| StoreError::Database("too many councils".into()))?;
                council_index.insert(council.to_owned(), i);
                index.councils.push(council.to_owned());
                i
            };
            let deceased: bool = row.get(3).map_err(db_err)?;
            index.voters.push(Entry {
                id,
                birth: birth.to_julian_day(),
                council: council | if deceased { DECEASED } else { 0 },
            });
        }
        // The text key sorts as the numbers do, since every id has ten digits; sort anyway
        // rather than trust it, since the lookups rely on the order.
        if !index.voters.is_sorted_by_key(|v| v.id) {
            index.voters.sort_unstable_by_key(|v| v.id);
        }
        let prefixes = index
            .voters
            .last()
            .map_or(0, |v| (v.id >> PREFIX_SHIFT) + 1);
        let mut next = 0usize;
        for prefix in 0..=prefixes {
            while next < index.voters.len() && (index.voters[next].id >> PREFIX_SHIFT) < prefix {
                next += 1;
            }
            index.starts.push(
                u32::try_from(next).map_err(|_| StoreError::Database("roll too large".into()))?,
            );
        }
        Ok(Some(index))
    }

    /// The voter with `national_id`, if on this roll.
    pub(crate) fn voter(&self, national_id: &NationalId) -> StoreResult<Option<Voter>> {
        let Some(id) = as_number(national_id.as_str()) else {
            return Ok(None);
        };
        let prefix = (id >> PREFIX_SHIFT) as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(prefix), self.starts.get(prefix + 1))
        else {
            return Ok(None);
        };
        let (start, end) = (start as usize, end as usize);
        let Some(at) = self
            .voters
            .get(start..end)
            .and_then(|voters| voters.binary_search_by_key(&id, |v| v.id).ok())
            .map(|i| start + i)
        else {
            return Ok(None);
        };
        let Entry { birth, council, .. } = self.voters[at];
        let birth_date = time::Date::from_julian_day(birth)
            .map_err(|e| StoreError::Database(format!("a birth date out of range: {e}")))?;
        let council_code = self
            .councils
            .get((council & !DECEASED) as usize)
            .ok_or_else(|| StoreError::Database("a council index out of range".into()))?;
        Ok(Some(Voter {
            national_id: national_id.clone(),
            birth_date,
            council: council_code.clone(),
            status: if council & DECEASED != 0 {
                VoterStatus::Deceased
            } else {
                VoterStatus::Alive
            },
        }))
    }

    pub(crate) fn len(&self) -> usize {
        self.voters.len()
    }
}

/// A national id's ten digits as a number; `None` for anything else.
fn as_number(id: &str) -> Option<u64> {
    if id.len() != 10 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

/// The rolls the writer has read, per election, while no import has replaced them.
#[derive(Default)]
pub(crate) struct Rolls {
    /// `Inner::roll_imports` when these were read.
    imports: u64,
    /// `None` for a roll looked up in the database (too large to hold).
    by_election: HashMap<String, Option<RollIndex>>,
    /// Rolls read so far (into memory, or found too large to hold), replaced ones included.
    pub(crate) reads: u64,
}

impl Rolls {
    pub(crate) fn forget_if_imported(&mut self, imports: u64) {
        if imports != self.imports {
            *self = Self {
                imports,
                by_election: HashMap::new(),
                reads: self.reads,
            };
        }
    }

    /// The voter of `election` with `national_id`: from memory, reading the roll first if it
    /// is not there yet, or from the database for a roll too large to hold.
    pub(crate) fn voter(
        &mut self,
        conn: &Connection,
        election: &str,
        national_id: &NationalId,
    ) -> StoreResult<Option<Voter>> {
        // One hash look-up on the hot path: the roll is read only once per election.
        match self.by_election.get(election) {
            Some(Some(index)) => return index.voter(national_id),
            Some(None) => return crate::roll::voter(conn, election, national_id.as_str()),
            None => {}
        }
        self.read(conn, election)?;
        match self.by_election.get(election) {
            Some(Some(index)) => index.voter(national_id),
            _ => crate::roll::voter(conn, election, national_id.as_str()),
        }
    }

    /// Reads the roll of `election` into memory unless it is there already (or found too
    /// large to hold).
    pub(crate) fn read(&mut self, conn: &Connection, election: &str) -> StoreResult<()> {
        if self.by_election.contains_key(election) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let index = RollIndex::load(conn, election)?;
        if let Some(index) = &index {
            tracing::info!(
                election,
                voters = index.len(),
                secs = started.elapsed().as_secs_f64(),
                "the roll is in memory for check-ins"
            );
        } else {
            tracing::info!(
                election,
                max = MAX_VOTERS,
                "the roll is too large to hold in memory; check-ins look voters up in the database"
            );
        }
        self.by_election.insert(election.to_owned(), index);
        self.reads += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{as_number, RollIndex, PREFIX_SHIFT};
    use domain::ids::NationalId;
    use domain::roll::VoterStatus;
    use rusqlite::Connection;

    /// A voters table as the migrations make it, with `ids` on election `e1` and the id
    /// numbered 9 on election `e0`.
    fn roll(ids: &[u64]) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE voters (election_code TEXT NOT NULL, national_id TEXT NOT NULL,
                 birth_date TEXT NOT NULL, council_code TEXT NOT NULL, deceased INTEGER NOT NULL,
                 PRIMARY KEY (election_code, national_id)) WITHOUT ROWID;
            ",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO voters VALUES ('e0', ?1, '1990-01-01', 'c9', 0)",
            [format!("{:010}", number(9))],
        )
        .unwrap();
        for (i, id) in ids.iter().enumerate() {
            conn.execute(
                "INSERT INTO voters VALUES ('e1', ?1, ?2, ?3, ?4)",
                rusqlite::params![
                    format!("{id:010}"),
                    format!("19{:02}-0{}-1{}", 50 + i % 40, 1 + i % 9, i % 10),
                    format!("c{}", i % 3),
                    i % 4 == 3
                ],
            )
            .unwrap();
        }
        conn
    }

    /// The national id numbered `k` (nine digits and its check digit), as a number.
    fn number(k: u32) -> u64 {
        NationalId::with_check_digit(k)
            .unwrap()
            .as_str()
            .parse()
            .unwrap()
    }

    fn id(n: u64) -> NationalId {
        NationalId::parse(&format!("{n:010}")).unwrap()
    }

    #[test]
    fn every_voter_is_found_with_their_facts_and_nobody_else() {
        // Ids on both sides of prefix boundaries, the smallest and the largest.
        let edge = (1u32 << PREFIX_SHIFT) / 10;
        let mut ks: Vec<u32> = vec![1, 2, 999_999_996, 999_999_998];
        ks.extend((edge - 3..=edge + 3).step_by(2));
        ks.extend((5 * edge - 3..=5 * edge + 3).step_by(2));
        ks.sort_unstable();
        let ids: Vec<u64> = ks.iter().map(|k| number(*k)).collect();
        assert!(
            ids.iter().any(|n| n >> PREFIX_SHIFT == 0)
                && ids.iter().any(|n| n >> PREFIX_SHIFT == 1)
        );
        let conn = roll(&ids);
        let index = RollIndex::load(&conn, "e1").unwrap().unwrap();
        assert_eq!(index.len(), ids.len());
        for (i, n) in ids.iter().enumerate() {
            let voter = index.voter(&id(*n)).unwrap().expect("on the roll");
            assert_eq!(voter.national_id.as_str(), format!("{n:010}"));
            assert_eq!(
                voter.birth_date.to_string(),
                format!("19{:02}-0{}-1{}", 50 + i % 40, 1 + i % 9, i % 10)
            );
            assert_eq!(voter.council, format!("c{}", i % 3));
            let deceased = i % 4 == 3;
            assert_eq!(voter.status == VoterStatus::Deceased, deceased, "{n}");
        }
        for k in [3, edge - 2, edge, edge + 2, 5 * edge - 2, 999_999_997] {
            assert!(index.voter(&id(number(k))).unwrap().is_none(), "{k}");
        }
        // Each election has its own roll.
        let other = RollIndex::load(&conn, "e0").unwrap().unwrap();
        assert_eq!(other.len(), 1);
        assert!(other.voter(&id(number(9))).unwrap().is_some());
        assert!(other.voter(&id(ids[0])).unwrap().is_none());
        assert!(index.voter(&id(number(9))).unwrap().is_none());
        assert_eq!(RollIndex::load(&conn, "e2").unwrap().unwrap().len(), 0);
    }

    #[test]
    fn only_ten_digit_ids_are_numbers() {
        assert_eq!(as_number("0012345678"), Some(12_345_678));
        assert_eq!(as_number("9999999999"), Some(9_999_999_999));
        assert_eq!(as_number("123456789"), None);
        assert_eq!(as_number("12345678901"), None);
        assert_eq!(as_number("00123456a8"), None);
        assert_eq!(as_number("+012345678"), None);
    }
}
