//! The village funds (صندوق قرض‌الحسنه): members and their savings, loans from request to payoff,
//! the meeting sheet, the lottery, the programme's capital, the fund's rules, and imports. Every
//! change here is a command through the one door ([`crate::command`]): authorised, written with
//! its audit record in one transaction.

mod capital;
pub mod import;
pub mod loans;
mod lottery;
mod members;
mod rules;
mod savings;
pub mod snapshots;

pub use capital::{CapitalMove, InjectionKind, inject_capital, move_capital, move_capital_in, repay_capital};
pub use lottery::draw;
pub use members::{FieldProblem, MemberInput, join, leave, new_member};
pub use rules::{change_rules, open_fund};
pub use savings::{
    SavingsMove, fund_statements, meeting_sheet, move_savings, move_savings_in, record_savings_sheet,
    record_savings_sheet_in, savings_balance, savings_sheet,
};
