//! Sensitive stations, their security plans and the county security councils (issue 16): the
//! list of a county or the province, a station's security page (its flag and its plan, and
//! the council's approval), and a council's page (cadence, missed meetings, overdue
//! decisions). The use cases are `app::security`, as for the API; the council's members,
//! meetings and printable minutes are the boards' pages (`/boards/security-{county}`,
//! `/meetings/{id}`).

use crate::views::{
    answer_form, breaks_a_rule_or_names_nothing, page_error, redirect, render, render_status,
    Choice, Counties, Layout, OnPage, PageResult, Pager, Refused, SortLink, Visit,
};
use app::security::PlanInput;
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::access::Action;
use domain::calendar::{jalali_datetime, jalali_numeric};
use domain::security::{CctvCoverage, PlanStatus, SlotState};
use domain::text::{persian_digits, persian_number};
use serde::Deserialize;
use store::security::{PlanFilter, SensitiveFilter, SensitiveSortKey};
use store::SortKey;

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    county: Option<String>,
    plan: Option<String>,
    reason: Option<String>,
    sort: Option<String>,
    page: Option<u32>,
}

pub struct SensitiveRow {
    pub code: String,
    pub code_fa: String,
    pub name: String,
    pub county: String,
    pub reasons: String,
    pub status: &'static str,
    pub needs_plan: bool,
    pub effective_on: String,
}

pub struct CountyRow {
    pub code: String,
    pub name: String,
    pub sensitive: String,
    pub approved: String,
    pub submitted: String,
    pub needs_plan: String,
    pub flagged: bool,
}

#[derive(Template)]
#[template(path = "security_list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    county: Option<String>,
    counties: Vec<CountyRow>,
    county_choices: Vec<Choice>,
    show_county_select: bool,
    plan_choices: Vec<Choice>,
    reason_choices: Vec<Choice>,
    rows: Vec<SensitiveRow>,
    headers: Vec<SortLink>,
    pager: Pager,
    needs_plan: String,
}

fn reason_names(codes: &[String], reasons: &[domain::security::SensitiveReason]) -> String {
    codes
        .iter()
        .map(|c| {
            reasons
                .iter()
                .find(|r| &r.code == c)
                .map_or_else(|| c.clone(), |r| r.name.clone())
        })
        .collect::<Vec<_>>()
        .join("، ")
}

fn status_label(status: Option<PlanStatus>) -> &'static str {
    status.map_or("بی طرح امنیتی", PlanStatus::persian)
}

