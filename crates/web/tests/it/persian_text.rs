//! Persian text on every page (issue 20): each demo role, and a visitor without an account,
//! walks the pages it can reach from its home page by following the links (and submitting the
//! search forms with digits typed the Latin way), and the visible text of each page is read
//! for four faults: a Latin digit outside a marked code, a council's kind said twice, «آباد» or
//! «شهر» glued to the word before it (or «آباد» split off with a space) instead of a ZWNJ, and
//! «.» between digits where Persian writes «٫».
//!
//! A code is marked as such by its element: `<code>`, `<bdi>`, `<kbd>`, `<samp>`, an element
//! with `dir="ltr"`, a `data-code` attribute or the `mono` class, and everything inside it (a
//! code is read as it is written, and set left to right). Only text a person reads is checked:
//! the page's text and the values its text fields show (a field the server fills shows Persian
//! digits too, and takes them back), not other attributes, scripts or styles.
//!
//! The walk is over HTTP: the faults are in the text the server writes, and no script adds any.
//! It visits one page of each route pattern (`/stations/{}` once, however many stations link)
//! and at most [`PAGES_PER_ROLE`] pages a role, so that it stays quick.

use crate::support::{demo, demo_user, TestApp};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

/// Pages read per role, at most.
const PAGES_PER_ROLE: usize = 45;

/// Where every walk starts: the caller's home, and the public pages (a visitor without an
/// account is sent from the home page to the login page, which links only some of them).
const START: [&str; 11] = [
    "/",
    "/timeline",
    "/readiness",
    "/login",
    "/turnout",
    "/register",
    "/registration-status",
    "/candidates",
    "/candidates/participation",
    "/incidents",
    "/incidents/new",
];

/// Digits typed into a page's search fields: the Latin way, as a keyboard without Persian
/// digits types them, to see how a page repeats what it was given.
const TYPED: &str = "1247";

#[tokio::test]
async fn every_page_of_every_role_writes_persian_text() {
    let app = TestApp::new().await;
    let mut report = String::new();
    let mut walked = 0;
    let mut callers: Vec<(String, Option<String>)> = vec![("anonymous".to_owned(), None)];
    for user in &demo().users {
        let cookie = app.browser_login(&user.username).await;
        callers.push((user.username.clone(), Some(cookie)));
    }
    for (who, cookie) in &callers {
        let pages = walk(&app, cookie.as_deref(), &mut report, who).await;
        // A walk that reads nothing proves nothing: each role has pages of its own.
        assert!(pages.len() >= 3, "{who} read only {pages:?}");
        walked += pages.len();
    }
    assert!(walked > 60, "the walk read only {walked} pages");
    assert!(
        report.is_empty(),
        "Persian text faults (role, page: fault «snippet»):\n{report}"
    );
}

/// A county's users are told their county by its name, in the header and on the users page
/// (issue 20: «شهرستان ۱۱»).
#[tokio::test]
async fn a_county_is_named_not_numbered() {
    let app = TestApp::new().await;
    let county = &demo_user("governor").scope;
    let code = county.county().unwrap();
    let name = &demo()
        .counties
        .iter()
        .find(|c| c.code == code)
        .unwrap()
        .name;
    let numbered = format!("شهرستان {}", domain::text::persian_digits(code));
    let named = format!("شهرستان {name}");
    let governor = app.browser_login("governor").await;
    let (_, home) = fetch(&app, "/", Some(&governor)).await.unwrap();
    assert!(
        home.contains(&format!("governor · فرماندار · {named}")),
        "{home}"
    );
    assert!(!home.contains(&numbered));
    let hq = app.browser_login("hq").await;
    let users = app.page("/users", Some(&hq)).await.text();
    assert!(users.contains(&named), "{users}");
    assert!(!users.contains(&numbered), "{users}");
}

