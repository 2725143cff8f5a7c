//! The count (issue 17 §4): the guardians decrypt the encrypted tallies of closed stations —
//! one per council a station took ballots for, the homomorphic sum of its ballots, which
//! anyone recomputes from the published record — by posting decryption shares with proofs.
//! Every share is checked against the guardian's public key share and the tally the server
//! sums itself, so a share of anything else (a single ballot, another station) is refused;
//! once k guardians' shares of a tally are in, its counts are decrypted and kept. No single
//! cast ballot is ever decrypted. Posting needs no account: a share's proof is its credential.

use crate::cache::StationSum;
use crate::record::{kept_decryption, manifest_head, station_record};
use crate::{Context, Error, Result};
use ballot_crypto::record::{Counts, Manifest, StationRecord};
use ballot_crypto::tally::{self, CountTable, DecryptionShare};
use ballot_crypto::EncryptedTally;
use domain::tally::{TallyRefusal, MAX_SHARES_PER_POST};
use std::collections::BTreeMap;
use std::sync::Arc;
use store::guardians::KeyKind;
use store::tallies::{TallyCounts, TallyShare};
use store::{Refusal, Store};

/// How many stations a page of tallies holds: each is summed from its ballots on request.
pub const STATIONS_PER_PAGE: usize = 50;

#[derive(Clone, Copy)]
pub struct Tallies<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// Which closed stations' tallies to list: a county's, one station's, or all; by page.
#[derive(Debug, Clone, Default)]
pub struct TallyFilter {
    pub county: Option<String>,
    pub station: Option<String>,
    /// From 1.
    pub page: u32,
}

/// A closed station's tallies, one per council it took ballots for.
#[derive(Debug, Clone)]
pub struct StationTallies {
    pub station: String,
    pub county: String,
    pub tallies: Vec<OpenTally>,
}

/// A tally, the guardians whose shares of it are in, and its counts once decrypted.
#[derive(Debug, Clone)]
pub struct OpenTally {
    pub council: String,
    pub ballots: u64,
    pub tally: EncryptedTally,
    pub guardians: Vec<usize>,
    pub counts: Option<Counts>,
}

/// A page of closed stations' tallies, with the key's threshold.
#[derive(Debug, Clone)]
pub struct TallyPage {
    pub stations: Vec<StationTallies>,
    pub page: u32,
    pub pages: u32,
    /// The closed stations the filter finds, on every page.
    pub total: usize,
    pub threshold: usize,
    pub guardians: usize,
}

/// One share a guardian posts: the station, the council, and the share with its proofs.
#[derive(Debug, Clone)]
pub struct PostedShare {
    pub station: String,
    pub council: String,
    pub share: DecryptionShare,
}

/// What a guardian's post did: how many shares were new, and which tallies it completed.
#[derive(Debug, Clone, Default)]
pub struct Posted {
    pub accepted: u64,
    pub counted: Vec<(String, String)>,
}

fn refused(r: TallyRefusal) -> Error {
    Error::Store(Refusal::Tally(r).into())
}

