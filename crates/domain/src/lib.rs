//! Abadi's pure core.
//!
//! Money, Jalali dates, national IDs, phone numbers, Persian text rules, places and the double-entry
//! books. Plain Rust: no IO, no async, no database, no JSON, no clock. Time and ids are passed in.

pub mod funds;
pub mod kernel;

/// The funds' core by its older name.
pub use funds as fund;
/// The kernel's modules by their short names.
pub use kernel::{access, books, date, jobs, loan, money, national_id, phone, place, report, text};

pub use books::{
    AccountCode, AccountId, AccountKind, BookId, EntryCode, EntryDraft, EntrySeq, IdempotencyKey, LedgerError,
    PostingDraft, Side,
};
pub use date::{DateError, IsoDate, JalaliDate, JalaliMonth, JalaliYear};
pub use money::{MoneyError, MoneyUnit, Rials};
pub use national_id::{NationalId, NationalIdError};
pub use phone::{PhoneError, PhoneNumber};
pub use place::{PlaceKind, PlacePath};
pub use text::Digits;
