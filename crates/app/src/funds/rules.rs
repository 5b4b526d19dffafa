//! Opening a fund and changing its rules: an officer's commands.

use super::snapshots;
use crate::kernel::access;
use crate::kernel::snapshot::NOTHING;
use crate::{Actor, Audited, Clock, command};
use domain::access::Action;
use domain::fund::FundRules;
use domain::{IsoDate, PlaceKind, PlacePath};
use store::{Fund, Store, StoreError, StoreResult};

/// Opens a fund at a village with `rules`; the fund and its place's path.
pub async fn open_fund(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    place_id: i64,
    name: &str,
    opened_on: IsoDate,
    rules: &FundRules,
) -> StoreResult<(Fund, PlacePath)> {
    command(store, clock, actor, "fund.open", async |tx| {
        let place = access::place_in(tx, actor, Action::Oversee, place_id).await?;
        if place.kind != PlaceKind::Village {
            return Err(StoreError::Invalid("a fund opens at a village".into()));
        }
        let fund = tx.create_fund(place_id, name, opened_on, rules, clock.now_ms()).await?;
        let after = snapshots::fund(&fund, &place.path);
        let audited = Audited::new(format!("fund:{}", fund.id), &place.path, NOTHING, after);
        Ok(((fund, place.path), Some(audited)))
    })
    .await
}

/// Changes the fund's rules from `from` on: `edit` gets the rules in force on that day and answers
/// the new ones (or refuses, and nothing is written). The rules before and after.
pub async fn change_rules<E: From<StoreError>>(
    store: &Store,
    clock: &dyn Clock,
    actor: &Actor,
    fund_id: i64,
    from: IsoDate,
    edit: impl FnOnce(FundRules) -> Result<FundRules, E>,
) -> Result<(FundRules, FundRules), E> {
    command(store, clock, actor, "fund.rules", async |tx| {
        let place = access::fund_in(tx, actor, Action::Oversee, fund_id).await?;
        let before = tx.fund_rules(fund_id).await?.on(from).clone();
        let after = edit(before.clone())?;
        tx.change_fund_rules(fund_id, from, &after, clock.now_ms()).await?;
        let audited = Audited::new(
            format!("fund:{fund_id}"),
            &place,
            snapshots::rules(from, &before),
            snapshots::rules(from, &after),
        );
        Ok(((before, after), Some(audited)))
    })
    .await
}
