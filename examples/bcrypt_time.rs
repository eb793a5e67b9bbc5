//! Times one bcrypt verification on one thread, as the login path does it
//! (`password::verify` against a `$2y$` hash), for the bcrypt bound printed by
//! `scripts/bench.sh`: logins/s ≤ cores ÷ this time.
//!
//!     cargo run --release --example bcrypt_time -- [COST] [ROUNDS]
//!
//! Prints `bcrypt_verify_ms=<median of ROUNDS> cost=<COST>`.

use std::time::Instant;

use mission_control::auth::password;

fn main() {
    let mut args = std::env::args().skip(1);
    let cost: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(9).max(1);
    let stored = match password::hash("password", cost) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("bcrypt_time: cannot hash at cost {cost}: {e}");
            std::process::exit(2);
        }
    };
    let _ = password::verify("password", &stored); // warm-up
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            let ok = password::verify("password", &stored);
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            assert!(ok, "the hash just made must verify");
            ms
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!("bcrypt_verify_ms={:.3} cost={cost}", times[times.len() / 2]);
}
