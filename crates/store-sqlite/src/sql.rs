//! Small helpers for building and running queries: collecting rows, WHERE clauses from optional
//! filters (every value a bound parameter), pages, and the text form of dates.

use crate::db::db_err;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use store::{Page, PageRequest, StoreResult};

pub(crate) fn bad_row(what: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(0, what.to_owned(), rusqlite::types::Type::Text)
}

pub(crate) fn parse_date(s: &str) -> rusqlite::Result<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| bad_row("date"))
}

pub(crate) fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

/// `YYYY-MM-DD` into `buf` without allocating (the import writes millions of them).
pub(crate) fn iso_into(d: time::Date, buf: &mut [u8; 10]) -> Option<&str> {
    let y = u16::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
    let (m, day) = (d.month() as u8, d.day());
    *buf = [
        b'0' + (y / 1000) as u8,
        b'0' + (y / 100 % 10) as u8,
        b'0' + (y / 10 % 10) as u8,
        b'0' + (y % 10) as u8,
        b'-',
        b'0' + m / 10,
        b'0' + m % 10,
        b'-',
        b'0' + day / 10,
        b'0' + day % 10,
    ];
    std::str::from_utf8(buf).ok()
}

/// Runs a prepared statement and collects its rows.
pub(crate) fn all<T, P: rusqlite::Params>(
    s: &mut rusqlite::Statement<'_>,
    p: P,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let rows = s.query_map(p, f).map_err(db_err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db_err)
}

/// Inserts every item with one prepared statement (`sql`), `params` giving each item's
/// parameters; the first item that fails stops the write, its error told by `failed` (which
/// may name the item's key).
pub(crate) fn insert_each<'a, T, P: rusqlite::Params>(
    conn: &Connection,
    sql: &str,
    items: &'a [T],
    params: impl Fn(&'a T) -> P,
    failed: impl Fn(rusqlite::Error, &'a T) -> store::StoreError,
) -> StoreResult<()> {
    let mut s = conn.prepare_cached(sql).map_err(db_err)?;
    for item in items {
        s.execute(params(item)).map_err(|e| failed(e, item))?;
    }
    Ok(())
}

/// `(key, value)` rows as each key's values, in the rows' order: the children a second query
/// read for several parents, ready to be handed to each.
pub(crate) fn grouped<K: Eq + std::hash::Hash, V>(
    rows: Vec<(K, V)>,
) -> std::collections::HashMap<K, Vec<V>> {
    let mut groups: std::collections::HashMap<K, Vec<V>> = std::collections::HashMap::new();
    for (key, value) in rows {
        groups.entry(key).or_default().push(value);
    }
    groups
}

/// For [`insert_each`]: a failure is a database error, whichever the item.
pub(crate) fn db_failure<T>(e: rusqlite::Error, _item: &T) -> store::StoreError {
    db_err(e)
}

/// The search key of a normalised text column: without the characters a search ignores
/// (`domain::text::SEARCH_STRIPPED`), as [`domain::text::search_key`] leaves typed text.
pub(crate) fn search_key(column: &str) -> String {
    domain::text::SEARCH_STRIPPED
        .iter()
        .fold(column.to_owned(), |expr, c| {
            format!("replace({expr}, char({}), '')", u32::from(*c))
        })
}

/// A WHERE clause built from optional filters, with positional parameters.
#[derive(Default)]
pub(crate) struct Where {
    pub(crate) clauses: Vec<String>,
    pub(crate) params: Vec<Value>,
}

impl Where {
    pub(crate) fn eq(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.params.push(Value::Text(v.to_owned()));
            self.clauses
                .push(format!("{column} = ?{}", self.params.len()));
        }
    }
    /// `column` starts with `value`, with no LIKE wildcards in play.
    pub(crate) fn prefix(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.params.push(Value::Text(v.to_owned()));
            let n = self.params.len();
            self.clauses
                .push(format!("substr({column}, 1, length(?{n})) = ?{n}"));
        }
    }
    /// `column` (normalised text) holds what was typed, compared by search key
    /// (`domain::text::search_key`): whatever its script, spaces and ZWNJs.
    pub(crate) fn searches(&mut self, column: &str, typed: Option<&str>) {
        if let Some(v) = typed {
            self.params.push(Value::Text(domain::text::search_key(v)));
            self.clauses.push(format!(
                "instr({}, ?{}) > 0",
                search_key(column),
                self.params.len()
            ));
        }
    }
    /// A registration search (`store::RegistrationSearch`): a tracking code or national id by
    /// its first digits, or a part of first and last name run together, by search key.
    pub(crate) fn registration_search(&mut self, search: Option<&store::RegistrationSearch>) {
        match search {
            None => {}
            Some(store::RegistrationSearch::Digits(d)) => {
                self.params.push(Value::Text(d.clone()));
                let n = self.params.len();
                self.clauses.push(format!(
                    "(substr(r.tracking_code, 1, length(?{n})) = ?{n} \
                     OR substr(r.national_id, 1, length(?{n})) = ?{n})"
                ));
            }
            Some(store::RegistrationSearch::Name(key)) => {
                self.params.push(Value::Text(key.clone()));
                self.clauses.push(format!(
                    "instr({}, ?{}) > 0",
                    search_key("r.first_name || r.last_name"),
                    self.params.len()
                ));
            }
        }
    }
    pub(crate) fn flag(&mut self, column: &str, value: Option<bool>) {
        if let Some(v) = value {
            self.params.push(Value::Integer(i64::from(v)));
            self.clauses
                .push(format!("{column} = ?{}", self.params.len()));
        }
    }
    pub(crate) fn cmp(&mut self, column: &str, op: &str, value: Option<i64>) {
        if let Some(v) = value {
            self.params.push(Value::Integer(v));
            self.clauses
                .push(format!("{column} {op} ?{}", self.params.len()));
        }
    }
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// The `ORDER BY` of a list of registrations (`r`, with its council `c`): the key, then filing
/// order and the tracking code.
pub(crate) fn registration_order(sort: store::Sort<store::RegistrationSortKey>) -> String {
    use store::RegistrationSortKey as K;
    let direction = if sort.descending { " DESC" } else { "" };
    let key = match sort.key {
        K::Filed => return format!("r.submitted_at_us{direction}, r.tracking_code{direction}"),
        K::Tracking => return format!("r.tracking_code{direction}"),
        K::Name => format!("r.last_name{direction}, r.first_name{direction}"),
        K::Council => format!("c.name{direction}"),
    };
    format!("{key}, r.submitted_at_us, r.tracking_code")
}

pub(crate) fn paged<T>(
    conn: &Connection,
    table: &str,
    columns: &str,
    filter: &Where,
    order: &str,
    page: PageRequest,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Page<T>> {
    let where_sql = filter.sql();
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {table} {where_sql}"))
        .map_err(db_err)?
        .query_row(params_from_iter(filter.params.iter()), |r| r.get(0))
        .map_err(db_err)?;
    let mut values = filter.params.clone();
    values.push(Value::Integer(page.limit()));
    values.push(Value::Integer(page.offset()));
    let n = values.len();
    let sql = format!(
        "SELECT {columns} FROM {table} {where_sql} ORDER BY {order} LIMIT ?{} OFFSET ?{n}",
        n - 1
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err)?;
    let items = stmt
        .query_map(params_from_iter(values.iter()), map)
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// What an UPDATE sets to take a kiosk's activation away.
pub(crate) const NO_ACTIVATION: &str = "activation_id = NULL, activation_token_hash = NULL, \
     activation_council = NULL, activation_at_us = NULL, activation_expires_us = NULL, \
     activation_test_run = NULL";
