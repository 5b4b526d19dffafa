//! The `abadi` binary: parses arguments, calls the libraries, prints, and picks the exit code. The
//! one place where errors become messages and exit codes is [`fail`].

mod args;
mod bench;
mod calc;
mod reports;
mod serve;
// What the parts define is named as if it were written here.
#[allow(unused_imports)]
pub use self::{args::*, bench::*, calc::*, reports::*, serve::*};

mod solar_cmd;

use app::Store;
use app::books::TrialBalanceScope;
use app::export::JournalFormat;
use app::model::{EntryFilter, StoreError};
use app::{Clock, SystemClock};
use clap::{Args, Parser, Subcommand, ValueEnum};
use domain::BookId;
use domain::text::Digits;
use std::process::ExitCode;
use std::sync::Arc;

/// A failure and the exit code it earns.
struct Failure {
    message: String,
    code: u8,
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        let code = match error {
            StoreError::Unexpected(_) => 70,
            StoreError::Unreachable(_) => 69,
            // EX_DATAERR: the input (the database file) is damaged.
            StoreError::Damaged(_) => 65,
            _ => 1,
        };
        Failure { message: error.to_string(), code }
    }
}

/// An error about a user named on the command line: "no user named …" when there is none.
fn user_failure(error: app::auth::AuthError, username: &str) -> Failure {
    match error {
        app::auth::AuthError::Store(StoreError::NotFound { .. }) => fail(format!("no user named {username}")),
        other => auth_failure(other),
    }
}

fn auth_failure(error: app::auth::AuthError) -> Failure {
    match error {
        app::auth::AuthError::Store(e) => e.into(),
        other => fail(other.to_string()),
    }
}

fn fail(message: impl Into<String>) -> Failure {
    Failure { message: message.into(), code: 1 }
}

