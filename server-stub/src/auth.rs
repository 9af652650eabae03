//! Secrets: site tokens, session ids, CSRF tokens and passwords.
//!
//! Tokens and session ids are 32 random bytes, so a plain SHA-256 of them is a safe thing to store
//! and look up by. Passwords are people's, so they get argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Prefix of site tokens, so a leaked one is recognisable.
pub const SITE_TOKEN_PREFIX: &str = "sst_";

/// 32 random bytes as hex.
pub fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A new site enrolment token.
pub fn new_site_token() -> String {
    format!("{SITE_TOKEN_PREFIX}{}", random_hex())
}

/// SHA-256 of a high-entropy secret, as hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// SHA-256 of bytes, as hex (ETags).
pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// An argon2id hash of a password (PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash password: {e}"))
}

/// Whether a password matches its stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A dummy hash, verified against when the user does not exist, so timing does not tell.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZQwXAsbPqmOMw0O9kgqUHvIRD+nKzb6LClkMT/zAvk"
}

/// Compares secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_wrong_ones_fail() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens_are_prefixed_random_and_hash_stably() {
        let (a, b) = (new_site_token(), new_site_token());
        assert_ne!(a, b);
        assert!(a.starts_with(SITE_TOKEN_PREFIX) && a.len() == 4 + 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
