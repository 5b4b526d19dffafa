//! Who may do what, asked in one place for every door: a target outside the actor's scope is
//! answered as "not found", as if it did not exist. Reads ask through the [`Store`]; commands ask
//! inside their own transaction, so the answer holds for what they then write.

use crate::Actor;
use domain::PlacePath;
use domain::access::{Action, Grant, Target, allows};
use store::{Store, StoreError, StoreResult, StoreTx};

fn hidden(what: &'static str, id: i64) -> StoreError {
    StoreError::NotFound { what, id }
}

/// The target as "not found" unless `grant` allows `action` on it.
fn check(
    grant: &Grant,
    action: Action,
    place: &PlacePath,
    fund_id: Option<i64>,
    what: &'static str,
    id: i64,
) -> StoreResult<()> {
    if allows(grant, action, Target { place, fund_id }) { Ok(()) } else { Err(hidden(what, id)) }
}

/// Renames "not found" to the thing asked about (a loan of a fund out of scope is a loan not found).
fn as_missing<T>(result: StoreResult<T>, what: &'static str, id: i64) -> StoreResult<T> {
    result.map_err(|e| match e {
        StoreError::NotFound { .. } => hidden(what, id),
        other => other,
    })
}

/// The fund's place, if `grant` allows `action` on the fund.
pub async fn fund(store: &Store, grant: &Grant, action: Action, fund_id: i64) -> StoreResult<PlacePath> {
    let place = store.fund_place_path(fund_id).await?;
    check(grant, action, &place, Some(fund_id), "fund", fund_id)?;
    Ok(place)
}

/// The loan and its fund's place, if `grant` allows `action` on the loan's fund.
pub async fn loan(store: &Store, grant: &Grant, action: Action, loan_id: i64) -> StoreResult<(store::Loan, PlacePath)> {
    let loan = store.loan(loan_id).await?;
    let place = as_missing(fund(store, grant, action, loan.fund_id).await, "loan", loan_id)?;
    Ok((loan, place))
}

/// The member and their fund's place, if `grant` allows `action` on the member's fund.
pub async fn member(
    store: &Store,
    grant: &Grant,
    action: Action,
    member_id: i64,
) -> StoreResult<(store::Member, PlacePath)> {
    let member = store.member(member_id).await?;
    let place = as_missing(fund(store, grant, action, member.fund_id).await, "member", member_id)?;
    Ok((member, place))
}

/// A place, if `grant` allows `action` there.
pub async fn place(store: &Store, grant: &Grant, action: Action, place_id: i64) -> StoreResult<store::Place> {
    let place = store.place(place_id).await?;
    check(grant, action, &place.path, None, "place", place_id)?;
    Ok(place)
}

/// The fund's place, if the actor may do `action` on the fund: asked inside the command.
pub async fn fund_in(tx: &mut StoreTx, actor: &Actor, action: Action, fund_id: i64) -> StoreResult<PlacePath> {
    let place = tx.fund_place_path(fund_id).await?;
    check(&actor.grant, action, &place, Some(fund_id), "fund", fund_id)?;
    Ok(place)
}

/// The loan as it stands and its fund's place, if the actor may do `action` on it.
pub async fn loan_in(
    tx: &mut StoreTx,
    actor: &Actor,
    action: Action,
    loan_id: i64,
) -> StoreResult<(store::Loan, PlacePath)> {
    let loan = tx.loan(loan_id).await?;
    let place = as_missing(fund_in(tx, actor, action, loan.fund_id).await, "loan", loan_id)?;
    Ok((loan, place))
}

/// The member as they stand and their fund's place, if the actor may do `action` there.
pub async fn member_in(
    tx: &mut StoreTx,
    actor: &Actor,
    action: Action,
    member_id: i64,
) -> StoreResult<(store::Member, PlacePath)> {
    let member = tx.member(member_id).await?;
    let place = as_missing(fund_in(tx, actor, action, member.fund_id).await, "member", member_id)?;
    Ok((member, place))
}

/// A place, if the actor may do `action` there: asked inside the command.
pub async fn place_in(tx: &mut StoreTx, actor: &Actor, action: Action, place_id: i64) -> StoreResult<store::Place> {
    let place = tx.place(place_id).await?;
    check(&actor.grant, action, &place.path, None, "place", place_id)?;
    Ok(place)
}
