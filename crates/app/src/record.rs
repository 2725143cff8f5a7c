//! The election record (issue 17 §5): what the election publishes so that anyone can check it
//! with `sandoq verify` and no trust in this server — the key ceremony's public record, every
//! council's ballot style, and per station its encrypted ballots (in tracking-code order), its
//! kiosks' chains and its tallies per council, summed from the ballots.

use crate::{Error, Result};
use ballot_crypto::record::{CastBallot, ChallengedBallot, KioskChain, Manifest, StationRecord};
use ballot_crypto::{EncryptedBallot, TrackingCode};
use store::guardians::KeyKind;
use store::{PageRequest, StationFilter, Store};

fn corrupt(what: &str) -> Error {
    Error::Internal(format!("a stored ballot's {what} cannot be read"))
}

/// A stored ballot's place in its kiosk's chain and its encryption, read back.
fn link_of(
    b: &store::election_day::StoredBallot,
) -> Result<(TrackingCode, TrackingCode, EncryptedBallot)> {
    Ok((
        TrackingCode::try_from(b.tracking_code.clone()).map_err(|_| corrupt("tracking code"))?,
        TrackingCode::try_from(b.previous_code.clone()).map_err(|_| corrupt("previous code"))?,
        serde_json::from_str(&b.ballot).map_err(|_| corrupt("encryption"))?,
    ))
}

/// The election's manifest: its ceremony (`NotFound(ElectionKey)` before it), every council's
/// ballot style, and every station that is not closed down.
pub async fn manifest(store: &dyn Store, election: &str) -> Result<Manifest> {
    let mut manifest = manifest_head(store, election).await?;
    let mut stations = Vec::new();
    let mut page = 1;
    loop {
        let found = store
            .stations(
                &StationFilter::default(),
                PageRequest::new(page, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        let pages = found.pages();
        stations.extend(found.items.into_iter().map(|s| s.code));
        if i64::from(page) >= pages {
            break;
        }
        page += 1;
    }
    stations.sort();
    manifest.stations = stations;
    Ok(manifest)
}

/// The manifest without its list of stations: the ceremony and the ballot styles, all a
/// station's part of the record needs.
pub(crate) async fn manifest_head(store: &dyn Store, election: &str) -> Result<Manifest> {
    let ceremony = crate::guardians::published_key(store, election, KeyKind::Election)
        .await?
        .ok_or(Error::NotFound(store::Entity::ElectionKey))?
        .record;
    Ok(Manifest {
        election: election.to_owned(),
        ceremony,
        styles: store.ballot_styles(election).await?,
        stations: Vec::new(),
    })
}

/// A station's part of the record: its ballots and chains as stored, a tally per council
/// summed from them, and the guardians' decryption shares and counts of each tally kept so far.
pub async fn station_record(
    store: &dyn Store,
    manifest: &Manifest,
    station: &str,
) -> Result<StationRecord> {
    let stored = store.station_ballots(&manifest.election, station).await?;
    let ballots = stored
        .ballots
        .into_iter()
        .map(|b| {
            let (tracking_code, previous, ballot) = link_of(&b)?;
            Ok(CastBallot {
                kiosk: b.kiosk,
                council: b.council,
                tracking_code,
                previous,
                ballot,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let challenged = stored
        .challenged
        .into_iter()
        .map(|(b, opening)| {
            let (tracking_code, previous, ballot) = link_of(&b)?;
            Ok(ChallengedBallot {
                kiosk: b.kiosk,
                council: b.council,
                tracking_code,
                previous,
                ballot,
                opening: serde_json::from_str(&opening).map_err(|_| corrupt("opening"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let kiosks = stored
        .chains
        .into_iter()
        .map(|chain| {
            Ok(KioskChain {
                kiosk: chain.kiosk,
                ballots: u64::try_from(chain.ballots).map_err(|_| corrupt("chain"))?,
                head: TrackingCode::try_from(chain.head).map_err(|_| corrupt("chain head"))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut record = StationRecord {
        election: manifest.election.clone(),
        station: station.to_owned(),
        kiosks,
        ballots,
        challenged,
        tallies: Vec::new(),
    };
    record.tallies = record.sum_tallies(manifest)?;
    let decryption = store
        .station_decryption(&manifest.election, station)
        .await?;
    for tally in &mut record.tallies {
        (tally.shares, tally.counts) = kept_decryption(&decryption, &tally.council)?;
    }
    record.sort();
    Ok(record)
}

/// The decryption shares and the counts kept of a station's tally of `council`, read back.
pub(crate) fn kept_decryption(
    decryption: &store::tallies::StationDecryption,
    council: &str,
) -> Result<(
    Vec<ballot_crypto::DecryptionShare>,
    Option<ballot_crypto::record::Counts>,
)> {
    let shares = decryption
        .shares
        .iter()
        .filter(|s| s.council == council)
        .map(|s| serde_json::from_str(&s.share).map_err(|_| corrupt("decryption share")))
        .collect::<Result<Vec<_>>>()?;
    let counts = decryption
        .counts
        .iter()
        .find(|c| c.council == council)
        .map(|c| serde_json::from_str(&c.counts).map_err(|_| corrupt("counts")))
        .transpose()?;
    Ok((shares, counts))
}
