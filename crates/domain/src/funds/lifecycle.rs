//! A fund loan's life as a state machine: requested → (first approval) → approved → disbursed →
//! closed when repaid (reopened when a repayment is reversed), or written off. The store keeps only the
//! compare-and-set (`UPDATE … WHERE status = 'requested'`); what may happen, and what it leads to, is
//! decided here.

/// Where a loan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LoanStatus {
    Requested,
    Approved,
    Disbursed,
    Closed,
    WrittenOff,
}

impl LoanStatus {
    pub const ALL: [LoanStatus; 5] = [
        LoanStatus::Requested,
        LoanStatus::Approved,
        LoanStatus::Disbursed,
        LoanStatus::Closed,
        LoanStatus::WrittenOff,
    ];

    pub fn code(self) -> &'static str {
        match self {
            LoanStatus::Requested => "requested",
            LoanStatus::Approved => "approved",
            LoanStatus::Disbursed => "disbursed",
            LoanStatus::Closed => "closed",
            LoanStatus::WrittenOff => "written_off",
        }
    }

    pub fn parse(code: &str) -> Option<LoanStatus> {
        LoanStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Who approves: a user (by id) with the name shown. The system and old records have no id; then the
/// name is all there is to compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approver {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Approver {
    /// Whether two approvals come from the same person: by user id when both have one.
    pub fn same_person(&self, other: &Approver) -> bool {
        match (self.user_id, other.user_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.name.trim() == other.name.trim(),
        }
    }
}

/// What happens to a loan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoanEvent<'a> {
    /// An approval; `needs_two` when the amount is above the fund's second-approval threshold, and
    /// `first` the approval already given, if any.
    Approve {
        by: &'a Approver,
        first: Option<&'a Approver>,
        needs_two: bool,
    },
    Disburse,
    /// A repayment leaving `owed_after` rials on the schedule.
    Repay {
        owed_after_rials: i64,
    },
    /// A repayment reversed, leaving `owed_after` rials.
    ReverseRepayment {
        owed_after_rials: i64,
    },
    WriteOff,
}

/// What an event does to the loan's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoanStep {
    /// The first of two approvals: recorded, the loan still waits.
    FirstApproval,
    /// The approval that makes the loan approved (the only one, or the second).
    Approved { second: bool },
    /// The status becomes this.
    To(LoanStatus),
    /// The event already happened (a retried write-off): nothing changes.
    AlreadyDone,
}

/// Why an event cannot happen to a loan in its state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoanRefusal {
    #[error("the loan is {}, not waiting for approval", .0.code())]
    NotWaitingForApproval(LoanStatus),
    #[error("the loan is already approved")]
    AlreadyApproved,
    #[error("{0} already approved this loan; a second person must approve it")]
    SameApprover(String),
    #[error("the loan is {}, not approved for payment", .0.code())]
    NotApproved(LoanStatus),
    #[error("the loan is {}: payments go to disbursed loans", .0.code())]
    NotDisbursed(LoanStatus),
    #[error("the loan is {}: only a disbursed loan is written off", .0.code())]
    NotWrittenOffFrom(LoanStatus),
}

impl LoanRefusal {
    pub fn message_fa(&self) -> String {
        match self {
            LoanRefusal::NotWaitingForApproval(_) => "این وام در انتظار تأیید نیست".into(),
            LoanRefusal::AlreadyApproved => "این وام پیش‌تر تأیید شده است".into(),
            LoanRefusal::SameApprover(name) => {
                format!("{name} این وام را پیش‌تر تأیید کرده است؛ تأیید دوم با فرد دیگری است")
            }
            LoanRefusal::NotApproved(_) => "این وام هنوز برای پرداخت تأیید نشده است".into(),
            LoanRefusal::NotDisbursed(_) => "پرداخت قسط فقط برای وام پرداخت‌شده است".into(),
            LoanRefusal::NotWrittenOffFrom(_) => "فقط وام پرداخت‌شده سوخت می‌شود".into(),
        }
    }
}

