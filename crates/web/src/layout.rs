//! The frame around every page (`templates/base.html`): who is signed in, the navigation for
//! them, the CSRF token for forms and htmx, today's Jalali date, and the banner of a pinned
//! clock. The views and the error page both draw it.

use crate::auth::Auth;
use crate::AppState;
use domain::access::{Action, Principal, Scope};

pub struct Layout {
    pub title: String,
    pub user: Option<UserView>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub banner: Option<String>,
    pub today: String,
    /// A voting kiosk's frame (issue 17 §1): no navigation, no account, no way out of the
    /// kiosk's screens; only the ballot.
    pub kiosk: bool,
    /// Reload the page (or go to the address given) after this many seconds: `"3"`,
    /// `"180;url=/kiosk"` (a kiosk's screens clear themselves).
    pub refresh: Option<String>,
}

pub struct UserView {
    pub username: String,
    pub role: &'static str,
    pub scope: String,
}

pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
}

impl Layout {
    pub fn new(state: &AppState, auth: &Auth, title: impl Into<String>, current: &str) -> Self {
        let now = state.now();
        let banner = state.clock.is_pinned().then(|| {
            format!(
                "ساعت سامانه برای نمایش روی {} تنظیم شده است (ساعت واقعی نیست).",
                domain::calendar::jalali_long_datetime(now)
            )
        });
        let user = auth.principal().map(|p| UserView {
            username: p.username.clone(),
            role: p.role.persian(),
            scope: auth
                .scope_label()
                .map_or_else(|| p.scope.persian(), str::to_owned),
        });
        let kiosk = auth.principal().is_some_and(Principal::is_kiosk);
        let nav = if kiosk {
            Vec::new()
        } else {
            auth.principal()
                .map_or_else(|| public_navigation(current), |p| navigation(p, current))
        };
        Self {
            title: title.into(),
            user,
            nav,
            csrf: auth.csrf_token().to_owned(),
            banner,
            today: domain::calendar::JalaliDate::from_gregorian(
                now.to_offset(domain::calendar::TEHRAN).date(),
            )
            .map(domain::calendar::JalaliDate::long)
            .unwrap_or_default(),
            kiosk,
            refresh: None,
        }
    }

    /// A voting kiosk's frame, for a device that is not (yet) a kiosk's principal too: one
    /// waiting to be paired.
    #[must_use]
    pub fn kiosk(mut self) -> Self {
        self.kiosk = true;
        self.nav.clear();
        self
    }

    /// The page reloads itself after `seconds`, or goes to `to`.
    #[must_use]
    pub fn refresh(mut self, seconds: u32, to: Option<&str>) -> Self {
        self.refresh = Some(match to {
            Some(to) => format!("{seconds};url={to}"),
            None => seconds.to_string(),
        });
        self
    }

    /// A bare frame: a title and nothing of the visitor's (the error page's).
    pub fn plain(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            banner: None,
            today: String::new(),
            kiosk: false,
            refresh: None,
        }
    }
}

/// The pages open to everyone: live turnout, and a candidate's registration and its status.
fn public_navigation(current: &str) -> Vec<NavItem> {
    [
        ("/turnout", "مشارکت"),
        ("/register", "ثبت‌نام داوطلبان"),
        ("/registration-status", "پیگیری ثبت‌نام"),
        ("/candidates", "فهرست نامزدها"),
        ("/receipts", "پیگیری رسید"),
        ("/count", "شمارش آرا"),
        ("/results", "نتایج"),
    ]
    .into_iter()
    .map(|(href, label)| NavItem {
        href: href.into(),
        label,
        active: href == current,
    })
    .collect()
}

/// Navigation by role: each link appears only where the policy would let it through.
fn navigation(p: &Principal, current: &str) -> Vec<NavItem> {
    let mut items = Vec::new();
    let mut push = |href: String, label: &'static str| {
        let active = href == current;
        items.push(NavItem {
            href,
            label,
            active,
        });
    };
    match &p.scope {
        Scope::Province => push("/".into(), "داشبورد استان"),
        Scope::County { county } => push(format!("/counties/{county}"), "شهرستان من"),
        Scope::Station { station, .. } => {
            push(format!("/stations/{station}"), "شعبه من");
            push(format!("/stations/{station}/day"), "روز رأی‌گیری");
        }
    }
    match p.scope.county() {
        Some(county)
            if app::allows(
                Some(p),
                Action::ViewReadiness {
                    county: Some(county),
                },
            ) =>
        {
            push(format!("/counties/{county}/readiness"), "آمادگی شعب");
        }
        None if app::allows(Some(p), Action::ViewReadiness { county: None }) => {
            push("/readiness".into(), "آمادگی شعب");
        }
        _ => {}
    }
    push("/timeline".into(), "گاه‌شمار");
    push("/turnout".into(), "مشارکت");
    push("/candidates".into(), "فهرست نامزدها");
    if app::lookups::sees_registrations(Some(p)) {
        push("/candidates/participation".into(), "آمار ثبت‌نام");
        push("/registrations".into(), "بررسی صلاحیت");
    }
    // Sensitive stations and the county security council (issue 16).
    if app::allows(
        Some(p),
        Action::ViewSecurity {
            county: p.scope.county(),
        },
    ) && p.scope.kind() != domain::access::ScopeKind::Station
    {
        push("/security".into(), "شعبه‌های حساس");
        if let Some(county) = p.scope.county() {
            push(format!("/security/councils/{county}"), "شورای تأمین");
        }
    }
    if crate::views::incidents::sees_incidents(p) {
        push("/incidents".into(), "رخدادها");
    }
    if app::allows(Some(p), Action::ViewPeople) {
        push("/people".into(), "اشخاص");
    }
    if app::allows(Some(p), Action::ManageAccounts) {
        push("/users".into(), "حساب‌های کاربری");
    }
    if app::allows(Some(p), Action::ViewAudit) {
        push("/audit".into(), "گزارش ممیزی");
    }
    items
}
