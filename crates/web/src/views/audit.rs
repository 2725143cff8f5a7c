//! `/audit`: the audit log, filtered and paginated, and the check of its whole chain (province
//! HQ only). The use cases are `app::audit`.

use crate::fmt::{jalali_us, url_encode};
use crate::views::OnPage;
use crate::views::{page_error, render, Choice, Counties, Layout, PageResult, Pager, Visit};
use app::audit::AuditQuery;
use app::page_request;
use askama::Template;
use axum::extract::Query;
use domain::audit_terms::{AuditAction, DetailValue, LabelPart};
use domain::text::{persian_digits, persian_number};
use std::collections::HashMap;
use store::AuditFilter;

/// A piece of text on the audit page: Persian, or a code as written (a username, a national
/// id, a hash), set apart in `<bdi>` and, when it has Latin letters, left to right.
pub struct Part {
    pub text: String,
    pub code: bool,
    pub ltr: bool,
}

impl Part {
    fn persian(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            code: false,
            ltr: false,
        }
    }

    /// A code: digits only are written the Persian way, anything else as stored.
    fn code(code: &str) -> Self {
        let digits = !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit());
        Self {
            text: if digits {
                persian_digits(code)
            } else {
                code.to_owned()
            },
            code: true,
            ltr: !digits,
        }
    }
}

/// A record's detail: its key's path in Persian and its value (a person's national id is
/// followed by their name).
pub struct DetailRow {
    pub label: Vec<Part>,
    pub value: Vec<Part>,
}

pub struct AuditRow {
    pub seq: String,
    pub at: String,
    /// Who acted: a name or a role in Persian, then the account's username, if any.
    pub actor: Vec<Part>,
    pub action: Part,
    /// The stored action, for a script or a test to find (never shown).
    pub action_code: String,
    pub entity: Vec<Part>,
    pub details: Vec<DetailRow>,
    pub hash: String,
    pub short_hash: String,
}

/// What the page knows to name codes by: the counties, the accounts, the people the page's
/// records name (by national id).
struct Names {
    counties: Counties,
    accounts: HashMap<String, app::accounts::Account>,
    people: HashMap<String, String>,
}

/// The national ids a record names: its entity's (`person/…`, `candidate/…`) and its payload's.
fn national_ids(record: &audit::AuditRecord, ids: &mut Vec<String>) {
    fn walk(value: &serde_json::Value, ids: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    match child {
                        serde_json::Value::String(id) if key == "national_id" => {
                            ids.push(id.clone());
                        }
                        _ => walk(child, ids),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, ids)),
            _ => {}
        }
    }
    if let Some((kind, id)) = record.entity.split_once('/') {
        if kind == "person" || kind == "candidate" {
            ids.push(id.to_owned());
        }
    }
    if let Ok(payload) = serde_json::from_str(&record.payload) {
        walk(&payload, ids);
    }
}

impl Names {
    /// A person's name beside their national id, when the registry has them.
    fn person(&self, national_id: &str) -> Option<Part> {
        self.people
            .get(national_id)
            .map(|name| Part::persian(format!("({name})")))
    }

    fn county(&self, code: &str) -> String {
        self.counties
            .name(code)
            .map_or_else(|| persian_digits(code), str::to_owned)
    }

    /// An actor: an account by its role and scope with its username, a board by its Persian
    /// name and county (`domain::vetting::board_taker`), the system's own actors by what they
    /// are; an unknown name as written.
    fn actor(&self, actor: &str) -> Vec<Part> {
        if let Some(account) = self.accounts.get(actor) {
            let county = account.scope.county().and_then(|c| self.counties.name(c));
            return vec![
                Part::persian(format!(
                    "{}، {}",
                    account.role.persian(),
                    account.scope.persian_named(county)
                )),
                Part::code(actor),
            ];
        }
        if let Some(system) = domain::audit_terms::actor_persian(actor) {
            return vec![Part::persian(system)];
        }
        if let Some(taker) = domain::vetting::taker_persian(actor) {
            return vec![Part::persian(taker)];
        }
        match domain::vetting::board_taker(actor) {
            Some((board, Some(county))) => {
                vec![Part::persian(format!("{board} {}", self.county(county)))]
            }
            Some((board, None)) => vec![Part::persian(board)],
            None => vec![Part::code(actor)],
        }
    }

