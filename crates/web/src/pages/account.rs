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

pub(crate) fn sign_in_form(lang: Lang, username: &str, next: &str, problem: Option<&str>) -> String {
    let notice = problem.map_or(String::new(), |p| format!(r#"<p class="notice error" role="alert">{}</p>"#, esc(p)));
    format!(
        r#"<h1>{title}</h1>{notice}
<form class="stack" method="post" action="/sign-in">
<input type="hidden" name="next" value="{next}">
<label>{username_label}<input name="username" autocomplete="username" required value="{username}"></label>
<label>{password_label}<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">{title}</button>
</form>"#,
        title = lang.t("sign_in"),
        next = esc(next),
        username_label = lang.t("username"),
        username = esc(username),
        password_label = lang.t("password"),
    )
}

pub(crate) async fn sign_in_page(Query(query): Query<NextQuery>) -> Html<String> {
    let lang = Lang::Fa;
    layout(lang, None, lang.t("sign_in"), &sign_in_form(lang, "", query.next.as_deref().unwrap_or("/"), None))
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    pub(crate) username: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) next: String,
}

/// Only a path on this site is followed after signing in.
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
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
        Err(AuthError::WeakPassword) => lang.t("wrong_credentials"),
        Err(AuthError::Store(e)) => return PageError::Internal(lang, e).into_response(),
    };
    let status = if problem == lang.t("throttled") { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNAUTHORIZED };
    (status, layout(lang, None, lang.t("sign_in"), &sign_in_form(lang, &form.username, &form.next, Some(problem))))
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

pub(crate) fn settings_body(viewer: &Viewer, notice: Option<(&str, &str)>) -> String {
    let lang = viewer.lang;
    let selected = |yes: bool| if yes { " selected" } else { "" };
    let notice = notice
        .map_or(String::new(), |(class, text)| format!(r#"<p class="notice {class}" role="status">{}</p>"#, esc(text)));
    format!(
        r#"<h1>{title}</h1>{notice}
<form class="stack" method="post" action="/settings">
<label>{language}<select name="language"><option value="fa"{fa}>فارسی</option><option value="en"{en}>English</option></select></label>
<label>{unit}<select name="unit"><option value="rial"{rial}>{rials}</option><option value="toman"{toman}>{tomans}</option></select></label>
<button type="submit">{save}</button>
</form>
<h2>{password_title}</h2>
<form class="stack" method="post" action="/settings/password">
<label>{current}<input name="current_password" type="password" autocomplete="current-password" required></label>
<label>{new}<span class="hint">{hint}</span><input name="new_password" type="password" autocomplete="new-password" required minlength="{min}"></label>
<button type="submit">{change}</button>
</form>"#,
        title = lang.t("settings"),
        language = lang.t("language"),
        fa = selected(lang == Lang::Fa),
        en = selected(lang == Lang::En),
        unit = lang.t("money_unit"),
        rial = selected(viewer.unit == MoneyUnit::Rial),
        toman = selected(viewer.unit == MoneyUnit::Toman),
        rials = lang.t("rials"),
        tomans = lang.t("tomans"),
        save = lang.t("save"),
        password_title = lang.t("change_password"),
        current = lang.t("current_password"),
        new = lang.t("new_password"),
        hint = lang.t("password_hint"),
        min = auth::PASSWORD_CHARS_MIN,
        change = lang.t("change_password"),
    )
}

pub(crate) async fn settings_page(viewer: Viewer) -> Html<String> {
    layout(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), &settings_body(&viewer, None))
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
    Ok(layout(viewer.lang, Some(&viewer.user), viewer.lang.t("settings"), &body).into_response())
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
        Err(AuthError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, ("error", lang.t("throttled"))),
        Err(AuthError::Store(e)) => return Err(viewer.internal(e)),
    };
    let body = settings_body(&viewer, Some(notice));
    Ok((status, layout(lang, Some(&viewer.user), lang.t("settings"), &body)).into_response())
}