/// The one rule of the loan's life: what `event` does to a loan that is `status`.
pub fn next_step(status: LoanStatus, event: &LoanEvent<'_>) -> Result<LoanStep, LoanRefusal> {
    use LoanStatus::*;
    match (status, event) {
        (Requested, LoanEvent::Approve { by, first, needs_two }) => match (first, needs_two) {
            (None, false) => Ok(LoanStep::Approved { second: false }),
            (None, true) => Ok(LoanStep::FirstApproval),
            (Some(first), true) if first.same_person(by) => Err(LoanRefusal::SameApprover(first.name.clone())),
            (Some(_), true) => Ok(LoanStep::Approved { second: true }),
            (Some(_), false) => Err(LoanRefusal::AlreadyApproved),
        },
        (other, LoanEvent::Approve { .. }) => Err(LoanRefusal::NotWaitingForApproval(other)),
        (Approved, LoanEvent::Disburse) => Ok(LoanStep::To(Disbursed)),
        (other, LoanEvent::Disburse) => Err(LoanRefusal::NotApproved(other)),
        (Disbursed, LoanEvent::Repay { owed_after_rials }) => {
            Ok(LoanStep::To(if *owed_after_rials == 0 { Closed } else { Disbursed }))
        }
        (other, LoanEvent::Repay { .. }) => Err(LoanRefusal::NotDisbursed(other)),
        (Disbursed | Closed, LoanEvent::ReverseRepayment { owed_after_rials }) => {
            Ok(LoanStep::To(if *owed_after_rials == 0 { Closed } else { Disbursed }))
        }
        (other, LoanEvent::ReverseRepayment { .. }) => Err(LoanRefusal::NotDisbursed(other)),
        (Disbursed, LoanEvent::WriteOff) => Ok(LoanStep::To(WrittenOff)),
        (WrittenOff, LoanEvent::WriteOff) => Ok(LoanStep::AlreadyDone),
        (other, LoanEvent::WriteOff) => Err(LoanRefusal::NotWrittenOffFrom(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LoanStatus::*;

    fn person(id: Option<i64>, name: &str) -> Approver {
        Approver { user_id: id, name: name.into() }
    }

    #[test]
    fn every_status_round_trips_its_code() {
        for status in LoanStatus::ALL {
            assert_eq!(LoanStatus::parse(status.code()), Some(status));
        }
        assert_eq!(LoanStatus::parse("lost"), None);
    }

    #[test]
    fn approvals_follow_the_threshold() {
        let a = person(Some(1), "مریم");
        let b = person(Some(2), "مریم"); // the same display name, another user
        let approve = |by, first, needs_two| LoanEvent::Approve { by, first, needs_two };
        assert_eq!(next_step(Requested, &approve(&a, None, false)), Ok(LoanStep::Approved { second: false }));
        assert_eq!(next_step(Requested, &approve(&a, None, true)), Ok(LoanStep::FirstApproval));
        assert_eq!(next_step(Requested, &approve(&b, Some(&a), true)), Ok(LoanStep::Approved { second: true }));
        assert!(matches!(next_step(Requested, &approve(&a, Some(&a), true)), Err(LoanRefusal::SameApprover(_))));
        assert_eq!(next_step(Requested, &approve(&b, Some(&a), false)), Err(LoanRefusal::AlreadyApproved));
        // Without ids (the system, old records) the name decides.
        let c = person(None, "رضا");
        let c_again = person(None, " رضا ");
        assert!(next_step(Requested, &approve(&c, Some(&c_again), true)).is_err());
        for status in [Approved, Disbursed, Closed, WrittenOff] {
            assert_eq!(next_step(status, &approve(&a, None, false)), Err(LoanRefusal::NotWaitingForApproval(status)));
        }
    }

    /// The whole table: each status × event has exactly one answer, and only the listed ones succeed.
    #[test]
    fn only_the_listed_transitions_succeed() {
        let a = person(Some(1), "a");
        let events = [
            LoanEvent::Disburse,
            LoanEvent::Repay { owed_after_rials: 5 },
            LoanEvent::Repay { owed_after_rials: 0 },
            LoanEvent::ReverseRepayment { owed_after_rials: 5 },
            LoanEvent::WriteOff,
            LoanEvent::Approve { by: &a, first: None, needs_two: false },
        ];
        let mut allowed = Vec::new();
        for status in LoanStatus::ALL {
            for (index, event) in events.iter().enumerate() {
                if let Ok(step) = next_step(status, event) {
                    allowed.push((status, index, step));
                }
            }
        }
        assert_eq!(
            allowed,
            vec![
                (Requested, 5, LoanStep::Approved { second: false }),
                (Approved, 0, LoanStep::To(Disbursed)),
                (Disbursed, 1, LoanStep::To(Disbursed)),
                (Disbursed, 2, LoanStep::To(Closed)),
                (Disbursed, 3, LoanStep::To(Disbursed)),
                (Disbursed, 4, LoanStep::To(WrittenOff)),
                (Closed, 3, LoanStep::To(Disbursed)),
                (WrittenOff, 4, LoanStep::AlreadyDone),
            ]
        );
    }

    #[test]
    fn refusals_speak_both_languages() {
        let refusal = LoanRefusal::NotDisbursed(Closed);
        assert!(refusal.to_string().contains("closed"));
        assert!(!refusal.message_fa().is_empty());
    }
}
