//! An editor's session in the workspace: the cookie that keeps the token, and the CSRF token
//! every form carries.
//!
//! The CSRF token is bound to the session: it is derived from the session's own token, which
//! the browser keeps `HttpOnly` and another site can neither read nor guess. Pages are
//! compressed and echo form values, so the token is masked afresh in every response (BREACH):
//! a random pad, then the token XOR the pad.

use axum::http::HeaderValue;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::request::{SESSION_COOKIE, SESSION_PATH};

/// The name of the hidden field that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

const CSRF_BYTES: usize = 32;

/// The unmasked CSRF token of the session with `token`.
fn csrf_secret(token: &str) -> [u8; CSRF_BYTES] {
    Sha256::new().chain_update(b"ai-tracker editor form\0").chain_update(token.as_bytes()).finalize().into()
}

/// A CSRF token for a form of the session with `token`, masked with a fresh pad.
pub fn csrf_token(token: &str) -> String {
    let secret = csrf_secret(token);
    let mut masked = [0u8; 2 * CSRF_BYTES];
    let (pad, body) = masked.split_at_mut(CSRF_BYTES);
    rand::rng().fill_bytes(pad);
    for ((b, s), p) in body.iter_mut().zip(secret).zip(pad.iter()) {
        *b = s ^ p;
    }
    URL_SAFE_NO_PAD.encode(masked)
}

/// Whether `presented` is a CSRF token of the session with `token`.
pub fn csrf_matches(token: &str, presented: Option<&str>) -> bool {
    let Some(Ok(masked)) = presented.map(|p| URL_SAFE_NO_PAD.decode(p.trim())) else { return false };
    if masked.len() != 2 * CSRF_BYTES {
        return false;
    }
    let (pad, body) = masked.split_at(CSRF_BYTES);
    let unmasked: Vec<u8> = body.iter().zip(pad).map(|(b, p)| b ^ p).collect();
    bool::from(unmasked.ct_eq(&csrf_secret(token)))
}

/// The `Set-Cookie` that keeps `token` for `max_age_secs` seconds: `HttpOnly`,
/// `SameSite=Strict`, `Path=/editor`, and `Secure` when the service is public over https.
pub fn set_cookie(token: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path(SESSION_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::seconds(max_age_secs.max(0)));
    header_value(cookie.build())
}

/// The `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(secure: bool) -> HeaderValue {
    let cookie = Cookie::build((SESSION_COOKIE, ""))
        .path(SESSION_PATH)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .max_age(CookieDuration::ZERO);
    header_value(cookie.build())
}

fn header_value(cookie: Cookie<'_>) -> HeaderValue {
    // A JWT and the attributes above are all visible ASCII.
    HeaderValue::from_str(&cookie.to_string()).expect("a cookie is a valid header value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csrf_token_is_masked_afresh_and_bound_to_its_session() {
        let (one, two) = (csrf_token("session-a"), csrf_token("session-a"));
        assert_ne!(one, two, "each response carries a differently masked token");
        assert!(csrf_matches("session-a", Some(&one)) && csrf_matches("session-a", Some(&two)));
        assert!(!csrf_matches("session-b", Some(&one)), "another session's token is refused");
        assert!(!csrf_matches("session-a", None));
        assert!(!csrf_matches("session-a", Some("not-base64!")));
        assert!(!csrf_matches("session-a", Some(&one[..20])));
    }

    #[test]
    fn the_cookie_has_every_attribute_the_workspace_needs() {
        let cookie = set_cookie("tok", 3600, true);
        let text = cookie.to_str().unwrap();
        for part in ["ai_tracker_session=tok", "HttpOnly", "SameSite=Strict", "Path=/editor", "Secure", "Max-Age=3600"]
        {
            assert!(text.contains(part), "{text} lacks {part}");
        }
        assert!(!set_cookie("tok", 60, false).to_str().unwrap().contains("Secure"));
        assert!(clear_cookie(false).to_str().unwrap().contains("Max-Age=0"));
    }
}
