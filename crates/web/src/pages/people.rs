//! The pages about people: the audit trail with its filters (auditors and administrators), and the
//! users of the reader's places, whom an administrator or officer adds.

use super::components::{Text, Tone, layout as page, notice};
use super::{PageError, PageResult, Viewer};
use crate::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::access::{Role, Scope};
use maud::{Markup, html};
use serde::Deserialize;

pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new().route("/audit", get(audit_page)).route("/users", get(users_page).post(add_user))
}

/// Milliseconds since the epoch as the Jalali date and the time of day in Iran (UTC+03:30).
pub(crate) fn moment(lang: crate::i18n::Lang, at_ms: i64) -> String {
    let (day, minutes) = app::moment_in_iran(at_ms);
    let time = domain::text::show_digits(&format!("{:02}:{:02}", minutes / 60, minutes % 60), lang.digits());
    format!("{} {time}", lang.date(day))
}

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    pub(crate) user: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

/// The audit trail of the reader's scope, newest first, filtered by user, action and Jalali dates.
pub(crate) async fn audit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> PageResult {
    let lang = viewer.lang;
    let under = match (viewer.user.grant.role, &viewer.user.grant.scope) {
        (Role::Administrator, _) => None,
        (Role::Auditor, Scope::Place(place)) => Some(place.clone()),
        _ => return Err(PageError::NotFound(lang)),
    };
    let day_ms = |text: &Option<String>, end: bool| -> Result<Option<i64>, String> {
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => {
                let day = domain::JalaliDate::parse(text).map_err(|e| crate::pages::date_problem(lang, &e))?.to_iso();
                let day = if end { day.add_days(1) } else { day };
                Ok(Some(app::day_start_in_iran_ms(day)))
            }
        }
    };
    let (from_ms, until_ms) = match (day_ms(&query.from, false), day_ms(&query.to, true)) {
        (Ok(from), Ok(until)) => (from, until),
        (Err(e), _) | (_, Err(e)) => {
            let body = html! { h1 { (lang.t("audit_trail")) } (notice(Tone::Error, &e)) };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(lang, Some(&viewer.user), lang.t("audit_trail"), body))
                .into_response());
        }
    };
    let filter = app::model::AuditFilter {
        under,
        username: query.user.clone().filter(|u| !u.trim().is_empty()),
        action_prefix: query.action.clone().filter(|a| !a.trim().is_empty()),
        from_ms,
        until_ms,
        limit: 200,
    };
    let records = state.store.audit_log(&filter).await.map_err(|e| viewer.internal(e))?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let filter_input = |name: &str, typed: &Option<String>, label: &str| {
        html! { input name=(name) value=(Text(&value(typed))) placeholder=(label) aria-label=(label); }
    };
    let body = html! {
        h1 { (lang.t("audit_trail")) }
        form.search method="get" action="/audit" {
            (filter_input("user", &query.user, lang.t("username")))
            (filter_input("action", &query.action, lang.t("action")))
            (filter_input("from", &query.from, lang.t("from_date")))
            (filter_input("to", &query.to, lang.t("to_date")))
            button type="submit" { (lang.t("filter")) }
        }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("when")) }
                th { (lang.t("username")) }
                th.hide-narrow { (lang.t("address")) }
                th { (lang.t("action")) }
                th { (lang.t("object")) }
                th.hide-narrow { (lang.t("before_after")) }
            } }
            tbody {
                @for r in &records {
                    tr {
                        td { (moment(lang, r.at_ms)) }
                        td { (Text(&r.username)) }
                        td.hide-narrow { (Text(&r.address)) }
                        td { code { (Text(&r.action)) } }
                        td { code { (Text(&r.object_ref)) } }
                        td.hide-narrow { details {
                            summary { (lang.t("before_after")) }
                            pre dir="ltr" { (Text(&r.before_state)) "\n→ " (Text(&r.after_state)) }
                        } }
                    }
                }
            }
        } }
    };
    Ok(page(lang, Some(&viewer.user), lang.t("audit_trail"), body).into_response())
}

