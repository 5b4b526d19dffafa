//! `abadi report …` and `abadi verify`: the programme's reports, a fund's statements, trial balances, and the books verified.

use super::*;

/// The programme report on the command line: the same figures as the pages.
pub(crate) async fn programme(store: &Store, level: &str, args: &ProgrammeArgs) -> Result<ExitCode, Failure> {
    use app::report::{ReportScope, programme_report};
    let scope = match (level, args.place) {
        ("fund", Some(id)) => ReportScope::Fund(id),
        ("fund", None) => return Err(fail("say which fund: --fund ID")),
        (_, Some(id)) => ReportScope::Place(id),
        (_, None) => ReportScope::Installation,
    };
    let today = app::today_in_iran(&SystemClock).to_iso();
    let parse = |text: &str| {
        domain::JalaliDate::parse(text)
            .map(|d| d.to_iso())
            .map_err(|e| fail(format!("{text}: {e} / {}", e.message_fa())))
    };
    let from = match &args.from {
        Some(text) => parse(text)?,
        None => domain::JalaliDate::new(1390, 1, 1).map_err(|e| fail(e.to_string()))?.to_iso(),
    };
    let to = match &args.to {
        Some(text) => parse(text)?,
        None => today,
    };
    let report = programme_report(store, &scope, from, to, today).await?;
    if args.json {
        let out = web::json::report_json(&report);
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
    } else if args.csv {
        let stdout = std::io::stdout();
        app::report::write_csv(&report, &mut stdout.lock()).map_err(|e| fail(e.to_string()))?;
    } else if let Some(path) = &args.xlsx {
        let bytes = app::report::xlsx_bytes(&report)?;
        std::fs::write(path, bytes).map_err(|e| fail(format!("cannot write {}: {e}", path.display())))?;
        println!("written: {}", path.display());
    } else {
        println!("{}", app::report::summary_fa(&report));
        let (columns, rows) = app::report::table(&report);
        for (c, title) in columns.iter().enumerate().skip(1) {
            let value = rows.first().and_then(|r| r.get(c)).map_or(String::new(), |cell| match cell {
                app::report::Cell::Text(t) => t.clone(),
                app::report::Cell::Whole(v) => domain::text::group_digits(&v.to_string(), Digits::Latin),
                app::report::Cell::Decimal(v) => format!("{v}"),
                app::report::Cell::Empty => "-".into(),
            });
            println!("{title}: {value}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn fund_report(store: &Store, fund_id: i64, period: &str, json: bool) -> Result<ExitCode, Failure> {
    let (first, last) = domain::date::parse_jalali_period(period).map_err(|e| fail(e.to_string()))?;
    let s = app::funds::fund_statements(store, fund_id, first.to_iso(), last.to_iso()).await?;
    let lines = |items: &[(String, String, i64)]| -> Vec<serde_json::Value> {
        items
            .iter()
            .map(|(code, name, amount)| serde_json::json!({"code": code, "name": name, "amount_rials": amount}))
            .collect()
    };
    if json {
        let out = serde_json::json!({
            "fund": fund_id,
            "from": first.to_string(),
            "to": last.to_string(),
            "balance_sheet": {
                "assets": lines(&s.assets),
                "liabilities": lines(&s.liabilities),
                "equity": lines(&s.equity),
                "retained_earnings_rials": s.retained_earnings,
                "total_assets_rials": s.total_assets(),
                "total_liabilities_and_equity_rials": s.total_liabilities_and_equity(),
            },
            "income_statement": {
                "income": lines(&s.income),
                "expenses": lines(&s.expenses),
                "net_income_rials": s.net_income,
            },
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    let money = |v: i64| domain::Rials::new(v).format(domain::MoneyUnit::Rial, Digits::Latin);
    println!("fund {fund_id}: balance sheet at {last}, income statement {first} to {last} (rials)");
    for (title, items) in [("assets", &s.assets), ("liabilities", &s.liabilities), ("equity", &s.equity)] {
        println!("{title}");
        for (code, name, amount) in items.iter() {
            println!("  {code:<8} {:>18}  {name}", money(*amount));
        }
    }
    println!("  {:<8} {:>18}  retained earnings", "", money(s.retained_earnings));
    println!(
        "total assets {} = liabilities and equity {}",
        money(s.total_assets()),
        money(s.total_liabilities_and_equity())
    );
    for (title, items) in [("income", &s.income), ("expenses", &s.expenses)] {
        println!("{title}");
        for (code, name, amount) in items.iter() {
            println!("  {code:<8} {:>18}  {name}", money(*amount));
        }
    }
    println!("net income {}", money(s.net_income));
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn print_draw(record: &app::model::DrawRecord) {
    println!(
        "draw {} of fund {}, cycle {}, on {}",
        record.id,
        record.fund_id,
        record.cycle,
        record.drawn_on.to_jalali()
    );
    println!("seed: {}", record.draw.seed);
    println!(
        "entrants ({}): {}",
        record.draw.entrants.len(),
        record.draw.entrants.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    );
    println!("sha256: {}", record.draw.digest_hex);
    println!("winner: member {}", record.draw.winner);
}

pub(crate) async fn verify(store: &Store, stats: bool) -> Result<ExitCode, Failure> {
    let started = std::time::Instant::now();
    let report = store.verify().await?;
    println!(
        "checked {} books, {} accounts, {} entries, {} postings: balances, stored balances and hash chains",
        report.books, report.accounts, report.entries, report.postings
    );
    if stats {
        println!("elapsed_ms {}", started.elapsed().as_millis());
        if let Some(kib) = peak_memory_kib() {
            println!("peak_memory_mib {:.1}", kib as f64 / 1024.0);
        }
    }
    if report.is_clean() {
        println!("ok: every invariant holds");
        return Ok(ExitCode::SUCCESS);
    }
    for p in &report.problems {
        let at = match (p.seq, p.account_id) {
            (Some(seq), _) => format!("book {} entry {}", p.book_id, seq),
            (None, Some(account)) => format!("book {} account {}", p.book_id, account),
            (None, None) => format!("book {}", p.book_id),
        };
        println!("BROKEN {at}: {}", p.message);
    }
    println!("{} problem(s) found", report.problems.len());
    Ok(ExitCode::FAILURE)
}

pub(crate) async fn trial_balance(store: &Store, args: &TrialBalanceArgs) -> Result<ExitCode, Failure> {
    let scope = match (args.book, args.place) {
        (Some(book), _) => TrialBalanceScope::Book(BookId(book)),
        (None, Some(place)) => TrialBalanceScope::Place(place),
        (None, None) => TrialBalanceScope::All,
    };
    let tb = app::books::trial_balance(store, scope).await?;
    let (debits, credits) = tb.totals();
    if args.json {
        let lines: Vec<serde_json::Value> = tb
            .lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "code": l.code,
                    "name": l.name,
                    "kind": l.kind.code(),
                    "journal_account": args.book.map(|b| app::export::journal_name_of_line(b, l)),
                    "balance_rials": l.balance_rials,
                    "debit_rials": l.debit_rials(),
                    "credit_rials": l.credit_rials(),
                })
            })
            .collect();
        let scope_json = match scope {
            TrialBalanceScope::All => serde_json::json!({ "all": true }),
            TrialBalanceScope::Book(b) => serde_json::json!({ "book": b.0 }),
            TrialBalanceScope::Place(p) => serde_json::json!({ "place": p }),
        };
        let out = serde_json::json!({
            "scope": scope_json,
            "lines": lines,
            "total_debit_rials": i64::try_from(debits).map_err(|_| fail("the total debits exceed 64 bits"))?,
            "total_credit_rials": i64::try_from(credits).map_err(|_| fail("the total credits exceed 64 bits"))?,
            "balanced": debits == credits,
        });
        println!("{}", serde_json::to_string_pretty(&out).map_err(|e| fail(e.to_string()))?);
        return Ok(ExitCode::SUCCESS);
    }
    let digits = match args.digits {
        DigitsArg::Latin => Digits::Latin,
        DigitsArg::Persian => Digits::Persian,
    };
    let money = |v: i64| domain::Rials::new(v).format(domain::MoneyUnit::Rial, digits);
    let big = |v: i128| domain::text::group_digits(&v.to_string(), digits);
    println!("{:<10} {:<10} {:>22} {:>22}  name", "code", "kind", "debit (rials)", "credit (rials)");
    for l in &tb.lines {
        println!(
            "{:<10} {:<10} {:>22} {:>22}  {}",
            l.code,
            l.kind.code(),
            money(l.debit_rials()),
            money(l.credit_rials()),
            l.name
        );
    }
    println!("{:<10} {:<10} {:>22} {:>22}", "total", "", big(debits), big(credits));
    if tb.lines.is_empty() {
        println!("(no accounts in this scope)");
    }
    Ok(ExitCode::SUCCESS)
}
