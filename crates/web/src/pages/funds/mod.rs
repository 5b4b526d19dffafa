//! The village funds' pages: the officer's list, a fund's home, members, the join form, a member's statement and the meeting sheet (in their parts), loans and the lottery.

use super::*;

mod home;
pub(super) mod loans;
pub(super) mod lottery;
mod meeting;
mod members;
pub(super) mod oversight;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{home::*, meeting::*, members::*};
