//! The village funds' storage: funds with their dated rules and members (here and in `members`),
//! loans, the lottery, the close of day, health figures and statements.

use crate::tx::read_on_both;
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::fund::{BorrowerSelection, FUND_CHART, FundRules, LateRule, PaymentPart, RuleHistory, codes};
use domain::loan::{FeeRate, KarmozdMethod};
use domain::{AccountId, AccountKind, BookId, IsoDate, NationalId, PhoneNumber, PlacePath, Rials};
use sqlx::Row;
use sqlx::any::AnyRow;

pub(crate) mod closeday;
pub(crate) mod health;
pub(crate) mod loans;
pub(crate) mod lottery;
mod members;
pub(crate) mod statement;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::members::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fund {
    pub id: i64,
    pub place_id: i64,
    pub book_id: BookId,
    pub name: String,
    pub opened_on: IsoDate,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Unexpected(format!("stored {what} {value:?} is not valid"))
}

fn date(text: &str) -> StoreResult<IsoDate> {
    IsoDate::parse_iso(text).map_err(|_| corrupt("date", text))
}

fn fund_from_row(row: &AnyRow) -> StoreResult<Fund> {
    Ok(Fund {
        id: row.try_get("id")?,
        place_id: row.try_get("place_id")?,
        book_id: BookId(row.try_get("book_id")?),
        name: row.try_get("name")?,
        opened_on: date(&row.try_get::<String, _>("opened_on")?)?,
    })
}

fn u32_of(row: &AnyRow, column: &str) -> StoreResult<u32> {
    let value: i64 = row.try_get(column)?;
    u32::try_from(value).map_err(|_| corrupt(column, &value.to_string()))
}

fn rules_from_row(row: &AnyRow) -> StoreResult<(IsoDate, FundRules)> {
    let text = |c: &str| row.try_get::<String, _>(c);
    let rials = |c: &str| row.try_get::<i64, _>(c).map(Rials::new);
    let method = text("karmozd_method")?;
    let late = text("late_rule")?;
    let order = text("payment_order")?;
    let selection = text("selection")?;
    let rules = FundRules {
        monthly_savings: rials("monthly_savings_rials")?,
        min_membership_months: u32_of(row, "min_membership_months")?,
        savings_multiple_hundredths: u32_of(row, "savings_multiple_hundredths")?,
        loan_cap: rials("loan_cap_rials")?,
        term_months_min: u32_of(row, "term_months_min")?,
        term_months_max: u32_of(row, "term_months_max")?,
        karmozd_method: KarmozdMethod::parse(&method).map_err(|_| corrupt("karmozd method", &method))?,
        fee_rate: FeeRate::from_basis_points(u32_of(row, "fee_rate_basis_points")?)
            .map_err(|_| corrupt("fee rate", "out of range"))?,
        rounding_unit: rials("rounding_unit_rials")?,
        guarantors_required: u32_of(row, "guarantors_required")?,
        guarantor_ceiling: rials("guarantor_ceiling_rials")?,
        late_rule: LateRule::from_code(&late, rials("late_fixed_rials")?).ok_or_else(|| corrupt("late rule", &late))?,
        payment_order: PaymentPart::parse_order(&order).ok_or_else(|| corrupt("payment order", &order))?,
        selection: BorrowerSelection::parse(&selection).ok_or_else(|| corrupt("selection", &selection))?,
        second_approval_above: rials("second_approval_above_rials")?,
    };
    Ok((date(&text("effective_on")?)?, rules))
}

/// Checks rules a person typed before they are stored.
pub fn check_rules(rules: &FundRules) -> StoreResult<()> {
    let invalid = |m: &str| Err(StoreError::Invalid(m.to_string()));
    if rules.monthly_savings.is_negative() || rules.loan_cap.is_negative() || rules.guarantor_ceiling.is_negative() {
        return invalid("amounts in the rules cannot be negative");
    }
    if !rules.rounding_unit.is_positive() {
        return invalid("the rounding unit must be at least one rial");
    }
    if rules.term_months_min == 0 || rules.term_months_min > rules.term_months_max || rules.term_months_max > 360 {
        return invalid("the term range must run from at least 1 month up to at most 360 months");
    }
    if rules.guarantors_required > domain::fund::GUARANTORS_MAX {
        return invalid("a fund may require at most 5 guarantors");
    }
    Ok(())
}

