//! The governor's view of staffing: coverage, the gaps with a form to fill each, a station's
//! staff with assign and free forms.

use crate::download::{Cell, Sheet};
use crate::fmt::{safe_next, url_encode};
use crate::views::OnPage;
use crate::views::{
    answer_form, breaks_a_rule_or_names_nothing, page_error, redirect, render, render_status,
    DoneQuery, Layout, PageResult, Refused, Visit,
};
use crate::ApiError;
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::access::Action;
use domain::staffing::Post;
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use store::{CountyCoverage, PageRequest};

/// A coverage figure with its share of the stations.
pub struct Share {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub percent: String,
    pub width: i64,
}

pub fn shares(c: &CountyCoverage) -> Vec<Share> {
    let share = |key, label, n: i64| {
        let pct = if c.stations == 0 {
            0
        } else {
            n * 1000 / c.stations
        };
        Share {
            key,
            label,
            value: persian_number(n),
            percent: domain::text::persian_percent(pct as f64 / 10.0, 1),
            width: pct / 10,
        }
    };
    vec![
        share("full_branch", "شعب با هر ۵ عضو", c.full_branch),
        share(
            "with_governor_rep",
            "شعب با نماینده فرماندار",
            c.with_governor_rep,
        ),
        share("with_inspector", "شعب با بازرس", c.with_inspector),
        share("fully_staffed", "شعب با همه ۷ سمت", c.fully_staffed),
    ]
}

pub struct GapRow {
    pub station: String,
    pub station_fa: String,
    pub name: String,
    pub missing: Vec<(String, &'static str, bool)>,
}

/// The gaps of a county, each missing post with whether this user may fill it.
pub async fn gap_rows(
    visit: &Visit,
    county: &str,
    page: u32,
) -> Result<(Vec<GapRow>, store::Page<store::StationGap>), ApiError> {
    let gaps = visit
        .app()
        .staffing()
        .gaps(
            visit.principal(),
            Some(county.to_owned()),
            PageRequest::new(page, 20),
        )
        .await?;
    let rows = gaps
        .items
        .iter()
        .map(|g| GapRow {
            station: g.station.clone(),
            station_fa: persian_digits(&g.station),
            name: g.name.clone(),
            missing: g
                .missing
                .iter()
                .map(|p| {
                    (
                        p.as_str().to_owned(),
                        p.persian(),
                        app::allows(visit.principal(), Action::AssignPost { county, post: *p }),
                    )
                })
                .collect(),
        })
        .collect();
    Ok((rows, gaps))
}

pub struct StaffRow {
    pub post: &'static str,
    pub post_code: &'static str,
    pub holder: Option<(String, String)>,
    pub can_change: bool,
}

#[derive(Template)]
#[template(path = "station_staff.html")]
struct StationStaffPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    county: String,
    rows: Vec<StaffRow>,
    error: Option<String>,
    notice: Option<String>,
    here: String,
}

/// `/stations/{code}/staff`: the station's seven posts, printable as its staff sheet.
pub async fn station_staff(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    staff_page(&visit, &code, q.done.as_deref(), None).await
}

