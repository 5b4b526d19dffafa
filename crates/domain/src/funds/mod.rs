//! A village fund's rules and the decisions made from them: who may borrow (with every reason a request
//! fails), how a payment is split over installments, what an early payoff costs, how late a loan is,
//! and the lottery that picks the next borrower so that anyone can check it afterwards.
//!
//! Pure: facts come in (dates, balances, members), decisions go out.

use crate::date::IsoDate;
use crate::loan::{FeeRate, KarmozdMethod, daily_penalty};
use crate::money::Rials;
use sha2::{Digest, Sha256};

mod eligibility;
mod health;
pub mod lifecycle;
mod lottery;
mod repayment;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{eligibility::*, health::*, lottery::*, repayment::*};

/// Account codes of a fund's chart. A member's savings is a sub-account of [`codes::SAVINGS`].
pub mod codes {
    pub const CASH: &str = "1010";
    pub const LOANS: &str = "1200";
    pub const SAVINGS: &str = "2010";
    pub const CAPITAL: &str = "2100";
    pub const GRANTS: &str = "3100";
    pub const FEE_INCOME: &str = "4010";
    pub const PENALTY_INCOME: &str = "4020";
    pub const EXPENSES: &str = "5010";
    pub const WRITE_OFFS: &str = "5020";

    /// Entry codes: what each entry of a fund's book records.
    pub mod entries {
        pub const SAVINGS_DEPOSIT: &str = "savings.deposit";
        pub const SAVINGS_OPENING: &str = "savings.opening";
        pub const SAVINGS_SETTLE: &str = "savings.settle";
        pub const SAVINGS_WITHDRAW: &str = "savings.withdraw";
        pub const LOAN_DISBURSE: &str = "loan.disburse";
        pub const LOAN_REPAY: &str = "loan.repay";
        pub const LOAN_OPENING: &str = "loan.opening";
        pub const LOAN_WRITE_OFF: &str = "loan.write_off";
        pub const REVERSAL: &str = "reversal";
        pub const CAPITAL_LOAN: &str = "capital.loan";
        pub const CAPITAL_GRANT: &str = "capital.grant";
        pub const CAPITAL_REPAY: &str = "capital.repay";
    }

    /// The code of a member's savings sub-account.
    pub fn member_savings(member_id: i64) -> String {
        format!("{SAVINGS}-M{member_id}")
    }
}

/// A fund's chart of accounts: code, Persian name, kind, must never go negative.
pub const FUND_CHART: &[(&str, &str, crate::books::AccountKind, bool)] = {
    use crate::books::AccountKind::*;
    &[
        (codes::CASH, "صندوق و بانک", Asset, true),
        (codes::LOANS, "وام‌های قرض‌الحسنه", Asset, true),
        (codes::SAVINGS, "پس‌انداز اعضا", Liability, false),
        (codes::CAPITAL, "منابع تزریقی سازمان", Liability, true),
        (codes::GRANTS, "کمک‌های بلاعوض", Equity, false),
        (codes::FEE_INCOME, "درآمد کارمزد", Income, false),
        (codes::PENALTY_INCOME, "درآمد دیرکرد", Income, false),
        (codes::EXPENSES, "هزینه‌ها", Expense, false),
        (codes::WRITE_OFFS, "وام‌های سوخت‌شده", Expense, false),
    ]
};

/// The most guarantors a fund may require.
pub const GUARANTORS_MAX: u32 = 5;

/// How late installments are charged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LateRule {
    None,
    /// A fixed amount per installment once it is late.
    Fixed(Rials),
    /// The banks' formula: installment × (r + 6) × days / 36,000.
    Daily,
}

/// The parts of an installment a payment can pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaymentPart {
    Penalty,
    Fee,
    Principal,
}

