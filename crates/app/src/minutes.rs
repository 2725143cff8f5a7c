//! Station minutes (issue 18 §2): drawn up from a closed station's decrypted count, signed by
//! the holders of its signing posts with the keys their browsers made, corrected only by a new
//! version with its reason, and public with every signer's key. Who may do what is
//! `domain::access`'s (`DrawMinutes`, `SignMinutes`, `RegisterSigningKey`,
//! `ManageSigningKeys`); the rules are `domain::results::minutes`'s.

use crate::record::manifest_head;
use crate::results::Results;
use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::results::council;
use domain::results::minutes::{
    self, Mark, Minutes, MinutesCouncil, MinutesRefusal, MinutesVotes, SigningState,
};
use domain::results::published_minutes::{
    PublishedKey, PublishedMark, PublishedMinutes, PublishedStationMinutes, PublishedVersion,
};
use domain::station::Station;
use store::minutes::{KeptMinutes, NewMark, NewSigningKey, SigningKey};
use store::Store;

#[derive(Clone, Copy)]
pub struct StationMinutes<'a> {
    pub(crate) store: &'a dyn Store,
    pub(crate) ctx: Context<'a>,
}

/// A station's minutes, public: every version (oldest first) and the signing posts held there.
#[derive(Debug, Clone)]
pub struct MinutesFile {
    pub station: Station,
    pub versions: Vec<KeptMinutes>,
    /// The signing posts' holders now (their names are on the posted sheet; who signs a
    /// version is its roster).
    pub holders: Vec<store::StaffAssignment>,
}

impl MinutesFile {
    pub fn current(&self) -> Option<&KeptMinutes> {
        self.versions.last()
    }

    /// Where the current version stands among the signers its roster names.
    pub fn state(&self) -> Option<SigningState> {
        self.current().map(KeptMinutes::state)
    }
}

/// A mark as asked for: a signature (base64url of its 64 bytes) or a refusal's reason.
#[derive(Debug, Clone)]
pub enum MarkRequest {
    Sign(String),
    Refuse(String),
}

fn refused(r: MinutesRefusal) -> Error {
    Error::Store(r.into())
}

