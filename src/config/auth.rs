//! Editors' sign-in: the token secret and lifetime, and the sign-in rate limits.

use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Editors' sign-in")]
pub struct AuthSettings {
    /// The secret that signs editor tokens (HS256), at least 32 bytes. Unset: a random secret
    /// for this process only (tokens die with it, and other instances refuse them).
    #[arg(long, env = "AI_TRACKER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,

    /// How long an editor token is valid, in minutes.
    #[arg(long, env = "AI_TRACKER_TOKEN_TTL_MINUTES", default_value_t = 720)]
    pub token_ttl_minutes: u64,

    /// Sign-in attempts allowed per email per minute (in a burst, refilled over the minute).
    #[arg(long, env = "AI_TRACKER_LOGIN_ATTEMPTS_PER_EMAIL", default_value_t = 5)]
    pub login_attempts_per_email: u32,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "AI_TRACKER_LOGIN_ATTEMPTS_PER_ADDRESS", default_value_t = 20)]
    pub login_attempts_per_address: u32,
}

impl AuthSettings {
    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(self.token_ttl_minutes * 60)
    }
}
