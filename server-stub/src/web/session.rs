//! Logging in and out. The login form is protected by a double-submit CSRF cookie (there is no
//! session yet); logout by the session's own token.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Duration;
use maud::{DOCTYPE, html};
use serde::{Deserialize, Serialize};

use super::page::{CsrfForm, page_error};
use crate::admin::{self, Proof};
use crate::auth;
use crate::http::{ApiError, Caller, ClientAddress, PageCaller, SESSION_COOKIE, cookie};
use crate::login::{self, Refusal};
use crate::state::Shared;
use crate::store;

/// Session lifetime.
const SESSION_HOURS: i64 = 12;
/// Cookie holding the pre-login CSRF token (double-submit).
const LOGIN_CSRF_COOKIE: &str = "sunset_login_csrf";

#[derive(Deserialize)]
pub(super) struct LoginQuery {
    #[serde(default)]
    failed: Option<String>,
}

/// `GET /login`: the form, and the cookie its CSRF token must match.
pub(super) async fn login_page(Query(query): Query<LoginQuery>) -> Response {
    let token = auth::random_hex();
    let body = html! {
        (DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Log in — Sunset" } link rel="stylesheet" href="/static/style.css"; }
            body { main { div.login {
                h1 { "Sunset" }
                p.muted { "End-of-support risk across the estate." }
                @if query.failed.is_some() { p.error { "Wrong user name or password." } }
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(token);
                    label { "User name" input type="text" name="username" autocomplete="username" required; }
                    label { "Password" input type="password" name="password" autocomplete="current-password" required; }
                    button.primary type="submit" { "Log in" }
                }
            } } }
        }
    };
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=3600"
    );
    ([(header::SET_COOKIE, cookie)], Html(body.into_string())).into_response()
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    csrf: String,
    username: String,
    password: String,
}

/// The audit detail of a login.
#[derive(Serialize)]
struct LoginDetail {
    address: String,
}

/// `POST /login`: checks the form's CSRF cookie and the password, then starts a session.
pub(super) async fn login(
    State(state): State<Shared>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(expected) = cookie(&headers, LOGIN_CSRF_COOKIE) else {
        // The browser did not send back the cookie the login page set: it keeps `Secure` cookies
        // over HTTPS (and on localhost) only.
        return page_error(ApiError::new(
            StatusCode::FORBIDDEN,
            "Your browser did not send back the login page's cookie. Browsers keep it only over \
             HTTPS (or on this machine as localhost): open the dashboard with https://, or ask \
             the administrator to configure [tls] in collector.toml.",
        ));
    };
    if !auth::same(expected, &form.csrf) {
        return page_error(ApiError::new(
            StatusCode::FORBIDDEN,
            "The login form expired; reload the page and try again.",
        ));
    }
    let user =
        match login::check_password(&state, &form.username, form.password, address, "form").await {
            Ok(user) => user,
            Err(Refusal::Wrong) => return Redirect::to("/login?failed=1").into_response(),
            Err(refusal) => return page_error(crate::http::refusal_error(refusal)),
        };
    let session_id = auth::random_hex();
    let csrf = auth::random_hex();
    let now = state.now();
    if let Err(e) = store::create_session(
        &state.db,
        &user,
        &session_id,
        &csrf,
        now,
        now + Duration::hours(SESSION_HOURS),
    )
    .await
    {
        return page_error(ApiError::from(e));
    }
    let detail = LoginDetail {
        address: address.map_or_else(|| "unknown".to_string(), |a| a.to_string()),
    };
    let audited = match serde_json::to_string(&detail) {
        Ok(detail) => store::audit_event(&state.db, &user.name, "login", &detail, now)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = audited {
        tracing::error!(error = %e, "cannot write the audit log entry of a login");
    }
    let session_cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    let clear =
        format!("{LOGIN_CSRF_COOKIE}=; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    let mut response = Redirect::to("/").into_response();
    let headers = response.headers_mut();
    for value in [session_cookie, clear] {
        if let Ok(value) = value.parse() {
            headers.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `None` when the form's CSRF token matches the session's, else the refusal to send.
fn check_csrf(caller: &Caller, given: &str) -> Option<Response> {
    admin::not_forged(caller, Proof::Form(given))
        .err()
        .map(|e| page_error(e.into()))
}

/// `POST /logout`: ends the session the cookie names; audited as `logout`, with the address.
pub(super) async fn logout(
    State(state): State<Shared>,
    PageCaller(caller): PageCaller,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(response) = check_csrf(&caller, &form.csrf) {
        return response;
    }
    if let Some(id) = cookie(&headers, SESSION_COOKIE)
        && let Err(e) = store::delete_session(&state.db, id).await
    {
        return page_error(ApiError::internal(e));
    }
    let detail = serde_json::json!({
        "address": address.map_or_else(|| "unknown".to_string(), |a| a.to_string()),
    });
    if let Err(e) = store::audit_event(
        &state.db,
        &caller.user.name,
        "logout",
        &detail.to_string(),
        state.now(),
    )
    .await
    {
        tracing::error!(error = %e, "cannot write the audit log entry of a logout");
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}
