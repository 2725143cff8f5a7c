//! What both backends decide the same way on election day, so that the batching writers differ
//! only in how they read and write.

use crate::{
    Actor, BallotOutcome, CheckIn, CheckInOutcome, NewBallot, PendingCheckIn, StationCounts,
    StoreResult, Turnout, TurnoutFilter, WalkoutRecord,
};
use async_trait::async_trait;
use ballot_crypto::{BallotStyle, TrackingCode};
use domain::election::Election;
use domain::roll::{check_eligibility, Voter};
use domain::station_day::{DayAction, Pause, PauseReason, StationDay, Walkout};
use serde_json::json;
use std::collections::BTreeMap;
use time::OffsetDateTime;

#[async_trait]
pub trait ElectionDayStore: Send + Sync + 'static {
    /// A station's election day: its row, or a day not yet opened that ends at the polls'
    /// official close (the election's `election_day` milestone). `None` for an unknown station.
    async fn station_day(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Option<StationDay>>;
    /// Applies an election-day action to a station at `by.at` after
    /// `domain::station_day::decide` approves it on the state read in the writing transaction
    /// (`Refused(Day)` otherwise, `DayRefusal::BallotsOutstanding` when closing with
    /// checked-in voters yet to vote), with one audit record (`station.<action>`). `NotFound`
    /// for an unknown station; `Refused(NoPollingHours)` when the election has no
    /// `election_day` milestone.
    async fn act_on_station(
        &self,
        election_code: &str,
        station: &str,
        action: &DayAction,
        by: &Actor,
    ) -> StoreResult<StationDay>;
    /// A station's check-ins, ballots, walk-outs and outstanding tokens.
    async fn station_counts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationCounts>;
    /// The voters checked in at a station whose ballots are not cast (nor recorded as
    /// walk-outs), first checked in first.
    async fn pending_checkins(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<PendingCheckIn>>;
    /// Records that a checked-in voter left without voting, once
    /// `domain::station_day::decide_walkout` approves it on the facts read in the writing
    /// transaction (the day, where the person stands, the station's governor's
    /// representative): the voter's ballot token is spent, so they cannot vote, and the
    /// walk-out kept, with one audit record ([`walkout_recorded`]). The station's counts after.
    /// `NotFound` for an unknown station.
    async fn record_walkout(
        &self,
        election_code: &str,
        station: &str,
        walkout: &Walkout,
        by: &Actor,
    ) -> StoreResult<StationCounts>;
    /// A station's walk-outs, in the order recorded.
    async fn walkouts(&self, election_code: &str, station: &str)
        -> StoreResult<Vec<WalkoutRecord>>;

    /// Checks a voter in through the batching writer (DESIGN §3): concurrent check-ins share
    /// one transaction and one audit record (`checkin.batch`, with the batch's digest), and
    /// this returns only after that transaction commits. One person, one check-in per election
    /// across all stations and servers, enforced by the store's unique key. `NotFound` for an
    /// unknown station.
    async fn check_in(&self, checkin: CheckIn) -> StoreResult<CheckInOutcome>;
    /// Casts an encrypted ballot through the same writer, once [`check_cast`] approves it on
    /// the token and the council's style read in the writing transaction: the token is spent,
    /// and the ballot joins its kiosk's chain ([`chained`]) under its tracking code, with no
    /// time and nothing naming the voter. The batch's audit record counts ballots per station
    /// only.
    async fn cast_ballot(&self, ballot: NewBallot) -> StoreResult<BallotOutcome>;
    /// The ballot a token (by its hash) still opens: its station and council; `None` once it
    /// is spent (cast, or its voter walked out) or when no check-in issued it. The voting
    /// screens ask it before they show a ballot, so a spent token shows nothing again.
    async fn open_ballot(
        &self,
        election_code: &str,
        token_hash: &str,
    ) -> StoreResult<Option<OpenBallot>>;
    /// The hash of the unspent ballot token of a voter checked in at `station` (what the
    /// console activates on a kiosk when it no longer holds the token itself); `None` once the
    /// ballot is cast or the voter walked out, or for anyone not checked in there.
    async fn pending_token(
        &self,
        election_code: &str,
        station: &str,
        national_id: &str,
    ) -> StoreResult<Option<String>>;
    /// Whether a receipt code is among the election's ballots, and at which station.
    async fn receipt(&self, election_code: &str, receipt: &str) -> StoreResult<Option<String>>;
    /// The receipts of a station's cast ballots (never a challenged one's), in ascending order:
    /// the list a station publishes so each voter finds theirs among those counted.
    async fn station_receipts(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<Vec<String>>;
    /// Keeps a ballot its voter challenged instead of casting (Benaloh), once [`check_cast`]
    /// approves it on the token (unspent) and the council's style read in the writing
    /// transaction: it joins its kiosk's chain like a cast ballot and is kept with its
    /// `opening` (`ballot_crypto::BallotOpening` as JSON), never counted; the token stays
    /// unspent, so the voter votes again. Audited ([`ballot_challenged`], the station only).
    async fn challenge_ballot(
        &self,
        ballot: &NewBallot,
        opening: &str,
    ) -> StoreResult<ChallengeOutcome>;
    /// Every council's ballot style, in council order: the election record's manifest.
    async fn ballot_styles(&self, election_code: &str) -> StoreResult<Vec<BallotStyle>>;
    /// A station's encrypted ballots as stored (in tracking-code order, which is no order of
    /// voting) and its kiosks' chains: what the election record publishes of it.
    async fn station_ballots(
        &self,
        election_code: &str,
        station: &str,
    ) -> StoreResult<StationBallots>;
    /// The ballot style of a council ([`ballot_style`]: its approved candidates' codes in
    /// order and its main seats), which a ballot is encrypted for; `None` for an unknown
    /// council.
    async fn ballot_style(
        &self,
        election_code: &str,
        council: &str,
    ) -> StoreResult<Option<BallotStyle>>;
    /// Turnout from the check-ins: per hour, and per county (province), council (county) or
    /// station (council).
    async fn turnout(&self, election_code: &str, filter: &TurnoutFilter) -> StoreResult<Turnout>;
    /// Every station of a county (or, with `None`, of the province) that is not closed down,
    /// in code order, with its day and its check-ins: the election-day picture of the
    /// governors and the HQ (issue 20). A station not opened yet has the day
    /// [`StationDay::new`] gives it. `NotFound` for an unknown election; `Refused
    /// (NoPollingHours)` when the election has no `election_day` milestone.
    async fn station_day_board(
        &self,
        election_code: &str,
        county: Option<&str>,
    ) -> StoreResult<Vec<BoardStation>>;
}

/// A station's ballot box as the record publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StationBallots {
    pub ballots: Vec<StoredBallot>,
    /// Ballots challenged instead of cast, each with its opening (`opening`, JSON).
    pub challenged: Vec<(StoredBallot, String)>,
    pub chains: Vec<KioskHead>,
}

/// What became of a challenged ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// Kept with its opening, in its kiosk's chain under this tracking code (hex).
    Challenged {
        station: String,
        council: String,
        tracking_code: String,
    },
    /// No such token, or it was spent.
    TokenUnknown,
    Refused(domain::ballot::BallotRefusal),
}

