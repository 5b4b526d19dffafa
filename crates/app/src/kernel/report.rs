//! The programme's report for a place and a Jalali period: the totals, each county, each fund and each
//! month, all derived from the books and the registers (`Store::report_facts`), and written as CSV
//! (with a BOM, so Excel reads Persian) or XLSX (right-to-left sheets).

use domain::report::{ReportFacts, fte_text};
use domain::{IsoDate, JalaliDate, JalaliMonth, PlacePath, Rials};
use std::collections::BTreeMap;
use store::{DayFlows, FundFacts, Place, Store, StoreError, StoreResult};

/// What the report covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportScope {
    Installation,
    Place(i64),
    Fund(i64),
}

#[derive(Clone, Debug)]
pub struct ProgrammeReport {
    /// The place reported on (`None` for the whole installation), and its name.
    pub place: Option<Place>,
    pub fund_id: Option<i64>,
    pub title: String,
    pub from: IsoDate,
    pub to: IsoDate,
    pub total: ReportFacts,
    /// Each county under the place (id, name, figures), by name.
    pub by_county: Vec<(i64, String, ReportFacts)>,
    /// Each fund.
    pub funds: Vec<FundFacts>,
    /// The period's flows by Jalali month.
    pub by_month: Vec<(JalaliMonth, DayFlows)>,
}

/// Distinct villages (places of funds) among some funds.
fn villages<'a>(funds: impl Iterator<Item = &'a FundFacts>) -> u64 {
    let mut places: Vec<i64> = funds.filter(|f| f.facts.funds > 0).map(|f| f.fund.place_id).collect();
    places.sort_unstable();
    places.dedup();
    places.len() as u64
}

/// The county of a place path: its third step (country / province / county / …).
pub fn county_of(path: &PlacePath) -> Option<i64> {
    path.as_str().split('/').filter(|s| !s.is_empty()).nth(2).and_then(|s| s.parse().ok())
}

pub async fn programme_report(
    store: &Store,
    scope: &ReportScope,
    from: IsoDate,
    to: IsoDate,
    today: IsoDate,
) -> StoreResult<ProgrammeReport> {
    if from > to {
        return Err(StoreError::Invalid(format!("the period starts ({from}) after it ends ({to})")));
    }
    let (place, fund_id) = match scope {
        ReportScope::Installation => (None, None),
        ReportScope::Place(id) => (Some(store.place(*id).await?), None),
        ReportScope::Fund(id) => {
            let fund = store.fund(*id).await?;
            (Some(store.place(fund.place_id).await?), Some(*id))
        }
    };
    let under = place.as_ref().map(|p| p.path.clone());
    let (mut funds, flows) = store.report_facts(under.as_ref(), from, to, today, fund_id).await?;
    if let Some(id) = fund_id {
        funds.retain(|f| f.fund.id == id);
    }
    let too_large = || {
        StoreError::Invalid(
            "the figures are too large to add up: an amount somewhere must be mistyped (reverse it)".into(),
        )
    };
    let mut total = ReportFacts::total(funds.iter().map(|f| f.facts)).ok_or_else(too_large)?;
    total.villages = villages(funds.iter());
    let places: BTreeMap<i64, Place> =
        store.places_under(under.as_ref()).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut counties: BTreeMap<i64, Vec<&FundFacts>> = BTreeMap::new();
    for f in &funds {
        if let Some(county) = county_of(&f.place) {
            counties.entry(county).or_default().push(f);
        }
    }
    let mut by_county: Vec<(i64, String, ReportFacts)> = counties
        .into_iter()
        .map(|(id, members)| {
            let mut facts = ReportFacts::total(members.iter().map(|f| f.facts)).ok_or_else(too_large)?;
            facts.villages = villages(members.iter().copied());
            Ok((id, places.get(&id).map_or_else(|| format!("#{id}"), |p| p.name.clone()), facts))
        })
        .collect::<StoreResult<_>>()?;
    by_county.sort_by(|a, b| a.1.cmp(&b.1));
    let mut months: BTreeMap<JalaliMonth, DayFlows> = BTreeMap::new();
    for (day, f) in flows {
        let m = months.entry(JalaliDate::from_iso(day).jalali_month()).or_default();
        m.capital_injected = m.capital_injected.checked_add(f.capital_injected).map_err(|_| too_large())?;
        m.loans_disbursed = m.loans_disbursed.checked_add(f.loans_disbursed).map_err(|_| too_large())?;
        m.jobs_expected_fte_hundredths =
            m.jobs_expected_fte_hundredths.checked_add(f.jobs_expected_fte_hundredths).ok_or_else(too_large)?;
        m.jobs_confirmed_fte_hundredths =
            m.jobs_confirmed_fte_hundredths.checked_add(f.jobs_confirmed_fte_hundredths).ok_or_else(too_large)?;
    }
    let title = match (&place, fund_id) {
        (_, Some(_)) => funds.first().map_or_else(String::new, |f| f.fund.name.clone()),
        (Some(place), None) => place.name.clone(),
        (None, None) => "همهٔ مکان‌ها".to_string(),
    };
    Ok(ProgrammeReport {
        place,
        fund_id,
        title,
        from,
        to,
        total,
        by_county,
        funds,
        by_month: months.into_iter().collect(),
    })
}

