//! The command line: every subcommand and its arguments, as clap reads them.

use super::*;

pub(crate) const EXAMPLES: &str = "\
Examples / نمونه‌ها:
  abadi serve                                   # web app on http://127.0.0.1:8080, data in ./abadi.db
  abadi --database postgres://abadi@127.0.0.1/abadi serve --addr 0.0.0.0:8080
  abadi verify                                  # re-check every entry, balance and hash chain
  abadi report trial-balance --place 2 --digits persian   # تراز آزمایشی استان، با رقم فارسی
  abadi export journal --format hledger > abadi.journal && hledger -f abadi.journal balance
  abadi backup /media/usb/abadi-1405-09-06.db   # پشتیبان از پایگاه داده در حال کار";

#[derive(Parser, Debug)]
#[command(name = "abadi", version, about = "Abadi (آبادی): rural development finance, every rial and every job", after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DATABASE.
    #[arg(long, global = true, env = "ABADI_DATABASE_URL", default_value = "sqlite://abadi.db")]
    pub(crate) database: String,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
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
        /// Small sizes that finish in seconds, instead of the full sizes.
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
pub(crate) enum ImportCommand {
    /// Members with their opening savings (Persian or English headers: کد ملی, نام, نام خانوادگی,
    /// نام پدر, موبایل, تاریخ عضویت, پس‌انداز). All or nothing.
    Members(ImportArgs),
    /// Open loans with what was repaid so far (کد ملی, مبلغ وام, مدت, تاریخ پرداخت, پرداخت شده, موضوع,
    /// اشتغال ایجادی, اشتغال احیایی); the members must be imported first. All or nothing.
    Loans(ImportArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum UserCommand {
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
    /// Disable a user: they cannot sign in, and their sessions and tokens end at once.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled user again.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// End every session and API token of a user (a lost phone, a leaked token).
    Revoke {
        #[arg(long)]
        username: String,
    },
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum ImportKind {
    Members,
    Loans,
}

#[derive(clap::Args, Debug)]
pub(crate) struct ImportArgs {
    #[arg(long)]
    pub(crate) fund: i64,
    /// The sheet: XLSX (the first sheet is read) or CSV (UTF-8, as Excel saves "CSV UTF-8").
    #[arg(long)]
    pub(crate) file: std::path::PathBuf,
    /// The date the opening balances are booked on (Jalali; default today).
    #[arg(long, value_parser = parse_jalali)]
    pub(crate) as_of: Option<domain::JalaliDate>,
    /// Run the whole import, check everything (the books included) and keep nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Subcommand, Debug)]
pub(crate) enum LotteryCommand {
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
pub(crate) enum SolarCommand {
    /// Monthly and yearly energy (kWh), kWh/kWp and capacity factor of a plant, from hourly weather.
    Estimate(solar_cmd::EstimateArgs),
    /// Time one plant's year and a province's fleet (3,000 plants) on one core.
    Bench(solar_cmd::BenchArgs),
    /// Print the built-in typical year for a place in Iran as an hourly weather CSV.
    Weather(solar_cmd::WeatherArgs),
}

#[derive(Subcommand, Debug)]
pub(crate) enum CalcCommand {
    /// A Qard al-Hasan loan's repayment schedule.
    ///
    /// Example: abadi calc loan --amount ۵۰۰٬۰۰۰٬۰۰۰ --months 60 --fee-rate 4 --method simple --rounding 10000
    Loan(LoanArgs),
}

#[derive(Args, Debug)]
pub(crate) struct LoanArgs {
    /// The principal in rials (Persian or Latin digits, separators allowed).
    #[arg(long, value_parser = parse_rials)]
    pub(crate) amount: domain::Rials,
    /// The number of monthly installments (Persian or Latin digits).
    #[arg(long, value_parser = parse_count)]
    pub(crate) months: u32,
    /// The annual karmozd rate in percent, such as 4 or 4.5.
    #[arg(long, value_parser = parse_rate)]
    pub(crate) fee_rate: domain::loan::FeeRate,
    #[arg(long, value_enum)]
    pub(crate) method: MethodArg,
    /// Round installments to this many rials; the last absorbs the remainder.
    #[arg(long, value_parser = parse_rials, default_value = "1")]
    pub(crate) rounding: domain::Rials,
    /// The disbursement date (Jalali, such as 1403/05/12); the first installment falls due a month
    /// later. Default: today.
    #[arg(long, value_parser = parse_jalali)]
    pub(crate) start: Option<domain::JalaliDate>,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    #[arg(long, value_enum, default_value = "latin")]
    pub(crate) digits: DigitsArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum MethodArg {
    Simple,
    Annuity,
    Upfront,
    None,
}

pub(crate) fn parse_rials(text: &str) -> Result<domain::Rials, String> {
    domain::Rials::parse(text).map_err(|e| e.to_string())
}

pub(crate) fn parse_rate(text: &str) -> Result<domain::loan::FeeRate, String> {
    let latin = domain::text::to_latin_digits(text).replace('\u{066B}', ".");
    domain::loan::FeeRate::parse_percent(&latin).map_err(|e| e.to_string())
}

/// A count typed in either digit set (`۱۲` or `12`).
pub(crate) fn parse_count(text: &str) -> Result<u32, String> {
    domain::text::to_latin_digits(text.trim()).parse::<u32>().map_err(|_| format!("{text:?} is not a whole number"))
}

pub(crate) fn parse_jalali(text: &str) -> Result<domain::JalaliDate, String> {
    domain::JalaliDate::parse(text).map_err(|e| e.to_string())
}

#[derive(Subcommand, Debug)]
pub(crate) enum ExportCommand {
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
pub(crate) enum ScaleArg {
    Small,
    Province,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum FormatArg {
    Hledger,
    Beancount,
}

#[derive(Subcommand, Debug)]
pub(crate) enum ReportCommand {
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
pub(crate) struct ProgrammeArgs {
    /// The province or county (a place id); for `fund`, the fund's id. Without it: every place.
    #[arg(long, alias = "fund")]
    pub(crate) place: Option<i64>,
    /// The period's first day, Jalali (default: the earliest fund's opening).
    #[arg(long)]
    pub(crate) from: Option<String>,
    /// The period's last day, Jalali (default: today).
    #[arg(long)]
    pub(crate) to: Option<String>,
    /// One JSON object.
    #[arg(long, conflicts_with_all = ["csv", "xlsx"])]
    pub(crate) json: bool,
    /// CSV (with a byte-order mark) on standard output.
    #[arg(long, conflicts_with = "xlsx")]
    pub(crate) csv: bool,
    /// An XLSX workbook written to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) xlsx: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub(crate) struct TrialBalanceArgs {
    #[arg(long, conflicts_with = "place")]
    pub(crate) book: Option<i64>,
    /// Sum over every book at or under this place.
    #[arg(long)]
    pub(crate) place: Option<i64>,
    /// One JSON object instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
    #[arg(long, value_enum, default_value = "latin")]
    pub(crate) digits: DigitsArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DigitsArg {
    Latin,
    Persian,
}
