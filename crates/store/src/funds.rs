//! Village funds, their dated rules and their members.

use crate::tx::read_on_both;
use crate::{Store, StoreError, StoreResult, StoreTx};
use domain::fund::{BorrowerSelection, FUND_CHART, FundRules, LateRule, PaymentPart, RuleHistory, codes};
use domain::loan::{FeeRate, KarmozdMethod};
use domain::{AccountId, AccountKind, BookId, IsoDate, NationalId, PhoneNumber, PlacePath, Rials};
use sqlx::Row;
use sqlx::any::AnyRow;

/// Members a search returns at most.
pub const MEMBER_SEARCH_RESULTS_MAX: i64 = 50;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fund {
    pub id: i64,
    pub place_id: i64,
    pub book_id: BookId,
    pub name: String,
    pub opened_on: IsoDate,
}

/// A person joining a fund, already parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMember {
    pub national_id: NationalId,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub phone: Option<PhoneNumber>,
    pub place_id: i64,
    pub joined_on: IsoDate,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub fund_id: i64,
    pub national_id: String,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub phone: String,
    pub place_id: i64,
    pub joined_on: IsoDate,
    pub left_on: Option<IsoDate>,
    /// The member's savings sub-account in the fund's book.
    pub savings_account: AccountId,
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

fn member_from_row(row: &AnyRow) -> StoreResult<Member> {
    Ok(Member {
        id: row.try_get("id")?,
        fund_id: row.try_get("fund_id")?,
        national_id: row.try_get("national_id")?,
        first_name: row.try_get("first_name")?,
        last_name: row.try_get("last_name")?,
        father_name: row.try_get("father_name")?,
        phone: row.try_get("phone")?,
        place_id: row.try_get("place_id")?,
        joined_on: date(&row.try_get::<String, _>("joined_on")?)?,
        left_on: row.try_get::<Option<String>, _>("left_on")?.as_deref().map(date).transpose()?,
        savings_account: AccountId(row.try_get("savings_account_id")?),
    })
}

const MEMBER_COLUMNS: &str = "id, fund_id, national_id, first_name, last_name, father_name, phone, place_id, joined_on, left_on, savings_account_id";

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

/// Inserts a member and their savings sub-account inside the caller's transaction: the one place a
/// membership is created (one per person per fund; names normalised; not before the fund opened).
async fn insert_member(conn: &mut sqlx::AnyConnection, fund: &Fund, new: &NewMember) -> StoreResult<(i64, AccountId)> {
    let first_name = domain::text::normalize_text(&new.first_name);
    let last_name = domain::text::normalize_text(&new.last_name);
    if first_name.is_empty() || last_name.is_empty() {
        return Err(StoreError::Invalid("a member needs a first and a last name".into()));
    }
    if new.joined_on < fund.opened_on {
        return Err(StoreError::Invalid(format!("a member cannot join before the fund opened ({})", fund.opened_on)));
    }
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM members WHERE fund_id = $1 AND national_id = $2")
        .bind(fund.id)
        .bind(new.national_id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        return Err(StoreError::Conflict(format!(
            "national ID {} is already member {id} of this fund: one membership per person",
            new.national_id
        )));
    }
    let search = format!("{}|{}", domain::text::search_key(&format!("{first_name} {last_name}")), new.national_id);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO members (fund_id, national_id, first_name, last_name, father_name, phone, place_id, joined_on, search_key, savings_account_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0) RETURNING id",
    )
    .bind(fund.id)
    .bind(new.national_id.as_str())
    .bind(first_name.as_str())
    .bind(last_name.as_str())
    .bind(domain::text::normalize_text(&new.father_name))
    .bind(new.phone.as_ref().map_or("", PhoneNumber::as_str))
    .bind(new.place_id)
    .bind(new.joined_on.to_string())
    .bind(search)
    .fetch_one(&mut *conn)
    .await?;
    let account = insert_account(
        conn,
        fund.book_id,
        &codes::member_savings(id),
        &format!("پس‌انداز {first_name} {last_name}"),
        AccountKind::Liability,
        true,
        Some(codes::SAVINGS),
    )
    .await?;
    sqlx::query("UPDATE members SET savings_account_id = $1 WHERE id = $2")
        .bind(account.0)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok((id, account))
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

    /// Adds a member; see [`StoreTx::add_member`].
    pub async fn add_member(&self, fund_id: i64, new: &NewMember) -> StoreResult<Member> {
        let mut tx = self.begin().await?;
        let member = tx.add_member(fund_id, new).await?;
        tx.commit().await?;
        Ok(member)
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

    /// Adds a member to a fund with a savings sub-account. One membership per person per fund.
    pub async fn add_member(&mut self, fund_id: i64, new: &NewMember) -> StoreResult<Member> {
        let fund = self.fund(fund_id).await?;
        self.place(new.place_id).await?;
        let (id, _) = insert_member(&mut self.conn, &fund, new).await?;
        self.member(id).await
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

pub(crate) async fn member_on(conn: &mut sqlx::AnyConnection, id: i64) -> StoreResult<Member> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound { what: "member", id })?;
    member_from_row(&row)
}

