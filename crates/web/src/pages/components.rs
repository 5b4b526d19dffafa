//! What every page repeats, as typed HTML (maud: every value is escaped unless it is already
//! markup): the layout, the notice, a form field (text, money, date), a table and a pager.

use crate::i18n::Lang;
use app::model::User;
use axum::response::Html;
use domain::access::{Role, Scope};
use maud::{DOCTYPE, Markup, Render, html};

/// Text shown as it is, escaped, with bidirectional controls dropped (`domain::text::is_bidi_control`):
/// every value that came from a person goes into a page through this (maud's own escaping keeps them).
pub struct Text<'a>(pub &'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&super::esc(self.0));
    }
}

/// The page around a body: the language and direction, the stylesheet and scripts from the binary,
/// and for a signed-in reader the navigation of their role and their name.
pub fn layout(lang: Lang, user: Option<&User>, title: &str, body: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (Text(title)) " · " (lang.t("brand")) }
                link rel="stylesheet" href=(crate::assets::STYLESHEET);
                script src=(crate::assets::HTMX) defer {}
                script src=(crate::assets::SCRIPT) defer {}
            }
            body {
                header.top {
                    a.brand href="/" { (lang.t("brand")) }
                    nav { @if let Some(user) = user { (navigation(lang, user)) } }
                    @if let Some(user) = user {
                        span.who {
                            a href="/settings" { (Text(&user.display_name)) }
                            form method="post" action="/sign-out" { button type="submit" { (lang.t("sign_out")) } }
                        }
                    }
                }
                main { (body) }
            }
        }
    };
    Html(page.into_string())
}

fn navigation(lang: Lang, user: &User) -> Markup {
    html! {
        @if let Scope::Fund { fund_id, .. } = user.grant.scope {
            a href={ "/funds/" (fund_id) } { (lang.t("home")) }
            a href={ "/funds/" (fund_id) "/members" } { (lang.t("members")) }
            a href={ "/funds/" (fund_id) "/loans" } { (lang.t("loans")) }
            a href={ "/funds/" (fund_id) "/meeting" } { (lang.t("meeting_sheet")) }
        } @else {
            a href="/funds" { (lang.t("funds")) }
        }
        @if matches!(user.grant.role, Role::Administrator | Role::Officer | Role::Auditor) {
            a href="/reports" { (lang.t("reports")) }
            a href="/users" { (lang.t("users")) }
        }
        @if matches!(user.grant.role, Role::Administrator | Role::Auditor) {
            a href="/audit" { (lang.t("audit_trail")) }
        }
        a href="/solar" { (lang.t("solar")) }
    }
}

/// What a notice says: done, refused, or for information.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Error,
}

/// A notice at the top of a form or page: a status for good news, an alert for a refusal.
pub fn notice(tone: Tone, text: &str) -> Markup {
    match tone {
        Tone::Ok => html! { p.notice.ok role="status" { (Text(text)) } },
        Tone::Error => html! { p.notice.error role="alert" { (Text(text)) } },
    }
}

/// The summary above a form that has wrong fields.
pub fn form_problems(lang: Lang) -> Markup {
    html! { div.notice.error role="alert" { (lang.t("fix_errors")) } }
}

/// How a field is typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    Text,
    /// Digits (a national ID, a count): the phone shows its number pad.
    Number,
    /// An amount in the reader's unit, any digits and separators.
    Money,
    Phone,
    /// A Jalali date as typed, `۱۴۰۳/۰۵/۱۲` or `1403/5/12`.
    Date,
}

/// A labelled form field with what was typed kept, its hint, and its error (with `aria-invalid` and
/// the error tied to the field for screen readers).
pub struct Field<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub value: &'a str,
    pub input: Input,
    pub required: bool,
    pub hint: &'a str,
    pub error: Option<&'a str>,
}

impl<'a> Field<'a> {
    pub fn new(name: &'a str, label: &'a str, value: &'a str) -> Field<'a> {
        Field { name, label, value, input: Input::Text, required: false, hint: "", error: None }
    }

    pub fn input(self, input: Input) -> Field<'a> {
        Field { input, ..self }
    }

    pub fn required(self) -> Field<'a> {
        Field { required: true, ..self }
    }

    pub fn hint(self, hint: &'a str) -> Field<'a> {
        Field { hint, ..self }
    }

    /// The error of this field among a form's errors, if any.
    pub fn errors(self, errors: &'a [(&'a str, String)]) -> Field<'a> {
        let error = errors.iter().find(|(f, _)| *f == self.name).map(|(_, e)| e.as_str());
        Field { error, ..self }
    }
}

impl Render for Field<'_> {
    fn render(&self) -> Markup {
        let (class, inputmode) = match self.input {
            Input::Text | Input::Date => (None, None),
            Input::Number => (None, Some("numeric")),
            Input::Money => (Some("amount"), Some("numeric")),
            Input::Phone => (None, Some("tel")),
        };
        let error_id = format!("{}-error", self.name);
        html! {
            label {
                (Text(self.label))
                @if !self.hint.is_empty() { span.hint { (Text(self.hint)) } }
                input name=(self.name) value=(Text(self.value)) class=[class] inputmode=[inputmode]
                    required[self.required] aria-invalid=[self.error.map(|_| "true")]
                    aria-describedby=[self.error.map(|_| error_id.as_str())];
                @if let Some(error) = self.error { span.field-error id=(error_id) { (Text(error)) } }
            }
        }
    }
}

/// A column of a table: its title, and its class (`num` aligns numbers, `hide-narrow` hides it on a
/// phone).
pub struct Column<'a> {
    pub title: String,
    pub class: Option<&'a str>,
}

impl<'a> Column<'a> {
    pub fn text(title: &str) -> Column<'a> {
        Column { title: title.to_string(), class: None }
    }

    pub fn with(title: &str, class: &'a str) -> Column<'a> {
        Column { title: title.to_string(), class: Some(class) }
    }
}

/// A table that scrolls sideways inside its own box on a narrow phone (never the page): its columns,
/// then its rows.
pub fn table(columns: &[Column<'_>], rows: Markup) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr { @for column in columns { th class=[column.class] { (Text(&column.title)) } } } }
            tbody { (rows) }
        } }
    }
}

/// Links to the previous and next page, and where the reader is: `base` carries the query so far.
pub fn pager(lang: Lang, page: usize, pages: usize, link: &dyn Fn(usize) -> String) -> Markup {
    html! {
        @if pages > 1 {
            nav.actions aria-label=(lang.t("page_of")) {
                @if page > 1 { a.button rel="prev" href=(link(page - 1)) { (lang.t("previous_page")) } }
                span.muted {
                    (lang.t("page_of")) " " (lang.number(page as i64)) " " (lang.t("of")) " " (lang.number(pages as i64))
                }
                @if page < pages { a.button rel="next" href=(link(page + 1)) { (lang.t("next_page")) } }
            }
        }
    }
}