async fn insert_rules(
    conn: &mut sqlx::AnyConnection,
    fund_id: i64,
    from: IsoDate,
    rules: &FundRules,
    now_ms: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fund_rules (fund_id, effective_on, monthly_savings_rials, min_membership_months, \
         savings_multiple_hundredths, loan_cap_rials, term_months_min, term_months_max, karmozd_method, \
         fee_rate_basis_points, rounding_unit_rials, guarantors_required, guarantor_ceiling_rials, late_rule, \
         late_fixed_rials, payment_order, selection, second_approval_above_rials, changed_at_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(fund_id)
    .bind(from.to_string())
    .bind(rules.monthly_savings.get())
    .bind(i64::from(rules.min_membership_months))
    .bind(i64::from(rules.savings_multiple_hundredths))
    .bind(rules.loan_cap.get())
    .bind(i64::from(rules.term_months_min))
    .bind(i64::from(rules.term_months_max))
    .bind(rules.karmozd_method.code())
    .bind(i64::from(rules.fee_rate.basis_points()))
    .bind(rules.rounding_unit.get())
    .bind(i64::from(rules.guarantors_required))
    .bind(rules.guarantor_ceiling.get())
    .bind(rules.late_rule.code())
    .bind(rules.late_rule.fixed_amount().get())
    .bind(PaymentPart::order_code(rules.payment_order))
    .bind(rules.selection.code())
    .bind(rules.second_approval_above.get())
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_account(
    conn: &mut sqlx::AnyConnection,
    book_id: BookId,
    code: &str,
    name: &str,
    kind: AccountKind,
    never_negative: bool,
    control_code: Option<&str>,
) -> StoreResult<AccountId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (book_id, code, name, kind, must_not_go_negative, balance_rials, control_code) \
         VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
    )
    .bind(book_id.0)
    .bind(code)
    .bind(name)
    .bind(kind.code())
    .bind(i64::from(never_negative))
    .bind(control_code)
    .fetch_one(&mut *conn)
    .await?;
    Ok(AccountId(id))
}

impl Store {
    /// Opens a fund at a village: its book with the fund chart, and its first rules — one transaction.
    pub async fn create_fund(
        &self,
        place_id: i64,
        name: &str,
        opened_on: IsoDate,
        rules: &FundRules,
        now_ms: i64,
    ) -> StoreResult<Fund> {
        let mut tx = self.begin().await?;
        let fund = tx.create_fund(place_id, name, opened_on, rules, now_ms).await?;
        tx.commit().await?;
        Ok(fund)
    }

    /// Records new rules from a date on; see [`StoreTx::change_fund_rules`].
    pub async fn change_fund_rules(
        &self,
        fund_id: i64,
        from: IsoDate,
        rules: &FundRules,
        now_ms: i64,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        tx.change_fund_rules(fund_id, from, rules, now_ms).await?;
        tx.commit().await
    }
}

