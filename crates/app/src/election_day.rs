//! Election day (issue 4; DESIGN §3, §4): a station's opening, pauses, extensions and closing,
//! voter check-in, and ballots. Only a station's own staff act on its day and check voters
//! in there; only that station's device casts the ballots its check-ins opened.
//!
//! A ballot token names the station whose check-in issued it, in clear, and the store keeps
//! only the hash of the whole token: so the station is read from the token to decide who may
//! cast it, and a token whose station was changed matches nothing.

use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::ids::NationalId;
use domain::station::Station;
use domain::station_day::{DayAction, StationDay, Walkout};
use rand::RngCore;
use store::{
    BallotOutcome, CheckIn, CheckInOutcome, ElectionDayStore, NewBallot, PendingCheckIn,
    StationCounts, WalkoutRecord,
};

#[derive(Clone, Copy)]
pub struct ElectionDay<'a> {
    pub(crate) day: &'a dyn ElectionDayStore,
    pub(crate) ctx: Context<'a>,
}

/// A station's day and its figures.
#[derive(Debug, Clone)]
pub struct Day {
    pub station: Station,
    pub day: StationDay,
    pub counts: StationCounts,
}

/// A voter checked in: the token that opens one ballot of their council, once.
#[derive(Debug, Clone)]
pub struct CheckedIn {
    pub ballot_token: String,
    pub council: String,
}

/// A ballot in the box: the voter's receipt, and the station.
#[derive(Debug, Clone)]
pub struct Cast {
    pub receipt: String,
    pub station: String,
}

