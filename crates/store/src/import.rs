//! CSV imports on top of the store: parse (domain), check every row's references against the
//! store, then write all or nothing. Every bad row is reported with its line number.

use crate::{Actor, CouncilFilter, PageRequest, Store, StoreError};
use domain::csv_io::{data_lines, people_from_csv, stations_from_csv, RowError};
use std::collections::HashMap;

#[derive(Debug)]
pub enum ImportError {
    /// The file is refused; nothing was written.
    Rows(Vec<RowError>),
    Store(StoreError),
}

impl From<StoreError> for ImportError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

/// Every council's county, by council code.
async fn council_counties(store: &dyn Store) -> Result<HashMap<String, String>, StoreError> {
    let mut out = HashMap::new();
    for page in 1.. {
        let batch = store
            .councils(
                &CouncilFilter::default(),
                PageRequest::new(page, PageRequest::MAX_PER_PAGE),
            )
            .await?;
        let done = batch.items.len() < PageRequest::MAX_PER_PAGE as usize;
        out.extend(batch.items.into_iter().map(|c| (c.code, c.county_code)));
        if done {
            break;
        }
    }
    Ok(out)
}

/// Imports a station file into the current election. With `only_county`, every row must be a
/// station of that county (a governor imports their own county's stations only).
pub async fn stations_csv(
    store: &dyn Store,
    text: &str,
    only_county: Option<&str>,
    by: &Actor,
) -> Result<u64, ImportError> {
    let election = store
        .election(None)
        .await?
        .ok_or(StoreError::NotFound { entity: "election" })?;
    let stations = stations_from_csv(text, &election.code).map_err(ImportError::Rows)?;
    let councils = council_counties(store).await?;
    let lines = data_lines(text);
    let mut errors = Vec::new();
    for (i, station) in stations.iter().enumerate() {
        let line = lines.get(i).copied().unwrap_or(0);
        if let Some(county) = only_county {
            if station.county_code != county {
                errors.push(RowError {
                    line,
                    message: format!("شعبه {} در شهرستان شما نیست.", station.code),
                });
                continue;
            }
        }
        for council in station.councils() {
            match councils.get(council) {
                None => errors.push(RowError {
                    line,
                    message: format!("شورای «{council}» وجود ندارد."),
                }),
                Some(c) if *c != station.county_code => {
                    errors.push(RowError {
                        line,
                        message: format!(
                            "شورای «{council}» در شهرستان {} نیست.",
                            station.county_code
                        ),
                    });
                }
                Some(_) => {}
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.import_stations(&stations, by).await?)
}

/// Imports a people file; a national id already registered is a bad row.
pub async fn people_csv(store: &dyn Store, text: &str, by: &Actor) -> Result<u64, ImportError> {
    let people = people_from_csv(text).map_err(ImportError::Rows)?;
    let lines = data_lines(text);
    let mut errors = Vec::new();
    for (i, person) in people.iter().enumerate() {
        if store.person(person.national_id.as_str()).await?.is_some() {
            errors.push(RowError {
                line: lines.get(i).copied().unwrap_or(0),
                message: format!("کد ملی {} از پیش ثبت شده است.", person.national_id),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.import_people(&people, by).await?)
}