/// The public forms' answers: a status look-up and a one-time code asked for with a national id
/// typed wrong (Latin digits, as a keyboard types them), and the code form of a registry person,
/// with their masked mobile number.
#[tokio::test]
async fn public_forms_answer_in_persian_text() {
    let app = TestApp::new().await;
    let mut report = String::new();
    let id = crate::support::fresh_id(4_747);
    app.resident(&id, "1360/05/12", "حسین").await;
    let answers = [
        (
            "/registration-status",
            vec![("tracking_code", "1247"), ("national_id", "12345")],
        ),
        (
            "/identity/codes",
            vec![
                ("purpose", "applicant"),
                ("national_id", "12345"),
                ("birth_date", "1360/05/12"),
                ("father_name", "حسین"),
            ],
        ),
        (
            "/identity/codes",
            vec![
                ("purpose", "applicant"),
                ("national_id", id.as_str()),
                ("birth_date", "1360/05/12"),
                ("father_name", "حسین"),
            ],
        ),
    ];
    for (path, fields) in &answers {
        let reply = app.post_fields(path, None, fields).await;
        let html = reply.text();
        assert!(
            reply.content_type().starts_with("text/html"),
            "{path}: {html}"
        );
        check(&mut report, "anonymous", path, &html);
    }
    assert!(
        report.is_empty(),
        "Persian text faults in the public forms' answers (role, page: fault «snippet»):\n{report}"
    );
}

/// Election day: each role walks its pages with a station open and a voter checked in; the
/// station's device shows the ballot, the review of the choices (typed with Latin digits) and
/// the receipt; the console answers a check-in typed wrong.
#[tokio::test]
async fn election_day_pages_write_persian_text() {
    use crate::election_day::{act, election_day, own_station, OPENING};
    let (app, token, roll) = election_day().await;
    let station = own_station();
    act(&app, &token, &station, "open", OPENING)
        .await
        .assert_status(axum::http::StatusCode::OK);
    let body = serde_json::json!({"station": station, "national_id": roll[0].national_id});
    let checked = app
        .post("/api/v1/checkins", &token, &body.to_string())
        .await;
    assert_eq!(checked.status, 201, "{}", checked.text());
    let ballot_token = checked.json()["ballot_token"].as_str().unwrap().to_owned();
    let council = checked.json()["council"].as_str().unwrap().to_owned();

    let mut report = String::new();
    let mut station_cookie = String::new();
    for user in &demo().users {
        let cookie = app.browser_login(&user.username).await;
        walk(&app, Some(&cookie), &mut report, &user.username).await;
        if user.username == "station" {
            station_cookie = cookie;
        }
    }

    // The kiosk: the ballot its console activated, the review of two codes typed the Latin
    // way, the receipt, and the public receipt lookup.
    let console_path = format!("/stations/{station}/day");
    let console = app.page(&console_path, Some(&station_cookie)).await.text();
    let csrf = crate::support::csrf_of(&console);
    let kiosk = crate::support::Kiosk::pair(&app, &token, &station).await;
    let waiting = app.get("/kiosk", Some(&kiosk.secret)).await;
    check(&mut report, "kiosk", "/kiosk", &waiting.text());
    let console = app.page(&console_path, Some(&station_cookie)).await.text();
    assert!(console.contains("id=\"kiosks-table\""), "{console}");
    check(&mut report, "station", &console_path, &console);
    let activated = kiosk.activate(&app, &token, &ballot_token).await;
    assert_eq!(activated.status, 201, "{}", activated.text());
    let activation = kiosk.activation(&app).await.unwrap();
    let codes: Vec<&str> = demo()
        .candidates
        .iter()
        .filter(|c| c.council == council)
        .map(|c| c.code.as_str())
        .take(2)
        .collect();
    assert_eq!(codes.len(), 2, "two candidates stand in {council}");
    let vote = |path: &'static str, extra: Vec<(&'static str, String)>| {
        let mut fields = vec![
            ("activation", activation.clone()),
            ("council", council.clone()),
        ];
        fields.extend(extra);
        let app = &app;
        let secret = kiosk.secret.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let reply = app
                .send_body(
                    axum::http::Method::POST,
                    path,
                    "application/x-www-form-urlencoded",
                    &[crate::support::bearer(&secret)],
                    crate::support::form(&fields),
                )
                .await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text());
            reply.text()
        }
    };
    let ballot = vote("/vote", vec![]).await;
    check(&mut report, "kiosk", "/vote", &ballot);
    let review = vote("/vote/review", vec![("typed", codes.join(" "))]).await;
    assert!(review.contains("id=\"chosen\""), "{review}");
    check(&mut report, "kiosk", "/vote/review", &review);
    let receipt = vote("/vote/cast", vec![("choices", codes.join(","))]).await;
    assert!(receipt.contains("id=\"receipt-code\""), "{receipt}");
    check(&mut report, "kiosk", "/vote/cast", &receipt);
    let code = receipt
        .split("data-code=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let lookup = app.page(&format!("/receipts?code={code}"), None).await;
    assert!(
        lookup.text().contains("id=\"receipt-found\""),
        "{}",
        lookup.text()
    );
    check(&mut report, "public", "/receipts", &lookup.text());

    // A national id typed wrong, with Latin digits: the console says so in Persian.
    let path = format!("/stations/{station}/checkin");
    let refused = app
        .post_fields(
            &path,
            Some(&station_cookie),
            &[("csrf_token", &csrf), ("national_id", "12345")],
        )
        .await;
    let refused = refused.text();
    assert!(refused.contains("کد ملی"), "{refused}");
    check(&mut report, "station", &path, &refused);

    assert!(
        report.is_empty(),
        "Persian text faults on election day (role, page: fault «snippet»):\n{report}"
    );
}

