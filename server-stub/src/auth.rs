//! Secrets: site tokens, session ids, CSRF tokens and passwords.
//!
//! Tokens and session ids are 32 random bytes, so a plain SHA-256 of them is a safe thing to store
//! and look up by. Passwords are people's, so they get argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
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

/// Most argon2 memory a stored hash may ask for (64 MiB; ours use 19 MiB).
const MAX_ARGON2_BLOCKS: usize = 64 * 1024;

thread_local! {
    /// The argon2 working memory of this thread, kept between checks (see [`verify_password`]).
    // It is `const` already: Debian's clippy 1.96 on the win7 targets (OS-key thread locals, built
    // with -Zbuild-std) reports it all the same.
    #[allow(clippy::missing_const_for_thread_local)]
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether a password matches its stored hash.
///
/// The 19 MiB argon2 needs are this thread's, allocated once and reused: allocating and freeing
/// them on every check left several copies in glibc's arenas (about 180 MiB after 256 checks two at
/// a time), while checks run on two dedicated threads ([`crate::admission`]), so this is at most
/// 38 MiB for good.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        argon2::Algorithm::try_from(parsed.algorithm),
        argon2::Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; argon2::password_hash::Salt::MAX_LENGTH];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_ARGON2_BLOCKS {
        return false;
    }
    let mut out = vec![0u8; expected.len()];
    let hashed = ARGON2_MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::new());
        }
        Argon2::new(algorithm, version, params).hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut out,
            &mut memory[..blocks],
        )
    });
    hashed.is_ok() && same_bytes(&out, expected.as_bytes())
}

/// A dummy hash, verified against when the user does not exist, so timing does not tell.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZQwXAsbPqmOMw0O9kgqUHvIRD+nKzb6LClkMT/zAvk"
}

/// Compares secrets in constant time.
pub fn same(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

fn same_bytes(a: &[u8], b: &[u8]) -> bool {
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
        // The same as argon2's own verification, for hashes made elsewhere too.
        use argon2::password_hash::PasswordVerifier;
        let parsed = PasswordHash::new(dummy_hash()).unwrap();
        for password in ["", "x", "correct horse"] {
            assert_eq!(
                verify_password(password, dummy_hash()),
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            );
        }
        // Other parameters than ours (older hashes): read from the hash, memory grown to fit.
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let other = Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x10,
            argon2::Params::new(32 * 1024, 3, 2, Some(16)).unwrap(),
        )
        .hash_password(b"older hash", &salt)
        .unwrap()
        .to_string();
        assert!(verify_password("older hash", &other));
        assert!(!verify_password("older hasH", &other));
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
