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
use domain::station_day::{DayAction, DayState, StationDay, Walkout};
use rand::RngCore;
use std::sync::Arc;
use store::guardians::KeyKind;
use store::{
    BallotOutcome, BoardStation, CheckIn, CheckInOutcome, ElectionDayStore, NewBallot,
    PendingCheckIn, StationCounts, WalkoutRecord,
};
use time::OffsetDateTime;

#[derive(Clone, Copy)]
pub struct ElectionDay<'a> {
    pub(crate) day: &'a dyn ElectionDayStore,
    pub(crate) guardians: &'a dyn store::GuardianStore,
    pub(crate) kiosks: crate::kiosks::Kiosks<'a>,
    pub(crate) equipment: crate::equipment::Equipment<'a>,
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

/// A ballot challenged instead of cast: where it is kept, and its opening for the voter (and
/// anyone) to check — the candidates it held and each ciphertext's randomness.
#[derive(Debug, Clone)]
pub struct Challenged {
    pub station: String,
    pub council: String,
    pub tracking_code: String,
    pub chosen: Vec<String>,
    pub randomness: Vec<String>,
    /// The encrypted ballot as kept (JSON).
    pub ballot: String,
}

/// What a kiosk's cast put where.
#[derive(Debug, Clone)]
pub enum Casting {
    /// A voter's ballot, in the box.
    Ballot(Cast),
    /// An equipment test's ballot, in its run (issue 17 §6): never a vote.
    Test {
        station: String,
        council: String,
        run: domain::test_deck::TestRun,
    },
}

