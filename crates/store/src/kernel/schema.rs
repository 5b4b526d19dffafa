//! Embedded migrations, written once with dialect tokens and rendered for SQLite or PostgreSQL.

use crate::Backend;

/// The schema version this program writes. A database with a higher version was written by a newer
/// Abadi and is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 12;

/// Each migration is a list of statements; tokens in braces are replaced per dialect.
pub(crate) const MIGRATIONS: &[&[&str]] = &[
    &[
        "CREATE TABLE places (
        id {pk},
        parent_id BIGINT REFERENCES places(id),
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        search_key TEXT NOT NULL,
        path TEXT {binary} NOT NULL
    )",
        "CREATE INDEX places_path ON places(path)",
        "CREATE TABLE books (
        id {pk},
        place_id BIGINT NOT NULL REFERENCES places(id),
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        head_seq BIGINT NOT NULL,
        head_hash TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
    )",
        "CREATE INDEX books_place ON books(place_id)",
        "CREATE TABLE accounts (
        id {pk},
        book_id BIGINT NOT NULL REFERENCES books(id),
        code TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        must_not_go_negative BIGINT NOT NULL,
        balance_rials BIGINT NOT NULL,
        UNIQUE (book_id, code)
    )",
        // The hot tables carry no foreign keys: row-by-row checks halved PostgreSQL's bulk posting rate.
        // Their integrity comes from the single write path (`post_entries` checks every account against
        // the locked book) and is re-checked by `verify`.
        "CREATE TABLE entries (
        book_id BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        idempotency_key TEXT NOT NULL,
        code TEXT NOT NULL,
        object_ref TEXT NOT NULL,
        effective_on TEXT NOT NULL,
        booked_at_ms BIGINT NOT NULL,
        memo TEXT NOT NULL,
        reverses_seq BIGINT,
        content_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (book_id, seq),
        UNIQUE (idempotency_key, book_id)
    ) {without_rowid}",
        "CREATE UNIQUE INDEX entries_reversed_once ON entries(book_id, reverses_seq) WHERE reverses_seq IS NOT NULL",
        "CREATE TABLE postings (
        book_id BIGINT NOT NULL,
        entry_seq BIGINT NOT NULL,
        line BIGINT NOT NULL,
        account_id BIGINT NOT NULL,
        amount_rials BIGINT NOT NULL,
        PRIMARY KEY (book_id, entry_seq, line)
    ) {without_rowid}",
        "{append_only_function}",
        "{append_only:entries}",
        "{append_only:postings}",
    ],
    // 2: village funds, their dated rules and their members. A member's savings is a sub-account of the
    // fund's savings account (its control code), so the books themselves keep each member's balance and
    // refuse to let it go negative; trial balances group sub-accounts under their control code.
    &[
        "ALTER TABLE accounts ADD COLUMN control_code TEXT",
        "CREATE TABLE funds (
        id {pk},
        place_id BIGINT NOT NULL REFERENCES places(id),
        book_id BIGINT NOT NULL REFERENCES books(id),
        name TEXT NOT NULL,
        search_key TEXT NOT NULL,
        opened_on TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL
    )",
        "CREATE TABLE fund_rules (
        fund_id BIGINT NOT NULL REFERENCES funds(id),
        effective_on TEXT NOT NULL,
        monthly_savings_rials BIGINT NOT NULL,
        min_membership_months BIGINT NOT NULL,
        savings_multiple_hundredths BIGINT NOT NULL,
        loan_cap_rials BIGINT NOT NULL,
        term_months_min BIGINT NOT NULL,
        term_months_max BIGINT NOT NULL,
        karmozd_method TEXT NOT NULL,
        fee_rate_basis_points BIGINT NOT NULL,
        rounding_unit_rials BIGINT NOT NULL,
        guarantors_required BIGINT NOT NULL,
        guarantor_ceiling_rials BIGINT NOT NULL,
        late_rule TEXT NOT NULL,
        late_fixed_rials BIGINT NOT NULL,
        payment_order TEXT NOT NULL,
        selection TEXT NOT NULL,
        second_approval_above_rials BIGINT NOT NULL,
        changed_at_ms BIGINT NOT NULL,
        PRIMARY KEY (fund_id, effective_on)
    )",
        "CREATE TABLE members (
        id {pk},
        fund_id BIGINT NOT NULL REFERENCES funds(id),
        national_id TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        father_name TEXT NOT NULL,
        phone TEXT NOT NULL,
        place_id BIGINT NOT NULL REFERENCES places(id),
        joined_on TEXT NOT NULL,
        left_on TEXT,
        search_key TEXT NOT NULL,
        savings_account_id BIGINT NOT NULL,
        UNIQUE (fund_id, national_id)
    )",
        "CREATE INDEX members_fund ON members(fund_id, search_key)",
    ],
    // 3: loans, their guarantors and installments, and how each repayment was split. Each disbursed
    // loan has a receivable sub-account under 1200, so the books refuse more principal than is owed.
    &[
        "CREATE TABLE loans (
        id {pk},
        fund_id BIGINT NOT NULL REFERENCES funds(id),
        member_id BIGINT NOT NULL REFERENCES members(id),
        amount_rials BIGINT NOT NULL,
        term_months BIGINT NOT NULL,
        karmozd_method TEXT NOT NULL,
        fee_rate_basis_points BIGINT NOT NULL,
        rounding_unit_rials BIGINT NOT NULL,
        purpose TEXT NOT NULL,
        jobs_created BIGINT NOT NULL,
        jobs_revived BIGINT NOT NULL,
        status TEXT NOT NULL,
        requested_on TEXT NOT NULL,
        approved_by TEXT,
        second_approved_by TEXT,
        disbursed_on TEXT,
        disbursement_key TEXT,
        account_id BIGINT,
        upfront_fee_rials BIGINT NOT NULL
    )",
        "CREATE INDEX loans_member ON loans(member_id, status)",
        "CREATE INDEX loans_fund ON loans(fund_id, status)",
        "CREATE TABLE loan_guarantors (
        loan_id BIGINT NOT NULL REFERENCES loans(id),
        member_id BIGINT NOT NULL REFERENCES members(id),
        PRIMARY KEY (loan_id, member_id)
    )",
        "CREATE INDEX loan_guarantors_member ON loan_guarantors(member_id)",
        "CREATE TABLE installments (
        loan_id BIGINT NOT NULL REFERENCES loans(id),
        number BIGINT NOT NULL,
        due_on TEXT NOT NULL,
        principal_due_rials BIGINT NOT NULL,
        fee_due_rials BIGINT NOT NULL,
        penalty_due_rials BIGINT NOT NULL,
        principal_paid_rials BIGINT NOT NULL,
        fee_paid_rials BIGINT NOT NULL,
        penalty_paid_rials BIGINT NOT NULL,
        PRIMARY KEY (loan_id, number)
    )",
        "CREATE TABLE repayment_lines (
        book_id BIGINT NOT NULL,
        entry_seq BIGINT NOT NULL,
        loan_id BIGINT NOT NULL REFERENCES loans(id),
        number BIGINT NOT NULL,
        penalty_rials BIGINT NOT NULL,
        fee_rials BIGINT NOT NULL,
        principal_rials BIGINT NOT NULL,
        PRIMARY KEY (book_id, entry_seq, number)
    )",
    ],
    // 4: the close of day: which days are closed, and how late each loan was at the last close.
    &[
        "CREATE TABLE closed_days (day TEXT NOT NULL PRIMARY KEY, closed_at_ms BIGINT NOT NULL, loans_late BIGINT NOT NULL)",
        "ALTER TABLE loans ADD COLUMN days_past_due BIGINT NOT NULL DEFAULT 0",
    ],
    // 5: lottery draws, published with their seed and entrants so that anyone can recompute them.
    &["CREATE TABLE lottery_draws (
        id {pk},
        fund_id BIGINT NOT NULL REFERENCES funds(id),
        cycle TEXT NOT NULL,
        drawn_on TEXT NOT NULL,
        seed TEXT NOT NULL,
        entrants TEXT NOT NULL,
        digest TEXT NOT NULL,
        winner_member_id BIGINT NOT NULL REFERENCES members(id),
        drawn_at_ms BIGINT NOT NULL,
        UNIQUE (fund_id, cycle, winner_member_id)
    )"],
    // 6: who approved a loan's write-off.
    &["ALTER TABLE loans ADD COLUMN written_off_by TEXT"],
    // 7: users with their role and scope, sessions and API tokens (stored as hashes), failed sign-ins
    // (for the per-account and per-address limits) and the audit trail, which cannot be changed.
    &[
        "CREATE TABLE users (
        id {pk},
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        place_id BIGINT REFERENCES places(id),
        fund_id BIGINT REFERENCES funds(id),
        bank_id BIGINT,
        language TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        disabled BIGINT NOT NULL DEFAULT 0
    )",
        "CREATE TABLE sessions (
        token_hash TEXT NOT NULL PRIMARY KEY,
        user_id BIGINT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT,
        revoked_at_ms BIGINT
    )",
        "CREATE INDEX sessions_user ON sessions(user_id)",
        "CREATE TABLE sign_in_failures (
        id {pk},
        username TEXT NOT NULL,
        address TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    )",
        "CREATE INDEX sign_in_failures_username ON sign_in_failures(username, at_ms)",
        "CREATE INDEX sign_in_failures_address ON sign_in_failures(address, at_ms)",
        "CREATE TABLE audit_log (
        id {pk},
        at_ms BIGINT NOT NULL,
        user_id BIGINT,
        username TEXT NOT NULL,
        address TEXT NOT NULL,
        action TEXT NOT NULL,
        object_ref TEXT NOT NULL,
        place_path TEXT NOT NULL,
        before_state TEXT NOT NULL,
        after_state TEXT NOT NULL
    )",
        "CREATE INDEX audit_log_place ON audit_log(place_path, at_ms)",
        "{unchangeable:audit_log}",
    ],
    // 8: a loan's repayments and an entry's reversal, found without reading the whole book. Partial
    // indexes: the savings entries that make up most of a book are not in them, so posting pays nothing.
    &[
        "CREATE INDEX entries_repayments ON entries(book_id, object_ref) WHERE code = 'loan.repay'",
        "CREATE INDEX entries_reverses ON entries(book_id, reverses_seq) WHERE reverses_seq IS NOT NULL",
    ],
    // 9: the unit a user reads amounts in (rial or toman).
    &["ALTER TABLE users ADD COLUMN money_unit TEXT NOT NULL DEFAULT 'rial'"],
    // 10: a revision per book (and row 0 for the installation), raised by triggers whenever what a
    // fund's figures are made of changes, so that `Store::data_version` is a sum over a few hundred
    // rows instead of counts over every member. One row per book: writers of different funds never
    // wait on each other's counter (each already locks its own book).
    &[
        "CREATE TABLE data_revisions (book_id BIGINT NOT NULL PRIMARY KEY, revision BIGINT NOT NULL)",
        "INSERT INTO data_revisions (book_id, revision) VALUES (0, 0)",
        "INSERT INTO data_revisions (book_id, revision) SELECT id, 0 FROM books",
        "{revision_triggers}",
    ],
    // 11: jobs and the visits that confirm or follow them up; capital entries found without reading
    // the books' savings.
    &[
        "CREATE TABLE jobs (
        id {pk},
        source_kind TEXT NOT NULL,
        source_id BIGINT NOT NULL,
        fund_id BIGINT REFERENCES funds(id),
        place_id BIGINT NOT NULL REFERENCES places(id),
        activity TEXT NOT NULL,
        kind TEXT NOT NULL,
        hours TEXT NOT NULL,
        fte_hundredths BIGINT NOT NULL,
        sex TEXT NOT NULL,
        age_group TEXT NOT NULL,
        status TEXT NOT NULL,
        expected_on TEXT NOT NULL,
        confirmed_on TEXT,
        lost_on TEXT,
        created_at_ms BIGINT NOT NULL
    )",
        "CREATE INDEX jobs_source ON jobs(source_kind, source_id)",
        "CREATE INDEX jobs_fund ON jobs(fund_id)",
        "CREATE TABLE job_visits (
        id {pk},
        job_id BIGINT NOT NULL REFERENCES jobs(id),
        visited_on TEXT NOT NULL,
        purpose TEXT NOT NULL,
        outcome TEXT NOT NULL,
        visitor TEXT NOT NULL,
        seen TEXT NOT NULL,
        insured_workers BIGINT NOT NULL,
        recorded_at_ms BIGINT NOT NULL
    )",
        "CREATE INDEX job_visits_job ON job_visits(job_id)",
        "{unchangeable:job_visits}",
        "CREATE INDEX entries_capital ON entries(book_id, effective_on) WHERE code IN ('capital.loan', 'capital.grant')",
        "{revision_triggers_jobs}",
    ],
    // 12: every entry names the audit record of the command that posted it. A command's entries in one
    // book are consecutive (it holds the book's lock), so one row per book and command links a range.
    // Entries posted before this migration are linked to one record that says so. Loans remember who
    // approved them by user id (the name stays for display).
    &[
        "CREATE TABLE audit_entries (
        audit_id BIGINT NOT NULL REFERENCES audit_log(id),
        book_id BIGINT NOT NULL,
        first_seq BIGINT NOT NULL,
        last_seq BIGINT NOT NULL,
        PRIMARY KEY (book_id, first_seq)
    )",
        "{unchangeable:audit_entries}",
        "INSERT INTO audit_log (at_ms, user_id, username, address, action, object_ref, place_path, before_state, after_state) \
         SELECT 0, NULL, 'system', '', 'books.before_audit_links', 'installation', '/', 'null', \
         '{\"note\": \"entries posted before entries named their audit record\"}' \
         WHERE EXISTS (SELECT 1 FROM books WHERE head_seq > 0)",
        "INSERT INTO audit_entries (audit_id, book_id, first_seq, last_seq) \
         SELECT (SELECT MAX(id) FROM audit_log WHERE action = 'books.before_audit_links'), id, 1, head_seq \
         FROM books WHERE head_seq > 0",
        "ALTER TABLE loans ADD COLUMN approved_by_user_id BIGINT",
        "ALTER TABLE loans ADD COLUMN second_approved_by_user_id BIGINT",
    ],
];