/// `/security`: the sensitive stations of the visitor's county (or, for the province, of the
/// county asked for or of all), those without an approved plan flagged and first.
pub async fn list(visit: Visit, OnPage(Query(q)): OnPage<Query<ListQuery>>) -> PageResult {
    let here = "/security";
    let asked = q.county.clone().filter(|c| !c.trim().is_empty());
    let plan = q
        .plan
        .as_deref()
        .and_then(PlanFilter::parse)
        .unwrap_or_default();
    let reason = q.reason.clone().filter(|r| !r.trim().is_empty());
    let sort = q
        .sort
        .as_deref()
        .and_then(store::Sort::<SensitiveSortKey>::parse)
        .unwrap_or_default();
    let filter = SensitiveFilter {
        county: None,
        plan,
        reason: reason.clone(),
        sort,
    };
    let security = visit.app().security();
    let page = security
        .list(
            visit.principal(),
            asked.as_deref(),
            filter,
            app::page_request(q.page, Some(50)),
        )
        .await
        .map_err(|e| page_error(e, here))?;
    let summary = security
        .summary(visit.principal(), asked.as_deref())
        .await
        .map_err(|e| page_error(e, here))?;
    let reasons = security.reasons(visit.principal()).await?;
    let counties = Counties::read(&visit.state).await?;
    let county = app::security::security_scope(visit.principal(), asked.as_deref())?;
    let link = |sort: &str, page: u32| {
        let mut url = format!("/security?plan={}&sort={sort}&page={page}", plan.as_str());
        if let Some(c) = &asked {
            url.push_str(&format!("&county={c}"));
        }
        if let Some(r) = &reason {
            url.push_str(&format!("&reason={r}"));
        }
        url
    };
    let sort_name = if sort.descending {
        format!("-{}", sort.key.as_str())
    } else {
        sort.key.as_str().to_owned()
    };
    let pager = Pager::new(&page, |n| link(&sort_name, n));
    let headers = SortLink::headers(
        vec![
            (SensitiveSortKey::Code, "کد شعبه", false),
            (SensitiveSortKey::Name, "نام", false),
            (SensitiveSortKey::Status, "وضعیت طرح", false),
        ],
        SensitiveSortKey::as_str,
        sort.key,
        sort.descending,
        |s| link(s, 1),
    );
    let needs_plan: i64 = summary.iter().map(|c| c.needs_plan).sum();
    let heading = match &county {
        Some(c) => format!(
            "شعبه‌های حساس شهرستان {}",
            counties.name(c).unwrap_or(c.as_str())
        ),
        None => "شعبه‌های حساس استان".to_owned(),
    };
    let rows = page
        .items
        .iter()
        .map(|s| SensitiveRow {
            code: s.station.clone(),
            code_fa: persian_digits(&s.station),
            name: s.name.clone(),
            county: counties
                .name(&s.county)
                .map_or_else(|| persian_digits(&s.county), str::to_owned),
            reasons: reason_names(&s.reasons, &reasons),
            status: status_label(s.plan_status),
            needs_plan: s.needs_plan,
            effective_on: s
                .effective_on
                .as_deref()
                .and_then(|d| domain::calendar::parse_date(d).ok())
                .map_or_else(|| "—".to_owned(), jalali_numeric),
        })
        .collect();
    render(&ListPage {
        layout: visit.layout(heading.clone(), here),
        heading,
        county: county.clone(),
        counties: summary
            .iter()
            .map(|c| CountyRow {
                code: c.county.clone(),
                name: c.name.clone(),
                sensitive: persian_number(c.sensitive),
                approved: persian_number(c.approved),
                submitted: persian_number(c.submitted),
                needs_plan: persian_number(c.needs_plan),
                flagged: c.needs_plan > 0,
            })
            .collect(),
        county_choices: counties.choices(asked.as_deref()),
        show_county_select: visit
            .principal()
            .is_some_and(|p| p.scope == domain::access::Scope::Province),
        plan_choices: PlanFilter::ALL
            .into_iter()
            .filter(|f| *f != PlanFilter::All)
            .map(|f| Choice::new(f.as_str(), f.persian(), f == plan))
            .collect(),
        reason_choices: reasons
            .iter()
            .map(|r| {
                Choice::new(
                    r.code.as_str(),
                    r.name.as_str(),
                    Some(&r.code) == reason.as_ref(),
                )
            })
            .collect(),
        rows,
        headers,
        pager,
        needs_plan: persian_number(needs_plan),
    })
}

// ---------------------------------------------------------------------------------------------
// A station's security

pub struct ReasonBox {
    pub code: String,
    pub name: String,
    pub checked: bool,
}

pub struct MeetingChoice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "station_security.html")]
struct StationPage {
    layout: Layout,
    code: String,
    code_fa: String,
    name: String,
    county: String,
    county_name: String,
    sensitive: bool,
    reasons: Vec<ReasonBox>,
    reason_names: String,
    note: String,
    status: &'static str,
    status_code: &'static str,
    needs_plan: bool,
    plan: PlanFields,
    return_reason: String,
    approved_at: Option<String>,
    can_manage: bool,
    steps: Steps,
    meetings: Vec<MeetingChoice>,
    cctv_choices: Vec<Choice>,
    error: Option<String>,
    notice: Option<&'static str>,
}

/// What the visitor may do to the plan as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Steps {
    None,
    /// Write it (no plan yet, or returned, or approved and to be revised).
    Edit,
    /// Rewrite the draft, or send it to the council.
    EditOrSubmit,
    /// Record the council's approval or return.
    Decide,
}

impl Steps {
    fn of(can_manage: bool, sensitive: bool, status: Option<PlanStatus>) -> Self {
        match (can_manage && sensitive, status) {
            (false, _) => Self::None,
            (true, Some(PlanStatus::Draft)) => Self::EditOrSubmit,
            (true, Some(PlanStatus::Submitted)) => Self::Decide,
            (true, _) => Self::Edit,
        }
    }
    pub fn edit(self) -> bool {
        matches!(self, Self::Edit | Self::EditOrSubmit)
    }
    pub fn submit(self) -> bool {
        self == Self::EditOrSubmit
    }
    pub fn decide(self) -> bool {
        self == Self::Decide
    }
}

/// The plan form's fields as shown (typed again after a refusal, or as stored).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanFields {
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub responsible_name: String,
    #[serde(default)]
    pub responsible_phone: String,
    #[serde(default)]
    pub protective_staff: String,
    #[serde(default)]
    pub cctv_coverage: String,
    #[serde(default)]
    pub contacts: String,
    #[serde(default)]
    pub escalation: String,
    #[serde(default)]
    pub effective_on: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct StationQuery {
    done: Option<String>,
}

