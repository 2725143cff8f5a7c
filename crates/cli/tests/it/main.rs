//! Runs the real `sandoq` binary in temporary directories: the demo, audit verification and
//! tampering on SQLite and on PostgreSQL, `user add` and the account commands, and `serve`
//! answering HTTP.
//!
//! The PostgreSQL tests create a fresh database on the cluster named by
//! `SANDOQ_TEST_POSTGRES_URL` (start one with `eval "$(scripts/start-postgres)"`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use store::{CountyFilter, PageRequest, StationFilter, Store};
use store_postgres::Postgres;
use store_sqlite::Sqlite;

const BIN: &str = env!("CARGO_BIN_EXE_sandoq");
/// No wait in these tests lasts longer than this.
const TIMEOUT: Duration = Duration::from_mins(2);
/// Records in the audit log after `sandoq demo`: the province load, the 7 demo users, the key
/// ceremony and the roll.
const DEMO_RECORDS: i64 = 10;
const PG_VAR: &str = "SANDOQ_TEST_POSTGRES_URL";
/// The arguments of a small demo (quick to load, every area present).
const SMALL_DEMO: [&str; 5] = ["demo", "--people", "200", "--voters", "500"];

mod decrypt;
mod election_day;
mod election_record;
mod guardians;

// ---------------------------------------------------------------------------------------------
// Running the binary

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn success(&self) -> bool {
        self.code == Some(0)
    }
    fn output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
    /// The record count of `audit chain intact: N records`.
    fn intact_count(&self) -> i64 {
        assert!(self.success(), "audit verify failed: {self:#?}");
        let rest = self
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("audit chain intact: "))
            .unwrap_or_else(|| panic!("no intact line in {self:#?}"));
        rest.trim_end_matches(" records").trim().parse().unwrap()
    }
}

fn command(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .arg("--database-url")
        .arg(url)
        .args(args)
        .env_remove("SANDOQ_DATABASE_URL")
        .env_remove("SANDOQ_NOW")
        .env_remove("SANDOQ_LISTEN")
        .env_remove("SANDOQ_SECURE_COOKIES")
        .env("RUST_LOG", "warn");
    cmd
}

fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = from.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Runs `sandoq --database-url URL ARGS…` in `dir`, feeding `stdin`, and waits at most TIMEOUT.
fn sandoq(dir: &Path, url: &str, args: &[&str], stdin: &str) -> Run {
    let mut child = command(dir, url, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sandoq");
    if let Some(mut input) = child.stdin.take() {
        // The command may exit before reading (a refused role): a broken pipe is fine.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sandoq {args:?} did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// Runs `sandoq import KIND FILE`.
fn import(dir: &Path, url: &str, kind: &str, file: &Path) -> Run {
    sandoq(dir, url, &["import", kind, file.to_str().unwrap()], "")
}

fn verify(dir: &Path, url: &str) -> Run {
    sandoq(dir, url, &["audit", "verify"], "")
}

fn assert_broken_at(run: &Run, seq: i64) {
    assert_eq!(run.code, Some(2), "{run:#?}");
    let expected = format!("audit chain broken at record {seq}:");
    assert!(
        run.stdout.contains(&expected),
        "expected {expected:?} in {run:#?}"
    );
}

fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

// ---------------------------------------------------------------------------------------------
// The database behind the binary's back

async fn open(url: &str) -> Box<dyn Store> {
    if url.starts_with("sqlite:") {
        Box::new(Sqlite::connect(url).await.unwrap())
    } else {
        Box::new(Postgres::connect(url).await.unwrap())
    }
}

/// Runs SQL outside the system, as an attacker with database access would.
async fn raw_execute(url: &str, sql: &str) -> u64 {
    if url.starts_with("sqlite:") {
        Sqlite::connect(url).await.unwrap().raw_execute(sql).await
    } else {
        Postgres::connect(url).await.unwrap().raw_execute(sql).await
    }
    .unwrap()
}

fn admin_url() -> String {
    #[allow(clippy::disallowed_methods)] // tests read their own configuration
    let url = std::env::var(PG_VAR);
    match url {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "set {PG_VAR} to a PostgreSQL admin URL: run eval \"$(scripts/start-postgres)\" \
             from the repository root (or run scripts/test, which does)"
        ),
    }
}

/// Creates an empty database on the test cluster and returns its URL.
async fn new_pg_database() -> String {
    store_postgres::testing::new_database(&admin_url())
        .await
        .expect("create a test database")
}

// ---------------------------------------------------------------------------------------------
// Demo, verification and tampering

/// Loads a small demo into the empty database at `url` and checks its audit chain.
fn small_demo(dir: &Path, url: &str) {
    let run = sandoq(dir, url, &SMALL_DEMO, "");
    assert!(run.success(), "{run:#?}");
    assert_eq!(verify(dir, url).intact_count(), DEMO_RECORDS);
}

/// A second demo into the database at `url`, which holds one, is refused and writes nothing.
fn demo_again_is_refused(dir: &Path, url: &str) {
    let again = sandoq(dir, url, &SMALL_DEMO, "");
    assert!(!again.success(), "{again:#?}");
    assert!(again.stderr.contains("already holds data"), "{again:#?}");
    assert_eq!(verify(dir, url).intact_count(), DEMO_RECORDS);
}

/// The tamper cases, each on its own freshly loaded database: a changed record, a deleted one,
/// and one appended behind the system's back with a correct hash link.
async fn tamper_cases(dir: &Path, urls: [String; 3]) {
    let [changed, deleted, appended] = urls;

    small_demo(dir, &changed);
    assert_eq!(
        raw_execute(&changed, "UPDATE audit_log SET actor = 'x' WHERE seq = 2").await,
        1
    );
    assert_broken_at(&verify(dir, &changed), 2);

    small_demo(dir, &deleted);
    assert_eq!(
        raw_execute(&deleted, "DELETE FROM audit_log WHERE seq = 3").await,
        1
    );
    assert_broken_at(&verify(dir, &deleted), 3);

    small_demo(dir, &appended);
    let (head_seq, head_hash) = open(&appended).await.audit_head().await.unwrap();
    assert_eq!(head_seq, DEMO_RECORDS);
    let seq = head_seq + 1;
    let (at_us, actor, action, entity, payload) = (1, "x", "user.create", "user/intruder", "{}");
    let hash = audit::chain_hash(&head_hash, seq, at_us, actor, action, entity, payload);
    let inserted = raw_execute(
        &appended,
        &format!(
            "INSERT INTO audit_log (seq, at_us, actor, action, entity, payload, prev_hash, hash) \
             VALUES ({seq}, {at_us}, '{actor}', '{action}', '{entity}', '{payload}', \
             '{head_hash}', '{hash}')"
        ),
    )
    .await;
    assert_eq!(inserted, 1);
    let run = verify(dir, &appended);
    assert_broken_at(&run, seq);
    assert!(run.stdout.contains("appended"), "{run:#?}");
}

#[tokio::test]
async fn sqlite_demo_verify_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "demo.db");

    let first = sandoq(dir.path(), &url, &["demo", "--voters", "2000"], "");
    assert!(first.success(), "{first:#?}");
    for expected in [
        "hq-1405",
        "governor-1405",
        "observer-1405",
        "province_hq",
        "25 counties",
    ] {
        assert!(
            first.stdout.contains(expected),
            "{expected:?} missing: {first:#?}"
        );
    }
    assert!(dir.path().join("demo.db").exists());

    demo_again_is_refused(dir.path(), &url);

    let urls = ["changed.db", "deleted.db", "appended.db"].map(|n| sqlite_url(dir.path(), n));
    tamper_cases(dir.path(), urls).await;
}

#[tokio::test]
async fn postgres_demo_verify_and_tamper() {
    let dir = tempfile::tempdir().unwrap();
    let url = new_pg_database().await;
    assert!(url.starts_with("postgres"), "{url}");
    small_demo(dir.path(), &url);
    demo_again_is_refused(dir.path(), &url);
    // Nothing was written to the working directory: the data is in PostgreSQL.
    assert!(!dir.path().join("sandoq.db").exists());

    let urls = [
        new_pg_database().await,
        new_pg_database().await,
        new_pg_database().await,
    ];
    tamper_cases(dir.path(), urls).await;
}

