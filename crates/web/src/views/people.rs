//! `/people`: find a person by national id or name.

use crate::download::{Cell, Sheet};
use crate::fmt::url_encode;
use crate::views::OnPage;
use crate::views::{page_error, render, Layout, PageResult, Pager, Visit};
use askama::Template;
use axum::extract::Query;
use domain::access::Action;
use domain::text::persian_digits;
use serde::Deserialize;
use store::{Page, PageRequest};

pub struct PersonRow {
    pub national_id: String,
    pub name: String,
    /// Surname first, for sorting ([`crate::fmt::surname_first`]).
    pub name_key: String,
    pub father: String,
    pub birth: String,
    pub education: &'static str,
    pub mobile: String,
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    layout: Layout,
    q: String,
    searched: bool,
    error: Option<String>,
    people: Vec<PersonRow>,
    pager: Pager,
    /// The whole search, as an Excel file.
    xlsx_href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u32>,
}

pub async fn search(visit: Visit, OnPage(Query(query)): OnPage<Query<SearchQuery>>) -> PageResult {
    visit.require(Action::ViewPeople, "/people")?;
    let q = query.q.unwrap_or_default();
    let searched = app::people::search_term(&q).is_some();
    let page = if searched {
        visit
            .app()
            .people()
            .search(
                visit.principal(),
                &q,
                PageRequest::new(query.page.unwrap_or(1), 25),
            )
            .await?
    } else {
        Page {
            items: Vec::new(),
            total: 0,
            page: 1,
            per_page: 25,
        }
    };
    render(&PeoplePage {
        layout: visit.layout("جست‌وجوی اشخاص", "/people"),
        pager: Pager::new(&page, |p| format!("/people?q={}&page={p}", url_encode(&q))),
        xlsx_href: format!("/people.xlsx?q={}", url_encode(&q)),
        people: page
            .items
            .iter()
            .map(|p| PersonRow {
                national_id: persian_digits(p.national_id.as_str()),
                name: format!("{} {}", p.first_name, p.last_name),
                name_key: crate::fmt::surname_first(&p.first_name, &p.last_name),
                father: p.father_name.clone(),
                birth: domain::calendar::jalali_numeric(p.birth_date),
                education: p.education.map_or("", domain::person::Education::persian),
                mobile: p
                    .mobile
                    .as_ref()
                    .map(|m| persian_digits(m.as_str()))
                    .unwrap_or_default(),
            })
            .collect(),
        error: (searched && page.total == 0).then(|| "کسی با این مشخصات پیدا نشد.".to_owned()),
        // The search box shows what was typed with Persian digits (the search reads either).
        q: domain::text::echo(&q),
        searched,
    })
}

/// `GET /people.xlsx?q=…`: every person the search finds (the same search and scope as the
/// page's), as an Excel file.
pub async fn search_xlsx(
    visit: Visit,
    OnPage(Query(query)): OnPage<Query<SearchQuery>>,
) -> PageResult {
    let here = "/people";
    visit.require(Action::ViewPeople, here)?;
    let q = query.q.unwrap_or_default();
    let (people, principal, q) = (visit.app().people(), visit.principal(), q.as_str());
    let found = crate::download::every_page(|page| async move {
        if app::people::search_term(q).is_some() {
            people.search(principal, q, page).await
        } else {
            // The page lists nobody before a search, and so does its download.
            Ok(Page {
                items: Vec::new(),
                total: 0,
                page: 1,
                per_page: page.per_page,
            })
        }
    })
    .await
    .map_err(|e| page_error(e, here))?;
    let rows = found
        .iter()
        .map(|p| {
            vec![
                Cell::code(p.national_id.as_str()),
                Cell::text(p.first_name.as_str()),
                Cell::text(p.last_name.as_str()),
                Cell::text(p.father_name.as_str()),
                Cell::text(domain::calendar::jalali_numeric(p.birth_date)),
                Cell::text(p.education.map_or("", domain::person::Education::persian)),
                Cell::opt_code(p.mobile.as_ref().map(domain::ids::MobileNumber::as_str)),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "اشخاص",
        header: &[
            "کد ملی",
            "نام",
            "نام خانوادگی",
            "نام پدر",
            "تاریخ تولد",
            "تحصیلات",
            "تلفن همراه",
        ],
        rows,
    };
    Ok(sheet.download("people")?)
}
