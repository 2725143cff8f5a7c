//! The count's public page (issue 17 §4): the closed stations' tallies fifty at a time, how many
//! guardians have decrypted each against the threshold, and once counted, the votes per
//! candidate. The guardians decrypt with `sandoq guardian decrypt`; the page says how. The use
//! cases are `app::tallies`, as for the API.

use crate::views::{page_error, render, Layout, OnPage, PageResult, Pager, Visit};
use askama::Template;
use axum::extract::Query;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize)]
pub struct CountQuery {
    county: Option<String>,
    page: Option<u32>,
}

/// A candidate's votes in a counted tally.
pub struct VoteRow {
    pub code_fa: String,
    pub name: String,
    pub votes_fa: String,
}

/// A station's tally for a council, as the page lists it.
pub struct TallyRow {
    pub station: String,
    pub station_fa: String,
    pub council_fa: String,
    pub ballots_fa: String,
    /// «۲ از ۳» (shares in, of the threshold).
    pub shares: String,
    pub counted: bool,
    pub votes: Vec<VoteRow>,
}

#[derive(Template)]
#[template(path = "count.html")]
struct CountPage {
    layout: Layout,
    county: String,
    rows: Vec<TallyRow>,
    threshold_fa: String,
    guardians_fa: String,
    pager: Pager,
}

/// `GET /count` (public).
pub async fn page(visit: Visit, OnPage(Query(q)): OnPage<Query<CountQuery>>) -> PageResult {
    let county = q
        .county
        .map(|c| domain::text::ascii_digits(c.trim()))
        .filter(|c| !c.is_empty());
    let listed = visit
        .app()
        .tallies()
        .closed(&app::tallies::TallyFilter {
            county: county.clone(),
            station: None,
            page: q.page.unwrap_or(1),
        })
        .await
        .map_err(|e| page_error(e, "/count"))?;
    let manifest_styles: HashMap<String, Vec<String>> = if listed
        .stations
        .iter()
        .any(|s| s.tallies.iter().any(|t| t.counts.is_some()))
    {
        visit
            .app()
            .tallies()
            .manifest()
            .await
            .map_err(|e| page_error(e, "/count"))?
            .styles
            .into_iter()
            .map(|s| (s.council, s.candidates))
            .collect()
    } else {
        HashMap::new()
    };
    let mut names: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut rows = Vec::new();
    for station in &listed.stations {
        for tally in &station.tallies {
            let mut votes = Vec::new();
            if let (Some(counts), Some(codes)) =
                (&tally.counts, manifest_styles.get(&tally.council))
            {
                if !names.contains_key(&tally.council) {
                    let (_, candidates) = visit
                        .app()
                        .candidates()
                        .on_ballot(&tally.council)
                        .await
                        .map_err(|e| page_error(e, "/count"))?;
                    names.insert(
                        tally.council.clone(),
                        candidates
                            .into_iter()
                            .map(|c| (c.code.clone(), format!("{} {}", c.first_name, c.last_name)))
                            .collect(),
                    );
                }
                let named = &names[&tally.council];
                votes = codes
                    .iter()
                    .zip(&counts.votes)
                    .map(|(code, n)| VoteRow {
                        code_fa: persian_digits(code),
                        name: named.get(code).cloned().unwrap_or_default(),
                        votes_fa: persian_number(i64::try_from(*n).unwrap_or(i64::MAX)),
                    })
                    .collect();
            }
            rows.push(TallyRow {
                station: station.station.clone(),
                station_fa: persian_digits(&station.station),
                council_fa: persian_digits(&tally.council),
                ballots_fa: persian_number(i64::try_from(tally.ballots).unwrap_or(i64::MAX)),
                shares: format!(
                    "{} از {}",
                    persian_number(i64::try_from(tally.guardians.len()).unwrap_or(0)),
                    persian_number(i64::try_from(listed.threshold).unwrap_or(0))
                ),
                counted: tally.counts.is_some(),
                votes,
            });
        }
    }
    let pages = store::Page {
        items: Vec::<()>::new(),
        page: listed.page,
        per_page: u32::try_from(app::tallies::STATIONS_PER_PAGE).unwrap_or(50),
        total: i64::try_from(listed.total).unwrap_or(i64::MAX),
    };
    let county_part = county
        .as_deref()
        .map(|c| format!("county={}&", crate::fmt::url_encode(c)))
        .unwrap_or_default();
    render(&CountPage {
        layout: visit.layout("شمارش آرا", "/count"),
        county: county.as_deref().map(persian_digits).unwrap_or_default(),
        rows,
        threshold_fa: persian_number(i64::try_from(listed.threshold).unwrap_or(0)),
        guardians_fa: persian_number(i64::try_from(listed.guardians).unwrap_or(0)),
        pager: Pager::new(&pages, |p| format!("/count?{county_part}page={p}")),
    })
}