#[test]
fn unsupported_database_urls_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["mysql://u:secret@localhost/db", "sandoq.db"] {
        let run = verify(dir.path(), url);
        assert_eq!(run.code, Some(1), "{run:#?}");
        assert!(run.stderr.contains("sqlite:PATH"), "{run:#?}");
        assert!(run.stderr.contains("postgres://"), "{run:#?}");
        assert!(!run.output().contains("secret"), "{run:#?}");
        assert!(!run.output().contains("panicked"), "{run:#?}");
    }
}

#[test]
fn default_database_is_sandoq_db_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(BIN)
        .current_dir(dir.path())
        .args(["audit", "verify"])
        .env_remove("SANDOQ_DATABASE_URL")
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:#?}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("audit chain intact: 0 records"));
    assert!(dir.path().join("sandoq.db").exists());
}

// ---------------------------------------------------------------------------------------------
// user add

#[tokio::test]
async fn user_add_creates_users_and_refuses_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let url = sqlite_url(dir, "users.db");
    small_demo(dir, &url);

    let (county, station) = {
        let store = open(&url).await;
        let counties = store.counties(&CountyFilter::default()).await.unwrap();
        let stations = store
            .stations(&StationFilter::default(), PageRequest::new(1, 1))
            .await
            .unwrap();
        (counties[0].county.code.clone(), stations.items[0].clone())
    };

    let add = |args: &[&str], password: &str| {
        let mut all = vec!["user", "add", "--password-stdin"];
        all.extend_from_slice(args);
        sandoq(dir, &url, &all, &format!("{password}\n"))
    };

    // A valid county governor.
    let run = add(
        &[
            "--username",
            "gov.rafsanjan",
            "--role",
            "county_governor",
            "--county",
            &county,
        ],
        "a long enough password",
    );
    assert!(run.success(), "{run:#?}");
    let mut records = verify(dir, &url).intact_count();
    assert_eq!(records, DEMO_RECORDS + 1);

    // A station member: the county comes from the station.
    let run = add(
        &[
            "--username",
            "st-1",
            "--role",
            "station_staff",
            "--station",
            &station.code,
        ],
        "station-password",
    );
    assert!(run.success(), "{run:#?}");
    records += 1;
    assert_eq!(verify(dir, &url).intact_count(), records);

    // A province HQ user (no scope flag).
    let run = add(&["--username", "hq_2", "--role", "province_hq"], "12345678");
    assert!(run.success(), "{run:#?}");
    records += 1;
    assert_eq!(verify(dir, &url).intact_count(), records);

    {
        let store = open(&url).await;
        let gov = store.user("gov.rafsanjan").await.unwrap().unwrap();
        assert_eq!(gov.role, domain::access::Role::CountyGovernor);
        assert_eq!(
            gov.scope,
            domain::access::Scope::County {
                county: county.clone()
            }
        );
        assert!(
            gov.password_hash.starts_with("$argon2id$"),
            "{}",
            gov.password_hash
        );
        let st = store.user("st-1").await.unwrap().unwrap();
        assert_eq!(
            st.scope,
            domain::access::Scope::Station {
                county: station.county_code.clone(),
                station: station.code.clone()
            }
        );
        let audit = store
            .audit_page(
                &store::AuditFilter {
                    actor: Some("cli".into()),
                    ..store::AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(audit.total, 3, "{audit:#?}");
    }

    // Each refusal exits non-zero, says why, and writes nothing.
    let refusals: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["--username", "gov.rafsanjan", "--role", "observer"],
            "another password",
            "already exists",
        ),
        (
            vec!["--username", "king", "--role", "king"],
            "a long enough password",
            "king",
        ),
        (
            vec!["--username", "gov2", "--role", "county_governor"],
            "a long enough password",
            "needs scope county",
        ),
        (
            vec![
                "--username",
                "hq3",
                "--role",
                "province_hq",
                "--county",
                &county,
            ],
            "a long enough password",
            "needs scope province",
        ),
        (
            vec![
                "--username",
                "gov3",
                "--role",
                "county_governor",
                "--county",
                "no-such",
            ],
            "a long enough password",
            "no county",
        ),
        (
            vec![
                "--username",
                "st-2",
                "--role",
                "station_staff",
                "--station",
                "no-such",
            ],
            "a long enough password",
            "no polling station",
        ),
        (
            vec!["--username", "shorty", "--role", "observer"],
            "1234567",
            "at least 8 characters",
        ),
        (
            vec!["--username", "Bad Name", "--role", "observer"],
            "a long enough password",
            "may only use",
        ),
        (
            vec!["--username", "ab", "--role", "observer"],
            "a long enough password",
            "3 to 32",
        ),
    ];
    for (args, password, reason) in refusals {
        let run = add(&args, password);
        assert_eq!(run.code, Some(1), "{args:?}: {run:#?}");
        assert!(
            run.stderr.contains(reason),
            "{args:?}: want {reason:?} in {run:#?}"
        );
        assert!(!run.output().contains("panicked"), "{run:#?}");
        assert_eq!(verify(dir, &url).intact_count(), records, "{args:?}");
    }

    // The password must come from stdin: without the flag clap refuses the command.
    let run = sandoq(
        dir,
        &url,
        &["user", "add", "--username", "nopass", "--role", "observer"],
        "",
    );
    assert!(!run.success(), "{run:#?}");
    assert_eq!(verify(dir, &url).intact_count(), records);
}