fn done_notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "flag" => "شعبه حساس اعلام شد.",
        "unflag" => "حساس بودن شعبه برداشته شد.",
        "plan" => "طرح امنیتی به صورت پیش‌نویس ذخیره شد.",
        "submit" => "طرح برای تصویب به شورای تأمین فرستاده شد.",
        "approve" => "تصویب طرح در شورای تأمین ثبت شد.",
        "return" => "بازگرداندن طرح ثبت شد.",
        _ => return None,
    })
}

async fn station_page(
    visit: &Visit,
    code: &str,
    refused: Option<Refused>,
    typed: Option<PlanFields>,
    notice: Option<&'static str>,
) -> PageResult {
    let here = format!("/stations/{code}/security");
    let (status, error) = Refused::shown(refused);
    let security = visit.app().security();
    let record = security
        .station(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let station = visit
        .app()
        .lookups()
        .visible_station(visit.principal(), code)
        .await
        .map_err(|e| page_error(e, &here))?;
    let reasons = security.reasons(visit.principal()).await?;
    let county_name = visit
        .app()
        .lookups()
        .county(&record.county)
        .await?
        .county
        .name;
    let can_manage = app::allows(
        visit.principal(),
        Action::ManageSecurity {
            county: &record.county,
        },
    );
    let plan_status = record.plan.as_ref().map(|p| p.status);
    let meetings = if can_manage && plan_status == Some(PlanStatus::Submitted) {
        let council = security
            .council(visit.principal(), &record.county)
            .await
            .map_err(|e| page_error(e, &here))?;
        let now = visit.state.now();
        council
            .meetings
            .iter()
            .filter(|m| m.held_at <= now)
            .map(|m| MeetingChoice {
                id: m.id,
                label: format!("{} — {}", jalali_datetime(m.held_at), m.agenda),
            })
            .collect()
    } else {
        Vec::new()
    };
    let plan = typed.unwrap_or_else(|| {
        record
            .plan
            .as_ref()
            .map_or_else(PlanFields::default, |p| PlanFields {
                measures: p.plan.measures.clone(),
                responsible_name: p.plan.responsible_name.clone(),
                responsible_phone: persian_digits(&p.plan.responsible_phone),
                protective_staff: persian_number(i64::from(p.plan.protective_staff)),
                cctv_coverage: p.plan.cctv_coverage.as_str().to_owned(),
                contacts: p.plan.contacts.clone(),
                escalation: p.plan.escalation.clone(),
                effective_on: jalali_numeric(p.plan.effective_on),
            })
    });
    let cctv_choices = CctvCoverage::ALL
        .into_iter()
        .map(|c| Choice::new(c.as_str(), c.persian(), plan.cctv_coverage == c.as_str()))
        .collect();
    let page = StationPage {
        layout: visit.layout(format!("امنیت شعبه {}", persian_digits(code)), &here),
        code: code.to_owned(),
        code_fa: persian_digits(code),
        name: station.name,
        county: record.county.clone(),
        county_name,
        sensitive: record.security.sensitive,
        reason_names: reason_names(&record.security.reasons, &reasons),
        reasons: reasons
            .iter()
            .map(|r| ReasonBox {
                code: r.code.clone(),
                name: r.name.clone(),
                checked: record.security.reasons.contains(&r.code),
            })
            .collect(),
        note: record.note.clone(),
        status: status_label(plan_status),
        status_code: plan_status.map_or("none", PlanStatus::as_str),
        needs_plan: record.security.needs_plan(),
        return_reason: record
            .plan
            .as_ref()
            .map(|p| p.return_reason.clone())
            .unwrap_or_default(),
        approved_at: record
            .plan
            .as_ref()
            .filter(|p| p.status == PlanStatus::Approved)
            .and_then(|p| p.decided_at_us)
            .map(|us| jalali_datetime(domain::clock::from_micros(us))),
        can_manage,
        steps: Steps::of(can_manage, record.security.sensitive, plan_status),
        meetings,
        cctv_choices,
        plan,
        error,
        notice,
    };
    render_status(status, &page)
}

/// `/stations/{code}/security`: whether the station is sensitive and why, and its plan.
pub async fn station(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Query(q)): OnPage<Query<StationQuery>>,
) -> PageResult {
    station_page(&visit, &code, None, None, done_notice(q.done.as_deref())).await
}

/// Repeated fields of a form (`reason`), with one-valued ones.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn one(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    }
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }
}

