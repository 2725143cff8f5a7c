//! Equipment tests (issue 16 §6, logic and accuracy): before election day a station's staff
//! run the test deck of each council the station serves through the same ballot screens, in
//! test mode; the system judges the run against the decks; a station that has not passed
//! opens only with its county's override. Test ballots are kept apart from every real one.

use crate::{authorize, Context, Result};
use domain::access::{Action, Principal};
use domain::test_deck::{deck, EquipmentStanding, TestDeck, TestOverride, TestRun};
use std::collections::BTreeMap;
use store::equipment::StationEquipment;
use store::{CandidacyStore, EquipmentStore};

#[derive(Clone, Copy)]
pub struct Equipment<'a> {
    pub(crate) equipment: &'a dyn EquipmentStore,
    pub(crate) candidacy: &'a dyn CandidacyStore,
    pub(crate) ctx: Context<'a>,
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
        Ok(self
            .equipment
            .start_equipment_test(election, code, &decks, &self.ctx.actor(p))
            .await?)
    }

    /// Casts a test ballot of `council` into the station's running run, as its staff.
    pub async fn cast(
        self,
        principal: Option<&Principal>,
        code: &str,
        council: &str,
        choices: &[String],
    ) -> Result<TestRun> {
        let p = authorize(principal, Action::OperateStation { station: code })?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .equipment
            .cast_test_ballot(election, code, council, choices, &self.ctx.actor(p))
            .await?)
    }

    /// Finishes the station's running run: judged, passed or failed.
    pub async fn finish(self, principal: Option<&Principal>, code: &str) -> Result<TestRun> {
        let p = authorize(principal, Action::OperateStation { station: code })?;
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .equipment
            .finish_equipment_test(election, code, &self.ctx.actor(p))
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
