//! The lottery: a published seed, its entrants and its winner, recorded and audited as one command.

use super::snapshots;
use crate::kernel::access;
use crate::kernel::snapshot::NOTHING;
use crate::{Actor, Audited, Clock, command};
use domain::IsoDate;
use domain::access::Action;
use store::{DrawRecord, Store, StoreResult};

/// Draws the fund's lottery of `cycle` on `on` with a seed given in public, and records it.
pub async fn draw(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    on: IsoDate,
    cycle: &str,
    seed: &str,
) -> StoreResult<DrawRecord> {
    command(store, clock, actor, "lottery.draw", async |tx| {
        let place = access::fund_in(tx, actor, Action::Operate, fund_id).await?;
        let record = tx.draw_lottery(fund_id, on, cycle, seed, clock.now_ms()).await?;
        let audited = Audited::new(format!("draw:{}", record.id), &place, NOTHING, snapshots::draw(&record));
        Ok((record, Some(audited)))
    })
    .await
}
