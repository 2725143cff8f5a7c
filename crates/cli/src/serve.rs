//! `sandoq serve`: the web UI and the JSON API.

use anyhow::{anyhow, Context};
use clap::Args;
use domain::clock::{Clock, PinnedClock, SystemClock};
use domain::demo::DemoOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

// Each bool is a command-line switch of its own, not a state packed into flags.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "SANDOQ_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Load the Kerman demo (and print its logins) when the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// With `--demo`: the size of the synthetic eligibility roll.
    #[arg(long, default_value_t = crate::demo::KERMAN_VOTERS)]
    pub voters: usize,
    /// Pin the clock to this instant, then let it run on: a Jalali date and Tehran time
    /// (`1405/02/11 09:00`) or ISO 8601 (`2026-05-01T08:00:00+03:30`). The UI shows a banner.
    #[arg(long, env = "SANDOQ_NOW")]
    pub now: Option<String>,
    /// Let `--now` pin the clock without `--demo` (a rehearsal on real data). A real
    /// election's server never pins its clock: deadlines, polling hours and the audit log's
    /// times all follow it.
    #[arg(
        long,
        env = "SANDOQ_ALLOW_PINNED_CLOCK",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_pinned_clock: bool,
    /// A reverse proxy in front of this server, whose `X-Forwarded-For` names the client (for
    /// the login limiter); repeat it, or separate addresses with commas. Without it the TCP
    /// peer is the client and the header is ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SANDOQ_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a sign-in lasts, in hours (a station's lasts through its polling day anyway).
    #[arg(
        long,
        env = "SANDOQ_SESSION_HOURS",
        default_value_t = 8,
        value_parser = clap::value_parser!(u64).range(1..=72)
    )]
    pub session_hours: u64,
    /// How long a sign-in may go unused before it ends, in minutes (a station's device signed
    /// in on its polling day is not ended for being idle: it lasts through the day).
    #[arg(
        long,
        env = "SANDOQ_SESSION_IDLE_MINUTES",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=1440)
    )]
    pub session_idle_minutes: u64,
    /// Password hashes (Argon2, 19 MiB each) checked at once; the default is twice the cores.
    #[arg(long, env = "SANDOQ_HASH_CONCURRENCY", value_parser = clap::value_parser!(u64).range(1..=256))]
    pub hash_concurrency: Option<u64>,
    /// Password checks that may wait for those; a login past them is refused with 503 `busy`,
    /// to be tried again.
    #[arg(
        long,
        env = "SANDOQ_HASH_QUEUE",
        default_value_t = 32,
        value_parser = clap::value_parser!(u64).range(0..=10_000)
    )]
    pub hash_queue: u64,
    /// Served over TLS (a proxy in front ends it): `Secure` cookies and HSTS. The default is
    /// yes unless listening on a loopback address; `--secure-cookies=false` serves plain HTTP
    /// to other machines (a closed network without TLS).
    #[arg(
        long,
        env = "SANDOQ_SECURE_COOKIES",
        value_parser = clap::builder::BoolishValueParser::new(),
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub secure_cookies: Option<bool>,
    /// Let voters check in at any station, not only at one of their own constituency (the
    /// rule of the law is their own constituency; DESIGN §8).
    #[arg(long, env = "SANDOQ_VOTE_ANYWHERE")]
    pub vote_anywhere: bool,
    /// Refuse to open a station without its inspector present; by default an absent
    /// inspector is recorded in the opening's minutes instead.
    #[arg(long, env = "SANDOQ_OPENING_NEEDS_INSPECTOR")]
    pub opening_needs_inspector: bool,
    /// Let a station open though it has not passed its equipment test (logic and accuracy)
    /// and its county has not overridden it: for an election that falls back to paper. By
    /// default such a station does not open.
    #[arg(long, env = "SANDOQ_OPEN_UNTESTED_STATIONS")]
    pub open_untested_stations: bool,
    /// Where candidates' uploaded documents are kept, by content hash (default: beside the
    /// SQLite file, `sandoq-files` for `sandoq.db`; with PostgreSQL, `./sandoq-files`, which
    /// several servers must share).
    #[arg(long, env = "SANDOQ_FILES_DIR")]
    pub files_dir: Option<std::path::PathBuf>,
    /// The longest a station's staff may extend its day at once, in minutes (longer is the
    /// county governor's to approve).
    #[arg(
        long,
        env = "SANDOQ_EXTENSION_STEP_MINUTES",
        default_value_t = 120,
        value_parser = clap::value_parser!(u32).range(1..=720)
    )]
    pub extension_step_minutes: u32,
    /// The latest a station's staff may keep it open past the scheduled close, in hours
    /// (a governor may approve up to 12).
    #[arg(
        long,
        env = "SANDOQ_EXTENSION_DAY_HOURS",
        default_value_t = 6,
        value_parser = clap::value_parser!(u32).range(1..=12)
    )]
    pub extension_day_hours: u32,
    /// A text-message provider's HTTP API for one-time codes (candidates prove their national
    /// id with a code sent to the registry's mobile number): each message is POSTed as JSON
    /// `{"to", "text"}` with `Authorization: Bearer` and the key in SANDOQ_SMS_KEY.
    #[arg(long, env = "SANDOQ_SMS_URL", conflicts_with = "sms_outbox")]
    pub sms_url: Option<String>,
    /// The provider's key (give it in the environment, not on the command line, where other
    /// users of the machine can read it).
    #[arg(
        long,
        env = "SANDOQ_SMS_KEY",
        hide_env_values = true,
        requires = "sms_url"
    )]
    pub sms_key: Option<String>,
    /// Keep text messages in this file (JSON lines, 0600) instead of sending them: for a
    /// rehearsal or an operator who relays codes by hand. A demo keeps them beside its
    /// database and shows them at /demo/outbox.
    #[arg(long, env = "SANDOQ_SMS_OUTBOX")]
    pub sms_outbox: Option<std::path::PathBuf>,
}

