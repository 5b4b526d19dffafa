//! The values the shells show and send: what the store keeps, as `app` hands it out. The shells
//! (`web`, `cli`) name these through `app::model` and never depend on `store` themselves.

pub use store::{
    Account, AuditFilter, AuditRecord, Backend, Book, CATCH_UP_DAYS_MAX, CapitalRecord, CloseReport, DrawRecord,
    DuesLine, EntryFilter, Fund, FundFacts, ImportedLoan, ImportedMember, Job, JobSpec, Loan, LoanApplication, LoanDue,
    LoanStatus, MeetingOutcome, Member, MemberStatement, NewMember, OpenedLoan, Place, PostOutcome, PostStatus,
    PostedEntry, Repayment, RepaymentRecord, SCHEMA_VERSION, SessionKind, StoreError, StoreResult, User, VerifyProblem,
    VerifyReport, Visit,
};
