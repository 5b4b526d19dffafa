//! What every programme's storage shares: places, books and their entries, users and the audit
//! trail, jobs, the programme's report figures, the schema, and the transaction handle.

pub(crate) mod books;
pub(crate) mod jobs;
pub(crate) mod report;
pub(crate) mod schema;
pub(crate) mod tx;
pub(crate) mod users;
