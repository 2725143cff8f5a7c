//! Long lists searched and sorted on the server, and their Excel downloads (issue 20): a search
//! finds rows past the first page, a sort orders every page, and a download holds the whole
//! filtered list of the viewer's scope, its codes kept as text.

use crate::support::{demo, demo_council, Reply, TestApp, FOREIGN_COUNTY, OWN_COUNTY};
use axum::http::{header, StatusCode};
use calamine::{Data, Reader, Xlsx};
use domain::demo::DemoRegistration;
use domain::text::persian_digits;

const ZWNJ: char = '\u{200c}';

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn county_of(council: &str) -> &'static str {
    &demo_council(|c| c.code == council).county_code
}

/// The `data-tracking` codes of the worklist's rows.
fn listed(html: &str) -> Vec<String> {
    html.split(r#"<tr data-tracking=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// An xlsx download's one sheet, as rows of cells (the header first).
pub fn sheet(r: &Reply) -> Vec<Vec<Data>> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.content_type(), XLSX);
    assert!(
        r.header(header::CONTENT_DISPOSITION)
            .starts_with("attachment; filename=\""),
        "{}",
        r.header(header::CONTENT_DISPOSITION)
    );
    assert!(r.header(header::CONTENT_DISPOSITION).ends_with(".xlsx\""));
    let mut book = Xlsx::new(std::io::Cursor::new(r.body.clone())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

pub fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("not a text cell: {other:?}"),
    }
}

fn own() -> Vec<&'static DemoRegistration> {
    demo()
        .registrations
        .iter()
        .filter(|r| county_of(&r.application.council) == OWN_COUNTY)
        .collect()
}

