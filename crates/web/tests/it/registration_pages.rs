//! The candidate's registration pages (issue 5): the public form, its refusals, the
//! confirmation and the status page with the applicant's objection and withdrawal.

use crate::registrations::{
    big_city_council, county_user, executive_council, files_stored, with_proof, Form, OPEN, PDF,
};
use crate::support::{csrf_of, demo, Reply, TestApp, RESIDENT_MOBILE};
use axum::http::{header, Method, StatusCode};
use domain::access::Role;
use domain::clock::Clock;

async fn post_multipart(app: &TestApp, form: &Form, cookie: Option<&str>) -> Reply {
    let (content_type, body) = form.body();
    let cookie: Vec<_> = cookie
        .map(|c| (header::COOKIE, c.to_owned()))
        .into_iter()
        .collect();
    app.send_body(Method::POST, "/register", &content_type, &cookie, body)
        .await
}

/// The value of the hidden or filled-in input `name` of a page.
fn input_value(html: &str, name: &str) -> String {
    let key = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Proves `id` (a registry person) on the pages, as a person would: the look-up form, the code
/// from the text message, the code entered. The page that follows.
pub async fn prove_on_pages(
    app: &TestApp,
    id: &str,
    born: &str,
    father: &str,
    purpose: &str,
) -> Reply {
    let asked = app
        .post_fields(
            "/identity/codes",
            None,
            &[
                ("purpose", purpose),
                ("national_id", id),
                ("birth_date", born),
                ("father_name", father),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.text());
    let html = asked.text();
    assert!(html.contains(r#"id="identity-code-form""#), "{html}");
    assert!(
        html.contains("۰۹۱۳•••••۲۱"),
        "the registry's number, masked"
    );
    let challenge = input_value(&html, "challenge");
    let code = app.code_sent_to(RESIDENT_MOBILE);
    app.post_fields(
        "/identity/proofs",
        None,
        &[("challenge", &challenge), ("code", &code)],
    )
    .await
}

/// The options of the council select.
fn council_options(html: &str) -> usize {
    let start = html.find(r#"id="council-select""#).unwrap();
    let end = start + html[start..].find("</select>").unwrap();
    html[start..end].matches("<option value=\"").count() - 1
}

/// The `data-code` of the confirmation's tracking code.
fn tracking_code(html: &str) -> String {
    let start = html.find(r#"data-code=""#).expect("a tracking code") + r#"data-code=""#.len();
    html[start..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_registration_form_is_public_with_the_windows_and_every_council() {
    let app = TestApp::new().await;
    let r = app.page("/register", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The form comes after the applicant proves who they are.
    let first = r.text();
    assert!(first.contains(r#"id="identity-ask-form""#));
    assert!(!first.contains(r#"id="register-form""#));
    app.resident("0018465986", "1360/05/12", "حسین").await;
    let r = prove_on_pages(&app, "۰۰۱۸۴۶۵۹۸۶", "۱۳۶۰/۰۵/۱۲", "حسين", "register").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="register-form""#));
    assert!(html.contains(r#"name="national_id" value="0018465986" readonly"#));
    assert!(
        html.contains(r#"name="birth_date" value="۱۳۶۰/۰۵/۱۲" readonly"#),
        "the registry's"
    );
    assert!(!input_value(&html, "identity_proof").is_empty());
    assert!(html.contains(r#"<html lang="fa" dir="rtl">"#));
    // 1404/10/22 09:30 Tehran: the city councils' window is open until 16:00, the villages'
    // opens on 1404/11/24.
    assert!(html.contains("۱۴۰۴/۱۰/۲۱ تا ۱۴۰۴/۱۰/۲۷، هر روز از ساعت ۰۸:۰۰ تا ۱۶:۰۰"));
    assert!(
        html.contains(
            "ثبت‌نام باز است و امروز ساعت ۱۴۰۴/۱۰/۲۲ ۱۶:۰۰ بسته می‌شود (۶ ساعت و ۳۰ دقیقه دیگر)"
        ),
        "{html}"
    );
    assert!(html.contains("ثبت‌نام از ۱۴۰۴/۱۱/۲۴ ۰۸:۰۰ آغاز می‌شود"));
    // Every council, grouped by county and kind; the limits of each document.
    assert_eq!(council_options(&html), demo().councils.len());
    assert!(html.contains(r#"data-county="11""#));
    assert!(html.contains("JPEG یا PNG، حداکثر ۲ مگابایت"));
    assert_eq!(
        html.matches("JPEG، PNG یا PDF، حداکثر ۵ مگابایت").count(),
        4
    );
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    // Public links for the anonymous visitor.
    for link in [
        r#"href="/turnout""#,
        r#"href="/register""#,
        r#"href="/registration-status""#,
    ] {
        assert!(html.contains(link), "{link}");
    }
    for outside in [r#"src="http"#, r#"href="http"#, "<script>"] {
        assert!(!html.contains(outside), "{outside}");
    }

    // The server narrows the list to a county (for browsers without script).
    let proof = input_value(&html, "identity_proof");
    let kerman = app
        .post_fields(
            "/register/county",
            None,
            &[("identity_proof", &proof), ("county", "11")],
        )
        .await
        .text();
    assert_eq!(
        input_value(&kerman, "identity_proof"),
        proof,
        "the proof kept"
    );
    let in_county = demo()
        .councils
        .iter()
        .filter(|c| c.county_code == "11")
        .count();
    assert_eq!(council_options(&kerman), in_county);
    assert!(kerman.contains(r#"data-county-filtered="11""#));

    // The status page is public too, and the login page links both.
    let status = app.page("/registration-status", None).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.text().contains("پیگیری ثبت‌نام داوطلبان"));
    assert!(app
        .page("/login", None)
        .await
        .text()
        .contains(r#"<a href="/register">"#));
}

#[tokio::test]
async fn a_refused_registration_shows_the_form_again_with_every_reason_and_writes_nothing() {
    let app = TestApp::new().await;
    let council = big_city_council();

    // Too young, below the city's education, a PDF as the photo, no military card.
    let mut form = Form::eligible("0084575948", &council.code)
        .set("birth_date", "1381/01/01")
        .set("education", "diploma")
        .file("photo", "application/pdf", PDF.to_vec());
    form.files.retain(|(name, _, _)| name != "military_card");
    let form = with_proof(&app, &form).await;
    let r = post_multipart(&app, &form, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="register-refused""#));
    let reasons = &html[html.find(r#"id="refusal-reasons""#).unwrap()..];
    let reasons = &reasons[..reasons.find("</ul>").unwrap()];
    assert_eq!(reasons.matches("<li>").count(), 4, "{reasons}");
    for reason in [
        "برای «عکس» پرونده application/pdf پذیرفته نیست",
        "داوطلب باید دست‌کم ۲۵ سال تمام داشته باشد",
        "کمترین مدرک تحصیلی برای این شورا «کارشناسی» است",
        "بارگذاری «کارت پایان خدمت یا معافیت» الزامی است",
    ] {
        assert!(reasons.contains(reason), "{reason}: {reasons}");
    }
    // The entries are kept, the council chosen and its county too.
    assert!(html.contains(r#"name="first_name" value="علي""#));
    assert!(html.contains(r#"name="birth_date" value="1381/01/01""#));
    assert!(html.contains(&format!(r#"<option value="{}" selected>"#, council.code)));
    assert!(html.contains(&format!(
        r#"<option value="{}" selected>"#,
        council.county_code
    )));
    assert!(html.contains(r#"<option value="diploma" selected>"#));
    assert!(html.contains(r#"name="veteran_family" value="on" checked"#));
    assert!(html.contains(r#"id="doc-photo" name="photo""#));
    // The proof is kept for the next try.
    assert_eq!(
        input_value(&html, "identity_proof"),
        form.value("identity_proof")
    );

    // Wrong fields are all listed at once, in Persian, and marked.
    let form = with_proof(&app, &Form::eligible("0499370899", &council.code)).await;
    let r = post_multipart(
        &app,
        &form.set("father_name", " ").set("mobile", "12345"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    for reason in [
        "نام پدر: این خانه را پر کنید",
        // What was typed is repeated with Persian digits (issue 20).
        "شماره همراه «۱۲۳۴۵» معتبر نیست.",
    ] {
        assert!(html.contains(reason), "{reason}");
    }
    assert!(html.contains(r#"name="mobile" value="12345" required inputmode="tel" autocomplete="tel" placeholder="۰۹۱۲۳۴۵۶۷۸۹" aria-invalid="true""#));

    // Outside the window, the same.
    app.clock.set(OPEN + time::Duration::hours(7));
    let late = with_proof(&app, &Form::eligible("0067749828", &council.code)).await;
    let late = post_multipart(&app, &late, None).await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text().contains("اکنون زمان ثبت‌نام این شورا نیست"));

    // Outside the window neither the form nor the identity step is offered again.
    let closed = post_multipart(&app, &Form::eligible("0067749828", &council.code), None).await;
    assert!(closed.text().contains(r#"id="registration-closed""#));
    assert!(!closed.text().contains(r#"id="identity-ask-form""#));

    // Without a proof, the form is not even read: the applicant is asked to prove who they are.
    app.clock.set(OPEN + time::Duration::hours(1));
    let unproven = post_multipart(&app, &Form::eligible("0067749828", &council.code), None).await;
    assert_eq!(unproven.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unproven.text().contains("هویت شما هنوز تأیید نشده است"));
    assert!(unproven.text().contains(r#"id="identity-ask-form""#));

    assert_eq!(
        app.audit_actions("registration.").await,
        0,
        "refusals write nothing"
    );
    assert_eq!(files_stored(&app), 0, "nothing kept of a refused upload");
}

#[tokio::test]
async fn the_applicant_files_follows_objects_and_withdraws_on_the_pages() {
    let app = TestApp::new().await;
    let council = executive_council();
    let form = with_proof(&app, &Form::eligible("0018465986", &council.code)).await;
    let before = app.audit_count().await;
    let r = post_multipart(&app, &form, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    let code = tracking_code(&html);
    assert_eq!(code.len(), 12, "{code}");
    assert_eq!(
        app.audit_count().await,
        before + 2,
        "the proof spent, the filing"
    );
    let grouped = code
        .as_bytes()
        .chunks(4)
        .map(|c| domain::text::persian_digits(std::str::from_utf8(c).unwrap()))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(html.contains(&grouped), "the code in Persian digits");
    assert!(html.contains("data-print"));
    assert!(html.contains("ثبت‌شده، در انتظار بررسی هیأت اجرایی"));
    assert!(html.contains("۱۴۰۴/۱۰/۲۲ ۰۹:۳۰"), "filed at, Jalali");

    // The status: by tracking code (Persian digits and spaces are fine) and national id.
    let lookup = |id: &'static str| {
        let typed = grouped.clone();
        let app = &app;
        async move {
            app.post_fields(
                "/registration-status",
                None,
                &[("tracking_code", &typed), ("national_id", id)],
            )
            .await
        }
    };
    let r = lookup("۰۰۱۸۴۶۵۹۸۶").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(html.contains(
        r#"<strong id="registration-state">ثبت‌شده، در انتظار بررسی هیأت اجرایی</strong>"#
    ));
    assert!(html.contains("مهلت بررسی هیأت اجرایی"));
    assert!(html.contains("ثبت‌نام برخط"));
    // The tracking code shows the file; its steps need the applicant's proof.
    assert!(!html.contains(r#"id="withdraw-form""#));
    assert!(html.contains(r#"id="steps-need-identity""#));
    let mine = prove_on_pages(&app, "0018465986", "1360/05/12", "حسین", "applicant").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let html = mine.text();
    assert!(html.contains(r#"id="withdraw-form""#));
    assert!(!html.contains(r#"id="object-form""#));
    assert!(
        html.contains(&domain::text::persian_digits(&code)),
        "found without its tracking code"
    );
    let wrong = lookup("0499370899").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong
        .text()
        .contains("پرونده‌ای با این کد رهگیری و کد ملی پیدا نشد"));

    // The boards reject (through the API); the applicant may object for four days.
    let steps = format!("/api/v1/registrations/{code}/steps");
    let executive = app.token("executive").await;
    let supervision = county_user(&app, "supervision-county", Role::SupervisionBoard).await;
    for authority in ["judiciary", "police", "civil_registration", "intelligence"] {
        let body = format!(r#"{{"authority": "{authority}", "answer": "clear"}}"#);
        let r = app
            .post(
                &format!("/api/v1/registrations/{code}/inquiries"),
                &executive,
                &body,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let review = r#"{"step": "executive_review", "qualified": false, "reason": "گواهی سوءپیشینه ناقص است", "grounds": ["criminal_conviction"]}"#;
    let r = app.post(&steps, &executive, review).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let decide = r#"{"step": "supervision_decision", "approved": false, "reason": "عدم احراز", "grounds": ["criminal_conviction"]}"#;
    let r = app.post(&steps, &supervision, decide).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = lookup("0018465986").await.text();
    assert!(html.contains("رد صلاحیت (قابل اعتراض)"));
    assert!(html.contains("مهلت اعتراض شما"));
    assert!(
        html.contains("گواهی سوءپیشینه ناقص است"),
        "the board's reason"
    );
    assert!(!html.contains(r#"id="object-form""#), "not without a proof");
    let mine = prove_on_pages(&app, "0018465986", "1360/05/12", "حسین", "applicant").await;
    assert!(mine.text().contains(r#"id="object-form""#));
    assert!(mine.text().contains("هیأت نظارت شهرستان"));

    // Each step with a proof of its own (a proof pays for one step).
    let step = |step: &'static str, reason: &'static str, confirm: bool| {
        let code = code.clone();
        let app = &app;
        async move {
            let proof = app.prove("0018465986", "applicant").await;
            let mut fields = vec![
                ("tracking_code", code.as_str()),
                ("identity_proof", proof.as_str()),
                ("step", step),
                ("reason", reason),
            ];
            if confirm {
                fields.push(("confirm", "on"));
            }
            app.post_fields("/registration-status/steps", None, &fields)
                .await
        }
    };
    // Five days on, the objection is too late: refused with its reason.
    let rejected_at = app.clock.now();
    app.clock.set(rejected_at + time::Duration::days(5));
    let late = step("object", "مدارک تازه دارم", false).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.text());
    let html = late.text();
    assert!(html.contains(r#"id="status-error""#));
    assert!(html.contains("مهلت چهار روزه اعتراض"), "{html}");
    assert!(html.contains("مهلت به پایان رسیده"));
    assert!(!html.contains(r#"id="object-form""#));
    app.clock.set(rejected_at + time::Duration::days(1));

    // An objection needs a reason; then it goes to the county board.
    let bare = step("object", "  ", false).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.text().contains("دلیل این تصمیم یا اعتراض را بنویسید"));
    let objected = step("object", "گواهی تازه دارم", false).await;
    assert_eq!(objected.status, StatusCode::OK, "{}", objected.text());
    let html = objected.text();
    assert!(html.contains("اعتراض شما ثبت شد."));
    assert!(html.contains("اعتراض، در انتظار هیأت نظارت شهرستان"));
    assert!(html.contains("اعتراض داوطلب"));
    assert!(html.contains("گواهی تازه دارم"));

    // Withdrawal asks for confirmation, then ends the file.
    let unconfirmed = step("withdraw", "", false).await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text().contains("خانه تأیید را علامت بزنید"));
    let withdrawn = step("withdraw", "", true).await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    let html = withdrawn.text();
    assert!(html.contains(r#"<strong id="registration-state">انصراف داوطلب</strong>"#));
    assert!(!html.contains(r#"id="withdraw-form""#));
    let again = step("withdraw", "", true).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again
        .text()
        .contains("در وضعیت کنونی پرونده («انصراف داوطلب») ممکن نیست"));
    let (registration, history) = app.registration(&code).await;
    assert_eq!(
        registration.vetting.state,
        domain::vetting::VettingState::Withdrawn
    );
    assert_eq!(history.last().unwrap().by, "applicant");
}

#[tokio::test]
async fn a_signed_in_browser_sends_the_csrf_token_with_the_files() {
    let (app, cookie) = TestApp::with_session("hq").await;
    let page = app.page("/register", Some(&cookie)).await.text();
    let csrf = csrf_of(&page);
    assert!(page.contains(&format!(r#"name="csrf_token" value="{csrf}""#)));
    let council = big_city_council();
    let form = with_proof(&app, &Form::eligible("0018465986", &council.code)).await;
    let forged = post_multipart(&app, &form, Some(&cookie)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.text());
    let r = post_multipart(&app, &form.set("csrf_token", &csrf), Some(&cookie)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(tracking_code(&r.text()).len(), 12);
}
