//! The figures a programme is judged by, derived from facts read from the books and the registers:
//! funds, members, savings, loans, PAR30, capital injected, loans disbursed, jobs expected and
//! confirmed, and money per confirmed job. Pure: the facts come in, the figures go out; nothing here
//! divides by zero.

use crate::Rials;

/// What a place (or a fund) holds at the end of a period and what moved during it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportFacts {
    pub funds: u64,
    pub villages: u64,
    pub members: u64,
    pub members_active: u64,
    /// Members' savings at the period's end.
    pub savings: Rials,
    /// Principal of loans still owed at the period's end.
    pub loans_outstanding: Rials,
    /// Of which owed on loans more than 30 days late (known for the present only: `None` for a
    /// period that ended in the past, since days late are kept for the last close of day).
    pub loans_late_30: Option<Rials>,
    /// Capital put into the funds during the period (loans and grants).
    pub capital_injected: Rials,
    /// Loans paid out during the period.
    pub loans_disbursed: Rials,
    /// Jobs promised during the period, in hundredths of a full-time job.
    pub jobs_expected_fte_hundredths: i64,
    /// Jobs confirmed by a visit during the period and not lost by its end, in hundredths.
    pub jobs_confirmed_fte_hundredths: i64,
}

impl ReportFacts {
    /// The facts of two places together; `None` if a sum would overflow (a mistyped amount somewhere:
    /// the report says so rather than show a wrapped figure).
    pub fn checked_add(self, other: ReportFacts) -> Option<ReportFacts> {
        let rials = |a: Rials, b: Rials| a.checked_add(b).ok();
        Some(ReportFacts {
            funds: self.funds.checked_add(other.funds)?,
            villages: self.villages.checked_add(other.villages)?,
            members: self.members.checked_add(other.members)?,
            members_active: self.members_active.checked_add(other.members_active)?,
            savings: rials(self.savings, other.savings)?,
            loans_outstanding: rials(self.loans_outstanding, other.loans_outstanding)?,
            loans_late_30: match (self.loans_late_30, other.loans_late_30) {
                (Some(a), Some(b)) => Some(rials(a, b)?),
                _ => None,
            },
            capital_injected: rials(self.capital_injected, other.capital_injected)?,
            loans_disbursed: rials(self.loans_disbursed, other.loans_disbursed)?,
            jobs_expected_fte_hundredths: self
                .jobs_expected_fte_hundredths
                .checked_add(other.jobs_expected_fte_hundredths)?,
            jobs_confirmed_fte_hundredths: self
                .jobs_confirmed_fte_hundredths
                .checked_add(other.jobs_confirmed_fte_hundredths)?,
        })
    }

    /// The facts of many places together, checked; `None` on overflow.
    pub fn total(facts: impl IntoIterator<Item = ReportFacts>) -> Option<ReportFacts> {
        facts.into_iter().try_fold(
            ReportFacts { loans_late_30: Some(Rials::ZERO), ..ReportFacts::default() },
            ReportFacts::checked_add,
        )
    }
}

impl ReportFacts {
    /// Nothing at all: the report says so instead of showing a page of zeros as if they were news.
    pub fn is_empty(&self) -> bool {
        self.funds == 0
            && self.members == 0
            && self.capital_injected == Rials::ZERO
            && self.loans_disbursed == Rials::ZERO
            && self.jobs_expected_fte_hundredths == 0
            && self.jobs_confirmed_fte_hundredths == 0
    }

    /// The share of outstanding principal more than 30 days late: 0 when nothing is owed, `None` when
    /// not known for the period.
    pub fn par30(&self) -> Option<f64> {
        let late = self.loans_late_30?;
        if self.loans_outstanding.get() <= 0 {
            return Some(0.0);
        }
        Some(late.get() as f64 / self.loans_outstanding.get() as f64)
    }

    /// Capital injected per confirmed job, rounded to the rial; `None` with no confirmed job.
    pub fn injected_per_confirmed_job(&self) -> Option<Rials> {
        per_job(self.capital_injected, self.jobs_confirmed_fte_hundredths)
    }

    /// Loans disbursed per confirmed job, rounded to the rial; `None` with no confirmed job.
    pub fn lent_per_confirmed_job(&self) -> Option<Rials> {
        per_job(self.loans_disbursed, self.jobs_confirmed_fte_hundredths)
    }
}

/// `amount / (hundredths / 100)`, rounded half away from zero; `None` when there are no jobs.
pub fn per_job(amount: Rials, fte_hundredths: i64) -> Option<Rials> {
    if fte_hundredths <= 0 {
        return None;
    }
    let numerator = i128::from(amount.get()) * 100;
    let denominator = i128::from(fte_hundredths);
    let rounded = (numerator * 2 + denominator) / (denominator * 2);
    i64::try_from(rounded).ok().map(Rials::new)
}

/// Hundredths of a job as text: `12`, `12.5`, `12.25`.
pub fn fte_text(hundredths: i64) -> String {
    let (whole, part) = (hundredths / 100, (hundredths % 100).abs());
    match part {
        0 => whole.to_string(),
        p if p % 10 == 0 => format!("{whole}.{}", p / 10),
        p => format!("{whole}.{p:02}"),
    }
}

/// Hundredths of a job as a JSON-friendly number.
pub fn fte_number(hundredths: i64) -> f64 {
    hundredths as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_per_job_is_exact_and_never_divides_by_zero() {
        // The seed: 29 billion tomans injected, 3,000 jobs: about 9.7 million tomans a job.
        let injected = Rials::new(290_000_000_000);
        assert_eq!(per_job(injected, 300_000), Some(Rials::new(96_666_667)));
        assert_eq!(per_job(injected, 0), None);
        assert_eq!(per_job(Rials::new(100), 150), Some(Rials::new(67)), "1.5 jobs: 66.67 rounds to 67");
        let empty = ReportFacts::default();
        assert!(empty.is_empty());
        assert_eq!(empty.injected_per_confirmed_job(), None);
        assert_eq!(ReportFacts { loans_late_30: Some(Rials::ZERO), ..empty }.par30(), Some(0.0));
        assert_eq!(empty.par30(), None, "unknown for a past period");
    }

    #[test]
    fn facts_add_up_and_jobs_read_as_text() {
        let a = ReportFacts {
            funds: 1,
            loans_outstanding: Rials::new(1_000),
            loans_late_30: Some(Rials::new(100)),
            jobs_confirmed_fte_hundredths: 150,
            ..ReportFacts::default()
        };
        let b =
            ReportFacts { funds: 2, loans_outstanding: Rials::new(3_000), loans_late_30: Some(Rials::new(300)), ..a };
        let total = ReportFacts::total([a, b]).unwrap();
        assert_eq!(total.funds, 3);
        assert_eq!(total.par30(), Some(0.1));
        assert_eq!(total.jobs_confirmed_fte_hundredths, 300);
        assert_eq!(fte_text(1250), "12.5");
        assert_eq!(fte_text(1225), "12.25");
        assert_eq!(fte_text(300), "3");
    }

    #[test]
    fn a_roll_up_that_would_overflow_says_so_instead_of_wrapping() {
        let huge = ReportFacts { savings: Rials::new(i64::MAX - 10), ..ReportFacts::default() };
        let one = ReportFacts { savings: Rials::new(11), ..ReportFacts::default() };
        assert_eq!(ReportFacts::total([huge, one]), None);
        assert_eq!(huge.checked_add(ReportFacts { funds: u64::MAX, ..huge }), None);
        assert_eq!(ReportFacts::total([one, one]).map(|t| t.savings), Some(Rials::new(22)));
    }
}