/// The audit record of a challenged ballot: its station, and nothing of its choices.
pub fn ballot_challenged(election_code: &str, station: &str) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::BallotChallenge,
        format!("station/{station}"),
        json!({ "election": election_code, "station": station }),
    )
}

/// An encrypted ballot as stored: `ballot` is `ballot_crypto::tracking::encode`'s text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBallot {
    pub tracking_code: String,
    pub previous_code: String,
    pub kiosk: String,
    pub council: String,
    pub ballot: String,
}

/// A kiosk's chain: its last tracking code and how many ballots it made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskHead {
    pub kiosk: String,
    pub head: String,
    pub ballots: i64,
}

/// A council's ballot style: its approved candidates' codes, sorted, and its main seats. The
/// use case encrypts for it and both backends check a cast against it, so all three build it
/// here.
pub fn ballot_style(
    election_code: &str,
    council: &str,
    mut approved: Vec<String>,
    main_seats: u32,
) -> BallotStyle {
    approved.sort_unstable();
    approved.dedup();
    BallotStyle {
        election: election_code.to_owned(),
        council: council.to_owned(),
        seats: main_seats,
        candidates: approved,
    }
}

/// Every council's style from rows of (council, seats) in council order and (council,
/// approved code) in any order.
pub fn ballot_styles(
    election_code: &str,
    councils: Vec<(String, u32)>,
    approved: Vec<(String, String)>,
) -> Vec<BallotStyle> {
    let mut codes: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (council, code) in approved {
        codes.entry(council).or_default().push(code);
    }
    councils
        .into_iter()
        .map(|(council, seats)| {
            let approved = codes.remove(&council).unwrap_or_default();
            ballot_style(election_code, &council, approved, seats)
        })
        .collect()
}