/// The staff sheet, with a notice of what its form did or the reason it was refused.
async fn staff_page(
    visit: &Visit,
    code: &str,
    done: Option<&str>,
    refused: Option<Refused>,
) -> PageResult {
    let here = format!("/stations/{code}/staff");
    let (status, error) = Refused::shown(refused);
    let (station, staff) = visit
        .app()
        .staffing()
        .station_staff(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let rows = Post::ALL
        .iter()
        .map(|post| {
            let holder = staff.iter().find(|s| s.post == *post).map(|s| {
                (
                    format!("{} {}", s.first_name, s.last_name),
                    persian_digits(&s.national_id),
                )
            });
            StaffRow {
                post: post.persian(),
                post_code: post.as_str(),
                holder,
                can_change: app::allows(
                    visit.principal(),
                    Action::AssignPost {
                        county: &station.county_code,
                        post: *post,
                    },
                ),
            }
        })
        .collect();
    let page = StationStaffPage {
        layout: visit.layout(format!("عوامل {}", station.name), &here),
        code_fa: persian_digits(&station.code),
        code: station.code,
        name: station.name,
        county: station.county_code,
        rows,
        error,
        notice: done.map(|d| match d {
            "assigned" => "سمت با موفقیت تعیین شد.".to_owned(),
            _ => "سمت آزاد شد.".to_owned(),
        }),
        here,
    };
    render_status(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    national_id: String,
    /// Where to return after a success (the county page's gap list, or the staff sheet).
    back: Option<String>,
}

/// The form behind every "fill" button: assigns, then returns; a refusal shows its Persian
/// reason on the station's staff page.
pub async fn assign(
    visit: Visit,
    OnPage(Path((code, post))): OnPage<Path<(String, String)>>,
    OnPage(Form(form)): OnPage<Form<AssignForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/staff");
    let post = Post::parse(&post).ok_or(ApiError::not_found(store::Entity::Page))?;
    let outcome = visit
        .app()
        .staffing()
        .assign(visit.principal(), &code, post, &form.national_id)
        .await;
    let done = |_| {
        let back = safe_next(form.back.as_deref());
        let (path, fragment) = back
            .split_once('#')
            .map_or((back.as_str(), String::new()), |(p, f)| {
                (p, format!("#{f}"))
            });
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}done=assigned{fragment}")
    };
    let again = |refused| staff_page(&visit, &code, None, Some(refused));
    answer_form(outcome, &here, breaks_a_rule_or_names_nothing, done, again).await
}

/// Frees a post from the staff sheet.
pub async fn unassign(
    visit: Visit,
    OnPage(Path((code, post))): OnPage<Path<(String, String)>>,
) -> PageResult {
    let here = format!("/stations/{code}/staff");
    let post = Post::parse(&post).ok_or(ApiError::not_found(store::Entity::Page))?;
    visit
        .app()
        .staffing()
        .free(visit.principal(), &code, post)
        .await
        .map_err(|e| page_error(e, &here))?;
    Ok(redirect(&format!("{here}?done=freed")))
}

/// A link back to a county page's gap list.
pub fn county_gaps_link(county: &str, page: u32) -> String {
    format!("/counties/{}?gpage={page}#gaps", url_encode(county))
}

pub struct RosterRow {
    pub number: String,
    pub station: String,
    pub station_name: String,
    pub name: String,
    /// Surname first, for sorting ([`crate::fmt::surname_first`]).
    pub name_key: String,
    pub national_id: String,
}

#[derive(Template)]
#[template(path = "roster.html")]
struct RosterPage {
    layout: Layout,
    county: String,
    county_name: String,
    summary: String,
    today: String,
    rows: Vec<RosterRow>,
}

/// `/counties/{code}/inspectors`: the county's inspector roster, ready to print.
pub async fn inspector_roster(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
) -> PageResult {
    let here = format!("/counties/{code}/inspectors");
    visit.require(Action::ViewCounty(&code), &here)?;
    let county = visit.app().lookups().county(&code).await?;
    let roster = visit
        .app()
        .staffing()
        .county_roster(visit.principal(), &code, Some(Post::Inspector))
        .await?;
    let open = roster.len();
    let inspectors: Vec<(&str, &store::StaffAssignment)> = roster
        .iter()
        .flat_map(|(station, staff)| staff.iter().map(|s| (station.name.as_str(), s)))
        .collect();
    let layout = visit.layout(format!("فهرست بازرسان {}", county.county.name), &here);
    let today = layout.today.clone();
    render(&RosterPage {
        summary: format!(
            "{} بازرس برای {} شعبه باز",
            persian_number(inspectors.len() as i64),
            persian_number(open as i64)
        ),
        rows: inspectors
            .iter()
            .enumerate()
            .map(|(i, (station_name, s))| RosterRow {
                number: persian_number(i as i64 + 1),
                station: persian_digits(&s.station),
                station_name: (*station_name).to_owned(),
                name: format!("{} {}", s.first_name, s.last_name),
                name_key: crate::fmt::surname_first(&s.first_name, &s.last_name),
                national_id: persian_digits(&s.national_id),
            })
            .collect(),
        layout,
        county: code,
        county_name: county.county.name,
        today,
    })
}

/// `GET /counties/{code}/inspectors.xlsx`: the county's inspector roster as its page lists it,
/// for those who see the county, as an Excel file.
pub async fn inspector_roster_xlsx(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
) -> PageResult {
    let here = format!("/counties/{code}/inspectors");
    visit.require(Action::ViewCounty(&code), &here)?;
    let roster = visit
        .app()
        .staffing()
        .county_roster(visit.principal(), &code, Some(Post::Inspector))
        .await?;
    let rows: Vec<Vec<Cell>> = roster
        .iter()
        .flat_map(|(station, staff)| {
            staff.iter().map(move |s| {
                vec![
                    Cell::code(&s.station),
                    Cell::text(station.name.as_str()),
                    Cell::text(s.first_name.as_str()),
                    Cell::text(s.last_name.as_str()),
                    Cell::code(&s.national_id),
                ]
            })
        })
        .collect();
    if rows.len() > crate::download::MAX_ROWS {
        return Err(ApiError::ExportTooLarge {
            rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            limit: crate::download::MAX_ROWS,
        }
        .into());
    }
    let sheet = Sheet {
        name: "بازرسان شعب",
        header: &["کد شعبه", "نام شعبه", "نام", "نام خانوادگی", "کد ملی"],
        rows,
    };
    Ok(sheet.download(&format!("inspectors-{code}"))?)
}
