//! Jobs: what a loan (and later the employment programme, solar plants and cooperatives) promises and
//! what a visit confirms. Counted in full-time equivalents, kept as hundredths so that sums are exact.
//! Expected and confirmed jobs are different figures and are never added together.

use crate::IsoDate;

/// Where a job comes from. Open to the programmes still to come.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobSource {
    FundLoan,
    EmploymentLoan,
    SolarPlant,
    Cooperative,
}

/// Created (a new job) or revived (one that had stopped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobKind {
    Created,
    Revived,
}

/// Full time counts as one job, part time as half of one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobHours {
    FullTime,
    PartTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Female,
    Male,
    Unknown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgeGroup {
    Under25,
    From25To44,
    From45,
    Unknown,
}

/// A job's standing: promised, seen by a visit, or gone (the business closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobStatus {
    Expected,
    Confirmed,
    Lost,
}

/// What a visit found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VisitOutcome {
    /// The job is there.
    Working,
    /// Not yet there; the job stays expected.
    NotYet,
    /// The business closed: the job is lost.
    Closed,
}

macro_rules! codes {
    ($ty:ident { $($variant:ident => $code:literal, $fa:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            pub fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }
            pub fn name_fa(self) -> &'static str {
                match self { $($ty::$variant => $fa),+ }
            }
            pub fn parse(code: &str) -> Option<$ty> {
                let code = code.trim().to_ascii_lowercase();
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }
    };
}

codes!(JobSource {
    FundLoan => "fund_loan", "وام صندوق",
    EmploymentLoan => "employment_loan", "تسهیلات اشتغال",
    SolarPlant => "solar_plant", "نیروگاه خورشیدی",
    Cooperative => "cooperative", "تعاونی",
});
codes!(JobKind { Created => "created", "ایجاد", Revived => "revived", "احیا" });
codes!(JobHours { FullTime => "full_time", "تمام‌وقت", PartTime => "part_time", "پاره‌وقت" });
codes!(Sex { Female => "female", "زن", Male => "male", "مرد", Unknown => "unknown", "نامشخص" });
codes!(AgeGroup {
    Under25 => "under_25", "زیر ۲۵ سال",
    From25To44 => "25_44", "۲۵ تا ۴۴ سال",
    From45 => "45_plus", "۴۵ سال و بیشتر",
    Unknown => "unknown", "نامشخص",
});
codes!(JobStatus { Expected => "expected", "پیش‌بینی‌شده", Confirmed => "confirmed", "تأییدشده", Lost => "lost", "ازدست‌رفته" });
codes!(VisitOutcome { Working => "working", "برقرار", NotYet => "not_yet", "هنوز نه", Closed => "closed", "تعطیل" });

/// The activities jobs are counted under (the seed's: livestock, carpets, greenhouses, workshops…).
pub const ACTIVITIES: &[(&str, &str, &str)] = &[
    ("livestock", "دامداری", "Livestock"),
    ("poultry", "مرغداری", "Poultry"),
    ("beekeeping", "زنبورداری", "Beekeeping"),
    ("farming", "کشاورزی", "Farming"),
    ("greenhouse", "گلخانه", "Greenhouse"),
    ("carpet_weaving", "قالی‌بافی", "Carpet weaving"),
    ("handicrafts", "صنایع دستی", "Handicrafts"),
    ("workshop", "کارگاه", "Workshop"),
    ("services", "خدمات", "Services"),
    ("other", "سایر", "Other"),
];

/// The activity's code if it is one of `ACTIVITIES`.
pub fn activity(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_lowercase();
    ACTIVITIES.iter().map(|(c, _, _)| *c).find(|c| *c == code)
}

impl JobHours {
    /// Hundredths of a full-time job.
    pub fn fte_hundredths(self) -> i64 {
        match self {
            JobHours::FullTime => 100,
            JobHours::PartTime => 50,
        }
    }
}

