//! `abadi bench`: the benchmarks of the books, the funds and the pages, on a database of its own.

use super::*;

pub(crate) async fn bench_reports(store: &Store) -> Result<ExitCode, Failure> {
    use std::time::Instant;
    let funds = store.funds_with_places(None).await?;
    let Some((_, path)) = funds.first() else {
        return Err(fail("no province here: build one first with `abadi demo`"));
    };
    let province_id = path
        .as_str()
        .split('/')
        .filter(|s| !s.is_empty())
        .nth(1)
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| fail("the funds lie in no province"))?;
    let today = app::today_in_iran(&SystemClock).to_iso();
    let from = domain::JalaliDate::new(domain::JalaliDate::from_iso(today).year() - 4, 1, 1)
        .map_err(|e| fail(e.to_string()))?
        .to_iso();
    let scope = app::report::ReportScope::Place(province_id);
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..10 {
        let started = Instant::now();
        report = Some(app::report::programme_report(store, &scope, from, today, today).await?);
        times.push(started.elapsed());
    }
    times.sort();
    let report = report.ok_or_else(|| fail("no report"))?;
    println!(
        "province report figures:      {:>8.1} ms (median of 10; {} funds, {} members)",
        times[5].as_secs_f64() * 1000.0,
        report.total.funds,
        report.total.members
    );
    let state = web::AppState::new(store.clone(), Arc::new(SystemClock));
    let pages = web::bench::time_report_pages(&state, province_id, 10).await?;
    for (name, time, how) in [
        ("dashboard page", pages.dashboard, "first request, reading the figures"),
        ("programme report page", pages.programme, "first request, reading the figures"),
        ("dashboard page, kept", pages.dashboard_kept, "median of 10 while the data is unchanged"),
        ("programme report page, kept", pages.programme_kept, "median of 10 while the data is unchanged"),
        ("league table page", pages.league, "median of 10"),
    ] {
        println!("{name:<30}{:>8.1} ms ({how}, through the router)", time.as_secs_f64() * 1000.0);
    }
    let started = Instant::now();
    let bytes = app::report::members_xlsx(store, None).await?;
    println!(
        "XLSX of every member:          {:>8.1} ms ({} members, {} KB)",
        started.elapsed().as_secs_f64() * 1000.0,
        report.total.members,
        bytes.len() / 1024
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub(crate) async fn bench(
    store: &Store,
    url: &str,
    quick: bool,
    bulk_only: Option<u64>,
    single_only: Option<u64>,
) -> Result<ExitCode, Failure> {
    let clock = SystemClock;
    if let Some(count) = single_only {
        let (_, villages) = app::workload::synthetic_province(store, 1, 1).await?;
        let fund = app::workload::open_fund_book(store, villages[0], "single", clock.now_ms()).await?;
        let started = std::time::Instant::now();
        app::workload::post_one_by_one(store, &fund, "single", count, clock.now_ms()).await?;
        println!("single durable entries: {:.0} entries/s", count as f64 / started.elapsed().as_secs_f64());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(count) = bulk_only {
        let (_, villages) = app::workload::synthetic_province(store, 1, 1).await?;
        let fund = app::workload::open_fund_book(store, villages[0], "bulk", clock.now_ms()).await?;
        println!("posting {count} entries to book {}", fund.book);
        app::workload::post_synthetic(store, &fund, "bulk", count, 1_000, clock.now_ms(), |done| {
            println!("posted {done}");
        })
        .await?;
        return Ok(ExitCode::SUCCESS);
    }
    if !store.books().await?.is_empty() {
        return Err(fail("the benchmark needs an empty database: give it a new one with --database"));
    }
    let sizes = if quick { app::workload::BenchSizes::QUICK } else { app::workload::BenchSizes::FULL };
    println!("benchmark on {} ({} mode)", store_kind(store), if quick { "quick" } else { "full" });
    let figures = app::workload::run_bench(store, sizes, |line| println!("  {line}")).await?;
    println!("bulk posting:              {:>12.0} postings/s", figures.bulk_postings_per_s);
    println!("single durable entries:    {:>12.0} entries/s", figures.single_entries_per_s);
    println!(
        "trial balance, big book:   {:>12.2} ms ({} postings)",
        ms(figures.big_book_trial_balance),
        sizes.big_book_postings
    );
    println!(
        "trial balance, place:      {:>12.2} ms ({} books, {} postings)",
        ms(figures.place_trial_balance),
        figures.place_trial_balance_books,
        sizes.place_postings
    );
    println!(
        "verify (in process):       {:>12.2} s ({} postings)",
        figures.verify.as_secs_f64(),
        figures.verify_postings
    );
    // Verify again as a fresh process, as an operator would run it, to measure its own peak memory.
    if let Ok(exe) = std::env::current_exe() {
        let output = std::process::Command::new(exe).args(["--database", url, "verify", "--stats"]).output();
        if let Ok(output) = output {
            for line in String::from_utf8_lossy(&output.stdout).lines() {
                if let Some(v) = line.strip_prefix("elapsed_ms ") {
                    println!("abadi verify (process):    {:>12} ms", v);
                }
                if let Some(v) = line.strip_prefix("peak_memory_mib ") {
                    println!("abadi verify peak memory:  {:>12} MiB", v);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn bench_funds(store: &Store, quick: bool) -> Result<ExitCode, Failure> {
    if !store.books().await?.is_empty() {
        return Err(fail("the benchmark needs an empty database: give it a new one with --database"));
    }
    let sizes = if quick { app::workload::FundBenchSizes::QUICK } else { app::workload::FundBenchSizes::PROVINCE };
    println!("funds benchmark on {} ({} mode)", store_kind(store), if quick { "quick" } else { "province" });
    let f = app::workload::run_fund_bench(store, sizes, |line| println!("  {line}")).await?;
    println!(
        "built:                     {} funds, {} members, {} savings entries, {} loans in {:.1} s",
        sizes.funds,
        f.members,
        f.savings_entries,
        f.loans,
        f.build.as_secs_f64()
    );
    println!(
        "a month of savings:        {:>10.2} s ({} members, one sheet per fund)",
        f.month_of_savings.as_secs_f64(),
        f.members
    );
    println!(
        "a month of repayments:     {:>10.2} s ({} loans, one sheet per fund)",
        f.month_of_repayments.as_secs_f64(),
        f.loans
    );
    println!(
        "a month of meeting sheets: {:>10.2} s (savings and repayments of each fund in one transaction)",
        f.month_of_meetings.as_secs_f64()
    );
    println!("close of day (province):   {:>10.2} ms", ms(f.close_day));
    println!("member statement:          {:>10.2} ms ({} months)", ms(f.statement), sizes.months + 2);
    println!("fund health figures:       {:>10.2} ms", ms(f.health));
    println!("  timing pages (median of {}, through the whole router, no network)", sizes.repetitions);
    let state = web::AppState::new(store.clone(), Arc::new(SystemClock));
    let pages = web::bench::time_pages(state, f.first_fund_id, f.province_id, sizes.repetitions as usize).await?;
    println!("fund home page:            {:>10.2} ms", ms(pages.fund_home));
    println!("meeting sheet page:        {:>10.2} ms", ms(pages.meeting_sheet));
    println!("officer's list of funds:   {:>10.2} ms ({} funds)", ms(pages.funds_list), pages.funds_listed);
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

pub(crate) fn store_kind(store: &Store) -> &'static str {
    match store.backend() {
        app::model::Backend::Sqlite => "SQLite",
        app::model::Backend::Postgres => "PostgreSQL",
    }
}
