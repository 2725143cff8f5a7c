//! Query-building helpers: pages, the `ORDER BY` of each sort key, and the `WHERE` fragments of
//! the filtered lists. Text filters are plain text (`strpos`, `starts_with`): `%` and `_` are
//! characters like any other, as on SQLite. Also the plumbing the lists and the bulk writes
//! share: reading one page of a list with its total ([`List`]) and binding a slice as one
//! `UNNEST` column ([`column`]).

use crate::db::db;
use sqlx::postgres::{PgArguments, PgConnection, PgRow};
use sqlx::query::Query;
use sqlx::Row;
use store::{
    CouncilSortKey, Page, PageRequest, RegistrationSortKey, Sort, StationSortKey, StoreResult,
};

/// A page of `items` out of `total`, as asked for.
pub(crate) fn page<T>(items: Vec<T>, total: i64, req: PageRequest) -> Page<T> {
    Page {
        items,
        total,
        page: req.page,
        per_page: req.per_page,
    }
}

/// A statement whose parameters are being bound.
pub(crate) type Statement<'q> = Query<'q, sqlx::Postgres, PgArguments>;

/// A filtered list's two statements: the count of the rows that match, and one page of them.
pub(crate) struct List {
    /// `SELECT COUNT(*)` of the rows that match the filter.
    pub(crate) count: String,
    /// The page's rows; its `LIMIT` and `OFFSET` are the last two parameters.
    pub(crate) select: String,
}

impl List {
    /// The `columns` of the rows `FROM {from}` (a table or a join, with its `WHERE` on the
    /// filter's `params` parameters) in `order`; the page's `LIMIT` and `OFFSET` are the next
    /// two parameters.
    pub(crate) fn new(columns: &str, from: &str, order: &str, params: usize) -> Self {
        Self {
            count: format!("SELECT COUNT(*) FROM {from}"),
            select: format!(
                "SELECT {columns} FROM {from} ORDER BY {order} LIMIT ${} OFFSET ${}",
                params + 1,
                params + 2
            ),
        }
    }

    /// Reads the total and one page. `bind` binds the filter's values to each statement,
    /// written once so that the total always counts the rows the pages show.
    pub(crate) async fn fetch<'q>(
        &'q self,
        conn: &mut PgConnection,
        bind: impl Fn(Statement<'q>) -> Statement<'q>,
        req: PageRequest,
    ) -> StoreResult<(i64, Vec<PgRow>)> {
        let total = bind(sqlx::query(&self.count))
            .fetch_one(&mut *conn)
            .await
            .and_then(|row| row.try_get(0))
            .map_err(db)?;
        let found = bind(sqlx::query(&self.select))
            .bind(req.limit())
            .bind(req.offset())
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        Ok((total, found))
    }
}

/// One column of a bulk write: `value` of every item, bound as one array that `UNNEST` turns
/// back into rows (one statement a table, whatever the number of rows).
pub(crate) fn column<'a, T, V>(items: &'a [T], value: impl Fn(&'a T) -> V) -> Vec<V> {
    items.iter().map(value).collect()
}

/// Sums a `bigint` column in SQL: `SUM` of bigints is numeric.
pub(crate) fn sum(expr: &str) -> String {
    format!("COALESCE(SUM({expr}), 0)::bigint")
}

/// `key [DESC]`, then the code (byte order, as SQLite compares) breaking ties.
fn order_by(column: &str, descending: bool) -> String {
    let direction = if descending { " DESC" } else { "" };
    if column == "code" {
        format!("code COLLATE \"C\"{direction}")
    } else {
        format!("{column}{direction}, code COLLATE \"C\"")
    }
}

/// The `ORDER BY` clause of the council list.
pub(crate) fn council_order(sort: Sort<CouncilSortKey>) -> String {
    let column = match sort.key {
        CouncilSortKey::Code => "code",
        CouncilSortKey::Name => "name COLLATE \"C\"",
        CouncilSortKey::Population => "population",
        CouncilSortKey::Seats => "main_seats",
    };
    order_by(column, sort.descending)
}

/// The `ORDER BY` clause of the station list.
pub(crate) fn station_order(sort: Sort<StationSortKey>) -> String {
    let column = match sort.key {
        StationSortKey::Code => "code",
        StationSortKey::Name => "name COLLATE \"C\"",
        StationSortKey::ExpectedVoters => "expected_voters",
    };
    order_by(column, sort.descending)
}

/// The search key of a normalised text column: without the characters a search ignores
/// (`domain::text::SEARCH_STRIPPED`), as [`domain::text::search_key`] leaves typed text, which
/// is what the filters below are given.
pub(crate) fn search_key(column: &str) -> String {
    domain::text::SEARCH_STRIPPED
        .iter()
        .fold(column.to_owned(), |expr, c| {
            format!("replace({expr}, chr({}), '')", u32::from(*c))
        })
}

/// Councils by county (`$1`), kind (`$2`) and a part of the name (`$3`, a search key).
pub(crate) fn council_filter() -> String {
    format!(
        "($1::text IS NULL OR county_code = $1) AND ($2::text IS NULL OR kind = $2) \
         AND ($3::text IS NULL OR strpos({}, $3) > 0)",
        search_key("name")
    )
}

/// Stations by county (`$1`), council (`$2`: its own, or a stop of its route), code (`$3`),
/// area (`$4`), mobility (`$5`), closure (`$6`) and a part of the name (`$7`, a search key).
pub(crate) fn station_filter() -> String {
    format!(
        "($1::text IS NULL OR county_code = $1) \
     AND ($2::text IS NULL OR council_code = $2 OR EXISTS (SELECT 1 FROM station_route r \
       WHERE r.station_code = stations.code AND r.council_code = $2)) \
     AND ($3::text IS NULL OR code = $3) AND ($4::text IS NULL OR area = $4) \
     AND ($5::bool IS NULL OR mobile = $5) AND ($6::bool IS NULL OR closed = $6) \
     AND ($7::text IS NULL OR strpos({}, $7) > 0)",
        search_key("name")
    )
}

