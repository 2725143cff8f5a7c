//! Voting devices (issue 17 §1, DESIGN §4): a kiosk is a principal of its own. A device asks
//! to be paired and shows a code; its station's staff approve the code from their console;
//! the kiosk then shows a ballot only while the console has activated one for a checked-in
//! voter of that station, single-use, bound to the station and the kiosk, and expiring. The
//! kiosk never holds the ballot token: its activation holds the token's hash.

use crate::{authorize, random, Context, Error, Result};
use domain::access::{Action, Principal, Role, Scope};
use domain::kiosk::{self as rules, KioskRefusal, PairingCode};
use store::kiosks::{Activation, Kiosk, NewKiosk};
use store::{ElectionDayStore, EquipmentStore, KioskStore, Refusal};

#[derive(Clone, Copy)]
pub struct Kiosks<'a> {
    pub(crate) kiosks: &'a dyn KioskStore,
    pub(crate) day: &'a dyn ElectionDayStore,
    pub(crate) equipment: &'a dyn EquipmentStore,
    pub(crate) ctx: Context<'a>,
}

/// A device's request to be paired: the secret it keeps (its session, shown to no one), and
/// the kiosk as kept (with the pairing code it shows).
#[derive(Debug, Clone)]
pub struct Requested {
    pub secret: String,
    pub kiosk: Kiosk,
}

/// Whose ballot the console activates: by the token its check-in gave, or, when the console no
/// longer holds it (the page was left or reloaded), by the checked-in voter's national id.
#[derive(Debug, Clone, Copy)]
pub enum VoterBallot<'a> {
    Token(&'a str),
    Voter(&'a str),
}

/// A kiosk of a station as its console lists it: the kiosk, and the ballot live on it (its
/// voter yet to cast, not expired), if any.
#[derive(Debug, Clone)]
pub struct StationKiosk {
    pub kiosk: Kiosk,
    pub live: Option<Activation>,
}

/// The ballot a kiosk may show now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveBallot {
    pub activation: String,
    pub council: String,
    pub station: String,
    pub expires_at: time::OffsetDateTime,
    /// The equipment test run whose test ballot this is (issue 17 §6); `None` for a voter's.
    pub test_run: Option<i64>,
    pub(crate) token_hash: String,
}

/// The principal of a paired kiosk in service; `None` for one waiting or retired.
pub fn principal_of(kiosk: &Kiosk) -> Option<Principal> {
    let paired = kiosk.paired.as_ref()?;
    kiosk.retired_at.is_none().then(|| Principal {
        username: rules::kiosk_username(&kiosk.kiosk_id),
        role: Role::Kiosk,
        scope: Scope::Station {
            county: paired.county.clone(),
            station: paired.station.clone(),
        },
    })
}

fn refused(r: KioskRefusal) -> Error {
    Error::Store(Refusal::Kiosk(r).into())
}

