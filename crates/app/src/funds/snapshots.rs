//! What the audit trail keeps of a fund's things before and after a change: the same fields the API
//! shows, whichever door the change came through.

use crate::kernel::snapshot::Snapshot;
use domain::IsoDate;
use domain::fund::FundRules;
use store::{DrawRecord, Fund, Loan, Member, Repayment};

pub fn fund(fund: &Fund, place: &domain::PlacePath) -> Snapshot {
    Snapshot::new()
        .int("id", fund.id)
        .text("name", &fund.name)
        .int("place_id", fund.place_id)
        .text("place_path", place.as_str())
        .int("book_id", fund.book_id.0)
        .day("opened_on", fund.opened_on)
}

pub fn member(member: &Member) -> Snapshot {
    Snapshot::new()
        .int("id", member.id)
        .int("fund_id", member.fund_id)
        .text("national_id", &member.national_id)
        .text("first_name", &member.first_name)
        .text("last_name", &member.last_name)
        .text("father_name", &member.father_name)
        .text("phone", &member.phone)
        .day("joined_on", member.joined_on)
        .opt_day("left_on", member.left_on)
        .bool("active", member.left_on.is_none())
}

pub fn loan(loan: &Loan) -> Snapshot {
    Snapshot::new()
        .int("id", loan.id)
        .int("fund_id", loan.fund_id)
        .int("member_id", loan.member_id)
        .int("amount_rials", loan.amount.get())
        .int("term_months", i64::from(loan.term_months))
        .text("karmozd_method", loan.method.code())
        .decimal("fee_rate_percent", i64::from(loan.fee_rate.basis_points()), 2)
        .text("status", loan.status.code())
        .day("requested_on", loan.requested_on)
        .opt_text("approved_by", loan.approved_by.as_deref())
        .opt_int("approved_by_user_id", loan.approved_by_user_id)
        .opt_text("second_approved_by", loan.second_approved_by.as_deref())
        .opt_int("second_approved_by_user_id", loan.second_approved_by_user_id)
        .opt_day("disbursed_on", loan.disbursed_on)
        .int("upfront_fee_rials", loan.upfront_fee.get())
        .int("days_past_due", loan.days_past_due)
        .opt_text("written_off_by", loan.written_off_by.as_deref())
}

pub fn repayment(loan_id: i64, amount: Option<domain::Rials>, repayment: &Repayment) -> Snapshot {
    Snapshot::new()
        .int("loan_id", loan_id)
        .opt_int("amount_rials", amount.map(domain::Rials::get))
        .int("entry_seq", repayment.seq.0)
        .list(
            "lines",
            repayment.lines.iter().map(|l| {
                Snapshot::new()
                    .int("number", i64::from(l.number))
                    .int("penalty_rials", l.penalty.get())
                    .int("fee_rials", l.fee.get())
                    .int("principal_rials", l.principal.get())
            }),
        )
}

pub fn draw(record: &DrawRecord) -> Snapshot {
    Snapshot::new()
        .int("draw_id", record.id)
        .text("cycle", &record.cycle)
        .day("drawn_on", record.drawn_on)
        .text("seed", &record.draw.seed)
        .ints("entrants", record.draw.entrants.iter().copied())
        .text("digest", &record.draw.digest_hex)
        .int("winner_member_id", record.draw.winner)
}

pub fn rules(from: IsoDate, r: &FundRules) -> Snapshot {
    Snapshot::new()
        .day("from", from)
        .int("monthly_savings_rials", r.monthly_savings.get())
        .int("min_membership_months", i64::from(r.min_membership_months))
        .decimal("savings_multiple", i64::from(r.savings_multiple_hundredths), 2)
        .int("loan_cap_rials", r.loan_cap.get())
        .int("term_months_min", i64::from(r.term_months_min))
        .int("term_months_max", i64::from(r.term_months_max))
        .text("karmozd_method", r.karmozd_method.code())
        .decimal("fee_rate_percent", i64::from(r.fee_rate.basis_points()), 2)
        .int("rounding_unit_rials", r.rounding_unit.get())
        .int("guarantors_required", i64::from(r.guarantors_required))
        .int("guarantor_ceiling_rials", r.guarantor_ceiling.get())
        .text("late_rule", r.late_rule.code())
        .int("late_fixed_rials", r.late_rule.fixed_amount().get())
        .text("payment_order", &domain::fund::PaymentPart::order_code(r.payment_order))
        .text("selection", r.selection.code())
        .int("second_approval_above_rials", r.second_approval_above.get())
}

/// A sheet's lines as (id, amount), under the name the sheet gives its ids.
pub fn sheet_lines(id_name: &str, lines: &[(i64, domain::Rials)]) -> Vec<Snapshot> {
    lines.iter().map(|(id, amount)| Snapshot::new().int(id_name, *id).int("amount_rials", amount.get())).collect()
}
