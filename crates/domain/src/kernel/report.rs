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

impl std::ops::Add for ReportFacts {
    type Output = ReportFacts;
    fn add(self, other: ReportFacts) -> ReportFacts {
        ReportFacts {
            funds: self.funds + other.funds,
            villages: self.villages + other.villages,
            members: self.members + other.members,
            members_active: self.members_active + other.members_active,
            savings: Rials::new(self.savings.get() + other.savings.get()),
            loans_outstanding: Rials::new(self.loans_outstanding.get() + other.loans_outstanding.get()),
            loans_late_30: match (self.loans_late_30, other.loans_late_30) {
                (Some(a), Some(b)) => Some(Rials::new(a.get() + b.get())),
                _ => None,
            },
            capital_injected: Rials::new(self.capital_injected.get() + other.capital_injected.get()),
            loans_disbursed: Rials::new(self.loans_disbursed.get() + other.loans_disbursed.get()),
            jobs_expected_fte_hundredths: self.jobs_expected_fte_hundredths + other.jobs_expected_fte_hundredths,
            jobs_confirmed_fte_hundredths: self.jobs_confirmed_fte_hundredths + other.jobs_confirmed_fte_hundredths,
        }
    }
}

impl std::iter::Sum for ReportFacts {
    fn sum<I: Iterator<Item = ReportFacts>>(iter: I) -> ReportFacts {
        iter.fold(ReportFacts { loans_late_30: Some(Rials::ZERO), ..ReportFacts::default() }, |a, b| a + b)
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
        let total: ReportFacts = [a, b].into_iter().sum();
        assert_eq!(total.funds, 3);
        assert_eq!(total.par30(), Some(0.1));
        assert_eq!(total.jobs_confirmed_fte_hundredths, 300);
        assert_eq!(fte_text(1250), "12.5");
        assert_eq!(fte_text(1225), "12.25");
        assert_eq!(fte_text(300), "3");
    }
}
