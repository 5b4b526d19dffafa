//! What every programme's core shares: money, Jalali dates, national IDs and phone numbers, Persian
//! text rules, places, the double-entry books, loan schedules, jobs, roles and the report figures.

pub mod access;
pub mod books;
pub mod date;
pub mod jobs;
pub mod loan;
pub mod money;
pub mod national_id;
pub mod phone;
pub mod place;
pub mod report;
pub mod text;