/// A reader that stops early (`abadi … | head`) closes the pipe; printing then fails. Like any Unix
/// tool, `abadi` then ends quietly (status 141, as if by SIGPIPE) instead of printing a panic and a
/// backtrace. Every other panic is reported as before.
fn end_quietly_on_a_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        report(info);
    }));
}

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ABADI_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("abadi: cannot start: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("abadi: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    if let Command::Calc(CalcCommand::Loan(args)) = &cli.command {
        return calc_loan(args);
    }
    match &cli.command {
        Command::Solar(SolarCommand::Estimate(args)) => return solar_cmd::estimate(args),
        Command::Solar(SolarCommand::Bench(args)) => return solar_cmd::bench(args),
        Command::Solar(SolarCommand::Weather(args)) => return solar_cmd::weather(args),
        _ => {}
    }
    let store = Store::open(&cli.database).await?;
    match cli.command {
        Command::Serve { addr, secure_cookies, demo, demo_scale } => {
            if demo {
                if store.funds_with_places(None).await?.is_empty() {
                    build_demo(&store, 1405, demo_scale, None).await?;
                } else {
                    println!("the database already holds funds: serving them (sign in as before)");
                }
            }
            serve(store, &addr, secure_cookies).await
        }
        Command::Demo { seed, scale, today } => build_demo(&store, seed, scale, today.as_deref()).await,
        Command::Verify { stats } => verify(&store, stats).await,
        Command::Export(ExportCommand::Journal { format, book }) => {
            let format = match format {
                FormatArg::Hledger => JournalFormat::Hledger,
                FormatArg::Beancount => JournalFormat::Beancount,
            };
            let filter = book.map_or(EntryFilter::All, |b| EntryFilter::Book(BookId(b)));
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            app::export::write_journal(&store, filter, format, &mut out).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(ReportCommand::TrialBalance(args)) => trial_balance(&store, &args).await,
        Command::Report(ReportCommand::Statements { fund, period, json }) => {
            fund_report(&store, fund, &period, json).await
        }
        Command::Report(ReportCommand::Province(args)) => programme(&store, "province", &args).await,
        Command::Report(ReportCommand::County(args)) => programme(&store, "county", &args).await,
        Command::Report(ReportCommand::Fund(args)) => programme(&store, "fund", &args).await,
        Command::Report(ReportCommand::Dues { fund, month }) => {
            let on = match month {
                Some(text) => domain::date::parse_jalali_period(&text).map_err(|e| fail(e.to_string()))?.1,
                None => app::today_in_iran(&SystemClock),
            };
            let money = |v: domain::Rials| v.format(domain::MoneyUnit::Rial, Digits::Latin);
            println!("dues of fund {fund} for {} (rials)", on.jalali_month().name(Digits::Latin));
            println!("{:>7}  {:>14}  {:>14}  {:>14}  name", "member", "dues", "paid", "behind");
            for line in store.fund_dues(fund, on.to_iso()).await? {
                println!(
                    "{:>7}  {:>14}  {:>14}  {:>14}  {}",
                    line.member_id,
                    money(line.month.dues),
                    money(line.month.deposits),
                    money(line.month.behind),
                    line.name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calc(_) | Command::Solar(_) => Ok(ExitCode::SUCCESS),
        Command::User(UserCommand::Add { username, role, place, fund, display_name, language, password_stdin: _ }) => {
            let role = domain::access::Role::parse(&role).map_err(|e| Failure { message: e.to_string(), code: 2 })?;
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| fail(format!("cannot read the password from standard input: {e}")))?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let request = app::auth::UserRequest {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                role,
                place_id: place,
                fund_id: fund,
                bank_id: None,
                language,
            };
            let user =
                app::auth::add_user_as(&store, &SystemClock, &operator(), &request).await.map_err(auth_failure)?;
            println!("user {} ({}) created: {}", user.username, user.id, user.grant.role.code());
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Token { username, label }) => {
            let token =
                app::auth::issue_token_as(&store, &SystemClock, &operator(), &username, &label).await.map_err(|e| {
                    match e {
                        app::auth::AuthError::Store(StoreError::NotFound { .. }) => {
                            fail(format!("no user named {username}"))
                        }
                        other => auth_failure(other),
                    }
                })?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Disable { username }) => {
            let user = app::auth::set_disabled_as(&store, &SystemClock, &operator(), &username, true)
                .await
                .map_err(|e| user_failure(e, &username))?;
            println!("user {} ({}) disabled: their sessions and tokens have ended", user.username, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Enable { username }) => {
            let user = app::auth::set_disabled_as(&store, &SystemClock, &operator(), &username, false)
                .await
                .map_err(|e| user_failure(e, &username))?;
            println!("user {} ({}) enabled", user.username, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Revoke { username }) => {
            let user = app::auth::revoke_all_as(&store, &SystemClock, &operator(), &username)
                .await
                .map_err(|e| user_failure(e, &username))?;
            println!("every session and token of {} ({}) has ended", user.username, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::List) => {
            for user in store.users().await? {
                let scope = match &user.grant.scope {
                    domain::access::Scope::Installation => "installation".to_string(),
                    domain::access::Scope::Place(p) => format!("place {}", p.as_str()),
                    domain::access::Scope::Fund { fund_id, .. } => format!("fund {fund_id}"),
                    domain::access::Scope::Bank(b) => format!("bank {b}"),
                };
                println!("{:>4}  {:<20} {:<14} {scope}", user.id, user.username, user.grant.role.code());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(command) => {
            let (what, ImportArgs { fund, file, as_of, dry_run }) = match command {
                ImportCommand::Members(args) => (ImportKind::Members, args),
                ImportCommand::Loans(args) => (ImportKind::Loans, args),
            };
            let bytes = std::fs::read(&file).map_err(|e| fail(format!("cannot read {}: {e}", file.display())))?;
            let as_of = as_of.unwrap_or_else(|| app::today_in_iran(&SystemClock)).to_iso();
            let outcome = match what {
                ImportKind::Members => {
                    app::import::import_members(&store, &SystemClock, fund, &bytes, as_of, dry_run).await
                }
                ImportKind::Loans => {
                    app::import::import_open_loans(&store, &SystemClock, fund, &bytes, as_of, dry_run).await
                }
            };
            match outcome {
                Ok(summary) => {
                    let booked = summary.booked.format(domain::MoneyUnit::Rial, Digits::Latin);
                    let done = if summary.dry_run { "would import" } else { "imported" };
                    match what {
                        ImportKind::Members => {
                            println!("{done} {} member(s) with {booked} rials of opening savings", summary.rows)
                        }
                        ImportKind::Loans => {
                            println!("{done} {} open loan(s) with {booked} rials of principal unpaid", summary.rows)
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(app::import::ImportError::Rows(errors)) => {
                    for e in &errors {
                        if e.column.is_empty() {
                            println!("row {}: {}", e.row, e.reason);
                        } else {
                            println!("row {}, {}: {}", e.row, e.column, e.reason);
                        }
                    }
                    Err(fail(format!("{} problem(s) in {}; nothing was imported", errors.len(), file.display())))
                }
                Err(app::import::ImportError::Store(e)) => Err(e.into()),
            }
        }
        Command::Lottery(LotteryCommand::Draw { fund, seed, cycle, on }) => {
            let on = on.unwrap_or_else(|| app::today_in_iran(&SystemClock));
            let cycle = cycle.unwrap_or_else(|| on.year().to_string());
            let record = app::funds::draw(&store, &SystemClock, &operator(), fund, on.to_iso(), &cycle, &seed).await?;
            print_draw(&record);
            Ok(ExitCode::SUCCESS)
        }
        Command::Lottery(LotteryCommand::Verify { draw }) => {
            let record = store.lottery_draw(draw).await?;
            print_draw(&record);
            let again = domain::fund::draw_lottery(&record.draw.seed, &record.draw.entrants);
            match again {
                Ok(recomputed) if recomputed == record.draw => {
                    println!("verified: recomputing from the seed and the entrants gives the same winner");
                    Ok(ExitCode::SUCCESS)
                }
                Ok(recomputed) => {
                    println!("MISMATCH: recomputed winner {} with digest {}", recomputed.winner, recomputed.digest_hex);
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => {
                    println!("MISMATCH: {e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::CloseDay { until } => {
            let until = until.map_or_else(|| app::days::yesterday(&SystemClock), |d| d.to_iso());
            let report = app::days::close_days_until(&store, &SystemClock, until).await?;
            match (report.first, report.last) {
                (Some(first), Some(last)) => println!(
                    "closed {} day(s), {} to {}: {} loan(s) late",
                    report.days_closed,
                    first.to_jalali(),
                    last.to_jalali(),
                    report.loans_late
                ),
                _ => println!("every day up to {} was already closed", until.to_jalali()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { file } => {
            store.backup_to(&file).await?;
            println!("backup written to {file}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { quick, bulk_only, single_only, funds, reports } => {
            if reports {
                return bench_reports(&store).await;
            }
            if funds {
                return bench_funds(&store, quick).await;
            }
            bench(&store, &cli.database, quick, bulk_only, single_only).await
        }
    }
}

/// Times the reports on an existing province (the demo's): the figures, the pages, the members' XLSX.
/// Whoever runs the command: the operator of the installation, by the machine's user name.
fn operator() -> app::Actor {
    app::Actor::operator(&std::env::var("USER").unwrap_or_default())
}
