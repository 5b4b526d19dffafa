//! How records look in the JSON API, and the two input types every form of typing must reach: an
//! amount (a JSON integer of rials, or a string in any digits with separators) and a Jalali day.

use domain::fund::InstallmentBalance;
use domain::{IsoDate, JalaliDate, JalaliMonth, PlacePath, Rials};
use serde::Deserialize;
use serde_json::{Value, json};

/// An amount of rials as sent: `1500000`, `"1500000"`, `"۱٬۵۰۰٬۰۰۰"` or `"1,500,000"`.
#[derive(Clone, Copy, Debug)]
pub struct Amount(pub Rials);

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Typed {
            Whole(i64),
            Text(String),
        }
        match Typed::deserialize(deserializer)? {
            Typed::Whole(n) => Ok(Amount(Rials::new(n))),
            Typed::Text(text) => Rials::parse(&text).map(Amount).map_err(serde::de::Error::custom),
        }
    }
}

/// A day as typed in the Jalali calendar: `"1403/05/12"`, `"۱۴۰۳/۵/۱۲"`, `"1403-05-12"`.
#[derive(Clone, Copy, Debug)]
pub struct Day(pub IsoDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        let text = String::deserialize(deserializer)?;
        JalaliDate::parse(&text).map(|d| Day(d.to_iso())).map_err(serde::de::Error::custom)
    }
}

/// A day in the API's answers: the Jalali date, with the ISO date beside it for machines.
pub fn day_json(day: IsoDate) -> Value {
    json!({ "jalali": day.to_jalali().to_string(), "iso": day.to_string() })
}

pub fn month_json(month: JalaliMonth) -> String {
    format!("{}/{:02}", month.year(), month.month())
}

pub fn rials(amount: Rials) -> i64 {
    amount.get()
}

pub fn fund_json(fund: &app::model::Fund, place: &PlacePath) -> Value {
    json!({
        "id": fund.id,
        "name": fund.name,
        "place_id": fund.place_id,
        "place_path": place.as_str(),
        "book_id": fund.book_id.0,
        "opened_on": day_json(fund.opened_on),
    })
}

pub fn member_json(member: &app::model::Member) -> Value {
    json!({
        "id": member.id,
        "fund_id": member.fund_id,
        "national_id": member.national_id,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "father_name": member.father_name,
        "phone": member.phone,
        "joined_on": day_json(member.joined_on),
        "left_on": member.left_on.map(day_json),
        "active": member.left_on.is_none(),
    })
}

pub fn loan_json(loan: &app::model::Loan) -> Value {
    json!({
        "id": loan.id,
        "fund_id": loan.fund_id,
        "member_id": loan.member_id,
        "amount_rials": rials(loan.amount),
        "term_months": loan.term_months,
        "karmozd_method": loan.method.code(),
        "fee_rate_percent": f64::from(loan.fee_rate.basis_points()) / 100.0,
        "status": loan.status.code(),
        "requested_on": day_json(loan.requested_on),
        "approved_by": loan.approved_by,
        "second_approved_by": loan.second_approved_by,
        "disbursed_on": loan.disbursed_on.map(day_json),
        "upfront_fee_rials": rials(loan.upfront_fee),
        "days_past_due": loan.days_past_due,
        "written_off_by": loan.written_off_by,
    })
}

pub fn installment_json(i: &InstallmentBalance) -> Value {
    json!({
        "number": i.number,
        "due_on": day_json(i.due_on),
        "principal_due_rials": rials(i.principal_due),
        "fee_due_rials": rials(i.fee_due),
        "penalty_due_rials": rials(i.penalty_due),
        "principal_paid_rials": rials(i.principal_paid),
        "fee_paid_rials": rials(i.fee_paid),
        "penalty_paid_rials": rials(i.penalty_paid),
        "outstanding_rials": rials(i.outstanding()),
    })
}

