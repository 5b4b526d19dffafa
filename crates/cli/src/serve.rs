//! `abadi serve` and `abadi demo`: the web application with its hourly close of day, and the demo province.

use super::*;

/// Builds the demo province with a progress bar, adds its users and prints how to sign in.
pub(crate) async fn build_demo(
    store: &Store,
    seed: u64,
    scale: ScaleArg,
    today: Option<&str>,
) -> Result<ExitCode, Failure> {
    use std::io::Write;
    if !store.funds_with_places(None).await?.is_empty() {
        return Err(fail(
            "the demo is built into an empty database; this one already holds funds (choose another --database)",
        ));
    }
    let today = match today {
        Some(text) => domain::JalaliDate::parse(text).map_err(|e| fail(format!("{text}: {e}")))?.to_iso(),
        None => app::today_in_iran(&SystemClock).to_iso(),
    };
    let scale = match scale {
        ScaleArg::Small => app::demo::DemoScale::Small,
        ScaleArg::Province => app::demo::DemoScale::Province,
    };
    let started = std::time::Instant::now();
    eprintln!("building the demo province (seed {seed}) / ساخت استان نمایشی");
    let summary = app::demo::build_demo(store, seed, scale, today, |done, all| {
        let width = 40;
        let filled = (done as usize * width) / all.max(1) as usize;
        eprint!("\r[{}{}] {done}/{all} months", "#".repeat(filled), " ".repeat(width - filled));
        let _ = std::io::stderr().flush();
    })
    .await?;
    eprintln!();
    let users = app::demo::add_demo_users(store, &SystemClock, &summary).await.map_err(|e| fail(e.to_string()))?;
    println!(
        "demo built in {:.1} s: {} funds, {} members, {} loans ({} written off), {} jobs promised, {} rials of capital",
        started.elapsed().as_secs_f64(),
        summary.funds,
        summary.members,
        summary.loans,
        summary.written_off,
        summary.jobs,
        domain::text::group_digits(&summary.capital_injected.get().to_string(), Digits::Latin),
    );
    println!("sign in with / ورود با:");
    for (username, password, role) in users {
        println!("  {role:<14} username {username:<10} password {password}");
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn serve(store: Store, addr: &str, secure_cookies: bool) -> Result<ExitCode, Failure> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| fail(format!("cannot listen on {addr}: {e}")))?;
    let local = listener.local_addr().map_err(|e| fail(e.to_string()))?;
    println!("Abadi is serving on http://{local}/ (آبادی در حال اجراست)");
    // The close of day runs at start-up and then every hour: a laptop that slept through midnight
    // catches up on the days it missed. Closing a closed day is a no-op.
    let closer = store.clone();
    tokio::spawn(async move {
        loop {
            match app::days::close_days_until(&closer, &SystemClock, app::days::yesterday(&SystemClock)).await {
                Ok(report) if report.days_closed > 0 => {
                    tracing::info!(days = report.days_closed, late = report.loans_late, "closed days")
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "close of day failed; will retry"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3_600)).await;
        }
    });
    let state = web::AppState { secure_cookies, ..web::AppState::new(store, Arc::new(SystemClock)) };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    web::serve(listener, state, shutdown).await.map_err(|e| fail(format!("server stopped: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
