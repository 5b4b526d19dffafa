//! Synthetic books at scale: for the benchmark, the crash test and load tests. Deterministic.

use domain::{
    AccountCode, AccountId, AccountKind, BookId, EntryCode, EntryDraft, IdempotencyKey, IsoDate, PlaceKind,
    PostingDraft, Rials,
};
use std::time::{Duration, Instant};
use store::{Store, StoreError, StoreResult};

/// The accounts of a synthetic fund book.
#[derive(Clone, Copy, Debug)]
pub struct FundAccounts {
    pub book: BookId,
    pub cash: AccountId,
    pub loans: AccountId,
    pub savings: AccountId,
    pub fees: AccountId,
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Opens a book with a small fund chart: cash (never negative), loans, savings, fee income.
pub async fn open_fund_book(store: &Store, place_id: i64, name: &str, now_ms: i64) -> StoreResult<FundAccounts> {
    let book = store.add_book(place_id, "fund", name, now_ms).await?;
    let mut ids = Vec::with_capacity(4);
    for (code, name, kind, never_negative) in [
        ("1010", "صندوق و بانک", AccountKind::Asset, true),
        ("1200", "وام‌های پرداختی", AccountKind::Asset, true),
        ("2010", "پس‌انداز اعضا", AccountKind::Liability, false),
        ("4010", "درآمد کارمزد", AccountKind::Income, false),
    ] {
        let code = AccountCode::parse(code).map_err(invalid)?;
        ids.push(store.add_account(book.id, &code, name, kind, never_negative).await?.id);
    }
    Ok(FundAccounts { book: book.id, cash: ids[0], loans: ids[1], savings: ids[2], fees: ids[3] })
}

/// The `index`-th synthetic two-posting entry of a fund: three deposits, then a loan, and so on, so
/// that cash never goes negative.
pub fn synthetic_entry(fund: &FundAccounts, key_prefix: &str, index: u64) -> StoreResult<EntryDraft> {
    let (code, postings) = if index % 4 == 3 {
        (
            domain::fund::codes::entries::LOAN_DISBURSE,
            vec![
                PostingDraft::debit(fund.loans, Rials::new(1_500_000)),
                PostingDraft::credit(fund.cash, Rials::new(1_500_000)),
            ],
        )
    } else {
        let amount = Rials::new(1_000_000 + (index % 7) as i64 * 10_000);
        ("deposit", vec![PostingDraft::debit(fund.cash, amount), PostingDraft::credit(fund.savings, amount)])
    };
    let start = IsoDate::from_ymd(2022, 3, 21).map_err(invalid)?;
    Ok(EntryDraft {
        idempotency_key: IdempotencyKey::parse(&format!("{key_prefix}-{index}")).map_err(invalid)?,
        code: EntryCode::parse(code).map_err(invalid)?,
        object_ref: format!("member:{}", index % 50 + 1),
        effective_on: start.add_days((index / 40) as i64 % 1_460),
        memo: String::new(),
        reverses: None,
        postings,
    })
}

/// Posts `count` synthetic entries to a fund in batches of `batch` (one database transaction each),
/// calling `progress` with the number posted so far after each batch.
pub async fn post_synthetic(
    store: &Store,
    fund: &FundAccounts,
    key_prefix: &str,
    count: u64,
    batch: u64,
    now_ms: i64,
    mut progress: impl FnMut(u64),
) -> StoreResult<()> {
    let mut done = 0;
    while done < count {
        let n = batch.min(count - done);
        let drafts = (done..done + n).map(|i| synthetic_entry(fund, key_prefix, i)).collect::<StoreResult<Vec<_>>>()?;
        store.post_entries(fund.book, &drafts, now_ms).await?;
        done += n;
        progress(done);
    }
    Ok(())
}

/// Posts `count` synthetic entries one at a time, each in its own durable transaction: the
/// benchmark of single postings.
pub async fn post_one_by_one(
    store: &Store,
    fund: &FundAccounts,
    key_prefix: &str,
    count: u64,
    now_ms: i64,
) -> StoreResult<()> {
    for i in 0..count {
        store.post_entry(fund.book, &synthetic_entry(fund, key_prefix, i)?, now_ms).await?;
    }
    Ok(())
}

/// A country, a province and its counties, with `villages` villages spread over them.
pub async fn synthetic_province(store: &Store, counties: usize, villages: usize) -> StoreResult<(i64, Vec<i64>)> {
    let country = store.add_place(None, PlaceKind::Country, "ایران").await?;
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await?;
    let mut county_ids = Vec::with_capacity(counties);
    for c in 0..counties.max(1) {
        county_ids.push(store.add_place(Some(province.id), PlaceKind::County, &format!("شهرستان {}", c + 1)).await?.id);
    }
    let mut village_ids = Vec::with_capacity(villages);
    for v in 0..villages {
        let county = county_ids[v % county_ids.len()];
        village_ids.push(store.add_place(Some(county), PlaceKind::Village, &format!("روستای {}", v + 1)).await?.id);
    }
    Ok((province.id, village_ids))
}

/// Sizes of a benchmark run.
#[derive(Clone, Copy, Debug)]
pub struct BenchSizes {
    /// Two-posting entries posted in bulk.
    pub bulk_entries: u64,
    /// Entries per bulk call (one database transaction).
    pub batch: u64,
    /// Entries posted one per durable database transaction.
    pub single_entries: u64,
    /// Postings in the one big book whose trial balance is timed.
    pub big_book_postings: u64,
    /// Books under the province whose roll-up is timed, and their postings in all.
    pub place_books: u64,
    pub place_postings: u64,
    /// Repetitions of each timed read.
    pub repetitions: u32,
}

impl BenchSizes {
    /// The sizes the foundation issue sets its targets at.
    pub const FULL: BenchSizes = BenchSizes {
        bulk_entries: 200_000,
        batch: 1_000,
        single_entries: 5_000,
        big_book_postings: 1_000_000,
        place_books: 445,
        place_postings: 2_000_000,
        repetitions: 20,
    };
    /// Small sizes that finish in seconds: for tests and a first look.
    pub const QUICK: BenchSizes = BenchSizes {
        bulk_entries: 5_000,
        batch: 1_000,
        single_entries: 200,
        big_book_postings: 10_000,
        place_books: 20,
        place_postings: 20_000,
        repetitions: 5,
    };
}

/// What a benchmark run measured.
#[derive(Clone, Debug, Default)]
pub struct BenchFigures {
    pub bulk_postings_per_s: f64,
    pub single_entries_per_s: f64,
    pub big_book_trial_balance: Duration,
    pub place_trial_balance: Duration,
    pub place_trial_balance_books: usize,
    pub verify: Duration,
    pub verify_postings: u64,
}

/// The median time of `repetitions` runs of a read.
async fn median_time<T, F, Fut>(repetitions: u32, mut read: F) -> StoreResult<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = StoreResult<T>>,
{
    let mut samples = Vec::with_capacity(repetitions as usize);
    for _ in 0..repetitions {
        let started = Instant::now();
        read().await?;
        samples.push(started.elapsed());
    }
    samples.sort();
    Ok(samples.get(samples.len() / 2).copied().unwrap_or_default())
}

/// Runs the benchmark on an empty store. `say` receives a line per phase.
pub async fn run_bench(store: &Store, sizes: BenchSizes, mut say: impl FnMut(&str)) -> StoreResult<BenchFigures> {
    let mut figures = BenchFigures::default();
    let now_ms = 0;
    let (province, villages) = synthetic_province(store, 20, sizes.place_books as usize + 3).await?;

    say(&format!("bulk: {} two-posting entries in batches of {}", sizes.bulk_entries, sizes.batch));
    let fund = open_fund_book(store, villages[0], "bulk", now_ms).await?;
    let started = Instant::now();
    post_synthetic(store, &fund, "bulk", sizes.bulk_entries, sizes.batch, now_ms, |_| {}).await?;
    figures.bulk_postings_per_s = (sizes.bulk_entries * 2) as f64 / started.elapsed().as_secs_f64();

    say(&format!("single: {} entries, each its own durable transaction", sizes.single_entries));
    let fund = open_fund_book(store, villages[1], "single", now_ms).await?;
    let started = Instant::now();
    for i in 0..sizes.single_entries {
        store.post_entry(fund.book, &synthetic_entry(&fund, "single", i)?, now_ms).await?;
    }
    figures.single_entries_per_s = sizes.single_entries as f64 / started.elapsed().as_secs_f64();

    say(&format!("big book: {} postings", sizes.big_book_postings));
    let big = open_fund_book(store, villages[2], "big", now_ms).await?;
    post_synthetic(store, &big, "big", sizes.big_book_postings / 2, 5_000, now_ms, |_| {}).await?;
    figures.big_book_trial_balance = median_time(sizes.repetitions, || store.trial_balance_of_book(big.book)).await?;

    say(&format!("place: {} books with {} postings in all", sizes.place_books, sizes.place_postings));
    // The place books get a province of their own, so the roll-up covers exactly them.
    let country = store.place(province).await?.parent_id.unwrap_or(province);
    let place_province = store.add_place(Some(country), PlaceKind::Province, "استان آزمون").await?;
    let per_book = sizes.place_postings / 2 / sizes.place_books.max(1);
    for b in 0..sizes.place_books {
        let village = store.add_place(Some(place_province.id), PlaceKind::Village, &format!("ده {b}")).await?;
        let fund = open_fund_book(store, village.id, &format!("صندوق {b}"), now_ms).await?;
        post_synthetic(store, &fund, "p", per_book, 5_000, now_ms, |_| {}).await?;
    }
    figures.place_trial_balance =
        median_time(sizes.repetitions, || store.trial_balance_under_place(place_province.id)).await?;
    figures.place_trial_balance_books = sizes.place_books as usize;

    say("verify: every invariant over every posting");
    let started = Instant::now();
    let report = store.verify().await?;
    figures.verify = started.elapsed();
    figures.verify_postings = report.postings;
    if !report.is_clean() {
        return Err(StoreError::Unexpected(format!("verify found problems: {:?}", report.problems)));
    }
    Ok(figures)
}

/// A valid national ID made from a number (for synthetic members).
pub fn synthetic_national_id(n: u64) -> domain::NationalId {
    let first_nine = format!("{:09}", n % 1_000_000_000);
    let sum: u32 = first_nine.bytes().zip((2..=10).rev()).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let s = sum % 11;
    let check = if s < 2 { s } else { 11 - s };
    domain::NationalId::parse(&format!("{first_nine}{check}"))
        .unwrap_or_else(|_| synthetic_national_id(n + 1_000_000_000 / 3 + 7))
}

/// Sizes of the funds benchmark.
#[derive(Clone, Copy, Debug)]
pub struct FundBenchSizes {
    pub funds: usize,
    pub members_per_fund: usize,
    pub months: u32,
    pub loans_per_fund: usize,
    pub repetitions: u32,
}

impl FundBenchSizes {
    /// The seed's province: 445 funds, about 22,000 members, four years of monthly savings.
    pub const PROVINCE: FundBenchSizes =
        FundBenchSizes { funds: 445, members_per_fund: 49, months: 48, loans_per_fund: 7, repetitions: 20 };
    pub const QUICK: FundBenchSizes =
        FundBenchSizes { funds: 4, members_per_fund: 8, months: 6, loans_per_fund: 2, repetitions: 5 };
}

#[derive(Clone, Debug, Default)]
pub struct FundBenchFigures {
    pub build: Duration,
    pub members: usize,
    pub savings_entries: u64,
    pub loans: usize,
    pub month_of_savings: Duration,
    pub month_of_repayments: Duration,
    /// The next month the way the meeting sheet page posts it: each fund's savings and repayments in
    /// one transaction (`Store::record_meeting`).
    pub month_of_meetings: Duration,
    pub close_day: Duration,
    /// The province the funds lie in, and the first fund: for timing pages on the same data.
    pub province_id: i64,
    pub first_fund_id: i64,
    pub statement: Duration,
    pub health: Duration,
}

/// Builds a province of funds through the use cases and times a month of activity, a close of day, a
/// member's statement and a fund's health figures.
pub async fn run_fund_bench(
    store: &Store,
    sizes: FundBenchSizes,
    mut say: impl FnMut(&str),
) -> StoreResult<FundBenchFigures> {
    use crate::funds::record_savings_sheet;
    use domain::fund::FundRules;
    let clock = crate::FixedClock(0);
    let started = Instant::now();
    let mut figures = FundBenchFigures::default();
    let (province, villages) = synthetic_province(store, 20, sizes.funds).await?;
    figures.province_id = province;
    let opened = domain::JalaliDate::new(1399, 1, 1).map_err(invalid)?;
    let rules = FundRules { min_membership_months: 0, guarantors_required: 0, ..FundRules::usual() };
    let mut funds = Vec::with_capacity(sizes.funds);
    let mut next_id = 1_000;
    say(&format!("building {} funds with {} members each", sizes.funds, sizes.members_per_fund));
    for (f, village) in villages.iter().enumerate() {
        let fund = store.create_fund(*village, &format!("صندوق {}", f + 1), opened.to_iso(), &rules, 0).await?;
        let mut members = Vec::with_capacity(sizes.members_per_fund);
        for m in 0..sizes.members_per_fund {
            next_id += 1;
            let new = store::NewMember {
                national_id: synthetic_national_id(next_id),
                first_name: ["علی", "فاطمه", "حسن", "زهرا", "رضا", "مریم", "محمد"][m % 7].to_string(),
                last_name: ["کریمی", "احمدی", "رحیمی", "حسینی", "محمدی"][m % 5].to_string(),
                father_name: "حسین".into(),
                phone: None,
                place_id: *village,
                joined_on: opened.to_iso(),
            };
            members.push(store.add_member(fund.id, &new).await?.id);
            figures.members += 1;
        }
        funds.push((fund, members));
    }
    say(&format!("posting {} months of savings", sizes.months));
    let amount = Rials::new(1_000_000);
    for month in 0..sizes.months {
        let on = opened.add_months(month as i32).map_err(invalid)?.to_iso().add_days(4);
        for (fund, members) in &funds {
            let sheet: Vec<(i64, Rials)> = members.iter().map(|m| (*m, amount)).collect();
            record_savings_sheet(store, &clock, fund.id, &sheet, on, &format!("s{month}")).await?;
            figures.savings_entries += sheet.len() as u64;
        }
    }
    let loans_on = opened.add_months(sizes.months as i32).map_err(invalid)?;
    say(&format!("disbursing {} loans per fund", sizes.loans_per_fund));
    let mut loans = Vec::new();
    let mut loans_by_fund: Vec<(i64, Vec<i64>)> = Vec::new();
    for (fund, members) in &funds {
        loans_by_fund.push((fund.id, Vec::new()));
        for member in members.iter().take(sizes.loans_per_fund) {
            let application = store::LoanApplication {
                member_id: *member,
                amount: Rials::new(20_000_000.min(3 * 1_000_000 * i64::from(sizes.months))),
                term_months: 12,
                purpose: "دامداری".into(),
                jobs_created: 1,
                jobs_revived: 0,
                guarantors: vec![],
                on: loans_on.to_iso(),
            };
            let loan = store.request_loan(fund.id, &application).await?;
            store.approve_loan(loan.id, "خزانه‌دار").await?;
            store.disburse_loan(loan.id, loans_on.to_iso(), &format!("out-{}", loan.id), 0).await?;
            loans.push(loan.id);
            if let Some((_, of_fund)) = loans_by_fund.last_mut() {
                of_fund.push(loan.id);
            }
        }
    }
    figures.loans = loans.len();
    let first_due = loans_on.add_months(1).map_err(invalid)?.to_iso();
    store.close_days_until(first_due.add_days(-1), 0).await?;
    figures.build = started.elapsed();

    say("settling the database (statistics, checkpoint)");
    store.settle().await?;
    say("timing a month of activity: every fund's savings sheet, then its repayments sheet");
    let meeting = first_due.add_days(4);
    let t = Instant::now();
    for (fund, members) in &funds {
        let sheet: Vec<(i64, Rials)> = members.iter().map(|m| (*m, amount)).collect();
        record_savings_sheet(store, &clock, fund.id, &sheet, meeting, "month-timed").await?;
    }
    figures.month_of_savings = t.elapsed();
    let t = Instant::now();
    for (fund_id, of_fund) in &loans_by_fund {
        // What the meeting sheet shows: each open loan's installment due by the meeting, one query.
        let sheet: Vec<(i64, Rials)> =
            store.loans_due(*fund_id, meeting).await?.iter().map(|d| (d.loan_id, d.due)).collect();
        if sheet.len() != of_fund.len() {
            return Err(StoreError::Unexpected(format!(
                "fund {fund_id}: {} loans due, {} lent",
                sheet.len(),
                of_fund.len()
            )));
        }
        store.repay_sheet(*fund_id, &sheet, meeting, "month-timed", 0).await?;
    }
    figures.month_of_repayments = t.elapsed();

    say("timing a close of day for the province");
    store.close_days_until(meeting.add_days(-1), 0).await?;
    let t = Instant::now();
    store.close_days_until(meeting, 0).await?;
    figures.close_day = t.elapsed();

    say("timing the next month as meeting sheets: each fund's savings and repayments in one transaction");
    let next_meeting = meeting.to_jalali().add_months(1).map_err(invalid)?.to_iso();
    let t = Instant::now();
    for (fund, members) in &funds {
        let deposits: Vec<(i64, Rials)> = members.iter().map(|m| (*m, amount)).collect();
        let repayments: Vec<(i64, Rials)> = store
            .loans_due(fund.id, next_meeting)
            .await?
            .iter()
            .filter(|d| d.due.is_positive())
            .map(|d| (d.loan_id, d.due))
            .collect();
        store.record_meeting(fund.id, next_meeting, "meeting-timed", &deposits, &repayments, None, 0).await?;
    }
    figures.month_of_meetings = t.elapsed();

    let (fund, members) = &funds[0];
    figures.first_fund_id = fund.id;
    figures.statement = median_time(sizes.repetitions, || store.member_statement(members[0], meeting)).await?;
    figures.health = median_time(sizes.repetitions, || store.fund_health(fund.id, meeting)).await?;
    Ok(figures)
}
