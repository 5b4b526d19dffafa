//! What every programme shares: the one door and who may pass it, signing in, the books, the
//! audit snapshots, jobs, the programme's reports and the journal export.

pub mod access;
pub mod auth;
pub mod books;
pub mod days;
pub mod door;
pub mod export;
pub mod jobs;
pub mod report;
pub mod snapshot;