impl Tallies<'_> {
    /// A page of the closed stations' tallies (public: the ciphertexts are the record's).
    pub async fn closed(self, filter: &TallyFilter) -> Result<TallyPage> {
        let election = self.ctx.cached().election_code().await?;
        let key = crate::guardians::election_key(self.store, election, KeyKind::Election).await?;
        let mut stations: Vec<(String, String)> = self
            .store
            .station_day_board(election, filter.county.as_deref())
            .await?
            .into_iter()
            .filter(|s| domain::tally::decryptable(s.day.state))
            .filter(|s| {
                filter
                    .station
                    .as_ref()
                    .is_none_or(|wanted| &s.code == wanted)
            })
            .map(|s| (s.code, s.county))
            .collect();
        let total = stations.len();
        let pages = total.div_ceil(STATIONS_PER_PAGE).max(1);
        let page = usize::try_from(filter.page.max(1)).unwrap_or(1);
        let chosen: Vec<(String, String)> = stations
            .drain(..)
            .skip((page - 1) * STATIONS_PER_PAGE)
            .take(STATIONS_PER_PAGE)
            .collect();
        let manifest = manifest_head(self.store, election).await?;
        let mut out = Vec::new();
        for (station, county) in chosen {
            let tallies = self
                .counted(&manifest, &station)
                .await?
                .into_iter()
                .map(|t| OpenTally {
                    council: t.sum.council,
                    ballots: t.sum.ballots,
                    tally: t.sum.tally,
                    guardians: t.shares.iter().map(|s| s.guardian).collect(),
                    counts: t.counts,
                })
                .collect();
            out.push(StationTallies {
                station,
                county,
                tallies,
            });
        }
        Ok(TallyPage {
            stations: out,
            page: u32::try_from(page).unwrap_or(u32::MAX),
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            total,
            threshold: key.threshold(),
            guardians: key.guardians(),
        })
    }

    /// Keeps guardian `guardian`'s shares, each checked against the tally the server sums
    /// from the station's ballots (a closed station's only), and decrypts the counts of every
    /// tally they bring to the key's threshold. Refused whole if any share is refused.
    pub async fn post(self, guardian: usize, shares: Vec<PostedShare>) -> Result<Posted> {
        if shares.is_empty() || shares.len() > MAX_SHARES_PER_POST {
            return Err(refused(TallyRefusal::ShareCount));
        }
        if shares.iter().any(|s| s.share.guardian != guardian) {
            return Err(refused(TallyRefusal::GuardianMismatch));
        }
        let election = self.ctx.cached().election_code().await?;
        let key = Arc::new(
            crate::guardians::election_key(self.store, election, KeyKind::Election).await?,
        );
        let mut by_station: BTreeMap<String, Vec<PostedShare>> = BTreeMap::new();
        for share in shares {
            by_station
                .entry(share.station.clone())
                .or_default()
                .push(share);
        }
        let manifest = manifest_head(self.store, election).await?;
        let (mut kept, mut counts, mut counted) = (Vec::new(), Vec::new(), Vec::new());
        for (station, posted) in by_station {
            let closed = self
                .store
                .station_day(election, &station)
                .await?
                .is_some_and(|day| domain::tally::decryptable(day.state));
            if !closed {
                return Err(refused(TallyRefusal::StationNotClosed));
            }
            let tallies = self.counted(&manifest, &station).await?;
            let key = Arc::clone(&key);
            let (station_kept, station_counts) = tokio::task::spawn_blocking(move || {
                check_station(&key, &station, &tallies, posted)
            })
            .await
            .map_err(|e| Error::Internal(format!("checking shares: {e}")))??;
            counted.extend(
                station_counts
                    .iter()
                    .map(|c| (c.station.clone(), c.council.clone())),
            );
            kept.extend(station_kept);
            counts.extend(station_counts);
        }
        let guardian_number = u32::try_from(guardian).map_err(|_| Error::Forbidden)?;
        let by = store::Actor::new(format!("guardian:{guardian}"), self.ctx.clock.now());
        let accepted = self
            .store
            .record_decryption(election, guardian_number, &kept, &counts, &by)
            .await?;
        Ok(Posted { accepted, counted })
    }
}

