//! Turns a presented token into the current user and token.
//!
//! One indexed query per check at most, and none for a token verified less than
//! `TOKEN_CACHE_TTL_SECONDS` ago: verified tokens are kept in memory, keyed by
//! hash. A hit costs a read lock, one hash-map probe and one clock read, and
//! allocates nothing. Revocation stays correct: this instance forgets a token the
//! moment it revokes it (and a lookup that raced with a revocation is not cached),
//! and other instances sharing the database hold an entry for at most the TTL
//! (1 s by default) before they look again. An entry is never used past the
//! token's own expiry. `last_used_at` is written only after the hash matched, and
//! at most once a minute per token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use super::abilities::Abilities;
use super::token::{PresentedToken, TokenHash};
use crate::db::{self, Db};
use crate::errors::ApiError;
use crate::tokens::{queries, AccessToken};
use crate::users::User;

/// How often `last_used_at` is written for one token, at most.
const LAST_USED_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);
/// Past this many entries, a cache insert first drops the stale ones.
const CACHE_SWEEP_AT: usize = 10_000;

/// The current user and token of a request.
#[derive(Debug)]
pub struct AuthContext {
    pub user: User,
    pub token: AccessToken,
    pub abilities: Abilities,
}

struct CacheEntry {
    context: Arc<AuthContext>,
    /// The end of the TTL or the token's expiry, whichever comes first.
    usable_until: Instant,
}

#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    prefix: String,
    expiration_minutes: Option<i64>,
    ttl: Duration,
    cache: RwLock<HashMap<TokenHash, CacheEntry>>,
    /// Bumped (under the cache's write lock) by every revocation; a lookup that
    /// saw it change while it ran does not cache what it read.
    revocations: AtomicU64,
}

impl TokenVerifier {
    pub fn new(db: Db, prefix: String, expiration_minutes: Option<i64>, ttl: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                prefix,
                expiration_minutes,
                ttl,
                cache: RwLock::new(HashMap::new()),
                revocations: AtomicU64::new(0),
            }),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    pub fn expiration_minutes(&self) -> Option<i64> {
        self.inner.expiration_minutes
    }

    /// Parses a presented token; anything malformed is a 401 without a query.
    pub fn parse(&self, raw: &str) -> Result<PresentedToken, ApiError> {
        PresentedToken::parse(raw, &self.inner.prefix).map_err(|_| ApiError::unauthenticated(true))
    }

    /// The user and token for a presented token, or a 401.
    pub async fn verify(&self, presented: PresentedToken) -> Result<Arc<AuthContext>, ApiError> {
        if let Some(hit) = self.cached(&presented) {
            return Ok(hit);
        }
        let epoch = self.inner.revocations.load(Ordering::Acquire);
        let found = self.lookup(presented.clone()).await?;
        let context = found.ok_or(ApiError::unauthenticated(true))?;
        self.remember(presented.hash, &context, epoch);
        Ok(context)
    }

    /// Looks a token up in the database without the cache (for introspection and
    /// revocation, which must see the database's truth). `None` when it is
    /// unknown, revoked or expired.
    pub async fn lookup(
        &self,
        presented: PresentedToken,
    ) -> Result<Option<Arc<AuthContext>>, ApiError> {
        let expiration = self.inner.expiration_minutes;
        self.inner
            .db
            .run(move |conn| {
                let row = match presented.id {
                    Some(id) => queries::find_with_user_by_id(conn, id)?,
                    None => queries::find_with_user_by_hash(conn, presented.hash.as_str())?,
                };
                let Some((mut token, user)) = row else {
                    return Ok(None);
                };
                if !presented.hash.matches(&token.token) {
                    return Ok(None);
                }
                let now = db::now();
                if token.is_expired(expiration, now) {
                    return Ok(None);
                }
                if token
                    .last_used_at
                    .is_none_or(|at| at <= now - LAST_USED_INTERVAL)
                    && queries::touch_last_used(conn, token.id, now, now - LAST_USED_INTERVAL)? > 0
                {
                    token.last_used_at = Some(now);
                    token.updated_at = Some(now);
                }
                let abilities = Abilities::from_column(token.abilities.as_deref());
                Ok(Some(Arc::new(AuthContext {
                    user,
                    token,
                    abilities,
                })))
            })
            .await
    }

    /// The cached context of a token verified less than the TTL ago, if it has
    /// not expired since. Allocates nothing.
    pub fn cached(&self, presented: &PresentedToken) -> Option<Arc<AuthContext>> {
        if self.inner.ttl.is_zero() {
            return None;
        }
        let cache = self.inner.cache.read().unwrap_or_else(|p| p.into_inner());
        let entry = cache.get(&presented.hash)?;
        let usable = Instant::now() < entry.usable_until;
        let same_id = presented.id.is_none_or(|id| id == entry.context.token.id);
        (usable && same_id).then(|| Arc::clone(&entry.context))
    }

    fn remember(&self, hash: TokenHash, context: &Arc<AuthContext>, epoch: u64) {
        if self.inner.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut usable_until = now + self.inner.ttl;
        if let Some(expiry) = context
            .token
            .effective_expiry(self.inner.expiration_minutes)
        {
            // Whole seconds, like the database check (`expires_at <= now`).
            let left = (expiry - chrono::Utc::now().naive_utc())
                .to_std()
                .unwrap_or(Duration::ZERO);
            usable_until = usable_until.min(now + left);
        }
        let mut cache = self.inner.cache.write().unwrap_or_else(|p| p.into_inner());
        if self.inner.revocations.load(Ordering::Acquire) != epoch {
            return; // a revocation ran meanwhile: what we read may be gone
        }
        if cache.len() >= CACHE_SWEEP_AT {
            cache.retain(|_, e| e.usable_until > now);
        }
        cache.insert(
            hash,
            CacheEntry {
                context: Arc::clone(context),
                usable_until,
            },
        );
    }

    /// Forgets tokens by their stored hashes (after a revocation).
    pub fn forget_hashes<'a>(&self, hashes: impl IntoIterator<Item = &'a str>) {
        let mut cache = self.inner.cache.write().unwrap_or_else(|p| p.into_inner());
        self.inner.revocations.fetch_add(1, Ordering::AcqRel);
        for hash in hashes {
            if let Some(hash) = TokenHash::from_stored(hash) {
                cache.remove(&hash);
            }
        }
    }

    /// Forgets a token by id (after a revocation by id).
    pub fn forget_id(&self, id: i64) {
        let mut cache = self.inner.cache.write().unwrap_or_else(|p| p.into_inner());
        self.inner.revocations.fetch_add(1, Ordering::AcqRel);
        cache.retain(|_, e| e.context.token.id != id);
    }

    /// When a token minted now expires.
    pub fn expiry_for_new(
        &self,
        now: NaiveDateTime,
        requested_minutes: Option<i64>,
    ) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
        let own = requested_minutes.map(|m| now + chrono::Duration::minutes(m));
        let by_config = self
            .inner
            .expiration_minutes
            .map(|m| now + chrono::Duration::minutes(m));
        let effective = match (own, by_config) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        (own, effective)
    }
}
