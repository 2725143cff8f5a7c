//! Geography, the election and its councils: the province as loaded, the election's
//! timeline and seat table, the county figures of the HQ dashboard.

use crate::{Actor, CouncilFilter, CountyFilter, CountySummary, Page, PageRequest, StoreResult};
use async_trait::async_trait;
use domain::election::{Council, CouncilKind, Election, SeatTable, Seats};
use domain::geo::ProvinceSeed;

#[async_trait]
pub trait GeographyStore: Send + Sync + 'static {
    /// True when no province has been loaded yet.
    async fn is_empty(&self) -> StoreResult<bool>;

    /// Loads a province into an empty store: its geography, its election (timeline and seat
    /// table) and the election's councils, after `ProvinceSeed::validate`, in one transaction
    /// with one audit record (`province.load`) holding the counts. `Duplicate { Province }`
    /// when a province is already loaded.
    async fn load_province(&self, seed: &ProvinceSeed, by: &Actor) -> StoreResult<()>;

    /// The election with this code, or the most recent one when `code` is `None`.
    async fn election(&self, code: Option<&str>) -> StoreResult<Option<Election>>;

    /// Replaces an election's seat table and recomputes every council's seats from it.
    /// Returns the number of councils whose seats changed.
    async fn set_seat_table(
        &self,
        election_code: &str,
        table: &SeatTable,
        by: &Actor,
    ) -> StoreResult<u64>;

    /// Counties with their figures, in code order.
    async fn counties(&self, filter: &CountyFilter) -> StoreResult<Vec<CountySummary>>;

    /// Councils filtered, sorted and paginated; the name filter matches a plain substring.
    async fn councils(
        &self,
        filter: &CouncilFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Council>>;
    async fn council(&self, code: &str) -> StoreResult<Option<Council>>;

    /// The place a council serves, as the candidates' education rule needs it (a village's
    /// households with its population).
    async fn council_place(&self, code: &str) -> StoreResult<Option<domain::registration::Place>>;
}

/// A council's seats as stored, read back to be recomputed under a new seat table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSeats {
    pub code: String,
    pub kind: CouncilKind,
    pub place_code: String,
    pub population: i64,
    pub main: i64,
    pub alternate: i64,
}

/// The councils whose seats `table` changes, each with its new seats: what `set_seat_table`
/// writes on both backends, and the number of councils it reports as changed.
pub fn reseated<'a>(table: &SeatTable, councils: &'a [StoredSeats]) -> Vec<(&'a str, Seats)> {
    councils
        .iter()
        .filter_map(|c| {
            let seats = table.seats(c.kind, &c.place_code, c.population);
            let new = (i64::from(seats.main), i64::from(seats.alternate));
            (new != (c.main, c.alternate)).then_some((c.code.as_str(), seats))
        })
        .collect()
}

/// The record of a province load: the election, and how much of each kind was loaded.
pub fn province_loaded(seed: &ProvinceSeed) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::ProvinceLoad,
        format!("election/{}", seed.election.code),
        serde_json::json!({
            "counties": seed.counties.len(), "districts": seed.districts.len(),
            "cities": seed.cities.len(), "rural_districts": seed.rural_districts.len(),
            "villages": seed.villages.len(), "councils": seed.councils.len(),
        }),
    )
}

pub fn seat_table_set(
    election_code: &str,
    table: &SeatTable,
    councils_changed: u64,
) -> crate::audit_log::AuditEntry {
    crate::audit_log::AuditEntry::new(
        domain::audit_terms::AuditAction::ElectionSeatTable,
        format!("election/{election_code}"),
        serde_json::json!({"seat_table": table, "councils_changed": councils_changed}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_councils_whose_seats_change_are_reseated() {
        let mut table = SeatTable::law_default();
        let stored = |code: &str, place_code: &str| {
            let seats = table.seats(CouncilKind::City, place_code, 50_000);
            StoredSeats {
                code: code.into(),
                kind: CouncilKind::City,
                place_code: place_code.into(),
                population: 50_000,
                main: seats.main.into(),
                alternate: seats.alternate.into(),
            }
        };
        let councils = [stored("a", "p-a"), stored("b", "p-b")];
        assert!(reseated(&table, &councils).is_empty());
        let special = Seats {
            main: 21,
            alternate: 11,
        };
        table.overrides.insert("p-b".into(), special);
        assert_eq!(reseated(&table, &councils), vec![("b", special)]);
    }
}
