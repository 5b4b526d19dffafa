//! Abadi's use cases: each command is one database transaction with one idempotency key. The clock and
//! ids come in from the shell ([`Clock`]), so the use cases stay testable.

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

/// A clock that always says the same instant: for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}