/// A ballot in the box: the voter's receipt, its tracking code, and the station.
#[derive(Debug, Clone)]
pub struct Cast {
    /// The voter's receipt: the tracking code's first 64 bits in digits.
    pub receipt: String,
    /// The ballot's tracking code (hex), as the election record publishes it.
    pub tracking_code: String,
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
                inspector_required,
                equipment_test_required,
                ..
            } => {
                *inspector_required = self.ctx.settings.opening_needs_inspector;
                *equipment_test_required = self.ctx.settings.opening_needs_equipment_test;
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

    /// The ballot live on the calling kiosk whose screen shows `activation` (`None` for any
    /// other: cast, expired, replaced, or never activated), so that a kiosk's screens show
    /// nothing of a ballot that is not live, to back or resubmit.
    pub async fn open_ballot(
        self,
        principal: Option<&Principal>,
        activation: &str,
    ) -> Result<Option<crate::kiosks::LiveBallot>> {
        self.kiosks.current(principal, Some(activation)).await
    }

    /// Casts the ballot live on the calling kiosk (its screen showing `activation`): the
    /// choices are checked against the council's approved candidates and seats
    /// (`domain::ballot::check_ballot`), encrypted for the council's style under the election
    /// key with their proofs, and verified; the store spends the token and keeps only the
    /// encryption, chained on the kiosk. The choices exist in this function's memory and
    /// nowhere else.
    pub async fn cast(
        self,
        principal: Option<&Principal>,
        activation: &str,
        choices: Vec<String>,
    ) -> Result<Casting> {
        let live = self.live(principal, activation).await?;
        if live.test_run.is_some() {
            let run = self
                .equipment
                .cast_on_kiosk(principal, &live, &choices)
                .await?;
            return Ok(Casting::Test {
                station: live.station,
                council: live.council,
                run,
            });
        }
        let (ballot, opening, _) = self.seal(principal, live, choices).await?;
        // A cast ballot is never opened: its randomness goes now.
        drop(opening);
        match self.day.cast_ballot(ballot).await? {
            BallotOutcome::Cast {
                station,
                receipt,
                tracking_code,
                ..
            } => Ok(Casting::Ballot(Cast {
                receipt,
                tracking_code,
                station,
            })),
            BallotOutcome::TokenUnknown => Err(Error::BallotTokenInvalid),
            BallotOutcome::Refused(r) => Err(Error::BallotRefused(r)),
        }
    }

    /// The ballot live on the calling kiosk whose screen shows `activation`
    /// (`KioskRefusal::NoBallot` when none is).
    async fn live(
        &self,
        principal: Option<&Principal>,
        activation: &str,
    ) -> Result<crate::kiosks::LiveBallot> {
        self.kiosks
            .current(principal, Some(activation))
            .await?
            .ok_or_else(|| {
                Error::Store(store::Refusal::Kiosk(domain::kiosk::KioskRefusal::NoBallot).into())
            })
    }

    /// The voter challenges the ballot they were shown instead of casting it (Benaloh): it is
    /// encrypted exactly as a cast would encrypt it, kept with its opening (the choices and
    /// each ciphertext's randomness) in its kiosk's chain, and never counted. The token stays
    /// unspent: the voter votes again. The opening is returned for the screen to show.
    pub async fn challenge(
        self,
        principal: Option<&Principal>,
        activation: &str,
        choices: Vec<String>,
    ) -> Result<Challenged> {
        let live = self.live(principal, activation).await?;
        if live.test_run.is_some() {
            return Err(Error::Store(
                domain::test_deck::EquipmentRefusal::NotChallenged.into(),
            ));
        }
        let (ballot, opening, style) = self.seal(principal, live, choices).await?;
        let opening_text = serde_json::to_string(&opening)
            .map_err(|e| Error::Internal(format!("an opening: {e}")))?;
        match self.day.challenge_ballot(&ballot, &opening_text).await? {
            store::election_day::ChallengeOutcome::Challenged {
                station,
                council,
                tracking_code,
            } => Ok(Challenged {
                station,
                council,
                tracking_code,
                chosen: style.marked(&opening.choices),
                randomness: opening.randomness.clone(),
                ballot: ballot.ballot,
            }),
            store::election_day::ChallengeOutcome::TokenUnknown => Err(Error::BallotTokenInvalid),
            store::election_day::ChallengeOutcome::Refused(r) => Err(Error::BallotRefused(r)),
        }
    }

    /// The ballot live on the calling kiosk (`activation`) with `choices`, as the kiosk may
    /// cast or challenge it (`KioskRefusal::NoBallot` when none is live): the choices checked against the council's approved candidates and seats
    /// (`domain::ballot::check_ballot`), encrypted for the council's style under the election
    /// key with their proofs, and verified. The choices live in this function's memory and in
    /// the opening it returns, nowhere else.
    async fn seal(
        &self,
        principal: Option<&Principal>,
        open: crate::kiosks::LiveBallot,
        choices: Vec<String>,
    ) -> Result<(
        NewBallot,
        ballot_crypto::BallotOpening,
        ballot_crypto::BallotStyle,
    )> {
        let (_, kiosk) = crate::kiosks::kiosk_caller(principal)?;
        let p = principal.ok_or(Error::Unauthenticated)?;
        let election = self.ctx.cached().election_code().await?;
        let token_hash = open.token_hash.clone();
        let style = self
            .day
            .ballot_style(election, &open.council)
            .await?
            .ok_or(Error::NotFound(store::Entity::Council))?;
        let approved: Vec<&str> = style.candidates.iter().map(String::as_str).collect();
        let picked = domain::ballot::check_ballot(&choices, &approved, style.seats)
            .map_err(Error::BallotRefused)?;
        let key = self.election_key(election).await?;
        let (encoded, opening, style) =
            seal_choices(key, style, open.station.clone(), picked).await?;
        let ballot = NewBallot {
            election_code: election.to_owned(),
            token_hash,
            council: open.council,
            style_digest: style.digest(),
            kiosk: kiosk.to_owned(),
            ballot: encoded,
            by: self.ctx.actor(p),
        };
        Ok((ballot, opening, style))
    }

    /// The election's key, read once (`NotFound(ElectionKey)` before its ceremony: no ballot
    /// is cast in the clear).
    async fn election_key(&self, election: &str) -> Result<Arc<ballot_crypto::ElectionKey>> {
        let guardians = self.guardians;
        self.ctx
            .cached()
            .caches
            .election_key
            .get_or_try_init(|| async {
                crate::guardians::election_key(guardians, election, KeyKind::Election)
                    .await
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    /// Whether a receipt's ballot is in the box, and at which station (public): the receipt as
    /// read (Persian or ASCII digits, dashes or not; `InvalidReceipt` when its check digit
    /// fails), or the ballot's whole tracking code (64 hexadecimal digits, whose receipt it
    /// gives), and the station.
    pub async fn receipt(self, code: &str) -> Result<(String, Option<String>)> {
        let election = self.ctx.cached().election_code().await?;
        let typed = code.trim();
        let receipt = if typed.len() == 64 && typed.bytes().all(|b| b.is_ascii_hexdigit()) {
            let tracking = ballot_crypto::TrackingCode::try_from(typed.to_ascii_lowercase())
                .map_err(Error::Crypto)?;
            store::election_day::receipt_of(&tracking)
        } else {
            domain::ids::ReceiptCode::parse(code)?
        };
        let code = receipt.as_str().to_owned();
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

/// Encrypts the choices `picked` for `style` at `station` under `key`, with every proof, checks
/// the proofs, and encodes the ballot as kept — off the async threads. The opening is for a
/// Benaloh challenge only; the style is given back.
pub(crate) async fn seal_choices(
    key: Arc<ballot_crypto::ElectionKey>,
    style: ballot_crypto::BallotStyle,
    station: String,
    picked: Vec<String>,
) -> Result<(
    String,
    ballot_crypto::BallotOpening,
    ballot_crypto::BallotStyle,
)> {
    tokio::task::spawn_blocking(move || {
        let flags = style.flags(&picked);
        let (sealed, opening) = ballot_crypto::ballot::encrypt(
            key.public(),
            &style,
            &station,
            &flags,
            &mut rand::rngs::OsRng,
        )?;
        ballot_crypto::ballot::verify(key.public(), &style, &station, &sealed)?;
        Ok::<_, Error>((ballot_crypto::tracking::encode(&sealed)?, opening, style))
    })
    .await
    .map_err(|e| Error::Internal(format!("encrypting a ballot: {e}")))?
}

impl ElectionDay<'_> {
    /// The election-day picture of a county (`ViewCounty`) or, with `None`, of the province
    /// (`ViewProvince`): every station's day and check-ins, and the area's turnout (per council
    /// of a county, per county of the province, and per hour). `NotFound` for an unknown
    /// county.
    pub async fn picture(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<DayPicture> {
        match county {
            Some(code) => authorize(principal, Action::ViewCounty(code))?,
            None => authorize(principal, Action::ViewProvince)?,
        };
        if let Some(code) = county {
            self.ctx.lookups.county(code).await?;
        }
        let election = self.ctx.cached().election().await?;
        let (polls_open, polls_close) = store::election_day::polls(&election)
            .ok_or(store::StoreError::Refused(store::Refusal::NoPollingHours))?;
        let stations = self.day.station_day_board(&election.code, county).await?;
        let turnout = self
            .day
            .turnout(
                &election.code,
                &store::TurnoutFilter {
                    county: county.map(str::to_owned),
                    council: None,
                },
            )
            .await?;
        Ok(DayPicture {
            polls_open,
            polls_close,
            now: self.ctx.clock.now(),
            stations,
            turnout,
        })
    }
}

/// A county's or the province's election day as it stands (issue 20): each station's day and
/// check-ins, in code order, and the area's turnout.
#[derive(Debug, Clone)]
pub struct DayPicture {
    pub polls_open: OffsetDateTime,
    pub polls_close: OffsetDateTime,
    /// When it was read.
    pub now: OffsetDateTime,
    pub stations: Vec<BoardStation>,
    pub turnout: store::Turnout,
}

/// Which stations a reader of the picture asks to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFilter {
    /// In a state.
    In(DayState),
    /// Opened late, or not open yet past the polls' opening ([`StationDay::opening_delay`]).
    Late,
}

impl StateFilter {
    /// From its name in an address: a state's (`not_opened`, `open`, …) or `late`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "late" => Some(Self::Late),
            _ => DayState::parse(s).map(Self::In),
        }
    }
}

/// What the station list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoardSort {
    /// Those needing attention first: not opened, open, paused (the longest pause first),
    /// closed; then by code.
    #[default]
    State,
    Code,
    Name,
    Council,
    County,
    Checkins,
    /// Check-ins per expected voter.
    Turnout,
}

impl BoardSort {
    pub const ALL: [BoardSort; 7] = [
        Self::State,
        Self::Code,
        Self::Name,
        Self::Council,
        Self::County,
        Self::Checkins,
        Self::Turnout,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::State => "state",
            Self::Code => "code",
            Self::Name => "name",
            Self::Council => "council",
            Self::County => "county",
            Self::Checkins => "checkins",
            Self::Turnout => "turnout",
        }
    }

    /// A sort from an address: its name, `-` before it for descending; anything else is the
    /// default order.
    pub fn parse(s: &str) -> (Self, bool) {
        let (name, descending) = match s.strip_prefix('-') {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .map_or((Self::State, false), |k| (k, descending))
    }
}

/// The stations a reader asked for: a state, a county (on the province's picture), words of
/// the code, name or council, and the order.
#[derive(Debug, Clone, Default)]
pub struct BoardQuery {
    pub state: Option<StateFilter>,
    pub county: Option<String>,
    pub text: String,
    pub sort: BoardSort,
    pub descending: bool,
}

/// How many stations are in each state, how many opened (or are) late, and their check-ins
/// against their expected voters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateTally {
    pub not_opened: i64,
    pub open: i64,
    pub paused: i64,
    pub closed: i64,
    pub late: i64,
    pub checkins: i64,
    pub expected_voters: i64,
}