/// In the browser: a page's filter box finds «قلعه‌گنج» typed with a space and «کرمان» typed
/// with an Arabic kaf, as the server's searches do; numbered lists count in Persian; numbers in
/// tables are set with Vazirmatn's own digits (no tabular figures), where the column's text is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn filter_boxes_and_numbers_read_persian_in_the_browser() {
    let app = TestApp::new().await;
    let browser = crate::browser::Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("hq").await;
    browser.find("#counties-table").await;
    let shown = || async {
        let names = browser
            .client
            .execute(
                "return Array.from(document.querySelectorAll('#counties-table tbody tr'))\
                 .filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value::<Vec<String>>(names).unwrap()
    };
    let filter = "input[data-filter-table=counties-table]";
    browser.type_into(filter, "قلعه گنج").await;
    assert_eq!(shown().await, ["قلعه\u{200c}گنج"]);
    browser.find(filter).await.clear().await.unwrap();
    browser.type_into(filter, "كرمان").await;
    assert_eq!(shown().await, ["کرمان"]);

    let styles = browser
        .client
        .execute(
            "const ol = document.createElement('ol'); document.querySelector('main').appendChild(ol);\
             const td = document.querySelector('td.num');\
             return [getComputedStyle(ol).listStyleType, getComputedStyle(td).fontVariantNumeric,\
                     getComputedStyle(td).textAlign, getComputedStyle(td).direction];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        styles,
        serde_json::json!(["persian", "normal", "start", "rtl"]),
        "a list, a number cell"
    );
    browser.finish().await;
}

/// The stylesheet writes list numbers in Persian and leaves Vazirmatn's digits as they are
/// drawn: its tabular figures set «۱۱۳» as «۱ ۱ ۳».
#[tokio::test]
async fn the_stylesheet_counts_in_persian_and_keeps_digits_together() {
    let app = TestApp::new().await;
    let css = app.page("/assets/app.css", None).await.text();
    let rule = |selector: &str| -> String {
        css.lines()
            .filter(|l| l.trim_start().starts_with(selector))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        rule("ol").contains("list-style-type: persian"),
        "numbered lists count in Persian: {css}"
    );
    assert!(
        !css.contains("tabular-nums"),
        "no tabular figures: Vazirmatn spaces its Persian digits apart with them"
    );
    assert!(
        !rule("td.num").contains("text-align: left"),
        "numbers sit where the column's text starts, as in a Persian table: {}",
        rule("td.num")
    );
}