impl PaymentPart {
    pub fn code(self) -> &'static str {
        match self {
            PaymentPart::Penalty => "penalty",
            PaymentPart::Fee => "fee",
            PaymentPart::Principal => "principal",
        }
    }

    pub fn parse(code: &str) -> Option<PaymentPart> {
        [PaymentPart::Penalty, PaymentPart::Fee, PaymentPart::Principal].into_iter().find(|p| p.code() == code)
    }

    /// Parses an order such as `penalty,fee,principal`: each part exactly once.
    pub fn parse_order(text: &str) -> Option<[PaymentPart; 3]> {
        let parts: Vec<PaymentPart> = text.split(',').map(|p| PaymentPart::parse(p.trim())).collect::<Option<_>>()?;
        let order: [PaymentPart; 3] = parts.try_into().ok()?;
        let distinct = order[0] != order[1] && order[1] != order[2] && order[0] != order[2];
        distinct.then_some(order)
    }

    pub fn order_code(order: [PaymentPart; 3]) -> String {
        order.map(PaymentPart::code).join(",")
    }
}

impl LateRule {
    pub fn code(self) -> &'static str {
        match self {
            LateRule::None => "none",
            LateRule::Fixed(_) => "fixed",
            LateRule::Daily => "daily",
        }
    }

    /// Rebuilds a rule from its code and the fixed amount (used by `fixed` only).
    pub fn from_code(code: &str, fixed: Rials) -> Option<LateRule> {
        match code {
            "none" => Some(LateRule::None),
            "fixed" => Some(LateRule::Fixed(fixed)),
            "daily" => Some(LateRule::Daily),
            _ => None,
        }
    }

    pub fn fixed_amount(self) -> Rials {
        match self {
            LateRule::Fixed(amount) => amount,
            _ => Rials::ZERO,
        }
    }
}

impl BorrowerSelection {
    pub fn code(self) -> &'static str {
        match self {
            BorrowerSelection::Queue => "queue",
            BorrowerSelection::Score => "score",
            BorrowerSelection::Lottery => "lottery",
        }
    }

    pub fn parse(code: &str) -> Option<BorrowerSelection> {
        [BorrowerSelection::Queue, BorrowerSelection::Score, BorrowerSelection::Lottery]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// How the next borrower is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BorrowerSelection {
    Queue,
    Score,
    Lottery,
}

/// A fund's rules, as they stand from one date on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FundRules {
    pub monthly_savings: Rials,
    pub min_membership_months: u32,
    /// The loan ceiling as a multiple of the member's savings, in hundredths (250 = 2.5×).
    pub savings_multiple_hundredths: u32,
    pub loan_cap: Rials,
    pub term_months_min: u32,
    pub term_months_max: u32,
    pub karmozd_method: KarmozdMethod,
    pub fee_rate: FeeRate,
    pub rounding_unit: Rials,
    pub guarantors_required: u32,
    /// The most one member may guarantee in all (open guarantees included).
    pub guarantor_ceiling: Rials,
    pub late_rule: LateRule,
    pub payment_order: [PaymentPart; 3],
    pub selection: BorrowerSelection,
    /// Loans above this need a second person's approval.
    pub second_approval_above: Rials,
}

impl FundRules {
    /// Rules a new fund starts with: the usual ones in the seed's province.
    pub fn usual() -> FundRules {
        FundRules {
            monthly_savings: Rials::new(1_000_000),
            min_membership_months: 3,
            savings_multiple_hundredths: 300,
            loan_cap: Rials::new(500_000_000),
            term_months_min: 6,
            term_months_max: 60,
            karmozd_method: KarmozdMethod::Simple,
            fee_rate: FeeRate::from_basis_points(400).unwrap_or_default(),
            rounding_unit: Rials::new(10_000),
            guarantors_required: 1,
            guarantor_ceiling: Rials::new(500_000_000),
            late_rule: LateRule::None,
            payment_order: [PaymentPart::Penalty, PaymentPart::Fee, PaymentPart::Principal],
            selection: BorrowerSelection::Queue,
            second_approval_above: Rials::new(200_000_000),
        }
    }
}

/// A fund's rules over time: each version applies from its date on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleHistory {
    versions: Vec<(IsoDate, FundRules)>,
}