impl StateTally {
    /// How many are in `state`.
    pub fn in_state(&self, state: DayState) -> i64 {
        match state {
            DayState::NotOpened => self.not_opened,
            DayState::Open => self.open,
            DayState::Paused => self.paused,
            DayState::Closed => self.closed,
        }
    }

    pub fn stations(&self) -> i64 {
        self.not_opened + self.open + self.paused + self.closed
    }
}

impl DayPicture {
    /// How late a station opened, or is still not open (see [`StationDay::opening_delay`]).
    pub fn opening_delay(&self, station: &BoardStation) -> Option<time::Duration> {
        station.day.opening_delay(self.now, self.polls_open)
    }

    /// The tally of some of the picture's stations.
    pub fn tally<'s>(&self, stations: impl IntoIterator<Item = &'s BoardStation>) -> StateTally {
        let mut t = StateTally::default();
        for s in stations {
            match s.day.state {
                DayState::NotOpened => t.not_opened += 1,
                DayState::Open => t.open += 1,
                DayState::Paused => t.paused += 1,
                DayState::Closed => t.closed += 1,
            }
            if self.opening_delay(s).is_some() {
                t.late += 1;
            }
            t.checkins += s.checkins;
            t.expected_voters += s.expected_voters;
        }
        t
    }

    /// Each county's tally, by county code.
    pub fn tally_by_county(&self) -> std::collections::BTreeMap<String, StateTally> {
        let mut by: std::collections::BTreeMap<String, Vec<&BoardStation>> =
            std::collections::BTreeMap::new();
        for s in &self.stations {
            by.entry(s.county.clone()).or_default().push(s);
        }
        by.into_iter()
            .map(|(county, stations)| (county, self.tally(stations)))
            .collect()
    }

    /// The stations `query` asks for, in its order.
    pub fn select(&self, query: &BoardQuery) -> Vec<&BoardStation> {
        let words = search_words(&query.text);
        let mut chosen: Vec<&BoardStation> = self
            .stations
            .iter()
            .filter(|s| match query.state {
                None => true,
                Some(StateFilter::In(state)) => s.day.state == state,
                Some(StateFilter::Late) => self.opening_delay(s).is_some(),
            })
            .filter(|s| query.county.as_ref().is_none_or(|c| &s.county == c))
            .filter(|s| has_words(&words, &[&s.code, &s.name, &s.council_name]))
            .collect();
        let turnout = |s: &BoardStation| {
            if s.expected_voters > 0 {
                s.checkins * 100_000 / s.expected_voters
            } else {
                0
            }
        };
        chosen.sort_by(|a, b| {
            let order = match query.sort {
                BoardSort::State => self.attention(a).cmp(&self.attention(b)),
                BoardSort::Code => std::cmp::Ordering::Equal,
                BoardSort::Name => a.name.cmp(&b.name),
                BoardSort::Council => a.council_name.cmp(&b.council_name),
                BoardSort::County => a.county.cmp(&b.county),
                BoardSort::Checkins => a.checkins.cmp(&b.checkins),
                BoardSort::Turnout => turnout(a).cmp(&turnout(b)),
            };
            let order = if query.descending {
                order.reverse()
            } else {
                order
            };
            order.then_with(|| a.code.cmp(&b.code))
        });
        chosen
    }

    /// The default order's key: the state (not opened, open, paused, closed), and within
    /// it the longest wait first (a pause's length; every station not opened waits as long).
    fn attention(&self, s: &BoardStation) -> (usize, std::cmp::Reverse<time::Duration>) {
        let rank = DayState::ALL
            .iter()
            .position(|d| *d == s.day.state)
            .unwrap_or(DayState::ALL.len());
        let waiting = match (&s.day.state, &s.day.pause) {
            (DayState::Paused, Some(pause)) => pause.lasted(self.now),
            _ => time::Duration::ZERO,
        };
        (rank, std::cmp::Reverse(waiting))
    }
}