/// The security pages (issue 16) in every state they show: the province's and a county's
/// lists, a council with its missed meeting and overdue decisions, and a sensitive station's
/// page with its plan submitted (the council's decision form), approved and returned, as the
/// governor and the HQ read them.
#[tokio::test]
async fn security_pages_write_persian_text() {
    let app = TestApp::new().await;
    app.clock.set(time::macros::datetime!(2026-02-20 06:00 UTC));
    let own = crate::support::OWN_COUNTY;
    let in_own = |status: Option<domain::security::PlanStatus>| {
        demo()
            .sensitive_stations
            .iter()
            .find(|s| s.station.starts_with(own) && s.plan.as_ref().map(|(_, st)| *st) == status)
            .map(|s| s.station.clone())
    };
    use domain::security::PlanStatus::{Approved, Returned, Submitted};
    let mut paths = vec![
        "/security".to_owned(),
        format!("/security?county={own}&plan=needs_plan&sort=-status"),
        format!("/security/councils/{own}"),
    ];
    for status in [None, Some(Submitted), Some(Approved), Some(Returned)] {
        if let Some(code) = in_own(status) {
            paths.push(format!("/stations/{code}/security"));
        }
    }
    assert!(paths.len() >= 6, "{paths:?}");
    let mut report = String::new();
    for who in ["governor", "hq", "observer"] {
        let cookie = app.browser_login(who).await;
        for path in &paths {
            let reply = app.page(path, Some(&cookie)).await;
            assert_eq!(reply.status, 200, "{who} {path}");
            check(&mut report, who, path, &reply.text());
        }
    }
    assert!(
        report.is_empty(),
        "Persian text faults (role, page: fault «snippet»):\n{report}"
    );
}

/// Walks the pages reachable from the caller's home; reports the faults of each page read
/// under `who`. Returns the paths read.
async fn walk(app: &TestApp, cookie: Option<&str>, report: &mut String, who: &str) -> Vec<String> {
    let mut queue: VecDeque<String> = START.iter().map(|p| (*p).to_owned()).collect();
    let mut seen_patterns = BTreeSet::new();
    let mut read = Vec::new();
    while let Some(path) = queue.pop_front() {
        if read.len() >= PAGES_PER_ROLE {
            break;
        }
        if !seen_patterns.insert(pattern(&path)) {
            continue;
        }
        let Some((at, html)) = fetch(app, &path, cookie).await else {
            continue;
        };
        // A redirect may land on a page already read (the home page is the county's page).
        if at != path && !seen_patterns.insert(pattern(&at)) {
            continue;
        }
        check(report, who, &at, &html);
        for next in links(&html, &at) {
            if walkable(&next) && !seen_patterns.contains(&pattern(&next)) {
                queue.push_back(next);
            }
        }
        read.push(at);
    }
    read
}

/// Adds the faults of the page at `path` (as `who` saw it) to `report`.
pub(crate) fn check(report: &mut String, who: &str, path: &str, html: &str) {
    for fault in faults(html) {
        let _ = writeln!(report, "{who}, {path}: {fault}");
    }
}

/// The page at `path` and where it was found (after same-site redirects), when it is HTML.
async fn fetch(app: &TestApp, path: &str, cookie: Option<&str>) -> Option<(String, String)> {
    let mut at = path.to_owned();
    for _ in 0..5 {
        let reply = app.page(&at, cookie).await;
        if reply.status.is_redirection() {
            let to = reply.location().to_owned();
            if !to.starts_with('/') || to.starts_with("//") {
                return None;
            }
            at = to;
            continue;
        }
        if !reply.content_type().starts_with("text/html") {
            return None;
        }
        return Some((at, reply.text()));
    }
    None
}

/// Pages the walk opens: this site's, not the API, assets, downloads or logging out.
fn walkable(path: &str) -> bool {
    let bare = path.split(['?', '#']).next().unwrap_or("");
    path.starts_with('/')
        && !path.starts_with("//")
        && !["/api/", "/assets/", "/logout", "/candidates/photo/"]
            .iter()
            .any(|p| bare.starts_with(p))
        && !bare.contains("/documents/")
        && ![".csv", ".xlsx", ".pdf", ".json"]
            .iter()
            .any(|ext| bare.ends_with(ext))
        && !path.contains("format=")
}

