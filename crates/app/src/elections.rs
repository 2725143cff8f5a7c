//! The election's set-up: its seat table (province HQ only).

use crate::{authorize, Context, Result};
use domain::access::{Action, Principal};
use domain::election::SeatTable;
use store::GeographyStore;

#[derive(Clone, Copy)]
pub struct Elections<'a> {
    pub(crate) geography: &'a dyn GeographyStore,
    pub(crate) ctx: Context<'a>,
}

impl Elections<'_> {
    /// Replaces an election's seat table and recomputes every council's seats
    /// (`election.seat_table`); how many councils' seats changed.
    pub async fn set_seat_table(
        self,
        principal: Option<&Principal>,
        election: &str,
        table: &SeatTable,
    ) -> Result<u64> {
        let p = authorize(principal, Action::ManageElection)?;
        table.validate()?;
        Ok(self
            .geography
            .set_seat_table(election, table, &self.ctx.actor(p))
            .await?)
    }
}