/// Whether an encrypted ballot may be cast with a token of `token_council` while the council's
/// style is `style`: it was encrypted for that council and that very list of candidates.
pub fn check_cast(
    ballot: &NewBallot,
    token_council: &str,
    style: &BallotStyle,
) -> Result<(), domain::ballot::BallotRefusal> {
    if ballot.council != token_council || ballot.style_digest != style.digest() {
        return Err(domain::ballot::BallotRefusal::StyleChanged);
    }
    Ok(())
}

/// A ballot joining its kiosk's chain: the code before it (the kiosk's last, `head`, or the
/// chain's start), its tracking code, and the voter's receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chained {
    pub previous: String,
    pub tracking_code: String,
    pub receipt: String,
}

pub fn chained(
    election_code: &str,
    station: &str,
    kiosk: &str,
    head: Option<&str>,
    ballot: &str,
) -> StoreResult<Chained> {
    let previous = match head {
        Some(head) => TrackingCode::try_from(head.to_owned())
            .map_err(|_| crate::StoreError::Corrupt(format!("kiosk {kiosk}'s chain head")))?,
        None => TrackingCode::start(election_code, station, kiosk),
    };
    let code = previous.next_encoded(ballot.as_bytes());
    Ok(Chained {
        previous: previous.hex(),
        tracking_code: code.hex(),
        receipt: receipt_of(&code).as_str().to_owned(),
    })
}

/// A ballot's receipt: its tracking code's first 64 bits in twenty digits (with a check digit),
/// what the voter copies and the public lookup finds.
pub fn receipt_of(code: &TrackingCode) -> domain::ids::ReceiptCode {
    domain::ids::ReceiptCode::from_number(code.short_number())
}

/// The ballot a token opens: where it was issued, and for which council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenBallot {
    pub station: String,
    pub council: String,
}

/// A station on the election-day picture: who it is, where, its day, and the voters it
/// checked in (whichever council they vote for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardStation {
    pub code: String,
    pub name: String,
    pub council: String,
    pub council_name: String,
    pub county: String,
    pub expected_voters: i64,
    pub day: StationDay,
    pub checkins: i64,
}

/// A station's current pause from its row (`paused_at_us`, `pause_reason`, `pause_notes`):
/// `None` when it has none (a row written before pauses kept their reason has none either).
/// A reason the list does not know is a corrupt row.
pub fn pause_of(
    paused_at_us: Option<i64>,
    reason: Option<&str>,
    notes: Option<String>,
) -> StoreResult<Option<Pause>> {
    let (Some(at), Some(reason)) = (paused_at_us, reason) else {
        return Ok(None);
    };
    let reason = PauseReason::parse(reason)
        .ok_or_else(|| crate::StoreError::Corrupt(format!("pause reason {reason:?}")))?;
    Ok(Some(Pause {
        reason,
        notes: notes.unwrap_or_default(),
        since: domain::clock::from_micros(at),
    }))
}

/// The pause columns of a day to write: (`paused_at_us`, `pause_reason`, `pause_notes`).
pub fn pause_columns(day: &StationDay) -> (Option<i64>, Option<&'static str>, &str) {
    match &day.pause {
        Some(p) => (
            Some(domain::clock::to_micros(p.since)),
            Some(p.reason.as_str()),
            p.notes.as_str(),
        ),
        None => (None, None, ""),
    }
}

