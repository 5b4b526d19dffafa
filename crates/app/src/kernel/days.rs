//! The close of day: the system's own change, run by the server every hour and by `abadi close-day`.
//! Each day closed is one transaction with its `day.close` audit record (written by the store).

use crate::Clock;
use domain::IsoDate;
use store::{CloseReport, Store, StoreResult};

/// Closes every day after the last closed one up to and including `until` (a day already closed is
/// not closed again): loans' days past due and late penalties as of each day's end.
pub async fn close_days_until(store: &Store, clock: &dyn Clock, until: IsoDate) -> StoreResult<CloseReport> {
    store.close_days_until(until, clock.now_ms()).await
}

/// Yesterday in Iran: the last day the server may close.
pub fn yesterday(clock: &dyn Clock) -> IsoDate {
    crate::today_in_iran(clock).to_iso().add_days(-1)
}