#[tokio::test]
async fn the_worklist_searches_and_sorts_every_page_on_the_server() {
    let (app, executive) = TestApp::with_session("executive").await;
    let own = own();
    let first = listed(&app.page("/registrations", Some(&executive)).await.text());
    assert_eq!(first.len(), 50);
    // A file on page 5, found by its tracking code in Persian digits, then by its name.
    let fifth = listed(
        &app.page("/registrations?page=5", Some(&executive))
            .await
            .text(),
    );
    let far = own
        .iter()
        .find(|r| r.tracking_code == fifth[7])
        .copied()
        .unwrap();
    assert!(!first.contains(&far.tracking_code));
    let q = persian_digits(&far.tracking_code);
    let r = app
        .page(&format!("/registrations?q={}", enc(&q)), Some(&executive))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    assert_eq!(listed(&html), vec![far.tracking_code.clone()]);
    // The box shows what was typed, and the download link keeps the search.
    assert!(html.contains(&format!(r#"name="q" value="{q}""#)));
    let link = html.split("vetting-xlsx").next().unwrap();
    assert!(
        link.ends_with(&format!(
            r#"href="/registrations.xlsx?county=11&#38;q={}" id=""#,
            enc(&q)
        )),
        "{}",
        link.chars()
            .rev()
            .take(150)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    // By name, with Latin or Persian digits alike, spaces and ZWNJs not compared.
    let a = &far.application;
    let with_space = format!("{} {}", a.first_name, a.last_name).replace(ZWNJ, " ");
    let joined: String = with_space.split(' ').collect();
    for typed in [with_space, joined] {
        let found = listed(
            &app.page(
                &format!("/registrations?q={}", enc(&typed)),
                Some(&executive),
            )
            .await
            .text(),
        );
        assert!(found.contains(&far.tracking_code), "{typed}");
    }
    // A ZWNJ name past the first page, typed without it.
    let zwnj = own
        .iter()
        .find(|r| {
            !first.contains(&r.tracking_code)
                && format!("{}{}", r.application.first_name, r.application.last_name).contains(ZWNJ)
        })
        .expect("a demo name with a ZWNJ");
    let typed = format!(
        "{} {}",
        zwnj.application.first_name, zwnj.application.last_name
    )
    .replace(ZWNJ, "");
    let found = listed(
        &app.page(
            &format!("/registrations?q={}", enc(&typed)),
            Some(&executive),
        )
        .await
        .text(),
    );
    assert!(found.contains(&zwnj.tracking_code), "{typed}");
    // A national id's first digits in Latin digits; the county's files only.
    let id = &a.national_id.as_str()[..7];
    let found = listed(
        &app.page(&format!("/registrations?q={id}"), Some(&executive))
            .await
            .text(),
    );
    assert!(found.contains(&far.tracking_code));
    assert!(found
        .iter()
        .all(|code| own.iter().any(|r| &r.tracking_code == code)));
    // Nothing found: the empty row.
    let none = app
        .page("/registrations?q=zzzzzz", Some(&executive))
        .await
        .text();
    assert!(listed(&none).is_empty());
    assert!(none.contains("پرونده‌ای با این مشخصات نیست."));

    // Sorted by tracking code, descending: the county's highest code comes first, and the
    // header says how the table is sorted.
    let highest = own.iter().map(|r| r.tracking_code.clone()).max().unwrap();
    let lowest = own.iter().map(|r| r.tracking_code.clone()).min().unwrap();
    let desc = app
        .page("/registrations?sort=-tracking", Some(&executive))
        .await
        .text();
    assert_eq!(listed(&desc)[0], highest);
    assert!(desc.contains(r#"<th aria-sort="descending"><a href="/registrations?county=11&#38;sort=tracking">کد رهگیری</a></th>"#));
    let asc = listed(
        &app.page("/registrations?sort=tracking", Some(&executive))
            .await
            .text(),
    );
    assert_eq!(asc[0], lowest);
    assert!(asc.windows(2).all(|w| w[0] < w[1]));
    // The default order is filing order, said on its header; the next page keeps the sort.
    let html = app.page("/registrations", Some(&executive)).await.text();
    assert!(html.contains(r#"<th aria-sort="ascending"><a href="/registrations?county=11&#38;sort=-filed">زمان ثبت‌نام</a></th>"#));
    assert!(desc.contains(r#"href="/registrations?county=11&#38;sort=-tracking&#38;page=2""#));
    // By name: the first row is the county's first surname.
    let by_name = listed(
        &app.page("/registrations?sort=name", Some(&executive))
            .await
            .text(),
    );
    let first_surname = own
        .iter()
        .map(|r| {
            (
                r.application.last_name.clone(),
                r.application.first_name.clone(),
            )
        })
        .min()
        .unwrap();
    let top = own.iter().find(|r| r.tracking_code == by_name[0]).unwrap();
    assert_eq!(top.application.last_name, first_surname.0);
}

#[tokio::test]
async fn the_worklist_downloads_as_excel_within_the_viewers_county() {
    let (app, executive) = TestApp::with_session("executive").await;
    let own = own();
    let rows = sheet(&app.page("/registrations.xlsx", Some(&executive)).await);
    let header: Vec<String> = rows[0].iter().map(text).collect();
    assert_eq!(header[..4], ["کد رهگیری", "کد ملی", "نام", "نام خانوادگی"]);
    // Every page: one row per file of the county, and only the county's.
    assert_eq!(rows.len() - 1, own.len());
    let county = &rows[1][4];
    assert!(rows[1..].iter().all(|r| &r[4] == county));
    assert_eq!(text(county), "کرمان");
    // Codes are text cells in Latin digits: a national id's leading zero is kept.
    let zero = own
        .iter()
        .find(|r| r.application.national_id.as_str().starts_with('0'))
        .expect("a demo applicant whose national id starts with 0");
    let row = rows[1..]
        .iter()
        .find(|r| text(&r[0]) == zero.tracking_code)
        .unwrap();
    assert_eq!(
        row[1],
        Data::String(zero.application.national_id.to_string())
    );
    assert!(matches!(&row[11], Data::String(m) if m.starts_with("09")));

    // The filters and the search hold: the approved only, then one file.
    let approved = own
        .iter()
        .filter(|r| {
            r.files().unwrap().last().unwrap().state == domain::vetting::VettingState::Approved
        })
        .count();
    let rows = sheet(
        &app.page("/registrations.xlsx?state=approved", Some(&executive))
            .await,
    );
    assert_eq!(rows.len() - 1, approved);
    assert!(rows[1..]
        .iter()
        .all(|r| text(&r[7]) == domain::vetting::VettingState::Approved.persian()));
    let q = persian_digits(&zero.tracking_code);
    let rows = sheet(
        &app.page(
            &format!("/registrations.xlsx?q={}", enc(&q)),
            Some(&executive),
        )
        .await,
    );
    assert_eq!(rows.len(), 2);

    // Another county's list is refused, as its page is; the HQ gets that county's only.
    let r = app
        .page(
            &format!("/registrations.xlsx?county={FOREIGN_COUNTY}"),
            Some(&executive),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let hq = app.browser_login("hq").await;
    let rows = sheet(
        &app.page(
            &format!("/registrations.xlsx?county={FOREIGN_COUNTY}"),
            Some(&hq),
        )
        .await,
    );
    let foreign = demo()
        .registrations
        .iter()
        .filter(|r| county_of(&r.application.council) == FOREIGN_COUNTY)
        .count();
    assert_eq!(rows.len() - 1, foreign);
    let all = sheet(&app.page("/registrations.xlsx", Some(&hq)).await);
    assert_eq!(all.len() - 1, demo().registrations.len());
    // The anonymous are sent to log in; a role that does not vet is refused.
    let r = app.page("/registrations.xlsx", None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let station = app.browser_login("station").await;
    assert_eq!(
        app.page("/registrations.xlsx", Some(&station)).await.status,
        StatusCode::FORBIDDEN
    );
}

pub fn enc(s: &str) -> String {
    crate::support::enc(s)
}

#[tokio::test]
async fn a_countys_stations_download_as_excel_as_filtered() {
    let (app, governor) = TestApp::with_session("governor").await;
    let own: Vec<&domain::station::Station> = demo()
        .stations
        .iter()
        .filter(|s| s.county_code == OWN_COUNTY)
        .collect();
    assert!(own.len() > 25, "more than a page");
    let page = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&governor))
        .await
        .text();
    let link = page.split("stations-xlsx").next().unwrap();
    assert!(
        link.ends_with(&format!(
            r#"href="/counties/{OWN_COUNTY}/stations.xlsx?stype=&#38;sname=&#38;ssort=code" id=""#
        )),
        "{}",
        link.chars()
            .rev()
            .take(150)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    let rows = sheet(
        &app.page(
            &format!("/counties/{OWN_COUNTY}/stations.xlsx"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(rows[0][0], Data::String("کد شعبه".into()));
    assert_eq!(rows.len() - 1, own.len());
    assert!(rows[1..]
        .iter()
        .all(|r| own.iter().any(|s| Data::String(s.code.clone()) == r[0])));
    // The expected voters are numbers; postal codes, text.
    assert!(matches!(rows[1][6], Data::Float(_) | Data::Int(_)));
    if let Some(with_postal) = rows[1..].iter().find(|r| r[8] != Data::Empty) {
        assert!(matches!(&with_postal[8], Data::String(p) if p.len() == 10));
    }
    // Sorted on the server: the county's most expected voters first, across its pages, and
    // the download in the same order.
    let most = own.iter().map(|s| s.expected_voters).max().unwrap();
    let html = app
        .page(
            &format!("/counties/{OWN_COUNTY}?ssort=-expected_voters"),
            Some(&governor),
        )
        .await
        .text();
    let table = html.split(r#"<table id="stations-table">"#).nth(1).unwrap();
    assert!(table.contains(r#"<th class="num" aria-sort="descending">"#));
    let first = table.split("<td><a href=\"/stations/").nth(1).unwrap();
    let first_code = first.split('"').next().unwrap();
    assert_eq!(
        own.iter()
            .find(|s| s.code == first_code)
            .unwrap()
            .expected_voters,
        most
    );
    let sorted = sheet(
        &app.page(
            &format!("/counties/{OWN_COUNTY}/stations.xlsx?ssort=-expected_voters"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(sorted[1][0], Data::String(first_code.to_owned()));
    // A station past the first page, found by its name typed without its ZWNJs.
    let far = own
        .iter()
        .skip(30)
        .find(|s| s.name.contains(ZWNJ))
        .or_else(|| own.get(30))
        .unwrap();
    let typed = far.name.replace(ZWNJ, " ");
    let found = app
        .page(
            &format!("/counties/{OWN_COUNTY}?sname={}", enc(&typed)),
            Some(&governor),
        )
        .await
        .text();
    assert!(
        found.contains(&format!(r#"href="/stations/{}""#, far.code)),
        "{typed}"
    );

    // The page's filter holds: the mobile ones only.
    let mobile = own.iter().filter(|s| s.mobile).count();
    let rows = sheet(
        &app.page(
            &format!("/counties/{OWN_COUNTY}/stations.xlsx?stype=mobile"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(rows.len() - 1, mobile);
    // Another county's: refused.
    let r = app
        .page(
            &format!("/counties/{FOREIGN_COUNTY}/stations.xlsx"),
            Some(&governor),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The inspector roster: a row per inspector the page lists.
    let roster = app
        .page(
            &format!("/counties/{OWN_COUNTY}/inspectors"),
            Some(&governor),
        )
        .await
        .text();
    assert!(roster.contains(&format!(r#"href="/counties/{OWN_COUNTY}/inspectors.xlsx""#)));
    let listed = roster.matches(r#"<tr><td class="num">"#).count();
    let rows = sheet(
        &app.page(
            &format!("/counties/{OWN_COUNTY}/inspectors.xlsx"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(rows[0][4], Data::String("کد ملی".into()));
    assert_eq!(rows.len() - 1, listed);
    assert!(rows[1..]
        .iter()
        .all(|r| matches!(&r[4], Data::String(id) if id.len() == 10)));
    let r = app
        .page(
            &format!("/counties/{FOREIGN_COUNTY}/inspectors.xlsx"),
            Some(&governor),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_people_search_and_a_boards_members_download_as_excel() {
    let (app, governor) = TestApp::with_session("governor").await;
    // The whole search: every person the page's pages list, ids as text.
    let page = app.page("/people?q=0", Some(&governor)).await.text();
    assert!(page.contains(r#"href="/people.xlsx?q=0""#));
    let total = page
        .split("مورد</span>")
        .next()
        .and_then(|s| s.rsplit("؛ ").next())
        .map(|n| domain::text::ascii_digits(n.trim()))
        .unwrap();
    let rows = sheet(&app.page("/people.xlsx?q=0", Some(&governor)).await);
    assert_eq!(rows[0][0], Data::String("کد ملی".into()));
    assert_eq!((rows.len() - 1).to_string(), total);
    assert!(rows[1..]
        .iter()
        .all(|r| matches!(&r[0], Data::String(id) if id.starts_with('0') && id.len() == 10)));
    // No search, nobody (as on the page).
    assert_eq!(
        sheet(&app.page("/people.xlsx", Some(&governor)).await).len(),
        1
    );

    // A board of the county: its members, as its page lists them.
    let county = app
        .page(&format!("/counties/{OWN_COUNTY}"), Some(&governor))
        .await
        .text();
    let board = county
        .split(r#"data-board=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let page = app
        .page(&format!("/boards/{board}"), Some(&governor))
        .await
        .text();
    assert!(page.contains(&format!(r#"href="/boards/{board}/members.xlsx""#)));
    let members = page
        .split(r#"<table id="members-table">"#)
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap()
        .matches("<tr><td>")
        .count();
    let rows = sheet(
        &app.page(&format!("/boards/{board}/members.xlsx"), Some(&governor))
            .await,
    );
    assert_eq!(rows[0][1], Data::String("سمت".into()));
    assert_eq!(rows.len() - 1, members);
    let hq = app.browser_login("hq").await;
    let station = app.browser_login("station").await;
    assert_eq!(
        app.page(&format!("/boards/{board}/members.xlsx"), Some(&hq))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.page("/people.xlsx?q=0", Some(&station)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// On polling day the governor's station list downloads whole, as filtered, and within the
/// county; another county's is refused.
#[tokio::test]
async fn the_day_boards_station_list_downloads_as_excel() {
    let (app, _station_token, _roll) = crate::election_day::election_day().await;
    let governor = app.token("governor").await;
    let own = demo()
        .stations
        .iter()
        .filter(|s| s.county_code == OWN_COUNTY && !s.closed)
        .count();
    let fragment = app
        .get(
            &format!("/counties/{OWN_COUNTY}/day-board"),
            Some(&governor),
        )
        .await
        .text();
    assert!(fragment.contains(&format!(
        r#"href="/counties/{OWN_COUNTY}/day-board.xlsx?day_state=&#38;day_county=&#38;day_q=&#38;day_sort=""#
    )));
    let rows = sheet(
        &app.get(
            &format!("/counties/{OWN_COUNTY}/day-board.xlsx"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(rows[0][0], Data::String("کد شعبه".into()));
    assert_eq!(rows.len() - 1, own);
    assert!(rows[1..].iter().all(|r| text(&r[3]) == "کرمان"));
    assert!(rows[1..]
        .iter()
        .all(|r| matches!(r[7], Data::Float(_) | Data::Int(_))));
    // Filtered by state: none is open yet.
    let open = sheet(
        &app.get(
            &format!("/counties/{OWN_COUNTY}/day-board.xlsx?day_state=open"),
            Some(&governor),
        )
        .await,
    );
    assert_eq!(open.len(), 1);
    let r = app
        .get(
            &format!("/counties/{FOREIGN_COUNTY}/day-board.xlsx"),
            Some(&governor),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The API's list searches and sorts as the page does.
#[tokio::test]
async fn the_registrations_api_searches_and_sorts() {
    let app = TestApp::new().await;
    let token = app.token("executive").await;
    let own = own();
    let far = own[own.len() / 2];
    let found = app
        .get(
            &format!(
                "/api/v1/registrations?q={}",
                enc(&persian_digits(&far.tracking_code))
            ),
            Some(&token),
        )
        .await
        .json();
    assert_eq!(found["total"], 1);
    assert_eq!(
        found["items"][0]["tracking_code"],
        far.tracking_code.as_str()
    );
    let highest = own.iter().map(|r| r.tracking_code.clone()).max().unwrap();
    let sorted = app
        .get("/api/v1/registrations?sort=-tracking", Some(&token))
        .await
        .json();
    assert_eq!(sorted["items"][0]["tracking_code"], highest.as_str());
    assert_eq!(sorted["total"], own.len());
}
