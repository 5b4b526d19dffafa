//! The pages about people: the audit trail with its filters (auditors and administrators), and the
//! users of the reader's places, whom an administrator or officer adds.

use super::{PageError, PageResult, Viewer, esc, layout};
use crate::AppState;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use domain::access::{Role, Scope};
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
            let body = format!(r#"<h1>{}</h1><p class="notice error">{}</p>"#, lang.t("audit_trail"), esc(&e));
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                layout(lang, Some(&viewer.user), lang.t("audit_trail"), &body),
            )
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
    let rows: String = records
        .iter()
        .map(|r| {
            format!(
                r#"<tr><td>{when}</td><td>{user}</td><td class="hide-narrow">{address}</td><td><code>{action}</code></td><td><code>{object}</code></td><td class="hide-narrow"><details><summary>{changes}</summary><pre dir="ltr">{before}
→ {after}</pre></details></td></tr>"#,
                when = moment(lang, r.at_ms),
                user = esc(&r.username),
                address = esc(&r.address),
                action = esc(&r.action),
                object = esc(&r.object_ref),
                changes = lang.t("before_after"),
                before = esc(&r.before_state),
                after = esc(&r.after_state),
            )
        })
        .collect();
    let value = |v: &Option<String>| esc(v.as_deref().unwrap_or(""));
    let body = format!(
        r#"<h1>{title}</h1>
<form class="search" method="get" action="/audit">
<input name="user" value="{user}" placeholder="{user_label}" aria-label="{user_label}">
<input name="action" value="{action}" placeholder="{action_label}" aria-label="{action_label}">
<input name="from" value="{from}" placeholder="{from_label}" aria-label="{from_label}">
<input name="to" value="{to}" placeholder="{to_label}" aria-label="{to_label}">
<button type="submit">{filter}</button></form>
<div class="table-wrap"><table><thead><tr><th>{when}</th><th>{user_label}</th><th class="hide-narrow">{address}</th><th>{action_label}</th><th>{object}</th><th class="hide-narrow">{changes}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
        title = lang.t("audit_trail"),
        user = value(&query.user),
        user_label = lang.t("username"),
        action = value(&query.action),
        action_label = lang.t("action"),
        from = value(&query.from),
        from_label = lang.t("from_date"),
        to = value(&query.to),
        to_label = lang.t("to_date"),
        filter = lang.t("filter"),
        when = lang.t("when"),
        address = lang.t("address"),
        object = lang.t("object"),
        changes = lang.t("before_after"),
    );
    Ok(layout(lang, Some(&viewer.user), lang.t("audit_trail"), &body).into_response())
}

// ---- users of the reader's places ----

/// Who may open the users page, and over which place (see `domain::access::users_listed_by`).
pub(crate) fn users_scope(viewer: &Viewer) -> Result<Option<domain::PlacePath>, PageError> {
    domain::access::users_listed_by(&viewer.user.grant).ok_or(PageError::NotFound(viewer.lang))
}

/// The roles a reader may grant: an administrator any, an officer treasurers and auditors within
/// their place (never a role above their own), an auditor none.
pub(crate) fn grantable_roles(viewer: &Viewer) -> &'static [Role] {
    match viewer.user.grant.role {
        Role::Administrator => &[Role::Treasurer, Role::Officer, Role::Auditor, Role::BankLiaison, Role::Administrator],
        Role::Officer => &[Role::Treasurer, Role::Auditor],
        _ => &[],
    }
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
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), &body).into_response())
}

