//! socket.io-client's `retries`: emits go out one at a time, each waiting for its ack; one that is not acked in
//! time, or is lost with the connection, is sent again, up to `retries` more times. At-least-once delivery, in
//! order, for a server that acks (and deduplicates what it may see twice).

use std::collections::VecDeque;

use crate::json::Value;

use super::event::AckError;

/// One queued emit.
#[derive(Debug)]
pub(super) struct Queued {
    pub(super) name: String,
    pub(super) args: Vec<Value>,
    /// Times sent so far.
    tries: u32,
    /// The ack id handed to the app (`emit_with_ack`), settled once, when the emit is acked or given up.
    pub(super) app_ack: Option<u64>,
    /// The ack id of the try on the wire, if one is.
    in_flight: Option<u64>,
    /// The try's ack timeout, ms.
    pub(super) timeout_ms: f64,
}

/// What settling a try's ack means for the app.
#[derive(Debug, PartialEq)]
pub(super) enum Settled {
    /// The ack was not a queued emit's: its result, untouched.
    NotQueued(Result<Vec<Value>, AckError>),
    /// The try failed and another follows (when connected).
    Retry,
    /// Done: acked, or out of tries. The app's ack id (if it asked for one) and the result.
    Done(Option<u64>, Result<Vec<Value>, AckError>),
}

/// The emits waiting for their turn; the head may be on the wire.
#[derive(Debug, Default)]
pub(super) struct RetryQueue {
    items: VecDeque<Queued>,
}

impl RetryQueue {
    pub(super) fn push(&mut self, name: &str, args: Vec<Value>, app_ack: Option<u64>, timeout_ms: f64) {
        let name = name.to_owned();
        self.items.push_back(Queued { name, args, tries: 0, app_ack, in_flight: None, timeout_ms });
    }

    /// The head, if it is not on the wire: send it with ack id `id` (recorded as its try).
    pub(super) fn next_to_send(&mut self, id: u64) -> Option<&Queued> {
        let head = self.items.front_mut().filter(|q| q.in_flight.is_none())?;
        head.in_flight = Some(id);
        head.tries += 1;
        Some(head)
    }

    /// The ack of try `id` arrived or failed. `retries`: how many sends may follow the first.
    pub(super) fn settle(&mut self, id: u64, result: Result<Vec<Value>, AckError>, retries: u32) -> Settled {
        let Some(head) = self.items.front_mut().filter(|q| q.in_flight == Some(id)) else {
            return Settled::NotQueued(result);
        };
        head.in_flight = None;
        if result.is_err() && head.tries <= retries {
            return Settled::Retry;
        }
        let app_ack = head.app_ack;
        self.items.pop_front();
        Settled::Done(app_ack, result)
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }
}
