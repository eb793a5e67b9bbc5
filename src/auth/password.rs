//! Passwords: bcrypt written as `$2y$` (PHP's identifier, which Laravel requires),
//! `$2a$`/`$2b$`/`$2y$` all verified, and a dedicated thread pool so a login storm
//! queues behind a few hashing threads instead of stalling everything else. On
//! Linux those threads also run at a lower priority ([`HASHING_NICE`]):
//! they use every idle cycle, but a read that needs the CPU preempts them.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread;

use bcrypt::Version;

use crate::errors::ApiError;

/// bcrypt looks at the first 72 bytes only; longer passwords are refused at
/// registration rather than silently truncated.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Hashes `password` at `cost` in PHP's `$2y$` form.
pub fn hash(password: &str, cost: u32) -> anyhow::Result<String> {
    let parts = bcrypt::hash_with_result(password, cost)?;
    Ok(parts.format_for_version(Version::TwoY))
}

/// Checks `password` against a stored hash; a malformed hash is a mismatch.
pub fn verify(password: &str, stored: &str) -> bool {
    bcrypt::verify(password, stored).unwrap_or(false)
}

/// Verifies against the stored hash, or against a dummy hash of the same cost
/// when there is no user, so both failures take the same time.
pub fn verify_or_dummy(password: &str, stored: Option<&str>, cost: u32) -> bool {
    match stored {
        Some(stored) => verify(password, stored),
        None => {
            let _ = verify(password, dummy_hash(cost));
            false
        }
    }
}

fn dummy_hash(cost: u32) -> &'static str {
    // One per cost in use (normally one), built on first need and kept.
    static BY_COST: Mutex<Vec<(u32, &'static str)>> = Mutex::new(Vec::new());
    let mut cache = BY_COST
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, h)) = cache.iter().find(|(c, _)| *c == cost) {
        return h;
    }
    let h: &'static str = Box::leak(
        hash("mission-control dummy password", cost)
            .unwrap_or_else(|_| {
                "$2y$04$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva".into()
            })
            .into_boxed_str(),
    );
    cache.push((cost, h));
    h
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The niceness of the hashing threads: under CFS a nice-10 thread gets about a
/// tenth of the CPU share of a nice-0 one, so reads preempt hashing while logins
/// still progress, and an idle machine gives hashing every cycle.
pub const HASHING_NICE: i32 = 10;

/// Sets the calling thread's niceness (Linux: per thread). Failing to is logged,
/// not fatal: hashing still works, it only competes with reads at equal priority.
fn lower_priority(nice: i32) {
    if nice == 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take plain integers and touch no memory
        // of ours; on Linux, PRIO_PROCESS with a thread id sets that thread only.
        let result = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice)
        };
        if result != 0 {
            log::warn!(
                "could not lower the priority of a password hashing thread: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// A small pool of threads for CPU-bound password work.
#[derive(Clone)]
pub struct PasswordHasher {
    sender: SyncSender<Job>,
    cost: u32,
}

impl PasswordHasher {
    /// Starts `threads` hashing threads with a bounded queue, at [`HASHING_NICE`].
    pub fn start(threads: usize, cost: u32) -> Self {
        Self::start_at(threads, cost, HASHING_NICE)
    }

    /// Starts `threads` hashing threads with a bounded queue, each at niceness
    /// `nice` (0: the process's own priority).
    pub fn start_at(threads: usize, cost: u32, nice: i32) -> Self {
        let (sender, receiver) = mpsc::sync_channel::<Job>(threads * 256);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned = thread::Builder::new()
                .name(format!("bcrypt-{n}"))
                .spawn(move || {
                    lower_priority(nice);
                    loop {
                        let job = {
                            let guard = receiver
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner());
                            guard.recv()
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => break, // every sender is gone: shut down
                        }
                    }
                });
            if let Err(e) = spawned {
                log::error!("could not start a password hashing thread: {e}");
            }
        }
        // Build the dummy hash now, so the first unknown-user login is not slower.
        let _ = dummy_hash(cost);
        Self { sender, cost }
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }

    /// Runs `f` on a hashing thread. A full queue is a 503: the server is saturated.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.sender.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                return Err(ApiError::Unavailable(
                    "password hashing queue is full".into(),
                ))
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "password hashing threads are gone"
                )))
            }
        }
        rx.await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("password hashing job was dropped")))
    }

    /// Verifies on a hashing thread (see [`verify_or_dummy`]).
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let cost = self.cost;
        self.run(move || verify_or_dummy(&password, stored.as_deref(), cost))
            .await
    }

    /// Hashes on a hashing thread.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let cost = self.cost;
        self.run(move || hash(&password, cost))
            .await?
            .map_err(ApiError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_2y_and_every_variant_verifies() {
        let h = hash("secret", 4).expect("hashes");
        assert!(h.starts_with("$2y$04$"), "{h}");
        assert!(verify("secret", &h));
        assert!(!verify("wrong", &h));
        for prefix in ["$2a$", "$2b$"] {
            let other = format!("{prefix}{}", &h[4..]);
            assert!(verify("secret", &other), "{other}");
        }
        assert!(!verify("secret", "not a hash"));
        assert!(!verify_or_dummy("secret", None, 4));
    }
}
