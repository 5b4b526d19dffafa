//! A village fund's rules and the decisions made from them: who may borrow (with every reason a request
//! fails), how a payment is split over installments, what an early payoff costs, how late a loan is,
//! and the lottery that picks the next borrower so that anyone can check it afterwards.
//!
//! Pure: facts come in (dates, balances, members), decisions go out.

use crate::date::IsoDate;
use crate::loan::{FeeRate, KarmozdMethod, daily_penalty};
use crate::money::Rials;
use sha2::{Digest, Sha256};

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

/// What the eligibility check needs to know of a member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberStanding {
    pub member_id: i64,
    pub active: bool,
    pub joined_on: IsoDate,
    pub savings: Rials,
    pub has_open_loan: bool,
    /// Installments of the member's own loans now overdue.
    pub overdue_installments: u32,
    /// What the member already guarantees for others.
    pub guaranteed: Rials,
}

/// A loan request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoanRequest {
    pub amount: Rials,
    pub term_months: u32,
    pub on: IsoDate,
}

/// Every reason a loan request can fail. A request gets all that apply, not just the first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotActive,
    MembershipTooShort { months: u32, required_months: u32 },
    OverSavingsCeiling { ceiling: Rials },
    OverCap { cap: Rials },
    TermOutOfRange { min_months: u32, max_months: u32 },
    OpenLoan,
    NotEnoughGuarantors { given: u32, required: u32 },
    GuarantorIsBorrower { member_id: i64 },
    GuarantorTwice { member_id: i64 },
    GuarantorNotInGoodStanding { member_id: i64 },
    GuarantorOverCeiling { member_id: i64, room: Rials },
    NotEnoughCash { cash: Rials },
    NonPositiveAmount,
}

impl Refusal {
    /// The reason in Persian, for the treasurer and the member.
    pub fn message_fa(&self) -> String {
        use crate::text::Digits::Persian;
        let m = |r: &Rials| r.format(crate::money::MoneyUnit::Rial, Persian);
        let n = |v: u32| crate::text::to_persian_digits(&v.to_string());
        match self {
            Refusal::NotActive => "عضو فعال نیست".into(),
            Refusal::MembershipTooShort { months, required_months } => {
                format!("سابقه عضویت {} ماه است؛ دست‌کم {} ماه لازم است", n(*months), n(*required_months))
            }
            Refusal::OverSavingsCeiling { ceiling } => {
                format!("مبلغ از سقف وام بر پایه پس‌انداز ({} ریال) بیشتر است", m(ceiling))
            }
            Refusal::OverCap { cap } => format!("مبلغ از سقف وام صندوق ({} ریال) بیشتر است", m(cap)),
            Refusal::TermOutOfRange { min_months, max_months } => {
                format!("مدت بازپرداخت باید بین {} و {} ماه باشد", n(*min_months), n(*max_months))
            }
            Refusal::OpenLoan => "عضو وام باز دارد؛ هر عضو یک وام باز".into(),
            Refusal::NotEnoughGuarantors { given, required } => {
                format!("{} ضامن لازم است؛ {} ضامن معرفی شده", n(*required), n(*given))
            }
            Refusal::GuarantorIsBorrower { .. } => "وام‌گیرنده نمی‌تواند ضامن خودش باشد".into(),
            Refusal::GuarantorTwice { .. } => "یک ضامن دو بار آمده است".into(),
            Refusal::GuarantorNotInGoodStanding { member_id } => {
                format!("ضامن (عضو {}) عضو فعال و خوش‌حساب نیست", n(*member_id as u32))
            }
            Refusal::GuarantorOverCeiling { member_id, room } => {
                format!("ضامن (عضو {}) تنها {} ریال دیگر می‌تواند ضمانت کند", n(*member_id as u32), m(room))
            }
            Refusal::NotEnoughCash { cash } => format!("موجودی نقد صندوق ({} ریال) کافی نیست", m(cash)),
            Refusal::NonPositiveAmount => "مبلغ وام باید بیشتر از صفر باشد".into(),
        }
    }

    /// The reason in English.
    pub fn message_en(&self) -> String {
        match self {
            Refusal::NotActive => "the member is not active".into(),
            Refusal::MembershipTooShort { months, required_months } => {
                format!("a member of {months} months; {required_months} are required before a first loan")
            }
            Refusal::OverSavingsCeiling { ceiling } => {
                format!("over the ceiling set by the member's savings ({ceiling} rials)")
            }
            Refusal::OverCap { cap } => format!("over the fund's loan cap ({cap} rials)"),
            Refusal::TermOutOfRange { min_months, max_months } => {
                format!("the term must be between {min_months} and {max_months} months")
            }
            Refusal::OpenLoan => "the member has an open loan; one open loan at a time".into(),
            Refusal::NotEnoughGuarantors { given, required } => {
                format!("{required} guarantor(s) required, {given} given")
            }
            Refusal::GuarantorIsBorrower { .. } => "the borrower cannot be their own guarantor".into(),
            Refusal::GuarantorTwice { member_id } => format!("guarantor {member_id} is named twice"),
            Refusal::GuarantorNotInGoodStanding { member_id } => {
                format!("guarantor {member_id} is not an active member in good standing")
            }
            Refusal::GuarantorOverCeiling { member_id, room } => {
                format!("guarantor {member_id} can guarantee only {room} rials more")
            }
            Refusal::NotEnoughCash { cash } => format!("the fund has only {cash} rials in cash"),
            Refusal::NonPositiveAmount => "the amount must be more than zero".into(),
        }
    }
}

