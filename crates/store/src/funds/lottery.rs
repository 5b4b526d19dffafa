//! The monthly lottery: entrants are the members eligible on the draw date who have not won in this
//! cycle; the seed, the entrants and the digest are recorded with the winner, so anyone can recompute
//! the draw.

use crate::funds::fund_rules_on;
use crate::tx::{read_on_both, write_on_both};
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::IsoDate;
use domain::fund::{LotteryDraw, draw_lottery, whole_months_between};
use sqlx::Row;

/// A recorded draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawRecord {
    pub id: i64,
    pub fund_id: i64,
    pub cycle: String,
    pub drawn_on: IsoDate,
    pub draw: LotteryDraw,
}

impl Store {
    /// Draws and records the winner. Refused when nobody is eligible or the seed is empty.
    pub(crate) async fn draw_lottery_in(
        &self,
        tx: &mut StoreTx,
        fund_id: i64,
        on: IsoDate,
        cycle: &str,
        seed: &str,
        now_ms: i64,
    ) -> StoreResult<DrawRecord> {
        let cycle = cycle.trim();
        if cycle.is_empty() {
            return Err(StoreError::Invalid("name the lottery's cycle, such as the year 1403".into()));
        }
        let entrants = tx.lottery_entrants(fund_id, on, cycle).await?;
        let draw = draw_lottery(seed, &entrants).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO lottery_draws (fund_id, cycle, drawn_on, seed, entrants, digest, winner_member_id, drawn_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(fund_id)
        .bind(cycle)
        .bind(on.to_string())
        .bind(draw.seed.as_str())
        .bind(draw.entrants.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
        .bind(draw.digest_hex.as_str())
        .bind(draw.winner)
        .bind(now_ms)
        .fetch_one(tx.conn())
        .await?;
        Ok(DrawRecord { id, fund_id, cycle: cycle.to_string(), drawn_on: on, draw })
    }
}

impl Store {
    /// A fund's draws, newest first.
    pub async fn lottery_draws(&self, fund_id: i64) -> StoreResult<Vec<DrawRecord>> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM lottery_draws WHERE fund_id = $1 ORDER BY id DESC")
            .bind(fund_id)
            .fetch_all(&self.pool)
            .await?;
        let mut draws = Vec::with_capacity(ids.len());
        for id in ids {
            draws.push(self.lottery_draw(id).await?);
        }
        Ok(draws)
    }
}

pub(crate) async fn lottery_entrants_on(
    conn: &mut sqlx::AnyConnection,
    fund_id: i64,
    on: IsoDate,
    cycle: &str,
) -> StoreResult<Vec<i64>> {
    let rules = fund_rules_on(conn, fund_id).await?.on(on).clone();
    let rows = sqlx::query(
        "SELECT m.id AS id, m.joined_on AS joined_on FROM members m WHERE m.fund_id = $1 AND m.left_on IS NULL \
         AND m.joined_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.member_id = m.id AND l.status IN ('requested', 'approved', 'disbursed')) \
         AND NOT EXISTS (SELECT 1 FROM lottery_draws d WHERE d.fund_id = m.fund_id AND d.cycle = $3 AND d.winner_member_id = m.id) \
         ORDER BY m.id",
    )
    .bind(fund_id)
    .bind(on.to_string())
    .bind(cycle)
    .fetch_all(&mut *conn)
    .await?;
    let mut entrants = Vec::with_capacity(rows.len());
    for row in rows {
        let joined: String = row.try_get("joined_on")?;
        let joined =
            IsoDate::parse_iso(&joined).map_err(|_| StoreError::Unexpected(format!("stored date {joined:?}")))?;
        if whole_months_between(joined, on) >= rules.min_membership_months {
            entrants.push(row.try_get("id")?);
        }
    }
    Ok(entrants)
}

read_on_both!(
    /// The members who may enter a draw on a date: active, long enough in the fund, with no open loan,
    /// and not yet winners in this cycle.
    lottery_entrants(fund_id: i64, on: IsoDate, cycle: &str) -> Vec<i64> = lottery_entrants_on
);

pub(crate) async fn lottery_draw_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<DrawRecord> {
    let row = sqlx::query("SELECT * FROM lottery_draws WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "lottery draw", id })?;
    let corrupt = |what: &str| StoreError::Unexpected(format!("lottery draw {id} has a broken {what}"));
    let entrants: String = row.try_get("entrants")?;
    let drawn_on: String = row.try_get("drawn_on")?;
    Ok(DrawRecord {
        id,
        fund_id: row.try_get("fund_id")?,
        cycle: row.try_get("cycle")?,
        drawn_on: IsoDate::parse_iso(&drawn_on).map_err(|_| corrupt("date"))?,
        draw: LotteryDraw {
            seed: row.try_get("seed")?,
            entrants: entrants
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().map_err(|_| corrupt("entrant list")))
                .collect::<StoreResult<_>>()?,
            digest_hex: row.try_get("digest")?,
            winner: row.try_get("winner_member_id")?,
        },
    })
}

read_on_both!(
    /// A recorded draw, as it was published.
    lottery_draw(id: i64) -> DrawRecord = lottery_draw_on
);

write_on_both!(
    draw_lottery = draw_lottery_in(fund_id: i64, on: IsoDate, cycle: &str, seed: &str, now_ms: i64) -> DrawRecord,
    audit "lottery.draw", format!("fund:{fund_id}"), 0
);
