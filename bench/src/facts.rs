//! Facts about the machine and the process that the figures depend on.

use serde_json::{json, Value};

/// The machine: cores, load, CPU, build. The server and the clients share the machine, so the
/// load of the last minute matters when reading a tail latency.
pub fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        });
    json!({
        "nproc": std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
        "loadavg_1m": loadavg_1m(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "cpu": cpu,
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

/// The load of the machine over the last minute: other work on a small machine moves the tail
/// latencies a lot (and so does the benchmark's own work just before the figure is read).
pub fn loadavg_1m() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| {
            text.split_whitespace()
                .next()
                .and_then(|v| v.parse::<f64>().ok())
        })
}

/// A field of /proc/self/status (`VmRSS:`, `VmHWM:`, …) in KiB; 0 when it cannot be read.
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// KiB as MiB, to a tenth.
pub fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

/// Clock ticks per second of the CPU times in /proc (`USER_HZ`, 100 on Linux).
const USER_HZ: f64 = 100.0;

/// The fields of a /proc `stat` line after the command name, which is in parentheses and may
/// hold spaces: the first is the state (field 3 of proc(5)).
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default()
}

/// Fields `first` and `first + 1` of proc(5)'s numbering, as clock ticks in seconds.
fn ticks(fields: &[&str], first: usize) -> f64 {
    let at = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (at(first) + at(first + 1)) / USER_HZ
}

/// CPU seconds (user and system) of the children this process has waited for (`cutime` and
/// `cstime` of /proc/self/stat): a child's CPU once it has exited.
pub fn children_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat").map_or(0.0, |s| ticks(&stat_fields(&s), 16))
}

/// CPU seconds (user and system) of the whole process, its exited threads included.
pub fn process_cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat").map_or(0.0, |s| ticks(&stat_fields(&s), 14))
}

/// CPU seconds (user and system) of each live thread of this process, by thread id, with the
/// thread's name (`comm`).
pub fn thread_cpu_secs() -> std::collections::BTreeMap<u32, (String, f64)> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.filter_map(Result::ok) {
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        let name = stat
            .split_once('(')
            .and_then(|(_, rest)| rest.rsplit_once(')'))
            .map_or_else(String::new, |(name, _)| name.to_owned());
        out.insert(tid, (name, ticks(&stat_fields(&stat), 14)));
    }
    out
}

/// The machine's CPU time from /proc/stat, in seconds summed over the cores: (busy, idle,
/// waiting on I/O).
pub fn machine_cpu_secs() -> (f64, f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return (0.0, 0.0, 0.0);
    };
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return (0.0, 0.0, 0.0);
    };
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let get = |i: usize| v.get(i).copied().unwrap_or(0.0) / USER_HZ;
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    (busy, get(3), get(4))
}

/// Bytes this process has caused to be sent to storage (`write_bytes` of /proc/self/io); 0 when
/// it cannot be read.
pub fn io_write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

/// `x` rounded to `places` decimal places, for figures printed as JSON.
pub fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}
