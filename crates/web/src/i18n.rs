//! Every word the pages show, in Persian and in English. Numbers and dates are formatted before they
//! reach a page (`Lang::money`, `Lang::date`), in the digits of the user's language.

use domain::text::Digits;
use domain::{IsoDate, MoneyUnit, Rials};

/// The language of a page: Persian first, English second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fa,
    En,
}

impl Lang {
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Fa }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fa => "fa",
            Lang::En => "en",
        }
    }
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Fa => "rtl",
            Lang::En => "ltr",
        }
    }
    pub fn digits(self) -> Digits {
        match self {
            Lang::Fa => Digits::Persian,
            Lang::En => Digits::Latin,
        }
    }

    /// The word for `key`; a missing key shows itself, so a gap is seen at once (and a test looks for it).
    pub fn t(self, key: &str) -> &'static str {
        match WORDS.iter().find(|(k, ..)| *k == key) {
            Some((_, fa, en)) => match self {
                Lang::Fa => fa,
                Lang::En => en,
            },
            None => "⟦missing⟧",
        }
    }

    /// An amount in the unit the user chose, with its unit's name.
    pub fn money(self, amount: Rials, unit: MoneyUnit) -> String {
        let name = match (unit, self) {
            (MoneyUnit::Rial, Lang::Fa) => "ریال",
            (MoneyUnit::Toman, Lang::Fa) => "تومان",
            (MoneyUnit::Rial, Lang::En) => "rials",
            (MoneyUnit::Toman, Lang::En) => "tomans",
        };
        format!("{} {name}", amount.format(unit, self.digits()))
    }

    /// An amount without its unit, for tables whose heading names the unit.
    pub fn amount(self, amount: Rials, unit: MoneyUnit) -> String {
        amount.format(unit, self.digits())
    }

    /// A whole number in the language's digits, grouped.
    pub fn number(self, n: i64) -> String {
        let text = domain::text::group_digits(&n.unsigned_abs().to_string(), self.digits());
        if n < 0 { format!("−{text}") } else { text }
    }

    /// A share as a percentage with one decimal.
    pub fn percent(self, share: f64) -> String {
        domain::text::show_digits(&format!("{:.1}٪", share * 100.0), self.digits()).replace(
            '٪',
            match self {
                Lang::Fa => "٪",
                Lang::En => "%",
            },
        )
    }

    /// A day as the Jalali date in the language's digits: `۱۴۰۳/۰۵/۱۲`.
    pub fn date(self, day: IsoDate) -> String {
        day.to_jalali().format(self.digits())
    }
}

