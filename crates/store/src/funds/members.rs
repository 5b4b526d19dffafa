//! A fund's members: joining (one membership per person per fund), finding by name however typed, leaving with savings settled, savings sheets' drafts, and imports.

use super::*;

/// Members a search returns at most.
pub const MEMBER_SEARCH_RESULTS_MAX: i64 = 50;

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

pub(crate) fn member_from_row(row: &AnyRow) -> StoreResult<Member> {
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

pub(crate) const MEMBER_COLUMNS: &str = "id, fund_id, national_id, first_name, last_name, father_name, phone, place_id, joined_on, left_on, savings_account_id";

/// Inserts a member and their savings sub-account inside the caller's transaction: the one place a
/// membership is created (one per person per fund; names normalised; not before the fund opened).
pub(crate) async fn insert_member(
    conn: &mut sqlx::AnyConnection,
    fund: &Fund,
    new: &NewMember,
) -> StoreResult<(i64, AccountId)> {
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
    /// Adds a member; see [`StoreTx::add_member`].
    pub async fn add_member(&self, fund_id: i64, new: &NewMember) -> StoreResult<Member> {
        let mut tx = self.begin().await?;
        let member = tx.add_member(fund_id, new).await?;
        tx.commit().await?;
        Ok(member)
    }
}

impl StoreTx {
    /// Adds a member to a fund with a savings sub-account. One membership per person per fund.
    pub async fn add_member(&mut self, fund_id: i64, new: &NewMember) -> StoreResult<Member> {
        let fund = self.fund(fund_id).await?;
        self.place(new.place_id).await?;
        let (id, _) = insert_member(&mut self.conn, &fund, new).await?;
        self.member(id).await
    }
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

read_on_both!(member(id: i64) -> Member = member_on);
read_on_both!(members(fund_id: i64) -> Vec<Member> = members_on);
impl Store {
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