/// What raises which revision: (table, events, whose revision). "book" is the row's own book,
/// "fund" the book of the row's fund, "installation" row 0.
const REVISION_SOURCES: &[(&str, &str, &str)] = &[
    ("books", "UPDATE", "book"),
    ("members", "INSERT", "fund"),
    ("members", "UPDATE", "fund"),
    ("loans", "INSERT", "fund"),
    ("loans", "UPDATE", "fund"),
    ("fund_rules", "INSERT", "fund"),
    ("lottery_draws", "INSERT", "fund"),
    ("funds", "INSERT", "installation"),
    ("funds", "UPDATE", "installation"),
    ("places", "INSERT", "installation"),
    ("places", "UPDATE", "installation"),
    ("closed_days", "INSERT", "installation"),
];

fn revision_target(whose: &str) -> &'static str {
    match whose {
        "book" => "NEW.id",
        "fund" => "(SELECT book_id FROM funds WHERE id = NEW.fund_id)",
        _ => "0",
    }
}

/// Added by migration 11.
const REVISION_SOURCES_JOBS: &[(&str, &str, &str)] = &[("jobs", "INSERT", "fund"), ("jobs", "UPDATE", "fund")];

fn revision_triggers(backend: Backend, sources: &[(&str, &str, &str)], first: bool) -> String {
    let mut statements = Vec::new();
    match backend {
        Backend::Sqlite if !first => {}
        Backend::Postgres if !first => {}
        Backend::Sqlite => {
            statements.push(
                "CREATE TRIGGER books_revision_row AFTER INSERT ON books BEGIN \
                 INSERT INTO data_revisions (book_id, revision) VALUES (NEW.id, 0); END"
                    .to_string(),
            );
        }
        Backend::Postgres => {
            statements.push(
                "CREATE FUNCTION abadi_revision_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 INSERT INTO data_revisions (book_id, revision) VALUES (NEW.id, 0); RETURN NULL; END $$"
                    .to_string(),
            );
            statements.push(
                "CREATE TRIGGER books_revision_row AFTER INSERT ON books FOR EACH ROW EXECUTE FUNCTION abadi_revision_row()"
                    .to_string(),
            );
            for whose in ["book", "fund", "installation"] {
                statements.push(format!(
                    "CREATE FUNCTION abadi_raise_{whose}_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     UPDATE data_revisions SET revision = revision + 1 WHERE book_id = {target}; RETURN NULL; END $$",
                    target = revision_target(whose),
                ));
            }
        }
    }
    match backend {
        Backend::Sqlite => {
            for (table, event, whose) in sources {
                statements.push(format!(
                    "CREATE TRIGGER {table}_{event}_revision AFTER {event} ON {table} BEGIN \
                     UPDATE data_revisions SET revision = revision + 1 WHERE book_id = {target}; END",
                    event = event.to_lowercase(),
                    target = revision_target(whose),
                ));
            }
        }
        Backend::Postgres => {
            for (table, event, whose) in sources {
                statements.push(format!(
                    "CREATE TRIGGER {table}_{lower}_revision AFTER {event} ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION abadi_raise_{whose}_revision()",
                    lower = event.to_lowercase(),
                ));
            }
        }
    }
    statements.join("\n;;\n")
}

