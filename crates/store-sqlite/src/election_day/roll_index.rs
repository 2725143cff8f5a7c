//! The eligibility roll of an election, held in memory by the election-day writer.
//!
//! Every check-in looks its voter up on the roll. In SQLite that is a walk down a B-tree of
//! millions of rows whose leaf is rarely in the page cache, so each lookup read a page from the
//! file and pushed a page of the `checkins` table out of the cache. The roll does not change
//! on election day (only an import replaces it, and the writer then reads it again), so the
//! writer reads it once into an array sorted by national id: 16 bytes a voter, about 37 MB for
//! Kerman's 2.3 million. A roll too large for that ([`MAX_VOTERS`]) is looked up in the
//! database as before. The one-person-one-vote rule stays with the database's unique key.

use crate::db::db_err;
use crate::facts::voter;
use crate::sql::parse_date;
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
                StoreError::Corrupt(format!("the roll holds a malformed national id {id:?}"))
            })?;
            let birth = parse_date(text(1).map_err(db_err)?).map_err(db_err)?;
            let council = text(2).map_err(db_err)?;
            let council = if let Some(i) = council_index.get(council) {
                *i
            } else {
                let i = u32::try_from(index.councils.len())
                    .ok()
                    .filter(|i| *i < DECEASED)
                    .ok_or_else(|| StoreError::database("too many councils"))?;
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
            index
                .starts
                .push(u32::try_from(next).map_err(|_| StoreError::database("roll too large"))?);
        }
        Ok(Some(index))
    }

    /// The voter with `national_id`, if on this roll.
    #[cfg(test)]
    fn voter(&self, national_id: &NationalId) -> StoreResult<Option<Voter>> {
        self.voters([national_id].into_iter())
            .map(|found| found.into_iter().flatten().next())
    }

    /// The voters with `national_ids`, in their order, `None` for each not on this roll.
    ///
    /// Each lookup misses the processor's cache twice (the prefix table, then the voter), and
    /// with millions of voters that wait was a tenth of the election-day writer's time. So a
    /// batch's lookups go in steps over all of its ids: the reads within a step do not depend
    /// on one another, and the processor overlaps them instead of waiting for each in turn.
    pub(crate) fn voters<'a>(
        &self,
        national_ids: impl Iterator<Item = &'a NationalId> + Clone,
    ) -> StoreResult<Vec<Option<Voter>>> {
        let spans: Vec<Option<(u64, usize, usize)>> = national_ids
            .clone()
            .map(|national_id| {
                let id = as_number(national_id.as_str())?;
                let prefix = usize::try_from(id >> PREFIX_SHIFT).ok()?;
                let start = *self.starts.get(prefix)?;
                let end = *self.starts.get(prefix.checked_add(1)?)?;
                Some((id, start as usize, end as usize))
            })
            .collect();
        let found: Vec<Option<usize>> = spans
            .into_iter()
            .map(|span| {
                let (id, start, end) = span?;
                let at = self
                    .voters
                    .get(start..end)?
                    .binary_search_by_key(&id, |v| v.id)
                    .ok()?;
                Some(start + at)
            })
            .collect();
        national_ids
            .zip(found)
            .map(|(national_id, at)| at.map(|at| self.voter_at(national_id, at)).transpose())
            .collect()
    }

    /// The voter at `at` in `voters`, whose national id is `national_id`.
    fn voter_at(&self, national_id: &NationalId, at: usize) -> StoreResult<Voter> {
        let Entry { birth, council, .. } = self.voters[at];
        let birth_date = time::Date::from_julian_day(birth)
            .map_err(|e| StoreError::database(format!("a birth date out of range: {e}")))?;
        let council_code = self
            .councils
            .get((council & !DECEASED) as usize)
            .ok_or_else(|| StoreError::database("a council index out of range"))?;
        Ok(Voter {
            national_id: national_id.clone(),
            birth_date,
            council: council_code.clone(),
            status: if council & DECEASED != 0 {
                VoterStatus::Deceased
            } else {
                VoterStatus::Alive
            },
        })
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

    /// The voters of a batch, each `(election, national_id)` in turn, `None` for one not on
    /// the roll: from memory, reading a roll first if it is not there yet, or from the
    /// database for a roll too large to hold.
    pub(crate) fn voters(
        &mut self,
        conn: &Connection,
        wanted: &[(&str, &NationalId)],
    ) -> StoreResult<Vec<Option<Voter>>> {
        let mut found = Vec::with_capacity(wanted.len());
        // A batch is nearly always of one election: one run of its ids, one look-up of its roll.
        for run in wanted.chunk_by(|a, b| a.0 == b.0) {
            let Some(&(election, _)) = run.first() else {
                continue;
            };
            self.read(conn, election)?;
            let ids = run.iter().map(|(_, national_id)| *national_id);
            match self.by_election.get(election) {
                Some(Some(index)) => found.extend(index.voters(ids)?),
                _ => {
                    for national_id in ids {
                        found.push(voter(conn, election, national_id.as_str())?);
                    }
                }
            }
        }
        Ok(found)
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
    use super::{as_number, RollIndex, Rolls, PREFIX_SHIFT};
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
    fn a_batch_finds_its_voters_in_order_across_elections() {
        let ids: Vec<u64> = (1..=40).map(|k| number(k * 7)).collect();
        let conn = roll(&ids);
        let (on_e1, on_e0, nobody) = (id(ids[5]), id(number(9)), id(number(8)));
        let wanted = [
            ("e1", &on_e1),
            ("e1", &nobody),
            ("e0", &on_e0),
            ("e0", &on_e1),
            ("e1", &on_e0),
            ("e1", &on_e1),
            ("e2", &on_e1),
        ];
        let mut rolls = Rolls::default();
        let found = rolls.voters(&conn, &wanted).unwrap();
        let found: Vec<Option<&str>> = found
            .iter()
            .map(|v| v.as_ref().map(|v| v.national_id.as_str()))
            .collect();
        let (e1, e0) = (Some(on_e1.as_str()), Some(on_e0.as_str()));
        assert_eq!(found, [e1, None, e0, None, None, e1, None]);
        // Each roll was read once, the empty one of `e2` too.
        assert_eq!(rolls.reads, 3);
        // A voter's facts are theirs, as a lookup one at a time finds them.
        let index = RollIndex::load(&conn, "e1").unwrap().unwrap();
        let alone = index.voter(&on_e1).unwrap().unwrap();
        let batched = rolls.voters(&conn, &[("e1", &on_e1)]).unwrap();
        let batched = batched[0].as_ref().unwrap();
        assert_eq!(
            (&batched.council, batched.birth_date, batched.status),
            (&alone.council, alone.birth_date, alone.status)
        );
        assert_eq!(rolls.reads, 3);
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
