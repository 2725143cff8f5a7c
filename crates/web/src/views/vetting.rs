//! The boards' side of vetting (بررسی صلاحیت, issue 5): the worklist of registrations in the
//! signed-in user's scope, one file with its application, documents, deadline and history, the
//! step the user's board may take on it now, and its uploaded documents.
//!
//! A step goes through the API's use case (`app::vetting::take_step`), so the page and a JSON
//! client meet the same rules; a refused step shows the file again with its Persian reason and
//! writes nothing. The file page prints as the file's record (print CSS).

use crate::download::{Cell, Sheet};
use crate::fmt::{kilobytes, url_encode};
use crate::views::OnPage;
use crate::views::{
    answer_form, page_error, render, render_status, Choice, Counties, DoneQuery, Layout,
    PageResult, Pager, Refused, SortLink, Visit,
};
use crate::{ApiError, PageError};
use app::registrations::tracking_input;
use app::vetting::ListQuery;
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Form;
use domain::access::{list_reviewer, vetting_reviewer};
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::inquiry::{Answer, Authority};
use domain::person::Gender;
use domain::registration::DocumentKind;
use domain::text::{ascii_digits, persian_digits, persian_number};
use domain::vetting::{RejectionGround, Reviewer, VettingAction, VettingState};
use serde::Deserialize;
use std::collections::HashMap;
use store::{PageRequest, Registration, RegistrationSearch, RegistrationSortKey, Sort};

/// Rows on a page of the worklist.
pub const PER_PAGE: u32 = 50;

/// A vetting state's count at the top of the worklist, linking to its rows.
pub struct StateCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: String,
    pub href: String,
    pub active: bool,
    /// The state awaits the signed-in user's board.
    pub yours: bool,
}

pub struct WorkRow {
    pub tracking_code: String,
    pub tracking_fa: String,
    pub name: String,
    /// Surname first, for sorting ([`crate::fmt::surname_first`]).
    pub name_key: String,
    pub council: String,
    pub county: String,
    pub state: &'static str,
    pub state_code: &'static str,
    pub filed_at: String,
    pub filed_raw: i64,
    pub deadline: String,
    pub deadline_raw: i64,
    pub overdue: bool,
    pub candidate_code: String,
    pub candidate_raw: String,
}

#[derive(Template)]
#[template(path = "vetting_list.html")]
struct WorklistPage {
    layout: Layout,
    scope: String,
    /// The user may pick a county (the province's list).
    can_choose_county: bool,
    counties: Vec<Choice>,
    /// The councils of the county shown, for the council select; empty for the province.
    councils: Vec<Choice>,
    /// The council code typed, as the filter's field shows it (Persian digits).
    council: String,
    states: Vec<Choice>,
    cards: Vec<StateCount>,
    total: String,
    /// The county column is shown on the province's list.
    show_county: bool,
    /// What was typed in the search box, echoed.
    q: String,
    /// The sort kept by the filter form (`-name` for descending).
    sort: String,
    /// The sortable columns' headers: tracking code, name, council, filing time.
    sort_links: Vec<SortLink>,
    /// The list as it is filtered, searched and sorted, as an Excel file.
    xlsx_href: String,
    rows: Vec<WorkRow>,
    pager: Pager,
}

#[derive(Debug, Default, Deserialize)]
pub struct WorklistQuery {
    county: Option<String>,
    council: Option<String>,
    state: Option<String>,
    /// A tracking code or national id by its first digits, or a part of the name.
    q: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
}

/// The worklist's filters as read from its query, confined to the viewer's scope.
struct WorklistFilters {
    county: Option<String>,
    council: String,
    councils: Vec<Choice>,
    state: Option<VettingState>,
    q: String,
    sort: Sort<RegistrationSortKey>,
}

