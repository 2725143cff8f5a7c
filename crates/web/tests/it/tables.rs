//! Sortable tables in a real Chromium (issue 20): numbers written in Persian digits, with «٬»
//! between thousands and «٫» before decimals, sort by value; names sort by surname, then first
//! name; a sortable header is a button, announced with its state (aria-sort) and pressed by
//! Enter or Space.

use crate::browser::Browser;
use crate::support::TestApp;

/// The text of column `column` (from 1) of every body row of the table `table`, in page order.
async fn column(browser: &Browser, table: &str, column: usize) -> Vec<String> {
    let script = format!(
        "return Array.from(document.querySelectorAll('{table} tbody tr')).map(r => \
         r.cells[{}] ? r.cells[{}].textContent.trim() : '')",
        column - 1,
        column - 1
    );
    let texts = browser.client.execute(&script, vec![]).await.unwrap();
    serde_json::from_value(texts).unwrap()
}

/// A header cell's `aria-sort`, empty when it has none.
async fn aria_sort(browser: &Browser, header: &str) -> String {
    browser
        .find(header)
        .await
        .attr("aria-sort")
        .await
        .unwrap()
        .unwrap_or_default()
}

/// A number as the page shows it: Persian digits, «٬» between thousands, «٫» before decimals.
fn persian_value(text: &str) -> f64 {
    let ascii: String = domain::text::ascii_digits(text)
        .chars()
        .filter(|c| *c != '٬')
        .map(|c| if c == '٫' { '.' } else { c })
        .collect();
    ascii
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {text}"))
}

fn is_sorted_by(values: &[f64], ascending: bool) -> bool {
    values.windows(2).all(|w| {
        if ascending {
            w[0] <= w[1]
        } else {
            w[0] >= w[1]
        }
    })
}

/// People for the governor's search, all with national ids starting `00077710`: their first
/// names and surnames in an order that differs from surname order (and a surname that is
/// another's with a suffix after a zero-width non-joiner).
const PEOPLE: [(u32, &str, &str); 4] = [
    (777_101, "آرش", "کاظمی"),
    (777_102, "بهرام", "احمدی\u{200c}نژاد"),
    (777_103, "زهرا", "احمدی"),
    (777_104, "علی", "احمدی"),
];

/// Puts [`PEOPLE`] in the registry, linked to no county (the governor, who appoints, sees them).
async fn add_people(app: &TestApp) {
    let by = store::Actor::new("tables", app.state.clock.now());
    for (n, first, last) in PEOPLE {
        let person = domain::person::Person {
            national_id: domain::ids::NationalId::with_check_digit(n).unwrap(),
            first_name: first.into(),
            last_name: last.into(),
            father_name: "حسن".into(),
            gender: domain::person::Gender::Male,
            birth_date: time::macros::date!(1980 - 01 - 01),
            mobile: None,
            education: None,
            sitting_council_member: false,
            relatives: Vec::new(),
        };
        app.store.create_person(&person, &by).await.unwrap();
    }
}

