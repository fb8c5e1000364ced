/// Reconnect delays: exponential, capped, then jittered.
///
/// socket.io-client jitters *before* capping, so from the fourth attempt on every client waits exactly the cap and a
/// restarted server is hit by all of them in the same instant. Jittering *after* the cap keeps clients spread out.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// First delay in ms.
    pub initial_ms: f64,
    /// Cap of the exponential part in ms.
    pub max_ms: f64,
    /// Jitter fraction in `[0, 1]`: the delay is spread over `capped × (1 ± factor)`.
    pub randomization_factor: f64,
}

impl Backoff {
    /// Delay before attempt `attempt` (1-based), given `random` uniform in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> f64 {
        let exponent = attempt.saturating_sub(1).min(62) as i32;
        let capped = (self.initial_ms * 2f64.powi(exponent)).min(self.max_ms).max(0.0);
        let factor = self.randomization_factor.clamp(0.0, 1.0);
        let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
        capped * (1.0 + factor * (2.0 * random - 1.0))
    }
}

/// A small deterministic PRNG (xorshift64*) so the state machine stays pure: the driver seeds it from
/// `Math.random()`, tests seed it with constants.
#[derive(Debug, Clone)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Jitter(seed | 1)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}
