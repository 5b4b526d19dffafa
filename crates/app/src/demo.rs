//! A demo province: synthetic but realistic, built by running the same use cases a treasurer and an
//! officer would (funds opened, members joining, monthly meeting sheets of savings and repayments,
//! loans requested, approved and paid out under the fund's rules, capital injected, jobs promised and
//! visited, bad loans written off), so its books are real books. Deterministic for a seed and a day.

use crate::funds::{CapitalMove, InjectionKind, inject_capital};
use domain::fund::FundRules;
use domain::jobs::{AgeGroup, JobHours, JobKind, Sex, VisitOutcome, VisitPurpose};
use domain::{IsoDate, JalaliDate, PlaceKind, Rials};
use store::{JobSpec, LoanApplication, NewMember, Store, StoreError, StoreResult, Visit};

/// How big a demo to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoScale {
    /// A county's worth: 12 funds, for a first look in seconds.
    Small,
    /// The seed's province: 445 funds, about 22,000 members, four years.
    Province,
}

impl DemoScale {
    fn funds(self) -> usize {
        match self {
            DemoScale::Small => 12,
            DemoScale::Province => 445,
        }
    }
}

/// What was built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub province_id: i64,
    pub funds: usize,
    pub members: usize,
    pub loans: usize,
    pub written_off: usize,
    pub jobs: usize,
    pub capital_injected: Rials,
    pub first_fund_id: i64,
}

/// The seed's 29 billion tomans of injected capital, in rials, for 445 funds.
pub const PROVINCE_CAPITAL_RIALS: i64 = 290_000_000_000;
/// Months of history.
pub const DEMO_MONTHS: i32 = 48;

/// SplitMix64: small, fast and the same everywhere, so a seed always builds the same province.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const COUNTIES: &[&str] = &["قزوین", "تاکستان", "آبیک", "بوئین‌زهرا", "البرز", "آوج"];
const VILLAGE_STEMS: &[&str] = &[
    "حسن",
    "علی",
    "کرم",
    "شاه",
    "امیر",
    "دولت",
    "قاسم",
    "نصرت",
    "محمود",
    "رحیم",
    "ابراهیم",
    "یوسف",
    "خلیل",
    "اسماعیل",
    "جعفر",
    "حاجی",
    "قلعه",
    "چنار",
    "سنگ",
    "باغ",
    "خیر",
    "نظر",
    "زرین",
    "سفید",
    "کهنه",
    "نو",
    "میر",
    "فتح",
];
const VILLAGE_ENDINGS: &[&str] = &["آباد", "کندی", "بلاغ", "دره", "سرا", "ده", "بیگ", "لو", "چال", "کلایه"];
const FEMALE_NAMES: &[&str] = &[
    "فاطمه",
    "زهرا",
    "مریم",
    "معصومه",
    "زینب",
    "سکینه",
    "لیلا",
    "سمیه",
    "اعظم",
    "طاهره",
    "رقیه",
    "خدیجه",
    "نرگس",
    "سارا",
    "مهری",
    "صغری",
    "کبری",
    "شهلا",
    "پروین",
    "منیره",
];
const MALE_NAMES: &[&str] = &[
    "علی",
    "محمد",
    "حسین",
    "حسن",
    "رضا",
    "مهدی",
    "عباس",
    "جواد",
    "مصطفی",
    "اکبر",
    "قاسم",
    "ابراهیم",
    "یوسف",
    "رحیم",
    "کریم",
    "ناصر",
    "مجید",
    "سعید",
    "بهروز",
    "غلامرضا",
];
const LAST_NAMES: &[&str] = &[
    "کریمی",
    "احمدی",
    "رحیمی",
    "حسینی",
    "محمدی",
    "رضایی",
    "قاسمی",
    "جعفری",
    "موسوی",
    "صادقی",
    "نوروزی",
    "اکبری",
    "عباسی",
    "یوسفی",
    "حیدری",
    "بیگی",
    "زارعی",
    "شریفی",
    "کاظمی",
    "فرجی",
    "ملکی",
    "سلطانی",
    "خلیلی",
    "امینی",
];
const ACTIVITIES: &[&str] = &[
    "livestock",
    "livestock",
    "poultry",
    "beekeeping",
    "farming",
    "greenhouse",
    "carpet_weaving",
    "handicrafts",
    "workshop",
    "services",
];

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// One borrower's habits: most pay on time, some are late now and then, a few stop paying.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Payer {
    OnTime,
    SometimesLate,
    StopsPaying { after_months: i32 },
}

