//! Equipment tests (issue 16 §6, logic and accuracy): before election day a station's staff
//! run the test deck of each council the station serves through the same ballot screens, in
//! test mode; the system judges the run against the decks; a station that has not passed
//! opens only with its county's override. Test ballots are kept apart from every real one.

use crate::kiosks::{kiosk_caller, Kiosks, LiveBallot};
use crate::{authorize, Context, Error, Result};
use ballot_crypto::ballot::BallotStyle;
use ballot_crypto::ceremony::Guardian;
use ballot_crypto::tally::{decrypt_counts, CountTable, EncryptedTally};
use ballot_crypto::{ElectionKey, EncryptedBallot};
use domain::access::{Action, Principal};
use domain::kiosk::KioskRefusal;
use domain::test_deck::{
    check_test_ballot, deck, deck_with_room, EquipmentRefusal, EquipmentStanding, TestDeck,
    TestOverride, TestRun, TestTally,
};
use std::collections::BTreeMap;
use store::equipment::{SealedCount, SealedTestBallot, StationEquipment};
use store::guardians::KeyKind;
use store::kiosks::Activation;
use store::{CandidacyStore, EquipmentStore, GuardianStore, Refusal, StoreError};

#[derive(Clone, Copy)]
pub struct Equipment<'a> {
    pub(crate) equipment: &'a dyn EquipmentStore,
    pub(crate) candidacy: &'a dyn CandidacyStore,
    pub(crate) guardians: &'a dyn GuardianStore,
    pub(crate) kiosks: Kiosks<'a>,
    pub(crate) ctx: Context<'a>,
}

fn refused(refusal: EquipmentRefusal) -> Error {
    Error::Store(StoreError::from(refusal))
}

/// The style a council's test ballots are encrypted for: the deck's candidates and seats, so
/// that a test is judged on what it started with.
fn test_style(election: &str, deck: &TestDeck) -> BallotStyle {
    BallotStyle {
        election: election.to_owned(),
        council: deck.council.clone(),
        seats: deck.seats,
        candidates: deck.candidates().into_iter().map(str::to_owned).collect(),
    }
}

/// Counts a run's sealed test ballots (council, sealed) as the guardians' count would — each
/// council's ballots summed, the sum decrypted with the holder's share and its proofs —
/// and, since test ballots are not votes, decrypts each ballot's number of marks to count the
/// blank ones.
fn count_sealed(
    election: &str,
    run: &TestRun,
    rows: &[(String, String)],
    key: &ElectionKey,
    holder: &Guardian,
) -> Result<SealedCount> {
    let mut by_council: BTreeMap<&str, Vec<EncryptedBallot>> = BTreeMap::new();
    for (council, text) in rows {
        let ballot: EncryptedBallot = serde_json::from_str(text)
            .map_err(|e| Error::Internal(format!("a sealed test ballot: {e}")))?;
        by_council.entry(council).or_default().push(ballot);
    }
    let mut rng = rand::rngs::OsRng;
    let mut tallies = BTreeMap::new();
    for (council, ballots) in by_council {
        let deck = run
            .decks
            .iter()
            .find(|d| d.council == council)
            .ok_or_else(|| {
                Error::Internal(format!("a test ballot of {council}, not in the run"))
            })?;
        let style = test_style(election, deck);
        let tally = EncryptedTally::of(style.candidates.len(), &ballots)?;
        let share = holder.decrypt(&tally, &mut rng);
        let counts = decrypt_counts(key, &tally, &[share], &CountTable::up_to(tally.ballots))?;
        let marks_table = CountTable::up_to(u64::from(deck.seats));
        let mut blank = 0;
        for ballot in &ballots {
            let marks = EncryptedTally {
                ballots: 1,
                candidates: vec![ballot.marks],
            };
            let share = holder.decrypt(&marks, &mut rng);
            if decrypt_counts(key, &marks, &[share], &marks_table)?.first() == Some(&0) {
                blank += 1;
            }
        }
        tallies.insert(
            council.to_owned(),
            TestTally {
                candidates: style.candidates.into_iter().zip(counts).collect(),
                ballots: tally.ballots,
                blank,
            },
        );
    }
    Ok(SealedCount {
        run: run.id,
        ballots: rows.len() as u64,
        tallies,
    })
}