/// Why a visit or a job is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobRefusal {
    #[error("the job was already confirmed on {0}: a later visit is a follow-up, not a second confirmation")]
    AlreadyConfirmed(IsoDate),
    #[error("the job was lost on {0}; it cannot be visited again")]
    AlreadyLost(IsoDate),
    #[error("the visit on {visit} is before the loan was paid out on {paid_out}")]
    VisitBeforeLoan { visit: IsoDate, paid_out: IsoDate },
    #[error("the loan was never paid out: jobs are confirmed by a visit after the money is paid")]
    LoanNotPaidOut,
    #[error("the loan was not approved (it is {0}): only an approved loan promises jobs")]
    LoanNotApproved(&'static str),
    #[error("the visit on {visit} is after today ({today})")]
    VisitInFuture { visit: IsoDate, today: IsoDate },
    #[error("a follow-up is for a confirmed job; this one is still only expected: record a confirmation visit")]
    NotConfirmedYet,
    #[error("a follow-up finds the job working or closed")]
    FollowUpOutcome,
}

impl JobRefusal {
    pub fn message_fa(&self) -> String {
        let day = |d: &IsoDate| crate::text::to_persian_digits(&crate::JalaliDate::from_iso(*d).to_string());
        match self {
            JobRefusal::AlreadyConfirmed(on) => {
                format!("این شغل پیش‌تر در {} تأیید شده است: بازدید بعدی پیگیری است، نه تأیید دوباره", day(on))
            }
            JobRefusal::AlreadyLost(on) => format!("این شغل در {} از دست رفته است و بازدید دوباره ندارد", day(on)),
            JobRefusal::VisitBeforeLoan { visit, paid_out } => {
                format!("تاریخ بازدید ({}) پیش از پرداخت وام ({}) است", day(visit), day(paid_out))
            }
            JobRefusal::LoanNotPaidOut => "وام هنوز پرداخت نشده است: شغل پس از پرداخت با بازدید تأیید می‌شود".into(),
            JobRefusal::LoanNotApproved(status) => {
                format!("وام تصویب نشده است (وضعیت: {status}): فقط وام تصویب‌شده شغل پیش‌بینی می‌کند")
            }
            JobRefusal::VisitInFuture { visit, today } => {
                format!("تاریخ بازدید ({}) پس از امروز ({}) است", day(visit), day(today))
            }
            JobRefusal::NotConfirmedYet => {
                "پیگیری برای شغل تأییدشده است؛ این شغل هنوز پیش‌بینی‌شده است: بازدید تأیید ثبت کنید".into()
            }
            JobRefusal::FollowUpOutcome => "در پیگیری، شغل یا برقرار است یا تعطیل شده".into(),
        }
    }
}

/// A job as far as a visit needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobState {
    pub status: JobStatus,
    pub confirmed_on: Option<IsoDate>,
    pub lost_on: Option<IsoDate>,
    /// When the money behind the job was paid out (a loan's disbursement).
    pub paid_out_on: Option<IsoDate>,
}

/// Why a visit was made: to confirm a promised job, or to follow a confirmed one up (at 6 and 12 months).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VisitPurpose {
    Confirmation,
    FollowUp,
}

codes!(VisitPurpose { Confirmation => "confirmation", "تأیید", FollowUp => "follow_up", "پیگیری" });

/// What a visit does to a job: its new status, or why the visit is refused. A job is confirmed once;
/// a follow-up finds a confirmed job still working or closed.
pub fn visit(
    job: &JobState,
    on: IsoDate,
    today: IsoDate,
    purpose: VisitPurpose,
    outcome: VisitOutcome,
) -> Result<JobStatus, JobRefusal> {
    if on > today {
        return Err(JobRefusal::VisitInFuture { visit: on, today });
    }
    let paid_out = job.paid_out_on.ok_or(JobRefusal::LoanNotPaidOut)?;
    if on < paid_out {
        return Err(JobRefusal::VisitBeforeLoan { visit: on, paid_out });
    }
    match (job.status, purpose, outcome) {
        (JobStatus::Lost, ..) => Err(JobRefusal::AlreadyLost(job.lost_on.unwrap_or(on))),
        (JobStatus::Confirmed, VisitPurpose::Confirmation, _) => {
            Err(JobRefusal::AlreadyConfirmed(job.confirmed_on.unwrap_or(on)))
        }
        (JobStatus::Expected, VisitPurpose::FollowUp, _) => Err(JobRefusal::NotConfirmedYet),
        (JobStatus::Confirmed, VisitPurpose::FollowUp, VisitOutcome::NotYet) => Err(JobRefusal::FollowUpOutcome),
        (_, _, VisitOutcome::Closed) => Ok(JobStatus::Lost),
        (_, _, VisitOutcome::Working) => Ok(JobStatus::Confirmed),
        (JobStatus::Expected, VisitPurpose::Confirmation, VisitOutcome::NotYet) => Ok(JobStatus::Expected),
    }
}