/// Opens a station with everyone assigned to its opening's posts present, the empty box and
/// the zero reports shown and `forms` voter forms received: what a smoothly run opening
/// records (tests, the benchmarks and the demo's setup).
pub async fn open_as_staffed(
    store: &dyn crate::Store,
    election_code: &str,
    station: &str,
    forms: u32,
    by: &Actor,
) -> StoreResult<StationDay> {
    let staff = store.station_staff(station).await?;
    let presence = domain::station_day::Presence::of_posts(staff.iter().map(|s| s.post));
    let shown = domain::station_day::Shown {
        empty_box: true,
        zero_reports: true,
    };
    store
        .act_on_station(
            election_code,
            station,
            &DayAction::open(presence, shown, Some(forms)),
            by,
        )
        .await
}

/// The digest a `checkin.batch` audit record holds: SHA-256 over the batch's accepted
/// check-ins (`national_id|station|at_us`, one per line, in national id order), so the record
/// commits to exactly who checked in where without listing them.
pub fn checkin_batch_digest<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str, i64)>) -> String {
    let mut lines: Vec<String> = rows
        .into_iter()
        .map(|(id, station, at)| format!("{id}|{station}|{at}\n"))
        .collect();
    lines.sort_unstable();
    audit::digest_hex(lines.concat().as_bytes())
}

/// The audit actor of a check-in batch that holds several staff accounts' requests (each
/// account's counts are in the record).
pub const BATCH_ACTOR: &str = "election-day-writer";

/// What one staff account did in a batch: check-ins accepted and ballots cast, counts only.
/// An account is a station's, so these say no more than the station's own counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AccountTally {
    pub checkins: i64,
    pub ballots: i64,
}

/// Each staff account's part of a batch, by username.
pub type Accounts = BTreeMap<String, AccountTally>;

/// What a staff account did, for [`count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    CheckIn,
    Ballot,
}

/// Counts one act of `username` (without allocating its name again once it is there: a batch
/// is mostly a few stations' many requests).
pub fn count(accounts: &mut Accounts, username: &str, act: Act) {
    let add = |t: &mut AccountTally| match act {
        Act::CheckIn => t.checkins += 1,
        Act::Ballot => t.ballots += 1,
    };
    if let Some(t) = accounts.get_mut(username) {
        add(t);
    } else {
        let mut t = AccountTally::default();
        add(&mut t);
        accounts.insert(username.to_owned(), t);
    }
}

/// The polls' official hours: the election's `election_day` milestone.
pub fn polls(election: &Election) -> Option<(OffsetDateTime, OffsetDateTime)> {
    election
        .milestones
        .iter()
        .find(|m| m.key == "election_day")
        .map(|m| (m.starts_at, m.ends_at))
}

/// What the writer knows of a station when its check-ins arrive.
#[derive(Debug, Clone)]
pub struct StationFacts {
    /// The councils it serves (its own, then its route's).
    pub councils: Vec<String>,
    pub day: StationDay,
}

/// Decides a check-in on the facts read in the writing transaction, before the insert:
/// `Ok(council)` to insert it for the voter's council, or the refusal to answer. Whether the
/// person already checked in is the insert's to find out (the store's unique key).
pub fn decide_checkin(
    checkin: &CheckIn,
    station: &StationFacts,
    voter: Option<&Voter>,
    election_day: time::Date,
) -> Result<String, CheckInOutcome> {
    if !station.day.accepts_voters(checkin.by.at) {
        return Err(CheckInOutcome::StationNotOpen(station.day.state));
    }
    let councils: Vec<&str> = station.councils.iter().map(String::as_str).collect();
    check_eligibility(
        voter,
        election_day,
        &councils,
        checkin.own_constituency_only,
    )
    .map_err(CheckInOutcome::NotEligible)?;
    // Eligible means on the roll; the ballot opens the voter's own council.
    voter
        .map(|v| v.council.clone())
        .ok_or(CheckInOutcome::NotEligible(
            domain::roll::NotEligible::NotOnRoll,
        ))
}

