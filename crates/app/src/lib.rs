//! Abadi's use cases: each command is one database transaction with one idempotency key. The clock and
//! ids come in from the shell ([`Clock`]), so the use cases stay testable.

pub mod auth;
pub mod books;
pub mod export;
pub mod funds;
pub mod import;
pub mod workload;

pub use store::{Store, StoreError};

/// Where "now" comes from. The core never reads the clock; the shells pass one in.
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Today's date in Iran (UTC+03:30), from the clock: the business day the shells default to.
pub fn today_in_iran(clock: &dyn Clock) -> domain::JalaliDate {
    let local_ms = clock.now_ms() + 210 * 60 * 1_000;
    // 1970-01-01 is day 719,163 counted from 0001-01-01.
    domain::IsoDate::from_day_number(719_163 + local_ms.div_euclid(86_400_000)).to_jalali()
}

/// A clock that always says the same instant: for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}