/// Where one-time codes go: the provider, the outbox file asked for, or for a demo an outbox
/// beside its documents. A server with none of these could not let anyone register, so it
/// does not start.
fn sms_from(args: &ServeArgs, files_dir: &std::path::Path) -> anyhow::Result<app::sms::Sms> {
    use app::sms::{HttpGateway, Outbox, Sms};
    if let Some(url) = &args.sms_url {
        let key = args
            .sms_key
            .clone()
            .ok_or_else(|| anyhow!("--sms-url needs the provider's key in SANDOQ_SMS_KEY"))?;
        let gateway = HttpGateway::new(url, key).map_err(|e| anyhow!("--sms-url: {e}"))?;
        return Ok(Sms::gateway(Arc::new(gateway)));
    }
    let outbox = match &args.sms_outbox {
        Some(path) => path.clone(),
        None if args.demo => files_dir.with_file_name("sandoq-sms-outbox.jsonl"),
        None => {
            return Err(anyhow!(
                "one-time codes need somewhere to go: --sms-url (with SANDOQ_SMS_KEY) for a \
                 text-message provider, or --sms-outbox FILE to keep them in a file"
            ))
        }
    };
    Ok(Sms::outbox(Arc::new(Outbox::with_file(outbox))))
}

/// The documents' directory for a database URL: beside the SQLite file, else the working
/// directory's `sandoq-files`.
pub fn default_files_dir(url: &str) -> std::path::PathBuf {
    match store_sqlite::path_from_url(url) {
        Ok(db) => {
            let stem = db
                .file_stem()
                .map_or_else(|| "sandoq".into(), |s| s.to_string_lossy().into_owned());
            db.with_file_name(format!("{stem}-files"))
        }
        Err(_) => std::path::PathBuf::from("sandoq-files"),
    }
}

/// Whether the server is reached over TLS: as asked, else unless it listens on loopback only
/// (a developer's machine, or a proxy on the same machine that ends TLS would say so).
fn served_over_tls(listen: SocketAddr, asked: Option<bool>) -> bool {
    asked.unwrap_or(!listen.ip().is_loopback())
}

fn clock_from(now: Option<&str>) -> anyhow::Result<Arc<dyn Clock>> {
    match now {
        None => Ok(Arc::new(SystemClock)),
        Some(when) => {
            let at = domain::calendar::parse_instant(when).map_err(|e| {
                anyhow!(
                    "--now {when:?}: {e} — {} (write 1405/02/11 09:00 in Tehran time, \
                     or 2026-05-01T08:00:00+03:30)",
                    e.persian()
                )
            })?;
            Ok(Arc::new(PinnedClock::new(at)))
        }
    }
}

