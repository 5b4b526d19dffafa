//! Qard al-Hasan loan schedules: the karmozd (service fee) methods, rounding to the fund's unit, Jalali
//! due dates, and the late-payment penalty.
//!
//! Everything is whole rials. The annuity payment is the only figure that needs a power; it is
//! computed in `f64` and rounded to a rial, and every part after it is integer arithmetic, so the
//! installments always add up exactly: `Σ amount = principal + fee in installments`.

use crate::date::JalaliDate;
use crate::money::Rials;
use crate::text::digit_value;
use std::fmt;

/// The longest term a schedule may have.
pub const TERM_MONTHS_MAX: u32 = 360;
/// The highest fee rate accepted, in basis points (100 % a year).
pub const FEE_RATE_BASIS_POINTS_MAX: u32 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoanError {
    #[error("the principal must be more than zero")]
    NonPositivePrincipal,
    #[error("the term must be between 1 and {TERM_MONTHS_MAX} months; {0} was given")]
    TermOutOfRange(u32),
    #[error("the rounding unit must be at least one rial")]
    NonPositiveRoundingUnit,
    #[error("{0:?} is not a fee rate: give a percentage such as 4 or 4.5")]
    MalformedRate(String),
    #[error("the fee rate must be between 0 and 100 %")]
    RateOutOfRange,
    #[error("unknown karmozd method {0:?}: expected simple, annuity, upfront or none")]
    UnknownMethod(String),
    #[error("the amounts overflow")]
    Overflow,
    #[error("a due date falls outside the calendar range: {0}")]
    Date(#[from] crate::date::DateError),
}

/// An annual rate in basis points (hundredths of a percent): 4 % is 400. Exact, unlike a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeeRate(u32);

impl FeeRate {
    pub fn from_basis_points(basis_points: u32) -> Result<FeeRate, LoanError> {
        if basis_points > FEE_RATE_BASIS_POINTS_MAX {
            return Err(LoanError::RateOutOfRange);
        }
        Ok(FeeRate(basis_points))
    }

    /// Parses a percentage as typed: `4`, `4.5`, `۴٫۵`, `4%`. At most two decimals.
    pub fn parse_percent(text: &str) -> Result<FeeRate, LoanError> {
        let malformed = || LoanError::MalformedRate(text.to_string());
        let trimmed = text.trim().trim_end_matches(['%', '٪']).trim();
        let (mut whole, mut hundredths, mut decimals, mut seen_point, mut seen_digit) = (0u32, 0u32, 0, false, false);
        for c in trimmed.chars() {
            if let Some(d) = digit_value(c) {
                seen_digit = true;
                if seen_point {
                    decimals += 1;
                    if decimals > 2 {
                        return Err(malformed());
                    }
                    hundredths = hundredths * 10 + u32::from(d);
                } else {
                    whole = whole.checked_mul(10).and_then(|w| w.checked_add(u32::from(d))).ok_or_else(malformed)?;
                }
            } else if matches!(c, '.' | '\u{066B}' | '/') && !seen_point {
                seen_point = true;
            } else {
                return Err(malformed());
            }
        }
        if !seen_digit {
            return Err(malformed());
        }
        if decimals == 1 {
            hundredths *= 10;
        }
        let basis_points =
            whole.checked_mul(100).and_then(|w| w.checked_add(hundredths)).ok_or(LoanError::RateOutOfRange)?;
        FeeRate::from_basis_points(basis_points)
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// The rate as a percentage, for display and for the annuity formula.
    pub fn percent(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

impl fmt::Display for FeeRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 % 100 {
            0 => write!(f, "{}", self.0 / 100),
            h if h % 10 == 0 => write!(f, "{}.{}", self.0 / 100, h / 10),
            h => write!(f, "{}.{:02}", self.0 / 100, h),
        }
    }
}

/// How the karmozd is charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KarmozdMethod {
    /// Total fee P·r·(n+1)/2400 in n equal installments of (P + fee)/n: what Iranian banks print.
    Simple,
    /// The fee runs on the declining balance ("پلکانی"): installment P·i/(1−(1+i)^−n), i = r/1200.
    Annuity,
    /// Fee P·r/100 taken at disbursement; the principal repaid in n equal installments.
    Upfront,
    /// No fee.
    None,
}

impl KarmozdMethod {
    pub const ALL: [KarmozdMethod; 4] =
        [KarmozdMethod::Simple, KarmozdMethod::Annuity, KarmozdMethod::Upfront, KarmozdMethod::None];

    pub fn code(self) -> &'static str {
        match self {
            KarmozdMethod::Simple => "simple",
            KarmozdMethod::Annuity => "annuity",
            KarmozdMethod::Upfront => "upfront",
            KarmozdMethod::None => "none",
        }
    }

    pub fn parse(code: &str) -> Result<KarmozdMethod, LoanError> {
        KarmozdMethod::ALL.into_iter().find(|m| m.code() == code).ok_or_else(|| LoanError::UnknownMethod(code.into()))
    }

    pub fn name_fa(self) -> &'static str {
        match self {
            KarmozdMethod::Simple => "ساده",
            KarmozdMethod::Annuity => "پلکانی",
            KarmozdMethod::Upfront => "کارمزد پیش‌دریافت",
            KarmozdMethod::None => "بدون کارمزد",
        }
    }
}