/// The one audit record of a batch: the accepted check-ins' digest and count, the ballots
/// cast per station (counts only: a ballot is never named), and what each staff account did
/// (counts). Its actor is the staff account when the batch is one account's, else
/// [`BATCH_ACTOR`]. `None` when the batch changed nothing, so that refusals write nothing.
pub fn batch_record(
    election_code: &str,
    accepted: &[(String, String, i64)],
    ballots: &BTreeMap<String, i64>,
    accounts: &Accounts,
    latest: OffsetDateTime,
) -> Option<(Actor, crate::audit_log::AuditEntry)> {
    if accepted.is_empty() && ballots.is_empty() {
        return None;
    }
    let actor = match accounts.keys().next() {
        Some(only) if accounts.len() == 1 => only.as_str(),
        _ => BATCH_ACTOR,
    };
    let digest = checkin_batch_digest(
        accepted
            .iter()
            .map(|(id, station, at)| (id.as_str(), station.as_str(), *at)),
    );
    Some((
        Actor::new(actor, latest),
        crate::audit_log::AuditEntry::new(
            domain::audit_terms::AuditAction::CheckinBatch,
            format!("election/{election_code}"),
            json!({
                "election": election_code,
                "checkins": accepted.len(),
                "digest": digest,
                "ballots": ballots,
                "accounts": accounts,
            }),
        ),
    ))
}

/// A station-day action taken: the action as asked, and the day it led to.
/// An action whose time cannot be written (a year past 9999) is refused as invalid.
pub fn day_action_taken(
    election_code: &str,
    station: &str,
    action: &DayAction,
    next: &StationDay,
) -> StoreResult<crate::audit_log::AuditEntry> {
    use domain::clock::to_micros;
    let action_value = serde_json::to_value(action).map_err(|_| {
        crate::Refusal::Invalid(domain::DomainError::InvalidDate(format!("{action:?}")))
    })?;
    Ok(crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::of_day(action),
        format!("station/{station}"),
        json!({
            "election": election_code,
            "action": action_value,
            "day": {
                "state": next.state.as_str(),
                "opened_at_us": next.opened_at.map(to_micros),
                "closes_at_us": to_micros(next.closes_at),
                "closed_at_us": next.closed_at.map(to_micros),
            },
        }),
    ))
}

/// The audit record of a walk-out (`station.walkout`): the reason, the notes, whether it
/// was countersigned, and the person as a digest of their national id and the station, which
/// the walk-out's row answers to; the record itself names nobody.
pub fn walkout_recorded(
    election_code: &str,
    station: &str,
    walkout: &Walkout,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::StationWalkout,
        format!("station/{station}"),
        json!({
            "election": election_code,
            "person": audit::digest_hex(format!("{}|{station}", walkout.national_id).as_bytes()),
            "reason": walkout.reason,
            "notes": walkout.notes,
            "countersigned": walkout.countersigned_by.is_some(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_names_its_one_account_or_counts_each() {
        let at = time::macros::datetime!(2026-05-01 06:00 UTC);
        let accepted = vec![("0018465986".to_owned(), "0100001".to_owned(), 1)];
        let mut accounts = Accounts::new();
        count(&mut accounts, "station-0100001", Act::CheckIn);
        let (actor, entry) = batch_record("e", &accepted, &BTreeMap::new(), &accounts, at).unwrap();
        assert_eq!(actor.username, "station-0100001");
        count(&mut accounts, "station-0100002", Act::Ballot);
        count(&mut accounts, "station-0100002", Act::Ballot);
        let (actor, entry2) =
            batch_record("e", &accepted, &BTreeMap::new(), &accounts, at).unwrap();
        assert_eq!(actor.username, BATCH_ACTOR);
        assert_eq!(
            entry2.payload["accounts"],
            json!({
                "station-0100001": {"checkins": 1, "ballots": 0},
                "station-0100002": {"checkins": 0, "ballots": 2},
            })
        );
        // No national id beside an account: the digest alone commits to who checked in.
        assert!(!entry.payload["accounts"].to_string().contains("0018465986"));
        assert!(batch_record("e", &[], &BTreeMap::new(), &Accounts::new(), at).is_none());
    }
}
