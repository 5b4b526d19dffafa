//! `abadi calc loan`: a loan's schedule worked out without a database.

use super::*;

pub(crate) fn calc_loan(args: &LoanArgs) -> Result<ExitCode, Failure> {
    use domain::loan::KarmozdMethod;
    let method = match args.method {
        MethodArg::Simple => KarmozdMethod::Simple,
        MethodArg::Annuity => KarmozdMethod::Annuity,
        MethodArg::Upfront => KarmozdMethod::Upfront,
        MethodArg::None => KarmozdMethod::None,
    };
    let start = args.start.unwrap_or_else(|| app::today_in_iran(&SystemClock));
    let terms = domain::loan::LoanTerms {
        principal: args.amount,
        term_months: args.months,
        fee_rate: args.fee_rate,
        method,
        rounding_unit: args.rounding,
        start,
    };
    let schedule = domain::loan::schedule(&terms).map_err(|e| fail(e.to_string()))?;
    if args.json {
        let installments: Vec<serde_json::Value> = schedule
            .installments
            .iter()
            .map(|i| {
                serde_json::json!({
                    "number": i.number,
                    "due_on": i.due_on.to_string(),
                    "due_on_iso": i.due_on.to_iso().to_string(),
                    "amount_rials": i.amount.get(),
                    "principal_rials": i.principal.get(),
                    "fee_rials": i.fee.get(),
                })
            })
            .collect();
        let out = serde_json::json!({
            "principal_rials": args.amount.get(),
            "term_months": args.months,
            "fee_rate_percent": args.fee_rate.to_string(),
            "method": method.code(),
            "rounding_rials": args.rounding.get(),
            "start": start.to_string(),
            "installments": installments,
            "upfront_fee_rials": schedule.upfront_fee.get(),
            "total_fee_rials": schedule.total_fee().get(),
            "total_rials": schedule.total().get(),
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    let digits = match args.digits {
        DigitsArg::Latin => Digits::Latin,
        DigitsArg::Persian => Digits::Persian,
    };
    let money = |v: domain::Rials| v.format(domain::MoneyUnit::Rial, digits);
    let show = |text: String| domain::text::show_digits(&text, digits);
    println!(
        "{} rials, {} months, karmozd {}% ({}, {}), from {}",
        money(args.amount),
        show(args.months.to_string()),
        show(args.fee_rate.to_string()),
        method.code(),
        method.name_fa(),
        start.format(digits)
    );
    println!("{:>4}  {:<10}  {:>16}  {:>16}  {:>14}", "no.", "due", "amount", "principal", "fee");
    for i in &schedule.installments {
        println!(
            "{:>4}  {:<10}  {:>16}  {:>16}  {:>14}",
            show(i.number.to_string()),
            i.due_on.format(digits),
            money(i.amount),
            money(i.principal),
            money(i.fee)
        );
    }
    if schedule.upfront_fee.is_positive() {
        println!("fee taken at disbursement: {}", money(schedule.upfront_fee));
    }
    println!("total fee: {}", money(schedule.total_fee()));
    println!("total repaid: {}", money(schedule.total()));
    Ok(ExitCode::SUCCESS)
}