/// What a schedule is made from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoanTerms {
    pub principal: Rials,
    pub term_months: u32,
    pub fee_rate: FeeRate,
    pub method: KarmozdMethod,
    /// Installments are rounded to this many rials (e.g. 10,000); the last absorbs the remainder.
    pub rounding_unit: Rials,
    /// The disbursement date: installment k falls due k Jalali months later, on the same day of the
    /// month (clamped at a shorter month's end).
    pub start: JalaliDate,
}

/// One installment: its amount is its principal part plus its fee part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Installment {
    pub number: u32,
    pub due_on: JalaliDate,
    pub amount: Rials,
    pub principal: Rials,
    pub fee: Rials,
}

/// A repayment schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub installments: Vec<Installment>,
    /// The fee taken at disbursement (upfront method), zero otherwise.
    pub upfront_fee: Rials,
}

impl Schedule {
    /// The whole fee: in installments plus upfront.
    pub fn total_fee(&self) -> Rials {
        Rials::new(self.installments.iter().map(|i| i.fee.get()).sum::<i64>() + self.upfront_fee.get())
    }
    /// What the member pays in all: principal plus the whole fee.
    pub fn total(&self) -> Rials {
        Rials::new(self.installments.iter().map(|i| i.amount.get()).sum::<i64>() + self.upfront_fee.get())
    }
}

/// `value / divisor` rounded half up, for non-negative values.
fn div_round(value: i128, divisor: i128) -> i128 {
    (value * 2 + divisor) / (divisor * 2)
}

/// Rounds to the nearest multiple of `unit` (half up), never below one unit.
fn round_to_unit(value: i128, unit: i128) -> i128 {
    (div_round(value, unit) * unit).max(unit)
}

fn to_rials(value: i128) -> Result<Rials, LoanError> {
    i64::try_from(value).map(Rials::new).map_err(|_| LoanError::Overflow)
}

/// The simple method's total fee: P·r·(n+1)/2400, rounded to the rial.
pub fn simple_fee(principal: Rials, rate: FeeRate, term_months: u32) -> Rials {
    let value = i128::from(principal.get()) * i128::from(rate.basis_points()) * i128::from(term_months + 1);
    Rials::new(div_round(value, 240_000) as i64)
}

/// The annuity payment P·i/(1−(1+i)^−n), i = r/1200, rounded to the rial (before any unit rounding).
pub fn annuity_payment(principal: Rials, rate: FeeRate, term_months: u32) -> Rials {
    let p = principal.get() as f64;
    let n = f64::from(term_months);
    if rate.basis_points() == 0 {
        return Rials::new((p / n).round() as i64);
    }
    let i = rate.percent() / 1200.0;
    Rials::new((p * i / (1.0 - (1.0 + i).powf(-n))).round() as i64)
}

/// The fee on a balance for one month at the annuity rate, rounded to the rial.
fn monthly_fee_on(balance: i128, rate: FeeRate) -> i128 {
    div_round(balance * i128::from(rate.basis_points()), 120_000)
}

/// Builds the schedule for a loan.
pub fn schedule(terms: &LoanTerms) -> Result<Schedule, LoanError> {
    if !terms.principal.is_positive() {
        return Err(LoanError::NonPositivePrincipal);
    }
    if terms.term_months == 0 || terms.term_months > TERM_MONTHS_MAX {
        return Err(LoanError::TermOutOfRange(terms.term_months));
    }
    if !terms.rounding_unit.is_positive() {
        return Err(LoanError::NonPositiveRoundingUnit);
    }
    let n = i128::from(terms.term_months);
    let p = i128::from(terms.principal.get());
    let unit = i128::from(terms.rounding_unit.get());
    // (amount, fee part) of each installment, in order.
    let parts: Vec<(i128, i128)> = match terms.method {
        KarmozdMethod::Simple => {
            let fee = i128::from(simple_fee(terms.principal, terms.fee_rate, terms.term_months).get());
            level_parts(p, fee, n, unit)
        }
        KarmozdMethod::Upfront | KarmozdMethod::None => level_parts(p, 0, n, unit),
        KarmozdMethod::Annuity => {
            let payment = i128::from(annuity_payment(terms.principal, terms.fee_rate, terms.term_months).get());
            annuity_parts(p, payment, n, unit, terms.fee_rate)
        }
    };
    let upfront_fee = match terms.method {
        KarmozdMethod::Upfront => div_round(p * i128::from(terms.fee_rate.basis_points()), 10_000),
        _ => 0,
    };
    let mut installments = Vec::with_capacity(parts.len());
    for (index, (amount, fee)) in parts.into_iter().enumerate() {
        let number = index as u32 + 1;
        installments.push(Installment {
            number,
            due_on: terms.start.add_months(number as i32)?,
            amount: to_rials(amount)?,
            principal: to_rials(amount - fee)?,
            fee: to_rials(fee)?,
        });
    }
    Ok(Schedule { installments, upfront_fee: to_rials(upfront_fee)? })
}

