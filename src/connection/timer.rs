//! The Engine.IO session's deadlines by name (quinn-proto's timer table is the model): the driver arms one
//! timer at their minimum, and an expiry is dispatched by which one it was. Ack deadlines stay with each ack.

/// A session deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timer {
    /// Backoff over: the next reconnect attempt starts.
    Reconnect,
    /// The transport did not bring the Engine.IO OPEN in time: the attempt failed.
    ConnectTimeout,
    /// The upgrade probe took too long: stay on polling.
    Probe,
    /// No PING from the server within `pingInterval + pingTimeout`: the session is dead.
    Heartbeat,
}

impl Timer {
    /// In the order expiries are handled when several are due at once (only the probe's and the heartbeat's can
    /// be: the others are of phases without them).
    pub(super) const ALL: [Timer; 4] = [Timer::Probe, Timer::Heartbeat, Timer::Reconnect, Timer::ConnectTimeout];
}

/// When each [`Timer`] fires, if armed.
#[derive(Debug, Default)]
pub(super) struct TimerTable([Option<f64>; Timer::ALL.len()]);

impl TimerTable {
    pub(super) fn set(&mut self, timer: Timer, at: f64) {
        self.0[timer as usize] = Some(at);
    }

    pub(super) fn stop(&mut self, timer: Timer) {
        self.0[timer as usize] = None;
    }

    pub(super) fn get(&self, timer: Timer) -> Option<f64> {
        self.0[timer as usize]
    }

    pub(super) fn is_armed(&self, timer: Timer) -> bool {
        self.get(timer).is_some()
    }

    pub(super) fn is_expired(&self, timer: Timer, now: f64) -> bool {
        self.get(timer).is_some_and(|at| now >= at)
    }

    /// The earliest armed deadline.
    pub(super) fn next(&self) -> Option<f64> {
        let mut next: Option<f64> = None;
        for at in self.0.into_iter().flatten() {
            next = Some(next.map_or(at, |n| n.min(at)));
        }
        next
    }
}