impl ElectionDay<'_> {
    /// A station's day and figures, for whoever may see the station.
    pub async fn day(self, principal: Option<&Principal>, code: &str) -> Result<Day> {
        let station = self.ctx.lookups.visible_station(principal, code).await?;
        let election = self.ctx.cached().election_code().await?;
        let day = self
            .day
            .station_day(election, &station.code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Station))?;
        let counts = self.day.station_counts(election, &station.code).await?;
        Ok(Day {
            station,
            day,
            counts,
        })
    }

    /// Applies an election-day action (`station.<action>`, audited under whoever acted) as the
    /// station's own staff, within the server's extension bounds; or, for a longer extension,
    /// as the county's governor (`Action::ApproveExtension`). The day it led to and the
    /// station's figures.
    pub async fn act(
        self,
        principal: Option<&Principal>,
        station: &str,
        action: &DayAction,
    ) -> Result<(StationDay, StationCounts)> {
        let mut action = action.clone();
        let p = match &mut action {
            DayAction::ApproveExtension { .. } => {
                let found = self.ctx.lookups.visible_station(principal, station).await?;
                authorize(
                    principal,
                    Action::ApproveExtension {
                        county: &found.county_code,
                    },
                )?
            }
            DayAction::Extend { limits, .. } => {
                *limits = self.ctx.settings.extension_limits;
                authorize(principal, Action::OperateStation { station })?
            }
            DayAction::Open {
                inspector_required, ..
            } => {
                *inspector_required = self.ctx.settings.opening_needs_inspector;
                authorize(principal, Action::OperateStation { station })?
            }
            _ => authorize(principal, Action::OperateStation { station })?,
        };
        let election = self.ctx.cached().election_code().await?;
        let day = self
            .day
            .act_on_station(election, station, &action, &self.ctx.actor(p))
            .await?;
        let counts = self.day.station_counts(election, station).await?;
        Ok((day, counts))
    }

    /// The station's checked-in voters yet to vote, for its own staff (who checked them in).
    pub async fn pending(
        self,
        principal: Option<&Principal>,
        station: &str,
    ) -> Result<Vec<PendingCheckIn>> {
        authorize(principal, Action::OperateStation { station })?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self.day.pending_checkins(election, station).await?)
    }

    /// Records, as the station's own staff, that a checked-in voter left without voting
    /// (`station.walkout`): they cannot vote any more, and the station's counts take them in.
    pub async fn walkout(
        self,
        principal: Option<&Principal>,
        station: &str,
        walkout: &Walkout,
    ) -> Result<StationCounts> {
        let p = authorize(principal, Action::OperateStation { station })?;
        let election = self.ctx.cached().election_code().await?;
        let mut walkout = walkout.clone();
        walkout.notes = domain::text::normalize_name(&walkout.notes);
        Ok(self
            .day
            .record_walkout(election, station, &walkout, &self.ctx.actor(p))
            .await?)
    }

    /// A station's day as its minutes tell it: the day, the figures and the walk-outs, for
    /// whoever may see the station.
    pub async fn minutes(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<(Day, Vec<WalkoutRecord>)> {
        let day = self.day(principal, code).await?;
        let election = self.ctx.cached().election_code().await?;
        let walkouts = self.day.walkouts(election, &day.station.code).await?;
        Ok((day, walkouts))
    }

    /// Checks a voter in at the station (its staff's device only); answered after the
    /// check-in is committed. One person checks in once per election, across every station
    /// and server.
    pub async fn check_in(
        self,
        principal: Option<&Principal>,
        station: &str,
        national_id: &str,
    ) -> Result<CheckedIn> {
        let p = authorize(principal, Action::OperateStation { station })?;
        let national_id = NationalId::parse(national_id)?;
        let election = self.ctx.cached().election_code().await?;
        let ballot_token = new_ballot_token(station);
        let outcome = self
            .day
            .check_in(CheckIn {
                election_code: election.to_owned(),
                station: station.to_owned(),
                national_id,
                token_hash: ballot_token_key(&ballot_token),
                own_constituency_only: self.ctx.settings.own_constituency_only,
                by: self.ctx.actor(p),
            })
            .await?;
        match outcome {
            CheckInOutcome::Accepted { council } => Ok(CheckedIn {
                ballot_token,
                council,
            }),
            CheckInOutcome::AlreadyVoted { station, at } => {
                Err(Error::AlreadyVoted { station, at })
            }
            CheckInOutcome::NotEligible(reason) => Err(Error::NotEligible(reason)),
            CheckInOutcome::StationNotOpen(state) => Err(Error::StationNotOpen(state)),
        }
    }

    /// Whether the principal is the device that may cast `ballot_token`'s ballot: its
    /// station's own (`Action::CastBallot`). A token that names no station can be cast
    /// nowhere; it is judged as the caller's own station's, so that only a station's device
    /// learns that it is invalid.
    pub fn may_cast<'p>(
        principal: Option<&'p Principal>,
        ballot_token: &str,
    ) -> Result<&'p Principal> {
        let station = ballot_station(ballot_token.trim())
            .or_else(|| principal.and_then(|p| p.scope.station()))
            .unwrap_or_default();
        authorize(principal, Action::CastBallot { station })
    }

    /// Casts a ballot from the station's device: the token is spent, the choices checked
    /// against the council's approved candidates and seats, and the ballot stored apart from
    /// the voter (a random id, the sorted choices, no time).
    pub async fn cast(
        self,
        principal: Option<&Principal>,
        ballot_token: &str,
        choices: Vec<String>,
    ) -> Result<Cast> {
        let p = Self::may_cast(principal, ballot_token)?;
        let election = self.ctx.cached().election_code().await?;
        let receipt = new_receipt();
        let outcome = self
            .day
            .cast_ballot(NewBallot {
                election_code: election.to_owned(),
                token_hash: ballot_token_key(ballot_token.trim()),
                ballot_id: crate::random::random_hex::<16>(),
                receipt: receipt.clone(),
                choices,
                by: self.ctx.actor(p),
            })
            .await?;
        match outcome {
            BallotOutcome::Cast { station, .. } => Ok(Cast { receipt, station }),
            BallotOutcome::TokenUnknown => Err(Error::BallotTokenInvalid),
            BallotOutcome::Refused(r) => Err(Error::BallotRefused(r)),
        }
    }

    /// Whether a receipt's ballot is in the box, and at which station (public): the code as
    /// read (Persian or ASCII digits, dashes or not; `InvalidReceipt` when its check digit
    /// fails) and the station.
    pub async fn receipt(self, code: &str) -> Result<(String, Option<String>)> {
        let election = self.ctx.cached().election_code().await?;
        let code = domain::ids::ReceiptCode::parse(code)?.as_str().to_owned();
        let station = self.day.receipt(election, &code).await?;
        Ok((code, station))
    }

    /// Live turnout (public): the province, a county or a council, each named checked to
    /// exist (`NotFound` otherwise) and returned with the figures, for a page to name.
    pub async fn turnout(self, county: Option<&str>, council: Option<&str>) -> Result<Turnout> {
        let election = self.ctx.cached().election_code().await?;
        let filter = store::TurnoutFilter {
            county: county.filter(|c| !c.is_empty()).map(str::to_owned),
            council: council.filter(|c| !c.is_empty()).map(str::to_owned),
        };
        let county = match &filter.county {
            Some(code) => Some(self.ctx.lookups.county(code).await?.county),
            None => None,
        };
        let council = match &filter.council {
            Some(code) => Some(self.ctx.lookups.council(code).await?),
            None => None,
        };
        let figures = self.day.turnout(election, &filter).await?;
        Ok(Turnout {
            figures,
            county,
            council,
        })
    }
}

/// Live turnout and the county and council it was asked for.
pub struct Turnout {
    pub figures: store::Turnout,
    pub county: Option<domain::geo::County>,
    pub council: Option<domain::election::Council>,
}

/// A new ballot token: a sequence number, the station of the check-in, then a random secret
/// (256 bits, what makes it unguessable). Tokens issued together sort together, so a check-in
/// batch adds its tokens to one or two pages of the store's index instead of dirtying one
/// random page each. The sequence starts at a random point and carries no time.
fn new_ballot_token(station: &str) -> String {
    static SEQUENCE: std::sync::LazyLock<std::sync::atomic::AtomicU64> =
        std::sync::LazyLock::new(|| {
            std::sync::atomic::AtomicU64::new(rand::rngs::OsRng.next_u64() >> 8)
        });
    let n = SEQUENCE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{n:016x}.{station}.{}", crate::random::new_token())
}

