//! Abadi's use cases: each command is one database transaction with one idempotency key. The clock and
//! ids come in from the shell ([`Clock`]), so the use cases stay testable.

pub mod demo;
pub mod funds;
pub mod kernel;
pub mod model;
pub mod render;
pub mod solar;
pub mod workload;

pub use funds::import;
pub use kernel::door::{Actor, Audited, command};
pub use kernel::{access, auth, books, days, door, export, jobs, report};
/// Test support (a fresh SQLite file or PostgreSQL database per test, loud skips), for the shells' tests.
pub use store::testing;
pub use store::{Store, StoreError, StoreTx};

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

/// Iran's offset from UTC (+03:30; Iran keeps no daylight saving time since 1401).
const IRAN_OFFSET_MS: i64 = 210 * 60 * 1_000;
/// 1970-01-01 is day 719,163 counted from 0001-01-01.
const UNIX_EPOCH_DAY: i64 = 719_163;
const DAY_MS: i64 = 86_400_000;

/// Today's date in Iran (UTC+03:30), from the clock: the business day the shells default to.
pub fn today_in_iran(clock: &dyn Clock) -> domain::JalaliDate {
    moment_in_iran(clock.now_ms()).0.to_jalali()
}

/// An instant (milliseconds since the epoch) as the day in Iran and the minutes past its midnight.
pub fn moment_in_iran(at_ms: i64) -> (domain::IsoDate, u32) {
    let local_ms = at_ms + IRAN_OFFSET_MS;
    let minutes = u32::try_from(local_ms.rem_euclid(DAY_MS) / 60_000).unwrap_or(0);
    (domain::IsoDate::from_day_number(UNIX_EPOCH_DAY + local_ms.div_euclid(DAY_MS)), minutes)
}

/// The instant a day begins in Iran, in milliseconds since the epoch.
pub fn day_start_in_iran_ms(day: domain::IsoDate) -> i64 {
    (day.to_day_number() - UNIX_EPOCH_DAY) * DAY_MS - IRAN_OFFSET_MS
}

/// A clock that always says the same instant: for tests.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub i64);

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_read_in_iran_time() {
        // 2026-11-27 12:00 UTC is 15:30 in Tehran, on 1405/09/06.
        let (day, minutes) = moment_in_iran(1_795_780_800_000);
        assert_eq!((day.to_string(), minutes), ("2026-11-27".to_string(), 15 * 60 + 30));
        assert_eq!(today_in_iran(&FixedClock(1_795_780_800_000)).to_string(), "1405/09/06");
        // Just before midnight UTC is already the next day in Tehran.
        let (late, _) = moment_in_iran(1_795_780_800_000 + 11 * 3_600_000);
        assert_eq!(late.to_string(), "2026-11-28");
        // The day begins at 20:30 UTC the evening before.
        assert_eq!(day_start_in_iran_ms(day), 1_795_780_800_000 - 15 * 3_600_000 - 30 * 60_000);
        assert_eq!(moment_in_iran(day_start_in_iran_ms(day)), (day, 0));
    }
}
