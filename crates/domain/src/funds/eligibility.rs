//! Whether a member may borrow: every rule of the fund checked at once, each refusal in English and Persian.

use super::*;

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