/// The report's one-paragraph summary in Persian prose, of the kind a governor's office asks for.
pub fn summary_fa(report: &ProgrammeReport) -> String {
    let t = &report.total;
    let n = |v: u64| domain::text::group_digits(&v.to_string(), domain::Digits::Persian);
    let tomans = |r: Rials| {
        let whole = Rials::new((r.get() + 5).div_euclid(10) * 10);
        format!("{} تومان", whole.format(domain::MoneyUnit::Toman, domain::Digits::Persian))
    };
    let jobs = |h: i64| domain::text::to_persian_digits(&fte_text(h));
    let day = |d: IsoDate| JalaliDate::from_iso(d).format(domain::Digits::Persian);
    if t.is_empty() {
        return format!(
            "در {} از {} تا {} داده‌ای ثبت نشده است: همهٔ ارقام صفر است.",
            report.title,
            day(report.from),
            day(report.to)
        );
    }
    let per_job = match (t.injected_per_confirmed_job(), t.lent_per_confirmed_job()) {
        (Some(injected), Some(lent)) => {
            format!("؛ به ازای هر شغل تأییدشده {} سرمایهٔ تزریقی و {} وام", tomans(injected), tomans(lent))
        }
        _ => "؛ هنوز شغلی با بازدید تأیید نشده است، پس هزینهٔ هر شغل گفتنی نیست".to_string(),
    };
    format!(
        "{title}، از {from} تا {to}: {funds} صندوق در {villages} روستا با {members} عضو ({active} عضو فعال)، \
         {confirmed} شغل تأییدشده ({expected} شغل پیش‌بینی‌شده)، با {injected} سرمایهٔ تزریقی و {lent} وام پرداختی{per_job}.",
        title = report.title,
        from = day(report.from),
        to = day(report.to),
        funds = n(t.funds),
        villages = n(t.villages),
        members = n(t.members),
        active = n(t.members_active),
        confirmed = jobs(t.jobs_confirmed_fte_hundredths),
        expected = jobs(t.jobs_expected_fte_hundredths),
        injected = tomans(t.capital_injected),
        lent = tomans(t.loans_disbursed),
    )
}

/// The columns of the report's tables, in Persian, and each row's cells.
const COLUMNS: &[&str] = &[
    "سطح",
    "نام",
    "صندوق",
    "روستا",
    "عضو",
    "عضو فعال",
    "پس‌انداز (ریال)",
    "ماندهٔ وام (ریال)",
    "معوق بیش از ۳۰ روز (٪)",
    "سرمایهٔ تزریقی (ریال)",
    "وام پرداختی (ریال)",
    "شغل پیش‌بینی‌شده",
    "شغل تأییدشده",
    "سرمایه به ازای هر شغل (ریال)",
    "وام به ازای هر شغل (ریال)",
];

pub use crate::render::Cell;
use crate::render::Table;

fn row(level: &str, name: &str, f: &ReportFacts) -> Vec<Cell> {
    let optional = |r: Option<Rials>| r.map_or(Cell::Empty, |r| Cell::Whole(r.get()));
    vec![
        Cell::Text(level.into()),
        Cell::Text(name.into()),
        Cell::Whole(f.funds as i64),
        Cell::Whole(f.villages as i64),
        Cell::Whole(f.members as i64),
        Cell::Whole(f.members_active as i64),
        Cell::Whole(f.savings.get()),
        Cell::Whole(f.loans_outstanding.get()),
        f.par30().map_or(Cell::Empty, |p| Cell::Decimal((p * 10_000.0).round() / 100.0)),
        Cell::Whole(f.capital_injected.get()),
        Cell::Whole(f.loans_disbursed.get()),
        Cell::Decimal(domain::report::fte_number(f.jobs_expected_fte_hundredths)),
        Cell::Decimal(domain::report::fte_number(f.jobs_confirmed_fte_hundredths)),
        optional(f.injected_per_confirmed_job()),
        optional(f.lent_per_confirmed_job()),
    ]
}

