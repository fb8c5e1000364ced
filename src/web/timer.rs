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
        let armed = self.armed.as_ref().map(|(at, _)| *at);
        if armed.is_some_and(|at| deadline.is_none_or(|d| d >= at)) {
            return;
        }
        self.armed = deadline.map(|at| {
            let delay = (at - now).clamp(0.0, i32::MAX as f64).ceil() as u32;
            (at, Timeout::new(delay, on_fire))
        });
    }

    /// Forgets the fired timer so the next `arm` schedules anew.
    pub(crate) fn fired(&mut self) {
        self.armed = None;
    }
}