impl StationMinutes<'_> {
    async fn station(self, code: &str) -> Result<Station> {
        self.store
            .station(code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))
    }

    /// The minutes the station's count gives now, at version 0 (the store numbers them):
    /// refused (`minutes_not_counted`) until its box is closed and every tally it holds is
    /// decrypted.
    pub async fn counted(self, station: &str, remarks: &str) -> Result<Minutes> {
        let election = self.ctx.cached().election_code().await?;
        let day = self.store.station_day(election, station).await?;
        let Some(day) = day.filter(|day| domain::tally::decryptable(day.state)) else {
            return Err(refused(MinutesRefusal::NotCounted));
        };
        let manifest = match manifest_head(self.store, election).await {
            Ok(manifest) => manifest,
            Err(Error::NotFound(store::Entity::ElectionKey)) => {
                return Err(refused(MinutesRefusal::NotCounted))
            }
            Err(e) => return Err(e),
        };
        let results = Results {
            store: self.store,
            ctx: self.ctx,
        };
        let paper = results.paper_station(election, station).await?;
        let closed = results.closed_station(&manifest, station, paper).await?;
        let mut councils = Vec::with_capacity(closed.tallies.len());
        for council in closed.councils() {
            // The devices' count and the accepted hand count together; not before both are in.
            let (ballots, votes) =
                council::station_count(closed.tally(council), &closed.paper(council))
                    .ok_or_else(|| refused(MinutesRefusal::NotCounted))?;
            councils.push(MinutesCouncil {
                council: council.to_owned(),
                ballots,
                votes: votes
                    .iter()
                    .map(|(candidate, votes)| MinutesVotes {
                        candidate: candidate.clone(),
                        votes: *votes,
                    })
                    .collect(),
            });
        }
        if remarks.chars().count() > minutes::MAX_REMARKS_CHARS {
            return Err(refused(MinutesRefusal::RemarksTooLong));
        }
        // Who signs is fixed now, in the signed text: the station's signing posts' holders.
        let holders = self
            .store
            .station_staff(station)
            .await?
            .into_iter()
            .map(|a| (a.post, a.national_id));
        Ok(Minutes::new(
            election,
            station,
            (day.opened_at, day.closed_at),
            closed.voters,
            remarks,
            councils,
        )
        .with_signers(holders))
    }

    /// Draws up the station's minutes from its count, or (with a reason) its next version.
    pub async fn draw(
        self,
        principal: Option<&Principal>,
        station: &str,
        remarks: &str,
        reason: Option<&str>,
    ) -> Result<KeptMinutes> {
        let station = self.station(station).await?;
        let principal = authorize(
            principal,
            Action::DrawMinutes {
                county: &station.county_code,
                station: &station.code,
            },
        )?;
        let drawn = self.counted(&station.code, remarks).await?;
        Ok(self
            .store
            .draw_minutes(&drawn, reason, &self.ctx.actor(principal))
            .await?)
    }

    /// Signs, or refuses to sign, the station's `version` as the signer's post there.
    pub async fn mark(
        self,
        principal: Option<&Principal>,
        station: &str,
        version: u32,
        mark: &MarkRequest,
    ) -> Result<KeptMinutes> {
        let station = self.station(station).await?;
        let principal = authorize(
            principal,
            Action::SignMinutes {
                county: &station.county_code,
                station: &station.code,
            },
        )?;
        let mark = match mark {
            MarkRequest::Sign(signature) => NewMark::Sign(
                minutes::decode(signature).ok_or_else(|| refused(MinutesRefusal::BadSignature))?,
            ),
            MarkRequest::Refuse(reason) => NewMark::Refuse(reason.clone()),
        };
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .store
            .mark_minutes(
                election,
                &station.code,
                version,
                &mark,
                &self.ctx.actor(principal),
            )
            .await?)
    }

    /// A station's minutes, every version, with the posts staffed there (public).
    pub async fn file(self, station: &str) -> Result<MinutesFile> {
        let station = self.station(station).await?;
        let election = self.ctx.cached().election_code().await?;
        let versions = self.store.station_minutes(election, &station.code).await?;
        let holders: Vec<store::StaffAssignment> = self
            .store
            .station_staff(&station.code)
            .await?
            .into_iter()
            .filter(|a| minutes::signs(a.post))
            .collect();
        Ok(MinutesFile {
            station,
            versions,
            holders,
        })
    }

    /// Every station's current minutes (public): what the results read.
    pub async fn current(self) -> Result<Vec<KeptMinutes>> {
        let election = self.ctx.cached().election_code().await?;
        Ok(self.store.current_minutes(election).await?)
    }

    /// Registers a key for the signed-in official, as the person `national_id`, pending the
    /// county governor's confirmation. The key is 32 bytes of base64url.
    pub async fn register_key(
        self,
        principal: Option<&Principal>,
        national_id: &str,
        public_key: &str,
    ) -> Result<SigningKey> {
        let principal = authorize(principal, Action::RegisterSigningKey)?;
        let national_id = domain::ids::NationalId::parse(national_id)?;
        let public_key =
            minutes::decode(public_key).ok_or_else(|| refused(MinutesRefusal::BadPublicKey))?;
        let election = self.ctx.cached().election_code().await?;
        // The person's post must lie within the account's own scope.
        let (station, county) = match &principal.scope {
            domain::access::Scope::Station { county, station } => {
                (Some(station.clone()), Some(county.clone()))
            }
            domain::access::Scope::County { county } => (None, Some(county.clone())),
            domain::access::Scope::Province => (None, None),
        };
        Ok(self
            .store
            .register_signing_key(
                &NewSigningKey {
                    election: election.to_owned(),
                    username: principal.username.clone(),
                    national_id: national_id.as_str().to_owned(),
                    public_key,
                    station,
                    county,
                },
                &self.ctx.actor(principal),
            )
            .await?)
    }

    /// The signed-in official's own keys, newest first.
    pub async fn own_keys(self, principal: Option<&Principal>) -> Result<Vec<SigningKey>> {
        let principal = authorize(principal, Action::RegisterSigningKey)?;
        Ok(self
            .store
            .signing_keys(None)
            .await?
            .into_iter()
            .filter(|key| key.username == principal.username)
            .collect())
    }

    /// The keys of a county (or, for the HQ, of every county), newest first.
    pub async fn keys(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<Vec<SigningKey>> {
        authorize(principal, Action::ManageSigningKeys { county })?;
        Ok(self.store.signing_keys(county).await?)
    }

    /// Every station's minutes, every version with its marks, and every official's key: what
    /// the record publishes (`minutes.json`) for `sandoq tally` and `sandoq verify-minutes`.
    pub async fn published(self) -> Result<PublishedMinutes> {
        let election = self.ctx.cached().election_code().await?;
        let keys = self
            .published_keys()
            .await?
            .iter()
            .map(published_key)
            .collect();
        let mut stations = Vec::new();
        for current in self.store.current_minutes(election).await? {
            let station = current.minutes.station.clone();
            let versions = self.store.station_minutes(election, &station).await?;
            stations.push(PublishedStationMinutes {
                station,
                versions: versions.iter().map(published_version).collect(),
            });
        }
        Ok(PublishedMinutes {
            election: election.to_owned(),
            keys,
            stations,
        })
    }

    /// Every key a governor confirmed, revoked later or not (public: they check the posted
    /// minutes). A pending key is not published: anyone may have registered it, for anyone.
    pub async fn published_keys(self) -> Result<Vec<SigningKey>> {
        Ok(self
            .store
            .signing_keys(None)
            .await?
            .into_iter()
            .filter(|key| key.confirmed.is_some())
            .collect())
    }

    /// Confirms (`true`) or revokes a key of the governor's county.
    pub async fn step_key(
        self,
        principal: Option<&Principal>,
        id: i64,
        confirm: bool,
    ) -> Result<SigningKey> {
        let key = self
            .store
            .signing_key(id)
            .await?
            .ok_or(Error::NotFound(store::Entity::SigningKey))?;
        let principal = authorize(
            principal,
            Action::ManageSigningKeys {
                county: Some(&key.county),
            },
        )?;
        let by = self.ctx.actor(principal);
        Ok(if confirm {
            self.store.confirm_signing_key(id, &by).await?
        } else {
            self.store.revoke_signing_key(id, &by).await?
        })
    }
}

