//! The time of the input being handled. Reading the clock is a call into JS; one frame used to read it three times
//! (the driver's input, its timer, the store fed from inside the input). Now an input reads it once, or takes it
//! from the JS handler that delivered it (`Date.now()` there is no crossing), and everything the input runs shares
//! it: a few microseconds of staleness at most, within one task.

use std::cell::Cell;

thread_local! {
    static INPUT_TIME: Cell<Option<f64>> = const { Cell::new(None) };
}

/// The current input's time, else the clock.
pub(crate) fn now() -> f64 {
    INPUT_TIME.get().unwrap_or_else(js_sys::Date::now)
}

/// Runs `f` as one input at time `at` (read from the clock when `None`). A nested input (a listener calling back
/// in) keeps the outer input's time.
pub(crate) fn input<R>(at: Option<f64>, f: impl FnOnce(f64) -> R) -> R {
    let outer = INPUT_TIME.get();
    let time = outer.or(at).unwrap_or_else(js_sys::Date::now);
    INPUT_TIME.set(Some(time));
    let result = f(time);
    INPUT_TIME.set(outer);
    result
}