/// The report as a table: the total, then each county, then each fund.
pub fn table(report: &ProgrammeReport) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    let mut rows = vec![row("کل", &report.title, &report.total)];
    for (_, name, facts) in &report.by_county {
        rows.push(row("شهرستان", name, facts));
    }
    for f in &report.funds {
        let mut facts = f.facts;
        facts.villages = 1;
        rows.push(row("صندوق", &f.fund.name, &facts));
    }
    (COLUMNS.to_vec(), rows)
}

/// The report as one table: the total, then each county, then each fund.
pub fn report_table(report: &ProgrammeReport) -> Table {
    let (columns, rows) = table(report);
    Table { name: "گزارش".into(), columns: columns.iter().map(|c| c.to_string()).collect(), rows }
}

/// The report's months as a table: capital in, loans out, jobs expected and confirmed.
pub fn months_table(report: &ProgrammeReport) -> Table {
    let mut table =
        Table::new("ماه‌ها", &["ماه", "سرمایهٔ تزریقی (ریال)", "وام پرداختی (ریال)", "شغل پیش‌بینی‌شده", "شغل تأییدشده"]);
    for (month, f) in &report.by_month {
        table.rows.push(vec![
            Cell::Text(format!("{}/{:02}", month.year(), month.month())),
            Cell::Whole(f.capital_injected.get()),
            Cell::Whole(f.loans_disbursed.get()),
            Cell::Decimal(domain::report::fte_number(f.jobs_expected_fte_hundredths)),
            Cell::Decimal(domain::report::fte_number(f.jobs_confirmed_fte_hundredths)),
        ]);
    }
    table
}

/// The report as CSV with a byte-order mark (Excel then reads the Persian correctly).
pub fn write_csv(report: &ProgrammeReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
    crate::render::csv::write(&report_table(report), out)
}

/// The report as an XLSX workbook with right-to-left sheets: the table, and the months.
pub fn xlsx_bytes(report: &ProgrammeReport) -> Result<Vec<u8>, StoreError> {
    Ok(crate::render::xlsx::workbook(&[report_table(report), months_table(report)])?)
}

/// Every member of the funds under a place as an XLSX workbook (right to left): fund, name, father's
/// name, national ID (as text, so no leading zero is lost), phone, joined and left (Jalali), savings.
pub async fn members_xlsx(store: &Store, under: Option<&PlacePath>) -> Result<Vec<u8>, StoreError> {
    let members = store.members_with_savings(under).await?;
    let mut table = Table::new(
        "اعضا",
        &["صندوق", "نام", "نام خانوادگی", "نام پدر", "کد ملی", "تلفن", "تاریخ عضویت", "تاریخ خروج", "پس‌انداز (ریال)"],
    );
    let jalali = |d: IsoDate| Cell::Text(JalaliDate::from_iso(d).to_string());
    for (m, fund, savings) in &members {
        table.rows.push(vec![
            Cell::Text(fund.clone()),
            Cell::Text(m.first_name.clone()),
            Cell::Text(m.last_name.clone()),
            Cell::Text(m.father_name.clone()),
            Cell::Text(m.national_id.clone()),
            Cell::Text(m.phone.clone()),
            jalali(m.joined_on),
            m.left_on.map_or(Cell::Empty, jalali),
            Cell::Whole(savings.get()),
        ]);
    }
    Ok(crate::render::xlsx::workbook(&[table])?)
}

/// The place a user may report on: the one asked for if it lies within what they oversee
/// (`domain::access::overseen_place`), else their own place; `None` is the whole installation (an
/// administrator's default). `NotFound` for anyone who oversees nothing, or a place outside their own
/// (so that a place's existence is not given away).
pub async fn place_for(store: &Store, grant: &domain::access::Grant, asked: Option<i64>) -> StoreResult<Option<Place>> {
    let refused = || StoreError::NotFound { what: "place", id: asked.unwrap_or(0) };
    let own = domain::access::overseen_place(grant).ok_or_else(refused)?;
    let Some(id) = asked.or_else(|| own.as_ref().and_then(PlacePath::last_id)) else { return Ok(None) };
    let place = store.place(id).await.map_err(|_| refused())?;
    if own.as_ref().is_some_and(|own| !own.contains(&place.path)) {
        return Err(refused());
    }
    Ok(Some(place))
}

/// The period a report covers by default: this Jalali year up to today.
pub fn this_year_so_far(today: IsoDate) -> (IsoDate, IsoDate) {
    let start = JalaliDate::new(JalaliDate::from_iso(today).year(), 1, 1).map(|d| d.to_iso()).unwrap_or(today);
    (start, today)
}