/// A report's figures: the keys the command line and the API share.
pub fn facts_json(f: &domain::report::ReportFacts) -> Value {
    use domain::report::fte_number;
    json!({
        "funds": f.funds,
        "villages": f.villages,
        "members": f.members,
        "members_active": f.members_active,
        "savings_rials": f.savings.get(),
        "loans_outstanding_rials": f.loans_outstanding.get(),
        "par30": f.par30(),
        "capital_injected_rials": f.capital_injected.get(),
        "loans_disbursed_rials": f.loans_disbursed.get(),
        "jobs_expected": fte_number(f.jobs_expected_fte_hundredths),
        "jobs_confirmed": fte_number(f.jobs_confirmed_fte_hundredths),
        "injected_per_confirmed_job_rials": f.injected_per_confirmed_job().map(Rials::get),
        "lent_per_confirmed_job_rials": f.lent_per_confirmed_job().map(Rials::get),
    })
}

/// The programme report: the figures at the top level, then by county, fund and month.
pub fn report_json(report: &app::report::ProgrammeReport) -> Value {
    let mut out = facts_json(&report.total);
    let extra = json!({
        "title": report.title,
        "place_id": report.place.as_ref().map(|p| p.id),
        "fund_id": report.fund_id,
        "from": day_json(report.from),
        "to": day_json(report.to),
        "empty": report.total.is_empty(),
        "summary_fa": app::report::summary_fa(report),
        "by_county": report.by_county.iter().map(|(id, name, f)| {
            let mut row = facts_json(f);
            row["county_id"] = json!(id);
            row["name"] = json!(name);
            row
        }).collect::<Vec<_>>(),
        "by_fund": report.funds.iter().map(|f| {
            let mut facts = f.facts;
            facts.villages = 1;
            let mut row = facts_json(&facts);
            row["fund_id"] = json!(f.fund.id);
            row["name"] = json!(f.fund.name);
            row
        }).collect::<Vec<_>>(),
        "by_month": report.by_month.iter().map(|(m, f)| json!({
            "month": month_json(*m),
            "capital_injected_rials": f.capital_injected.get(),
            "loans_disbursed_rials": f.loans_disbursed.get(),
            "jobs_expected": domain::report::fte_number(f.jobs_expected_fte_hundredths),
            "jobs_confirmed": domain::report::fte_number(f.jobs_confirmed_fte_hundredths),
        })).collect::<Vec<_>>(),
    });
    if let (Value::Object(out), Value::Object(extra)) = (&mut out, extra) {
        out.extend(extra);
    }
    out
}

/// A plant's year as the API and `abadi solar estimate --json` show it: monthly kWh (Gregorian months
/// of the weather's local time, January first; and Jalali, Farvardin first), the year, kWh per kWp,
/// the capacity factor, and what it was computed from.
pub fn solar_estimate_json(
    design: &solar::PlantDesign,
    estimate: &solar::Estimate,
    altitude_m: f64,
    weather_source: &str,
) -> Value {
    let round = |v: f64| (v * 10.0).round() / 10.0;
    json!({
        "monthly_kwh": estimate.monthly.iter().map(|e| round(e.0)).collect::<Vec<_>>(),
        "monthly_kwh_jalali": estimate.monthly_jalali.iter().map(|e| round(e.0)).collect::<Vec<_>>(),
        "annual_kwh": round(estimate.annual.0),
        "specific_yield_kwh_per_kwp": round(estimate.specific_yield_kwh_per_kwp),
        "capacity_factor": (estimate.capacity_factor * 10_000.0).round() / 10_000.0,
        "hours": estimate.hours,
        "dc_capacity_kw": design.dc_capacity.0,
        "ac_rating_kw": design.ac_rating().0,
        "tilt_deg": design.surface.tilt_deg,
        "azimuth_deg": design.surface.azimuth_deg,
        "losses_percent": design.losses_percent,
        "altitude_m": altitude_m,
        "weather_source": weather_source,
    })
}