/// A path's route pattern: each segment holding a digit stands for any value, and the query
/// keeps its keys only (a council's candidates and a county's are different pages, the tenth
/// station like the first).
fn pattern(path: &str) -> String {
    let path = path.split('#').next().unwrap_or("");
    let (bare, query) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<&str> = bare
        .split('/')
        .map(|s| {
            if s.chars().any(|c| c.is_ascii_digit()) {
                "{}"
            } else {
                s
            }
        })
        .collect();
    let keys: BTreeSet<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    format!(
        "{}?{}",
        segments.join("/"),
        keys.into_iter().collect::<Vec<_>>().join("&")
    )
}

/// The same-site links of a page (anchors' `href`), and its `GET` forms submitted with their
/// text fields holding [`TYPED`], as paths; `at` resolves a form without an action.
fn links(html: &str, at: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut form: Option<(String, Vec<(String, String)>)> = None;
    for tag in tags(html) {
        match tag.name.as_str() {
            "a" => {
                if let Some(href) = tag.attr("href") {
                    found.push(href.split('#').next().unwrap_or("").to_owned());
                }
            }
            "form" if tag.closing => {
                if let Some((action, fields)) = form.take() {
                    let query: Vec<String> = fields
                        .iter()
                        .map(|(k, v)| {
                            format!("{}={}", crate::support::enc(k), crate::support::enc(v))
                        })
                        .collect();
                    found.push(format!("{action}?{}", query.join("&")));
                }
            }
            "form" => {
                let get = tag
                    .attr("method")
                    .is_none_or(|m| m.eq_ignore_ascii_case("get"));
                let action = tag.attr("action").unwrap_or(at);
                let action = action.split('?').next().unwrap_or("").to_owned();
                form = get.then_some((action, Vec::new()));
            }
            "input" => {
                if let (Some((_, fields)), Some(name)) = (form.as_mut(), tag.attr("name")) {
                    let value = match tag.attr("type").unwrap_or("text") {
                        "text" | "search" => TYPED.to_owned(),
                        "hidden" => tag.attr("value").unwrap_or("").to_owned(),
                        _ => continue,
                    };
                    fields.push((name.to_owned(), value));
                }
            }
            _ => {}
        }
    }
    found.retain(|l| !l.is_empty());
    found
}

/// An HTML tag as the walk reads it: its name (lower case), whether it closes an element, its
/// attributes (values unescaped).
struct Tag {
    name: String,
    closing: bool,
    attrs: BTreeMap<String, String>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }

    /// Whether the element holds a code, written as it is (see the module's comment).
    fn marks_code(&self) -> bool {
        matches!(self.name.as_str(), "code" | "bdi" | "kbd" | "samp")
            || self
                .attr("dir")
                .is_some_and(|d| d.eq_ignore_ascii_case("ltr"))
            || self.attrs.contains_key("data-code")
            || self
                .attr("class")
                .is_some_and(|c| c.split_whitespace().any(|c| c == "mono"))
    }
}

/// A piece of an HTML page: a tag, or the text between two tags (unescaped).
enum Piece {
    Tag(Tag),
    Text(String),
}

/// Elements that never close.
const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements that break a line of text: what is in two of them is not one phrase.
const BLOCKS: [&str; 27] = [
    "address",
    "article",
    "aside",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "option",
    "p",
    "section",
    "td",
    "th",
];

/// The pieces of a page in order; comments, the doctype, scripts and styles are left out.
fn pieces(html: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            out.push(Piece::Text(unescape(rest)));
            break;
        };
        if lt > 0 {
            out.push(Piece::Text(unescape(&rest[..lt])));
        }
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.split_once("-->").map_or("", |(_, r)| r);
            continue;
        }
        let (tag, after) = read_tag(rest);
        rest = after;
        let Some(tag) = tag else { continue };
        if !tag.closing && matches!(tag.name.as_str(), "script" | "style") {
            let end = format!("</{}", tag.name);
            rest = rest.find(&end).map_or("", |i| &rest[i..]);
        }
        out.push(Piece::Tag(tag));
    }
    out
}

