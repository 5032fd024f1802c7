//! argon2id password hashes. Hashing and verifying are slow on purpose, so they run on the
//! blocking pool, never on the async workers.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};

/// Shorter passwords are refused.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer ones too: hashing a megabyte on every login attempt would be a denial of service.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Verified against when the email is unknown, so that an unknown email and a wrong password
/// take the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("a password nobody has, only to spend the time").unwrap_or_default());

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hashed = Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string());
    // argon2 works in 19 MiB of memory per hash, which an idle blocking-pool thread would keep.
    crate::alloc::give_back_working_memory();
    hashed.map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password)).await.context("hashing task")?
}

/// Whether `password` matches `stored`; with no stored hash, spends the same time and says no.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&stored)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        crate::alloc::give_back_working_memory();
        known && matches
    })
    .await
    .unwrap_or(false)
}

/// Builds the dummy hash ahead of the first login, so that login does not pay for it.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}
