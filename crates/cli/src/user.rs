//! `sandoq user add`: creates an account from the command line (the first HQ login of a real
//! deployment, or a replacement for a lost one).

use anyhow::{anyhow, bail, Context};
use clap::Args;
use domain::access::{check_role_scope, Role, Scope};
use domain::clock::Clock;
use std::io::BufRead;
use store::{Actor, CountyFilter, NewUser, StoreError};

/// The actor of the audit records this command writes.
pub const ACTOR: &str = "cli";
pub const MIN_PASSWORD_CHARS: usize = 8;

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
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("the password must have at least {MIN_PASSWORD_CHARS} characters");
    }
    Ok(password)
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
