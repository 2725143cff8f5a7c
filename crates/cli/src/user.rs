//! `sandoq user`: creates an account from the command line (the first HQ login of a real
//! deployment, or a replacement for a lost one), disables and enables accounts, sets a new
//! password, and lists or ends an account's sessions. Each change is one transaction with its
//! audit record (actor `cli`), as from the HQ's users page.

use anyhow::{anyhow, bail, Context};
use clap::Args;
use domain::access::{check_role_scope, Role, Scope};
use domain::clock::Clock;
use std::io::BufRead;
use store::{Actor, CountyFilter, NewUser, StoreError};

/// The actor of the audit records this command writes.
pub const ACTOR: &str = "cli";
pub use domain::accounts::MIN_PASSWORD_CHARS;

#[derive(Debug, Args)]
pub struct AddArgs {
    /// 3–32 characters of a–z, 0–9, `.`, `_` and `-`.
    #[arg(long)]
    pub username: String,
    /// One of province_hq, county_governor, inspection_board, executive_board,
    /// supervision_board, station_staff, observer.
    #[arg(long)]
    pub role: String,
    /// Confine the user to this county (by its code).
    #[arg(long, conflicts_with = "station")]
    pub county: Option<String>,
    /// Confine the user to this polling station (by its code).
    #[arg(long)]
    pub station: Option<String>,
    /// Read the password from standard input (one line). Required: passwords never go on the
    /// command line, where other users of the machine could see them.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

pub fn validate_username(username: &str) -> anyhow::Result<()> {
    let len = username.chars().count();
    if !(3..=32).contains(&len) {
        bail!("username {username:?} must be 3 to 32 characters long (it has {len})");
    }
    if let Some(bad) = username
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '.' | '_' | '-'))
    {
        bail!("username {username:?} may only use a-z, 0-9, '.', '_' and '-' (found {bad:?})");
    }
    Ok(())
}

/// One line of input without its line ending.
pub fn read_password(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line
        .strip_suffix('\n')
        .map_or(line.as_str(), |l| l.strip_suffix('\r').unwrap_or(l))
        .to_owned();
    if domain::accounts::check_password(&password).is_err() {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
}

/// An account named on the command line.
#[derive(Debug, Args)]
pub struct NameArgs {
    /// The account's username.
    pub username: String,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    /// The account's username.
    pub username: String,
    /// Read the new password from standard input (one line). Required, as for `user add`.
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// The account's username.
    pub username: String,
    /// End every session of the account.
    #[arg(long)]
    pub revoke: bool,
}

fn actor() -> Actor {
    Actor::new(ACTOR, domain::clock::SystemClock.now())
}

/// A store error of a command on `username`, in words.
fn account_error(e: StoreError, username: &str, doing: &str) -> anyhow::Error {
    match e {
        StoreError::NotFound { .. } => anyhow!("no user named {username:?}"),
        StoreError::Refused(store::Refusal::Account(
            domain::accounts::AccountRefusal::LastHq,
        )) => anyhow!(
            "{username:?} is the last enabled province_hq account: add another with `sandoq user add` first — {}",
            domain::accounts::AccountRefusal::LastHq.persian()
        ),
        e => anyhow::Error::new(e).context(format!("cannot {doing} {username:?}")),
    }
}

/// `sandoq user disable`: the account cannot sign in, and its sessions end at once.
pub async fn disable(url: &str, args: &NameArgs) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let done = store
        .disable_user(&args.username, &actor())
        .await
        .map_err(|e| account_error(e, &args.username, "disable"))?;
    if done.changed {
        println!(
            "user {} disabled; {} session(s) ended",
            args.username, done.sessions_ended
        );
    } else {
        println!("user {} was disabled already", args.username);
    }
    Ok(())
}

/// `sandoq user enable`.
pub async fn enable(url: &str, args: &NameArgs) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let done = store
        .enable_user(&args.username, &actor())
        .await
        .map_err(|e| account_error(e, &args.username, "enable"))?;
    if done.changed {
        println!("user {} enabled", args.username);
    } else {
        println!("user {} was enabled already", args.username);
    }
    Ok(())
}

/// `sandoq user passwd`: a new password from standard input; every session of the account
/// ends.
pub async fn passwd(url: &str, args: &PasswdArgs) -> anyhow::Result<()> {
    let password = read_password(std::io::stdin().lock())?;
    let store = crate::db::open(url).await?;
    if store.user(&args.username).await?.is_none() {
        bail!("no user named {:?}", args.username);
    }
    let password_hash = web::auth::hash_password(&password)
        .map_err(|e| anyhow!("cannot hash the password: {e}"))?;
    let done = store
        .set_password(&args.username, &password_hash, None, &actor())
        .await
        .map_err(|e| account_error(e, &args.username, "set the password of"))?;
    println!(
        "password of {} changed; {} session(s) ended",
        args.username, done.sessions_ended
    );
    Ok(())
}

