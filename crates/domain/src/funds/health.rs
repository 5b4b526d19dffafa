//! A fund's health: savings month by month, and the figures an officer reads (portfolio at risk, coverage, activity).

use super::*;

/// One Jalali month of a member's savings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SavingsMonth {
    pub month: crate::date::JalaliMonth,
    pub deposits: Rials,
    pub withdrawals: Rials,
    /// The balance at the month's end.
    pub balance: Rials,
    /// The dues of this month under the rules then in force.
    pub dues: Rials,
    /// Dues so far not covered by deposits so far (zero when ahead).
    pub behind: Rials,
}

/// A member's savings month by month, from the month they joined through `through`, with dues.
/// `movements` are (date, amount): deposits positive, withdrawals negative.
pub fn savings_by_month(
    movements: &[(IsoDate, i64)],
    joined_on: IsoDate,
    through: IsoDate,
    rules: &RuleHistory,
) -> Vec<SavingsMonth> {
    let first = joined_on.to_jalali().jalali_month();
    let last = through.to_jalali().jalali_month();
    let mut months = Vec::new();
    let (mut balance, mut dues_total, mut deposits_total) = (0i64, 0i64, 0i64);
    let mut month = first;
    while month <= last {
        let (mut deposits, mut withdrawals) = (0, 0);
        for (on, amount) in movements {
            if month.contains(on.to_jalali()) {
                if *amount >= 0 {
                    deposits += amount;
                } else {
                    withdrawals -= amount;
                }
            }
        }
        balance += deposits - withdrawals;
        let dues = rules.on(month.first_day().to_iso()).monthly_savings.get();
        dues_total += dues;
        deposits_total += deposits;
        months.push(SavingsMonth {
            month,
            deposits: Rials::new(deposits),
            withdrawals: Rials::new(withdrawals),
            balance: Rials::new(balance),
            dues: Rials::new(dues),
            behind: Rials::new((dues_total - deposits_total).max(0)),
        });
        match month.add_months(1) {
            Ok(next) => month = next,
            Err(_) => break,
        }
    }
    months
}

/// A fund's health figures, as a programme officer reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct FundHealth {
    pub members: u32,
    pub members_active: u32,
    pub savings: Rials,
    pub cash: Rials,
    pub loans_outstanding: Rials,
    pub loans_open: u32,
    /// Outstanding principal of loans 30+ days late over all outstanding principal.
    pub par30: f64,
    /// What was paid of what fell due so far (1 when nothing fell due).
    pub repayment_rate: f64,
    /// Cash over members' savings (0 when there are no savings).
    pub liquidity: f64,
    pub loans_per_member: f64,
    pub age_months: u32,
}

/// The facts health figures are computed from.
#[derive(Clone, Debug, Default)]
pub struct HealthFacts {
    pub members: u32,
    pub members_active: u32,
    pub savings: Rials,
    pub cash: Rials,
    /// Each open loan's outstanding principal and days past due.
    pub loans: Vec<(Rials, i64)>,
    pub due_so_far: Rials,
    pub paid_of_due: Rials,
    pub opened_on: Option<IsoDate>,
    pub on: Option<IsoDate>,
}

impl FundHealth {
    pub fn compute(facts: &HealthFacts) -> FundHealth {
        let ratio = |a: i64, b: i64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let outstanding: i64 = facts.loans.iter().map(|(p, _)| p.get()).sum();
        FundHealth {
            members: facts.members,
            members_active: facts.members_active,
            savings: facts.savings,
            cash: facts.cash,
            loans_outstanding: Rials::new(outstanding),
            loans_open: facts.loans.len() as u32,
            par30: par30(&facts.loans),
            repayment_rate: if facts.due_so_far.is_positive() {
                ratio(facts.paid_of_due.get(), facts.due_so_far.get())
            } else {
                1.0
            },
            liquidity: ratio(facts.cash.get(), facts.savings.get()),
            loans_per_member: ratio(facts.loans.len() as i64, i64::from(facts.members_active)),
            age_months: match (facts.opened_on, facts.on) {
                (Some(opened), Some(on)) => whole_months_between(opened, on),
                _ => 0,
            },
        }
    }
}