pub async fn run(url: &str, args: ServeArgs) -> anyhow::Result<()> {
    if args.now.is_some() && !args.demo && !args.allow_pinned_clock {
        anyhow::bail!(
            "--now pins the clock, which only a demo or a rehearsal may do: add --demo, or \
             --allow-pinned-clock for a rehearsal on real data (a real election's server never \
             pins its clock)"
        );
    }
    let clock = clock_from(args.now.as_deref())?;
    let files_dir = args
        .files_dir
        .clone()
        .unwrap_or_else(|| default_files_dir(url));
    let sms = sms_from(&args, &files_dir)?;
    let extension_limits = domain::station_day::ExtensionLimits::new(
        time::Duration::minutes(i64::from(args.extension_step_minutes)),
        time::Duration::hours(i64::from(args.extension_day_hours)),
    )
    .ok_or_else(|| {
        anyhow!("--extension-step-minutes must be at most --extension-day-hours (in minutes)")
    })?;
    let store = crate::db::open(url).await?;
    tracing::info!(backend = store.backend(), "store ready");
    if clock.is_pinned() {
        let now = clock.now();
        tracing::info!(
            now = %now,
            jalali = %domain::calendar::jalali_datetime(now),
            "the clock is pinned"
        );
    }

    if args.demo {
        if store.is_empty().await? {
            tracing::info!("loading the Kerman demo into the empty database");
            let data = crate::demo::load(
                store.as_ref(),
                clock.as_ref(),
                DemoOptions::default(),
                false,
                Some(&crate::demo::guardians_dir(url)),
            )
            .await?;
            let voters = crate::demo::load_roll(
                store.as_ref(),
                &data,
                DemoOptions::default().seed,
                args.voters,
                &store::Actor::new("sandoq-demo", clock.now()),
            )
            .await?;
            crate::demo::print_summary(&data)?;
            crate::demo::print_guardians(&crate::demo::guardians_dir(url));
            crate::demo::print_roll(&data, DemoOptions::default().seed, args.voters, voters);
        } else {
            tracing::info!("the database already holds data; not loading the demo");
        }
    }

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "sandoq listening on http://{addr}/")?;
        out.flush()?;
    }

    let config = web::Config {
        secure_cookies: served_over_tls(args.listen, args.secure_cookies),
        trusted_proxies: args.trusted_proxies.clone(),
        session_ttl: std::time::Duration::from_secs(args.session_hours * 3600),
        session_idle: std::time::Duration::from_secs(args.session_idle_minutes * 60),
        // Twice the cores (the web layer's default) unless set.
        hash_concurrency: args
            .hash_concurrency
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_else(|| web::Config::default().hash_concurrency),
        hash_queue: usize::try_from(args.hash_queue).unwrap_or(0),
        own_constituency_only: !args.vote_anywhere,
        opening_needs_inspector: args.opening_needs_inspector,
        opening_needs_equipment_test: !args.open_untested_stations,
        demo: args.demo,
        sms,
        extension_limits,
        files_dir,
        ..web::Config::default()
    };
    let state = web::AppState::new(store, clock, config);
    let sweeper = tokio::spawn(sweep_orphans(state.app.clone()));
    let served = web::serve(state, listener, shutdown_signal()).await;
    sweeper.abort();
    served.context("the server stopped with an error")?;
    tracing::info!("server stopped");
    Ok(())
}

/// Every hour, removes the uploaded documents no registration came to hold (a filing the store
/// refused after they were written) that are more than an hour old.
async fn sweep_orphans(app: app::App) {
    let mut every = tokio::time::interval(std::time::Duration::from_hours(1));
    loop {
        every.tick().await;
        match app
            .registrations()
            .sweep_orphans(time::Duration::hours(1))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "unreferenced uploads removed"),
            Err(e) => tracing::warn!(error = %e, "the sweep of unreferenced uploads failed"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM. A signal that cannot be watched never resolves.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing open requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_secure_unless_served_on_loopback_or_told_otherwise() {
        let at = |a: &str| a.parse::<SocketAddr>().unwrap();
        assert!(!served_over_tls(at("127.0.0.1:8080"), None));
        assert!(!served_over_tls(at("[::1]:8080"), None));
        assert!(served_over_tls(at("0.0.0.0:8080"), None));
        assert!(served_over_tls(at("10.1.2.3:8080"), None));
        assert!(!served_over_tls(at("0.0.0.0:8080"), Some(false)));
        assert!(served_over_tls(at("127.0.0.1:8080"), Some(true)));
    }

    #[test]
    fn clocks() {
        assert!(!clock_from(None).unwrap().is_pinned());
        let jalali = clock_from(Some("1405/02/11 09:00")).unwrap();
        assert!(jalali.is_pinned());
        let iso = clock_from(Some("2026-05-01T09:00:00+03:30")).unwrap();
        let diff = (jalali.now() - iso.now()).abs();
        assert!(diff < time::Duration::seconds(5), "{diff}");
        assert!(clock_from(Some("tomorrow")).is_err());
    }

    #[test]
    fn documents_live_beside_the_database() {
        use std::path::PathBuf;
        assert_eq!(
            default_files_dir("sqlite:sandoq.db"),
            PathBuf::from("sandoq-files")
        );
        assert_eq!(
            default_files_dir("sqlite:///var/lib/sandoq/kerman.db?mode=rwc"),
            PathBuf::from("/var/lib/sandoq/kerman-files")
        );
        assert_eq!(
            default_files_dir("postgres://db.example/sandoq"),
            PathBuf::from("sandoq-files")
        );
    }
}