/// Equal installments of (principal + fee)/n rounded to the unit, the fee spread equally; the last
/// installment absorbs both remainders. Falls back to whole rials if the unit is too coarse to leave a
/// positive last installment with room for its fee part.
fn level_parts(principal: i128, fee: i128, n: i128, unit: i128) -> Vec<(i128, i128)> {
    let total = principal + fee;
    let fee_each = fee / n;
    for unit in [unit, 1] {
        let regular = if n == 1 { total } else { round_to_unit(div_round(total, n), unit).min(total) };
        let last = total - regular * (n - 1);
        let last_fee = fee - fee_each * (n - 1);
        if last > 0 && last >= last_fee && regular >= fee_each {
            let mut parts = vec![(regular, fee_each); (n - 1) as usize];
            parts.push((last, last_fee));
            return parts;
        }
    }
    // Unreachable for positive principals: with a unit of one rial the remainders are below n.
    vec![(total, fee)]
}

/// Annuity installments: the payment rounded to the unit; each month's fee is the rate on the balance
/// left; the last installment pays off the balance with its fee.
fn annuity_parts(principal: i128, payment: i128, n: i128, unit: i128, rate: FeeRate) -> Vec<(i128, i128)> {
    for unit in [unit, 1] {
        let regular = round_to_unit(payment, unit);
        let mut balance = principal;
        let mut parts = Vec::with_capacity(n as usize);
        let mut valid = true;
        for k in 1..=n {
            let fee = monthly_fee_on(balance, rate);
            let amount = if k == n { balance + fee } else { regular.min(balance + fee) };
            let principal_part = amount - fee;
            if principal_part < 0 || (k < n && amount <= 0) {
                valid = false;
                break;
            }
            balance -= principal_part;
            parts.push((amount, fee));
        }
        // A coarse unit may pay the loan off early; such a schedule has zero installments at the end.
        if valid && parts.iter().all(|(amount, _)| *amount > 0) {
            return parts;
        }
    }
    vec![(principal, 0)]
}