pub(crate) async fn members_on(conn: &mut sqlx::AnyConnection, fund_id: i64) -> StoreResult<Vec<Member>> {
    fund_on(conn, fund_id).await?;
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM members WHERE fund_id = $1 ORDER BY id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(fund_id).fetch_all(&mut *conn).await?;
    rows.iter().map(member_from_row).collect()
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
read_on_both!(member(id: i64) -> Member = member_on);
read_on_both!(members(fund_id: i64) -> Vec<Member> = members_on);
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

    /// Members whose name (however it was typed: ي or ی, with or without ZWNJ or spaces) or national
    /// ID contains the query.
    /// The fund's members, or with a query typed, those it finds (see [`Store::search_members`]).
    pub async fn find_members(&self, fund_id: i64, query: Option<&str>) -> StoreResult<Vec<Member>> {
        match query.map(str::trim) {
            Some(q) if !q.is_empty() => self.search_members(fund_id, q).await,
            _ => self.members(fund_id).await,
        }
    }

    pub async fn search_members(&self, fund_id: i64, query: &str) -> StoreResult<Vec<Member>> {
        let key = domain::text::search_key(query);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let escaped: String = key
            .chars()
            .flat_map(|c| match c {
                '%' | '_' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members WHERE fund_id = $1 AND search_key LIKE $2 ESCAPE '\\' ORDER BY last_name, first_name, id LIMIT {MEMBER_SEARCH_RESULTS_MAX}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(fund_id)
            .bind(format!("%{escaped}%"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(member_from_row).collect()
    }
}

impl Store {
    /// A member leaves the fund; see [`StoreTx::leave_fund`].
    pub async fn leave_fund(
        &self,
        member_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Member> {
        let mut tx = self.begin().await?;
        let member = tx.leave_fund(member_id, on, idempotency_key, now_ms).await?;
        tx.commit_as_system("member.leave", &format!("member:{member_id}"), now_ms).await?;
        Ok(member)
    }
}

impl StoreTx {
    /// A member leaves the fund: their savings are paid out in full and their membership ends, in one
    /// transaction. Refused while they have an open loan or guarantee an open loan: the treasurer settles
    /// those first (repay, or set savings against the loan by a repayment).
    pub async fn leave_fund(
        &mut self,
        member_id: i64,
        on: IsoDate,
        idempotency_key: &str,
        now_ms: i64,
    ) -> StoreResult<Member> {
        let member = self.member(member_id).await?;
        if let Some(left) = member.left_on {
            return Err(StoreError::Conflict(format!("member {member_id} already left the fund on {left}")));
        }
        if on < member.joined_on {
            return Err(StoreError::Invalid(format!("the member joined on {}", member.joined_on)));
        }
        let open: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM loans l WHERE l.status IN ('requested', 'approved', 'disbursed') AND \
             (l.member_id = $1 OR EXISTS (SELECT 1 FROM loan_guarantors g WHERE g.loan_id = l.id AND g.member_id = $1))",
        )
        .bind(member_id)
        .fetch_one(&mut *self.conn)
        .await?;
        if open > 0 {
            return Err(StoreError::Conflict(format!(
                "member {member_id} has or guarantees {open} open loan(s): settle them before leaving"
            )));
        }
        let fund = self.fund(member.fund_id).await?;
        let cash = self.fund_account(&fund, codes::CASH).await?;
        let key = domain::IdempotencyKey::parse(idempotency_key).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let balance: i64 = sqlx::query_scalar("SELECT balance_rials FROM accounts WHERE id = $1")
            .bind(member.savings_account.0)
            .fetch_one(&mut *self.conn)
            .await?;
        let savings = -balance;
        if savings > 0 {
            let draft = domain::EntryDraft {
                idempotency_key: key,
                code: domain::EntryCode::parse(domain::fund::codes::entries::SAVINGS_SETTLE)
                    .map_err(|e| StoreError::Invalid(e.to_string()))?,
                object_ref: format!("member:{member_id}"),
                effective_on: on,
                memo: String::new(),
                reverses: None,
                postings: vec![
                    domain::PostingDraft::debit(member.savings_account, Rials::new(savings)),
                    domain::PostingDraft::credit(cash, Rials::new(savings)),
                ],
            };
            self.post_entries(fund.book_id, std::slice::from_ref(&draft), now_ms).await?;
        }
        sqlx::query("UPDATE members SET left_on = $1 WHERE id = $2 AND left_on IS NULL")
            .bind(on.to_string())
            .bind(member_id)
            .execute(&mut *self.conn)
            .await?;
        self.member(member_id).await
    }
}

impl StoreTx {
    /// The entries of a month's savings for many members of one fund: each deposit its own entry,
    /// keyed `{key_prefix}/m{member}` (so the same sheet again posts nothing twice), cash up and the
    /// member's savings up. Refuses an amount that is not positive and anyone not a member that day.
    pub async fn savings_deposit_drafts(
        &mut self,
        fund: &Fund,
        deposits: &[(i64, Rials)],
        on: IsoDate,
        key_prefix: &str,
    ) -> StoreResult<Vec<domain::EntryDraft>> {
        let invalid = |m: String| StoreError::Invalid(m);
        let cash = self.fund_account(fund, codes::CASH).await?;
        let members: std::collections::HashMap<i64, Member> =
            self.members(fund.id).await?.into_iter().map(|m| (m.id, m)).collect();
        let code = domain::EntryCode::parse(domain::fund::codes::entries::SAVINGS_DEPOSIT)
            .map_err(|e| invalid(e.to_string()))?;
        let mut drafts = Vec::with_capacity(deposits.len());
        for (member_id, amount) in deposits {
            let member =
                members.get(member_id).ok_or(StoreError::NotFound { what: "member of this fund", id: *member_id })?;
            if !amount.is_positive() {
                return Err(invalid(format!("member {member_id}: the amount must be more than zero")));
            }
            if on < member.joined_on || member.left_on.is_some() {
                return Err(invalid(format!("member {member_id} is not a member on {on}")));
            }
            drafts.push(domain::EntryDraft {
                idempotency_key: domain::IdempotencyKey::parse(&format!("{key_prefix}/m{member_id}"))
                    .map_err(|e| invalid(e.to_string()))?,
                code: code.clone(),
                object_ref: format!("member:{member_id}"),
                effective_on: on,
                memo: String::new(),
                reverses: None,
                postings: vec![
                    domain::PostingDraft::debit(cash, *amount),
                    domain::PostingDraft::credit(member.savings_account, *amount),
                ],
            });
        }
        Ok(drafts)
    }
}

/// A member row of an import, already checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMember {
    pub member: NewMember,
    /// Savings the member already has in the fund (on paper), booked as an opening entry.
    pub opening_savings: Rials,
}

impl Store {
    /// Adds members with their opening savings in one transaction: all of them, or none. A refused row
    /// is named by its position (`ImportRow`). With `dry_run` every row is written and checked inside
    /// the transaction, which is then rolled back: the answer is exactly what a real import would say.
    pub async fn import_members(
        &self,
        fund_id: i64,
        rows: &[ImportedMember],
        as_of: IsoDate,
        key_prefix: &str,
        now_ms: i64,
        dry_run: bool,
    ) -> StoreResult<Vec<Member>> {
        let mut tx = self.begin().await?;
        let members = tx.import_members(fund_id, rows, as_of, key_prefix, now_ms).await?;
        if dry_run {
            // Everything was checked, the database's own constraints included; nothing is kept.
            tx.rollback().await?;
            return Ok(Vec::new());
        }
        tx.commit_as_system("member.import", &format!("fund:{fund_id}"), now_ms).await?;
        Ok(members)
    }
}

impl StoreTx {
    /// Adds members with their opening savings: all of them, or none (the caller rolls back on an
    /// error). A refused row is named by its position (`ImportRow`).
    pub async fn import_members(
        &mut self,
        fund_id: i64,
        rows: &[ImportedMember],
        as_of: IsoDate,
        key_prefix: &str,
        now_ms: i64,
    ) -> StoreResult<Vec<Member>> {
        let fund = self.fund(fund_id).await?;
        let cash = self.fund_account(&fund, codes::CASH).await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut drafts = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let m = &row.member;
            let (id, account) = insert_member(&mut self.conn, &fund, m).await.map_err(|e| match e {
                e @ (StoreError::Conflict(_) | StoreError::Invalid(_)) => {
                    StoreError::ImportRow { index, error: Box::new(e) }
                }
                other => other,
            })?;
            if row.opening_savings.is_positive() {
                drafts.push(domain::EntryDraft {
                    idempotency_key: domain::IdempotencyKey::parse(&format!("{key_prefix}/{}", m.national_id))
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    code: domain::EntryCode::parse(domain::fund::codes::entries::SAVINGS_OPENING)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?,
                    object_ref: format!("member:{id}"),
                    effective_on: as_of,
                    memo: String::new(),
                    reverses: None,
                    postings: vec![
                        domain::PostingDraft::debit(cash, row.opening_savings),
                        domain::PostingDraft::credit(account, row.opening_savings),
                    ],
                });
            }
            ids.push(id);
        }
        self.post_entries(fund.book_id, &drafts, now_ms).await?;
        let mut members = Vec::with_capacity(ids.len());
        for id in ids {
            members.push(self.member(id).await?);
        }
        Ok(members)
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

impl Store {
    /// Every member of the funds at or under a place (all with `None`), with the fund's name and the
    /// member's savings from the kept balance: one query, for exports.
    pub async fn members_with_savings(&self, under: Option<&PlacePath>) -> StoreResult<Vec<(Member, String, Rials)>> {
        let columns = MEMBER_COLUMNS.split(", ").map(|c| format!("m.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {columns}, f.name AS fund_name, a.balance_rials AS savings FROM members m \
             JOIN funds f ON f.id = m.fund_id JOIN places p ON p.id = f.place_id \
             JOIN accounts a ON a.id = m.savings_account_id WHERE p.path LIKE $1 ORDER BY f.name, m.last_name, m.first_name, m.id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("{}%", under.map_or("/", PlacePath::as_str)))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((member_from_row(row)?, row.try_get("fund_name")?, Rials::new(-row.try_get::<i64, _>("savings")?)))
            })
            .collect()
    }
}