impl StoreTx {
    /// Opens a fund at a village: its book with the fund chart, and its first rules.
    pub async fn create_fund(
        &mut self,
        place_id: i64,
        name: &str,
        opened_on: IsoDate,
        rules: &FundRules,
        now_ms: i64,
    ) -> StoreResult<Fund> {
        check_rules(rules)?;
        let name = domain::text::normalize_text(name);
        if name.is_empty() {
            return Err(StoreError::Invalid("a fund needs a name".into()));
        }
        self.place(place_id).await?;
        let tx: &mut sqlx::AnyConnection = &mut self.conn;
        let book_id: i64 = sqlx::query_scalar(
            "INSERT INTO books (place_id, kind, name, head_seq, head_hash, created_at_ms) VALUES ($1, 'fund', $2, 0, $3, $4) RETURNING id",
        )
        .bind(place_id)
        .bind(name.as_str())
        .bind(domain::books::GENESIS_HASH)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        for (code, account_name, kind, never_negative) in FUND_CHART {
            insert_account(tx, BookId(book_id), code, account_name, *kind, *never_negative, None).await?;
        }
        let fund_id: i64 = sqlx::query_scalar(
            "INSERT INTO funds (place_id, book_id, name, search_key, opened_on, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(place_id)
        .bind(book_id)
        .bind(name.as_str())
        .bind(domain::text::search_key(&name))
        .bind(opened_on.to_string())
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        insert_rules(tx, fund_id, opened_on, rules, now_ms).await?;
        self.fund(fund_id).await
    }

    /// Records new rules from a date on. Earlier versions stay, so past decisions can be explained.
    pub async fn change_fund_rules(
        &mut self,
        fund_id: i64,
        from: IsoDate,
        rules: &FundRules,
        now_ms: i64,
    ) -> StoreResult<()> {
        check_rules(rules)?;
        let fund = self.fund(fund_id).await?;
        if from < fund.opened_on {
            return Err(StoreError::Invalid(format!("rules cannot start before the fund opened ({})", fund.opened_on)));
        }
        sqlx::query("DELETE FROM fund_rules WHERE fund_id = $1 AND effective_on = $2")
            .bind(fund_id)
            .bind(from.to_string())
            .execute(&mut *self.conn)
            .await?;
        insert_rules(&mut self.conn, fund_id, from, rules, now_ms).await?;
        Ok(())
    }
}

pub(crate) async fn fund_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<Fund> {
    let row = sqlx::query("SELECT id, place_id, book_id, name, opened_on FROM funds WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "fund", id })?;
    fund_from_row(&row)
}

pub(crate) async fn fund_rules_on(conn: &mut sqlx::AnyConnection, fund_id: i64) -> StoreResult<RuleHistory> {
    let fund = fund_on(conn, fund_id).await?;
    let rows = sqlx::query("SELECT * FROM fund_rules WHERE fund_id = $1 ORDER BY effective_on")
        .bind(fund_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut versions = rows.iter().map(rules_from_row);
    let (first_on, first) = versions.next().ok_or(StoreError::NotFound { what: "rules of fund", id: fund_id })??;
    let mut history = RuleHistory::new(first_on.min(fund.opened_on), first);
    for version in versions {
        let (on, rules) = version?;
        history.change(on, rules);
    }
    Ok(history)
}

pub(crate) async fn fund_accounts_on(
    conn: &mut sqlx::AnyConnection,
    fund: &Fund,
) -> StoreResult<std::collections::HashMap<String, AccountId>> {
    let rows = sqlx::query("SELECT code, id FROM accounts WHERE book_id = $1 AND control_code IS NULL")
        .bind(fund.book_id.0)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|r| Ok((r.try_get("code")?, AccountId(r.try_get("id")?)))).collect()
}

pub(crate) async fn fund_account_on(conn: &mut sqlx::AnyConnection, fund: &Fund, code: &str) -> StoreResult<AccountId> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE book_id = $1 AND code = $2")
        .bind(fund.book_id.0)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    id.map(AccountId).ok_or_else(|| StoreError::Unexpected(format!("fund {} has no account {code}", fund.id)))
}

pub(crate) async fn fund_place_path_on(conn: &mut sqlx::AnyConnection, fund_id: i64) -> StoreResult<PlacePath> {
    let path: Option<String> =
        sqlx::query_scalar("SELECT p.path FROM funds f JOIN places p ON p.id = f.place_id WHERE f.id = $1")
            .bind(fund_id)
            .fetch_optional(&mut *conn)
            .await?;
    path.map(PlacePath::from_stored).ok_or(StoreError::NotFound { what: "fund", id: fund_id })
}

read_on_both!(
    /// The path of the place a fund lies at.
    fund_place_path(fund_id: i64) -> PlacePath = fund_place_path_on
);
read_on_both!(fund(id: i64) -> Fund = fund_on);
read_on_both!(
    /// The fund's rules, every version with its date.
    fund_rules(fund_id: i64) -> RuleHistory = fund_rules_on
);
read_on_both!(
    /// The fund chart's accounts by code (sub-accounts left out), in one query.
    fund_accounts(fund: &Fund) -> std::collections::HashMap<String, AccountId> = fund_accounts_on
);
read_on_both!(
    /// The id of one of the fund chart's accounts.
    fund_account(fund: &Fund, code: &str) -> AccountId = fund_account_on
);

impl Store {
    /// Every fund with the path of its place, by name; with `under`, only the funds at that place or
    /// below it.
    pub async fn funds_with_places(&self, under: Option<&PlacePath>) -> StoreResult<Vec<(Fund, PlacePath)>> {
        let rows = sqlx::query(
            "SELECT f.id, f.place_id, f.book_id, f.name, f.opened_on, p.path FROM funds f JOIN places p ON p.id = f.place_id \
             WHERE p.path LIKE $1 ORDER BY f.name, f.id",
        )
        .bind(format!("{}%", under.map_or("/", PlacePath::as_str)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((fund_from_row(r)?, PlacePath::from_stored(r.try_get("path")?)))).collect()
    }
}

/// The organisation's money moving in or out of a fund, as its entry holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapitalRecord {
    pub seq: domain::EntrySeq,
    pub on: IsoDate,
    /// `capital.loan`, `capital.grant` or `capital.repay`.
    pub code: String,
    /// Where the money came from, or what the repayment settles (the entry's memo).
    pub source: String,
    pub amount: Rials,
}

impl Store {
    /// A fund's capital injections and capital repayments, oldest first.
    pub async fn capital_records(&self, fund_id: i64) -> StoreResult<Vec<CapitalRecord>> {
        let fund = self.fund(fund_id).await?;
        let rows = sqlx::query(
            "SELECT e.seq, e.effective_on, e.code, e.memo, \
             (SELECT CAST(SUM(ABS(p.amount_rials)) / 2 AS BIGINT) FROM postings p \
              WHERE p.book_id = e.book_id AND p.entry_seq = e.seq) AS amount \
             FROM entries e WHERE e.book_id = $1 AND e.code IN ('capital.loan', 'capital.grant', 'capital.repay') \
             ORDER BY e.seq",
        )
        .bind(fund.book_id.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let on: String = row.try_get("effective_on")?;
                Ok(CapitalRecord {
                    seq: domain::EntrySeq(row.try_get("seq")?),
                    on: IsoDate::parse_iso(&on).map_err(|_| crate::books::corrupt("date", &on))?,
                    code: row.try_get("code")?,
                    source: row.try_get("memo")?,
                    amount: Rials::new(row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0)),
                })
            })
            .collect()
    }
}
