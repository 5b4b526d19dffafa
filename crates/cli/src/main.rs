//! The `abadi` binary: parses arguments, calls the libraries, prints, and picks the exit code. The
//! one place where errors become messages and exit codes is [`fail`].

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

const EXAMPLES: &str = "\
Examples / نمونه‌ها:
  abadi serve                                   # web app on http://127.0.0.1:8080, data in ./abadi.db
  abadi --database postgres://abadi@127.0.0.1/abadi serve --addr 0.0.0.0:8080
  abadi verify                                  # re-check every entry, balance and hash chain
  abadi report trial-balance --place 2 --digits persian   # تراز آزمایشی استان، با رقم فارسی
  abadi export journal --format hledger > abadi.journal && hledger -f abadi.journal balance
  abadi backup /media/usb/abadi-1405-09-06.db   # پشتیبان از پایگاه داده در حال کار";

#[derive(Parser, Debug)]
#[command(name = "abadi", version, about = "Abadi (آبادی): rural development finance, every rial and every job", after_help = EXAMPLES)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DATABASE.
    #[arg(long, global = true, env = "ABADI_DATABASE_URL", default_value = "sqlite://abadi.db")]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the web application.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Mark the session cookie Secure (when Abadi is served over HTTPS, say behind a proxy). Leave it
        /// off on plain HTTP, as on a village LAN: browsers drop Secure cookies there.
        #[arg(long)]
        secure_cookies: bool,
        /// Start on a demo province: built into the database first if it holds no fund yet (see
        /// `abadi demo`), with sign-in details printed.
        #[arg(long)]
        demo: bool,
        /// The demo's size when it is built here.
        #[arg(long, value_enum, default_value = "province", requires = "demo")]
        demo_scale: ScaleArg,
    },
    /// Build a synthetic but realistic province into an empty database, through the same use cases a
    /// treasurer would run: funds, members, four years of meetings, loans, capital, jobs and visits.
    Demo {
        /// The same seed (and day) builds the same province.
        #[arg(long, default_value_t = 1405)]
        seed: u64,
        #[arg(long, value_enum, default_value = "province")]
        scale: ScaleArg,
        /// The day the four years end, Jalali (default: today).
        #[arg(long)]
        today: Option<String>,
    },
    /// Re-check every invariant of the books from the stored postings; exits 1 on any break.
    Verify {
        /// Also print the time taken and the peak memory.
        #[arg(long)]
        stats: bool,
    },
    /// Export the books.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Reports derived from the books.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Close every day not yet closed up to DATE (default: yesterday): arrears, days late, penalties.
    /// Safe to run again; catches up on missed days.
    CloseDay {
        /// The last day to close (Jalali, such as 1403/05/12).
        #[arg(long, value_parser = parse_jalali)]
        until: Option<domain::JalaliDate>,
    },
    /// Bring a fund's existing records in from a spreadsheet.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Users of the web application and the API.
    #[command(subcommand)]
    User(UserCommand),
    /// The fund's lottery for the next loan.
    #[command(subcommand)]
    Lottery(LotteryCommand),
    /// Calculators that need no database.
    #[command(subcommand)]
    Calc(CalcCommand),
    /// Home solar plants: what a plant should produce.
    #[command(subcommand)]
    Solar(SolarCommand),
    /// Write a consistent copy of a live SQLite database to FILE (which must not exist).
    Backup {
        /// The new file.
        file: String,
    },
    /// Measure posting, trial balances and verification on the given (empty) database.
    Bench {
        /// Small sizes that finish in seconds, instead of the issue's full sizes.
        #[arg(long)]
        quick: bool,
        /// Only post this many synthetic entries in bulk (for crash tests), then stop.
        #[arg(long)]
        bulk_only: Option<u64>,
        /// Benchmark the funds at the seed's scale (445 funds, 22,000 members, four years) instead of the books.
        #[arg(long, conflicts_with_all = ["bulk_only", "single_only"])]
        funds: bool,
        /// Only post this many synthetic entries one durable transaction each, then stop.
        #[arg(long, conflicts_with = "bulk_only")]
        single_only: Option<u64>,
        /// Time the reports on a database that already holds a province (`abadi demo`): the
        /// programme report's figures, the dashboard and report pages, and an XLSX of every member.
        #[arg(long, conflicts_with_all = ["bulk_only", "single_only", "funds"])]
        reports: bool,
    },
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Members with their opening savings (Persian or English headers: کد ملی, نام, نام خانوادگی,
    /// نام پدر, موبایل, تاریخ عضویت, پس‌انداز). All or nothing.
    Members(ImportArgs),
    /// Open loans with what was repaid so far (کد ملی, مبلغ وام, مدت, تاریخ پرداخت, پرداخت شده, موضوع,
    /// اشتغال ایجادی, اشتغال احیایی); the members must be imported first. All or nothing.
    Loans(ImportArgs),
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user; the password is read from standard input (one line), never from the command line.
    Add {
        #[arg(long)]
        username: String,
        /// administrator, officer, treasurer, auditor or bank_liaison.
        #[arg(long)]
        role: String,
        /// The place an officer or auditor is granted (it and everything under it).
        #[arg(long, conflicts_with = "fund")]
        place: Option<i64>,
        /// The fund a treasurer is granted.
        #[arg(long)]
        fund: Option<i64>,
        /// The name shown on pages and recorded on approvals (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// fa or en.
        #[arg(long, default_value = "fa")]
        language: String,
        /// Read the password from standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Issue an API token for a user and print it once (only its hash is kept).
    Token {
        #[arg(long)]
        username: String,
        /// What the token is for, such as the integration's name.
        #[arg(long, default_value = "api token")]
        label: String,
    },
    /// List the users with their roles and scopes.
    List,
}

#[derive(Clone, Copy, Debug)]
enum ImportKind {
    Members,
    Loans,
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    #[arg(long)]
    fund: i64,
    /// The sheet: XLSX (the first sheet is read) or CSV (UTF-8, as Excel saves "CSV UTF-8").
    #[arg(long)]
    file: std::path::PathBuf,
    /// The date the opening balances are booked on (Jalali; default today).
    #[arg(long, value_parser = parse_jalali)]
    as_of: Option<domain::JalaliDate>,
    /// Run the whole import, check everything (the books included) and keep nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand, Debug)]
enum LotteryCommand {
    /// Draw among the members eligible on the date and record the result with its seed and entrants.
    Draw {
        #[arg(long)]
        fund: i64,
        /// What was said aloud at the meeting (date and three words, say): anyone can recompute from it.
        #[arg(long)]
        seed: String,
        /// The cycle a member wins at most once in (default: the Jalali year of the draw).
        #[arg(long)]
        cycle: Option<String>,
        /// The draw date (Jalali; default today).
        #[arg(long, value_parser = parse_jalali)]
        on: Option<domain::JalaliDate>,
    },
    /// Recompute a recorded draw from its published seed and entrants; exits 1 if it does not match.
    Verify {
        /// The draw's number.
        draw: i64,
    },
}

#[derive(Subcommand, Debug)]
enum SolarCommand {
    /// Monthly and yearly energy (kWh), kWh/kWp and capacity factor of a plant, from hourly weather.
    Estimate(solar_cmd::EstimateArgs),
    /// Time one plant's year and a province's fleet (3,000 plants) on one core.
    Bench(solar_cmd::BenchArgs),
    /// Print the built-in typical year for a place in Iran as an hourly weather CSV.
    Weather(solar_cmd::WeatherArgs),
}

#[derive(Subcommand, Debug)]
enum CalcCommand {
    /// A Qard al-Hasan loan's repayment schedule.
    ///
    /// Example: abadi calc loan --amount ۵۰۰٬۰۰۰٬۰۰۰ --months 60 --fee-rate 4 --method simple --rounding 10000
    Loan(LoanArgs),
}

#[derive(Args, Debug)]
struct LoanArgs {
    /// The principal in rials (Persian or Latin digits, separators allowed).
    #[arg(long, value_parser = parse_rials)]
    amount: domain::Rials,
    /// The number of monthly installments.
    #[arg(long)]
    months: u32,
    /// The annual karmozd rate in percent, such as 4 or 4.5.
    #[arg(long, value_parser = parse_rate)]
    fee_rate: domain::loan::FeeRate,
    #[arg(long, value_enum)]
    method: MethodArg,
    /// Round installments to this many rials; the last absorbs the remainder.
    #[arg(long, value_parser = parse_rials, default_value = "1")]
    rounding: domain::Rials,
    /// The disbursement date (Jalali, such as 1403/05/12); the first installment falls due a month
    /// later. Default: today.
    #[arg(long, value_parser = parse_jalali)]
    start: Option<domain::JalaliDate>,
    /// One JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, value_enum, default_value = "latin")]
    digits: DigitsArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MethodArg {
    Simple,
    Annuity,
    Upfront,
    None,
}

fn parse_rials(text: &str) -> Result<domain::Rials, String> {
    domain::Rials::parse(text).map_err(|e| e.to_string())
}

fn parse_rate(text: &str) -> Result<domain::loan::FeeRate, String> {
    domain::loan::FeeRate::parse_percent(text).map_err(|e| e.to_string())
}

fn parse_jalali(text: &str) -> Result<domain::JalaliDate, String> {
    domain::JalaliDate::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
enum ExportCommand {
    /// The books as a plain-text journal for hledger or beancount.
    Journal {
        #[arg(long, value_enum)]
        format: FormatArg,
        /// Only this book.
        #[arg(long)]
        book: Option<i64>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ScaleArg {
    Small,
    Province,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Hledger,
    Beancount,
}

#[derive(Subcommand, Debug)]
enum ReportCommand {
    /// Every account's balance; debits equal credits. Without --book or --place: the whole installation.
    TrialBalance(TrialBalanceArgs),
    /// Who paid this month's savings and who is behind, furthest behind first.
    Dues {
        #[arg(long)]
        fund: i64,
        /// A Jalali month (1403/05); default this month.
        #[arg(long)]
        month: Option<String>,
    },
    /// A fund's balance sheet at the end of a Jalali month or year and its income statement for it.
    Statements {
        #[arg(long)]
        fund: i64,
        /// A Jalali year (1403) or month (1403/05).
        #[arg(long)]
        period: String,
        #[arg(long)]
        json: bool,
    },
    /// The programme report of a province (or, without --place, the whole installation): funds,
    /// members, savings, loans, PAR30, capital, jobs expected and confirmed, money per job.
    Province(ProgrammeArgs),
    /// The programme report of a county.
    County(ProgrammeArgs),
    /// The programme report of one fund.
    Fund(ProgrammeArgs),
}

#[derive(Args, Debug)]
struct ProgrammeArgs {
    /// The province or county (a place id); for `fund`, the fund's id. Without it: every place.
    #[arg(long, alias = "fund")]
    place: Option<i64>,
    /// The period's first day, Jalali (default: the earliest fund's opening).
    #[arg(long)]
    from: Option<String>,
    /// The period's last day, Jalali (default: today).
    #[arg(long)]
    to: Option<String>,
    /// One JSON object.
    #[arg(long, conflicts_with_all = ["csv", "xlsx"])]
    json: bool,
    /// CSV (with a byte-order mark) on standard output.
    #[arg(long, conflicts_with = "xlsx")]
    csv: bool,
    /// An XLSX workbook written to FILE.
    #[arg(long, value_name = "FILE")]
    xlsx: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
struct TrialBalanceArgs {
    #[arg(long, conflicts_with = "place")]
    book: Option<i64>,
    /// Sum over every book at or under this place.
    #[arg(long)]
    place: Option<i64>,
    /// One JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[arg(long, value_enum, default_value = "latin")]
    digits: DigitsArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DigitsArg {
    Latin,
    Persian,
}

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
            _ => 1,
        };
        Failure { message: error.to_string(), code }
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

fn main() -> ExitCode {
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

async fn bench_reports(store: &Store) -> Result<ExitCode, Failure> {
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

/// Builds the demo province with a progress bar, adds its users and prints how to sign in.
async fn build_demo(store: &Store, seed: u64, scale: ScaleArg, today: Option<&str>) -> Result<ExitCode, Failure> {
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

async fn serve(store: Store, addr: &str, secure_cookies: bool) -> Result<ExitCode, Failure> {
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

/// The programme report on the command line: the same figures as the pages.
async fn programme(store: &Store, level: &str, args: &ProgrammeArgs) -> Result<ExitCode, Failure> {
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

async fn fund_report(store: &Store, fund_id: i64, period: &str, json: bool) -> Result<ExitCode, Failure> {
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

fn calc_loan(args: &LoanArgs) -> Result<ExitCode, Failure> {
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

fn print_draw(record: &app::model::DrawRecord) {
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

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn verify(store: &Store, stats: bool) -> Result<ExitCode, Failure> {
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

async fn trial_balance(store: &Store, args: &TrialBalanceArgs) -> Result<ExitCode, Failure> {
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

async fn bench(
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

async fn bench_funds(store: &Store, quick: bool) -> Result<ExitCode, Failure> {
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

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

fn store_kind(store: &Store) -> &'static str {
    match store.backend() {
        app::model::Backend::Sqlite => "SQLite",
        app::model::Backend::Postgres => "PostgreSQL",
    }
}
