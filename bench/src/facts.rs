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