impl Equipment<'_> {
    /// A station's runs, override and standing, for whoever may see the station.
    pub async fn station(
        self,
        principal: Option<&Principal>,
        code: &str,
    ) -> Result<StationEquipment> {
        let station = self.ctx.lookups.visible_station(principal, code).await?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .equipment
            .station_equipment(election, &station.code)
            .await?)
    }

    /// The decks of a station's councils: each council's approved candidates, by code, and
    /// its seats (`domain::test_deck::deck`).
    async fn decks(self, station: &domain::station::Station) -> Result<Vec<TestDeck>> {
        let mut out = Vec::new();
        for code in station.councils() {
            let council = self.ctx.lookups.council(code).await?;
            let mut codes: Vec<String> = self
                .candidacy
                .candidates(&council.election_code, &council.code)
                .await?
                .into_iter()
                .map(|c| c.code)
                .collect();
            codes.sort();
            out.push(deck(&council.code, &codes, council.main_seats));
        }
        Ok(out)
    }

    /// Starts a test run (`equipment_test.start`), as the station's own staff, before the
    /// station opens.
    pub async fn start(self, principal: Option<&Principal>, code: &str) -> Result<TestRun> {
        let p = authorize(principal, Action::OperateStation { station: code })?;
        let station = self.ctx.lookups.visible_station(principal, code).await?;
        let decks = self.decks(&station).await?;
        let election = self.ctx.cached().election_code().await?;
        self.make_test_key(p).await?;
        Ok(self
            .equipment
            .start_equipment_test(election, code, &decks, &self.ctx.actor(p))
            .await?)
    }

    /// The election's test key, made at the first test run (`guardians.ceremony` of kind
    /// `test`): one of one, its share held by the server.
    async fn make_test_key(self, p: &Principal) -> Result<()> {
        let election = self.ctx.cached().election_code().await?;
        if self.guardians.test_key_share(election).await?.is_some() {
            return Ok(());
        }
        if self
            .guardians
            .election_key(election, KeyKind::Test)
            .await?
            .is_some()
        {
            return Err(Error::Internal(
                "the election's test key was dealt to guardians: equipment tests need the \
                 server's own"
                    .into(),
            ));
        }
        let (record, share) =
            ballot_crypto::ceremony::deal_server_held(election, &mut rand::rngs::OsRng)?;
        let actor = self.ctx.actor(p);
        let stored = crate::guardians::key_record(KeyKind::Test, &record, &actor)?;
        match self
            .guardians
            .record_test_key(&stored, &share, &actor)
            .await
        {
            // Another test run made it meanwhile.
            Ok(()) | Err(StoreError::Refused(Refusal::ElectionKeyExists)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The test key and its server-held share; `NotFound(ElectionKey)` before the first run.
    async fn test_key(self) -> Result<(ElectionKey, Guardian)> {
        let election = self.ctx.cached().election_code().await?;
        let share = self
            .guardians
            .test_key_share(election)
            .await?
            .ok_or(Error::NotFound(store::Entity::ElectionKey))?;
        let key = crate::guardians::election_key(self.guardians, election, KeyKind::Test).await?;
        let holder = Guardian::server_held(&key, &share)?;
        Ok((key, holder))
    }

    /// The station's staff activate a test ballot of the running run on their kiosk
    /// `kiosk_id`: of `council`, or (none named) of the next deck ballot's council.
    pub async fn activate(
        self,
        principal: Option<&Principal>,
        code: &str,
        kiosk_id: &str,
        council: Option<&str>,
    ) -> Result<Activation> {
        let p = authorize(principal, Action::OperateStation { station: code })?;
        let election = self.ctx.cached().election_code().await?;
        let tests = self.equipment.station_equipment(election, code).await?;
        let run = tests
            .running()
            .ok_or_else(|| refused(EquipmentRefusal::NoRunInProgress))?;
        let council = match council.map(str::trim).filter(|c| !c.is_empty()) {
            Some(named) => named.to_owned(),
            None => run
                .next_ballot()
                .map(|(d, _)| d.council.clone())
                .ok_or_else(|| refused(EquipmentRefusal::DeckDone))?,
        };
        deck_with_room(run, &council).map_err(refused)?;
        self.kiosks
            .put(p, code, kiosk_id, String::new(), council, Some(run.id))
            .await
    }

    /// Casts the test ballot live on the calling kiosk (`live`, a test run's) with `choices`:
    /// checked against the deck, encrypted for the deck's style under the test key with every
    /// proof, verified, and kept sealed, as a real ballot is.
    pub(crate) async fn cast_on_kiosk(
        self,
        principal: Option<&Principal>,
        live: &LiveBallot,
        choices: &[String],
    ) -> Result<TestRun> {
        let (_, kiosk) = kiosk_caller(principal)?;
        let p = principal.ok_or(Error::Unauthenticated)?;
        let election = self.ctx.cached().election_code().await?;
        let tests = self
            .equipment
            .station_equipment(election, &live.station)
            .await?;
        let no_ballot = || Error::Store(Refusal::Kiosk(KioskRefusal::NoBallot).into());
        let run = tests
            .running()
            .filter(|r| Some(r.id) == live.test_run)
            .ok_or_else(no_ballot)?;
        let picked = check_test_ballot(run, &live.council, choices).map_err(refused)?;
        let style = test_style(
            election,
            deck_with_room(run, &live.council).map_err(refused)?,
        );
        let (key, _) = self.test_key().await?;
        // A test ballot's opening is dropped, as a cast ballot's is.
        let (sealed, _, _) = crate::election_day::seal_choices(
            std::sync::Arc::new(key),
            style,
            live.station.clone(),
            picked,
        )
        .await?;
        let ballot = SealedTestBallot {
            election_code: election.to_owned(),
            station: live.station.clone(),
            kiosk_id: kiosk.to_owned(),
            activation_id: live.activation.clone(),
            council: live.council.clone(),
            sealed,
        };
        Ok(self
            .equipment
            .cast_sealed_test_ballot(&ballot, &self.ctx.actor(p))
            .await?)
    }

    /// Finishes the station's running run: its sealed test ballots counted with the test key
    /// (`count_sealed`), and the run judged, passed or failed.
    pub async fn finish(self, principal: Option<&Principal>, code: &str) -> Result<TestRun> {
        let p = authorize(principal, Action::OperateStation { station: code })?;
        let election = self.ctx.cached().election_code().await?;
        let tests = self.equipment.station_equipment(election, code).await?;
        let sealed = match tests.running() {
            Some(run) => {
                let rows = self.equipment.sealed_test_ballots(run.id).await?;
                if rows.is_empty() {
                    SealedCount {
                        run: run.id,
                        ..SealedCount::default()
                    }
                } else {
                    let (key, holder) = self.test_key().await?;
                    let (election, run) = (election.to_owned(), run.clone());
                    tokio::task::spawn_blocking(move || {
                        count_sealed(&election, &run, &rows, &key, &holder)
                    })
                    .await
                    .map_err(|e| Error::Internal(format!("counting test ballots: {e}")))??
                }
            }
            None => SealedCount::default(),
        };
        Ok(self
            .equipment
            .finish_equipment_test(election, code, &sealed, &self.ctx.actor(p))
            .await?)
    }

    /// The county lets a station that has not passed open, with a reason (the county's
    /// governor or the HQ).
    pub async fn override_test(
        self,
        principal: Option<&Principal>,
        code: &str,
        reason: &str,
    ) -> Result<TestOverride> {
        let station = self.ctx.lookups.visible_station(principal, code).await?;
        let p = authorize(
            principal,
            Action::OverrideEquipmentTest {
                county: &station.county_code,
            },
        )?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .equipment
            .override_equipment_test(election, code, reason, &self.ctx.actor(p))
            .await?)
    }

    /// Every open station's standing, of `county` or all (for the readiness picture, whose
    /// use case authorizes).
    pub(crate) async fn standings(
        self,
        county: Option<&str>,
    ) -> Result<BTreeMap<String, EquipmentStanding>> {
        let election = self.ctx.cached().election_code().await?;
        Ok(self.equipment.equipment_standings(election, county).await?)
    }
}
