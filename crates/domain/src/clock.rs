//! Time is injected. The domain never reads the clock; the server passes a [`Clock`].

use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
    /// True when the clock does not follow real time (a demo or a test), so the UI can say so.
    fn is_pinned(&self) -> bool {
        false
    }
}

/// The real clock. The only place in the workspace allowed to read the system time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that starts at a pinned instant and then runs on with real time, so that a demo
/// pinned to election day still sees sessions expire and audit times advance.
#[derive(Debug, Clone)]
pub struct PinnedClock {
    pinned: OffsetDateTime,
    started: std::time::Instant,
}

impl PinnedClock {
    pub fn new(pinned: OffsetDateTime) -> Self {
        Self {
            pinned,
            started: std::time::Instant::now(),
        }
    }
}

impl Clock for PinnedClock {
    fn now(&self) -> OffsetDateTime {
        let elapsed =
            time::Duration::try_from(self.started.elapsed()).unwrap_or(time::Duration::ZERO);
        self.pinned + elapsed
    }
    fn is_pinned(&self) -> bool {
        true
    }
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<Mutex<OffsetDateTime>>);

impl FixedClock {
    pub fn new(at: OffsetDateTime) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            *t += by;
        }
    }
    pub fn set(&self, at: OffsetDateTime) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0.lock().map_or(OffsetDateTime::UNIX_EPOCH, |t| *t)
    }
    fn is_pinned(&self) -> bool {
        true
    }
}

/// Truncates to whole microseconds: both stores keep microseconds, and the audit hash must
/// see the same instant that is read back.
pub fn to_micros(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000) as i64
}

pub fn from_micros(us: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