// ---- users of the reader's places ----

/// Who may open the users page, and over which place (see `domain::access::users_listed_by`).
pub(crate) fn users_scope(viewer: &Viewer) -> Result<Option<domain::PlacePath>, PageError> {
    domain::access::users_listed_by(&viewer.user.grant).ok_or(PageError::NotFound(viewer.lang))
}

/// The roles a reader may grant, for the form (the command checks again: `domain::access::may_grant`).
pub(crate) fn grantable_roles(viewer: &Viewer) -> &'static [Role] {
    domain::access::grantable_roles(&viewer.user.grant)
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct UserForm {
    #[serde(default)]
    pub(crate) username: String,
    #[serde(default)]
    pub(crate) display_name: String,
    #[serde(default)]
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) place_id: String,
    #[serde(default)]
    pub(crate) fund_id: String,
    #[serde(default)]
    pub(crate) language: String,
}

pub(crate) async fn users_page(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let under = users_scope(&viewer)?;
    let body = users_body(&state, &viewer, under.as_ref(), &UserForm::default(), None).await?;
    Ok(page(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), body).into_response())
}

pub(crate) async fn users_body(
    state: &AppState,
    viewer: &Viewer,
    under: Option<&domain::PlacePath>,
    typed: &UserForm,
    said: Option<(&str, String)>,
) -> Result<Markup, PageError> {
    let lang = viewer.lang;
    let users = state.store.users().await.map_err(|e| viewer.internal(e))?;
    let places: std::collections::HashMap<i64, app::model::Place> =
        state.store.places_under(under).await.map_err(|e| viewer.internal(e))?.into_iter().map(|p| (p.id, p)).collect();
    let funds = state.store.funds_with_places(under).await.map_err(|e| viewer.internal(e))?;
    let scope_name = |grant: &domain::access::Grant| -> String {
        match &grant.scope {
            Scope::Installation => lang.t("all").to_string(),
            Scope::Place(place) => {
                place.last_id().and_then(|id| places.get(&id)).map_or_else(String::new, |p| p.name.clone())
            }
            Scope::Fund { fund_id, .. } => funds
                .iter()
                .find(|(f, _)| f.id == *fund_id)
                .map_or_else(|| format!("#{fund_id}"), |(f, _)| f.name.clone()),
            Scope::Bank(bank) => format!("#{bank}"),
        }
    };
    let role_name = |role: Role| lang.t(&format!("role_{}", role.code()));
    let roles = grantable_roles(viewer);
    let mut place_list: Vec<&app::model::Place> = places.values().collect();
    place_list.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    let option = |value: String, label: &str, chosen: &str| {
        html! { option value=(value) selected[value == chosen] { (Text(label)) } }
    };
    let language = if typed.language.is_empty() { lang.code() } else { typed.language.as_str() };
    Ok(html! {
        h1 { (lang.t("users")) }
        @if let Some((tone, text)) = &said { (notice(if *tone == "error" { Tone::Error } else { Tone::Ok }, text)) }
        div.table-wrap { table {
            thead { tr {
                th { (lang.t("username")) } th { (lang.t("display_name")) } th { (lang.t("role")) } th { (lang.t("scope")) }
            } }
            tbody {
                @for u in users.iter().filter(|u| domain::access::grant_within(&u.grant, under)) {
                    tr {
                        td { (Text(&u.username)) @if u.disabled { " " span.badge.late { (lang.t("disabled")) } } }
                        td { (Text(&u.display_name)) }
                        td { (role_name(u.grant.role)) }
                        td { (Text(&scope_name(&u.grant))) }
                    }
                }
            }
        } }
        @if !roles.is_empty() {
            h2 { (lang.t("add_user")) }
            form.stack method="post" action="/users" {
                label for="username" { (lang.t("username")) }
                input id="username" name="username" required autocomplete="off" value=(Text(&typed.username));
                label for="display_name" { (lang.t("display_name")) }
                input id="display_name" name="display_name" value=(Text(&typed.display_name));
                label for="password" { (lang.t("initial_password")) " " span.hint { (lang.t("password_hint")) } }
                input id="password" name="password" type="password" autocomplete="new-password" required
                    minlength=(app::auth::PASSWORD_CHARS_MIN);
                label for="role" { (lang.t("role")) }
                select id="role" name="role" {
                    @for r in roles { (option(r.code().to_string(), role_name(*r), &typed.role)) }
                }
                label for="place_id" { (lang.t("place_for_role")) }
                select id="place_id" name="place_id" {
                    option value="" {}
                    @for p in &place_list { (option(p.id.to_string(), &p.name, &typed.place_id)) }
                }
                label for="fund_id" { (lang.t("fund_for_role")) }
                select id="fund_id" name="fund_id" {
                    option value="" {}
                    @for (f, _) in &funds { (option(f.id.to_string(), &f.name, &typed.fund_id)) }
                }
                label for="language" { (lang.t("language")) }
                select id="language" name="language" {
                    (option("fa".into(), "فارسی", language))
                    (option("en".into(), "English", language))
                }
                button type="submit" { (lang.t("save")) }
            }
        }
    })
}