/// The governor's people search for [`PEOPLE`]: the national-id column (Persian digits, no
/// sort value of its own) sorts by value both ways, by a click, by Enter and by Space on its
/// header button; the name column sorts by surname, then first name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn people_sort_by_national_id_and_by_surname() {
    let app = TestApp::new().await;
    add_people(&app).await;
    let browser = Browser::open(&app).await;
    browser.goto("/login").await;
    browser.log_in("governor").await;
    browser.goto("/people?q=00077710").await;
    let ids = column(&browser, "#people-table", 1).await;
    assert_eq!(ids.len(), PEOPLE.len(), "{ids:?}");

    // The header is a button inside the header cell, described as sorting the table.
    let id_header = "#people-table thead th:nth-child(1)";
    let button = browser.find(&format!("{id_header} button.sort")).await;
    let described = button.attr("aria-describedby").await.unwrap().unwrap();
    let hint = browser
        .client
        .execute(
            "return document.getElementById(arguments[0]).textContent",
            vec![serde_json::json!(described)],
        )
        .await
        .unwrap();
    assert!(hint.as_str().is_some_and(|h| h.contains("مرتب")), "{hint}");
    assert_eq!(
        aria_sort(&browser, id_header).await,
        "",
        "unsorted at first"
    );

    // A click: ascending by value. The values are read from the digits the page shows.
    browser.click(&format!("{id_header} button.sort")).await;
    assert_eq!(aria_sort(&browser, id_header).await, "ascending");
    let values: Vec<f64> = column(&browser, "#people-table", 1)
        .await
        .iter()
        .map(|t| persian_value(t))
        .collect();
    assert!(is_sorted_by(&values, true), "{values:?}");
    assert!(values.first() < values.last(), "{values:?}");

    // Enter on the focused button: descending.
    button.send_keys("\u{E007}").await.unwrap();
    assert_eq!(aria_sort(&browser, id_header).await, "descending");
    let values: Vec<f64> = column(&browser, "#people-table", 1)
        .await
        .iter()
        .map(|t| persian_value(t))
        .collect();
    assert!(is_sorted_by(&values, false), "{values:?}");
    assert!(values.first() > values.last(), "{values:?}");

    // Space: ascending again.
    button.send_keys("\u{E00D}").await.unwrap();
    assert_eq!(aria_sort(&browser, id_header).await, "ascending");
    let values: Vec<f64> = column(&browser, "#people-table", 1)
        .await
        .iter()
        .map(|t| persian_value(t))
        .collect();
    assert!(is_sorted_by(&values, true), "{values:?}");

    // The name column: by surname, then first name («احمدی» before «احمدی‌نژاد»); the other
    // header gives up its aria-sort.
    let name_header = "#people-table thead th:nth-child(2)";
    browser.click(&format!("{name_header} button.sort")).await;
    assert_eq!(aria_sort(&browser, name_header).await, "ascending");
    assert_eq!(aria_sort(&browser, id_header).await, "");
    let by_surname = [
        "زهرا احمدی",
        "علی احمدی",
        "بهرام احمدی\u{200c}نژاد",
        "آرش کاظمی",
    ];
    assert_eq!(column(&browser, "#people-table", 2).await, by_surname);
    browser.click(&format!("{name_header} button.sort")).await;
    let mut reversed = by_surname;
    reversed.reverse();
    assert_eq!(column(&browser, "#people-table", 2).await, reversed);
    browser.finish().await;
}

/// Persian alphabetical order of a name, for checking the page's order: letters by their place
/// in the Persian alphabet, the space between words before every letter, zero-width
/// non-joiners ignored. None for a name with another character (an Arabic variant letter,
/// whose place depends on the collation's finer levels).
fn persian_order(name: &str) -> Option<Vec<usize>> {
    const ALPHABET: &str = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی";
    name.chars()
        .filter(|c| *c != '\u{200c}')
        .map(|c| {
            if c == ' ' {
                Some(0)
            } else {
                ALPHABET.chars().position(|a| a == c).map(|i| i + 1)
            }
        })
        .collect()
}

/// A candidate's place in surname order (surname, then first name), or in first-name order.
fn name_order(c: &domain::ballot::Candidate, surname_first: bool) -> Option<Vec<usize>> {
    let (major, minor) = if surname_first {
        (&c.last_name, &c.first_name)
    } else {
        (&c.first_name, &c.last_name)
    };
    let mut key = persian_order(major)?;
    key.push(0);
    key.extend(persian_order(minor)?);
    Some(key)
}

/// A council's candidates as its list shows their names, in surname or first-name order; None
/// when a name is outside [`persian_order`]'s alphabet.
fn council_names(council: &str, surname_first: bool) -> Option<Vec<String>> {
    let mut keyed = Vec::new();
    for c in crate::support::demo()
        .candidates
        .iter()
        .filter(|c| c.council == council)
    {
        let name = format!("{} {}", c.first_name, c.last_name);
        keyed.push((name_order(c, surname_first)?, name));
    }
    keyed.sort();
    Some(keyed.into_iter().map(|(_, name)| name).collect())
}