/// The words of a search, as [`domain::text::search_key`] compares them.
fn search_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(domain::text::search_key)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether every word is in one of `fields` or across them (none asked: yes).
fn has_words(words: &[String], fields: &[&str]) -> bool {
    if words.is_empty() {
        return true;
    }
    let haystack = domain::text::search_key(&fields.join(" "));
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// Live turnout and the county and council it was asked for.
pub struct Turnout {
    pub figures: store::Turnout,
    pub county: Option<domain::geo::County>,
    pub council: Option<domain::election::Council>,
}

/// What a turnout page's areas are sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AreaSort {
    /// The store's order: by code.
    #[default]
    Code,
    Name,
    Eligible,
    CheckedIn,
    /// Check-ins per eligible voter; areas without a roll of their own first (ascending).
    Percent,
}

impl AreaSort {
    pub const ALL: [AreaSort; 5] = [
        Self::Code,
        Self::Name,
        Self::Eligible,
        Self::CheckedIn,
        Self::Percent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Name => "name",
            Self::Eligible => "eligible",
            Self::CheckedIn => "checked_in",
            Self::Percent => "percent",
        }
    }

    /// A sort from an address: its name, `-` before it for descending; anything else is by
    /// code.
    pub fn parse(s: &str) -> (Self, bool) {
        let (name, descending) = match s.strip_prefix('-') {
            Some(rest) => (rest, true),
            None => (s, false),
        };
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .map_or((Self::Code, false), |k| (k, descending))
    }
}