struct OpenLoan {
    id: i64,
    member_index: usize,
    payer: Payer,
    paid_out_month: i32,
    unpaid_months: i32,
    jobs: Vec<i64>,
}

struct DemoFund {
    id: i64,
    members: Vec<i64>,
    joined_month: Vec<i32>,
    has_loan: Vec<bool>,
    loans: Vec<OpenLoan>,
    savings: Rials,
    opened_month: i32,
    cash: i64,
    capital_share: i64,
}

/// Builds the demo province into an empty store. `today` anchors the four years (they end this month);
/// `progress` is called with (months done, months in all) as the history is written.
pub async fn build_demo(
    store: &Store,
    seed: u64,
    scale: DemoScale,
    today: IsoDate,
    mut progress: impl FnMut(u32, u32),
) -> StoreResult<DemoSummary> {
    let mut random = Random(seed ^ 0xABAD_1000);
    let mut summary = DemoSummary::default();
    let clock = crate::FixedClock(0);
    let this_month = JalaliDate::from_iso(today).jalali_month();
    let first_month = this_month.add_months(-DEMO_MONTHS).map_err(invalid)?;
    let meeting_day = |month: i32| -> StoreResult<IsoDate> {
        let m = first_month.add_months(month).map_err(invalid)?;
        Ok(JalaliDate::new(m.year(), m.month(), 5).map_err(invalid)?.to_iso())
    };

    // Places: Iran, Qazvin, its counties, a village for each fund.
    let country = store.add_place(None, PlaceKind::Country, "ایران").await?;
    let province = store.add_place(Some(country.id), PlaceKind::Province, "قزوین").await?;
    summary.province_id = province.id;
    let mut counties = Vec::new();
    for name in COUNTIES {
        counties.push(store.add_place(Some(province.id), PlaceKind::County, name).await?.id);
    }
    let fund_count = scale.funds();
    let total_capital = PROVINCE_CAPITAL_RIALS * fund_count as i64 / 445;
    let mut funds: Vec<DemoFund> = Vec::with_capacity(fund_count);
    let mut used_names = std::collections::HashSet::new();
    let mut next_person = 7_000_000u64 + random.below(1_000_000);
    for f in 0..fund_count {
        let county = counties[f % counties.len()];
        let mut village = String::new();
        for attempt in 0.. {
            village = format!("{}{}", random.pick(VILLAGE_STEMS), random.pick(VILLAGE_ENDINGS));
            if attempt > 3 {
                village = format!("{village} {}", ["علیا", "سفلی", "بالا", "پایین", "نو"][attempt % 5]);
            }
            if used_names.insert(village.clone()) {
                break;
            }
        }
        let village_id = store.add_place(Some(county), PlaceKind::Village, &village).await?.id;
        let opened_month = random.below(12) as i32;
        let savings = Rials::new(1_000_000 * (2 + random.below(4) as i64));
        let rules = FundRules {
            monthly_savings: savings,
            min_membership_months: 3,
            guarantors_required: 1,
            second_approval_above: Rials::new(400_000_000),
            ..FundRules::usual()
        };
        let fund =
            store.create_fund(village_id, &format!("صندوق {village}"), meeting_day(opened_month)?, &rules, 0).await?;
        if f == 0 {
            summary.first_fund_id = fund.id;
        }
        let size = 30 + random.below(40) as usize;
        let mut members = Vec::with_capacity(size);
        let mut joined_month = Vec::with_capacity(size);
        for _ in 0..size {
            next_person += 1 + random.below(50);
            let female = random.chance(45);
            let month = if random.chance(85) { opened_month } else { opened_month + 1 + random.below(24) as i32 };
            let new = NewMember {
                national_id: crate::workload::synthetic_national_id(next_person),
                first_name: random.pick(if female { FEMALE_NAMES } else { MALE_NAMES }).to_string(),
                last_name: random.pick(LAST_NAMES).to_string(),
                father_name: random.pick(MALE_NAMES).to_string(),
                phone: domain::PhoneNumber::parse(&format!("0912{:07}", random.below(10_000_000))).ok(),
                place_id: village_id,
                joined_on: meeting_day(month)?,
            };
            members.push(store.add_member(fund.id, &new).await?.id);
            joined_month.push(month);
        }
        summary.members += members.len();
        let n = members.len();
        funds.push(DemoFund {
            id: fund.id,
            members,
            joined_month,
            has_loan: vec![false; n],
            loans: Vec::new(),
            savings,
            opened_month,
            cash: 0,
            capital_share: 0,
        });
    }
    // The capital: 29 billion tomans for 445 funds, shared by size, in three tranches.
    let weights: i64 = funds.iter().map(|f| f.members.len() as i64).sum();
    let mut given = 0;
    for (i, fund) in funds.iter_mut().enumerate() {
        fund.capital_share = if i + 1 == fund_count {
            total_capital - given
        } else {
            total_capital * fund.members.len() as i64 / weights.max(1) / 10_000_000 * 10_000_000
        };
        given += fund.capital_share;
    }
    summary.funds = funds.len();

    let mut loan_number = 0u64;
    for month in 0..DEMO_MONTHS {
        let on = meeting_day(month)?;
        for fund in funds.iter_mut() {
            if month < fund.opened_month {
                continue;
            }
            let age = month - fund.opened_month;
            // Capital: a grant when the fund opens, loans a year and two years on.
            for (tranche, (at, share, kind)) in
                [(0, 40, InjectionKind::Grant), (12, 30, InjectionKind::Loan), (24, 30, InjectionKind::Loan)]
                    .iter()
                    .enumerate()
            {
                if age == *at {
                    let amount = if tranche == 2 {
                        fund.capital_share - fund.capital_share * 40 / 100 - fund.capital_share * 30 / 100
                    } else {
                        fund.capital_share * share / 100
                    };
                    let source = format!("برنامهٔ اشتغال روستایی {}", JalaliDate::from_iso(on).year());
                    let movement =
                        CapitalMove { fund_id: fund.id, kind: *kind, amount: Rials::new(amount), source: &source, on };
                    inject_capital(store, &clock, &movement, &format!("demo-capital-{tranche}")).await?;
                    fund.cash += amount;
                    summary.capital_injected = Rials::new(summary.capital_injected.get() + amount);
                }
            }
            // The meeting: savings of those present, installments as each borrower's habits allow.
            let mut deposits: Vec<(i64, Rials)> = fund
                .members
                .iter()
                .zip(&fund.joined_month)
                .filter(|(_, joined)| **joined <= month)
                .filter(|_| random.chance(94))
                .map(|(m, _)| (*m, fund.savings))
                .collect();
            let due = store.loans_due(fund.id, on).await?;
            let mut repayments = Vec::new();
            for loan in fund.loans.iter_mut() {
                let Some(owed) = due.iter().find(|d| d.loan_id == loan.id) else { continue };
                let pays = match loan.payer {
                    Payer::OnTime => true,
                    Payer::SometimesLate => random.chance(70),
                    Payer::StopsPaying { after_months } => month - loan.paid_out_month < after_months,
                };
                if pays && owed.due.is_positive() {
                    repayments.push((loan.id, owed.due));
                    loan.unpaid_months = 0;
                } else if owed.due.is_positive() {
                    loan.unpaid_months += 1;
                }
            }
            let key = format!("demo-meeting-{month}");
            deposits.sort_unstable_by_key(|d| d.0);
            repayments.sort_unstable_by_key(|r| r.0);
            store.record_meeting(fund.id, on, &key, &deposits, &repayments, None, 0).await?;
            fund.cash +=
                deposits.iter().map(|d| d.1.get()).sum::<i64>() + repayments.iter().map(|r| r.1.get()).sum::<i64>();
            // Loans that stopped paying for eight months are written off, with the officer's approval.
            let mut still_open = Vec::new();
            for loan in fund.loans.drain(..) {
                let closed = !due.iter().any(|d| d.loan_id == loan.id) && month > loan.paid_out_month + 1;
                if loan.unpaid_months >= 8 {
                    store
                        .write_off_loan(loan.id, "کارشناس استان", on, &format!("demo-write-off-{}", loan.id), 0)
                        .await?;
                    summary.written_off += 1;
                    for job in &loan.jobs {
                        if random.chance(60) {
                            let mut visit = Visit {
                                on,
                                purpose: VisitPurpose::Confirmation,
                                outcome: VisitOutcome::Closed,
                                visitor: "کارشناس شهرستان".into(),
                                seen: "کسب‌وکار تعطیل شده است".into(),
                                insured_workers: 0,
                            };
                            if let Err(StoreError::JobRefused(domain::jobs::JobRefusal::AlreadyConfirmed(_))) =
                                store.record_visit(*job, &visit, today, 0).await
                            {
                                visit.purpose = VisitPurpose::FollowUp;
                                let _ = store.record_visit(*job, &visit, today, 0).await;
                            }
                        }
                    }
                    continue;
                }
                if closed {
                    fund.has_loan[loan.member_index] = false;
                    continue;
                }
                // Jobs are visited three months after the money, and followed up at six and twelve.
                let since = month - loan.paid_out_month;
                for job in &loan.jobs {
                    let (purpose, outcome) = match since {
                        3 => (VisitPurpose::Confirmation, pick_outcome(&mut random, 88, 8)),
                        5 => (VisitPurpose::Confirmation, VisitOutcome::Working),
                        9 | 15 => (
                            VisitPurpose::FollowUp,
                            if random.chance(96) { VisitOutcome::Working } else { VisitOutcome::Closed },
                        ),
                        _ => continue,
                    };
                    let visit = Visit {
                        on,
                        purpose,
                        outcome,
                        visitor: "کارشناس شهرستان".into(),
                        seen: "کارگاه دایر است و کار می‌کند".into(),
                        insured_workers: u32::from(random.chance(30)),
                    };
                    // A visit that no longer fits (already confirmed, already lost) is simply not made.
                    match store.record_visit(*job, &visit, today, 0).await {
                        Ok(_) | Err(StoreError::JobRefused(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
                still_open.push(loan);
            }
            fund.loans = still_open;
            // New loans: about one every six months, to members who have saved a while, when cash allows.
            if age >= 3 && random.chance(30) {
                let candidates: Vec<usize> = (0..fund.members.len())
                    .filter(|&i| !fund.has_loan[i] && fund.joined_month[i] + 4 <= month)
                    .collect();
                if candidates.len() >= 2 {
                    let borrower = candidates[random.below(candidates.len() as u64) as usize];
                    let guarantor = *candidates.iter().find(|&&i| i != borrower).unwrap_or(&borrower);
                    let saved_months = i64::from(month - fund.joined_month[borrower]).max(1);
                    let ceiling = fund.savings.get() * saved_months * 3;
                    let amount = (ceiling.min(fund.cash / 2).min(300_000_000) / 10_000_000) * 10_000_000;
                    if amount >= 20_000_000 {
                        loan_number += 1;
                        let jobs_created = if random.chance(70) { 1 } else { 0 };
                        let application = LoanApplication {
                            member_id: fund.members[borrower],
                            amount: Rials::new(amount),
                            term_months: *random.pick(&[12, 18, 24, 36]),
                            purpose: random
                                .pick(&[
                                    "خرید دام",
                                    "راه‌اندازی کارگاه قالی‌بافی",
                                    "گلخانهٔ کوچک",
                                    "زنبورداری",
                                    "خرید نهاده",
                                ])
                                .to_string(),
                            jobs_created,
                            jobs_revived: 1 - jobs_created,
                            guarantors: vec![fund.members[guarantor]],
                            on,
                        };
                        if let Ok(loan) = store.request_loan(fund.id, &application).await {
                            store.approve_loan(loan.id, "هیئت مدیرهٔ صندوق").await?;
                            if amount > 400_000_000 {
                                store.approve_loan(loan.id, "کارشناس شهرستان").await?;
                            }
                            store.disburse_loan(loan.id, on, &format!("demo-out-{}", loan.id), 0).await?;
                            fund.cash -= amount;
                            fund.has_loan[borrower] = true;
                            let part_time = random.chance(20);
                            let spec = JobSpec {
                                activity: random.pick(ACTIVITIES).to_string(),
                                kind: if jobs_created == 1 { JobKind::Created } else { JobKind::Revived },
                                hours: if part_time { JobHours::PartTime } else { JobHours::FullTime },
                                sex: if random.chance(45) { Sex::Female } else { Sex::Male },
                                age_group: *random.pick(&[
                                    AgeGroup::Under25,
                                    AgeGroup::From25To44,
                                    AgeGroup::From25To44,
                                    AgeGroup::From45,
                                ]),
                                count: match random.below(10) {
                                    0..=5 => 1,
                                    6..=8 => 2,
                                    _ => 3,
                                },
                            };
                            let jobs = store.expect_jobs_of_loan(loan.id, &[spec], on, 0).await?;
                            summary.jobs += jobs.len();
                            summary.loans += 1;
                            let payer = match random.below(100) {
                                0..=84 => Payer::OnTime,
                                85..=96 => Payer::SometimesLate,
                                _ => Payer::StopsPaying { after_months: 2 + random.below(6) as i32 },
                            };
                            fund.loans.push(OpenLoan {
                                id: loan.id,
                                member_index: borrower,
                                payer,
                                paid_out_month: month,
                                unpaid_months: 0,
                                jobs,
                            });
                        }
                    }
                }
            }
        }
        progress(month as u32 + 1, DEMO_MONTHS as u32);
    }
    let _ = loan_number;
    // The last 30 days closed (not four years of them: the funds' rules charge no late penalty, so
    // only the days late of today matter), so that who is late, and PAR30, are as of today.
    let yesterday = today.add_days(-1);
    for back in (0..30).rev() {
        store.close_day(yesterday.add_days(-back), 0).await?;
    }
    Ok(summary)
}

/// A confirmation visit's finding: working, not yet, or closed, by the given percentages.
fn pick_outcome(random: &mut Random, working: u64, not_yet: u64) -> VisitOutcome {
    let roll = random.below(100);
    if roll < working {
        VisitOutcome::Working
    } else if roll < working + not_yet {
        VisitOutcome::NotYet
    } else {
        VisitOutcome::Closed
    }
}

/// The demo's users, one of each role a newcomer wants to try, with passwords printed for them.
/// For a demo database only: anyone reading the README knows these passwords.
pub async fn add_demo_users(
    store: &Store,
    clock: &dyn crate::Clock,
    summary: &DemoSummary,
) -> Result<Vec<(String, String, String)>, crate::auth::AuthError> {
    use domain::access::Role;
    let mut made = Vec::new();
    for (username, display_name, role, place, fund) in [
        ("admin", "مدیر سامانه", Role::Administrator, None, None),
        ("officer", "کارشناس استان", Role::Officer, Some(summary.province_id), None),
        ("treasurer", "خزانه‌دار صندوق", Role::Treasurer, None, Some(summary.first_fund_id)),
        ("auditor", "حسابرس استان", Role::Auditor, Some(summary.province_id), None),
    ] {
        let password = format!("{username}-demo-1405");
        let request = crate::auth::UserRequest {
            username: username.into(),
            display_name: display_name.into(),
            password: password.clone(),
            role,
            place_id: place,
            fund_id: fund,
            bank_id: None,
            language: "fa".into(),
        };
        crate::auth::add_user(store, clock, &request).await?;
        made.push((username.to_string(), password, role.code().to_string()));
    }
    Ok(made)
}
