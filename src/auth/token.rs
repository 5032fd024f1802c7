//! Editor tokens: HS256 JWTs with every registered claim required and checked, including `nbf`
//! (which jsonwebtoken skips unless told). The role in a token is informative only: callers
//! take the role from the editor row.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use rand::RngCore;
use serde::{Deserialize, Serialize};

pub const ISSUER: &str = "ai-tracker";
pub const AUDIENCE: &str = "ai-tracker-editors";
/// HS256 keys shorter than its hash give away strength; RFC 7518 §3.2.
pub const MIN_SECRET_BYTES: usize = 32;
/// Clock skew tolerated between instances, in seconds.
const LEEWAY_SECS: u64 = 5;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The editor's id.
    pub sub: String,
    pub role: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: String,
    /// The editor's token version when the token was issued; bumping it revokes the token.
    pub tv: i32,
}

/// Cheap to clone: axum clones the application state, and these keys with it, for every request
/// (copying the keys and the validation's claim sets was 3 % of a model page's instructions).
#[derive(Clone)]
pub struct TokenKeys(Arc<Keys>);

struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    lifetime: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys").field("lifetime", &self.0.lifetime).finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn from_secret(secret: &[u8], lifetime: Duration) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= MIN_SECRET_BYTES,
            "the JWT secret must be at least {MIN_SECRET_BYTES} bytes long (it has {})",
            secret.len()
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(TokenKeys(Arc::new(Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            lifetime,
        })))
    }

    /// A secret for this process only: tokens die with it and other instances refuse them.
    pub fn random(lifetime: Duration) -> Self {
        let mut secret = [0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        Self::from_secret(&secret, lifetime).expect("64 bytes is long enough")
    }

    pub fn issue(&self, editor_id: i32, role: &str, token_version: i32) -> anyhow::Result<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let expires = now + self.0.lifetime;
        let mut jti = [0u8; 16];
        rand::rng().fill_bytes(&mut jti);
        let claims = Claims {
            sub: editor_id.to_string(),
            role: role.to_owned(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires.timestamp(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            jti: jti.iter().map(|b| format!("{b:02x}")).collect(),
            tv: token_version,
        };
        Ok((encode(&Header::new(Algorithm::HS256), &claims, &self.0.encoding)?, expires))
    }

    /// The token's claims if its signature, algorithm and every time and party claim check out.
    /// Why a token failed stays in the log: callers learn only that it did.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        match decode::<Claims>(token, &self.0.decoding, &self.0.validation) {
            Ok(data) => Some(data.claims),
            Err(error) => {
                tracing::info!(%error, "refused a token");
                None
            }
        }
    }
}