impl Kiosks<'_> {
    /// A device asks to be paired (anonymously; a browser signed in as a user is refused:
    /// the staff keep their console on their own device). At most `domain::kiosk::MAX_PENDING`
    /// wait at once.
    pub async fn request(self, principal: Option<&Principal>) -> Result<Requested> {
        if principal.is_some() {
            return Err(refused(KioskRefusal::SignedIn));
        }
        let election = self.ctx.cached().election_code().await?;
        let now = self.ctx.clock.now();
        // A code already shown by another waiting kiosk is drawn again.
        for _ in 0..8 {
            let secret = random::new_token();
            let code = PairingCode::from_number(u64::from_be_bytes(random::random_bytes::<8>()));
            let kiosk = NewKiosk {
                election_code: election.to_owned(),
                kiosk_id: random::random_hex::<8>(),
                session_hash: random::token_hash(&secret),
                pairing_code: code.as_str().to_owned(),
                csrf_token: random::new_token(),
            };
            let by = store::Actor::new(rules::kiosk_username(&kiosk.kiosk_id), now);
            if self
                .kiosks
                .request_kiosk(&kiosk, now - rules::PAIRING_TTL, rules::MAX_PENDING, &by)
                .await?
            {
                let kept = self
                    .kiosks
                    .kiosk_by_session(&kiosk.session_hash)
                    .await?
                    .ok_or(Error::NotFound(store::Entity::Kiosk))?;
                return Ok(Requested {
                    secret,
                    kiosk: kept,
                });
            }
        }
        Err(Error::Internal("no free pairing code was drawn".into()))
    }

    /// The kiosk whose session secret is `secret`, waiting, paired or retired.
    pub async fn by_secret(self, secret: &str) -> Result<Option<Kiosk>> {
        Ok(self
            .kiosks
            .kiosk_by_session(&random::token_hash(secret))
            .await?)
    }

    /// The station's staff pair the kiosk that shows `code` to their station.
    pub async fn pair(
        self,
        principal: Option<&Principal>,
        station: &str,
        code: &str,
    ) -> Result<Kiosk> {
        let p = authorize(principal, Action::OperateStation { station })?;
        let code = PairingCode::parse(code)?;
        let election = self.ctx.cached().election_code().await?;
        let now = self.ctx.clock.now();
        Ok(self
            .kiosks
            .pair_kiosk(
                election,
                station,
                code.as_str(),
                now - rules::PAIRING_TTL,
                &self.ctx.actor(p),
            )
            .await?)
    }

    /// The station's kiosks in service, each with the ballot live on it.
    pub async fn of_station(
        self,
        principal: Option<&Principal>,
        station: &str,
    ) -> Result<Vec<StationKiosk>> {
        authorize(principal, Action::OperateStation { station })?;
        self.listed(station).await
    }

    async fn listed(&self, station: &str) -> Result<Vec<StationKiosk>> {
        let election = self.ctx.cached().election_code().await?;
        let mut listed = Vec::new();
        for kiosk in self.kiosks.station_kiosks(election, station).await? {
            let live = self
                .live(election, station, kiosk.activation.as_ref())
                .await?;
            listed.push(StationKiosk { kiosk, live });
        }
        Ok(listed)
    }

    /// The activation if it is live: not expired, and its token not spent (cast, or its
    /// voter walked out) — or, for a test ballot, its run still going on.
    async fn live(
        &self,
        election: &str,
        station: &str,
        activation: Option<&Activation>,
    ) -> Result<Option<Activation>> {
        let Some(activation) = activation else {
            return Ok(None);
        };
        if self.ctx.clock.now() >= activation.expires_at {
            return Ok(None);
        }
        let open = match activation.test_run {
            Some(run) => {
                let tests = self.equipment.station_equipment(election, station).await?;
                tests.running().is_some_and(|r| r.id == run)
            }
            None => self
                .day
                .open_ballot(election, &activation.token_hash)
                .await?
                .is_some(),
        };
        Ok(open.then(|| activation.clone()))
    }

    /// Takes a kiosk of the station out of service: its session ends at once.
    pub async fn retire(
        self,
        principal: Option<&Principal>,
        station: &str,
        kiosk_id: &str,
    ) -> Result<()> {
        let p = authorize(principal, Action::OperateStation { station })?;
        Ok(self
            .kiosks
            .retire_kiosk(station, kiosk_id, &self.ctx.actor(p))
            .await?)
    }

    /// The station's staff activate a voter's ballot (a check-in of theirs, its ballot not
    /// cast) on their kiosk `kiosk_id`, for `domain::kiosk::ACTIVATION_TTL`. Refused while the
    /// kiosk shows another voter's live ballot; the same voter's is renewed, and one live on
    /// another kiosk moves here.
    pub async fn activate(
        self,
        principal: Option<&Principal>,
        station: &str,
        kiosk_id: &str,
        ballot: VoterBallot<'_>,
    ) -> Result<Activation> {
        let p = authorize(principal, Action::OperateStation { station })?;
        let election = self.ctx.cached().election_code().await?;
        let token_hash = match ballot {
            VoterBallot::Token(token) => crate::election_day::ballot_token_key(token.trim()),
            VoterBallot::Voter(national_id) => {
                let national_id = domain::ids::NationalId::parse(national_id)?;
                self.day
                    .pending_token(election, station, national_id.as_str())
                    .await?
                    .ok_or(Error::BallotTokenInvalid)?
            }
        };
        let open = self
            .day
            .open_ballot(election, &token_hash)
            .await?
            .ok_or(Error::BallotTokenInvalid)?;
        if open.station != station {
            return Err(refused(KioskRefusal::OtherStation));
        }
        self.put(p, station, kiosk_id, token_hash, open.council, None)
            .await
    }

    /// Activates a ballot of `council` on the station's kiosk `kiosk_id` (a voter's, by its
    /// token's hash, or a test run's), for `domain::kiosk::ACTIVATION_TTL`. Refused while the
    /// kiosk shows another live ballot; the same voter's is renewed.
    pub(crate) async fn put(
        &self,
        p: &Principal,
        station: &str,
        kiosk_id: &str,
        token_hash: String,
        council: String,
        test_run: Option<i64>,
    ) -> Result<Activation> {
        let kiosk = self
            .listed(station)
            .await?
            .into_iter()
            .find(|k| k.kiosk.kiosk_id == kiosk_id)
            .ok_or(Error::NotFound(store::Entity::Kiosk))?;
        if kiosk
            .live
            .as_ref()
            .is_some_and(|live| test_run.is_some() || live.token_hash != token_hash)
        {
            return Err(refused(KioskRefusal::Busy));
        }
        let now = self.ctx.clock.now();
        let id = random::random_hex::<16>();
        let activation = Activation {
            token_hash: if test_run.is_some() {
                store::kiosks::test_token_hash(&id)
            } else {
                token_hash
            },
            id,
            council,
            at: now,
            expires_at: rules::activation_expires(now),
            test_run,
        };
        self.kiosks
            .activate_kiosk(
                station,
                kiosk_id,
                kiosk.kiosk.activation.as_ref().map(|a| a.id.as_str()),
                &activation,
                &self.ctx.actor(p),
            )
            .await?;
        Ok(activation)
    }

    /// The calling kiosk as kept (its number, its station).
    pub async fn own(self, principal: Option<&Principal>) -> Result<Option<Kiosk>> {
        let (station, kiosk_id) = kiosk_caller(principal)?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .kiosks
            .station_kiosk(election, station, kiosk_id)
            .await?)
    }

    /// The ballot live on the calling kiosk, if any (`activation`, when given, must be the
    /// one its screen shows: a screen of an earlier activation shows nothing).
    pub async fn current(
        self,
        principal: Option<&Principal>,
        activation: Option<&str>,
    ) -> Result<Option<LiveBallot>> {
        let (station, _) = kiosk_caller(principal)?;
        let election = self.ctx.cached().election_code().await?;
        let Some(kiosk) = self.own(principal).await? else {
            return Ok(None);
        };
        let Some(live) = self
            .live(election, station, kiosk.activation.as_ref())
            .await?
        else {
            return Ok(None);
        };
        if activation.is_some_and(|shown| shown != live.id) {
            return Ok(None);
        }
        Ok(Some(LiveBallot {
            activation: live.id,
            council: live.council,
            station: station.to_owned(),
            expires_at: live.expires_at,
            test_run: live.test_run,
            token_hash: live.token_hash,
        }))
    }
}