/// The tags of a page, in order.
fn tags(html: &str) -> impl Iterator<Item = Tag> {
    pieces(html).into_iter().filter_map(|p| match p {
        Piece::Tag(t) => Some(t),
        Piece::Text(_) => None,
    })
}

/// Reads the tag `s` starts with (at its `<`): the tag (none for `<!doctype>` and the like) and
/// the text after it.
fn read_tag(s: &str) -> (Option<Tag>, &str) {
    let body = &s[1..];
    // The tag ends at the first `>` outside a quoted attribute value.
    let mut quote = None;
    let mut end = body.len();
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let inner = &body[..end];
    let after = body.get(end + 1..).unwrap_or("");
    if inner.starts_with('!') || inner.starts_with('?') {
        return (None, after);
    }
    let closing = inner.starts_with('/');
    let inner = inner.trim_start_matches('/').trim_end_matches('/');
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attrs = BTreeMap::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=')
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(v) = rest.strip_prefix('=') {
            let v = v.trim_start();
            let (raw, r) = if let Some(q @ ('"' | '\'')) = v.chars().next() {
                let v = &v[1..];
                v.split_once(q).unwrap_or((v, ""))
            } else {
                let e = v.find(char::is_whitespace).unwrap_or(v.len());
                (&v[..e], &v[e..])
            };
            value = unescape(raw);
            rest = r.trim_start();
        }
        if !key.is_empty() {
            attrs.insert(key, value);
        }
    }
    (
        Some(Tag {
            name,
            closing,
            attrs,
        }),
        after,
    )
}

/// Text with its character references resolved (askama writes `&#34;`, `&#39;`, `&amp;`…).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // A reference is short: look for its `;` in the next few characters only.
        let window: String = rest.chars().take(12).collect();
        let Some(semi) = window.find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "zwnj" => Some('\u{200c}'),
            _ => entity.strip_prefix('#').and_then(|n| {
                let code = match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                };
                code.and_then(char::from_u32)
            }),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// A stretch of visible text, and whether it is inside a marked code.
struct Run {
    text: String,
    code: bool,
}

/// A page's visible text, codes included, as one string (for other tests to read what is shown).
pub(crate) fn visible_text_of(html: &str) -> String {
    visible_text(html).into_iter().map(|r| r.text).collect()
}

/// Where a page's visible text breaks between two blocks.
const BREAK: &str = "\n";

/// The visible text of a page, in runs; a block's edge is a run of [`BREAK`].
fn visible_text(html: &str) -> Vec<Run> {
    // The open elements, each with whether it marks a code.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut runs = Vec::new();
    for piece in pieces(html) {
        match piece {
            Piece::Text(text) => {
                let code = open.iter().any(|(_, code)| *code);
                runs.push(Run { text, code });
            }
            Piece::Tag(tag) => {
                if BLOCKS.contains(&tag.name.as_str()) {
                    runs.push(Run {
                        text: BREAK.to_owned(),
                        code: false,
                    });
                }
                if tag.closing {
                    if let Some(i) = open.iter().rposition(|(name, _)| *name == tag.name) {
                        open.truncate(i);
                    }
                } else if let Some(value) = shown_value(&tag) {
                    // A field's value is read like text: what a form is filled in with.
                    let code = tag.marks_code() || open.iter().any(|(_, code)| *code);
                    runs.push(Run {
                        text: format!("{BREAK}{value}{BREAK}"),
                        code,
                    });
                } else if !VOID.contains(&tag.name.as_str()) {
                    let code = tag.marks_code();
                    open.push((tag.name, code));
                }
            }
        }
    }
    // Script and style bodies were skipped by `pieces`; their elements are empty here.
    runs
}