impl Tallies<'_> {
    /// A closed station's tallies with the shares and counts kept so far. The sums are summed
    /// from the station's record once and then kept (`Caches::closed_sums`): the caller has
    /// checked the station is closed, so its box no longer changes.
    pub(crate) async fn counted(
        &self,
        manifest: &Manifest,
        station: &str,
    ) -> Result<Vec<CountedTally>> {
        let cache = &self.ctx.cached().caches.closed_sums;
        let sums = if let Some(sums) = cache.get(&manifest.election, station) {
            sums
        } else {
            let record = station_record(self.store, manifest, station).await?;
            let sums = Arc::new(sums_of(&record));
            cache.put(&manifest.election, station, Arc::clone(&sums));
            sums
        };
        let decryption = self
            .store
            .station_decryption(&manifest.election, station)
            .await?;
        sums.iter()
            .map(|sum| {
                let (shares, counts) = kept_decryption(&decryption, &sum.council)?;
                Ok(CountedTally {
                    sum: sum.clone(),
                    shares,
                    counts,
                })
            })
            .collect()
    }

    /// The election's manifest, as the record publishes it (public).
    pub async fn manifest(self) -> Result<ballot_crypto::record::Manifest> {
        let election = self.ctx.cached().election_code().await?;
        crate::record::manifest(self.store, election).await
    }

    /// A closed station's part of the record (public): its encrypted ballots, chains, tallies,
    /// shares and counts. A station still voting is refused: its box is published after its
    /// close.
    pub async fn station_record(self, station: &str) -> Result<StationRecord> {
        let election = self.ctx.cached().election_code().await?;
        let day = self
            .store
            .station_day(election, station)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        if !domain::tally::decryptable(day.state) {
            return Err(refused(TallyRefusal::StationNotClosed));
        }
        let manifest = manifest_head(self.store, election).await?;
        station_record(self.store, &manifest, station).await
    }
}

/// A closed station's tally as the count uses it: the sum, and the shares and counts kept.
#[derive(Debug, Clone)]
pub(crate) struct CountedTally {
    pub(crate) sum: StationSum,
    pub(crate) shares: Vec<DecryptionShare>,
    pub(crate) counts: Option<Counts>,
}

/// A station record's tallies, each with how many ballots it sums.
fn sums_of(record: &StationRecord) -> Vec<StationSum> {
    record
        .tallies
        .iter()
        .map(|t| StationSum {
            council: t.council.clone(),
            ballots: record
                .ballots
                .iter()
                .filter(|b| b.council == t.council)
                .count() as u64,
            tally: t.tally.clone(),
        })
        .collect()
}

/// Checks a station's posted shares against its tallies, and decrypts each tally they bring to
/// the threshold: the shares to keep and the counts.
fn check_station(
    key: &ballot_crypto::ElectionKey,
    station: &str,
    tallies: &[CountedTally],
    posted: Vec<PostedShare>,
) -> Result<(Vec<TallyShare>, Vec<TallyCounts>)> {
    let (mut kept, mut counts) = (Vec::new(), Vec::new());
    for share in posted {
        let Some(council_tally) = tallies.iter().find(|t| t.sum.council == share.council) else {
            return Err(refused(TallyRefusal::NoTally));
        };
        tally::verify_share(key, &council_tally.sum.tally, &share.share).map_err(Error::Crypto)?;
        let mut shares: Vec<DecryptionShare> = council_tally
            .shares
            .iter()
            .filter(|s| s.guardian != share.share.guardian)
            .cloned()
            .collect();
        shares.push(share.share.clone());
        if council_tally.counts.is_none() && shares.len() >= key.threshold() {
            let ballots = council_tally.sum.ballots;
            let votes = tally::decrypt_counts(
                key,
                &council_tally.sum.tally,
                &shares[shares.len() - key.threshold()..],
                &CountTable::up_to(ballots),
            )
            .map_err(Error::Crypto)?;
            let decrypted = Counts { ballots, votes };
            counts.push(TallyCounts {
                station: station.to_owned(),
                council: share.council.clone(),
                counts: serde_json::to_string(&decrypted)
                    .map_err(|e| Error::Internal(format!("counts: {e}")))?,
            });
        }
        kept.push(TallyShare {
            station: station.to_owned(),
            council: share.council,
            guardian: u32::try_from(share.share.guardian).map_err(|_| Error::Forbidden)?,
            share: serde_json::to_string(&share.share)
                .map_err(|e| Error::Internal(format!("a share: {e}")))?,
        });
    }
    Ok((kept, counts))
}
