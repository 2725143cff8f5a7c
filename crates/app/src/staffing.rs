//! Staffing a station: giving a post to a person and freeing it. The governor staffs their
//! county's stations, the inspection board assigns its inspectors; the staffing rules are
//! the domain's, decided by the store on the facts it reads in its transaction.

use crate::lookups::list_county;
use crate::{authorize, Context, Error, Result};
use domain::access::{Action, Principal};
use domain::ids::NationalId;
use domain::staffing::Post;
use store::{
    CountyCoverage, Page, PageRequest, StaffAssignment, StaffConflict, StaffingStore, StationGap,
};

#[derive(Clone, Copy)]
pub struct Staffing<'a> {
    pub(crate) staffing: &'a dyn StaffingStore,
    pub(crate) ctx: Context<'a>,
}

/// A post by its code (`head`, `secretary_1`, …, `inspector`).
pub fn parse_post(post: &str) -> Result<Post> {
    Post::parse(post).ok_or_else(|| Error::invalid("post", format!("سمت «{post}» شناخته نشد")))
}

impl Staffing<'_> {
    /// Staffing coverage of the county asked for (confined by [`list_county`]) or, province
    /// wide, of every county.
    pub async fn coverage(
        self,
        principal: Option<&Principal>,
        county: Option<String>,
    ) -> Result<Vec<CountyCoverage>> {
        let county = list_county(principal, county)?;
        self.ctx.cached().coverage(county.as_deref()).await
    }

    /// Posts held by people the staffing rules would now refuse, in the county asked for
    /// (confined by [`list_county`]) or province wide.
    pub async fn conflicts(
        self,
        principal: Option<&Principal>,
        county: Option<String>,
    ) -> Result<Vec<StaffConflict>> {
        let county = list_county(principal, county)?;
        self.ctx.cached().conflicts(county.as_deref()).await
    }

    /// A county's open stations with unheld posts; a province-wide caller names the county.
    pub async fn gaps(
        self,
        principal: Option<&Principal>,
        county: Option<String>,
        page: PageRequest,
    ) -> Result<Page<StationGap>> {
        let county = list_county(principal, county)?
            .ok_or_else(|| Error::invalid("county", "شهرستان را مشخص کنید"))?;
        Ok(self.staffing.staffing_gaps(&county, page).await?)
    }

    /// Each of a county's open stations, in code order, with who holds its posts (or only
    /// `post`) in post order, if the principal may see the county.
    pub async fn county_roster(
        self,
        principal: Option<&Principal>,
        county: &str,
        post: Option<Post>,
    ) -> Result<Vec<(domain::station::Station, Vec<StaffAssignment>)>> {
        authorize(principal, Action::ViewCounty(county))?;
        let mut roster = Vec::new();
        for station in self.ctx.lookups.all_stations(Some(county)).await? {
            if station.closed {
                continue;
            }
            let mut staff = self.staffing.station_staff(&station.code).await?;
            staff.retain(|s| post.is_none_or(|p| s.post == p));
            roster.push((station, staff));
        }
        Ok(roster)
    }

    /// The station, if the principal may see it and give or free `post` there.
    async fn assigning<'p>(
        self,
        principal: Option<&'p Principal>,
        station: &str,
        post: Post,
    ) -> Result<(domain::station::Station, &'p Principal)> {
        let station = self.ctx.lookups.visible_station(principal, station).await?;
        let p = authorize(
            principal,
            Action::AssignPost {
                county: &station.county_code,
                post,
            },
        )?;
        Ok((station, p))
    }

    /// Gives `post` at the station to the person (`staff.assign`); the rule that stops it
    /// otherwise comes back as `Store(Refused(Staffing))`.
    pub async fn assign(
        self,
        principal: Option<&Principal>,
        station: &str,
        post: Post,
        national_id: &str,
    ) -> Result<StaffAssignment> {
        let (station, p) = self.assigning(principal, station, post).await?;
        let id = NationalId::parse(national_id)?;
        Ok(self
            .staffing
            .assign_post(&station.code, post, id.as_str(), &self.ctx.actor(p))
            .await?)
    }

    /// Frees `post` at the station (`staff.unassign`); who held it, if anyone.
    pub async fn free(
        self,
        principal: Option<&Principal>,
        station: &str,
        post: Post,
    ) -> Result<Option<StaffAssignment>> {
        let (station, p) = self.assigning(principal, station, post).await?;
        Ok(self
            .staffing
            .unassign_post(&station.code, post, &self.ctx.actor(p))
            .await?)
    }

    /// Who holds each post at a station the principal may see.
    pub async fn station_staff(
        self,
        principal: Option<&Principal>,
        station: &str,
    ) -> Result<(domain::station::Station, Vec<StaffAssignment>)> {
        let station = self.ctx.lookups.visible_station(principal, station).await?;
        let staff = self.staffing.station_staff(&station.code).await?;
        Ok((station, staff))
    }
}