impl WorklistFilters {
    async fn read(visit: &Visit, q: &WorklistQuery, here: &str) -> Result<Self, PageError> {
        let county = app::lookups::registrations_scope(visit.principal(), q.county.as_deref())
            .map_err(|e| page_error(e, here))?;
        let mut council = q
            .council
            .as_deref()
            .map(|c| ascii_digits(c.trim()))
            .unwrap_or_default();
        // The county's councils for the select; a council of another county is dropped (after
        // the county select changed).
        let councils = match &county {
            Some(c) => {
                let mut list: Vec<Choice> = visit
                    .app()
                    .cached()
                    .councils()
                    .await?
                    .iter()
                    .filter(|k| k.county_code == *c)
                    .map(|k| Choice::new(k.code.as_str(), k.name.as_str(), k.code == council))
                    .collect();
                list.sort_by(|a, b| a.label.cmp(&b.label));
                list
            }
            None => Vec::new(),
        };
        if county.is_some() && !councils.iter().any(|k| k.selected) {
            council.clear();
        }
        let state = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                Some(VettingState::parse(s).ok_or_else(|| ApiError::InvalidQuery(s.to_owned()))?)
            }
            None => None,
        };
        Ok(Self {
            county,
            council,
            councils,
            state,
            q: q.q.as_deref().map(str::trim).unwrap_or_default().to_owned(),
            // An unknown sort is the default order, as the county page reads its own.
            sort: q.sort.as_deref().and_then(Sort::parse).unwrap_or_default(),
        })
    }

    fn list_query(&self, page: PageRequest) -> ListQuery {
        ListQuery {
            county: self.county.clone(),
            council: Some(self.council.clone()),
            state: self.state,
            search: RegistrationSearch::parse(&self.q),
            sort: self.sort,
            page,
        }
    }

    /// The address of `path` with these filters, `state` instead of the chosen one, and page
    /// `page` (empty ones and the defaults left out).
    fn href(&self, path: &str, state: Option<&str>, sort: &str, page: u32) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.county.as_deref().filter(|c| !c.is_empty()) {
            parts.push(format!("county={}", url_encode(c)));
        }
        if !self.council.is_empty() {
            parts.push(format!("council={}", url_encode(&self.council)));
        }
        if let Some(s) = state {
            parts.push(format!("state={s}"));
        }
        if !self.q.is_empty() {
            parts.push(format!("q={}", url_encode(&self.q)));
        }
        if sort != Sort::<RegistrationSortKey>::default().as_param() {
            parts.push(format!("sort={}", url_encode(sort)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    }
}

/// The states a board acts in.
fn awaits(reviewer: Option<Reviewer>, state: VettingState) -> bool {
    matches!(
        (reviewer, state),
        (Some(Reviewer::ExecutiveBoard), VettingState::Submitted)
            | (
                Some(Reviewer::CountySupervisionBoard),
                VettingState::ExecutiveReviewed | VettingState::ObjectedToCounty
            )
            | (
                Some(Reviewer::ProvinceSupervisionBoard),
                VettingState::ObjectedToProvince
            )
    )
}

fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// `GET /registrations`: the boards' worklist, in filing order, 50 to a page: a county-scoped
/// user's county; for the HQ and the province's supervision board, the province or a county.
/// Filters by council and state; counts per state at the top; each row's deadline with a red
/// badge when a board is late.
pub async fn worklist(visit: Visit, OnPage(Query(q)): OnPage<Query<WorklistQuery>>) -> PageResult {
    let here = "/registrations";
    let mut f = WorklistFilters::read(&visit, &q, here).await?;
    let principal = visit
        .auth
        .principal()
        .ok_or_else(|| page_error(ApiError::unauthenticated(), here))?;
    let can_choose_county = principal.scope.county().is_none();
    let councils = std::mem::take(&mut f.councils);
    let (county, council, chosen_state) = (f.county.clone(), f.council.clone(), f.state);
    let vetting = visit.app().vetting();
    let listed = vetting
        .list(
            visit.principal(),
            f.list_query(PageRequest::new(q.page.unwrap_or(1), PER_PAGE)),
        )
        .await
        .map_err(|e| page_error(e, here))?;
    let opens = visit.app().registrations().vetting_opens().await?;
    let now = visit.state.now();

    // Counts per state: a one-row page of each state gives its total.
    let reviewer = list_reviewer(principal, county.as_deref());
    let mut cards = Vec::with_capacity(VettingState::ALL.len());
    let mut total = 0;
    for s in VettingState::ALL {
        let counted = vetting.count(&listed, s).await?;
        total += counted;
        cards.push(StateCount {
            code: s.as_str(),
            label: s.persian(),
            count: persian_number(counted),
            href: f.href(here, Some(s.as_str()), &f.sort.as_param(), 1),
            active: chosen_state == Some(s),
            yours: awaits(reviewer, s),
        });
    }
    let page = listed.page;

    let counties = Counties::read(&visit.state).await?;
    let county_name = |code: &str| {
        counties
            .name(code)
            .map_or_else(|| persian_digits(code), str::to_owned)
    };
    let state_param = chosen_state.map(VettingState::as_str);
    let sort = f.sort.as_param();
    let pager = Pager::new(&page, |p| f.href(here, state_param, &sort, p));
    let sort_links = SortLink::headers(
        vec![
            (RegistrationSortKey::Tracking, "کد رهگیری", false),
            (RegistrationSortKey::Name, "نام و نام خانوادگی", false),
            (RegistrationSortKey::Council, "شورا", false),
            (RegistrationSortKey::Filed, "زمان ثبت‌نام", false),
        ],
        |k: RegistrationSortKey| store::SortKey::as_str(k),
        f.sort.key,
        f.sort.descending,
        |s| f.href(here, state_param, s, 1),
    );
    let rows = page
        .items
        .iter()
        .map(|r| {
            let deadline = r.vetting.deadline(opens);
            WorkRow {
                tracking_code: r.tracking_code.clone(),
                tracking_fa: persian_digits(&r.tracking_code),
                name: format!("{} {}", r.application.first_name, r.application.last_name),
                name_key: crate::fmt::surname_first(
                    &r.application.first_name,
                    &r.application.last_name,
                ),
                council: r.council_name.clone(),
                county: county_name(&r.county_code),
                state: r.vetting.state.persian(),
                state_code: r.vetting.state.as_str(),
                filed_at: jalali_datetime(r.vetting.submitted_at),
                filed_raw: unix(r.vetting.submitted_at),
                deadline: deadline.map(jalali_datetime).unwrap_or_default(),
                deadline_raw: deadline.map_or(0, unix),
                overdue: r.vetting.is_overdue(opens, now),
                candidate_code: r
                    .candidate_code
                    .as_deref()
                    .map(persian_digits)
                    .unwrap_or_default(),
                candidate_raw: r.candidate_code.clone().unwrap_or_default(),
            }
        })
        .collect();
    render(&WorklistPage {
        layout: visit.layout("بررسی صلاحیت داوطلبان", here),
        scope: county.as_deref().map_or_else(
            || "کل استان".to_owned(),
            |c| format!("شهرستان {}", county_name(c)),
        ),
        can_choose_county,
        counties: counties.choices(county.as_deref()),
        councils,
        council: persian_digits(&council),
        states: VettingState::ALL
            .into_iter()
            .map(|s| Choice::new(s.as_str(), s.persian(), chosen_state == Some(s)))
            .collect(),
        cards,
        total: persian_number(total),
        show_county: county.is_none(),
        q: domain::text::echo(&f.q),
        xlsx_href: f.href("/registrations.xlsx", state_param, &sort, 1),
        sort,
        sort_links,
        rows,
        pager,
    })
}

/// `GET /registrations.xlsx`: the worklist as the page shows it (the same scope, filters,
/// search and order), every page of it, as an Excel file.
pub async fn worklist_xlsx(
    visit: Visit,
    OnPage(Query(q)): OnPage<Query<WorklistQuery>>,
) -> PageResult {
    let here = "/registrations";
    let f = WorklistFilters::read(&visit, &q, here).await?;
    let (vetting, principal, filters) = (visit.app().vetting(), visit.principal(), &f);
    let items = crate::download::every_page(|page| async move {
        vetting
            .list(principal, filters.list_query(page))
            .await
            .map(|listed| listed.page)
    })
    .await
    .map_err(|e| page_error(e, here))?;
    let opens = visit.app().registrations().vetting_opens().await?;
    let counties = Counties::read(&visit.state).await?;
    let rows = items
        .iter()
        .map(|r| {
            let deadline = r.vetting.deadline(opens);
            vec![
                Cell::code(&r.tracking_code),
                Cell::code(r.application.national_id.as_str()),
                Cell::text(r.application.first_name.as_str()),
                Cell::text(r.application.last_name.as_str()),
                Cell::text(counties.name(&r.county_code).unwrap_or(&r.county_code)),
                Cell::code(&r.application.council),
                Cell::text(r.council_name.as_str()),
                Cell::text(r.vetting.state.persian()),
                Cell::text(jalali_datetime(r.vetting.submitted_at)),
                deadline.map_or(Cell::Empty, |d| Cell::text(jalali_datetime(d))),
                Cell::opt_code(r.candidate_code.as_deref()),
                Cell::code(r.application.mobile.as_str()),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: "بررسی صلاحیت",
        header: &[
            "کد رهگیری",
            "کد ملی",
            "نام",
            "نام خانوادگی",
            "شهرستان",
            "کد شورا",
            "شورا",
            "وضعیت",
            "زمان ثبت‌نام",
            "مهلت اقدام",
            "کد نامزدی",
            "تلفن همراه",
        ],
        rows,
    };
    let name = match &f.county {
        Some(c) => format!("registrations-{c}"),
        None => "registrations".to_owned(),
    };
    Ok(sheet.download(&name)?)
}

/// One fact of the application.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
}

pub struct DocumentRow {
    pub label: &'static str,
    pub kind: &'static str,
    pub media: String,
    pub size: String,
    pub href: String,
}

/// A step of a file's history, in Persian.
pub struct HistoryRow {
    pub at: String,
    pub step: &'static str,
    pub state: &'static str,
    /// Who took it: a username, or the applicant.
    pub by: String,
    pub reason: String,
    /// The legal grounds a rejection cited, in Persian with their articles ("" for none).
    pub grounds: String,
}

/// A rejection ground as a page reads it: «label (ماده ۲۶)».
fn ground_persian(g: RejectionGround) -> String {
    format!("{} ({})", g.persian(), g.article())
}

/// A file's history as its pages show it (the applicant's and the boards'); `county_name`
/// names a county by its code, for a board that took a step as a whole.
pub fn history_rows(
    history: &[store::VettingEvent],
    county_name: impl Fn(&str) -> Option<String>,
) -> Vec<HistoryRow> {
    let taker = |by: &str| {
        if let Some(persian) = domain::vetting::taker_persian(by) {
            return persian.to_owned();
        }
        match domain::vetting::board_taker(by) {
            Some((board, Some(county))) => format!(
                "{board} {}",
                county_name(county).unwrap_or_else(|| persian_digits(county))
            ),
            Some((board, None)) => board.to_owned(),
            None => by.to_owned(),
        }
    };
    history
        .iter()
        .map(|e| HistoryRow {
            at: jalali_datetime(e.at),
            step: domain::vetting::step_persian(&e.step),
            state: e.state.persian(),
            by: taker(&e.by),
            reason: e.reason.clone(),
            grounds: e
                .grounds
                .iter()
                .copied()
                .map(ground_persian)
                .collect::<Vec<_>>()
                .join("؛ "),
        })
        .collect()
}

/// One of the file's standard inquiries, as the page shows it.
pub struct InquiryRow {
    pub authority: &'static str,
    pub organisation: &'static str,
    pub answer: &'static str,
    /// `pending`, `clear` or `adverse` (the row's class).
    pub answer_code: &'static str,
    pub at: String,
    pub note: String,
    pub pending: bool,
}

/// A rejection ground the decision form offers.
pub struct GroundOption {
    pub code: &'static str,
    pub label: &'static str,
    pub article: &'static str,
    pub checked: bool,
}

/// The deadline a file is under, as its pages show it.
pub struct DeadlineView {
    pub label: &'static str,
    pub at: String,
    /// A board is late.
    pub overdue: bool,
    /// The applicant's objection window has passed.
    pub lapsed: bool,
}

impl DeadlineView {
    /// The deadline of `file` in its state, if it is under one; `objection` labels the
    /// applicant's objection window (the applicant's own page says "yours").
    pub fn of(
        file: &domain::vetting::VettingFile,
        opens: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
        objection: &'static str,
    ) -> Option<Self> {
        file.deadline(opens).map(|at| Self {
            label: match file.state {
                VettingState::Submitted => "مهلت بررسی هیأت اجرایی",
                VettingState::ExecutiveReviewed => "مهلت تصمیم هیأت نظارت",
                VettingState::Rejected | VettingState::RejectedOnObjection => objection,
                _ => "مهلت رسیدگی به اعتراض",
            },
            at: jalali_datetime(at),
            overdue: file.is_overdue(opens, now),
            lapsed: !file.state.awaits_board() && now > at,
        })
    }
}

/// The step the signed-in user's board may take on the file now.
pub struct StepView {
    pub step: &'static str,
    pub title: &'static str,
    pub board: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
}

#[derive(Template)]
#[template(path = "vetting_file.html")]
struct FilePage {
    layout: Layout,
    tracking_code: String,
    tracking_fa: String,
    name: String,
    council: String,
    state: &'static str,
    state_code: &'static str,
    deadline: Option<DeadlineView>,
    candidate_code: Option<String>,
    executive_finding: Option<&'static str>,
    facts: Vec<Fact>,
    documents: Vec<DocumentRow>,
    history: Vec<HistoryRow>,
    inquiries: Vec<InquiryRow>,
    /// The user's board records the inquiries' answers (a form on each pending one).
    may_record: bool,
    /// Whether any inquiry is pending (the decision waits).
    inquiries_pending: bool,
    grounds: Vec<GroundOption>,
    form: Option<StepView>,
    /// Whose step the file awaits, when it is not the user's.
    awaiting: Option<&'static str>,
    notice: Option<&'static str>,
    error: Option<String>,
    /// The reason typed before a refusal, to keep it.
    reason: String,
    printed_at: String,
}

/// A step of the history, in Persian.
/// The step `reviewer` takes on a file in `state`, if any.
fn step_for(reviewer: Option<Reviewer>, state: VettingState) -> Option<StepView> {
    let reviewer = reviewer?;
    if !awaits(Some(reviewer), state) {
        return None;
    }
    Some(match state {
        VettingState::Submitted => StepView {
            step: "executive_review",
            title: "بررسی هیأت اجرایی",
            board: reviewer.persian(),
            yes: "واجد شرایط",
            no: "فاقد شرایط",
        },
        VettingState::ExecutiveReviewed => StepView {
            step: "supervision_decision",
            title: "تصمیم هیأت نظارت",
            board: reviewer.persian(),
            yes: "تأیید صلاحیت",
            no: "رد صلاحیت",
        },
        _ => StepView {
            step: "objection_decision",
            title: "رسیدگی به اعتراض داوطلب",
            board: reviewer.persian(),
            yes: "پذیرش اعتراض (تأیید صلاحیت)",
            no: "رد اعتراض",
        },
    })
}

/// Who the file waits for, in Persian.
fn awaited(state: VettingState) -> Option<&'static str> {
    match state {
        VettingState::Submitted => Some("هیأت اجرایی شهرستان"),
        VettingState::ExecutiveReviewed | VettingState::ObjectedToCounty => {
            Some("هیأت نظارت شهرستان")
        }
        VettingState::ObjectedToProvince => Some("هیأت نظارت استان"),
        VettingState::Rejected | VettingState::RejectedOnObjection => {
            Some("داوطلب (اعتراض در مهلت چهار روزه)")
        }
        VettingState::Approved | VettingState::FinallyRejected | VettingState::Withdrawn => None,
    }
}

fn yes_no(b: bool) -> String {
    if b { "بله" } else { "خیر" }.to_owned()
}

fn facts(r: &Registration) -> Vec<Fact> {
    let a = &r.application;
    let fact = |label, value: String| Fact { label, value };
    let mut facts = vec![
        fact("کد ملی", persian_digits(a.national_id.as_str())),
        fact("نام", a.first_name.clone()),
        fact("نام خانوادگی", a.last_name.clone()),
        fact("نام پدر", a.father_name.clone()),
        fact("تاریخ تولد", jalali_numeric(a.birth_date)),
        fact(
            "جنسیت",
            match a.gender {
                Gender::Female => "زن",
                Gender::Male => "مرد",
            }
            .to_owned(),
        ),
        fact("تلفن همراه", persian_digits(a.mobile.as_str())),
        fact("نشانی محل سکونت", a.residence.clone()),
        fact(
            "شورای مورد نظر",
            format!("{} (کد {})", r.council_name, persian_digits(&a.council)),
        ),
        fact("مدرک تحصیلی", a.education.persian().to_owned()),
        fact("عضو دوره پیشین همین شورا", yes_no(a.former_member)),
        fact("شغل", a.occupation.clone()),
    ];
    match &a.official {
        Some(post) => {
            facts.push(fact("سمت مذکور در قانون", post.title.clone()));
            facts.push(fact(
                "تاریخ استعفا",
                post.resigned_on
                    .map_or_else(|| "—".to_owned(), jalali_numeric),
            ));
        }
        None => facts.push(fact("سمت مذکور در قانون", "ندارد".to_owned())),
    }
    facts.push(fact("از خانواده ایثارگران", yes_no(a.veteran_family)));
    facts.push(fact("زمان ثبت‌نام", jalali_datetime(r.vetting.submitted_at)));
    facts
}

/// What a refused decision had typed and ticked, to show again.
#[derive(Default)]
struct Typed {
    reason: String,
    grounds: Vec<RejectionGround>,
}

/// Builds the file page, with a notice after a step, or the reason a step was refused and
/// what the board had typed (kept in the form).
async fn file_page(
    visit: &Visit,
    tracking_code: &str,
    notice: Option<&'static str>,
    refused: Option<(Refused, Typed)>,
) -> PageResult {
    let here = format!("/registrations/{}", url_encode(tracking_code));
    let (registration, history) = visit
        .app()
        .vetting()
        .visible_file(visit.principal(), tracking_code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let opens = visit.app().registrations().vetting_opens().await?;
    let counties = Counties::read(&visit.state).await?;
    let now = visit.state.now();
    let v = &registration.vetting;
    let deadline = DeadlineView::of(v, opens, now, "مهلت اعتراض داوطلب");
    let lapsed = deadline.as_ref().is_some_and(|d| d.lapsed);
    let reviewer = visit
        .auth
        .principal()
        .and_then(|p| vetting_reviewer(p, &registration.county_code));
    let form = step_for(reviewer, v.state);
    let code = &registration.tracking_code;
    let inquiries = visit
        .app()
        .vetting()
        .inquiries(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let may_record =
        app::vetting::Vetting::may_record_inquiries(visit.principal(), &registration.county_code)
            && !(v.state.is_final() || v.state == VettingState::Approved);
    let (refused, typed) = refused.unzip();
    let typed = typed.unwrap_or_default();
    let (status, error) = Refused::shown(refused);
    let a = &registration.application;
    let page = FilePage {
        layout: visit.layout(
            format!("پرونده {} {}", a.first_name, a.last_name),
            "/registrations",
        ),
        tracking_code: code.clone(),
        tracking_fa: persian_digits(code),
        name: format!("{} {}", a.first_name, a.last_name),
        council: registration.council_name.clone(),
        state: v.state.persian(),
        state_code: v.state.as_str(),
        deadline,
        candidate_code: registration.candidate_code.as_deref().map(persian_digits),
        executive_finding: v.executive_qualified.map(|q| {
            if q {
                "واجد شرایط"
            } else {
                "فاقد شرایط"
            }
        }),
        facts: facts(&registration),
        documents: registration
            .documents
            .iter()
            .map(|d| DocumentRow {
                label: d.kind.persian(),
                kind: d.kind.as_str(),
                media: d.media_type.extension().to_ascii_uppercase(),
                size: kilobytes(d.size),
                href: format!(
                    "/registrations/{}/documents/{}",
                    url_encode(code),
                    d.kind.as_str()
                ),
            })
            .collect(),
        history: history_rows(&history, |code| counties.name(code).map(str::to_owned)),
        inquiries_pending: inquiries.iter().any(|i| i.answer.is_none()),
        inquiries: inquiries
            .iter()
            .map(|i| InquiryRow {
                authority: i.authority.as_str(),
                organisation: i.authority.persian(),
                answer: i
                    .answer
                    .as_ref()
                    .map_or("در انتظار پاسخ", |a| a.answer.persian()),
                answer_code: i.answer.as_ref().map_or("pending", |a| a.answer.as_str()),
                at: i
                    .answer
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |a| jalali_datetime(a.answered_at)),
                note: i
                    .answer
                    .as_ref()
                    .map(|a| a.note.clone())
                    .unwrap_or_default(),
                pending: i.answer.is_none(),
            })
            .collect(),
        may_record,
        grounds: RejectionGround::ALL
            .into_iter()
            .map(|g| GroundOption {
                code: g.as_str(),
                label: g.persian(),
                article: g.article(),
                checked: typed.grounds.contains(&g),
            })
            .collect(),
        awaiting: if form.is_some() {
            None
        } else if lapsed {
            Some("هیچ اقدامی؛ مهلت اعتراض داوطلب گذشته است")
        } else {
            awaited(v.state)
        },
        form,
        notice,
        error,
        reason: typed.reason,
        printed_at: jalali_datetime(now),
    };
    render_status(status, &page)
}

/// `GET /registrations/{tracking_code}`: one file for the boards, with the step the user's
/// board may take now; printable.
pub async fn file(
    visit: Visit,
    OnPage(Path(tracking_code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<DoneQuery>>,
) -> PageResult {
    let code = tracking_input(&tracking_code);
    let notice = q.done.is_some().then_some("اقدام هیأت ثبت شد.");
    file_page(&visit, &code, notice, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    /// `executive_review`, `supervision_decision` or `objection_decision`.
    #[serde(default)]
    step: String,
    /// `yes` (qualified, approved, objection upheld) or `no`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// The ticked grounds, `ground_<code>`.
    #[serde(flatten)]
    ticked: HashMap<String, String>,
}

impl StepForm {
    /// The legal grounds ticked, in the list's order.
    fn grounds(&self) -> Vec<RejectionGround> {
        RejectionGround::ALL
            .into_iter()
            .filter(|g| self.ticked.contains_key(&format!("ground_{}", g.as_str())))
            .collect()
    }
}

/// Whether a failed step is the user's to put right on the page (the rules' refusals), not an
/// error page's.
fn is_refusal(e: &app::Error) -> bool {
    matches!(
        e,
        app::Error::Domain(_)
            | app::Error::Store(store::StoreError::Refused(store::Refusal::Vetting(_)))
    )
}

/// `POST /registrations/{tracking_code}/steps`: the board's step, through the same code as
/// `POST /api/v1/registrations/{tracking_code}/steps`; back to the file after it, or the file
/// again with the Persian reason of a refusal (409 or 422), nothing written.
pub async fn step(
    visit: Visit,
    OnPage(Path(tracking_code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<StepForm>>,
) -> PageResult {
    let code = tracking_input(&tracking_code);
    let here = format!("/registrations/{}", url_encode(&code));
    let reason = domain::text::normalize_name(&form.reason);
    let grounds = form.grounds();
    let decision = match form.decision.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let Some(yes) = decision else {
        let missing = Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            reason: "یکی از دو گزینه تصمیم را انتخاب کنید.".to_owned(),
        };
        let typed = Typed { reason, grounds };
        return file_page(&visit, &code, None, Some((missing, typed))).await;
    };
    // An approval cites no ground of rejection, whatever was ticked.
    let grounds = if yes { Vec::new() } else { grounds };
    let action = match form.step.as_str() {
        "executive_review" => VettingAction::ExecutiveReview {
            qualified: yes,
            reason,
            grounds,
        },
        "supervision_decision" => VettingAction::SupervisionDecision {
            approved: yes,
            reason,
            grounds,
        },
        "objection_decision" => VettingAction::ObjectionDecision {
            upheld: yes,
            reason,
            grounds,
        },
        _ => return Err(page_error(ApiError::not_found(store::Entity::Page), &here)),
    };
    let vetting = visit.app().vetting();
    let outcome = vetting
        .take_step(visit.principal(), &code, &action, None)
        .await;
    let done = |_| format!("{here}?done=1");
    let typed = Typed {
        reason: action.reason().to_owned(),
        grounds: action.grounds().to_vec(),
    };
    let again = |refused| file_page(&visit, &code, None, Some((refused, typed)));
    answer_form(outcome, &here, is_refusal, done, again).await
}

#[derive(Debug, Default, Deserialize)]
pub struct InquiryForm {
    #[serde(default)]
    authority: String,
    /// `clear` or `adverse`.
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
}

/// `POST /registrations/{tracking_code}/inquiries`: an inquiry's answer, through the same code
/// as `POST /api/v1/registrations/{tracking_code}/inquiries`; back to the file after it, or the
/// file again with the Persian reason of a refusal, nothing written.
pub async fn inquiry(
    visit: Visit,
    OnPage(Path(tracking_code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<InquiryForm>>,
) -> PageResult {
    let code = tracking_input(&tracking_code);
    let here = format!("/registrations/{}", url_encode(&code));
    let authority = Authority::parse(&form.authority)
        .ok_or_else(|| page_error(ApiError::not_found(store::Entity::Page), &here))?;
    let Some(answer) = Answer::parse(&form.answer) else {
        let missing = Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            reason: format!(
                "پاسخ استعلام {} را انتخاب کنید: «فاقد سابقه» یا «دارای سابقه».",
                authority.persian()
            ),
        };
        return file_page(&visit, &code, None, Some((missing, Typed::default()))).await;
    };
    let outcome = visit
        .app()
        .vetting()
        .record_inquiry(visit.principal(), &code, authority, answer, &form.note)
        .await;
    let done = |_| format!("{here}?done=1");
    let again = |refused| file_page(&visit, &code, None, Some((refused, Typed::default())));
    answer_form(outcome, &here, is_refusal, done, again).await
}

/// `GET /registrations/{tracking_code}/documents/{kind}`: one uploaded document of the file, for
/// those who may see the file, as stored (its media type, never sniffed), as an attachment:
/// an applicant's PDF is downloaded, never opened as a page of this site (issue 15). An
/// `<img>` still shows a photo.
pub async fn document(
    visit: Visit,
    OnPage(Path((tracking_code, kind))): OnPage<Path<(String, String)>>,
) -> PageResult {
    let code = tracking_input(&tracking_code);
    let here = format!(
        "/registrations/{}/documents/{}",
        url_encode(&code),
        url_encode(&kind)
    );
    let kind = DocumentKind::parse(&kind).ok_or(ApiError::not_found(store::Entity::Document))?;
    let (document, bytes) = visit
        .app()
        .vetting()
        .document(visit.principal(), &code, kind)
        .await
        .map_err(|e| page_error(e, &here))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.media_type.mime()),
    );
    let disposition = format!(
        "attachment; filename=\"{code}-{}.{}\"",
        kind.as_str(),
        document.media_type.extension()
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}
