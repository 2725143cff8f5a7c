//! wrk (Debian package `wrk`) as a load tool: finding it, running it with a Lua script that
//! prints one `SANDOQ_WRK_RESULT {json}` line from its `done` hook, and reading that line.
//!
//! wrk runs as a separate process with its own threads (`-t`), so its CPU can be told from the
//! server's; it costs much less per request than the in-process hyper client of [`crate::load`].

use anyhow::{anyhow, bail, Context};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The prefix of the line the script's `done` prints.
pub const RESULT_PREFIX: &str = "SANDOQ_WRK_RESULT ";

/// The wrk program: `option` when given, else `wrk` on PATH, else /usr/bin/wrk.
pub fn find(option: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = option {
        return p.is_file().then(|| p.to_owned());
    }
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join("wrk"))
                .find(|p| p.is_file())
        })
        .or_else(|| {
            let p = PathBuf::from("/usr/bin/wrk");
            p.is_file().then_some(p)
        })
}

/// wrk's version line (`wrk -v` prints it before its usage and exits 1).
pub async fn version(program: &Path) -> String {
    match tokio::process::Command::new(program)
        .arg("-v")
        .output()
        .await
    {
        Ok(out) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .map(|l| l.split(" Copyright").next().unwrap_or(l).trim().to_owned())
            .unwrap_or_default(),
        Err(e) => format!("unknown ({e})"),
    }
}

/// One run: `wrk -t threads -c connections -d backstop_secs --latency --timeout 10s -s script url`,
/// with `SANDOQ_WRK_PLAN=plan` in its environment.
pub struct Invocation {
    pub program: PathBuf,
    pub script: PathBuf,
    pub plan: PathBuf,
    pub url: String,
    pub connections: usize,
    pub threads: usize,
    /// wrk's `-d`: the script stops its threads on its own before, this is the backstop.
    pub backstop_secs: u64,
}

/// wrk's own error counts (`summary.errors`). `status` counts every reply of status 400 and
/// above, the expected 409s included.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Errors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub status: u64,
    pub timeout: u64,
}

impl Errors {
    /// Transport errors: connect, read, write and timeouts (not statuses).
    pub fn socket(&self) -> u64 {
        self.connect + self.read + self.write + self.timeout
    }
}

/// What a run measured, as the script and wrk report it.
#[derive(Debug, Clone)]
pub struct Run {
    /// Requests sent (never counting wrk's own dry run of the first thread's `request`).
    pub sent: u64,
    /// Replies read.
    pub answered: u64,
    /// Replies the script did not expect (status or body).
    pub unexpected: u64,
    /// Threads whose slice of the plan ran out before their time was up.
    pub threads_exhausted: u64,
    /// From the first request sent to the last reply read, over all threads.
    pub secs: f64,
    pub statuses: BTreeMap<u16, u64>,
    /// wrk's latency percentiles (with its coordinated-omission correction), in ms.
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub errors: Errors,
    /// wrk's own CPU time, user and system, in seconds.
    pub cpu_secs: f64,
}

impl Run {
    /// Replies per second over [`Run::secs`].
    pub fn rps(&self) -> f64 {
        if self.secs > 0.0 {
            (self.answered as f64 / self.secs * 10.0).round() / 10.0
        } else {
            0.0
        }
    }

    /// Requests sent and never answered: only when wrk's `-d` stopped a thread still waiting.
    pub fn unanswered(&self) -> u64 {
        self.sent.saturating_sub(self.answered)
    }

    /// The replies of one status.
    pub fn status(&self, code: u16) -> u64 {
        self.statuses.get(&code).copied().unwrap_or(0)
    }
}

fn ms(us: &Value) -> f64 {
    us.as_f64().map_or(0.0, |v| v.round() / 1e3)
}

fn count(v: &Value, key: &str) -> anyhow::Result<u64> {
    v.get(key)
        .and_then(Value::as_f64)
        .map(|n| n as u64)
        .ok_or_else(|| anyhow!("no number `{key}` in wrk's result: {v}"))
}

