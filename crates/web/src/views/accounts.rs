//! `/users`: the accounts, for the province HQ (`Action::ManageAccounts`): each with its role,
//! scope and state, and the forms to disable or enable it, give it a new password and end its
//! sessions. The use cases are `app::accounts`; this server's session cache forgets an
//! account's sessions as soon as they end.

use crate::fmt::{jalali_us, url_encode};
use crate::views::{
    answer_form, breaks_a_rule_or_names_nothing, page_error, render_status, Layout, OnPage,
    PageResult, Refused, Visit,
};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use domain::text::persian_number;
use serde::Deserialize;
use store::AccountChange;

const HERE: &str = "/users";

pub struct AccountRow {
    pub username: String,
    pub role: &'static str,
    pub scope: String,
    pub created: String,
    /// When it was disabled, if it is.
    pub disabled: Option<String>,
    /// The visitor's own account: it cannot be disabled from here.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    accounts: Vec<AccountRow>,
    notice: Option<String>,
    error: Option<String>,
    min_password: String,
}

/// What the last form did, to say so on top of the list.
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    done: Option<String>,
    user: Option<String>,
    ended: Option<u64>,
}

impl UsersQuery {
    fn notice(&self) -> Option<String> {
        let user = self.user.as_deref()?;
        let ended = persian_number(i64::try_from(self.ended.unwrap_or(0)).unwrap_or(0));
        Some(match self.done.as_deref()? {
            "disabled" => format!("حساب «{user}» غیرفعال شد و {ended} نشست آن پایان یافت."),
            "enabled" => format!("حساب «{user}» دوباره فعال شد."),
            "password" => format!("گذرواژه «{user}» تغییر کرد و {ended} نشست آن پایان یافت."),
            "revoked" => format!("{ended} نشست «{user}» پایان یافت."),
            _ => return None,
        })
    }
}

pub async fn list(visit: Visit, OnPage(Query(q)): OnPage<Query<UsersQuery>>) -> PageResult {
    page(&visit, q.notice(), None).await
}

async fn page(visit: &Visit, notice: Option<String>, refused: Option<Refused>) -> PageResult {
    let accounts = visit
        .app()
        .accounts()
        .list(visit.principal())
        .await
        .map_err(|e| page_error(e, HERE))?;
    let me = visit.principal().map(|p| p.username.as_str());
    let counties = crate::views::Counties::read(&visit.state).await?;
    let (status, error) = Refused::shown(refused);
    render_status(
        status,
        &UsersPage {
            layout: visit.layout("حساب‌های کاربری", HERE),
            accounts: accounts
                .into_iter()
                .map(|a| AccountRow {
                    own: Some(a.username.as_str()) == me,
                    role: a.role.persian(),
                    scope: a
                        .scope
                        .persian_named(a.scope.county().and_then(|c| counties.name(c))),
                    created: jalali_us(a.created_at_us),
                    disabled: a.disabled_at_us.map(jalali_us),
                    username: a.username,
                })
                .collect(),
            notice,
            error,
            min_password: persian_number(domain::accounts::MIN_PASSWORD_CHARS as i64),
        },
    )
}

/// Where a form goes after it succeeded: the list, saying what was done.
fn done<'a>(what: &'static str, username: &'a str) -> impl FnOnce(AccountChange) -> String + 'a {
    move |change| {
        format!(
            "{HERE}?done={what}&user={}&ended={}",
            url_encode(username),
            change.sessions_ended
        )
    }
}

pub async fn disable(visit: Visit, OnPage(Path(username)): OnPage<Path<String>>) -> PageResult {
    let outcome = visit
        .app()
        .accounts()
        .disable(visit.principal(), &username)
        .await;
    if outcome.is_ok() {
        visit.state.sessions.forget_user(&username, None);
    }
    let again = |r| async move { page(&visit, None, Some(r)).await };
    answer_form(
        outcome,
        HERE,
        breaks_a_rule_or_names_nothing,
        done("disabled", &username),
        again,
    )
    .await
}

pub async fn enable(visit: Visit, OnPage(Path(username)): OnPage<Path<String>>) -> PageResult {
    let outcome = visit
        .app()
        .accounts()
        .enable(visit.principal(), &username)
        .await;
    let again = |r| async move { page(&visit, None, Some(r)).await };
    answer_form(
        outcome,
        HERE,
        breaks_a_rule_or_names_nothing,
        done("enabled", &username),
        again,
    )
    .await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    password: String,
}

/// A new password: the account's sessions end, but the visitor's own when it is their own
/// account.
pub async fn password(
    visit: Visit,
    OnPage(Path(username)): OnPage<Path<String>>,
    OnPage(Form(form)): OnPage<Form<PasswordForm>>,
) -> PageResult {
    let current = visit.auth.0.as_ref().map(|s| s.token_hash.clone());
    let outcome = visit
        .app()
        .accounts()
        .set_password(
            visit.principal(),
            &username,
            &form.password,
            current.as_deref(),
        )
        .await;
    if outcome.is_ok() {
        let own = visit.principal().is_some_and(|p| p.username == username);
        let keep = current.as_deref().filter(|_| own);
        visit.state.sessions.forget_user(&username, keep);
    }
    let again = |r| async move { page(&visit, None, Some(r)).await };
    answer_form(
        outcome,
        HERE,
        breaks_a_rule_or_names_nothing,
        done("password", &username),
        again,
    )
    .await
}

pub async fn revoke(visit: Visit, OnPage(Path(username)): OnPage<Path<String>>) -> PageResult {
    let outcome = visit
        .app()
        .accounts()
        .revoke(visit.principal(), &username)
        .await;
    if outcome.is_ok() {
        visit.state.sessions.forget_user(&username, None);
    }
    let again = |r| async move { page(&visit, None, Some(r)).await };
    answer_form(
        outcome,
        HERE,
        breaks_a_rule_or_names_nothing,
        done("revoked", &username),
        again,
    )
    .await
}