fn done(code: &str, what: &str) -> String {
    format!("/stations/{code}/security?done={what}")
}

/// The flag form: the reasons checked and a note.
pub async fn flag(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(fields)): OnPage<Form<Vec<(String, String)>>>,
) -> PageResult {
    let here = format!("/stations/{code}/security");
    let fields = Fields(fields);
    let outcome = visit
        .app()
        .security()
        .flag(
            visit.principal(),
            &code,
            &fields.all("reason"),
            &fields.one("note"),
        )
        .await;
    let again = |refused| station_page(&visit, &code, Some(refused), None, None);
    answer_form(
        outcome,
        &here,
        breaks_a_rule_or_names_nothing,
        |_| done(&code, "flag"),
        again,
    )
    .await
}

pub async fn unflag(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/stations/{code}/security");
    visit
        .app()
        .security()
        .unflag(visit.principal(), &code)
        .await
        .map_err(|e| page_error(e, &here))?;
    Ok(redirect(&done(&code, "unflag")))
}

/// The plan form: saved as a draft; a refusal shows the form again as typed.
pub async fn save_plan(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<PlanFields>>,
) -> PageResult {
    let here = format!("/stations/{code}/security");
    let staff = domain::text::parse_number(form.protective_staff.trim())
        .and_then(|n| u32::try_from(n).ok());
    let cctv = CctvCoverage::parse(&form.cctv_coverage);
    let outcome = match (staff, cctv) {
        (Some(protective_staff), Some(cctv_coverage)) => {
            let input = PlanInput {
                measures: form.measures.clone(),
                responsible_name: form.responsible_name.clone(),
                responsible_phone: form.responsible_phone.clone(),
                protective_staff,
                cctv_coverage,
                contacts: form.contacts.clone(),
                escalation: form.escalation.clone(),
                effective_on: form.effective_on.clone(),
            };
            visit
                .app()
                .security()
                .save_plan(visit.principal(), &code, input)
                .await
        }
        (None, _) => Err(app::Error::invalid(
            "protective_staff",
            "شمار نیروهای حفاظتی را با عدد بنویسید",
        )),
        (_, None) => Err(app::Error::invalid(
            "cctv_coverage",
            "پوشش دوربین را انتخاب کنید",
        )),
    };
    let again = |refused| station_page(&visit, &code, Some(refused), Some(form.clone()), None);
    answer_form(
        outcome,
        &here,
        breaks_a_rule_or_names_nothing,
        |_| done(&code, "plan"),
        again,
    )
    .await
}