impl RuleHistory {
    pub fn new(opened_on: IsoDate, rules: FundRules) -> RuleHistory {
        RuleHistory { versions: vec![(opened_on, rules)] }
    }

    /// Adds a version from `from` on; a later date replaces nothing before it.
    pub fn change(&mut self, from: IsoDate, rules: FundRules) {
        let at = self.versions.partition_point(|(d, _)| *d <= from);
        if at > 0 && self.versions[at - 1].0 == from {
            self.versions[at - 1].1 = rules;
        } else {
            self.versions.insert(at, (from, rules));
        }
    }

    /// The rules in force on a date (the first version for dates before it).
    pub fn on(&self, date: IsoDate) -> &FundRules {
        let at = self.versions.partition_point(|(d, _)| *d <= date);
        &self.versions[at.saturating_sub(1)].1
    }

    pub fn versions(&self) -> &[(IsoDate, FundRules)] {
        &self.versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> IsoDate {
        crate::date::JalaliDate::parse(text).unwrap().to_iso()
    }

    fn member(id: i64, joined: &str, savings: i64) -> MemberStanding {
        MemberStanding {
            member_id: id,
            active: true,
            joined_on: d(joined),
            savings: Rials::new(savings),
            has_open_loan: false,
            overdue_installments: 0,
            guaranteed: Rials::ZERO,
        }
    }

    #[test]
    fn savings_month_by_month_with_dues() {
        let rules =
            RuleHistory::new(d("1403/01/01"), FundRules { monthly_savings: Rials::new(100), ..FundRules::usual() });
        let movements = [(d("1403/01/20"), 100), (d("1403/03/05"), 250), (d("1403/03/20"), -50)];
        let months = savings_by_month(&movements, d("1403/01/15"), d("1403/04/01"), &rules);
        let view: Vec<(u32, i64, i64, i64, i64)> = months
            .iter()
            .map(|m| (m.month.month(), m.deposits.get(), m.withdrawals.get(), m.balance.get(), m.behind.get()))
            .collect();
        assert_eq!(view, vec![(1, 100, 0, 100, 0), (2, 0, 0, 100, 100), (3, 250, 50, 300, 0), (4, 0, 0, 300, 50)]);
    }

    #[test]
    fn rule_codes_round_trip() {
        let order = FundRules::usual().payment_order;
        assert_eq!(PaymentPart::parse_order(&PaymentPart::order_code(order)), Some(order));
        assert_eq!(PaymentPart::parse_order("fee,fee,principal"), None);
        assert_eq!(PaymentPart::parse_order("fee,principal"), None);
        for rule in [LateRule::None, LateRule::Daily, LateRule::Fixed(Rials::new(5))] {
            assert_eq!(LateRule::from_code(rule.code(), rule.fixed_amount()), Some(rule));
        }
        assert_eq!(BorrowerSelection::parse("lottery"), Some(BorrowerSelection::Lottery));
    }

    #[test]
    fn months_of_membership() {
        assert_eq!(whole_months_between(d("1403/01/15"), d("1403/04/14")), 2);
        assert_eq!(whole_months_between(d("1403/01/15"), d("1403/04/15")), 3);
        assert_eq!(whole_months_between(d("1403/06/31"), d("1403/07/30")), 1, "month-end clamps");
        assert_eq!(whole_months_between(d("1403/05/01"), d("1403/01/01")), 0);
    }

    #[test]
    fn an_eligible_request_has_no_refusals() {
        let rules = FundRules::usual();
        let borrower = member(1, "1402/01/01", 30_000_000);
        let request = LoanRequest { amount: Rials::new(90_000_000), term_months: 12, on: d("1403/01/01") };
        let guarantor = member(2, "1401/01/01", 50_000_000);
        assert_eq!(check_loan_request(&rules, &borrower, &request, &[guarantor], Rials::new(100_000_000)), vec![]);
    }

    #[test]
    fn every_reason_is_given_at_once() {
        let rules = FundRules::usual();
        let mut borrower = member(1, "1403/01/01", 10_000_000);
        borrower.has_open_loan = true;
        let request = LoanRequest { amount: Rials::new(600_000_000), term_months: 72, on: d("1403/02/01") };
        let mut late = member(3, "1401/01/01", 0);
        late.overdue_installments = 2;
        late.guaranteed = Rials::new(450_000_000);
        let refusals =
            check_loan_request(&rules, &borrower, &request, &[borrower.clone(), late], Rials::new(5_000_000));
        assert_eq!(
            refusals,
            vec![
                Refusal::MembershipTooShort { months: 1, required_months: 3 },
                Refusal::OverSavingsCeiling { ceiling: Rials::new(30_000_000) },
                Refusal::OverCap { cap: Rials::new(500_000_000) },
                Refusal::TermOutOfRange { min_months: 6, max_months: 60 },
                Refusal::OpenLoan,
                Refusal::GuarantorIsBorrower { member_id: 1 },
                Refusal::GuarantorNotInGoodStanding { member_id: 3 },
                Refusal::GuarantorOverCeiling { member_id: 3, room: Rials::new(50_000_000) },
                Refusal::NotEnoughCash { cash: Rials::new(5_000_000) },
            ]
        );
        for r in &refusals {
            assert!(!r.message_fa().is_empty() && !r.message_en().is_empty());
        }
        assert_eq!(refusals[0].message_fa(), "سابقه عضویت ۱ ماه است؛ دست‌کم ۳ ماه لازم است");
    }

    #[test]
    fn rules_apply_from_their_date() {
        let mut history = RuleHistory::new(d("1402/01/01"), FundRules::usual());
        let stricter = FundRules { min_membership_months: 6, ..FundRules::usual() };
        history.change(d("1403/01/01"), stricter.clone());
        assert_eq!(history.on(d("1402/12/29")).min_membership_months, 3);
        assert_eq!(history.on(d("1403/01/01")), &stricter);
        assert_eq!(history.on(d("1401/01/01")).min_membership_months, 3);
        assert_eq!(history.versions().len(), 2);
    }

    fn installments() -> Vec<InstallmentBalance> {
        (1..=3)
            .map(|n| InstallmentBalance {
                number: n,
                due_on: d("1403/01/10").add_days(30 * i64::from(n)),
                principal_due: Rials::new(1_000),
                fee_due: Rials::new(100),
                penalty_due: Rials::new(if n == 1 { 50 } else { 0 }),
                principal_paid: Rials::ZERO,
                fee_paid: Rials::ZERO,
                penalty_paid: Rials::ZERO,
            })
            .collect()
    }

    #[test]
    fn payments_go_to_the_oldest_installment_penalty_fee_principal() {
        let order = FundRules::usual().payment_order;
        let lines = allocate_payment(&installments(), Rials::new(1_300), order).unwrap();
        assert_eq!(
            lines,
            vec![
                AllocationLine {
                    number: 1,
                    penalty: Rials::new(50),
                    fee: Rials::new(100),
                    principal: Rials::new(1_000)
                },
                AllocationLine { number: 2, penalty: Rials::ZERO, fee: Rials::new(100), principal: Rials::new(50) },
            ]
        );
        assert_eq!(
            allocate_payment(&installments(), Rials::new(3_351), order),
            Err(PaymentError::OverPayment { paid: Rials::new(3_351), outstanding: Rials::new(3_350) })
        );
        assert_eq!(allocate_payment(&installments(), Rials::ZERO, order), Err(PaymentError::NonPositive));
        let principal_first = [PaymentPart::Principal, PaymentPart::Fee, PaymentPart::Penalty];
        let lines = allocate_payment(&installments(), Rials::new(1_000), principal_first).unwrap();
        assert_eq!(lines[0].principal, Rials::new(1_000));
    }

    #[test]
    fn early_payoff_waives_the_fee_of_months_not_reached() {
        let quote = payoff_quote(&installments(), KarmozdMethod::Simple, d("1403/02/15"));
        // Installment 1 is due (all of it), 2 and 3 are not (principal only).
        assert_eq!(quote, PayoffQuote { amount: Rials::new(1_150 + 2_000), fee_waived: Rials::new(200) });
        let upfront = payoff_quote(&installments(), KarmozdMethod::Upfront, d("1403/02/15"));
        assert_eq!(upfront.fee_waived, Rials::ZERO);
    }

    #[test]
    fn aging_and_penalties() {
        assert_eq!(AgingBucket::of(0), AgingBucket::Current);
        assert_eq!(AgingBucket::of(30), AgingBucket::Days1To30);
        assert_eq!(AgingBucket::of(31), AgingBucket::Days31To90);
        assert_eq!(AgingBucket::of(180), AgingBucket::Days91To180);
        assert_eq!(AgingBucket::of(181), AgingBucket::Over180);
        let list = installments();
        let on = list[0].due_on.add_days(45);
        assert_eq!(days_past_due(&list, on), 45);
        let rate = FeeRate::from_basis_points(400).unwrap();
        let installment =
            InstallmentBalance { principal_due: Rials::new(9_000_000), fee_due: Rials::new(208_000), ..list[0] };
        assert_eq!(
            penalty_for(&installment, LateRule::Daily, rate, installment.due_on.add_days(30)),
            Rials::new(76_733)
        );
        assert_eq!(
            penalty_for(&installment, LateRule::Fixed(Rials::new(500_000)), rate, installment.due_on.add_days(1)),
            Rials::new(500_000)
        );
        assert_eq!(penalty_for(&installment, LateRule::Daily, rate, installment.due_on), Rials::ZERO);
        assert_eq!(par30(&[(Rials::new(100), 45), (Rials::new(300), 10)]), 0.25);
        assert_eq!(par30(&[]), 0.0);
    }

    #[test]
    fn the_lottery_is_reproducible_and_needs_entrants() {
        let a = draw_lottery("۱۴۰۳/۰۵/۱۲ گندم باران کوه", &[7, 3, 9, 3]).unwrap();
        let b = draw_lottery("۱۴۰۳/۰۵/۱۲ گندم باران کوه", &[9, 7, 3]).unwrap();
        assert_eq!(a, b, "order and duplicates of entrants do not matter");
        assert_eq!(a.entrants, vec![3, 7, 9]);
        assert!(a.entrants.contains(&a.winner));
        assert_eq!(draw_lottery("x", &[]), Err(LotteryError::NoEntrants));
        assert_eq!(draw_lottery("  ", &[1]), Err(LotteryError::EmptySeed));
    }

    proptest! {
        #[test]
        fn no_allocation_pays_more_than_is_owed(
            paid in proptest::collection::vec((0i64..2_000, 0i64..200, 0i64..100), 1..8),
            amount in 1i64..20_000,
        ) {
            let list: Vec<InstallmentBalance> = paid.iter().enumerate().map(|(k, (p, f, pen))| InstallmentBalance {
                number: k as u32 + 1,
                due_on: d("1403/01/01").add_days(30 * k as i64),
                principal_due: Rials::new(2_000),
                fee_due: Rials::new(200),
                penalty_due: Rials::new(100),
                principal_paid: Rials::new(*p),
                fee_paid: Rials::new(*f),
                penalty_paid: Rials::new(*pen),
            }).collect();
            let outstanding: i64 = list.iter().map(|i| i.outstanding().get()).sum();
            match allocate_payment(&list, Rials::new(amount), FundRules::usual().payment_order) {
                Ok(lines) => {
                    let total: i64 = lines.iter().map(|l| l.total().get()).sum();
                    prop_assert_eq!(total, amount);
                    for line in &lines {
                        let i = list.iter().find(|i| i.number == line.number).unwrap();
                        prop_assert!(line.penalty.get() <= i.penalty_due.get() - i.penalty_paid.get());
                        prop_assert!(line.fee.get() <= i.fee_due.get() - i.fee_paid.get());
                        prop_assert!(line.principal.get() <= i.principal_due.get() - i.principal_paid.get());
                    }
                }
                Err(PaymentError::OverPayment { .. }) => prop_assert!(amount > outstanding),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
