//! What a loan owes and how a payment is split over it: installments, the fund's order, the payoff, lateness and penalties.

use super::*;

/// What is owed and paid on one installment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallmentBalance {
    pub number: u32,
    pub due_on: IsoDate,
    pub principal_due: Rials,
    pub fee_due: Rials,
    pub penalty_due: Rials,
    pub principal_paid: Rials,
    pub fee_paid: Rials,
    pub penalty_paid: Rials,
}

impl InstallmentBalance {
    pub(crate) fn owed(&self, part: PaymentPart) -> i64 {
        match part {
            PaymentPart::Penalty => self.penalty_due.get() - self.penalty_paid.get(),
            PaymentPart::Fee => self.fee_due.get() - self.fee_paid.get(),
            PaymentPart::Principal => self.principal_due.get() - self.principal_paid.get(),
        }
    }

    /// What remains to pay on this installment.
    pub fn outstanding(&self) -> Rials {
        Rials::new(self.owed(PaymentPart::Penalty) + self.owed(PaymentPart::Fee) + self.owed(PaymentPart::Principal))
    }
}

/// How one payment is split on one installment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AllocationLine {
    pub number: u32,
    pub penalty: Rials,
    pub fee: Rials,
    pub principal: Rials,
}

impl AllocationLine {
    pub fn total(&self) -> Rials {
        Rials::new(self.penalty.get() + self.fee.get() + self.principal.get())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("a payment must be more than zero")]
    NonPositive,
    #[error("the payment of {paid} rials is more than the {outstanding} rials still owed on this loan")]
    OverPayment { paid: Rials, outstanding: Rials },
    #[error("the loan is already paid off")]
    NothingOwed,
}

/// Splits a payment over a loan's installments: oldest installment first, within each in the fund's
/// order (by default penalty, fee, principal). A payment above what is owed is refused.
pub fn allocate_payment(
    installments: &[InstallmentBalance],
    amount: Rials,
    order: [PaymentPart; 3],
) -> Result<Vec<AllocationLine>, PaymentError> {
    if !amount.is_positive() {
        return Err(PaymentError::NonPositive);
    }
    let outstanding = Rials::new(installments.iter().map(|i| i.outstanding().get()).sum());
    if !outstanding.is_positive() {
        return Err(PaymentError::NothingOwed);
    }
    if amount > outstanding {
        return Err(PaymentError::OverPayment { paid: amount, outstanding });
    }
    let mut ordered: Vec<&InstallmentBalance> = installments.iter().collect();
    ordered.sort_by_key(|i| (i.due_on, i.number));
    let mut left = amount.get();
    let mut lines = Vec::new();
    for installment in ordered {
        if left == 0 {
            break;
        }
        let mut line = AllocationLine { number: installment.number, ..AllocationLine::default() };
        for part in order {
            let take = installment.owed(part).min(left).max(0);
            left -= take;
            match part {
                PaymentPart::Penalty => line.penalty = Rials::new(take),
                PaymentPart::Fee => line.fee = Rials::new(take),
                PaymentPart::Principal => line.principal = Rials::new(take),
            }
        }
        if line.total().is_positive() {
            lines.push(line);
        }
    }
    Ok(lines)
}

/// What paying a loan off on a date costs: everything owed on installments already due, the principal
/// of the rest, and — under the annuity and simple methods — none of the fee of months not yet reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayoffQuote {
    pub amount: Rials,
    pub fee_waived: Rials,
}

pub fn payoff_quote(installments: &[InstallmentBalance], method: KarmozdMethod, on: IsoDate) -> PayoffQuote {
    let waives = matches!(method, KarmozdMethod::Simple | KarmozdMethod::Annuity);
    let mut amount = 0;
    let mut waived = 0;
    for i in installments {
        if i.due_on <= on || !waives {
            amount += i.outstanding().get();
        } else {
            amount += i.owed(PaymentPart::Principal) + i.owed(PaymentPart::Penalty);
            waived += i.owed(PaymentPart::Fee);
        }
    }
    PayoffQuote { amount: Rials::new(amount), fee_waived: Rials::new(waived) }
}

/// Arrears aging buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgingBucket {
    Current,
    Days1To30,
    Days31To90,
    Days91To180,
    Over180,
}

impl AgingBucket {
    pub fn of(days_past_due: i64) -> AgingBucket {
        match days_past_due {
            i64::MIN..=0 => AgingBucket::Current,
            1..=30 => AgingBucket::Days1To30,
            31..=90 => AgingBucket::Days31To90,
            91..=180 => AgingBucket::Days91To180,
            _ => AgingBucket::Over180,
        }
    }
}

/// Days the oldest unpaid installment is past due on `on` (0 when nothing is late).
pub fn days_past_due(installments: &[InstallmentBalance], on: IsoDate) -> i64 {
    installments
        .iter()
        .filter(|i| i.outstanding().is_positive() && i.due_on < on)
        .map(|i| i.due_on.days_until(on))
        .max()
        .unwrap_or(0)
}

/// The penalty an installment has earned by `on` under a late rule.
pub fn penalty_for(installment: &InstallmentBalance, rule: LateRule, rate: FeeRate, on: IsoDate) -> Rials {
    let late_days = installment.due_on.days_until(on);
    let unpaid = installment.principal_due.get() + installment.fee_due.get()
        - installment.principal_paid.get()
        - installment.fee_paid.get();
    if late_days <= 0 || unpaid <= 0 {
        return Rials::ZERO;
    }
    match rule {
        LateRule::None => Rials::ZERO,
        LateRule::Fixed(amount) => amount,
        LateRule::Daily => daily_penalty(Rials::new(unpaid), rate, late_days.min(i64::from(u32::MAX)) as u32),
    }
}

/// Portfolio at risk over 30 days: outstanding principal of loans 30+ days late over all outstanding
/// principal, as a ratio (0 when nothing is outstanding).
pub fn par30(loans: &[(Rials, i64)]) -> f64 {
    let total: i128 = loans.iter().map(|(p, _)| i128::from(p.get())).sum();
    if total == 0 {
        return 0.0;
    }
    let at_risk: i128 = loans.iter().filter(|(_, days)| *days >= 30).map(|(p, _)| i128::from(p.get())).sum();
    at_risk as f64 / total as f64
}