/// People whose national id starts with `$1`, or whose first or last name holds `$2` (a
/// search key); with a county (`$3`), those linked to it, and with `$4` those linked to no
/// county too.
pub(crate) fn people_filter() -> String {
    format!(
        "($1::text IS NULL OR starts_with(national_id, $1)) \
     AND ($2::text IS NULL OR strpos({first}, $2) > 0 OR strpos({last}, $2) > 0) \
     AND ($3::text IS NULL \
       OR people.national_id IN ( \
         SELECT sp.national_id FROM station_posts sp JOIN stations s ON s.code = sp.station_code \
          WHERE s.county_code = $3 \
         UNION SELECT m.national_id FROM board_members m WHERE m.county_code = $3 \
         UNION SELECT r.national_id FROM registrations r \
          JOIN councils c ON c.code = r.council_code WHERE c.county_code = $3) \
       OR ($4::boolean AND people.national_id NOT IN ( \
         SELECT sp.national_id FROM station_posts sp \
         UNION SELECT m.national_id FROM board_members m WHERE m.county_code IS NOT NULL \
         UNION SELECT r.national_id FROM registrations r)))",
        first = search_key("first_name"),
        last = search_key("last_name"),
    )
}

/// Audit records by actor (`$1`), action prefix (`$2`), entity prefix (`$3`) and time
/// (`$4` to `$5`).
pub(crate) const AUDIT_FILTER: &str =
    "($1::text IS NULL OR actor = $1) AND ($2::text IS NULL OR starts_with(action, $2)) \
     AND ($3::text IS NULL OR starts_with(entity, $3)) AND ($4::bigint IS NULL OR at_us >= $4) \
     AND ($5::bigint IS NULL OR at_us <= $5)";

/// `registrations r JOIN councils c` filtered by election (`$1`), county (`$2`), council (`$3`),
/// state (`$4`), applicant (`$5`), the first digits of the tracking code or national id (`$6`)
/// and a part of first and last name run together (`$7`, a search key).
pub(crate) fn registration_filter() -> String {
    format!(
        "r.election_code = $1 AND ($2::text IS NULL OR c.county_code = $2) \
     AND ($3::text IS NULL OR r.council_code = $3) AND ($4::text IS NULL OR r.state = $4) \
     AND ($5::text IS NULL OR r.national_id = $5) \
     AND ($6::text IS NULL OR starts_with(r.tracking_code, $6) OR starts_with(r.national_id, $6)) \
     AND ($7::text IS NULL OR strpos({}, $7) > 0)",
        search_key("(r.first_name || r.last_name)")
    )
}

/// The `ORDER BY` of a list of registrations (`r`, with its council `c`): the key, then filing
/// order and the tracking code (byte order, as SQLite compares).
pub(crate) fn registration_order(sort: Sort<RegistrationSortKey>) -> String {
    let direction = if sort.descending { " DESC" } else { "" };
    let key = match sort.key {
        RegistrationSortKey::Filed => {
            return format!(
                "r.submitted_at_us{direction}, r.tracking_code COLLATE \"C\"{direction}"
            )
        }
        RegistrationSortKey::Tracking => {
            return format!("r.tracking_code COLLATE \"C\"{direction}")
        }
        RegistrationSortKey::Name => {
            format!("r.last_name COLLATE \"C\"{direction}, r.first_name COLLATE \"C\"{direction}")
        }
        RegistrationSortKey::Council => format!("c.name COLLATE \"C\"{direction}"),
    };
    format!("{key}, r.submitted_at_us, r.tracking_code COLLATE \"C\"")
}

/// What an UPDATE sets to take a kiosk's activation away.
pub(crate) const NO_ACTIVATION: &str = "activation_id = NULL, activation_token_hash = NULL, \
     activation_council = NULL, activation_at_us = NULL, activation_expires_us = NULL, \
     activation_test_run = NULL";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_pages_after_its_filters_parameters() {
        let list = List::new("code, name", "councils WHERE kind = $1", "code", 1);
        assert_eq!(list.count, "SELECT COUNT(*) FROM councils WHERE kind = $1");
        assert_eq!(
            list.select,
            "SELECT code, name FROM councils WHERE kind = $1 ORDER BY code LIMIT $2 OFFSET $3"
        );
    }

    #[test]
    fn name_filters_compare_search_keys() {
        assert_eq!(
            search_key("name"),
            "replace(replace(name, chr(32), ''), chr(8204), '')"
        );
        for filter in [council_filter(), station_filter(), people_filter()] {
            assert!(filter.contains("strpos(replace(replace("), "{filter}");
        }
    }

    #[test]
    fn every_sort_ties_on_code() {
        for key in <CouncilSortKey as store::SortKey>::ALL {
            for sort in [Sort::ascending(*key), Sort::descending(*key)] {
                assert!(council_order(sort).contains("code COLLATE \"C\""));
            }
        }
        assert_eq!(
            council_order(Sort::descending(CouncilSortKey::Seats)),
            "main_seats DESC, code COLLATE \"C\""
        );
        assert_eq!(
            station_order(Sort::ascending(StationSortKey::Name)),
            "name COLLATE \"C\", code COLLATE \"C\""
        );
        assert_eq!(
            station_order(Sort::descending(StationSortKey::Code)),
            "code COLLATE \"C\" DESC"
        );
    }
}