/// The value a text field shows, if the tag is one: a person reads it as they read the page.
fn shown_value(tag: &Tag) -> Option<&str> {
    let text_field = tag.name == "input"
        && matches!(
            tag.attr("type").unwrap_or("text"),
            "text" | "search" | "tel"
        );
    tag.attr("value").filter(|v| text_field && !v.is_empty())
}

fn is_persian_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{064A}' | '\u{067E}' | '\u{0686}' | '\u{0698}' | '\u{06A9}' | '\u{06AF}' | '\u{06CC}' | '\u{0671}'..='\u{06D3}')
}

fn is_persian_digit(c: char) -> bool {
    matches!(c, '\u{06F0}'..='\u{06F9}' | '\u{0660}'..='\u{0669}')
}

/// Whether a letter joins the letter after it, so that a compound's second part needs a ZWNJ
/// to stand apart: every Persian letter but those that never join forwards.
fn joins_forward(c: char) -> bool {
    is_persian_letter(c)
        && !matches!(
            c,
            'ا' | 'آ'
                | 'أ'
                | 'إ'
                | 'ٱ'
                | 'د'
                | 'ذ'
                | 'ر'
                | 'ز'
                | 'ژ'
                | 'و'
                | 'ؤ'
                | 'ء'
                | 'ة'
                | 'ۀ'
        )
}

/// Up to `n` characters either side of the characters `at..end` of `chars` within their block,
/// as one line.
fn snippet(chars: &[char], at: usize, end: usize, n: usize) -> String {
    let block_start = chars[..at]
        .iter()
        .rposition(|c| *c == '\n')
        .map_or(0, |i| i + 1);
    let block_end = chars[end..]
        .iter()
        .position(|c| *c == '\n')
        .map_or(chars.len(), |i| end + i);
    let from = at.saturating_sub(n).max(block_start);
    let to = (end + n).min(block_end);
    chars[from..to]
        .iter()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The faults of a page's visible text, one line each.
fn faults(html: &str) -> Vec<String> {
    let runs = visible_text(html);
    let mut found = BTreeSet::new();
    // The page's text as one string, codes blanked out (a code is read as written), so that a
    // phrase split across inline elements («شورای <a>شورای…</a>») is still one phrase.
    let text: String = runs
        .iter()
        .map(|r| {
            if r.code {
                " ".repeat(r.text.chars().count().max(1))
            } else {
                r.text.clone()
            }
        })
        .collect();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            let end = chars[i..]
                .iter()
                .position(|c| !c.is_ascii_digit())
                .map_or(chars.len(), |n| i + n);
            if i == 0 || !chars[i - 1].is_ascii_digit() {
                found.insert(format!("Latin digits «{}»", snippet(&chars, i, end, 24)));
            }
        }
        if c == '.'
            && i > 0
            && (is_persian_digit(chars[i - 1]) || chars[i - 1].is_ascii_digit())
            && chars
                .get(i + 1)
                .is_some_and(|n| is_persian_digit(*n) || n.is_ascii_digit())
        {
            found.insert(format!(
                "«.» as a decimal separator, not «٫»: «{}»",
                snippet(&chars, i, i + 1, 16)
            ));
        }
    }
    for word in ["آباد", "شهر"] {
        found.extend(unjoined(&chars, word));
    }
    found.extend(doubled_kinds(&chars));
    found.into_iter().collect()
}

/// «آباد» or «شهر» ending a word glued to a letter that joins forward («حسینآباد», «نجفشهر»),
/// or «آباد» standing as a word of its own after a name («حسین آباد»): a compound's parts are
/// kept apart by a ZWNJ.
fn unjoined(chars: &[char], word: &str) -> Vec<String> {
    let w: Vec<char> = word.chars().collect();
    let mut found = Vec::new();
    for i in 1..chars.len().saturating_sub(w.len() - 1) {
        if chars[i..i + w.len()] != w[..] {
            continue;
        }
        let ends_word = chars
            .get(i + w.len())
            .is_none_or(|c| !is_persian_letter(*c));
        if !ends_word {
            continue;
        }
        let before = chars[i - 1];
        let glued = joins_forward(before);
        let split = word == "آباد" && before == ' ' && i >= 2 && is_persian_letter(chars[i - 2]);
        if glued || split {
            found.push(format!(
                "«{word}» without a ZWNJ: «{}»",
                snippet(chars, i, i + w.len(), 16)
            ));
        }
    }
    found
}