/// The calling kiosk's station and id (`Action::CastBallot` on its own station: a kiosk only).
pub(crate) fn kiosk_caller(principal: Option<&Principal>) -> Result<(&str, &str)> {
    let station = principal
        .and_then(|p| p.scope.station())
        .unwrap_or_default();
    let p = authorize(principal, Action::CastBallot { station })?;
    let kiosk = rules::kiosk_of(&p.username).ok_or(Error::Forbidden)?;
    Ok((station, kiosk))
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::kiosks::Pairing;
    use time::macros::datetime;

    fn kiosk(paired: bool, retired: bool) -> Kiosk {
        let at = datetime!(2026-06-19 08:00 UTC);
        Kiosk {
            kiosk_id: "k1".into(),
            election_code: "e".into(),
            csrf_token: "c".into(),
            requested_at: at,
            pairing_code: (!paired).then(|| "12345678".into()),
            paired: paired.then(|| Pairing {
                station: "1100001".into(),
                county: "11".into(),
                number: 1,
                at,
                by: "staff".into(),
            }),
            retired_at: retired.then_some(at),
            activation: None,
        }
    }

    #[test]
    fn only_a_paired_kiosk_in_service_is_a_principal_and_only_it_casts() {
        assert_eq!(principal_of(&kiosk(false, false)), None);
        assert_eq!(principal_of(&kiosk(true, true)), None);
        let k = principal_of(&kiosk(true, false)).unwrap();
        assert_eq!(k.role, Role::Kiosk);
        assert_eq!(k.scope.station(), Some("1100001"));
        assert_eq!(kiosk_caller(Some(&k)).unwrap(), ("1100001", "k1"));
        let staff = Principal {
            username: "s".into(),
            role: Role::StationStaff,
            scope: k.scope.clone(),
        };
        assert!(matches!(kiosk_caller(Some(&staff)), Err(Error::Forbidden)));
        let hq = Principal {
            username: "hq".into(),
            role: Role::ProvinceHq,
            scope: Scope::Province,
        };
        assert!(matches!(kiosk_caller(Some(&hq)), Err(Error::Forbidden)));
        assert!(matches!(kiosk_caller(None), Err(Error::Unauthenticated)));
    }
}