const WORDS: &[(&str, &str, &str)] = &[
    ("brand", "آبادی", "Abadi"),
    ("sign_in", "ورود", "Sign in"),
    ("sign_out", "خروج", "Sign out"),
    ("username", "نام کاربری", "Username"),
    ("password", "گذرواژه", "Password"),
    ("wrong_credentials", "نام کاربری یا گذرواژه نادرست است.", "The username or the password is wrong."),
    (
        "throttled",
        "تلاش‌های ناموفق زیاد بود؛ یک ربع دیگر دوباره تلاش کنید.",
        "Too many failed attempts; try again in a quarter of an hour.",
    ),
    ("funds", "صندوق‌ها", "Funds"),
    ("fund", "صندوق", "Fund"),
    ("home", "خانه", "Home"),
    ("members", "اعضا", "Members"),
    ("member", "عضو", "Member"),
    ("members_active", "اعضای فعال", "Active members"),
    ("cash", "موجودی نقد", "Cash"),
    ("savings", "پس‌انداز", "Savings"),
    ("loans_outstanding", "مانده‌ی وام‌ها", "Loans outstanding"),
    ("loans_open", "وام‌های باز", "Open loans"),
    ("par30", "معوق بیش از ۳۰ روز", "PAR30"),
    ("repayment_rate", "نرخ بازپرداخت", "Repayment rate"),
    ("liquidity", "نقدینگی", "Liquidity"),
    ("late_loans", "وام‌های عقب‌افتاده", "Late loans"),
    ("nobody_late", "هیچ وامی عقب نیفتاده است.", "No loan is late."),
    ("days_late", "روز تأخیر", "Days late"),
    ("owed_now", "بدهی سررسیده", "Due now"),
    ("meeting_sheet", "برگه‌ی جلسه‌ی ماهانه", "Monthly meeting sheet"),
    ("search", "جستجو", "Search"),
    ("search_hint", "نام، نام خانوادگی یا کد ملی", "Name, surname or national ID"),
    ("join", "عضو تازه", "New member"),
    ("national_id", "کد ملی", "National ID"),
    ("first_name", "نام", "First name"),
    ("last_name", "نام خانوادگی", "Last name"),
    ("father_name", "نام پدر", "Father's name"),
    ("phone", "تلفن همراه", "Mobile phone"),
    ("joined_on", "تاریخ عضویت", "Date joined"),
    ("date_hint", "مانند ۱۴۰۳/۰۵/۱۲", "Such as 1403/05/12"),
    ("save", "ثبت", "Save"),
    ("required", "این خانه را پر کنید.", "Required."),
    ("audit_trail", "ردپای تغییرات", "Audit trail"),
    ("before_after", "پیش و پس", "Before and after"),
    ("action", "کار", "Action"),
    ("from_date", "از تاریخ", "From"),
    ("to_date", "تا تاریخ", "To"),
    ("when", "زمان", "When"),
    ("address", "نشانی", "Address"),
    ("object", "موضوع", "Object"),
    ("rules", "قوانین صندوق", "Fund rules"),
    ("change_rules", "تغییر قوانین از یک تاریخ", "Change the rules from a date"),
    ("karmozd_percent", "نرخ کارمزد (درصد در سال)", "Fee rate (percent a year)"),
    ("second_approval_above", "تأیید دوم برای وام‌های بالاتر از", "Second approval above"),
    ("loan_cap", "سقف وام", "Loan cap"),
    ("late_rule", "جریمه‌ی دیرکرد", "Late rule"),
    ("lottery", "قرعه‌کشی", "Lottery"),
    ("statements", "صورت‌های مالی", "Financial statements"),
    ("period", "دوره", "Period"),
    ("period_hint", "سال مانند ۱۴۰۳ یا ماه مانند ۱۴۰۳/۰۵", "A year such as 1403 or a month such as 1403/05"),
    ("balance_sheet", "ترازنامه", "Balance sheet"),
    ("income_statement", "صورت سود و زیان", "Income statement"),
    ("assets", "دارایی‌ها", "Assets"),
    ("liabilities", "بدهی‌ها", "Liabilities"),
    ("equity", "سرمایه", "Equity"),
    ("income", "درآمدها", "Income"),
    ("expenses", "هزینه‌ها", "Expenses"),
    ("retained_earnings", "مازاد انباشته", "Retained earnings"),
    ("net_income", "مازاد دوره", "Net income"),
    ("total", "جمع", "Total"),
    ("eligible_members", "اعضای واجد شرایط", "Eligible members"),
    ("seed", "بذر قرعه", "Seed"),
    (
        "seed_hint",
        "آنچه در جلسه بلند گفته شد، مانند تاریخ و سه واژه",
        "What was said aloud at the meeting, such as the date and three words",
    ),
    ("draw", "قرعه بکش", "Draw"),
    ("published_draws", "قرعه‌های منتشرشده", "Published draws"),
    (
        "verify_how",
        "هر کسی می‌تواند با بذر و فهرست شرکت‌کنندگان قرعه را دوباره حساب کند: abadi lottery verify شماره",
        "Anyone can recompute a draw from its seed and entrants: abadi lottery verify NUMBER",
    ),
    ("winner", "برنده", "Winner"),
    ("digest", "چکیده", "Digest"),
    ("check", "بررسی", "Check"),
    ("recomputes", "درست است", "Recomputes"),
    ("does_not_recompute", "نادرست!", "Does not recompute!"),
    ("saved", "ثبت شد.", "Saved."),
    ("fix_errors", "لطفاً موارد زیر را درست کنید:", "Please correct the following:"),
    ("statement", "صورت‌حساب", "Statement"),
    ("print", "چاپ", "Print"),
    ("month", "ماه", "Month"),
    ("dues", "سهم ماه", "Dues"),
    ("deposits", "واریز", "Deposits"),
    ("withdrawals", "برداشت", "Withdrawals"),
    ("balance", "مانده", "Balance"),
    ("behind", "عقب‌افتاده", "Behind"),
    ("loans", "وام‌ها", "Loans"),
    ("loan", "وام", "Loan"),
    ("installment", "قسط", "Installment"),
    ("due_on", "سررسید", "Due on"),
    ("amount", "مبلغ", "Amount"),
    ("principal", "اصل", "Principal"),
    ("karmozd", "کارمزد", "Fee"),
    ("paid", "پرداخت‌شده", "Paid"),
    ("unpaid", "پرداخت‌نشده", "Unpaid"),
    ("status", "وضعیت", "Status"),
    ("meeting_date", "تاریخ جلسه", "Meeting date"),
    ("savings_paid", "پس‌انداز پرداختی", "Savings paid"),
    ("installment_paid", "قسط پرداختی", "Installment paid"),
    ("save_sheet", "ثبت برگه", "Save the sheet"),
    ("sheet_saved", "برگه‌ی جلسه ثبت شد.", "The meeting sheet was saved."),
    (
        "sheet_already",
        "این برگه پیش‌تر ثبت شده بود؛ چیزی دوباره ثبت نشد.",
        "This sheet was already saved; nothing was posted twice.",
    ),
    ("not_found", "پیدا نشد", "Not found"),
    ("not_found_text", "این صفحه پیدا نشد یا به آن دسترسی ندارید.", "This page does not exist or is not yours to see."),
    ("error", "خطا", "Error"),
    ("internal_error", "خطای داخلی؛ دوباره تلاش کنید.", "An internal error; try again."),
    (
        "forbidden_origin",
        "این فرم از جای دیگری فرستاده شده بود و پذیرفته نشد.",
        "This form came from another site and was refused.",
    ),
    ("county", "شهرستان", "County"),
    ("village", "روستا", "Village"),
    ("villages", "روستا", "Villages"),
    ("age_group", "گروه سنی", "Age group"),
    ("follow_ups_due", "پیگیری‌های سررسیده", "Follow-up visits due"),
    ("visit_date", "تاریخ بازدید", "Visit date"),
    ("visit_outcome", "نتیجهٔ بازدید", "What the visit found"),
    ("visit_seen", "آنچه دیده شد", "What was seen"),
    ("insured_workers", "کارگر بیمه‌شده", "Insured workers"),
    ("record_visit", "ثبت بازدید", "Record the visit"),
    ("members_xlsx", "فهرست اعضا (XLSX)", "Members (XLSX)"),
    ("show", "نمایش", "Show"),
    ("period_backwards", "آغاز دوره پس از پایان آن است", "The period starts after it ends"),
    ("dashboard", "داشبورد استان", "Province dashboard"),
    ("reports", "گزارش‌ها", "Reports"),
    ("solar", "برق خورشیدی", "Solar"),
    ("solar_title", "برآورد تولید نیروگاه خورشیدی خانگی", "Home solar plant: expected energy"),
    (
        "solar_intro",
        "جای نیروگاه در ایران، ظرفیت پنل‌ها و جهت آن‌ها را بنویسید تا تولید ماه‌به‌ماه آن در یک سال نمونهٔ همان‌جا برآورد شود (ارقام فارسی یا لاتین).",
        "Give the plant's place in Iran, its panels' capacity and their orientation for its month-by-month energy in that place's typical year.",
    ),
    ("latitude", "عرض جغرافیایی (درجه)", "Latitude (°)"),
    ("longitude", "طول جغرافیایی (درجه)", "Longitude (°)"),
    ("altitude_m", "ارتفاع از دریا (متر، اختیاری)", "Altitude (m, optional)"),
    ("panel_kw", "ظرفیت پنل‌ها (کیلووات)", "Panels' capacity (kW)"),
    ("tilt_deg", "شیب پنل (درجه از افق)", "Tilt (° from horizontal)"),
    ("azimuth_deg", "سمت پنل (درجه از شمال؛ ۱۸۰ رو به جنوب)", "Azimuth (° from north; 180 faces south)"),
    ("estimate", "برآورد", "Estimate"),
    ("solar_result", "تولید برآوردشده", "Expected energy"),
    ("kw", "کیلووات", "kW"),
    ("tilt_deg_short", "شیب", "tilt"),
    ("azimuth_deg_short", "سمت", "azimuth"),
    ("altitude_short", "ارتفاع", "altitude"),
    ("losses_short", "تلفات", "losses"),
    ("energy_kwh", "انرژی (کیلووات‌ساعت)", "Energy (kWh)"),
    ("year_total", "کل سال", "Year"),
    ("specific_yield", "تولید به ازای هر کیلووات (کیلووات‌ساعت)", "Specific yield (kWh per kWp)"),
    ("capacity_factor", "ضریب ظرفیت", "Capacity factor"),
    ("weather_used", "هوای به‌کاررفته", "Weather used"),
    (
        "solar_caveat",
        "این برآوردی نخستین است: تابش در خانه‌های ۳ درجه‌ای است و نوار ساحلی خزر را آفتابی‌تر از واقع نشان می‌دهد؛ برای رقم نهایی، هوای اندازه‌گیری‌شده را به فرمان abadi solar estimate --weather بدهید.",
        "A first answer: irradiance comes in 3° cells and shows the Caspian shore sunnier than it is; for a final figure give measured weather to abadi solar estimate --weather.",
    ),
    (
        "no_data",
        "در این مکان و این دوره داده‌ای ثبت نشده است: همهٔ ارقام صفر است.",
        "Nothing was recorded for this place and period: every figure is zero.",
    ),
    ("programme_report", "گزارش برنامه", "Programme report"),
    ("league_table", "رتبه‌بندی صندوق‌ها", "League table of funds"),
    (
        "league_hint",
        "صندوق‌هایی که بیش از همه به بازدید نیاز دارند بالاترند: بیشترین معوق، سپس کمترین نرخ بازپرداخت.",
        "The funds that most need a visit come first: most late, then the lowest repayment rate.",
    ),
    ("needs_visit", "نیاز به بازدید", "needs a visit"),
    ("by_county", "به تفکیک شهرستان", "By county"),
    ("capital_injected", "سرمایهٔ تزریقی", "Capital injected"),
    ("loans_disbursed", "وام پرداختی", "Loans disbursed"),
    ("jobs_expected", "شغل پیش‌بینی‌شده", "Jobs expected"),
    ("jobs_confirmed", "شغل تأییدشده", "Jobs confirmed"),
    ("injected_per_job", "سرمایه به ازای هر شغل", "Capital per confirmed job"),
    ("lent_per_job", "وام به ازای هر شغل", "Lent per confirmed job"),
    (
        "chart_money_by_month",
        "سرمایهٔ تزریقی و وام پرداختی، ماه به ماه",
        "Capital injected and loans disbursed, by month",
    ),
    ("chart_jobs_by_month", "شغل تأییدشده، ماه به ماه", "Jobs confirmed, by month"),
    ("chart_jobs_by_county", "شغل تأییدشده، به تفکیک شهرستان", "Jobs confirmed, by county"),
    ("jobs", "شغل‌ها", "Jobs"),
    ("jobs_fte", "جمع (معادل تمام‌وقت)", "Total (full-time equivalents)"),
    ("activity", "فعالیت", "Activity"),
    ("hours", "ساعت کار", "Hours"),
    ("sex", "جنسیت", "Sex"),
    ("users", "کاربران", "Users"),
    ("username", "نام کاربری", "Username"),
    ("display_name", "نام نمایشی", "Display name"),
    ("role", "نقش", "Role"),
    ("scope", "حوزه", "Scope"),
    ("initial_password", "گذرواژهٔ نخست", "First password"),
    ("add_user", "افزودن کاربر", "Add a user"),
    ("user_added", "کاربر افزوده شد.", "The user was added."),
    ("disabled", "غیرفعال", "disabled"),
    ("place_for_role", "مکان (برای کارشناس و حسابرس)", "Place (for officers and auditors)"),
    ("fund_for_role", "صندوق (برای خزانه‌دار)", "Fund (for treasurers)"),
    ("role_administrator", "مدیر سامانه", "Administrator"),
    ("role_officer", "کارشناس", "Officer"),
    ("role_treasurer", "خزانه‌دار", "Treasurer"),
    ("role_auditor", "حسابرس", "Auditor"),
    ("role_bank_liaison", "رابط بانک", "Bank liaison"),
    ("role_not_yours", "این نقش یا این حوزه در اختیار شما نیست", "You cannot grant this role or this scope"),
    ("username_taken", "این نام کاربری پیش‌تر گرفته شده است", "This username is taken"),
    (
        "already_member",
        "این کد ملی پیش‌تر عضو این صندوق است: هر کس یک عضویت",
        "This national ID is already a member of this fund: one membership per person",
    ),
    ("already_recorded", "پیش‌تر ثبت شده بود؛ دوباره ثبت نشد.", "Already recorded; not recorded again."),
    ("more_than_zero", "باید بیشتر از صفر باشد", "must be more than zero"),
    ("date", "تاریخ", "Date"),
    ("kind", "نوع", "Kind"),
    ("capital", "سرمایهٔ تزریقی", "Capital"),
    ("capital_loan", "وام سرمایه (بازپرداختنی)", "Capital loan (to be repaid)"),
    ("capital_grant", "کمک بلاعوض", "Grant"),
    ("capital_repayment", "بازپرداخت وام سرمایه", "Capital loan repaid"),
    ("capital_source", "منبع", "Source"),
    (
        "capital_source_hint",
        "برنامه و سال، مانند «اشتغال روستایی ۱۴۰۳»",
        "programme and year, such as \"rural jobs 1403\"",
    ),
    ("capital_loans_in", "وام سرمایه دریافتی", "Capital loans received"),
    ("capital_repaid", "بازپرداخت‌شده", "Repaid"),
    ("capital_owed", "ماندهٔ بدهی سرمایه", "Capital still owed"),
    ("capital_grants_in", "کمک بلاعوض دریافتی", "Grants received"),
    ("no_capital", "هنوز سرمایه‌ای به این صندوق تزریق نشده است.", "No capital has been put into this fund yet."),
    ("record_capital", "ثبت سرمایه یا بازپرداخت", "Record capital or a repayment"),
    (
        "stale",
        "این پرونده پس از باز شدن فرم تغییر کرده است (کس دیگری زودتر ذخیره کرد)؛ چیزی ذخیره نشد: ارقام تازه را ببینید و دوباره ذخیره کنید",
        "This record changed since the form was loaded (someone else saved first); nothing was saved: check the fresh figures and save again",
    ),
    ("page_of", "صفحهٔ", "Page"),
    ("of", "از", "of"),
    ("next_page", "صفحهٔ بعد", "Next page"),
    ("previous_page", "صفحهٔ قبل", "Previous page"),
    ("funds_shown", "صندوق", "funds"),
    ("all", "همه", "All"),
    ("filter", "پالایش", "Filter"),
    ("name", "نام", "Name"),
    ("opened_on", "تاریخ تأسیس", "Opened on"),
    ("no_members", "هنوز عضوی ثبت نشده است.", "No member yet."),
    ("no_results", "چیزی پیدا نشد.", "Nothing found."),
    ("today", "امروز", "Today"),
    ("rials", "ریال", "rials"),
    ("tomans", "تومان", "tomans"),
    ("settings", "تنظیمات", "Settings"),
    ("language", "زبان", "Language"),
    ("money_unit", "واحد مبلغ‌ها", "Amounts in"),
    ("change_password", "تغییر گذرواژه", "Change the password"),
    ("current_password", "گذرواژه‌ی کنونی", "Current password"),
    ("new_password", "گذرواژه‌ی تازه", "New password"),
    ("password_hint", "دست‌کم ۱۰ نویسه", "At least 10 characters"),
    (
        "password_changed",
        "گذرواژه تغییر کرد؛ نشست‌های دیگر بسته شدند.",
        "The password was changed; other sessions were ended.",
    ),
    ("wrong_current_password", "گذرواژه‌ی کنونی نادرست است.", "The current password is wrong."),
    ("left", "خارج‌شده", "Left"),
    ("active", "فعال", "Active"),
    ("disbursed", "پرداخت‌شده به عضو", "Paid out"),
    ("requested", "درخواست‌شده", "Requested"),
    ("approved", "تأییدشده", "Approved"),
    ("closed", "تسویه‌شده", "Closed"),
    ("written_off", "سوخت‌شده", "Written off"),
    ("loan_request", "درخواست وام", "Loan request"),
    ("term_months", "مدت (ماه)", "Term (months)"),
    ("requested_on", "تاریخ درخواست", "Requested on"),
    ("whole_number", "یک عدد صحیح بنویسید", "write a whole number"),
    ("choose_member", "یک عضو را برگزینید", "choose a member"),
    ("eligible", "این درخواست با قوانین صندوق جور است.", "This request meets the fund's rules."),
    ("not_eligible", "این درخواست پذیرفته نمی‌شود:", "This request cannot be accepted:"),
    ("purpose", "موضوع (فعالیت)", "Purpose (activity)"),
    ("jobs_created", "شغل ایجادی", "Jobs created"),
    ("jobs_revived", "شغل احیایی", "Jobs revived"),
    ("guarantor", "ضامن", "Guarantor"),
    ("send_request", "ثبت درخواست", "Send the request"),
    ("approve", "تأیید وام", "Approve the loan"),
    ("date_paid_out", "تاریخ پرداخت وام", "Date paid out"),
    ("disburse", "پرداخت وام", "Pay the loan out"),
    ("payment_date", "تاریخ پرداخت", "Date paid"),
    ("record_repayment", "ثبت بازپرداخت", "Record the repayment"),
    ("reversed", "برگشت خورده", "Reversed"),
    ("reason", "دلیل", "Reason"),
    ("reason_needed", "دلیل برگشت را بنویسید.", "Say why it is reversed."),
    ("reverse", "برگشت", "Reverse"),
    ("receipt", "رسید پرداخت", "Payment receipt"),
    ("receipt_number", "شماره‌ی سند", "Entry number"),
    ("schedule", "جدول اقساط", "Schedule"),
    ("repayments", "بازپرداخت‌ها", "Repayments"),
];