/// An administrator adds any user; an officer adds treasurers of funds and auditors of places within
/// their own place. A refusal keeps what was typed (but never the password).
pub(crate) async fn add_user(State(state): State<AppState>, viewer: Viewer, Form(form): Form<UserForm>) -> PageResult {
    let under = users_scope(&viewer)?;
    let lang = viewer.lang;
    let refuse = |problem: String| {
        let state = state.clone();
        let viewer = &viewer;
        let under = under.clone();
        let form = UserForm { password: String::new(), ..form.clone() };
        async move {
            let body = users_body(&state, viewer, under.as_ref(), &form, Some(("error", problem))).await?;
            Ok::<_, PageError>(
                (StatusCode::UNPROCESSABLE_ENTITY, page(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), body))
                    .into_response(),
            )
        }
    };
    let Ok(role) = Role::parse(&form.role) else {
        return refuse(lang.t("role_not_yours").to_string()).await;
    };
    let id = |text: &str| domain::text::to_latin_digits(text.trim()).parse::<i64>().ok();
    let (place_id, fund_id) = match role {
        Role::Officer | Role::Auditor => (id(&form.place_id), None),
        Role::Treasurer => (None, id(&form.fund_id)),
        _ => (None, None),
    };
    let username = form.username.trim().to_string();
    let request = app::auth::UserRequest {
        display_name: if form.display_name.trim().is_empty() {
            username.clone()
        } else {
            form.display_name.trim().to_string()
        },
        username,
        password: form.password.clone(),
        role,
        place_id,
        fund_id,
        bank_id: None,
        language: if form.language == "en" { "en".into() } else { "fa".into() },
    };
    let added = app::auth::add_user_as(&state.store, state.clock.as_ref(), &viewer.actor(), &request).await;
    match added {
        Ok(_) => {
            let body = users_body(
                &state,
                &viewer,
                under.as_ref(),
                &UserForm::default(),
                Some(("ok", lang.t("user_added").to_string())),
            )
            .await?;
            Ok(page(lang, Some(&viewer.user), lang.t("users"), body).into_response())
        }
        Err(app::auth::AuthError::WeakPassword) => refuse(lang.t("password_hint").to_string()).await,
        // Which roles over which places the reader may grant is the command's to say (one rule).
        Err(app::auth::AuthError::NotYoursToGrant) => refuse(lang.t("role_not_yours").to_string()).await,
        Err(app::auth::AuthError::Store(app::model::StoreError::Conflict(_))) => {
            refuse(lang.t("username_taken").to_string()).await
        }
        Err(app::auth::AuthError::Store(e @ app::model::StoreError::Invalid(_))) => {
            refuse(crate::pages::store_problem(lang, &e)).await
        }
        Err(app::auth::AuthError::Store(e)) => Err(viewer.internal(e)),
        Err(_) => refuse(lang.t("role_not_yours").to_string()).await,
    }
}