/// The follow-up visits due for a job confirmed on `confirmed_on`: at 6 and 12 months.
pub fn follow_ups(confirmed_on: IsoDate) -> [IsoDate; 2] {
    [confirmed_on.add_days(182), confirmed_on.add_days(365)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> IsoDate {
        crate::JalaliDate::parse(text).unwrap().to_iso()
    }

    #[test]
    fn codes_round_trip() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.code()), Some(*kind));
        }
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.code()), Some(*status));
        }
        assert_eq!(AgeGroup::parse("25_44"), Some(AgeGroup::From25To44));
        assert_eq!(activity("Livestock"), Some("livestock"));
        assert_eq!(activity("astrology"), None);
        assert_eq!(JobHours::PartTime.fte_hundredths() * 2, JobHours::FullTime.fte_hundredths());
    }

    #[test]
    fn a_visit_confirms_once_and_a_later_one_follows_up_or_loses_the_job() {
        use VisitOutcome::*;
        use VisitPurpose::*;
        let today = day("1403/12/01");
        let expected = JobState {
            status: JobStatus::Expected,
            confirmed_on: None,
            lost_on: None,
            paid_out_on: Some(day("1403/02/01")),
        };
        assert_eq!(visit(&expected, day("1403/05/01"), today, Confirmation, Working), Ok(JobStatus::Confirmed));
        assert_eq!(visit(&expected, day("1403/05/01"), today, Confirmation, NotYet), Ok(JobStatus::Expected));
        assert_eq!(visit(&expected, day("1403/05/01"), today, Confirmation, Closed), Ok(JobStatus::Lost));
        assert_eq!(visit(&expected, day("1403/05/01"), today, FollowUp, Working), Err(JobRefusal::NotConfirmedYet));
        assert_eq!(
            visit(&expected, day("1403/01/15"), today, Confirmation, Working),
            Err(JobRefusal::VisitBeforeLoan { visit: day("1403/01/15"), paid_out: day("1403/02/01") })
        );
        assert!(matches!(
            visit(&expected, day("1404/01/01"), today, Confirmation, Working),
            Err(JobRefusal::VisitInFuture { .. })
        ));
        let unpaid = JobState { paid_out_on: None, ..expected };
        assert_eq!(visit(&unpaid, day("1403/05/01"), today, Confirmation, Working), Err(JobRefusal::LoanNotPaidOut));
        let confirmed = JobState { status: JobStatus::Confirmed, confirmed_on: Some(day("1403/05/01")), ..expected };
        assert_eq!(
            visit(&confirmed, day("1403/06/01"), today, Confirmation, Working),
            Err(JobRefusal::AlreadyConfirmed(day("1403/05/01"))),
            "confirmed twice"
        );
        assert_eq!(visit(&confirmed, day("1403/11/01"), today, FollowUp, Working), Ok(JobStatus::Confirmed));
        assert_eq!(visit(&confirmed, day("1403/11/01"), today, FollowUp, Closed), Ok(JobStatus::Lost));
        assert_eq!(visit(&confirmed, day("1403/11/01"), today, FollowUp, NotYet), Err(JobRefusal::FollowUpOutcome));
        let lost = JobState { status: JobStatus::Lost, lost_on: Some(day("1403/11/01")), ..confirmed };
        assert!(matches!(visit(&lost, day("1403/11/20"), today, FollowUp, Working), Err(JobRefusal::AlreadyLost(_))));
        assert!(JobRefusal::AlreadyLost(day("1403/11/01")).message_fa().contains("۱۴۰۳/۱۱/۰۱"));
    }

    #[test]
    fn follow_ups_fall_at_six_and_twelve_months() {
        let [six, twelve] = follow_ups(day("1403/01/01"));
        assert_eq!(day("1403/01/01").days_until(six), 182);
        assert_eq!(day("1403/01/01").days_until(twelve), 365);
    }
}