/// A council's kind said twice: «شورای» again within the words of a kind («اسلامی»,
/// «شهر»…) that follow it, as in «شورای اسلامی شهر شورای اسلامی شهر کرمان» or «شورای شورای».
/// Two blocks (two cells of a row) are never one phrase.
fn doubled_kinds(chars: &[char]) -> Vec<String> {
    let text: String = chars.iter().collect();
    let kind_words = ["اسلامی", "شهر", "روستا", "روستای", "بخش"];
    let mut found = Vec::new();
    for block in text.split(BREAK) {
        let words: Vec<&str> = block
            .split(|c: char| {
                c.is_whitespace()
                    || matches!(c, '·' | '،' | ':' | '«' | '»' | '(' | ')' | '-' | '—')
            })
            .filter(|w| !w.is_empty())
            .collect();
        for (i, w) in words.iter().enumerate() {
            if !w.starts_with("شورا") {
                continue;
            }
            let mut j = i + 1;
            while j < words.len() && kind_words.contains(&words[j]) {
                j += 1;
            }
            if j < words.len() && words[j].starts_with("شورا") {
                found.push(format!(
                    "a council's kind said twice: «{}»",
                    words[i..(j + 4).min(words.len())].join(" ")
                ));
            }
        }
    }
    found
}

mod checks {
    use super::*;

    #[test]
    fn the_checks_find_what_they_look_for_and_leave_the_rest() {
        let page = r#"<main><h1>شورای اسلامی شهر <a href="/councils/1">شورای اسلامی شهر کرمان</a></h1>
            <p>این 3 نامزد</p><p>سهم ۴.۵ درصد و ۴٫۵ درصد</p>
            <p>ابراهیمآباد، حسین آباد، حسین‌آباد، نصرآباد، نجفشهر، یزدان‌شهر، هماشهر، آبادی</p>
            <p>کد <bdi>VMBG-0HW8</bdi> و <span class="mono">123</span> و <span dir="ltr">45</span></p>
            <input type="hidden" value="1247"><input type="number" value="12"><script>var x = 10;</script>
            <input name="q" value="۱۲۴۷"><input name="code" dir="ltr" value="1248"><style>p{margin:0}</style>
            <label>کد <input name="n" value="1249"></label><p>نان &amp; پنیر & سبزی&nbsp;خوردن</p>
            <td>شورای اسلامی شهر</td><td>شورای اسلامی شهر بم</td></main>"#;
        let found = faults(page);
        let has = |what: &str| found.iter().any(|f| f.contains(what));
        assert!(has("said twice: «شورای اسلامی شهر شورای"), "{found:#?}");
        assert!(has("Latin digits «این 3 نامزد»"), "{found:#?}");
        assert!(
            !has("VMBG") && !has("123") && !has("45»") && !has("10"),
            "{found:#?}"
        );
        assert!(has("separator, not «٫»: «سهم ۴.۵ درصد"), "{found:#?}");
        assert!(has("«ابراهیمآباد"), "{found:#?}");
        assert!(has("حسین آباد"), "{found:#?}");
        assert!(has("نجفشهر"), "{found:#?}");
        assert!(has("Latin digits «1249»"), "{found:#?}");
        assert_eq!(found.len(), 7, "only those: {found:#?}");
    }

    #[test]
    fn patterns_stand_for_any_code_and_keep_query_keys() {
        assert_eq!(pattern("/stations/1100001"), "/stations/{}?");
        assert_eq!(pattern("/stations/1100001/staff"), "/stations/{}/staff?");
        assert_eq!(
            pattern("/candidates?council=12&page=2"),
            "/candidates?council&page"
        );
        assert!(!walkable("/api/v1/councils"));
        assert!(!walkable("/stations/1/roll.csv"));
        assert!(walkable("/stations/1"));
    }
}
