//! The token format, owned by this one module.
//!
//! Plain text: `<id>|<prefix><40 random [A-Za-z0-9]><crc32b of those 40, 8 hex>`,
//! as Sanctum 4 mints them. Only `sha256_hex(<everything after the first "|">)` is
//! stored. Changing the format or the prefix does not revoke existing tokens
//! (only the hash is compared), but tokens carrying the *configured* prefix must
//! pass the checksum, so a typo or a forged token never reaches the database.

use std::fmt;

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Number of random characters in a secret (Sanctum's `Str::random(40)`).
const RANDOM_LEN: usize = 40;
/// Secrets longer than this are refused without a lookup: no Sanctum version
/// mints one, and it keeps hostile headers cheap.
const MAX_SECRET_LEN: usize = 255;

/// The secret part of a token (everything after `<id>|`). Its `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSecret(String);

impl TokenSecret {
    /// Mints a new secret from the operating system's CSPRNG.
    pub fn generate(prefix: &str) -> Self {
        let random = Alphanumeric.sample_string(&mut OsRng, RANDOM_LEN);
        let checksum = crc32fast::hash(random.as_bytes());
        Self(format!("{prefix}{random}{checksum:08x}"))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }

    /// The plain text a client receives once: `<id>|<secret>`.
    pub fn plain_text(&self, id: i64) -> String {
        format!("{id}|{}", self.0)
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenSecret(<redacted>)")
    }
}

/// SHA-256 of a secret, as 64 lowercase hex characters: what the `token` column
/// holds. Kept inline (no heap), so checking a presented token allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 64]);

impl TokenHash {
    pub fn of(secret: &str) -> Self {
        let mut hex = [0u8; 64];
        // 32 bytes always fit in 64 hex characters.
        let _ = hex::encode_to_slice(Sha256::digest(secret.as_bytes()), &mut hex);
        Self(hex)
    }

    /// Wraps a value read from the `token` column; `None` unless it is 64
    /// lowercase hex characters (as every stored hash is).
    pub fn from_stored(stored: &str) -> Option<Self> {
        let bytes: [u8; 64] = stored.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .then_some(Self(bytes))
    }

    pub fn as_str(&self) -> &str {
        // Only ever built from lowercase hex: always ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Compares with a stored hash in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        constant_time_eq::constant_time_eq(&self.0, stored.as_bytes())
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenHash").field(&self.as_str()).finish()
    }
}

/// A bearer token as presented, reduced to what the lookup needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresentedToken {
    /// The `<id>` part, when the token had one.
    pub id: Option<i64>,
    pub hash: TokenHash,
}

/// Why a presented token was refused before any lookup.
#[derive(Debug, PartialEq, Eq)]
pub enum Malformed {
    Empty,
    BadId,
    TooLong,
    BadChecksum,
}

impl PresentedToken {
    /// Parses a presented token. `prefix` is the configured `TOKEN_PREFIX`.
    pub fn parse(raw: &str, prefix: &str) -> Result<Self, Malformed> {
        let raw = raw.trim();
        let (id, secret) = match raw.split_once('|') {
            Some((id, secret)) => (Some(parse_id(id)?), secret),
            None => (None, raw),
        };
        if secret.is_empty() {
            return Err(Malformed::Empty);
        }
        if secret.len() > MAX_SECRET_LEN {
            return Err(Malformed::TooLong);
        }
        if !prefix.is_empty() {
            if let Some(body) = secret.strip_prefix(prefix) {
                check_checksum(body)?;
            }
        }
        Ok(Self {
            id,
            hash: TokenHash::of(secret),
        })
    }
}

fn parse_id(id: &str) -> Result<i64, Malformed> {
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Malformed::BadId);
    }
    id.parse::<i64>().map_err(|_| Malformed::BadId)
}

/// `body` is what follows our prefix: 40 alphanumerics then their crc32b in hex.
fn check_checksum(body: &str) -> Result<(), Malformed> {
    if body.len() != RANDOM_LEN + 8 || !body.is_ascii() {
        return Err(Malformed::BadChecksum);
    }
    let (random, checksum) = body.split_at(RANDOM_LEN);
    if !random.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Malformed::BadChecksum);
    }
    let mut expected = [0u8; 8];
    // 4 bytes always fit in 8 hex characters.
    let _ = hex::encode_to_slice(
        crc32fast::hash(random.as_bytes()).to_be_bytes(),
        &mut expected,
    );
    if constant_time_eq::constant_time_eq(&expected, checksum.as_bytes()) {
        Ok(())
    } else {
        Err(Malformed::BadChecksum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_secret_has_the_sanctum_shape() {
        let secret = TokenSecret::generate("mc_");
        let plain = secret.plain_text(7);
        let (id, s) = plain.split_once('|').expect("has an id");
        assert_eq!(id, "7");
        assert_eq!(s.len(), 3 + 40 + 8);
        assert!(s.starts_with("mc_"));
        assert!(s[3..43].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(
            &s[43..],
            format!("{:08x}", crc32fast::hash(&s.as_bytes()[3..43]))
        );
        assert_eq!(
            secret.hash().as_str(),
            hex::encode(Sha256::digest(s.as_bytes()))
        );
        assert_ne!(TokenSecret::generate("mc_"), secret);
        assert_eq!(format!("{secret:?}"), "TokenSecret(<redacted>)");
    }

    #[test]
    fn parse_accepts_both_forms_and_refuses_garbage() {
        let secret = TokenSecret::generate("mc_");
        let plain = secret.plain_text(42);
        let with_id = PresentedToken::parse(&plain, "mc_").expect("valid");
        assert_eq!(with_id.id, Some(42));
        assert_eq!(with_id.hash, secret.hash());
        let bare =
            PresentedToken::parse(plain.split_once('|').expect("id").1, "mc_").expect("valid");
        assert_eq!(bare.id, None);
        assert_eq!(bare.hash, secret.hash());

        assert_eq!(
            PresentedToken::parse("abc|secret", "mc_"),
            Err(Malformed::BadId)
        );
        assert_eq!(
            PresentedToken::parse("|secret", "mc_"),
            Err(Malformed::BadId)
        );
        assert_eq!(
            PresentedToken::parse("-1|secret", "mc_"),
            Err(Malformed::BadId)
        );
        assert_eq!(
            PresentedToken::parse("99999999999999999999|x", "mc_"),
            Err(Malformed::BadId)
        );
        assert_eq!(PresentedToken::parse("1|", "mc_"), Err(Malformed::Empty));
        assert_eq!(
            PresentedToken::parse(&"a".repeat(300), "mc_"),
            Err(Malformed::TooLong)
        );
        // Our prefix with a wrong checksum, or the wrong length, never gets looked up.
        let mut tampered = plain.clone();
        let last = tampered.pop().expect("non-empty");
        tampered.push(if last == '0' { '1' } else { '0' });
        assert_eq!(
            PresentedToken::parse(&tampered, "mc_"),
            Err(Malformed::BadChecksum)
        );
        assert_eq!(
            PresentedToken::parse("1|mc_short", "mc_"),
            Err(Malformed::BadChecksum)
        );
        // Secrets from other Sanctum versions (no prefix, 40 or 80 characters) are looked up.
        assert!(PresentedToken::parse(&format!("3|{}", "A".repeat(40)), "mc_").is_ok());
        assert!(PresentedToken::parse(&"B".repeat(80), "mc_").is_ok());
    }
}