    /// An entity (`kind/key`) by its kind in Persian and its key; a board by its name.
    fn entity(&self, entity: &str) -> Vec<Part> {
        let Some((kind, key)) = entity.split_once('/') else {
            return match entity {
                "people" => vec![Part::persian("اشخاص")],
                other => vec![Part::code(other)],
            };
        };
        let named = |name: &str| vec![Part::persian(name), Part::code(key)];
        let person = |name: &str| {
            let mut parts = named(name);
            parts.extend(self.person(key));
            parts
        };
        match kind {
            "user" => named("حساب"),
            "person" => person("شخص"),
            "candidate" => person("نامزد"),
            "election" => named("انتخابات"),
            "registration" => named("پرونده ثبت‌نام"),
            "board" => match domain::boards::parse_board_code(key) {
                Some((board, Some(county))) => vec![Part::persian(format!(
                    "{} {}",
                    board.persian(),
                    self.county(&county)
                ))],
                Some((board, None)) => vec![Part::persian(board.persian())],
                None => named("هیأت"),
            },
            "station" => match key.split_once("/staff/") {
                Some((station, post)) => vec![
                    Part::persian("شعبه"),
                    Part::code(station),
                    match domain::staffing::Post::parse(post) {
                        Some(p) => Part::persian(format!("— {}", p.persian())),
                        None => Part::code(post),
                    },
                ],
                None => named("شعبه"),
            },
            _ => vec![Part::code(entity)],
        }
    }