pub async fn submit(visit: Visit, OnPage(Path(code)): OnPage<Path<String>>) -> PageResult {
    let here = format!("/stations/{code}/security");
    let outcome = visit
        .app()
        .security()
        .submit(visit.principal(), &code)
        .await;
    let again = |refused| station_page(&visit, &code, Some(refused), None, None);
    answer_form(
        outcome,
        &here,
        breaks_a_rule_or_names_nothing,
        |_| done(&code, "submit"),
        again,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    meeting: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// The council's decision at a held meeting: approve, or return with a reason.
pub async fn decide(
    visit: Visit,
    OnPage(Path(code)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<DecideForm>>,
) -> PageResult {
    let here = format!("/stations/{code}/security");
    let meeting = domain::text::parse_number(form.meeting.trim());
    let security = visit.app().security();
    let (outcome, what) = match (form.decision.as_str(), meeting) {
        ("approve", Some(m)) => (
            security.approve(visit.principal(), &code, m).await,
            "approve",
        ),
        ("return", m) => (
            security
                .return_plan(visit.principal(), &code, m, &form.reason)
                .await,
            "return",
        ),
        _ => (
            Err(app::Error::invalid(
                "meeting",
                "جلسه شورای تأمین را که طرح را تصویب کرد انتخاب کنید",
            )),
            "approve",
        ),
    };
    let again = |refused| station_page(&visit, &code, Some(refused), None, None);
    answer_form(
        outcome,
        &here,
        breaks_a_rule_or_names_nothing,
        |_| done(&code, what),
        again,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// A county's security council

pub struct SlotRow {
    pub span: String,
    pub state: &'static str,
    pub missed: bool,
    pub meeting: Option<i64>,
}

pub struct CouncilMeetingRow {
    pub id: i64,
    pub held_at: String,
    pub agenda: String,
    pub present: String,
    pub decisions: String,
}

pub struct OverdueRow {
    pub meeting: i64,
    pub text: String,
    pub owner: String,
    pub due: String,
    pub days: String,
}

#[derive(Template)]
#[template(path = "security_council.html")]
struct CouncilPage {
    layout: Layout,
    county: String,
    title: String,
    board_code: String,
    members: Vec<(String, &'static str)>,
    cadence: String,
    default_cadence: bool,
    slots: Vec<SlotRow>,
    missed: String,
    any_missed: bool,
    meetings: Vec<CouncilMeetingRow>,
    overdue: Vec<OverdueRow>,
    overdue_count: String,
    can_manage: bool,
    starts_on: String,
    every_days: String,
    error: Option<String>,
}

async fn council_page(visit: &Visit, county: &str, refused: Option<Refused>) -> PageResult {
    let here = format!("/security/councils/{county}");
    let (status, error) = Refused::shown(refused);
    let council = visit
        .app()
        .security()
        .council(visit.principal(), county)
        .await
        .map_err(|e| page_error(e, &here))?;
    let name = visit.app().lookups().county(county).await?.county.name;
    let title = format!("شورای تأمین شهرستان {name}");
    let page = CouncilPage {
        layout: visit.layout(title.clone(), &here),
        county: county.to_owned(),
        title,
        board_code: council.board.board.code.clone(),
        members: council
            .board
            .members
            .iter()
            .map(|m| {
                (
                    format!("{} {}", m.first_name, m.last_name),
                    m.role.persian(),
                )
            })
            .collect(),
        cadence: format!(
            "هر {} روز یک جلسه، از {} تا روز رأی‌گیری",
            persian_number(i64::from(council.cadence.every_days)),
            jalali_numeric(council.cadence.starts_on)
        ),
        default_cadence: council.default_cadence,
        slots: council
            .slots
            .iter()
            .map(|s| SlotRow {
                span: format!(
                    "{} تا {}",
                    jalali_numeric(s.starts_on),
                    jalali_numeric(s.ends_on)
                ),
                state: match s.state {
                    SlotState::Held { .. } => "برگزار شد",
                    SlotState::Missed => "برگزار نشد",
                    SlotState::Due => "در پیش (مهلت جاری)",
                    SlotState::Upcoming => "آینده",
                },
                missed: s.state == SlotState::Missed,
                meeting: match s.state {
                    SlotState::Held { meeting_id } => Some(meeting_id),
                    _ => None,
                },
            })
            .collect(),
        missed: persian_number(council.missed as i64),
        any_missed: council.missed > 0,
        meetings: council
            .meetings
            .iter()
            .map(|m| CouncilMeetingRow {
                id: m.id,
                held_at: jalali_datetime(m.held_at),
                agenda: m.agenda.clone(),
                present: persian_number(m.attendance.iter().filter(|a| a.present).count() as i64),
                decisions: persian_number(m.decisions.len() as i64),
            })
            .collect(),
        overdue: council
            .overdue
            .iter()
            .map(|o| OverdueRow {
                meeting: o.meeting_id,
                text: o.decision.text.clone(),
                owner: o.decision.owner.clone(),
                due: jalali_numeric(o.decision.due_on),
                days: persian_number(o.days_overdue),
            })
            .collect(),
        overdue_count: persian_number(council.overdue.len() as i64),
        can_manage: app::allows(visit.principal(), Action::ManageSecurity { county }),
        starts_on: jalali_numeric(council.cadence.starts_on),
        every_days: persian_number(i64::from(council.cadence.every_days)),
        error,
    };
    render_status(status, &page)
}

/// `/security/councils/{county}`: the council's cadence, held and missed meetings, and its
/// overdue decisions.
pub async fn council(visit: Visit, OnPage(Path(county)): OnPage<Path<String>>) -> PageResult {
    council_page(&visit, &county, None).await
}

#[derive(Debug, Deserialize)]
pub struct CadenceForm {
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    every_days: String,
}

pub async fn set_cadence(
    visit: Visit,
    OnPage(Path(county)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<CadenceForm>>,
) -> PageResult {
    let here = format!("/security/councils/{county}");
    let outcome = match domain::text::parse_number(form.every_days.trim())
        .and_then(|n| u32::try_from(n).ok())
    {
        Some(every) => {
            visit
                .app()
                .security()
                .set_cadence(visit.principal(), &county, &form.starts_on, every)
                .await
        }
        None => Err(app::Error::invalid(
            "every_days",
            "فاصله جلسات را با عدد (روز) بنویسید",
        )),
    };
    let again = |refused| council_page(&visit, &county, Some(refused));
    answer_form(
        outcome,
        &here,
        breaks_a_rule_or_names_nothing,
        |_| here.clone(),
        again,
    )
    .await
}