/// The banks' daily late penalty: installment × (r + 6) × days / 36,000, rounded down to the rial.
pub fn daily_penalty(installment: Rials, rate: FeeRate, days_late: u32) -> Rials {
    let value = i128::from(installment.get()) * i128::from(rate.basis_points() + 600) * i128::from(days_late);
    Rials::new((value / 3_600_000) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn terms(principal: i64, months: u32, percent: &str, method: KarmozdMethod, unit: i64) -> LoanTerms {
        LoanTerms {
            principal: Rials::new(principal),
            term_months: months,
            fee_rate: FeeRate::parse_percent(percent).unwrap(),
            method,
            rounding_unit: Rials::new(unit),
            start: JalaliDate::new(1403, 6, 31).unwrap(),
        }
    }

    #[test]
    fn domain_worked_figures() {
        let four = FeeRate::parse_percent("4").unwrap();
        assert_eq!(simple_fee(Rials::new(500_000_000), four, 60), Rials::new(50_833_333));
        assert_eq!(annuity_payment(Rials::new(500_000_000), four, 60), Rials::new(9_208_261));
        assert_eq!(simple_fee(Rials::new(100_000_000), four, 12), Rials::new(2_166_667));
        assert_eq!(annuity_payment(Rials::new(100_000_000), four, 12), Rials::new(8_514_990));
        assert_eq!(daily_penalty(Rials::new(9_208_000), four, 30), Rials::new(76_733));

        let simple = schedule(&terms(500_000_000, 60, "4", KarmozdMethod::Simple, 1)).unwrap();
        assert_eq!(simple.total_fee(), Rials::new(50_833_333));
        assert_eq!(simple.installments[0].amount, Rials::new(9_180_556));
        let small = schedule(&terms(100_000_000, 12, "4", KarmozdMethod::Simple, 1)).unwrap();
        assert_eq!(small.installments[0].amount, Rials::new(8_513_889));
        let annuity = schedule(&terms(500_000_000, 60, "4", KarmozdMethod::Annuity, 1)).unwrap();
        assert_eq!(annuity.installments[0].amount, Rials::new(9_208_261));
        let fee = annuity.total_fee().get();
        assert!((fee - 52_495_662).abs() <= 60, "annuity fee {fee}");
    }

    #[test]
    fn rounding_to_the_unit_and_the_last_absorbs() {
        let s = schedule(&terms(500_000_000, 60, "4", KarmozdMethod::Simple, 10_000)).unwrap();
        assert!(s.installments[..59].iter().all(|i| i.amount == Rials::new(9_180_000)));
        assert_eq!(s.installments[59].amount, Rials::new(550_833_333 - 59 * 9_180_000));
        assert_eq!(s.total(), Rials::new(550_833_333));
        let up = schedule(&terms(120_000_000, 12, "4", KarmozdMethod::Upfront, 10_000)).unwrap();
        assert_eq!(up.upfront_fee, Rials::new(4_800_000));
        assert!(up.installments.iter().all(|i| i.amount == Rials::new(10_000_000) && i.fee == Rials::ZERO));
        let none = schedule(&terms(1_000, 3, "0", KarmozdMethod::None, 1)).unwrap();
        let amounts: Vec<i64> = none.installments.iter().map(|i| i.amount.get()).collect();
        assert_eq!(amounts, vec![333, 333, 334]);
    }

    #[test]
    fn due_dates_keep_the_day_and_clamp_at_month_end() {
        let s = schedule(&terms(10_000_000, 8, "4", KarmozdMethod::Simple, 1)).unwrap();
        let dates: Vec<String> = s.installments.iter().map(|i| i.due_on.to_string()).collect();
        assert_eq!(
            dates,
            [
                "1403/07/30",
                "1403/08/30",
                "1403/09/30",
                "1403/10/30",
                "1403/11/30",
                "1403/12/30",
                "1404/01/31",
                "1404/02/31"
            ]
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(schedule(&terms(0, 12, "4", KarmozdMethod::Simple, 1)), Err(LoanError::NonPositivePrincipal));
        assert_eq!(schedule(&terms(1_000, 0, "4", KarmozdMethod::Simple, 1)), Err(LoanError::TermOutOfRange(0)));
        assert_eq!(schedule(&terms(1_000, 361, "4", KarmozdMethod::Simple, 1)), Err(LoanError::TermOutOfRange(361)));
        assert_eq!(schedule(&terms(1_000, 12, "4", KarmozdMethod::Simple, 0)), Err(LoanError::NonPositiveRoundingUnit));
        assert_eq!(FeeRate::parse_percent("۴٫۵"), Ok(FeeRate(450)));
        assert_eq!(FeeRate::parse_percent("4.25%"), Ok(FeeRate(425)));
        assert_eq!(FeeRate::parse_percent("4.255"), Err(LoanError::MalformedRate("4.255".into())));
        assert_eq!(FeeRate::parse_percent("abc"), Err(LoanError::MalformedRate("abc".into())));
        assert_eq!(FeeRate::parse_percent("101"), Err(LoanError::RateOutOfRange));
        assert_eq!(FeeRate(450).to_string(), "4.5");
        assert_eq!(KarmozdMethod::parse("flat"), Err(LoanError::UnknownMethod("flat".into())));
    }

    fn method() -> impl Strategy<Value = KarmozdMethod> {
        prop_oneof![
            Just(KarmozdMethod::Simple),
            Just(KarmozdMethod::Annuity),
            Just(KarmozdMethod::Upfront),
            Just(KarmozdMethod::None)
        ]
    }

    proptest! {
        #[test]
        fn a_schedule_always_sums_to_principal_plus_fee(
            principal in 1i64..10_000_000_000,
            months in 1u32..=120,
            basis_points in 0u32..=3_000,
            method in method(),
            unit in prop_oneof![Just(1i64), Just(1_000), Just(10_000), Just(100_000)],
        ) {
            let t = LoanTerms {
                principal: Rials::new(principal),
                term_months: months,
                fee_rate: FeeRate(basis_points),
                method,
                rounding_unit: Rials::new(unit),
                start: JalaliDate::new(1404, 1, 31).unwrap(),
            };
            let s = schedule(&t).unwrap();
            prop_assert_eq!(s.installments.len(), months as usize);
            let principal_sum: i64 = s.installments.iter().map(|i| i.principal.get()).sum();
            prop_assert_eq!(principal_sum, principal);
            prop_assert_eq!(s.total(), Rials::new(principal + s.total_fee().get()));
            for i in &s.installments {
                prop_assert!(i.amount.is_positive());
                prop_assert!(i.fee.get() >= 0 && i.principal.get() >= 0);
                prop_assert_eq!(i.amount.get(), i.principal.get() + i.fee.get());
            }
            if method == KarmozdMethod::Simple {
                prop_assert_eq!(s.total_fee(), simple_fee(t.principal, t.fee_rate, months));
            }
        }
    }
}
