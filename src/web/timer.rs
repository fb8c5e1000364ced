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
    /// Arms the timer for `deadline` (ms since epoch), or disarms it for `None`. Re-arming for the same deadline
    /// keeps the running timer.
    pub(crate) fn arm(&mut self, deadline: Option<f64>, now: f64, on_fire: impl FnOnce() + 'static) {
        if self.armed.as_ref().map(|(at, _)| *at) == deadline {
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