impl Turnout {
    /// The areas whose code or name hold every word of `text` (in any script and spacing),
    /// in `sort`'s order, ties by code.
    pub fn areas(&self, text: &str, sort: AreaSort, descending: bool) -> Vec<&store::TurnoutArea> {
        let words = search_words(text);
        let mut areas: Vec<&store::TurnoutArea> = self
            .figures
            .areas
            .iter()
            .filter(|a| has_words(&words, &[&a.code, &a.name]))
            .collect();
        let percent = |a: &store::TurnoutArea| {
            a.eligible
                .filter(|e| *e > 0)
                .map_or(-1, |e| a.checked_in * 100_000 / e)
        };
        areas.sort_by(|a, b| {
            let order = match sort {
                AreaSort::Code => std::cmp::Ordering::Equal,
                AreaSort::Name => a.name.cmp(&b.name),
                AreaSort::Eligible => a.eligible.cmp(&b.eligible),
                AreaSort::CheckedIn => a.checked_in.cmp(&b.checked_in),
                AreaSort::Percent => percent(a).cmp(&percent(b)),
            };
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| a.code.cmp(&b.code))
        });
        areas
    }
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
pub(crate) fn ballot_token_key(token: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> DayPicture {
        use domain::station_day::{Pause, PauseReason};
        use time::macros::datetime;
        let polls_open = datetime!(2026-05-01 04:30 UTC);
        let polls_close = datetime!(2026-05-01 14:30 UTC);
        let now = polls_open + time::Duration::hours(1);
        let station = |code: &str, name: &str, county: &str, state: DayState, checkins: i64| {
            let mut day = StationDay::new(polls_close);
            day.state = state;
            if state != DayState::NotOpened {
                day.opened_at = Some(polls_open);
            }
            BoardStation {
                code: code.into(),
                name: name.into(),
                council: "c".into(),
                council_name: "شورای اسلامی شهر کرمان".into(),
                county: county.into(),
                expected_voters: 100,
                day,
                checkins,
            }
        };
        let mut late = station("1100004", "مدرسه ابراهیم‌آباد", "11", DayState::Open, 5);
        late.day.opened_at = Some(polls_open + time::Duration::minutes(40));
        let mut paused = station("1100003", "مسجد جامع", "11", DayState::Paused, 20);
        paused.day.pause = Some(Pause {
            reason: PauseReason::PowerCut,
            notes: String::new(),
            since: now - time::Duration::minutes(5),
        });
        let mut long_paused = station("1200001", "دبستان", "12", DayState::Paused, 1);
        long_paused.day.pause = Some(Pause {
            reason: PauseReason::LinkDown,
            notes: String::new(),
            since: now - time::Duration::minutes(50),
        });
        DayPicture {
            polls_open,
            polls_close,
            now,
            stations: vec![
                station("1100001", "حسینیه", "11", DayState::Open, 30),
                station("1100002", "کتابخانه", "11", DayState::NotOpened, 0),
                paused,
                late,
                station("1100005", "ورزشگاه", "11", DayState::Closed, 70),
                long_paused,
            ],
            turnout: store::Turnout {
                eligible: 0,
                checked_in: 0,
                hourly: Vec::new(),
                areas: Vec::new(),
            },
        }
    }

    fn codes(stations: &[&BoardStation]) -> Vec<String> {
        stations.iter().map(|s| s.code.clone()).collect()
    }

    #[test]
    fn the_picture_lists_those_needing_attention_first() {
        let p = picture();
        // Not opened, open (by code), paused (the longest first), closed.
        assert_eq!(
            codes(&p.select(&BoardQuery::default())),
            ["1100002", "1100001", "1100004", "1200001", "1100003", "1100005"]
        );
        let t = p.tally(&p.stations);
        assert_eq!(
            (t.not_opened, t.open, t.paused, t.closed, t.late),
            (1, 2, 2, 1, 2),
            "late: the one not open at 09:00 and the one opened at 08:40"
        );
        assert_eq!((t.checkins, t.expected_voters, t.stations()), (126, 600, 6));
        let by_county = p.tally_by_county();
        assert_eq!(by_county["11"].stations(), 5);
        assert_eq!(by_county["12"].paused, 1);
    }

    #[test]
    fn the_station_list_filters_and_sorts() {
        let p = picture();
        let q = |state: Option<&str>, text: &str, sort: &str| {
            let (sort, descending) = BoardSort::parse(sort);
            BoardQuery {
                state: state.and_then(StateFilter::parse),
                county: None,
                text: text.into(),
                sort,
                descending,
            }
        };
        assert_eq!(
            codes(&p.select(&q(Some("late"), "", ""))),
            ["1100002", "1100004"]
        );
        assert_eq!(
            codes(&p.select(&q(Some("paused"), "", "code"))),
            ["1100003", "1200001"]
        );
        // Words of the name, the code or the council, in any script and spacing.
        assert_eq!(codes(&p.select(&q(None, "ابراهیم آباد", ""))), ["1100004"]);
        assert_eq!(codes(&p.select(&q(None, "۱۱۰۰۰۰۳", ""))), ["1100003"]);
        assert_eq!(p.select(&q(None, "کرمان", "")).len(), 6);
        assert!(p.select(&q(None, "کرمان زاهدان", "")).is_empty());
        assert_eq!(
            codes(&p.select(&q(None, "", "-checkins")))[..2],
            ["1100005", "1100001"]
        );
        assert_eq!(
            codes(&p.select(&q(None, "", "turnout")))[..2],
            ["1100002", "1200001"]
        );
        let mut in_county = q(None, "", "code");
        in_county.county = Some("12".into());
        assert_eq!(codes(&p.select(&in_county)), ["1200001"]);
        // An unknown sort or state is the default, not a failure.
        assert_eq!(BoardSort::parse("-nonsense"), (BoardSort::State, false));
        assert_eq!(StateFilter::parse("ajar"), None);
    }

    #[test]
    fn turnout_areas_filter_and_sort() {
        let area =
            |code: &str, name: &str, eligible: Option<i64>, checked_in: i64| store::TurnoutArea {
                code: code.into(),
                name: name.into(),
                eligible,
                checked_in,
            };
        let t = Turnout {
            figures: store::Turnout {
                eligible: 300,
                checked_in: 60,
                hourly: Vec::new(),
                areas: vec![
                    area("11", "کرمان", Some(100), 30),
                    area("12", "رفسنجان", Some(100), 10),
                    area("13", "قلعه‌گنج", Some(100), 20),
                ],
            },
            county: None,
            council: None,
        };
        let codes = |areas: Vec<&store::TurnoutArea>| -> Vec<String> {
            areas.iter().map(|a| a.code.clone()).collect()
        };
        assert_eq!(
            codes(t.areas("", AreaSort::Code, false)),
            ["11", "12", "13"]
        );
        let (sort, descending) = AreaSort::parse("-percent");
        assert_eq!(codes(t.areas("", sort, descending)), ["11", "13", "12"]);
        assert_eq!(codes(t.areas("قلعه گنج", AreaSort::Code, false)), ["13"]);
        assert_eq!(codes(t.areas("۱۲", AreaSort::Code, false)), ["12"]);
        assert_eq!(AreaSort::parse("nonsense"), (AreaSort::Code, false));
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
}
