//! Abadi's pure core.
//!
//! Money, Jalali dates, national IDs, phone numbers, Persian text rules, places and the double-entry
//! books. Plain Rust: no IO, no async, no database, no JSON, no clock. Time and ids are passed in.

pub mod access;
pub mod books;
pub mod date;
pub mod fund;
pub mod funds;
pub mod jobs;
pub mod loan;
pub mod money;
pub mod national_id;
pub mod phone;
pub mod place;
pub mod report;
pub mod text;

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
