//! HTTP plumbing shared by the API and the dashboard: JSON errors and who is asking.
//!
//! People authenticate with a session cookie (dashboard login); tools calling the API with an API
//! token (`Bearer sut_…`, preferred) or HTTP Basic (each request costs a throttled, bounded argon2
//! check); agents authenticate with their site token in `ingest`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64_lite::decode_basic;
use sunset_catalog::wire::{self, ErrorBody};
use tracing::error;

use crate::login::{self, Refusal};
use crate::state::Shared;
use crate::store::{self, User};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sunset_session";

/// A JSON error, answered as [`ErrorBody`]: `{"error": "...", "field": "..."}`.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// What is wrong, for a person.
    pub error: String,
    /// The offending field, when there is one.
    pub field: Option<String>,
    /// Seconds the client should wait before trying again (`Retry-After`), for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error without a field.
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            field: None,
            retry_after: None,
        }
    }

    /// A refusal to try again later: 429 or 503 with `Retry-After`.
    pub fn retry(status: StatusCode, error: impl Into<String>, seconds: u64) -> ApiError {
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(status, error)
        }
    }

    /// An error about a field.
    pub fn field(
        status: StatusCode,
        error: impl Into<String>,
        field: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            field: Some(field.into()),
            retry_after: None,
        }
    }

    /// A database (or other internal) failure: logged in full, answered without detail.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        error!(error = %e, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error,
            field: self.field,
        };
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    /// A database that cannot be reached or written is a 503 to retry later, not a 500.
    fn from(e: sqlx::Error) -> Self {
        if crate::health::is_storage_failure(&e) {
            error!(error = %e, "request failed: database unavailable");
            return ApiError::retry(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database is unavailable; try again later",
                crate::health::RETRY_AFTER_SECONDS,
            );
        }
        ApiError::internal(e)
    }
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= wire::MAX_TOKEN_LEN)
}

/// The client's address (the peer of the connection), when the server knows it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(address(parts)))
    }
}

fn address(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Who is asking, and how they proved it. The user carries their role and their scope (the
/// organisation subtree they are granted, read with the session or token): every handler asks the
/// store through [`crate::filter::Filter::selection`] or with that scope, so an answer never reaches
/// beyond it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user, their role and their scope.
    pub user: User,
    /// The session's CSRF token (`None` for API tokens and Basic auth, which browsers do not send
    /// by themselves once the dashboard uses cookies).
    pub csrf_token: Option<String>,
    /// Authenticated by HTTP Basic. A browser that once answered a Basic prompt resends those
    /// credentials by itself, even on a request another site forged, so a Basic caller may read
    /// but never change anything (administrative calls need an API token or a session).
    pub basic: bool,
}

async fn caller(parts: &Parts, state: &Shared) -> Result<Option<Caller>, ApiError> {
    if let Some(id) = cookie(&parts.headers, SESSION_COOKIE)
        && let Some(session) = store::session(&state.db, id, state.now()).await?
    {
        return Ok(Some(Caller {
            user: session.user,
            csrf_token: Some(session.csrf_token),
            basic: false,
        }));
    }
    if let Some(token) = bearer(&parts.headers)
        && token.starts_with(crate::store::tokens::PREFIX)
    {
        let user = crate::store::tokens::user_for_token(&state.db, token).await?;
        return Ok(user.map(|user| Caller {
            user,
            csrf_token: None,
            basic: false,
        }));
    }
    let basic = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(decode_basic);
    let Some((name, password)) = basic else {
        return Ok(None);
    };
    match login::check_password(state, &name, password, address(parts), "basic").await {
        Ok(user) => Ok(Some(Caller {
            user,
            csrf_token: None,
            basic: true,
        })),
        Err(Refusal::Wrong) => Ok(None),
        Err(refusal) => Err(refusal_error(refusal)),
    }
}

/// The answer to a password check that was not even made (throttled, busy) or failed.
pub fn refusal_error(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::Wrong => ApiError::new(StatusCode::UNAUTHORIZED, "wrong user name or password"),
        Refusal::Throttled(wait) => ApiError::retry(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed logins for this user or from this address; try again in {} s",
                wait.as_secs().max(1)
            ),
            wait.as_secs(),
        ),
        Refusal::Busy => ApiError::retry(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many password checks at once; try again shortly (tools should use an API token)",
            crate::admission::BUSY_RETRY_AFTER_SECONDS,
        ),
        Refusal::Db(e) => e.into(),
    }
}

/// A logged-in caller of the JSON API; 401 JSON otherwise.
pub struct ApiCaller(pub Caller);

impl FromRequestParts<Shared> for ApiCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        match caller(parts, state).await {
            Ok(Some(c)) => Ok(ApiCaller(c)),
            Ok(None) => {
                let mut response = ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "log in, or send an API token (Authorization: Bearer sut_…) or HTTP Basic credentials",
                )
                .into_response();
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Basic realm=\"sunset\""),
                );
                Err(response)
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A logged-in dashboard user; redirected to the login page otherwise.
pub struct PageCaller(pub Caller);

impl FromRequestParts<Shared> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Shared,
    ) -> Result<Self, Self::Rejection> {
        match caller(parts, state).await {
            Ok(Some(c)) => Ok(PageCaller(c)),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Minimal base64 for HTTP Basic credentials; no crate needed for this one decode.
mod base64_lite {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }

    /// Decodes standard base64 (padding optional).
    pub fn decode(text: &str) -> Option<Vec<u8>> {
        let bytes: Vec<u8> = text.trim().bytes().filter(|b| *b != b'=').collect();
        if bytes.len() > 4096 {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
        for chunk in bytes.chunks(4) {
            let mut acc = 0u32;
            for (i, b) in chunk.iter().enumerate() {
                acc |= value(*b)? << (18 - 6 * i);
            }
            let n = match chunk.len() {
                4 => 3,
                3 => 2,
                2 => 1,
                _ => return None,
            };
            for i in 0..n {
                out.push((acc >> (16 - 8 * i)) as u8);
            }
        }
        Some(out)
    }

    /// `user:password` from a Basic credential.
    pub fn decode_basic(text: &str) -> Option<(String, String)> {
        let decoded = String::from_utf8(decode(text)?).ok()?;
        let (user, password) = decoded.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    mod tests {
        #[test]
        fn decodes_basic_credentials() {
            // "alice:s3cret:x" — the password may contain colons.
            assert_eq!(
                super::decode_basic("YWxpY2U6czNjcmV0Ong="),
                Some(("alice".to_string(), "s3cret:x".to_string()))
            );
            assert_eq!(super::decode_basic("!!"), None);
        }
    }
}