    fn details(&self, payload: &str) -> Vec<DetailRow> {
        // A payload is canonical JSON as the store wrote it; one that does not read is shown
        // as written rather than hidden.
        let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else {
            return vec![DetailRow {
                label: vec![Part::persian("متن ثبت‌شده")],
                value: vec![Part::code(payload)],
            }];
        };
        domain::audit_terms::details(&value)
            .into_iter()
            .map(|d| DetailRow {
                label: d
                    .label
                    .into_iter()
                    .map(|part| match part {
                        LabelPart::Persian(text) => Part::persian(text),
                        LabelPart::Code(code) => Part::code(&code),
                    })
                    .collect(),
                value: match d.value {
                    DetailValue::NationalId(id) => {
                        let mut parts = vec![Part::code(&id)];
                        parts.extend(self.person(&id));
                        parts
                    }
                    DetailValue::Text(text) => vec![Part::persian(text)],
                    DetailValue::Code(code) => vec![Part::code(&code)],
                    DetailValue::County(code) => vec![Part::persian(self.county(&code))],
                    DetailValue::Scope(scope) => {
                        let county = scope.county().and_then(|c| self.counties.name(c));
                        vec![Part::persian(scope.persian_named(county))]
                    }
                },
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    actor: String,
    entity: String,
    from: String,
    to: String,
    error: Option<String>,
    chain: Option<(bool, String)>,
    /// The action filter's choices: every action by its Persian name.
    actions: Vec<Choice>,
    records: Vec<AuditRow>,
    pager: Pager,
}

/// `/audit/verify`: the audit page with the result of a full chain check on top.
pub async fn verify(visit: Visit) -> PageResult {
    let report = visit
        .app()
        .audit()
        .verify(visit.principal())
        .await
        .map_err(|e| page_error(e, "/audit/verify"))?;
    let message = if report.intact {
        format!(
            "زنجیره ممیزی سالم است: {} رکورد بررسی شد.",
            persian_number(report.records)
        )
    } else {
        format!(
            "زنجیره ممیزی از رکورد {} به بعد آسیب دیده است: {}",
            persian_number(report.broken_at.unwrap_or_default()),
            report.reason.unwrap_or_default()
        )
    };
    page(visit, AuditQuery::default(), Some((report.intact, message))).await
}

pub async fn list(visit: Visit, OnPage(Query(q)): OnPage<Query<AuditQuery>>) -> PageResult {
    page(visit, q, None).await
}

async fn page(visit: Visit, q: AuditQuery, chain: Option<(bool, String)>) -> PageResult {
    let (filter, error) = match q.filter() {
        Ok(f) => (f, None),
        Err(e) => (
            AuditFilter {
                from_us: Some(i64::MAX),
                ..Default::default()
            },
            Some(crate::ApiError::from(e).problem().detail),
        ),
    };
    let page = visit
        .app()
        .audit()
        .page(
            visit.principal(),
            &filter,
            page_request(q.page, Some(q.per_page.unwrap_or(50))),
        )
        .await
        .map_err(|e| page_error(e, "/audit"))?;
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let link = |p: u32| {
        format!(
            "/audit?actor={}&action={}&entity={}&from={}&to={}&page={p}",
            url_encode(&text(&q.actor)),
            url_encode(&text(&q.action)),
            url_encode(&text(&q.entity)),
            url_encode(&text(&q.from)),
            url_encode(&text(&q.to))
        )
    };
    let mut ids = Vec::new();
    for record in &page.items {
        national_ids(record, &mut ids);
    }
    ids.sort();
    ids.dedup();
    let mut people = HashMap::new();
    for id in ids {
        // One the registry does not have (or the caller may not see) is shown by its id alone.
        if let Ok(p) = visit.app().people().person(visit.principal(), &id).await {
            people.insert(id, format!("{} {}", p.first_name, p.last_name));
        }
    }
    let names = Names {
        people,
        counties: Counties::read(&visit.state)
            .await
            .map_err(|e| page_error(e, "/audit"))?,
        accounts: visit
            .app()
            .accounts()
            .list(visit.principal())
            .await
            .map_err(|e| page_error(e, "/audit"))?
            .into_iter()
            .map(|a| (a.username.clone(), a))
            .collect(),
    };
    let chosen = text(&q.action);
    let mut actions: Vec<Choice> = AuditAction::ALL
        .iter()
        .map(|a| Choice::new(a.code(), a.persian(), chosen == a.code()))
        .collect();
    // A prefix typed in a link (`auth.`) is kept as a choice of its own.
    if !chosen.is_empty() && AuditAction::parse(chosen.trim()).is_none() {
        actions.insert(0, Choice::new(&chosen, format!("آغاز با {chosen}"), true));
    }
    render(&AuditPage {
        layout: visit.layout("گزارش ممیزی", "/audit"),
        pager: Pager::new(&page, link),
        records: page
            .items
            .into_iter()
            .map(|r| AuditRow {
                seq: persian_number(r.seq),
                at: jalali_us(r.at_us),
                short_hash: r.hash.chars().take(12).collect(),
                actor: names.actor(&r.actor),
                // An action this build does not know (an older record) is shown as stored.
                action: AuditAction::parse(&r.action)
                    .map_or_else(|| Part::code(&r.action), |a| Part::persian(a.persian())),
                action_code: r.action,
                entity: names.entity(&r.entity),
                details: names.details(&r.payload),
                hash: r.hash,
            })
            .collect(),
        actor: text(&q.actor),
        actions,
        entity: text(&q.entity),
        // Dates are shown with Persian digits, as typed or not: they are read back either way.
        from: domain::text::echo(&text(&q.from)),
        to: domain::text::echo(&text(&q.to)),
        error,
        chain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            counties: Counties(Vec::new()),
            accounts: HashMap::new(),
            people: HashMap::from([("0018465986".to_owned(), "زهرا بهرامی".to_owned())]),
        }
    }

    fn shown(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn boards_and_the_systems_actors_are_named_not_coded() {
        let names = names();
        assert_eq!(
            shown(&names.actor("executive-board-11")),
            "هیأت اجرایی شهرستان ۱۱"
        );
        assert_eq!(
            shown(&names.actor("supervision-board-province")),
            "هیأت نظارت استان"
        );
        assert_eq!(shown(&names.actor("applicant")), "داوطلب");
        assert_eq!(
            shown(&names.actor(store::election_day::BATCH_ACTOR)),
            "ثبت گروهی روز رأی‌گیری"
        );
        // An account the page does not know is its username, set apart left to right.
        let unknown = names.actor("someone");
        assert!(unknown[0].code && unknown[0].ltr);
    }

    #[test]
    fn entities_are_named_by_kind_and_boards_by_name() {
        let names = names();
        assert_eq!(
            shown(&names.entity("board/executive-11")),
            "هیأت اجرایی شهرستان ۱۱"
        );
        assert_eq!(
            shown(&names.entity("station/1100001/staff/head")),
            format!("شعبه ۱۱۰۰۰۰۱ — {}", domain::staffing::Post::Head.persian())
        );
        assert_eq!(
            shown(&names.entity("person/0018465986")),
            "شخص ۰۰۱۸۴۶۵۹۸۶ (زهرا بهرامی)"
        );
        assert_eq!(shown(&names.entity("people")), "اشخاص");
    }

    #[test]
    fn a_payload_that_does_not_read_is_shown_as_written() {
        let rows = names().details("not json");
        assert_eq!(rows.len(), 1);
        assert!(rows[0].value[0].code);
        assert!(names().details("{}").is_empty());
    }
}