/// How many of the sessions whose tokens hash to `hashes` are live at `now_us`.
async fn live_sessions(store: &dyn Store, hashes: &[String], now_us: i64) -> usize {
    let mut n = 0;
    for hash in hashes {
        n += usize::from(store.session(hash, now_us).await.unwrap().is_some());
    }
    n
}

/// `user disable`, `enable`, `passwd` and `sessions [--revoke]` (issue 15: an account could
/// not be disabled, nor its password changed, nor its sessions ended): each change ends the
/// account's sessions in the store and adds one audit record; the last HQ account is not
/// disabled; the sessions are listed by their times, never by their token's hash.
#[tokio::test]
async fn user_commands_disable_enable_passwd_and_end_sessions() {
    use domain::clock::Clock;
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let url = sqlite_url(dir, "lifecycle.db");
    small_demo(dir, &url);
    let store = open(&url).await;
    let now = domain::clock::to_micros(domain::clock::SystemClock.now());
    let hashes: Vec<String> = (0..2)
        .map(|i| web::auth::token_hash(&format!("token-{i}")))
        .collect();
    for hash in &hashes {
        let session = store::NewSession {
            token_hash: hash.clone(),
            username: "observer".into(),
            csrf_token: "c".into(),
            expires_at_us: now + 3_600_000_000,
            idle_timeout_us: Some(1_800_000_000),
        };
        store
            .create_session(
                &session,
                &store::Actor::new("observer", domain::clock::SystemClock.now()),
            )
            .await
            .unwrap();
    }
    let mut records = DEMO_RECORDS + 2;
    assert_eq!(verify(dir, &url).intact_count(), records);

    let listed = sandoq(dir, &url, &["user", "sessions", "observer"], "");
    assert!(listed.success(), "{listed:#?}");
    assert!(listed.stdout.contains("2 live session(s)"), "{listed:#?}");
    for hash in &hashes {
        assert!(
            !listed.output().contains(&hash[..16]),
            "no token hash shown"
        );
    }
    assert_eq!(
        verify(dir, &url).intact_count(),
        records,
        "listing writes nothing"
    );

    let disabled = sandoq(dir, &url, &["user", "disable", "observer"], "");
    assert!(disabled.success(), "{disabled:#?}");
    assert!(
        disabled.stdout.contains("2 session(s) ended"),
        "{disabled:#?}"
    );
    records += 1;
    assert_eq!(verify(dir, &url).intact_count(), records);
    assert_eq!(live_sessions(store.as_ref(), &hashes, now).await, 0);
    let user = store.user("observer").await.unwrap().unwrap();
    assert!(user.disabled_at_us.is_some());

    // The demo's one HQ account is the last: it stays enabled.
    let last = sandoq(dir, &url, &["user", "disable", "hq"], "");
    assert!(!last.success(), "{last:#?}");
    assert!(
        last.stderr.contains("last enabled province_hq"),
        "{last:#?}"
    );
    let nobody = sandoq(dir, &url, &["user", "disable", "nobody"], "");
    assert!(
        !nobody.success() && nobody.stderr.contains("no user named"),
        "{nobody:#?}"
    );
    assert_eq!(
        verify(dir, &url).intact_count(),
        records,
        "refusals write nothing"
    );

    let enabled = sandoq(dir, &url, &["user", "enable", "observer"], "");
    assert!(enabled.success(), "{enabled:#?}");
    records += 1;
    assert!(store
        .user("observer")
        .await
        .unwrap()
        .unwrap()
        .disabled_at_us
        .is_none());

    // A new password: from standard input only, eight characters at least.
    let short = sandoq(
        dir,
        &url,
        &["user", "passwd", "observer", "--password-stdin"],
        "short\n",
    );
    assert!(!short.success(), "{short:#?}");
    let without = sandoq(dir, &url, &["user", "passwd", "observer"], "long enough\n");
    assert!(!without.success(), "the flag is required: {without:#?}");
    let changed = sandoq(
        dir,
        &url,
        &["user", "passwd", "observer", "--password-stdin"],
        "a new long password\n",
    );
    assert!(changed.success(), "{changed:#?}");
    records += 1;
    let user = store.user("observer").await.unwrap().unwrap();
    assert!(web::auth::verify_password(
        "a new long password",
        &user.password_hash
    ));
    assert!(!web::auth::verify_password(
        "observer-1405",
        &user.password_hash
    ));

    // `--revoke` ends what is left (here: nothing, so nothing is recorded), then a session.
    let session = store::NewSession {
        token_hash: hashes[0].clone(),
        username: "observer".into(),
        csrf_token: "c".into(),
        expires_at_us: now + 3_600_000_000,
        idle_timeout_us: None,
    };
    store
        .create_session(
            &session,
            &store::Actor::new("observer", domain::clock::SystemClock.now()),
        )
        .await
        .unwrap();
    records += 1;
    let revoked = sandoq(dir, &url, &["user", "sessions", "observer", "--revoke"], "");
    assert!(revoked.success(), "{revoked:#?}");
    assert!(
        revoked.stdout.contains("1 session(s) ended"),
        "{revoked:#?}"
    );
    records += 1;
    assert_eq!(live_sessions(store.as_ref(), &hashes, now).await, 0);
    assert_eq!(verify(dir, &url).intact_count(), records);
}