/// Renders one statement for a dialect, as zero or more statements.
pub(crate) fn render(statement: &str, backend: Backend) -> Vec<String> {
    let rendered = render_one(statement, backend);
    rendered.split("\n;;\n").filter(|s| !s.trim().is_empty()).map(str::to_string).collect()
}

fn render_one(statement: &str, backend: Backend) -> String {
    match (statement, backend) {
        ("{revision_triggers}", backend) => revision_triggers(backend, REVISION_SOURCES, true),
        ("{revision_triggers_jobs}", backend) => revision_triggers(backend, REVISION_SOURCES_JOBS, false),
        ("{append_only_function}", Backend::Sqlite) => String::new(),
        ("{append_only_function}", Backend::Postgres) => {
            "CREATE FUNCTION abadi_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN RAISE EXCEPTION 'the books are append-only: post a reversing entry instead'; END $$"
                .to_string()
        }
        (s, Backend::Sqlite) if s.starts_with("{unchangeable:") => {
            let table = &s["{unchangeable:".len()..s.len() - 1];
            format!(
                "CREATE TRIGGER {table}_unchangeable BEFORE UPDATE ON {table} BEGIN \
                 SELECT RAISE(ABORT, '{table} cannot be changed'); END\n;;\n\
                 CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN \
                 SELECT RAISE(ABORT, '{table} cannot be changed'); END"
            )
        }
        (s, Backend::Postgres) if s.starts_with("{unchangeable:") => {
            let table = &s["{unchangeable:".len()..s.len() - 1];
            format!(
                "CREATE FUNCTION {table}_unchangeable() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION '{table} cannot be changed'; END $$\n;;\n\
                 CREATE TRIGGER {table}_unchangeable BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION {table}_unchangeable()"
            )
        }
        (s, Backend::Sqlite) if s.starts_with("{append_only:") => {
            let table = &s["{append_only:".len()..s.len() - 1];
            format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} BEGIN \
                 SELECT RAISE(ABORT, 'the books are append-only: post a reversing entry instead'); END\n;;\n\
                 CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN \
                 SELECT RAISE(ABORT, 'the books are append-only: post a reversing entry instead'); END"
            )
        }
        (s, Backend::Postgres) if s.starts_with("{append_only:") => {
            let table = &s["{append_only:".len()..s.len() - 1];
            format!(
                "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION abadi_append_only()"
            )
        }
        (s, Backend::Sqlite) => {
            s.replace("{pk}", "INTEGER PRIMARY KEY").replace("{binary}", "").replace("{without_rowid}", "WITHOUT ROWID")
        }
        (s, Backend::Postgres) => s
            .replace("{pk}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
            .replace("{binary}", "COLLATE \"C\"")
            .replace("{without_rowid}", ""),
    }
}
