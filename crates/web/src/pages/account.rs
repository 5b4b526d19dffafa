//! The reader's own pages: signing in and out, the settings (language, money unit) and the password.

use super::*;

pub(crate) fn session_cookie(secret: &str, secure: bool, max_age_s: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("abadi_session=; Path=/; Max-Age=0"))
}

// ---- signing in and out ----

#[derive(Deserialize, Default)]
pub(crate) struct NextQuery {
    pub(crate) next: Option<String>,
}

pub(crate) fn sign_in_form(lang: Lang, username: &str, next: &str, problem: Option<&str>) -> Markup {
    html! {
        h1 { (lang.t("sign_in")) }
        @if let Some(problem) = problem { (notice(Tone::Error, problem)) }
        form.stack method="post" action="/sign-in" {
            input type="hidden" name="next" value=(Text(next));
            label { (lang.t("username")) input name="username" autocomplete="username" required value=(Text(username)); }
            label { (lang.t("password")) input name="password" type="password" autocomplete="current-password" required; }
            button type="submit" { (lang.t("sign_in")) }
        }
    }
}

pub(crate) async fn sign_in_page(Query(query): Query<NextQuery>) -> Html<String> {
    let lang = Lang::Fa;
    page(lang, None, lang.t("sign_in"), sign_in_form(lang, "", query.next.as_deref().unwrap_or("/"), None))
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    pub(crate) username: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// Only a path on this site is followed after signing in: it starts with one `/`, and holds no
/// backslash, whitespace or control character (a browser drops a tab or newline from `/\t/evil.example`
/// and goes to `//evil.example`; a newline would not even make a header).
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    let plain = next.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '\\');
    (plain && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    crate::api::ClientAddress(address): crate::api::ClientAddress,
    Form(form): Form<SignInForm>,
) -> Response {
    let lang = Lang::Fa;
    let outcome = auth::sign_in(
        &state.store,
        state.clock.as_ref(),
        &form.username,
        &form.password,
        &address,
        SessionKind::Browser,
    )
    .await;
    let problem = match outcome {
        Ok(signed) => {
            let landing = match (safe_next(&form.next), &signed.user.grant.scope) {
                (Some(next), _) if next != "/" => next.to_string(),
                (_, Scope::Fund { fund_id, .. }) => format!("/funds/{fund_id}"),
                _ => "/funds".to_string(),
            };
            let mut response = Redirect::to(&landing).into_response();
            let cookie = session_cookie(&signed.secret, state.secure_cookies, auth::SESSION_LIFETIME_MS / 1000);
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            return response;
        }
        Err(AuthError::WrongCredentials) => lang.t("wrong_credentials"),
        Err(AuthError::Throttled { .. }) => lang.t("throttled"),
        Err(AuthError::WeakPassword | AuthError::NotYoursToGrant) => lang.t("wrong_credentials"),
        Err(AuthError::Store(e)) => return PageError::Internal(lang, e).into_response(),
    };
    let status = if problem == lang.t("throttled") { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
    (status, page(lang, None, lang.t("sign_in"), sign_in_form(lang, &form.username, &form.next, Some(problem))))
        .into_response()
}

pub(crate) async fn sign_out(State(state): State<AppState>, viewer: Viewer) -> Response {
    // Signing out ends the session whatever the audit trail says; a failure is logged, not shown.
    if let Err(error) =
        auth::sign_out(&state.store, state.clock.as_ref(), &viewer.actor(), &viewer.user, &viewer.secret).await
    {
        tracing::error!(%error, "sign-out failed");
    }
    state.sessions.forget();
    let mut response = Redirect::to("/sign-in").into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie("", state.secure_cookies, 0));
    response
}

// ---- the reader's settings ----

pub(crate) fn settings_body(viewer: &Viewer, said: Option<(&str, &str)>) -> Markup {
    let lang = viewer.lang;
    html! {
        h1 { (lang.t("settings")) }
        @if let Some((tone, text)) = said { (notice(if tone == "ok" { Tone::Ok } else { Tone::Error }, text)) }
        form.stack method="post" action="/settings" {
            label { (lang.t("language")) select name="language" {
                option value="fa" selected[lang == Lang::Fa] { "فارسی" }
                option value="en" selected[lang == Lang::En] { "English" }
            } }
            label { (lang.t("money_unit")) select name="unit" {
                option value="rial" selected[viewer.unit == MoneyUnit::Rial] { (lang.t("rials")) }
                option value="toman" selected[viewer.unit == MoneyUnit::Toman] { (lang.t("tomans")) }
            } }
            button type="submit" { (lang.t("save")) }
        }
        h2 { (lang.t("change_password")) }
        form.stack method="post" action="/settings/password" {
            label { (lang.t("current_password")) input name="current_password" type="password" autocomplete="current-password" required; }
            label {
                (lang.t("new_password")) span.hint { (lang.t("password_hint")) }
                input name="new_password" type="password" autocomplete="new-password" required minlength=(auth::PASSWORD_CHARS_MIN);
            }
            button type="submit" { (lang.t("change_password")) }
        }
    }
}

pub(crate) async fn settings_page(viewer: Viewer) -> Html<String> {
    page(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), settings_body(&viewer, None))
}

#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    pub(crate) language: String,
    pub(crate) unit: String,
}

pub(crate) async fn save_settings(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SettingsForm>,
) -> PageResult {
    let unit = if form.unit == "toman" { MoneyUnit::Toman } else { MoneyUnit::Rial };
    let language = if form.language == "en" { "en" } else { "fa" };
    let user = auth::set_preferences(&state.store, state.clock.as_ref(), &viewer.actor(), &viewer.user, language, unit)
        .await
        .map_err(|e| viewer.internal(e))?;
    state.sessions.forget();
    let viewer = Viewer {
        lang: Lang::from_code(&user.language),
        unit: user.money_unit,
        user,
        secret: viewer.secret,
        address: viewer.address,
    };
    let body = settings_body(&viewer, Some(("ok", viewer.lang.t("saved"))));
    Ok(page(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), body).into_response())
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    pub(crate) current_password: String,
    pub(crate) new_password: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let lang = viewer.lang;
    let (current, new) = (&form.current_password, &form.new_password);
    let outcome = auth::change_own_password(
        &state.store,
        state.clock.as_ref(),
        &viewer.actor(),
        &viewer.user,
        current,
        new,
        &viewer.secret,
    )
    .await;
    state.sessions.forget();
    let (status, notice) = match outcome {
        Ok(()) => (StatusCode::OK, ("ok", lang.t("password_changed"))),
        Err(AuthError::WrongCredentials) => {
            (StatusCode::UNPROCESSABLE_ENTITY, ("error", lang.t("wrong_current_password")))
        }
        Err(AuthError::WeakPassword) => (StatusCode::UNPROCESSABLE_ENTITY, ("error", lang.t("password_hint"))),
        Err(AuthError::NotYoursToGrant) => (StatusCode::UNPROCESSABLE_ENTITY, ("error", lang.t("role_not_yours"))),
        Err(AuthError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, ("error", lang.t("throttled"))),
        Err(AuthError::Store(e)) => return Err(viewer.internal(e)),
    };
    let body = settings_body(&viewer, Some(notice));
    Ok((status, page(lang, Some(&viewer.user), lang.t("settings"), body)).into_response())
}