/// `sandoq user sessions`: the account's live sessions, by their times only (never a token
/// nor its hash); with `--revoke`, ends them all.
pub async fn sessions(url: &str, args: &SessionsArgs) -> anyhow::Result<()> {
    let store = crate::db::open(url).await?;
    let user = store
        .user(&args.username)
        .await?
        .ok_or_else(|| anyhow!("no user named {:?}", args.username))?;
    let now = domain::clock::SystemClock.now();
    let live = store
        .user_sessions(&args.username, domain::clock::to_micros(now))
        .await?;
    let state = if user.disabled_at_us.is_some() {
        "disabled"
    } else {
        "enabled"
    };
    println!(
        "user {} ({state}): {} live session(s)",
        args.username,
        live.len()
    );
    let at = |us: i64| rfc3339(domain::clock::from_micros(us));
    for s in &live {
        let idle = s.idle_until_us().map_or_else(
            || "no idle timeout".to_owned(),
            |u| format!("idle after {}", at(u)),
        );
        println!(
            "  signed in {}  last used {}  expires {}  {idle}",
            at(s.created_at_us),
            at(s.last_seen_at_us),
            at(s.expires_at_us)
        );
    }
    if args.revoke {
        let done = store
            .revoke_sessions(&args.username, &actor())
            .await
            .map_err(|e| account_error(e, &args.username, "end the sessions of"))?;
        println!("{} session(s) ended", done.sessions_ended);
    }
    Ok(())
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn domain_error(e: &domain::DomainError) -> anyhow::Error {
    anyhow!("{e} — {}", e.persian())
}

pub async fn add(url: &str, args: &AddArgs) -> anyhow::Result<()> {
    validate_username(&args.username)?;
    let role = Role::parse(&args.role).map_err(|e| {
        let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        anyhow!("{} — the roles are: {}", domain_error(&e), known.join(", "))
    })?;
    let password = read_password(std::io::stdin().lock())?;

    let store = crate::db::open(url).await?;
    let scope = match (&args.county, &args.station) {
        (Some(county), _) => {
            let found = store
                .counties(&CountyFilter {
                    county: Some(county.clone()),
                })
                .await?;
            if !found.iter().any(|c| c.county.code == *county) {
                bail!("no county with code {county:?}");
            }
            Scope::County {
                county: county.clone(),
            }
        }
        (None, Some(station)) => {
            let found = store
                .station(station)
                .await?
                .ok_or_else(|| anyhow!("no polling station with code {station:?}"))?;
            Scope::Station {
                county: found.county_code,
                station: found.code,
            }
        }
        (None, None) => Scope::Province,
    };
    check_role_scope(role, &scope).map_err(|e| domain_error(&e))?;

    let password_hash = web::auth::hash_password(&password)
        .map_err(|e| anyhow!("cannot hash the password: {e}"))?;
    let user = NewUser {
        username: args.username.clone(),
        password_hash,
        role,
        scope: scope.clone(),
    };
    let now = domain::clock::SystemClock.now();
    match store.create_user(&user, &Actor::new(ACTOR, now)).await {
        Ok(()) => {}
        Err(StoreError::Duplicate { .. }) => {
            bail!("a user named {:?} already exists", args.username)
        }
        Err(e) => return Err(e).context("cannot create the user"),
    }
    println!(
        "user {} created: role {}, scope {}",
        user.username,
        role.as_str(),
        crate::demo::scope_label(&scope)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in ["hq", "abc", "a.b_c-9", "x23456789012345678901234567890yz"] {
            if ok.len() >= 3 {
                assert!(validate_username(ok).is_ok(), "{ok}");
            }
        }
        for bad in [
            "",
            "ab",
            "Abc",
            "a b",
            "علی۱۲",
            "x234567890123456789012345678901yz",
        ] {
            assert!(validate_username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(read_password(&b"secret-123\n"[..]).unwrap(), "secret-123");
        assert_eq!(read_password(&b"secret-12\r\n"[..]).unwrap(), "secret-12");
        assert_eq!(read_password(&b"12345678"[..]).unwrap(), "12345678");
        assert_eq!(
            read_password(&b" spaced  pass \n"[..]).unwrap(),
            " spaced  pass "
        );
        assert!(read_password(&b"short\n"[..]).is_err());
        assert!(read_password(&b""[..]).is_err());
        assert!(read_password(&b"1234567\n12345678\n"[..]).is_err());
    }
}
