use gloo_timers::callback::Timeout;

/// One re-armable timer for a state machine's next deadline (`poll_timeout`). Dropping it cancels it.
#[derive(Default)]
pub(crate) struct DeadlineTimer {
    armed: Option<(f64, Timeout)>,
}

impl std::fmt::Debug for DeadlineTimer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeadlineTimer").field("at", &self.armed.as_ref().map(|(at, _)| at)).finish()
    }
}

impl DeadlineTimer {
    /// Arms the timer for `deadline` (ms since epoch). A timer already armed for an earlier moment is kept: firing
    /// early is harmless (the state machine finds nothing due and gives its next deadline), and it spares a
    /// `clearTimeout` + `setTimeout` pair on every ack-awaiting emit.
    pub(crate) fn arm(&mut self, deadline: Option<f64>, now: f64, on_fire: impl FnOnce() + 'static) {
        if !self.would_change(deadline, now) {
            return;
        }
        self.armed = deadline.map(|at| {
            let delay = (at - now).clamp(0.0, i32::MAX as f64).ceil() as u32;
            (at, Timeout::new(delay, on_fire))
        });
    }

    /// Whether [`arm`](Self::arm) with this deadline would do anything: lets a caller skip building the callback
    /// on every input (the usual case: an earlier or no deadline is already in place).
    ///
    /// An armed moment already past is stale: after a laptop sleep (a wall-clock jump) `setTimeout` still counts
    /// the delay it was given in awake time, so its callback may be far off; a new deadline replaces it.
    pub(crate) fn would_change(&self, deadline: Option<f64>, now: f64) -> bool {
        match (self.armed.as_ref().map(|(at, _)| *at), deadline) {
            (None, None) => false,
            (Some(at), d) => d.is_some_and(|d| d < at || at < now),
            (None, Some(_)) => true,
        }
    }

    /// Forgets the fired timer so the next `arm` schedules anew.
    pub(crate) fn fired(&mut self) {
        self.armed = None;
    }
}