/// Whole months from `from` to `to` (Jalali months: 1403/01/15 → 1403/04/14 is 2 months).
pub fn whole_months_between(from: IsoDate, to: IsoDate) -> u32 {
    let (a, b) = (from.to_jalali(), to.to_jalali());
    let mut months = (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32;
    if b.day() < a.day() && b.day() < b.jalali_month().days() {
        months -= 1;
    }
    months.max(0) as u32
}

/// Checks a request against the rules in force on its date; returns every reason it fails (empty:
/// eligible).
pub fn check_loan_request(
    rules: &FundRules,
    borrower: &MemberStanding,
    request: &LoanRequest,
    guarantors: &[MemberStanding],
    fund_cash: Rials,
) -> Vec<Refusal> {
    let mut refusals = Vec::new();
    if !request.amount.is_positive() {
        refusals.push(Refusal::NonPositiveAmount);
    }
    if !borrower.active {
        refusals.push(Refusal::NotActive);
    }
    let months = whole_months_between(borrower.joined_on, request.on);
    if months < rules.min_membership_months {
        refusals.push(Refusal::MembershipTooShort { months, required_months: rules.min_membership_months });
    }
    let ceiling = i128::from(borrower.savings.get()) * i128::from(rules.savings_multiple_hundredths) / 100;
    if i128::from(request.amount.get()) > ceiling {
        refusals
            .push(Refusal::OverSavingsCeiling { ceiling: Rials::new(ceiling.clamp(0, i128::from(i64::MAX)) as i64) });
    }
    if request.amount > rules.loan_cap {
        refusals.push(Refusal::OverCap { cap: rules.loan_cap });
    }
    if request.term_months < rules.term_months_min || request.term_months > rules.term_months_max {
        refusals.push(Refusal::TermOutOfRange { min_months: rules.term_months_min, max_months: rules.term_months_max });
    }
    if borrower.has_open_loan {
        refusals.push(Refusal::OpenLoan);
    }
    let given = guarantors.len() as u32;
    if given < rules.guarantors_required {
        refusals.push(Refusal::NotEnoughGuarantors { given, required: rules.guarantors_required });
    }
    let mut seen = Vec::with_capacity(guarantors.len());
    for g in guarantors {
        if g.member_id == borrower.member_id {
            refusals.push(Refusal::GuarantorIsBorrower { member_id: g.member_id });
            continue;
        }
        if seen.contains(&g.member_id) {
            refusals.push(Refusal::GuarantorTwice { member_id: g.member_id });
            continue;
        }
        seen.push(g.member_id);
        if !g.active || g.overdue_installments > 0 {
            refusals.push(Refusal::GuarantorNotInGoodStanding { member_id: g.member_id });
        }
        let room = Rials::new((rules.guarantor_ceiling.get() - g.guaranteed.get()).max(0));
        if request.amount > room {
            refusals.push(Refusal::GuarantorOverCeiling { member_id: g.member_id, room });
        }
    }
    if request.amount > fund_cash {
        refusals.push(Refusal::NotEnoughCash { cash: fund_cash });
    }
    refusals
}

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
    fn owed(&self, part: PaymentPart) -> i64 {
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

/// A lottery among eligible members that anyone can recompute: the winner is entrant
/// `SHA-256("abadi-lottery-v1" ‖ seed ‖ sorted entrant ids) mod n`, in ascending id order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LotteryDraw {
    pub seed: String,
    pub entrants: Vec<i64>,
    pub digest_hex: String,
    pub winner: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LotteryError {
    #[error("no member is eligible: there is nobody to draw")]
    NoEntrants,
    #[error("the seed is empty: record what was said aloud at the meeting, such as the date and three words")]
    EmptySeed,
}

pub fn draw_lottery(seed: &str, entrants: &[i64]) -> Result<LotteryDraw, LotteryError> {
    if seed.trim().is_empty() {
        return Err(LotteryError::EmptySeed);
    }
    let mut sorted = entrants.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return Err(LotteryError::NoEntrants);
    }
    let mut hasher = Sha256::new();
    hasher.update(b"abadi-lottery-v1\0");
    hasher.update((seed.len() as u64).to_le_bytes());
    hasher.update(seed.as_bytes());
    for id in &sorted {
        hasher.update(id.to_le_bytes());
    }
    let digest = hasher.finalize();
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let index = (u128::from_be_bytes(first) % sorted.len() as u128) as usize;
    let digest_hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(LotteryDraw { seed: seed.to_string(), winner: sorted[index], entrants: sorted, digest_hex })
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