/// The station a ballot token names: between its sequence and its secret (neither holds a
/// `.`). `None` for anything else.
pub fn ballot_station(token: &str) -> Option<&str> {
    let (sequence, rest) = token.split_once('.')?;
    let (station, secret) = rest.rsplit_once('.')?;
    (sequence.len() == 16
        && sequence.bytes().all(|b| b.is_ascii_hexdigit())
        && !station.is_empty()
        && !secret.is_empty())
    .then_some(station)
}

/// The stored key of a ballot token: its sequence in clear (for the order), then the hash of
/// the whole token. Any other string is hashed whole, so it simply matches no token.
fn ballot_token_key(token: &str) -> String {
    let hash = crate::random::token_hash(token);
    match token.split_once('.') {
        Some((sequence, _))
            if sequence.len() == 16 && sequence.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("{}{hash}", sequence.to_ascii_lowercase())
        }
        _ => hash,
    }
}

/// A receipt code a voter can copy down: fifteen random digits and a check digit
/// (`domain::ids::ReceiptCode`).
pub fn new_receipt() -> String {
    domain::ids::ReceiptCode::from_random(rand::rngs::OsRng.next_u64())
        .as_str()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_are_sixteen_digits_that_check_themselves() {
        let r = new_receipt();
        assert_eq!(r.len(), 19);
        assert_eq!(domain::ids::ReceiptCode::parse(&r).unwrap().as_str(), r);
        assert_ne!(r, new_receipt());
    }

    #[test]
    fn ballot_tokens_are_keyed_in_issue_order_by_their_hash() {
        let tokens: Vec<String> = (0..50).map(|_| new_ballot_token("1100001")).collect();
        let keys: Vec<String> = tokens.iter().map(|t| ballot_token_key(t)).collect();
        // Issued in this order, and the keys sort the same way (one index page per batch).
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
        for (token, key) in tokens.iter().zip(&keys) {
            let (sequence, rest) = token.split_once('.').unwrap();
            let (station, secret) = rest.rsplit_once('.').unwrap();
            assert_eq!(station, "1100001");
            assert_eq!(secret.len(), 43, "256 random bits, base64");
            assert_eq!(
                key,
                &format!("{sequence}{}", crate::random::token_hash(token))
            );
        }
        // Only the whole token finds its key: a changed secret, a changed station or a bare
        // string does not.
        let (sequence, rest) = tokens[0].split_once('.').unwrap();
        let (_, secret) = rest.rsplit_once('.').unwrap();
        let forged = format!("{sequence}.1100001.{}", crate::random::new_token());
        assert_ne!(ballot_token_key(&forged), keys[0]);
        let moved = format!("{sequence}.1100002.{secret}");
        assert_ne!(ballot_token_key(&moved), keys[0]);
        assert_eq!(ballot_token_key("x.y"), crate::random::token_hash("x.y"));
        assert_eq!(ballot_token_key("1234"), crate::random::token_hash("1234"));
    }

    #[test]
    fn a_token_names_the_station_of_its_check_in() {
        assert_eq!(
            ballot_station(&new_ballot_token("1100001")),
            Some("1100001")
        );
        assert_eq!(ballot_station(&new_ballot_token("a.b")), Some("a.b"));
        for bad in [
            "none",
            "",
            "x.y",
            "0123456789abcdef.secret",
            "0123456789abcdef..s",
            "zz23456789abcdef.1.s",
        ] {
            assert_eq!(ballot_station(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_tokens_station_may_cast_it() {
        use domain::access::{Role, Scope};
        let staff = |station: &str| Principal {
            username: "s".into(),
            role: Role::StationStaff,
            scope: Scope::Station {
                county: "11".into(),
                station: station.into(),
            },
        };
        let token = new_ballot_token("1100001");
        assert!(ElectionDay::may_cast(Some(&staff("1100001")), &token).is_ok());
        assert!(matches!(
            ElectionDay::may_cast(Some(&staff("1100002")), &token),
            Err(Error::Forbidden)
        ));
        let hq = Principal {
            username: "hq".into(),
            role: Role::ProvinceHq,
            scope: Scope::Province,
        };
        assert!(matches!(
            ElectionDay::may_cast(Some(&hq), &token),
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            ElectionDay::may_cast(None, &token),
            Err(Error::Unauthenticated)
        ));
        // A token naming no station: the station's device learns it is invalid (from the
        // store), anyone else is refused.
        assert!(ElectionDay::may_cast(Some(&staff("1100002")), "none").is_ok());
        assert!(matches!(
            ElectionDay::may_cast(Some(&hq), "none"),
            Err(Error::Forbidden)
        ));
    }
}