pub(crate) async fn users_body(
    state: &AppState,
    viewer: &Viewer,
    under: Option<&domain::PlacePath>,
    typed: &UserForm,
    notice: Option<(&str, String)>,
) -> Result<String, PageError> {
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
    let rows: String = users
        .iter()
        .filter(|u| domain::access::grant_within(&u.grant, under))
        .map(|u| {
            let disabled = if u.disabled {
                format!(r#" <span class="badge late">{}</span>"#, lang.t("disabled"))
            } else {
                String::new()
            };
            format!(
                r#"<tr><td>{username}{disabled}</td><td>{name}</td><td>{role}</td><td>{scope}</td></tr>"#,
                username = esc(&u.username),
                name = esc(&u.display_name),
                role = role_name(u.grant.role),
                scope = esc(&scope_name(&u.grant)),
            )
        })
        .collect();
    let roles = grantable_roles(viewer);
    let form = if roles.is_empty() {
        String::new()
    } else {
        let option = |value: String, label: &str, chosen: &str| {
            let mark = if value == chosen { " selected" } else { "" };
            format!(r#"<option value="{value}"{mark}>{}</option>"#, esc(label))
        };
        let role_options: String =
            roles.iter().map(|r| option(r.code().to_string(), role_name(*r), &typed.role)).collect();
        let mut place_list: Vec<&app::model::Place> = places.values().collect();
        place_list.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
        let place_options: String =
            place_list.iter().map(|p| option(p.id.to_string(), &p.name, &typed.place_id)).collect();
        let fund_options: String =
            funds.iter().map(|(f, _)| option(f.id.to_string(), &f.name, &typed.fund_id)).collect();
        let language = if typed.language.is_empty() { lang.code() } else { typed.language.as_str() };
        format!(
            r#"<h2>{title}</h2>
<form class="stack" method="post" action="/users">
<label for="username">{username}</label><input id="username" name="username" required autocomplete="off" value="{username_value}">
<label for="display_name">{display}</label><input id="display_name" name="display_name" value="{display_value}">
<label for="password">{password} <span class="hint">{hint}</span></label><input id="password" name="password" type="password" autocomplete="new-password" required minlength="{min}">
<label for="role">{role}</label><select id="role" name="role">{role_options}</select>
<label for="place_id">{place}</label><select id="place_id" name="place_id"><option value=""></option>{place_options}</select>
<label for="fund_id">{fund}</label><select id="fund_id" name="fund_id"><option value=""></option>{fund_options}</select>
<label for="language">{language_label}</label><select id="language" name="language">{fa}{en}</select>
<button type="submit">{save}</button></form>"#,
            title = lang.t("add_user"),
            username = lang.t("username"),
            username_value = esc(&typed.username),
            display = lang.t("display_name"),
            display_value = esc(&typed.display_name),
            password = lang.t("initial_password"),
            hint = lang.t("password_hint"),
            min = app::auth::PASSWORD_CHARS_MIN,
            role = lang.t("role"),
            place = lang.t("place_for_role"),
            fund = lang.t("fund_for_role"),
            language_label = lang.t("language"),
            fa = option("fa".into(), "فارسی", language),
            en = option("en".into(), "English", language),
            save = lang.t("save"),
        )
    };
    let notice = notice.map_or(String::new(), |(class, text)| {
        let role = if class == "error" { "alert" } else { "status" };
        format!(r#"<p class="notice {class}" role="{role}">{}</p>"#, esc(&text))
    });
    Ok(format!(
        r#"<h1>{title}</h1>{notice}
<div class="table-wrap"><table><thead><tr><th>{username}</th><th>{name}</th><th>{role}</th><th>{scope}</th></tr></thead><tbody>{rows}</tbody></table></div>
{form}"#,
        title = lang.t("users"),
        username = lang.t("username"),
        name = lang.t("display_name"),
        role = lang.t("role"),
        scope = lang.t("scope"),
    ))
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
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("users"), &body),
                )
                    .into_response(),
            )
        }
    };
    let Some(role) = Role::parse(&form.role).ok().filter(|r| grantable_roles(&viewer).contains(r)) else {
        return refuse(lang.t("role_not_yours").to_string()).await;
    };
    let id = |text: &str| domain::text::to_latin_digits(text.trim()).parse::<i64>().ok();
    let (place_id, fund_id) = match role {
        Role::Officer | Role::Auditor => (id(&form.place_id), None),
        Role::Treasurer => (None, id(&form.fund_id)),
        _ => (None, None),
    };
    // The place or fund granted must lie within the reader's own place.
    let target = match (place_id, fund_id) {
        (Some(place), _) => state.store.place(place).await.ok().map(|p| p.path),
        (_, Some(fund)) => state.store.fund_place_path(fund).await.ok(),
        _ => None,
    };
    let inside = match (&under, &target) {
        (None, _) => true,
        (Some(scope), Some(target)) => scope.contains(target),
        (Some(_), None) => false,
    };
    if !inside || (matches!(role, Role::Officer | Role::Auditor | Role::Treasurer) && target.is_none()) {
        return refuse(lang.t("role_not_yours").to_string()).await;
    }
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
            Ok(layout(lang, Some(&viewer.user), lang.t("users"), &body).into_response())
        }
        Err(app::auth::AuthError::WeakPassword) => refuse(lang.t("password_hint").to_string()).await,
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