/// A council's public final list: its name column sorts by surname, then first name, and
/// back; the candidate-code column (Persian digits) by value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn candidates_sort_by_surname_and_by_code() {
    let demo = crate::support::demo();
    // The council with most candidates whose surname order differs from their first-name
    // order, so that a list sorted by first name (the old order) cannot pass.
    let (council, expected) = demo
        .councils
        .iter()
        .filter_map(|k| {
            let by_surname = council_names(&k.code, true)?;
            let by_first_name = council_names(&k.code, false)?;
            (by_surname != by_first_name).then_some((k, by_surname))
        })
        .max_by_key(|(_, names)| names.len())
        .expect("a council whose surname order is not its first-name order");
    assert!(expected.len() >= 3, "{expected:?}");

    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    browser
        .goto(&format!("/candidates?council={}", council.code))
        .await;
    let name_header = "#candidates-list thead th:nth-child(3)";
    browser.click(&format!("{name_header} button.sort")).await;
    assert_eq!(aria_sort(&browser, name_header).await, "ascending");
    assert_eq!(column(&browser, "#candidates-list", 3).await, expected);
    browser.click(name_header).await;
    assert_eq!(aria_sort(&browser, name_header).await, "descending");
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(column(&browser, "#candidates-list", 3).await, reversed);

    let code_header = "#candidates-list thead th:nth-child(2)";
    for ascending in [true, false] {
        browser.click(&format!("{code_header} button.sort")).await;
        let codes: Vec<f64> = column(&browser, "#candidates-list", 2)
            .await
            .iter()
            .map(|t| persian_value(t))
            .collect();
        assert!(is_sorted_by(&codes, ascending), "{codes:?}");
        assert!(codes.first() != codes.last(), "{codes:?}");
    }
    browser.finish().await;
}

/// Numbers as the pages write them, «٬» between thousands, «٫» before decimals, a percent sign
/// or a word after them, in a table that arrives the way htmx swaps content in: by value, a
/// cell without a number last whichever way, and the empty-state row left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver: scripts/test runs it"]
async fn numbers_with_persian_separators_sort_by_value() {
    let app = TestApp::new().await;
    let browser = Browser::open(&app).await;
    browser.goto("/turnout").await;
    let cells = ["۱٬۲۳۴٫۵", "۹۸۷", "—", "۱۲٬۰۰۰ نفر", "۱۲٫۵٪", "−۳", "۱٬۲۳۴"];
    let add_table = r"
        const table = document.createElement('table');
        table.id = 'numbers';
        table.setAttribute('data-sortable-table', '');
        table.innerHTML = '<thead><tr><th data-sortable data-numeric>عدد</th></tr></thead><tbody></tbody>';
        for (const text of arguments[0]) {
            const row = table.tBodies[0].insertRow();
            row.insertCell().textContent = text;
        }
        document.querySelector('main').appendChild(table);
        table.dispatchEvent(new CustomEvent('htmx:load', { bubbles: true }));
    ";
    browser
        .client
        .execute(add_table, vec![serde_json::json!(cells)])
        .await
        .unwrap();
    let header = browser.find("#numbers th button.sort").await;
    let numbers: Vec<&str> = cells.iter().copied().filter(|c| *c != "—").collect();
    let mut ascending = numbers.clone();
    ascending.sort_by(|a, b| {
        let value =
            |t: &str| persian_value(&t.replace('−', "-").replace(" نفر", "").replace('٪', ""));
        value(a).total_cmp(&value(b))
    });
    header.click().await.unwrap();
    let mut expected: Vec<&str> = ascending.clone();
    expected.push("—");
    assert_eq!(column(&browser, "#numbers", 1).await, expected);
    header.click().await.unwrap();
    let mut expected: Vec<&str> = ascending.iter().rev().copied().collect();
    expected.push("—");
    assert_eq!(column(&browser, "#numbers", 1).await, expected);
    // A live region says how the table is now sorted.
    let said = browser
        .client
        .execute(
            "const s = document.querySelector('#sort-status[role=status]'); \
             return s ? s.textContent : null",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        said.as_str()
            .is_some_and(|t| t.contains("«عدد»") && t.contains("نزولی")),
        "{said}"
    );
    browser.finish().await;
}