// ---------------------------------------------------------------------------------------------
// serve

/// Kills the server when the test ends, whatever happens.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Response {
    status: u16,
    body: String,
}

fn decode_chunked(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&body[..end]);
        let size = usize::from_str_radix(size_line.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    out
}

/// One HTTP/1.1 request over a fresh connection.
fn http(addr: SocketAddr, method: &str, path: &str, json: Option<&str>) -> Response {
    http_as(addr, method, path, json, None)
}

/// One HTTP/1.1 request over a fresh connection, with a bearer token.
fn http_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json: Option<&str>,
    bearer: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let body_headers = json.map_or(String::new(), |body| {
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        )
    });
    let auth = bearer.map_or(String::new(), |token| {
        format!("Authorization: Bearer {token}\r\n")
    });
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAccept: */*\r\n\
         {auth}{body_headers}\r\n{}",
        json.unwrap_or_default()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    let body = &raw[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") {
        decode_chunked(body)
    } else {
        body.to_vec()
    };
    Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Starts `sandoq serve` with `args` and waits for its listening line; returns the server (killed
/// when dropped), its address and what it printed before listening.
fn spawn_server(dir: &Path, url: &str, args: &[&str]) -> (Server, SocketAddr, Vec<String>) {
    let mut child = command(dir, url, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sandoq serve");
    let stdout = child.stdout.take().unwrap();
    let stderr = drain(child.stderr.take().unwrap());
    let server = Server(child);

    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + TIMEOUT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix("sandoq listening on http://") {
                    return (server, rest.trim_end_matches('/').parse().unwrap(), seen);
                }
                seen.push(line);
            }
            Err(e) => {
                drop(server);
                panic!(
                    "no listening line ({e}); stdout: {seen:#?}; stderr: {}",
                    stderr.join().unwrap()
                );
            }
        }
    }
}

#[test]
fn serve_demo_answers_http() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "serve.db");
    let (server, addr, seen) = spawn_server(
        dir.path(),
        &url,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--demo",
            "--voters",
            "1000",
            "--now",
            "1405/02/11 09:00",
        ],
    );
    assert!(addr.ip().is_loopback(), "{addr}");
    assert_ne!(addr.port(), 0);
    let printed = seen.join("\n");
    assert!(
        printed.contains("hq-1405"),
        "demo logins not printed: {printed}"
    );

    let health = http(addr, "GET", "/healthz", None);
    assert_eq!(health.status, 200, "{}", health.body);

    let login = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        Some(r#"{"username":"hq","password":"hq-1405"}"#),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    let json: serde_json::Value = serde_json::from_str(&login.body).unwrap();
    let token = json["token"].as_str().unwrap_or_default();
    assert!(!token.is_empty(), "{json}");

    let wrong = http(
        addr,
        "POST",
        "/api/v1/auth/login",
        Some(r#"{"username":"hq","password":"not-the-password"}"#),
    );
    assert_eq!(wrong.status, 401, "{}", wrong.body);

    drop(server);
}

/// `sandoq serve` on a database `db` in `dir` with these arguments, expected to refuse them
/// (exit 1) before serving.
fn serve_refused(dir: &Path, db: &str, args: &[&str]) -> Run {
    let url = sqlite_url(dir, db);
    let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
    all.extend_from_slice(args);
    let run = sandoq(dir, &url, &all, "");
    assert_eq!(run.code, Some(1), "{run:#?}");
    run
}

/// A server of real data needs somewhere to send one-time codes (else nobody could register):
/// it says so and does not start (issue 15).
#[test]
fn serve_refuses_to_start_without_a_way_to_send_codes() {
    let dir = tempfile::tempdir().unwrap();
    let run = serve_refused(dir.path(), "real.db", &[]);
    assert!(run.stderr.contains("--sms-url"), "{}", run.stderr);
    assert!(run.stderr.contains("--sms-outbox"), "{}", run.stderr);
    let run = serve_refused(
        dir.path(),
        "real.db",
        &["--sms-url", "https://sms.example/send"],
    );
    assert!(run.stderr.contains("SANDOQ_SMS_KEY"), "{}", run.stderr);
}

/// A pinned clock is for a demo or a rehearsal: a server of real data refuses `--now` unless
/// told it is a rehearsal, before it opens the database (issue 15).
#[test]
fn serve_refuses_a_pinned_clock_on_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let run = serve_refused(dir.path(), "real.db", &["--now", "1405/02/11 09:00"]);
    assert!(
        run.stderr.contains("--allow-pinned-clock") && run.stderr.contains("--demo"),
        "{run:#?}"
    );
    assert!(!dir.path().join("real.db").exists(), "no database opened");
}

#[test]
fn serve_refuses_a_bad_now() {
    let dir = tempfile::tempdir().unwrap();
    let run = serve_refused(
        dir.path(),
        "now.db",
        &["--now", "tomorrow", "--allow-pinned-clock"],
    );
    assert!(run.stderr.contains("--now"), "{run:#?}");
}

// ---------------------------------------------------------------------------------------------
// CSV round trips

/// Export, import into a database with the geography but no stations, export again: the
/// same bytes. On SQLite and on PostgreSQL.
async fn station_csv_round_trip(url_a: &str, url_b: &str) {
    let dir = tempfile::tempdir().unwrap();
    let demo = sandoq(dir.path(), url_a, &SMALL_DEMO, "");
    assert_eq!(demo.code, Some(0), "{demo:#?}");
    let first = sandoq(dir.path(), url_a, &["export", "stations"], "");
    assert_eq!(first.code, Some(0), "{first:#?}");
    assert!(first.stdout.starts_with('\u{feff}'));
    assert_eq!(
        first.stdout.lines().count(),
        3_004,
        "header and 3,003 stations"
    );

    let empty = sandoq(
        dir.path(),
        url_b,
        &["demo", "--people", "200", "--no-stations", "--voters", "0"],
        "",
    );
    assert_eq!(empty.code, Some(0), "{empty:#?}");
    let none = sandoq(dir.path(), url_b, &["export", "stations"], "");
    assert_eq!(none.stdout.lines().count(), 1, "no stations yet");
    let file = dir.path().join("stations.csv");
    std::fs::write(&file, &first.stdout).unwrap();
    let imported = import(dir.path(), url_b, "stations", &file);
    assert_eq!(imported.code, Some(0), "{imported:#?}");
    assert!(
        imported.stdout.contains("imported 3003 stations"),
        "{imported:#?}"
    );
    let second = sandoq(dir.path(), url_b, &["export", "stations"], "");
    assert!(
        second.stdout == first.stdout,
        "the second export differs from the first"
    );

    // A bad file is refused whole, each bad row named by line, and the audit log is unchanged.
    let before = verify(dir.path(), url_b).stdout;
    let mut lines: Vec<&str> = first.stdout.lines().collect();
    let broken_row = lines[5].replacen(",urban,", ",village,", 1);
    lines[5] = &broken_row;
    let bad_council = lines[9].replacen(
        &lines[9].split(',').nth(3).unwrap().to_owned(),
        "9999999",
        1,
    );
    lines[9] = &bad_council;
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\r\n")).unwrap();
    let refused = import(dir.path(), url_b, "stations", &bad);
    assert_eq!(refused.code, Some(1), "{refused:#?}");
    assert!(refused.stderr.contains("bad.csv:6:"), "{}", refused.stderr);
    assert_eq!(verify(dir.path(), url_b).stdout, before, "nothing written");
    let after_bad = sandoq(dir.path(), url_b, &["export", "stations"], "");
    assert!(after_bad.stdout == first.stdout);
    // With the parse error fixed, the unknown council is reported by its line.
    let mut lines: Vec<&str> = first.stdout.lines().collect();
    lines[9] = &bad_council;
    std::fs::write(&bad, lines.join("\r\n")).unwrap();
    let refused = import(dir.path(), url_b, "stations", &bad);
    assert!(
        refused.stderr.contains("bad.csv:10:") && refused.stderr.contains("9999999"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn sqlite_station_csv_round_trip_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    station_csv_round_trip(
        &sqlite_url(dir.path(), "a.db"),
        &sqlite_url(dir.path(), "b.db"),
    )
    .await;
}

#[tokio::test]
async fn postgres_station_csv_round_trip_is_byte_identical() {
    let a = new_pg_database().await;
    let b = new_pg_database().await;
    station_csv_round_trip(&a, &b).await;
}

/// A real province, without the demo: its seed (JSON) loads into an empty database once, then its
/// stations come from a CSV file; a code given twice in the file is named by its line.
#[tokio::test]
async fn a_province_loads_from_its_seed_then_its_stations() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "seeded.db");
    let seed = sandoq(
        dir.path(),
        &url,
        &["demo", "--province-seed", "--people", "50"],
        "",
    );
    assert_eq!(seed.code, Some(0), "{seed:#?}");
    let province: domain::geo::ProvinceSeed = serde_json::from_str(&seed.stdout).unwrap();
    assert_eq!(province.counties.len(), 25);
    assert!(
        !dir.path().join("seeded.db").exists(),
        "printing a seed writes no database"
    );
    let file = dir.path().join("kerman.json");
    std::fs::write(&file, &seed.stdout).unwrap();

    let loaded = import(dir.path(), &url, "province", &file);
    assert_eq!(loaded.code, Some(0), "{loaded:#?}");
    assert!(loaded.stdout.contains("25 counties"), "{loaded:#?}");
    let again = import(dir.path(), &url, "province", &file);
    assert_eq!(again.code, Some(1), "{again:#?}");
    assert!(
        again.stderr.contains("استان از پیش وجود دارد"),
        "{again:#?}"
    );
    assert!(verify(dir.path(), &url)
        .stdout
        .contains("intact: 1 records"));

    let data = domain::demo::kerman(domain::demo::DemoOptions {
        seed: domain::demo::DemoOptions::default().seed,
        people: 50,
    })
    .unwrap();
    let mut stations = data.stations[..20].to_vec();
    stations.push(stations[3].clone());
    let csv = dir.path().join("stations.csv");
    std::fs::write(&csv, domain::csv_io::stations_to_csv(&stations)).unwrap();
    let twice = import(dir.path(), &url, "stations", &csv);
    assert_eq!(twice.code, Some(1), "{twice:#?}");
    assert!(
        twice.stderr.contains("stations.csv:22:") && twice.stderr.contains("تکرار"),
        "{}",
        twice.stderr
    );
    stations.pop();
    std::fs::write(&csv, domain::csv_io::stations_to_csv(&stations)).unwrap();
    let imported = import(dir.path(), &url, "stations", &csv);
    assert_eq!(imported.code, Some(0), "{imported:#?}");
    assert!(
        imported.stdout.contains("imported 20 stations"),
        "{imported:#?}"
    );
    assert!(verify(dir.path(), &url)
        .stdout
        .contains("intact: 2 records"));
}

// ---------------------------------------------------------------------------------------------
// The eligibility roll

fn roll_file(path: &Path, rows: &[String]) {
    let mut text = String::from("national_id,birth_date,council,status\r\n");
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    std::fs::write(path, text).unwrap();
}

fn roll_rows(councils: &[String], n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            let id = domain::ids::NationalId::with_check_digit(500_000_000 + i).unwrap();
            let birth = if i % 2 == 0 {
                "1360/01/15".to_owned()
            } else {
                "۱۳۷۰/۰۶/۰۱".to_owned()
            };
            format!(
                "{id},{birth},{},{}",
                councils[i as usize % councils.len()],
                if i % 50 == 0 { "deceased" } else { "alive" }
            )
        })
        .collect()
}

#[tokio::test]
async fn voter_roll_imports_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "roll.db");
    let demo = sandoq(
        dir.path(),
        &url,
        &["demo", "--people", "200", "--voters", "0"],
        "",
    );
    assert!(demo.success(), "{demo:#?}");
    let store = open(&url).await;
    let councils: Vec<String> = store
        .councils(
            &store::CouncilFilter::default(),
            store::PageRequest::new(1, 50),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|c| c.code)
        .collect();
    let rows = roll_rows(&councils, 30_000);
    let file = dir.path().join("roll.csv");
    roll_file(&file, &rows);
    let run = import(dir.path(), &url, "voters", &file);
    assert!(run.success(), "{run:#?}");
    assert!(run.stdout.contains("imported 30000 voters"), "{run:#?}");
    assert_eq!(store.roll_count("shora-7").await.unwrap(), 30_000);
    let first = store
        .voter("shora-7", &rows[1][..10])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        first.birth_date,
        time::macros::date!(1991 - 08 - 23),
        "Jalali 1370/06/01 in Persian digits"
    );
    let records = verify(dir.path(), &url).intact_count();

    // Three bad rows: all reported by line, nothing written.
    let mut bad = rows.clone();
    bad[3] = bad[3].replacen(&bad[3][..10], "0499370890", 1);
    bad[8] = bad[8].replacen("1360/01/15", "1360/13/15", 1);
    bad[10] = bad[10].replacen(&councils[10 % councils.len()], "9999999", 1);
    roll_file(&file, &bad);
    let refused = import(dir.path(), &url, "voters", &file);
    assert_eq!(refused.code, Some(1), "{refused:#?}");
    for line in [5, 10, 12] {
        assert!(
            refused.stderr.contains(&format!("roll.csv:{line}:")),
            "line {line}: {}",
            refused.stderr
        );
    }
    assert!(refused.stderr.contains("3 bad rows"), "{}", refused.stderr);
    assert_eq!(
        store.roll_count("shora-7").await.unwrap(),
        30_000,
        "the roll is unchanged"
    );
    assert_eq!(
        verify(dir.path(), &url).intact_count(),
        records,
        "nothing written"
    );

    // A national id twice: both lines named.
    let mut twice: Vec<String> = roll_rows(&councils, 1_000);
    twice[5] = twice[1].clone();
    roll_file(&file, &twice);
    let refused = import(dir.path(), &url, "voters", &file);
    assert_eq!(refused.code, Some(1), "{refused:#?}");
    assert!(
        refused.stderr.contains("roll.csv:3:") && refused.stderr.contains("roll.csv:7:"),
        "{}",
        refused.stderr
    );
    assert_eq!(store.roll_count("shora-7").await.unwrap(), 30_000);
    assert_eq!(verify(dir.path(), &url).intact_count(), records);
}
