//! The final candidate lists (public): as CSV and in NIST's Election Results Common Data
//! Format, with the candidates' photos; and the participation figures of registration for the
//! information committee (each user's scope).

use crate::lookups::registrations_scope;
use crate::{Context, Error, Result};
use domain::access::Principal;
use domain::election::Council;
use domain::participation::{summarize, Participation};
use store::{CandidacyStore, StoredDocument};

#[derive(Clone, Copy)]
pub struct Candidates<'a> {
    pub(crate) candidacy: &'a dyn CandidacyStore,
    pub(crate) ctx: Context<'a>,
}

/// The part of the lists asked for: a county's councils, one council, or all.
#[derive(Debug, Clone, Default)]
pub struct ListScope {
    pub county: Option<String>,
    pub council: Option<String>,
}

impl ListScope {
    /// The scope's name in a file name: `council-…`, `county-…` or `province`.
    pub fn file_name(&self) -> String {
        match (&self.council, &self.county) {
            (Some(c), _) => format!("council-{c}"),
            (None, Some(k)) => format!("county-{k}"),
            (None, None) => "province".into(),
        }
    }
}

/// Every county of the province, for the NIST reports' reporting units.
pub(crate) async fn counties(ctx: &crate::Context<'_>) -> Result<Vec<domain::geo::County>> {
    Ok(ctx
        .lookups
        .geography
        .counties(&store::CountyFilter::default())
        .await?
        .into_iter()
        .map(|s| s.county)
        .collect())
}

/// Who issues the NIST report.
pub(crate) const ISSUER: domain::nist::Issuer<'static> = domain::nist::Issuer {
    name: "ستاد انتخابات استان کرمان",
    abbreviation: "KRM-HQ",
    application: concat!("sandoq ", env!("CARGO_PKG_VERSION")),
};

impl Candidates<'_> {
    /// The councils of a county (or all), or the one council asked for.
    async fn councils(self, county: Option<&str>, council: Option<&str>) -> Result<Vec<Council>> {
        Ok(self
            .ctx
            .cached()
            .councils()
            .await?
            .iter()
            .filter(|c| county.is_none_or(|k| c.county_code == k))
            .filter(|c| council.is_none_or(|k| c.code == k))
            .cloned()
            .collect())
    }

    /// The councils the scope covers, and their approved candidates (public).
    pub async fn lists(
        self,
        scope: &ListScope,
    ) -> Result<(Vec<Council>, Vec<domain::ballot::Candidate>)> {
        let election = self.ctx.cached().election_code().await?;
        let councils = self
            .councils(scope.county.as_deref(), scope.council.as_deref())
            .await?;
        if councils.is_empty() {
            return Err(Error::NotFound(store::Entity::Council));
        }
        let candidates = self
            .candidacy
            .all_candidates(election)
            .await?
            .into_iter()
            .filter(|c| councils.iter().any(|k| k.code == c.council))
            .collect();
        Ok((councils, candidates))
    }

    /// A council and its approved candidates, in code order: what its ballot lists (public).
    pub async fn on_ballot(
        self,
        council: &str,
    ) -> Result<(Council, Vec<domain::ballot::Candidate>)> {
        let council = self.ctx.lookups.council(council).await?;
        let candidates = self
            .candidacy
            .candidates(&council.election_code, &council.code)
            .await?;
        Ok((council, candidates))
    }

    /// The lists as CSV (UTF-8 with a byte-order mark): by council, by code. Built and
    /// gzipped once per change of the data and scope.
    pub async fn csv(self, scope: &ListScope) -> Result<Export> {
        self.export("csv", scope, || async {
            let (councils, candidates) = self.lists(scope).await?;
            Ok(domain::csv_io::candidates_to_csv(&councils, &candidates).into_bytes())
        })
        .await
    }

    /// The lists in NIST SP 1500-100 Rev. 2, as JSON text: one candidate contest per council.
    /// Built, written and gzipped once per change of the data and scope (public, and large: a
    /// request must not cost a rebuild); its `GeneratedDate` is when it was built.
    pub async fn nist(self, scope: &ListScope) -> Result<Export> {
        self.export("nist", scope, || async {
            let report = self.build_nist(scope).await?;
            serde_json::to_vec(&report).map_err(|e| Error::Internal(e.to_string()))
        })
        .await
    }

    /// An export by format and scope, from the cache while the data has not changed.
    async fn export<F>(
        self,
        format: &str,
        scope: &ListScope,
        build: impl FnOnce() -> F,
    ) -> Result<Export>
    where
        F: std::future::Future<Output = Result<Vec<u8>>>,
    {
        let cached = self.ctx.cached();
        let key = format!(
            "{format}|{}|{}",
            scope.county.as_deref().unwrap_or(""),
            scope.council.as_deref().unwrap_or("")
        );
        cached
            .versioned(&cached.caches.reports, Some(&key), || async {
                let plain = build().await?;
                tokio::task::spawn_blocking(move || Export::of(plain)).await?
            })
            .await
    }

    async fn build_nist(self, scope: &ListScope) -> Result<serde_json::Value> {
        let (councils, candidates) = self.lists(scope).await?;
        let election = self.ctx.cached().election().await?;
        let counties: Vec<domain::geo::County> = counties(&self.ctx)
            .await?
            .into_iter()
            .filter(|k| councils.iter().any(|c| c.county_code == k.code))
            .collect();
        Ok(domain::nist::candidates_report(
            &ISSUER,
            &election,
            &counties,
            &councils,
            &candidates,
            self.ctx.clock.now(),
        ))
    }

    /// An approved candidate's photo, as uploaded with the registration (public).
    pub async fn photo(self, candidate_code: &str) -> Result<(StoredDocument, Vec<u8>)> {
        let election = self.ctx.cached().election_code().await?;
        let document = self
            .candidacy
            .candidate_photo(election, candidate_code)
            .await?
            .ok_or(Error::NotFound(store::Entity::Document))?;
        let bytes = crate::read_document(self.ctx.files, &document).await?;
        Ok((document, bytes))
    }

    /// Whether an approved candidate filed a photo (a plain read).
    pub async fn has_photo(self, candidate_code: &str) -> Result<bool> {
        let election = self.ctx.cached().election_code().await?;
        Ok(self
            .candidacy
            .candidate_photo(election, candidate_code)
            .await?
            .is_some())
    }

    /// The participation figures of the principal's scope: their county, or (for the HQ and
    /// the province's supervision board) the province or the county asked for.
    pub async fn participation(
        self,
        principal: Option<&Principal>,
        county: Option<&str>,
    ) -> Result<(Participation, Option<String>)> {
        let county = registrations_scope(principal, county)?;
        let election = self.ctx.cached().election_code().await?;
        let councils = self.councils(county.as_deref(), None).await?;
        let facts = self.candidacy.registration_facts(election).await?;
        Ok((summarize(&facts, &councils), county))
    }
}

/// A public export as built: its bytes, and the same gzipped (for the clients that accept it).
#[derive(Debug, Clone)]
pub struct Export {
    pub plain: bytes::Bytes,
    pub gzip: bytes::Bytes,
}

impl Export {
    /// Gzips `plain` (blocking: call it off the async workers).
    fn of(plain: Vec<u8>) -> Result<Self> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(plain.len() / 8),
            flate2::Compression::default(),
        );
        encoder
            .write_all(&plain)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let gzip = encoder
            .finish()
            .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(Self {
            plain: plain.into(),
            gzip: gzip.into(),
        })
    }
}