/// Reads the script's result line out of wrk's standard output.
pub fn parse(stdout: &str) -> anyhow::Result<Run> {
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX))
        .ok_or_else(|| anyhow!("no `{RESULT_PREFIX}…` line in wrk's output"))?;
    let v: Value = serde_json::from_str(line).with_context(|| format!("wrk's result: {line}"))?;
    let mut statuses = BTreeMap::new();
    if let Some(map) = v.get("statuses").and_then(Value::as_object) {
        for (code, n) in map {
            let code: u16 = code
                .parse()
                .with_context(|| format!("a status `{code}` in wrk's result"))?;
            statuses.insert(code, n.as_f64().map_or(0, |n| n as u64));
        }
    }
    let latency = v.get("latency_us").cloned().unwrap_or(Value::Null);
    let errors = v.get("errors").cloned().unwrap_or(Value::Null);
    Ok(Run {
        sent: count(&v, "sent")?,
        answered: count(&v, "answered")?,
        unexpected: count(&v, "unexpected")?,
        threads_exhausted: count(&v, "threads_exhausted")?,
        secs: v.get("secs").and_then(Value::as_f64).unwrap_or(0.0),
        statuses,
        p50_ms: ms(&latency["p50"]),
        p90_ms: ms(&latency["p90"]),
        p99_ms: ms(&latency["p99"]),
        max_ms: ms(&latency["max"]),
        mean_ms: ms(&latency["mean"]),
        errors: Errors {
            connect: count(&errors, "connect")?,
            read: count(&errors, "read")?,
            write: count(&errors, "write")?,
            status: count(&errors, "status")?,
            timeout: count(&errors, "timeout")?,
        },
        cpu_secs: 0.0,
    })
}

/// Runs wrk and reads its result. Fails when wrk fails or prints no result; judging the
/// replies is the caller's.
pub async fn run(inv: &Invocation) -> anyhow::Result<Run> {
    let threads = inv.threads.clamp(1, inv.connections.max(1));
    let mut command = tokio::process::Command::new(&inv.program);
    command
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &inv.connections.to_string(),
            "-d",
            &format!("{}s", inv.backstop_secs),
            "--timeout",
            "10s",
            "--latency",
            "-s",
        ])
        .arg(&inv.script)
        .arg(&inv.url)
        .env("SANDOQ_WRK_PLAN", &inv.plan)
        .kill_on_drop(true);
    let cpu_before = crate::facts::children_cpu_secs();
    let limit = Duration::from_secs(inv.backstop_secs + 60);
    let output = tokio::time::timeout(limit, command.output())
        .await
        .map_err(|_| anyhow!("wrk did not finish within {} s", limit.as_secs()))?
        .with_context(|| format!("cannot run {}", inv.program.display()))?;
    let cpu_secs = crate::facts::children_cpu_secs() - cpu_before;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        bail!("wrk failed ({}):\n{stdout}{stderr}", output.status);
    }
    let mut run = parse(&stdout).with_context(|| format!("wrk printed:\n{stdout}{stderr}"))?;
    run.cpu_secs = cpu_secs.max(0.0);
    if run.unexpected > 0 {
        bail!(
            "{} unexpected replies ({:?}):\n{stderr}",
            run.unexpected,
            run.statuses
        );
    }
    if run.errors.socket() > 0 {
        bail!(
            "wrk saw transport errors ({:?}):\n{stdout}{stderr}",
            run.errors
        );
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_result_line() {
        let out = "Running 12s test @ http://127.0.0.1:1/\n\
            SANDOQ_WRK_RESULT {\"threads\":2,\"sent\":120,\"answered\":120,\"unexpected\":0,\
            \"threads_exhausted\":1,\"secs\":1.5,\"statuses\":{\"201\":110,\"409\":10},\
            \"latency_us\":{\"p50\":1500,\"p90\":2000,\"p99\":4321,\"max\":9000,\"mean\":1600.5},\
            \"summary\":{\"requests\":120,\"duration_us\":3000175,\"bytes\":16490},\
            \"errors\":{\"connect\":0,\"read\":0,\"write\":0,\"status\":10,\"timeout\":0}}\n";
        let run = parse(out).unwrap();
        assert_eq!(run.sent, 120);
        assert_eq!(run.status(201), 110);
        assert_eq!(run.status(409), 10);
        assert_eq!(run.threads_exhausted, 1);
        assert!((run.p99_ms - 4.321).abs() < 1e-9);
        assert!((run.rps() - 80.0).abs() < 1e-9);
        assert_eq!(run.errors.status, 10);
        assert_eq!(run.errors.socket(), 0);
        assert!(parse("no result\n").is_err());
    }
}