/// A key as published: never the account's username, only the person and the county.
pub fn published_key(key: &SigningKey) -> PublishedKey {
    PublishedKey {
        id: key.id,
        national_id: key.national_id.clone(),
        county: key.county.clone(),
        public_key: minutes::encode(&key.public_key),
        confirmed_at: key.confirmed.as_ref().map(|(_, at)| *at),
        revoked_at: key.revoked.as_ref().map(|(_, at)| *at),
    }
}

/// A version as published, its marks with their key ids.
pub fn published_version(kept: &KeptMinutes) -> PublishedVersion {
    PublishedVersion {
        version: kept.minutes.version,
        text: kept.minutes.canonical(),
        digest: kept.minutes.digest(),
        reason: kept.reason.clone(),
        drawn_at: kept.drawn_at,
        marks: kept
            .marks
            .iter()
            .map(|mark| {
                let (signature, refusal) = match &mark.mark {
                    Mark::Signed { signature, .. } => (Some(minutes::encode(signature)), None),
                    Mark::Refused { reason } => (None, Some(reason.clone())),
                };
                PublishedMark {
                    post: mark.post,
                    national_id: mark.national_id.clone(),
                    key: mark.key_id,
                    signature,
                    refusal,
                    at: mark.at,
                }
            })
            .collect(),
    }
}
