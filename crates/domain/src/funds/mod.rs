//! The village funds' own rules (the rest of the funds' core is in `fund` and `loan`, to move here).

pub mod lifecycle;
